"""Issue 15, item 4: no input gives a 500. One test per input that gave one, with the clear answer
it gets now (a 400, a 404, a form error or the page without the filter).

The walk over every URL with malformed values is in tests/security/test_access_matrix.py; the
nested-JSON fuzzers are in tests/fuzz/.
"""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from cms.requestids import MAX_ID, id_or_404, parse_id
from courses.h5p.validation import PackageRejected, validate_package
from courses.xapi.models import Statement
from labs.models import Attendance
from tests.factories import UserFactory
from tests.h5p.conftest import good_package, rebuild
from tests.labs.conftest import make_session
from tests.participation.conftest import make_call
from tests.xapi.conftest import URL, XAPI, post, statement

pytestmark = pytest.mark.django_db

DEEP = 100_000  # far past the C decoder's recursion limit: json.loads raised RecursionError
NOT_IDS = ["abc", "-1", "1e9", "", " 1", "1 ", "²", "١", "\x00", "9" * 5000, str(MAX_ID + 1), "0",
           "[[1]]"]


def nested(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def nested_object(depth: int = DEEP) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# --- the helper every view uses -------------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_IDS)
def test_parse_id_refuses_what_is_not_an_id(value):
    assert parse_id(value) is None


def test_parse_id_reads_ids():
    assert parse_id("42") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(None) is None
    assert parse_id(42) is None  # only text from a request


def test_id_or_404():
    from django.http import Http404

    assert id_or_404("7") == 7
    with pytest.raises(Http404):
        id_or_404("abc")


# --- outside JSON: bounded in depth --------------------------------------------------------------


@pytest.mark.parametrize("name", ["h5p.json", "content/content.json",
                                  "Sangkat.Choice-1.0/library.json"])
def test_deeply_nested_json_in_an_h5p_package_is_refused(name):
    package = stored(rebuild(good_package(), replace={name: nested_object().encode()}))
    with pytest.raises(PackageRejected) as refused:
        validate_package(io.BytesIO(package))
    assert f"{name} is not valid JSON, or nests lists and objects" in refused.value.message


def test_content_json_may_nest_deeper_than_a_manifest():
    """An author's content tree may be deep (a book of columns of videos of questions…)."""
    content = json.loads(rebuild_read(good_package(), "content/content.json"))
    content["deep"] = json.loads(nested_object(60))
    validated = validate_package(io.BytesIO(rebuild(good_package(), replace={
        "content/content.json": json.dumps(content).encode()})))
    assert validated.title == "Strong passwords"


def rebuild_read(package: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(package)).read(name)


def stored(package: bytes) -> bytes:
    """The same zip, uncompressed: nested brackets compress past the zip-bomb ratio otherwise."""
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    return buffer.getvalue()


def test_a_deeply_nested_xapi_body_is_a_400(learner_client):
    response = learner_client.post(URL, nested(), content_type="application/json", **XAPI)
    assert response.status_code == 400
    assert "nests lists and objects" in response.json()["error"]


def test_a_deeply_nested_xapi_extension_is_a_400(learner_client, learner):
    body = json.dumps([statement(learner, activity="https://example.org/a")])
    # The extension's value, nested deeper than any recursive reader after the parser can follow.
    extension = '"context": {"extensions": {"https://example.org/x": ' + nested(5000) + "}}"
    body = body[:-2] + ", " + extension + "}]"
    response = learner_client.post(URL, body, content_type="application/json", **XAPI)
    assert response.status_code == 400
    assert Statement.objects.count() == 0


def test_a_deeply_nested_agent_filter_is_a_400(learner_client):
    response = learner_client.get(URL, {"agent": nested_object(5000)}, **XAPI)
    assert response.status_code == 400


@pytest.mark.parametrize("limit", ["²", "9" * 5000])
def test_a_limit_that_is_not_a_number_is_a_400(learner_client, limit):
    response = learner_client.get(URL, {"limit": limit}, **XAPI)
    assert response.status_code == 400


def test_a_content_length_that_is_not_a_number_is_refused(learner_client):
    response = learner_client.post(URL, "[]", content_type="application/json", CONTENT_LENGTH="²",
                                   **XAPI)
    assert response.status_code == 413


def test_an_agent_without_object_type_as_object_is_a_400(learner_client, learner):
    """An object without objectType is an Activity (xAPI 1.0.3, 2.4.4.1): it needs an id."""
    sent = statement(learner, activity="https://example.org/a")
    sent["object"] = {"mbox": "mailto:friend@example.org", "name": "A friend"}
    response = post(learner_client, [sent])
    assert response.status_code == 400
    assert Statement.objects.count() == 0


def test_an_agent_with_object_type_as_object_is_stored(learner_client, learner):
    sent = statement(learner, activity="https://example.org/a")
    sent["object"] = {"objectType": "Agent", "mbox": "mailto:friend@example.org"}
    assert post(learner_client, [sent]).status_code == 200


def test_deeply_nested_geojson_is_a_form_error():
    from games.minecraft import geo

    for text in (nested_object(), nested(), nested_object(40)):
        with pytest.raises(ValidationError):
            geo.load(text)
    with pytest.raises(ValidationError):
        geo.load(json.loads(nested_object(40)))  # a dict parsed without a bound elsewhere


def test_a_deeply_nested_geojson_upload_is_a_form_error():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from games.minecraft.forms import read_geojson_file

    with pytest.raises(ValidationError):
        read_geojson_file(SimpleUploadedFile("site.geojson", nested_object().encode()))


@pytest.mark.parametrize("pasted", [nested_object(), nested()])
def test_deeply_nested_geojson_pasted_in_the_site_editor_is_a_form_error(client, pasted):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post(reverse("wagtailsnippets_minecraft_site:add"),
                           {"name_en": "Square", "crs": "wgs84", "geojson": pasted})
    assert response.status_code == 200
    assert "This is not valid GeoJSON: the text is not JSON." in response.content.decode()


# --- ids from requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["participation:proposals", "participation:proposals_csv",
                                  "proposals_api"])
@pytest.mark.parametrize("call", ["abc", "²", "9" * 5000])
def test_a_malformed_call_filter_is_a_404(client, staff, name, call):
    make_call(staff)
    response = client.get(reverse(name), {"call": call})
    assert response.status_code == 404


def test_a_huge_page_number_is_the_last_page_we_count(client):
    assert client.get(reverse("participation:proposals"), {"page": "9" * 30}).status_code == 200


@pytest.fixture
def proposal_client(client, learner):
    from labs.participation import services

    client.force_login(learner)
    proposal = services.submit_proposal(author=learner, title="More bins at the market",
                                        body="The market overflows.", category="waste")
    return client, proposal


@pytest.mark.parametrize("value", ["abc", "²", "1e9", "9" * 5000])
def test_a_reply_to_a_malformed_parent_is_a_message(proposal_client, value):
    client, proposal = proposal_client
    response = client.post(reverse("participation:comment", args=[proposal.pk]),
                           {"body": "Yes!", "parent": value}, follow=True)
    assert response.status_code == 200
    assert "You can only reply to a comment on this proposal." in response.content.decode()
    assert not proposal.comments.exists()


@pytest.mark.parametrize("value", ["abc", "²", "9" * 5000])
def test_a_report_of_a_malformed_comment_is_a_404(proposal_client, value):
    client, proposal = proposal_client
    response = client.post(reverse("participation:report", args=[proposal.pk]),
                           {"reason": "Rude", "comment": value})
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["abc", "²"])
def test_moderating_a_malformed_comment_is_a_404(client, moderator, proposal_client, value):
    _client, proposal = proposal_client
    client.force_login(moderator)
    response = client.post(reverse("participation:moderate", args=[proposal.pk]),
                           {"action": "hide", "reason": "Rude", "comment": value})
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["abc", "²"])
def test_a_call_from_a_malformed_proposal_is_a_message(client, staff, value):
    client.force_login(staff)
    response = client.get(reverse("participation:call_new"), {"from": value})
    assert response.status_code == 302


@pytest.fixture
def run_client(client, center, facilitator):
    client.force_login(facilitator)
    return client, make_session(center, starts_in=-timedelta(minutes=20))


@pytest.mark.parametrize("value", ["abc", "-1", "²", "9" * 5000])
def test_marking_a_malformed_user_id_present_is_a_400(run_client, value):
    client, session = run_client
    response = client.post(reverse("session_attendance", args=[session.pk]),
                           {"action": "present", "user_id": value}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "This person is not known."


@pytest.mark.parametrize("value", ["abc", "²", "9" * 5000])
def test_unmarking_a_malformed_attendance_id_changes_nothing(run_client, facilitator, value):
    client, session = run_client
    kept = Attendance.objects.create(session=session, nickname="Walk-in", method="walkin",
                                     recorded_by=facilitator)
    response = client.post(reverse("session_attendance", args=[session.pk]),
                           {"action": "unmark", "attendance_id": value})
    assert response.status_code == 302
    assert Attendance.objects.filter(pk=kept.pk).exists()


def test_a_malformed_center_filter_lists_every_session(client):
    assert client.get(reverse("session_list"), {"center": "²"}).status_code == 200


def test_a_malformed_quiz_attempt_shows_the_lesson(client, site, learner):
    client.force_login(learner)
    lesson = site["lessons"][1]  # build_site puts the quiz in the second lesson
    assert client.get(lesson.url, {"attempt": "²"}).status_code == 200


@pytest.mark.parametrize("field", ["session_id", "trainee_id"])
def test_confirming_practice_with_a_malformed_id_is_a_404(client, facilitator, center, field):
    client.force_login(facilitator)
    data = {"session_id": str(make_session(center).pk), "trainee_id": str(UserFactory().pk)}
    data[field] = "abc"
    assert client.post(reverse("ambassador_practice"), data).status_code == 404


# --- Wagtail's group editor ----------------------------------------------------------------------


def test_a_superuser_can_create_and_edit_groups(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/admin/groups/new/").status_code == 200
    group = Group.objects.create(name="Volunteers")
    assert client.get(f"/admin/groups/edit/{group.pk}/").status_code == 200
