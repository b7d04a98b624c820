"""The player page (access, strict CSP, who and what statements name) and the files it serves."""

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale, PageViewRestriction

from courses.h5p.services import install_package
from courses.xapi.identity import activity_iri, agent_for
from tests.h5p.conftest import BLOCK_ID, good_package, lesson_with_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(media):
    return install_package(source=io.BytesIO(good_package()))


@pytest.fixture
def lesson(site, package):
    return lesson_with_activity(site, package)


def play_url(lesson, block_id=BLOCK_ID):
    return reverse("h5p_play", kwargs={"lesson_key": lesson.translation_key, "block_id": block_id})


def config_of(response) -> dict:
    return json_block(response.content.decode(), "h5p-config")


def json_block(html: str, element_id: str) -> dict:
    opening = f'<script id="{element_id}" type="application/json">'
    start = html.index(opening) + len(opening)
    return json.loads(html[start:html.index("</script>", start)])


def test_the_lesson_frames_the_player_in_an_opaque_sandbox(learner_client, lesson):
    html = learner_client.get(lesson.url).content.decode()
    assert f'src="{play_url(lesson)}?lang=en"' in html
    assert 'sandbox="allow-scripts"' in html and "allow-same-origin" not in html
    assert 'loading="lazy"' in html and 'title="Strong passwords"' in html
    assert "This activity needs JavaScript" in html


def test_the_lesson_page_names_the_learner_and_the_activity_for_the_relay(learner_client, learner, lesson):
    response = learner_client.get(lesson.url)
    config = json_block(response.content.decode(), f"h5p-activity-{BLOCK_ID}")
    assert config["actor"] == agent_for(learner)
    assert config["activity"] == activity_iri(lesson_key=lesson.translation_key, block_id=BLOCK_ID)
    assert config["lesson"].endswith(lesson.url)
    assert config["statementsUrl"] == "/xapi/statements"
    assert config["csrfToken"] and config["queueKey"] == f"sangkat-xapi-queue-{learner.pk}"


def test_the_player_holds_no_secret_of_the_learner(learner_client, learner, lesson, package):
    response = learner_client.get(play_url(lesson))
    assert response.status_code == 200
    config = config_of(response)
    assert set(config) == {"h5p", "block", "saveSeconds"}
    html = response.content.decode()
    assert "csrf" not in html.lower() and "account" not in html
    assert response.cookies.get("csrftoken") is None
    assert config["h5p"]["h5pJsonPath"] == f"/h5p/files/content/{package.pk}"
    assert config["h5p"]["librariesPath"] == "/h5p/files/libraries"
    assert config["h5p"]["embedType"] == "div"


def test_the_player_is_sandboxed_with_a_strict_content_security_policy(learner_client, lesson):
    policy = learner_client.get(play_url(lesson))["Content-Security-Policy"]
    directives = [directive.strip() for directive in policy.split(";")]
    assert "sandbox allow-scripts" in directives  # opaque origin even when opened on its own
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy.split("script-src")[1].split(";")[0]
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'self'" in policy
    assert "default-src 'none'" in policy


def test_visitors_play_but_nothing_is_recorded_for_them(lesson):
    assert Client().get(play_url(lesson)).status_code == 200
    assert "Log in to save your answers." in Client().get(play_url(lesson)).content.decode()
    lesson_page = Client().get(lesson.url).content.decode()
    config = json_block(lesson_page, f"h5p-activity-{BLOCK_ID}")
    assert config["actor"] is None and config["csrfToken"] == ""


def test_a_private_lesson_is_not_played_for_visitors(learner_client, lesson):
    PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.LOGIN)
    assert Client().get(play_url(lesson)).status_code == 403
    assert learner_client.get(play_url(lesson)).status_code == 200


def not_found(client, url) -> bool:
    # Outside the language prefix, Django's LocaleMiddleware turns a 404 into a redirect to the
    # prefixed path, which Wagtail then answers with its own 404.
    return client.get(url, follow=True).status_code == 404


def test_unknown_block_or_unpublished_lesson_is_not_found(learner_client, lesson):
    assert not_found(learner_client, play_url(lesson, block_id="nope"))
    lesson.unpublish()
    assert not_found(learner_client, play_url(lesson))


def test_the_khmer_lesson_plays_its_khmer_package(learner_client, site, package, media):
    from courses.h5p.packaging import demo_package

    lesson = lesson_with_activity(site, package)
    khmer = lesson.get_translation(Locale.objects.get(language_code="km"))
    khmer_package = install_package(source=io.BytesIO(demo_package("km")))
    lesson_with_activity({"lessons": [khmer]}, khmer_package)
    assert config_of(learner_client.get(play_url(lesson) + "?lang=km"))["h5p"]["h5pJsonPath"].endswith(f"/{khmer_package.pk}")
    assert config_of(learner_client.get(play_url(lesson) + "?lang=en"))["h5p"]["h5pJsonPath"].endswith(f"/{package.pk}")


def test_a_translation_without_the_activity_plays_the_one_that_has_it(learner_client, lesson, package):
    response = learner_client.get(play_url(lesson) + "?lang=km")
    assert config_of(response)["h5p"]["h5pJsonPath"].endswith(f"/{package.pk}")


def test_files_are_served_with_their_types(client, package):
    content = client.get(f"/h5p/files/content/{package.pk}/content/content.json")
    assert content.status_code == 200 and content["Content-Type"] == "application/json"
    assert json.loads(b"".join(content.streaming_content))["question"] == "Which is strongest?"
    script = client.get("/h5p/files/libraries/Sangkat.Choice-1.0/choice.js")
    assert script.status_code == 200 and script["Content-Type"] == "text/javascript"
    assert "sandbox" in script["Content-Security-Policy"]


@pytest.mark.parametrize("path", [
    "content/../../../settings.py", "content/..%2F..%2Fx", "library.json", "content/missing.json",
])
def test_only_files_of_the_package_are_served(client, package, path):
    assert not_found(client, f"/h5p/files/content/{package.pk}/{path}")


def test_unknown_library_is_not_found(client, package):
    assert not_found(client, "/h5p/files/libraries/H5P.Nothing-1.0/x.js")
    assert not_found(client, "/h5p/files/libraries/Sangkat.Choice-1.0/../../content/1/h5p.json")


@pytest.mark.parametrize("destination", ["script", "style", "worker", "serviceworker", "sharedworker"])
@pytest.mark.parametrize("site", ["same-origin", "same-site"])
def test_package_files_are_never_code_or_style_for_pages_of_the_site(client, package, destination, site):
    headers = {"Sec-Fetch-Site": site, "Sec-Fetch-Dest": destination}
    assert client.get("/h5p/files/libraries/Sangkat.Choice-1.0/choice.js", headers=headers).status_code == 403
    assert client.get(f"/h5p/files/content/{package.pk}/content/content.json", headers=headers).status_code == 403


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "script"},  # the sandboxed player (opaque origin)
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "empty"},  # its fetch() of JSON
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "empty"},  # read as data, not run
    {"Sec-Fetch-Site": "none", "Sec-Fetch-Dest": "document"},  # opened on its own: sandboxed by its CSP
    {},  # no Fetch Metadata (older browsers, tools)
])
def test_the_player_reads_package_files_across_origins_without_credentials(client, package, headers):
    response = client.get("/h5p/files/libraries/Sangkat.Choice-1.0/choice.js", headers=headers)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "sandbox" in response["Content-Security-Policy"]
