"""Fuzzing the statement store: random JSON and damaged statements get a clean answer, never a 500.

Through /xapi/statements with the Django test client (a 500 raises in the test): only 200/204
(stored), 400 (invalid), 403 (not the sender's own statement) or 409 (id conflict); nothing is
written unless the answer is 200/204.
"""

import json
import uuid
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courses.xapi.identity import agent_for
from courses.xapi.models import LRSClient, Statement
from courses.xapi.services import create_client
from courses.xapi.validation import InvalidStatement, validate
from tests.fuzz.strategies import (
    FUZZ,
    drop_path,
    hostile_text,
    json_paths,
    json_values,
    leaf_paths,
    nested_json,
    set_path,
    weird_text,
    with_nested,
)
from tests.xapi.conftest import URL, XAPI, basic

pytestmark = pytest.mark.django_db

CLEAN = {200, 204, 400, 403, 409}
VERBS = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.SANGKAT_XAPI_LEARNER_REQUESTS_PER_MINUTE = 10**9


@pytest.fixture
def partner(db):
    """An outside client: it may send statements about anyone, so more mutations reach the store."""
    client = LRSClient(name="Fuzzing partner", requests_per_minute=10**9)
    secret = create_client(client=client)
    return basic(client.key, secret)


def valid_statement(user) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": agent_for(user),
        "verb": {"id": VERBS + "answered", "display": {"en-US": "answered", "km": "បានឆ្លើយ"}},
        "object": {"objectType": "Activity", "id": "https://sangkat.example.org/activity/1",
                   "definition": {"name": {"en-US": "Quiz"}}},
        "result": {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True,
                   "completion": True, "duration": "PT1M"},
        "context": {"registration": str(uuid.uuid4()), "language": "en-US"},
        "timestamp": "2026-11-25T10:00:00+07:00",
    }


def _send(client, method: str, body: str, *, headers: dict, query: str = ""):
    send = client.post if method == "POST" else client.put
    before = Statement.objects.count()
    response = send(URL + query, body, content_type="application/json", **{**XAPI, **headers})
    assert response.status_code in CLEAN, (response.status_code, response.content[:300])
    if response.status_code not in (200, 204):
        assert Statement.objects.count() == before, "a refused request wrote statements"
        assert "error" in response.json()
    return response


def _mutate(statement: dict, path, value, drop: bool) -> dict:
    return drop_path(statement, path) if drop else set_path(statement, path, value)


def test_the_unchanged_statement_is_stored(learner_client, learner, partner):
    """The fuzzing below starts from valid statements, so mutations test the checks."""
    assert _send(learner_client, "POST", json.dumps(valid_statement(learner)), headers={}).status_code == 200
    assert _send(learner_client, "POST", json.dumps(valid_statement(learner)), headers=partner).status_code == 200


@FUZZ
@given(body=json_values)
def test_random_json(learner_client, partner, body):
    _send(learner_client, "POST", json.dumps(body), headers=partner)


@FUZZ
@given(body=st.one_of(st.binary(max_size=200).map(lambda b: b.decode("latin-1")), weird_text))
def test_bodies_that_are_not_json(learner_client, partner, body):
    response = _send(learner_client, "POST", body, headers=partner)
    assert response.status_code in (200, 400)  # a bare number or string is valid JSON, not a statement


@FUZZ
@given(path=json_paths, value=json_values, drop=st.booleans(), batch=st.booleans(), as_partner=st.booleans())
def test_mutated_statements(learner_client, learner, partner, path, value, drop, batch, as_partner):
    mutated = _mutate(valid_statement(learner), path, value, drop)
    body = [valid_statement(learner), mutated] if batch else mutated
    _send(learner_client, "POST", json.dumps(body), headers=partner if as_partner else {})


@FUZZ
@given(data=st.data(), text=hostile_text, as_partner=st.booleans())
def test_odd_text_in_any_property(learner_client, learner, partner, data, text, as_partner):
    """NUL, right-to-left marks, Khmer and emoji in every string the statement has."""
    statement = valid_statement(learner)
    path = data.draw(st.sampled_from(leaf_paths(statement)))
    _send(learner_client, "POST", json.dumps(set_path(statement, path, text)), headers=partner if as_partner else {})


@FUZZ
@given(path=json_paths, value=json_values, drop=st.booleans(),
       statement_id=st.one_of(st.uuids().map(str), weird_text))
def test_mutated_statements_put_with_an_id(learner_client, learner, partner, path, value, drop, statement_id):
    mutated = _mutate(valid_statement(learner), path, value, drop)
    query = "?" + urlencode({"statementId": statement_id})
    _send(learner_client, "PUT", json.dumps(mutated), headers=partner, query=query)


@FUZZ
@given(path=json_paths, value=json_values, drop=st.booleans())
def test_the_validator_only_raises_invalid_statement(learner, path, value, drop):
    """validate() is also called outside the view: it must refuse with a message, not crash."""
    mutated = _mutate(valid_statement(learner), path, value, drop)
    try:
        assert validate(mutated) is mutated
    except InvalidStatement as problem:
        assert problem.message


@FUZZ
@given(nested=nested_json, batch=st.booleans())
def test_nested_json_as_the_body(learner_client, partner, nested, batch):
    _send(learner_client, "POST", f"[{nested}]" if batch else nested, headers=partner)


@FUZZ
@given(path=json_paths, nested=nested_json, in_extension=st.booleans(), as_partner=st.booleans())
def test_nested_json_in_any_property(learner_client, learner, partner, path, nested, in_extension,
                                     as_partner):
    """Nested values anywhere in a statement, or as the value of a context extension."""
    statement = valid_statement(learner)
    if in_extension:
        statement["context"]["extensions"] = {"https://sangkat.example.org/x": None}
        path = ["context", "extensions", "https://sangkat.example.org/x"]
    _send(learner_client, "POST", with_nested(statement, path, nested),
          headers=partner if as_partner else {})


@FUZZ
@given(nested=nested_json)
def test_nested_json_as_the_agent_filter(learner_client, nested):
    response = learner_client.get(URL, {"agent": nested}, **XAPI)
    assert response.status_code in (200, 400)
