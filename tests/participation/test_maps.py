import pytest
from django.urls import reverse

from labs.participation import services

pytestmark = pytest.mark.django_db


def test_map_page_works_without_js_via_fallback_plan(client, learner):
    services.submit_proposal(author=learner, title="Drain here", body="b", category="water_flooding",
                             latitude="10.62", longitude="103.52")
    html = client.get(reverse("participation:map")).content.decode()
    assert 'id="map-fallback"' in html and "Drain here" in html
    svg = client.get(reverse("participation:map_svg"))
    assert svg["Content-Type"] == "image/svg+xml" and b"<circle" in svg.content


def test_tile_url_is_a_setting(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert "tiles.example.org" in client.get(reverse("participation:map")).content.decode()
