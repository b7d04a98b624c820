"""Saved answers inside H5P activities (content user data): stored per learner, activity and part,
only the signed-in learner's own, every bad request a 400 or 404 (never a 500), CSRF checked."""

import io
import json
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms import privacy
from courses.h5p.services import install_package
from courses.xapi import document_writes
from courses.xapi import selectors as xapi_selectors
from courses.xapi import services as xapi_services
from courses.xapi.identity import activity_iri
from courses.xapi.models import ActivityState
from tests.factories import UserFactory
from tests.h5p.conftest import BLOCK_ID, good_package, lesson_with_activity
from tests.h5p.test_player import json_block

pytestmark = pytest.mark.django_db

PART = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
STATE = json.dumps({"chosen": 1, "answered": False})


@pytest.fixture
def lesson(site, media):
    return lesson_with_activity(site, install_package(source=io.BytesIO(good_package())))


def url(lesson, block_id=BLOCK_ID):
    return reverse("h5p_user_data", kwargs={"lesson_key": lesson.translation_key, "block_id": block_id})


def save(client, lesson, body, **kwargs):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url(lesson, **kwargs), data=data, content_type="application/json")


def saved(client, lesson) -> dict:
    response = client.get(url(lesson))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    return response.json()["states"]


def body(part="0", data_type="state", data=STATE):
    return {"subContentId": part, "dataType": data_type, "data": data}


def test_a_learner_saves_answers_and_reads_them_back(learner_client, learner, lesson):
    assert saved(learner_client, lesson) == {}
    assert save(learner_client, lesson, body()).status_code == 204
    assert save(learner_client, lesson, body(part=PART, data=json.dumps({"text": "ក្រុង"}))).status_code == 204
    assert saved(learner_client, lesson) == {"0": {"state": STATE}, PART: {"state": '{"text": "\\u1780\\u17d2\\u179a\\u17bb\\u1784"}'}}
    base = activity_iri(lesson_key=lesson.translation_key, block_id=BLOCK_ID)
    assert set(ActivityState.objects.filter(user=learner).values_list("activity_id", "state_id")) == {
        (base, "state"), (f"{base}?subContentId={PART}", "state")}


def test_saving_again_replaces_the_answer_and_null_forgets_it(learner_client, learner, lesson):
    save(learner_client, lesson, body())
    newer = json.dumps({"chosen": 2, "answered": True})
    assert save(learner_client, lesson, body(data=newer)).status_code == 204
    assert saved(learner_client, lesson) == {"0": {"state": newer}}
    assert ActivityState.objects.filter(user=learner).count() == 1
    assert save(learner_client, lesson, body(data=None)).status_code == 204
    assert saved(learner_client, lesson) == {}


def test_another_learner_sees_and_changes_none_of_her_answers(learner_client, lesson):
    save(learner_client, lesson, body())
    other = Client()
    other.force_login(UserFactory())
    assert saved(other, lesson) == {}
    assert save(other, lesson, body(data=None)).status_code == 204  # forgets only his own (none)
    assert saved(learner_client, lesson) == {"0": {"state": STATE}}


def test_the_same_activity_in_another_lesson_is_another_activity(learner_client, site, lesson):
    save(learner_client, lesson, body())
    second = lesson_with_activity(site, install_package(source=io.BytesIO(good_package())), index=1)
    assert saved(learner_client, second) == {}


def test_visitors_save_nothing_and_read_nothing(lesson):
    visitor = Client()
    assert visitor.get(url(lesson)).status_code == 403
    assert save(visitor, lesson, body()).status_code == 403
    assert not ActivityState.objects.exists()


def test_a_save_without_the_csrf_token_is_refused(learner, lesson):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    assert save(browser, lesson, body()).status_code == 403
    assert not ActivityState.objects.exists()
    browser.get(lesson.url)
    token = browser.cookies["csrftoken"].value
    response = browser.post(url(lesson), data=json.dumps(body()), content_type="application/json",
                            headers={"X-CSRFToken": token})
    assert response.status_code == 204


@pytest.mark.parametrize("raw, content_type", [
    ("{not json", "application/json"),
    ("[]", "application/json"),
    ('"state"', "application/json"),
    (json.dumps(body()), "text/plain"),
    (json.dumps(body()), "application/x-www-form-urlencoded"),
    (b"\xff\xfe{}", "application/json"),
    (json.dumps({"subContentId": "0", "dataType": "state"}), "application/json"),
    (json.dumps({**body(), "user": 1}), "application/json"),
    (json.dumps(body(part="../other")), "application/json"),
    (json.dumps(body(part="a b")), "application/json"),
    (json.dumps(body(part="x" * 65)), "application/json"),
    (json.dumps(body(part="0\n")), "application/json"),
    (json.dumps(body(part=7)), "application/json"),
    (json.dumps(body(data_type="")), "application/json"),
    (json.dumps(body(data_type="__proto__")), "application/json"),
    (json.dumps(body(data_type="state/../x")), "application/json"),
    (json.dumps(body(data=42)), "application/json"),
    (json.dumps(body(data={"chosen": 1})), "application/json"),
    (json.dumps(body(data="{not json")), "application/json"),
    (json.dumps(body(data="NaN")), "application/json"),
    (json.dumps(body(data='{"a": "\\u0000"}')), "application/json"),
    (json.dumps(body(data="[" * 40 + "]" * 40)), "application/json"),
    (json.dumps(body(data=json.dumps("x" * (64 * 1024)))), "application/json"),
    ('{"subContentId": "0", "dataType": "state", "data": ' + "[" * 5000 + "]" * 5000 + "}", "application/json"),
], ids=lambda value: str(value)[:40])
def test_every_bad_save_is_a_400_and_stores_nothing(learner_client, lesson, raw, content_type):
    response = learner_client.post(url(lesson), data=raw, content_type=content_type)
    assert response.status_code == 400, response.content
    assert response.json()["error"]
    assert not ActivityState.objects.exists()


def test_a_body_larger_than_any_saved_answer_is_refused_before_it_is_read(learner_client, lesson):
    huge = json.dumps(body(data=json.dumps(["x" * 1024] * 500)))
    response = learner_client.post(url(lesson), data=huge, content_type="application/json")
    assert response.status_code == 400 and "too large" in response.json()["error"]


def test_unknown_or_hidden_activities_are_a_json_404(learner_client, lesson):
    assert learner_client.get(url(lesson, block_id="nope")).status_code == 404
    assert save(learner_client, lesson, body(), block_id="nope").status_code == 404
    unknown = reverse("h5p_user_data", kwargs={"lesson_key": uuid4(), "block_id": BLOCK_ID})
    response = learner_client.get(unknown)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert learner_client.get(f"/h5p/user-data/not-a-uuid/{BLOCK_ID}/", follow=True).status_code == 404
    PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.GROUPS)
    assert learner_client.get(url(lesson)).status_code == 404
    assert save(learner_client, lesson, body()).status_code == 404
    assert not ActivityState.objects.exists()


def test_only_get_and_post(learner_client, lesson):
    assert learner_client.put(url(lesson), data=json.dumps(body())).status_code == 405
    assert learner_client.delete(url(lesson)).status_code == 405


def test_one_activity_keeps_a_bounded_number_of_parts(learner_client, learner, lesson, monkeypatch):
    monkeypatch.setattr(document_writes, "MAX_STATES_PER_ACTIVITY", 3)
    for part in ("0", "a1", "a2"):
        assert save(learner_client, lesson, body(part=part)).status_code == 204
    assert save(learner_client, lesson, body(part="a3")).status_code == 400
    assert save(learner_client, lesson, body(part="a2", data="{}")).status_code == 204  # replacing is fine
    assert ActivityState.objects.filter(user=learner).count() == 3


def test_the_service_refuses_what_the_view_would(learner):
    activity = "https://sangkat.example/xapi/activities/lessons/x/h5p/b"
    for document in ("{", '{"a": 1} trailing', "[" * 33 + "]" * 33, "x" * (64 * 1024 + 1)):
        with pytest.raises(xapi_services.InvalidState):
            xapi_services.save_state(user=learner, activity_id=activity, state_id="state", document=document)
    xapi_services.save_state(user=learner, activity_id=activity, state_id="state", document="{}")
    assert xapi_selectors.states_of(user=learner, activity_id=activity) == [(activity, "state", "{}")]


def test_the_lesson_page_tells_the_relay_where_answers_are_saved_for_learners_only(learner_client, lesson):
    config = json_block(learner_client.get(lesson.url).content.decode(), f"h5p-activity-{BLOCK_ID}")
    assert config["userDataUrl"] == url(lesson)
    visitor = json_block(Client().get(lesson.url).content.decode(), f"h5p-activity-{BLOCK_ID}")
    assert visitor["userDataUrl"] == ""


def test_saved_answers_are_in_her_data_export_and_go_with_her_account(learner_client, learner, lesson):
    save(learner_client, lesson, body())
    other = UserFactory()
    base = activity_iri(lesson_key=lesson.translation_key, block_id=BLOCK_ID)
    xapi_services.save_state(user=other, activity_id=base, state_id="state", document="{}")
    export = dict(privacy.export_sections(learner))
    rows = export["learning_records"]["h5p_saved_answers"]
    assert [(row["activity_id"], row["document"]) for row in rows] == [(base, STATE)]

    staff = UserFactory(roles=["innovation-unit"])
    request = privacy.request_deletion(user=learner)
    privacy.fulfil_deletion(request_id=request.pk, by=staff)
    assert not ActivityState.objects.filter(user=learner).exists()
    assert ActivityState.objects.filter(user=other).count() == 1
