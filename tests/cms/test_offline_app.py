"""The installable web app: a service worker at the root, a manifest, an offline page, within budget."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from bench.offline_sizes import (
    FIRST_VISIT_BUDGET,
    SAVED_COURSE_BUDGET,
    demo_course_sizes,
    first_visit_bytes,
    saved_course_bytes,
)

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_from_the_root_as_script(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert '"/en/offline/"' in body and '"/km/offline/"' in body
    assert 'var VERSION = "' in body and 'var VERSION = ""' not in body


def test_the_manifest_names_the_app_its_start_and_its_icons(client):
    response = client.get(reverse("web_manifest"))
    manifest = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["start_url"] == "/en/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}


def test_every_page_links_the_manifest_and_names_who_is_signed_in(client, learner):
    html = client.get(reverse("login")).content.decode()
    assert 'rel="manifest"' in html and '<meta name="sangkat-user" content="">' in html
    client.force_login(learner)
    html = client.get(reverse("my_learning")).content.decode()
    assert f'<meta name="sangkat-user" content="{learner.pk}">' in html


def test_the_offline_page_is_the_same_for_everyone_and_translated(client, learner):
    client.force_login(learner)
    html = client.get("/en/offline/").content.decode()
    assert "You are offline" in html and "Courses saved on this device" in html
    assert learner.nickname not in html and "csrfmiddlewaretoken" not in html
    assert 'lang="km"' in client.get("/km/offline/").content.decode()


def test_the_service_worker_and_manifest_stay_within_the_first_visit_budget(client):
    sizes = first_visit_bytes(client)
    assert sum(sizes.values()) <= FIRST_VISIT_BUDGET, sizes


def test_every_saved_demo_course_stays_within_its_budget(client, learner, tmp_path):
    call_command("seed_demo", credentials_file=str(tmp_path / "credentials.txt"), verbosity=0)
    client.force_login(learner)
    sizes = demo_course_sizes(client)
    assert sizes and max(sizes.values()) <= SAVED_COURSE_BUDGET, sizes


def test_a_saved_course_counts_its_pictures(site, learner_client):
    """The measure is not empty: pages and the files they name are counted."""
    pages_only = sum(len(learner_client.get(url).content)
                     for url in [site["course"].url, *(lesson.url for lesson in site["lessons"])])
    assert saved_course_bytes(learner_client, site["course"]) > pages_only


def test_with_package_origins_a_saved_demo_course_counts_its_h5p_activity_and_stays_within_budget(
        client, learner, tmp_path, settings):
    call_command("seed_demo", credentials_file=str(tmp_path / "credentials.txt"), verbosity=0)
    client.force_login(learner)
    without = demo_course_sizes(client)
    settings.H5P_PACKAGE_ORIGIN = "http://p{package}.h5p.localhost:8000"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".h5p.localhost"]
    with_activities = demo_course_sizes(client)
    grown = {title: with_activities[title] - without[title] for title in without}
    # The player, H5P's code and the package's files of the demo course that has an H5P activity.
    assert max(grown.values()) > 150 * 1024, grown
    assert max(with_activities.values()) <= SAVED_COURSE_BUDGET, with_activities
