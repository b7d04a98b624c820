"""xAPI document resources: State (the same store as H5P resume), Activity Profile, Agent Profile;
their concurrency (ETag, If-Match, If-None-Match), HEAD, JSON merge on POST, `since`, and who may
see whose documents."""

import hashlib
import json
import time
from urllib.parse import urlencode

import pytest

from courses.xapi import selectors, services
from courses.xapi.identity import agent_for
from courses.xapi.models import ActivityState, LRSClient, ProfileDocument
from tests.xapi.conftest import XAPI, basic

pytestmark = pytest.mark.django_db

STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"
ACTIVITY = "http://www.example.com/activities/quiz"
RICK = {"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick"}}


def url(base: str, **params) -> str:
    query = {key: json.dumps(value) if isinstance(value, dict) else value for key, value in params.items()}
    return f"{base}?{urlencode(query)}"


def send(client, method: str, address: str, body=None, *, content_type="application/json", **headers):
    data = json.dumps(body) if isinstance(body, dict | list) else (body or "")
    return getattr(client, method)(address, data, content_type=content_type, **{**XAPI, **headers})


def etag(document: str) -> str:
    return '"' + hashlib.sha1(document.encode()).hexdigest() + '"'


@pytest.fixture
def reader(db):
    """A reporting client that may write and read everything: (client, Basic headers)."""
    client = LRSClient(name="Reports", may_read_all=True)
    secret = services.create_client(client=client)
    return client, basic(client.key, secret)


# ---- State ---------------------------------------------------------------------------------

def test_state_put_get_head_delete(client, lrs_client):
    _client, auth = lrs_client
    address = url(STATE, activityId=ACTIVITY, agent=RICK, stateId="bookmark")
    assert send(client, "put", address, {"page": 3}, **auth).status_code == 204
    got = client.get(address, **XAPI, **auth)
    assert got.status_code == 200 and got.json() == {"page": 3}
    assert got["ETag"] == etag(got.content.decode()) and got["Content-Type"] == "application/json"
    assert got["Last-Modified"]
    head = client.head(address, **XAPI, **auth)
    assert head.status_code == 200 and head.content == b"" and head["ETag"] == got["ETag"]
    assert client.delete(address, **XAPI, **auth).status_code == 204
    assert client.get(address, **XAPI, **auth).status_code == 404


def test_state_put_over_an_existing_document_needs_no_precondition_but_a_wrong_if_match_is_412(client, lrs_client):
    _client, auth = lrs_client
    address = url(STATE, activityId=ACTIVITY, agent=RICK, stateId="s")
    send(client, "put", address, {"a": 1}, **auth)
    assert send(client, "put", address, {"a": 2}, **auth).status_code == 204
    assert send(client, "put", address, {"a": 3}, HTTP_IF_MATCH='"' + "0" * 40 + '"', **auth).status_code == 412
    assert send(client, "put", address, {"a": 3}, HTTP_IF_NONE_MATCH="*", **auth).status_code == 412
    assert client.get(address, **XAPI, **auth).json() == {"a": 2}


def test_state_post_merges_json_objects_one_level_deep(client, lrs_client):
    _client, auth = lrs_client
    address = url(STATE, activityId=ACTIVITY, agent=RICK, stateId="merge")
    assert send(client, "post", address, {"a": 1, "deep": {"x": 1}}, **auth).status_code == 204
    assert send(client, "post", address, {"b": 2, "deep": {"y": 2}}, **auth).status_code == 204
    assert client.get(address, **XAPI, **auth).json() == {"a": 1, "b": 2, "deep": {"y": 2}}
    # Not JSON on either side: 400, nothing changes.
    assert send(client, "post", address, "abc", content_type="text/plain", **auth).status_code == 400
    assert send(client, "post", address, "[1, 2]", **auth).status_code == 400
    assert send(client, "post", address, '{"c": ', **auth).status_code == 400
    assert client.get(address, **XAPI, **auth).json() == {"a": 1, "b": 2, "deep": {"y": 2}}
    text_address = url(STATE, activityId=ACTIVITY, agent=RICK, stateId="text")
    send(client, "put", text_address, "plain words", content_type="application/octet-stream", **auth)
    assert send(client, "post", text_address, {"a": 1}, **auth).status_code == 400
    got = client.get(text_address, **XAPI, **auth)
    assert got.content == b"plain words" and got["Content-Type"] == "application/octet-stream"


def test_state_ids_since_and_delete_all(client, lrs_client):
    _client, auth = lrs_client
    for state_id in ("one", "two"):
        send(client, "put", url(STATE, activityId=ACTIVITY, agent=RICK, stateId=state_id), {"n": 1}, **auth)
    listed = client.get(url(STATE, activityId=ACTIVITY, agent=RICK), **XAPI, **auth)
    assert sorted(listed.json()) == ["one", "two"]
    middle = ActivityState.objects.get(state_id="one").updated_at.isoformat()
    time.sleep(0.01)
    send(client, "put", url(STATE, activityId=ACTIVITY, agent=RICK, stateId="two"), {"n": 2}, **auth)
    assert client.get(url(STATE, activityId=ACTIVITY, agent=RICK, since=middle), **XAPI, **auth).json() == ["two"]
    assert client.get(url(STATE, activityId=ACTIVITY, agent=RICK, since="yesterday"), **XAPI, **auth).status_code == 400
    assert client.delete(url(STATE, activityId=ACTIVITY, agent=RICK), **XAPI, **auth).status_code == 204
    assert not ActivityState.objects.exists()


def test_state_registration_keeps_documents_apart(client, lrs_client):
    _client, auth = lrs_client
    registration = "c0a7a3b6-1f3c-4a55-9d39-7c2a0f1f1e11"
    send(client, "put", url(STATE, activityId=ACTIVITY, agent=RICK, stateId="s"), {"r": None}, **auth)
    send(client, "put", url(STATE, activityId=ACTIVITY, agent=RICK, stateId="s", registration=registration),
         {"r": registration}, **auth)
    assert client.get(url(STATE, activityId=ACTIVITY, agent=RICK, stateId="s", registration=registration),
                      **XAPI, **auth).json() == {"r": registration}
    assert client.get(url(STATE, activityId=ACTIVITY, agent=RICK, stateId="s"), **XAPI, **auth).json() == {"r": None}


@pytest.mark.parametrize("params", [
    {"agent": RICK, "stateId": "s"},                                  # no activityId
    {"activityId": ACTIVITY, "stateId": "s"},                         # no agent
    {"activityId": ACTIVITY, "agent": "not json", "stateId": "s"},
    {"activityId": ACTIVITY, "agent": {"name": "no identifier"}, "stateId": "s"},
    {"activityId": ACTIVITY, "agent": {"mbox": "not-a-mailto"}, "stateId": "s"},
    {"activityId": "not an iri", "agent": RICK, "stateId": "s"},
    {"activityId": ACTIVITY, "agent": RICK, "stateId": "s", "registration": "nope"},
    {"activityId": ACTIVITY, "agent": RICK, "stateId": "x" * 201},
    {"activityId": ACTIVITY, "agent": RICK, "stateId": "a\x00b"},
    {"activityId": ACTIVITY, "agent": RICK},                          # PUT without stateId
])
def test_malformed_state_addresses_are_400_with_a_message(client, lrs_client, params):
    _client, auth = lrs_client
    response = send(client, "put", url(STATE, **params), {"a": 1}, **auth)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not ActivityState.objects.exists()


def test_documents_are_bounded(client, lrs_client, learner_client, learner):
    _client, auth = lrs_client
    big = {"x": "a" * services.MAX_DOCUMENT_BYTES}
    assert send(client, "put", url(STATE, activityId=ACTIVITY, agent=RICK, stateId="big"), big,
                **auth).status_code == 413
    # A learner's own session keeps documents as small as H5P's saved answers.
    own = url(STATE, activityId=ACTIVITY, agent=agent_for(learner), stateId="big")
    assert send(learner_client, "put", own, {"x": "a" * services.MAX_STATE_BYTES}).status_code == 400
    assert not ActivityState.objects.exists()


# ---- one store with H5P resume; access --------------------------------------------------------

def test_a_learner_reads_and_writes_her_own_state_through_xapi_in_the_h5p_store(learner_client, learner):
    services.save_state(user=learner, activity_id=ACTIVITY, state_id="resume", document='{"answers": [1]}')
    own = url(STATE, activityId=ACTIVITY, agent=agent_for(learner), stateId="resume")
    got = learner_client.get(own, **XAPI)
    assert got.status_code == 200 and got.json() == {"answers": [1]}
    assert send(learner_client, "post", own, {"page": 2}).status_code == 204
    assert selectors.states_of(user=learner, activity_id=ACTIVITY) == [
        (ACTIVITY, "resume", '{"answers":[1],"page":2}')]


def test_another_learners_documents_are_invisible_and_untouchable(learner_client, learner, other_learner):
    services.save_state(user=other_learner, activity_id=ACTIVITY, state_id="resume", document='{"secret": 1}')
    theirs = {"activityId": ACTIVITY, "agent": agent_for(other_learner), "stateId": "resume"}
    assert learner_client.get(url(STATE, **theirs), **XAPI).status_code == 403
    assert learner_client.get(url(STATE, activityId=ACTIVITY, agent=agent_for(other_learner)),
                              **XAPI).status_code == 403
    assert send(learner_client, "put", url(STATE, **theirs), {"x": 1}).status_code == 403
    assert learner_client.delete(url(STATE, **theirs), **XAPI).status_code == 403
    assert learner_client.get(url(AGENT_PROFILE, agent=agent_for(other_learner), profileId="p"),
                              **XAPI).status_code == 403
    # Activity profiles are shared by everyone who does the activity: not for a learner's session.
    assert learner_client.get(url(ACTIVITY_PROFILE, activityId=ACTIVITY, profileId="p"), **XAPI).status_code == 403
    assert ActivityState.objects.get().document == '{"secret": 1}'


def test_session_writes_need_the_csrf_token(learner, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    own = url(STATE, activityId=ACTIVITY, agent=agent_for(learner), stateId="s")
    assert send(strict, "put", own, {"a": 1}).status_code == 403
    assert not ActivityState.objects.exists()


def test_a_client_sees_only_documents_it_wrote_unless_it_may_read_all(client, lrs_client, reader, learner):
    _writer, auth = lrs_client
    _reader, reader_auth = reader
    services.save_state(user=learner, activity_id=ACTIVITY, state_id="resume", document='{"h5p": 1}')
    learners = url(STATE, activityId=ACTIVITY, agent=agent_for(learner), stateId="resume")
    # The learner's H5P answers: not for a client that reads only its own documents...
    assert client.get(learners, **XAPI, **auth).status_code == 404
    assert client.get(url(STATE, activityId=ACTIVITY, agent=agent_for(learner)), **XAPI, **auth).json() == []
    assert send(client, "put", learners, {"x": 1}, **auth).status_code == 403
    assert client.delete(url(STATE, activityId=ACTIVITY, agent=agent_for(learner)), **XAPI, **auth).status_code == 204
    assert ActivityState.objects.filter(user=learner).count() == 1
    # ...and readable by one staff allowed to read everything.
    assert client.get(learners, **XAPI, **reader_auth).json() == {"h5p": 1}
    # A document the first client writes is its own.
    mine = url(STATE, activityId=ACTIVITY, agent=RICK, stateId="mine")
    send(client, "put", mine, {"m": 1}, **auth)
    assert client.get(mine, **XAPI, **auth).json() == {"m": 1}


def test_a_client_without_write_scope_cannot_store_documents(client, db):
    readonly = LRSClient(name="Dashboard", may_write=False)
    secret = services.create_client(client=readonly)
    auth = basic(readonly.key, secret)
    response = send(client, "put", url(STATE, activityId=ACTIVITY, agent=RICK, stateId="s"), {"a": 1}, **auth)
    assert response.status_code == 403
    assert not ActivityState.objects.exists()


def test_documents_need_credentials(client):
    assert client.get(url(STATE, activityId=ACTIVITY, agent=RICK, stateId="s"), **XAPI).status_code == 401


# ---- Activity Profile and Agent Profile: concurrency ------------------------------------------

@pytest.mark.parametrize(("base", "params"), [
    (ACTIVITY_PROFILE, {"activityId": ACTIVITY}),
    (AGENT_PROFILE, {"agent": RICK}),
])
def test_profile_concurrency(client, lrs_client, base, params):
    _client, auth = lrs_client
    address = url(base, profileId="prefs", **params)
    # A new document: neither header is a 400; If-None-Match: * creates it.
    assert send(client, "put", address, {"v": 0}, **auth).status_code == 400
    assert send(client, "put", address, {"v": 1}, HTTP_IF_NONE_MATCH="*", **auth).status_code == 204
    current = client.get(address, **XAPI, **auth)
    tag = current["ETag"]
    assert tag == etag(current.content.decode())
    # It exists: neither header is a 409 with a message; If-None-Match: * fails; a stale ETag fails.
    conflict = send(client, "put", address, {"v": 2}, **auth)
    assert conflict.status_code == 409 and conflict.content
    assert send(client, "put", address, {"v": 2}, HTTP_IF_NONE_MATCH="*", **auth).status_code == 412
    assert send(client, "put", address, {"v": 2}, HTTP_IF_MATCH=etag("other"), **auth).status_code == 412
    assert client.get(address, **XAPI, **auth).json() == {"v": 1}
    # The right ETag replaces it; the old one then no longer matches, for DELETE either.
    assert send(client, "put", address, {"v": 2}, HTTP_IF_MATCH=tag, **auth).status_code == 204
    assert client.delete(address, HTTP_IF_MATCH=tag, **XAPI, **auth).status_code == 412
    assert client.get(address, **XAPI, **auth).json() == {"v": 2}
    # POST needs no header, merges, and honours one when given.
    assert send(client, "post", address, {"w": 3}, **auth).status_code == 204
    assert send(client, "post", address, {"w": 4}, HTTP_IF_MATCH=tag, **auth).status_code == 412
    assert client.get(address, **XAPI, **auth).json() == {"v": 2, "w": 3}
    assert client.head(address, **XAPI, **auth).content == b""
    assert client.delete(address, **XAPI, **auth).status_code == 204
    assert not ProfileDocument.objects.exists()


@pytest.mark.parametrize(("base", "params"), [
    (ACTIVITY_PROFILE, {"activityId": ACTIVITY}),
    (AGENT_PROFILE, {"agent": RICK}),
])
def test_profile_ids_since(client, lrs_client, base, params):
    _client, auth = lrs_client
    send(client, "post", url(base, profileId="old", **params), {"a": 1}, **auth)
    cut = ProfileDocument.objects.get().updated_at.isoformat()
    time.sleep(0.01)
    send(client, "post", url(base, profileId="new", **params), {"a": 1}, **auth)
    assert sorted(client.get(url(base, **params), **XAPI, **auth).json()) == ["new", "old"]
    assert client.get(url(base, since=cut, **params), **XAPI, **auth).json() == ["new"]
    # DELETE of a profile names one.
    assert client.delete(url(base, **params), **XAPI, **auth).status_code == 400


def test_a_learners_agent_profile_is_hers_exported_and_erased_with_her(client, reader, learner, learner_client):
    from courses.xapi.privacy import collect_learning_records, erase_learning_records

    _reader, auth = reader
    address = url(AGENT_PROFILE, agent=agent_for(learner), profileId="prefs")
    assert send(client, "put", address, {"lang": "km"}, HTTP_IF_NONE_MATCH="*", **auth).status_code == 204
    assert ProfileDocument.objects.get().user == learner
    assert learner_client.get(address, **XAPI).json() == {"lang": "km"}
    assert collect_learning_records(learner)["xapi_agent_profiles"][0]["document"] == '{"lang": "km"}'
    erase_learning_records(learner, on_commit=lambda fn: fn())
    assert not ProfileDocument.objects.exists()


# ---- Agents and Activities ---------------------------------------------------------------------

def test_agents_resource_answers_a_person(client, lrs_client):
    _client, auth = lrs_client
    agent = {**RICK, "name": "Rick James"}
    person = client.get(url("/xapi/agents", agent=agent), **XAPI, **auth)
    assert person.status_code == 200
    assert person.json() == {"objectType": "Person", "name": ["Rick James"], "account": [RICK["account"]]}
    assert client.get("/xapi/agents", **XAPI, **auth).status_code == 400
    assert client.get(url("/xapi/agents", agent={"name": "nobody"}), **XAPI, **auth).status_code == 400


def test_a_learner_may_look_up_only_herself(learner_client, learner, other_learner):
    assert learner_client.get(url("/xapi/agents", agent=agent_for(learner)), **XAPI).status_code == 200
    assert learner_client.get(url("/xapi/agents", agent=agent_for(other_learner)), **XAPI).status_code == 403


def test_activities_resource_merges_every_definition(client, lrs_client):
    _client, auth = lrs_client
    activity = "http://www.example.com/meetings/1"

    def sent(name):
        return {"actor": RICK, "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
                "object": {"id": activity, "definition": {"name": name, "type": "http://adlnet.gov/expapi/activities/meeting"}}}

    stored = client.post("/xapi/statements", json.dumps([sent({"en-US": "meeting"}), sent({"fr-FR": "réunion"})]),
                         content_type="application/json", **XAPI, **auth)
    assert stored.status_code == 200
    got = client.get(url("/xapi/activities", activityId=activity), **XAPI, **auth).json()
    assert got["objectType"] == "Activity" and got["id"] == activity
    assert got["definition"]["name"] == {"en-US": "meeting", "fr-FR": "réunion"}
    assert client.get(url("/xapi/activities", activityId="http://unknown.example/a"), **XAPI, **auth).json() == {
        "objectType": "Activity", "id": "http://unknown.example/a"}
    assert client.get("/xapi/activities", **XAPI, **auth).status_code == 400
    assert client.put(url("/xapi/activities", activityId=activity), **XAPI, **auth).status_code == 405


HOSTILE = ["", "null", "[]", "{}", '{"mbox": 5}', '{"account": {"homePage": 1, "name": []}}', "\x00", "%", "a" * 5000,
           '{"objectType": "Group", "member": []}', "2026-13-45", "not a uuid", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1")]


@pytest.mark.parametrize("base", [STATE, ACTIVITY_PROFILE, AGENT_PROFILE, "/xapi/agents", "/xapi/activities"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_hostile_parameters_are_never_a_500(client, lrs_client, base):
    _client, auth = lrs_client
    good = {"activityId": ACTIVITY, "agent": json.dumps(RICK), "stateId": "s", "profileId": "p"}
    for name in ("activityId", "agent", "stateId", "profileId", "registration", "since"):
        for value in HOSTILE:
            address = f"{base}?{urlencode({**good, name: value})}"
            for method in ("get", "head", "put", "post", "delete"):
                if method in ("get", "head"):
                    response = getattr(client, method)(address, HTTP_IF_MATCH=value[:100], **XAPI, **auth)
                else:
                    response = send(client, method, address, {"a": 1}, HTTP_IF_MATCH=value[:100], **auth)
                assert response.status_code < 500, (name, value, method)


def test_a_non_text_identifier_in_the_statements_agent_filter_is_a_400(client, lrs_client):
    _client, auth = lrs_client
    response = client.get("/xapi/statements?" + urlencode({"agent": '{"mbox": 5}'}), **XAPI, **auth)
    assert response.status_code == 400
