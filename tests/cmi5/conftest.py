"""cmi5 test helpers: a private media folder, the demo course installed in a lesson, and an AU
speaking to the LRS the way a real one does (launch URL -> fetch token -> HTTP Basic)."""

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from courses.cmi5.demo import demo_package
from courses.cmi5.services import install_package
from tests.factories import text_block

BLOCK_ID = "6d1e5f00-2222-4333-8444-555566667777"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def lesson_with_cmi5(site, course, *, block_id: str = BLOCK_ID, index: int = 0):
    lesson = site["lessons"][index]
    lesson.body = json.dumps([
        text_block("Try it."),
        {"type": "cmi5", "id": block_id, "value": {"course": course.pk, "title": "Safe messages"}},
    ])
    lesson.save_revision().publish()
    return lesson


@pytest.fixture
def course(media):
    return install_package(source=io.BytesIO(demo_package("en")))


@pytest.fixture
def lesson(site, course):
    return lesson_with_cmi5(site, course)


class AU:
    """What an AU does with its launch URL: fetch the token once, then call the LRS with it."""

    def __init__(self, launch_url: str):
        self.url = launch_url
        query = parse_qs(urlsplit(launch_url).query)
        self.params = {key: values[0] for key, values in query.items()}
        self.actor = json.loads(self.params["actor"])
        self.registration = self.params["registration"]
        self.activity_id = self.params["activityId"]
        self.http = Client()  # no session: the AU's opaque origin has none
        self.token = None
        self.launch_data = None

    def fetch(self):
        return self.http.post(urlsplit(self.params["fetch"]).path)

    def start(self):
        self.token = self.fetch().json()["auth-token"]
        self.launch_data = self.get_state("LMS.LaunchData").json()
        return self

    def headers(self, token=None):
        return {"HTTP_AUTHORIZATION": f"Basic {token or self.token}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}

    def state_query(self, state_id, registration=None, activity_id=None):
        from urllib.parse import urlencode

        return urlencode({"activityId": activity_id or self.activity_id, "agent": json.dumps(self.actor),
                          "registration": registration or self.registration, "stateId": state_id})

    def get_state(self, state_id, **kwargs):
        return self.http.get(f"/xapi/activities/state?{self.state_query(state_id, **kwargs)}", **self.headers())

    def put_state(self, state_id, document, **kwargs):
        return self.http.put(f"/xapi/activities/state?{self.state_query(state_id, **kwargs)}",
                             json.dumps(document), content_type="application/json", **self.headers())

    def statement(self, verb, *, result=None, move_on=False, object_id=None):
        context = json.loads(json.dumps(self.launch_data["contextTemplate"]))
        context["registration"] = self.registration
        context["contextActivities"]["category"] = [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]
        if move_on:
            context["contextActivities"]["category"].append(
                {"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"})
        statement = {"actor": self.actor, "verb": {"id": verb},
                     "object": {"id": object_id or self.activity_id}, "context": context}
        if result is not None:
            statement["result"] = result
        return statement

    def send(self, *statements, token=None):
        return self.http.post("/xapi/statements", json.dumps(list(statements)), content_type="application/json",
                              **self.headers(token))


def launch(client, lesson, au_index=0):
    response = client.post(f"/cmi5/launch/{lesson.translation_key}/{BLOCK_ID}/{au_index}/")
    assert response.status_code == 200, response.content
    return AU(response.json()["url"])


VERB = "http://adlnet.gov/expapi/verbs/"
INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED = (
    VERB + name for name in ("initialized", "completed", "passed", "failed", "terminated"))
