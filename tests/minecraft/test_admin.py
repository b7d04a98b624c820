"""Staff draw sites and edit block categories in the Wagtail admin."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from games.minecraft import services
from games.minecraft.models import BlockCategory, Site
from tests.factories import UserFactory

from .conftest import SAMPLE


def _admin(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def test_staff_upload_a_geojson_file_and_get_a_preview(client, db):
    _admin(client)
    response = client.post(reverse("wagtailsnippets_minecraft_site:add"), {
        "name_en": "Uploaded square", "name_km": "", "description": "", "crs": "wgs84", "geojson": "",
        "geojson_file": SimpleUploadedFile("square.geojson", SAMPLE.read_bytes()), "heightmap_max_m": 0})
    assert response.status_code == 302, response.content.decode()[:3000]
    site = Site.objects.get()
    assert site.preview and site.width_m > 100


def test_the_site_form_offers_paste_or_upload(client, db):
    _admin(client)
    page = client.get(reverse("wagtailsnippets_minecraft_site:add")).content.decode()
    assert 'name="geojson"' in page and 'name="geojson_file"' in page


def test_bad_geojson_in_the_admin_shows_the_message_and_saves_nothing(client, db):
    _admin(client)
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "castle"}, "geometry": {"type": "Point", "coordinates": [1, 1]}}]}
    response = client.post(reverse("wagtailsnippets_minecraft_site:add"), {
        "name_en": "Bad", "crs": "local", "geojson": json.dumps(bad), "heightmap_max_m": 0})
    assert response.status_code == 200
    assert "unknown kind “castle”" in response.content.decode()
    assert not Site.objects.exists()


def test_categories_come_from_the_editable_table(db):
    assert BlockCategory.objects.filter(pattern="minecraft:*_stairs", category="seating").exists()
    BlockCategory.objects.filter(pattern="minecraft:*_stairs").update(category="play")
    assert services.categories().of("minecraft:oak_stairs") == "play"
    assert services.categories().of("minecraft:something_new") == "other"


def test_the_site_list_shows_each_plan(client, sample_site):
    _admin(client)
    page = client.get(reverse("wagtailsnippets_minecraft_site:list")).content.decode()
    assert sample_site.preview.url in page
