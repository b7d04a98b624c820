"""Fixtures for the statement store: a lesson with H5P activities, statements, outside clients."""

import base64
import json
import uuid

import pytest

from courses.h5p.models import H5PPackage
from courses.xapi.identity import activity_iri, agent_for
from courses.xapi.models import LRSClient
from courses.xapi.services import create_client
from tests.factories import UserFactory, text_block

XAPI = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}
URL = "/xapi/statements"
VERBS = "http://adlnet.gov/expapi/verbs/"
DONE_BLOCK = "h5p-done-when-completed"
SCORE_BLOCK = "h5p-done-at-score"


def h5p_block(*, block_id: str, package: int, completion: str = "completed", pass_mark: int = 60,
              title: str = "Spot the scam") -> dict:
    return {"type": "h5p", "id": block_id, "value": {
        "package": package, "title": title, "completion": completion, "pass_mark": pass_mark,
    }}


@pytest.fixture
def h5p_lesson(site):
    """The first lesson of the demo course with two H5P activities (English and Khmer bodies)."""
    package = H5PPackage.objects.create(title="Spot the scam", main_library="Sangkat.Choice 1.0")
    lesson = site["lessons"][0]
    blocks = [
        text_block("Read, then try."),
        h5p_block(block_id=DONE_BLOCK, package=package.pk, completion="completed"),
        h5p_block(block_id=SCORE_BLOCK, package=package.pk, completion="score", pass_mark=80,
                  title="Score check"),
    ]
    lesson.body = json.dumps(blocks)
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    khmer = site["lessons_km"][0]
    khmer.body = json.dumps(blocks)
    khmer.save_revision().publish()
    return lesson


def statement(user, *, verb: str = "completed", lesson=None, block_id: str = DONE_BLOCK,
              scaled: float | None = None, activity: str | None = None, **extra) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "actor": agent_for(user) if user is not None else {"mbox": "mailto:someone@example.org"},
        "verb": {"id": VERBS + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": activity or activity_iri(
            lesson_key=lesson.translation_key if lesson else uuid.UUID(int=7), block_id=block_id)},
    }
    if scaled is not None:
        body["result"] = {"score": {"scaled": scaled}}
    body.update(extra)
    return body


def post(client, data, **headers):
    return client.post(URL, json.dumps(data), content_type="application/json", **{**XAPI, **headers})


def basic(key: str, secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


@pytest.fixture
def lrs_client(db):
    """An outside client that may write and read its own statements: (client, Basic headers)."""
    client = LRSClient(name="Partner quiz app")
    secret = create_client(client=client)
    return client, basic(client.key, secret)


@pytest.fixture
def other_learner(db, center):
    return UserFactory(home_center=center)


# --- forwarding to an outside LRS (test_forwarding, test_voiding_forwarded) ----------------------

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def quick_timeouts(settings):
    settings.SANGKAT_HTTP_TIMEOUT = (1.0, 1.0)


def forward_to(settings, base):
    settings.SANGKAT_XAPI_FORWARD_URL = base + "/lrs/statements"
    settings.SANGKAT_XAPI_FORWARD_USER = "sangkat"
    settings.SANGKAT_XAPI_FORWARD_PASSWORD = "s3cret"


def store(user, count, **extra):
    """Store `count` statements by `user` as the player would; returns their ids."""
    from courses.xapi.services import Requester, store_statements

    made = [statement(user, **extra) for _ in range(count)]
    store_statements(statements=made, requester=Requester(user=user))
    return [s["id"] for s in made]
