"""What the ADL LRS conformance suite (xAPI 1.0.3) found wrong in the statement resource, one test
per fix: headers on errors, the About resource, format=ids|canonical with Accept-Language, voiding
statements in filtered lists, related_activities/related_agents, single context activities as
arrays, and validation that was too loose or too strict (`make conformance` runs the whole suite)."""

import copy
import uuid

import pytest

from courses.xapi.models import Statement
from tests.xapi.conftest import URL, VERBS, XAPI, post

pytestmark = pytest.mark.django_db

ACTIVITY = "http://example.org/activities/quiz"
VERB = "http://example.org/verbs/tried"


def base(**extra) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Dara", "mbox": "mailto:dara@example.org"},
        "verb": {"id": VERB, "display": {"en-US": "tried", "en-GB": "tried (GB)"}},
        "object": {"objectType": "Activity", "id": ACTIVITY, "definition": {
            "name": {"en-US": "Quiz", "en-GB": "Quiz (GB)"},
            "description": {"en-US": "A quiz", "en-GB": "A quiz (GB)"}}},
    }
    body.update(extra)
    return body


def sent(client, headers, body):
    return post(client, body, **headers)


def get(client, headers, query="", **extra):
    return client.get(URL + query, **{**XAPI, **headers, **extra})


# --- headers and the About resource ---------------------------------------------------------------


@pytest.mark.parametrize("query", [
    # Fixed ids: pytest-xdist's workers must collect the same test names.
    "?statementId=not-a-uuid", f"?statementId=6f1c0a52-8d4e-4a35-9b0e-2a4c1d7e9f10&verb={VERB}",
    "?statementId=3b9e7c14-5f2a-4d61-8c3e-7a0b9d2e4f58",
])
def test_every_statement_answer_has_consistent_through_errors_included(client, lrs_client, query):
    _lrs, headers = lrs_client
    response = get(client, headers, query)
    assert response.status_code in (400, 404)
    assert response["X-Experience-API-Consistent-Through"]
    post_error = post(client, {"not": "a statement"}, **headers)
    assert post_error.status_code == 400
    assert post_error["X-Experience-API-Consistent-Through"]


def test_about_names_the_version_without_credentials_or_version_header(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json() == {"version": ["1.0.3"], "extensions": {}}
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert client.head("/xapi/about").status_code == 200
    assert client.post("/xapi/about").status_code == 405


# --- formats ------------------------------------------------------------------------------------


def test_format_canonical_keeps_the_language_asked_for(client, lrs_client):
    _lrs, headers = lrs_client
    body = base(context={"contextActivities": {"category": {"id": "http://example.org/c", "definition": {
        "name": {"en-US": "Cat", "en-GB": "Cat (GB)"}}}}})
    assert sent(client, headers, body).status_code == 200
    canonical = get(client, headers, f"?statementId={body['id']}&format=canonical",
                    HTTP_ACCEPT_LANGUAGE="en-GB")
    found = canonical.json()
    assert found["verb"]["display"] == {"en-GB": "tried (GB)"}
    assert found["object"]["definition"]["name"] == {"en-GB": "Quiz (GB)"}
    assert found["context"]["contextActivities"]["category"][0]["definition"]["name"] == {"en-GB": "Cat (GB)"}
    exact = get(client, headers, f"?statementId={body['id']}", HTTP_ACCEPT_LANGUAGE="en-GB").json()
    assert set(exact["verb"]["display"]) == {"en-US", "en-GB"}


def test_format_ids_keeps_only_identifiers(client, lrs_client):
    _lrs, headers = lrs_client
    body = base()
    assert sent(client, headers, body).status_code == 200
    found = get(client, headers, f"?verb={VERB}&format=ids").json()["statements"][0]
    assert found["actor"] == {"objectType": "Agent", "mbox": "mailto:dara@example.org"}
    assert found["verb"] == {"id": VERB}
    assert found["object"] == {"id": ACTIVITY}
    sub = base(object={**SUB, "object": {"objectType": "Activity", "id": ACTIVITY,
                                         "definition": {"name": {"en-US": "Quiz"}}}})
    assert sent(client, headers, sub).status_code == 200
    found_sub = get(client, headers, f"?statementId={sub['id']}&format=ids").json()["object"]
    assert found_sub["actor"] == {"mbox": "mailto:sub@example.org"}
    assert found_sub["object"] == {"id": ACTIVITY}
    assert found_sub["verb"] == {"id": VERB}


# --- lists ---------------------------------------------------------------------------------------


def test_a_filtered_list_returns_the_voiding_statement_of_a_matching_voided_one(client, lrs_client):
    _lrs, headers = lrs_client
    voided = base()
    voiding = base(verb={"id": VERBS + "voided"}, object={"objectType": "StatementRef", "id": voided["id"]})
    assert sent(client, headers, voided).status_code == 200
    assert sent(client, headers, voiding).status_code == 200
    ids = [found["id"] for found in get(client, headers, f"?verb={VERB}").json()["statements"]]
    assert ids == [voiding["id"]]


def test_related_activities_and_agents_widen_the_filters(client, lrs_client):
    _lrs, headers = lrs_client
    teacher = {"objectType": "Agent", "mbox": "mailto:teacher@example.org"}
    in_context = base(object={"id": "http://example.org/other"},
                      context={"instructor": teacher, "contextActivities": {"parent": [{"id": ACTIVITY}]}})
    assert sent(client, headers, in_context).status_code == 200
    plain = get(client, headers, f"?activity={ACTIVITY}").json()["statements"]
    related = get(client, headers, f"?activity={ACTIVITY}&related_activities=true").json()["statements"]
    assert plain == [] and [found["id"] for found in related] == [in_context["id"]]
    agent = '{"mbox": "mailto:teacher@example.org"}'
    assert get(client, headers, "", data={"agent": agent}).json()["statements"] == []
    by_agent = get(client, headers, "", data={"agent": agent, "related_agents": "true"})
    assert [found["id"] for found in by_agent.json()["statements"]] == [in_context["id"]]


def test_a_single_context_activity_comes_back_as_an_array(client, lrs_client):
    _lrs, headers = lrs_client
    body = base(context={"contextActivities": {"parent": {"id": "http://example.org/p"}}})
    assert sent(client, headers, body).status_code == 200
    found = get(client, headers, f"?statementId={body['id']}").json()
    assert found["context"]["contextActivities"]["parent"] == [{"id": "http://example.org/p"}]


# --- validation ----------------------------------------------------------------------------------

GROUP = {"objectType": "Group", "mbox": "mailto:group@example.org"}
SUB = {"objectType": "SubStatement", "actor": {"mbox": "mailto:sub@example.org"},
       "verb": {"id": VERB}, "object": {"id": ACTIVITY}}

ACCEPTED = {
    "version 1.0": {"version": "1.0"},
    "version 1.0.9": {"version": "1.0.9"},
    "group as context instructor": {"context": {"instructor": GROUP}},
    "anonymous group as instructor": {"context": {"instructor": {
        "objectType": "Group", "member": [{"mbox": "mailto:m@example.org"}]}}},
    "substatement about an agent": {"object": {**SUB, "object": {
        "objectType": "Agent", "mbox": "mailto:q@example.org"}}},
    "substatement about a group": {"object": {**SUB, "object": GROUP}},
    "empty activity definition": {"object": {"id": ACTIVITY, "definition": {}}},
    "empty activity extensions": {"object": {"id": ACTIVITY, "definition": {"extensions": {}}}},
    "empty result extensions": {"result": {"extensions": {}}},
    "empty context extensions": {"context": {"extensions": {}}},
    "duration in weeks": {"result": {"duration": "P4W"}},
    "authority as an OAuth pair": {"authority": {"objectType": "Group", "member": [
        {"account": {"homePage": "http://example.org", "name": "app"}},
        {"mbox": "mailto:user@example.org"}]}},
}

REFUSED = {
    "version 1.1.0": {"version": "1.1.0"},
    "timestamp -00:00": {"timestamp": "2026-05-18T05:32:34.804-00:00"},
    "timestamp -0000": {"timestamp": "2026-05-18T05:32:34.804-0000"},
    "duration P4W1D": {"result": {"duration": "P4W1D"}},
    "duration as a number": {"result": {"duration": 12345}},
    "openid not a URI": {"actor": {"openid": "not a uri"}},
    "instructor openid not a URI": {"context": {"instructor": {"openid": "not a uri"}}},
    "authority group with one member": {"authority": {"objectType": "Group", "member": [
        {"mbox": "mailto:user@example.org"}]}},
    "identified group as authority": {"authority": {**GROUP, "member": [
        {"mbox": "mailto:a@example.org"}, {"mbox": "mailto:b@example.org"}]}},
    "substatement revision with a StatementRef": {"object": {
        **SUB, "object": {"objectType": "StatementRef", "id": str(uuid.uuid4())},
        "context": {"revision": "2"}}},
    "attachment contentType as a number": {"attachments": [{
        "usageType": "http://example.org/u", "display": {"en-US": "a"}, "contentType": 999,
        "length": 1, "sha2": "a" * 64}]},
    "attachment sha2 as a number": {"attachments": [{
        "usageType": "http://example.org/u", "display": {"en-US": "a"}, "contentType": "text/plain",
        "length": 1, "sha2": 12345}]},
    "agent object without objectType": {"object": {"mbox": "mailto:q@example.org"}},
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_valid_xapi_the_store_used_to_refuse_is_accepted(client, lrs_client, name):
    _lrs, headers = lrs_client
    body = base(**copy.deepcopy(ACCEPTED[name]))
    response = sent(client, headers, body)
    assert response.status_code == 200, response.content
    assert Statement.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_invalid_xapi_the_store_used_to_accept_is_refused(client, lrs_client, name):
    _lrs, headers = lrs_client
    response = sent(client, headers, base(**copy.deepcopy(REFUSED[name])))
    assert response.status_code == 400, name
    assert not Statement.objects.exists()
