"""The xAPI 1.0.3 Statements resource: storing, fetching, conflicts, voiding and every bad input."""

import json
import uuid

import pytest

from courses.xapi.models import Statement
from tests.xapi.conftest import URL, XAPI, basic, post, statement

pytestmark = pytest.mark.django_db


def test_a_learner_posts_one_statement_and_gets_its_id(learner_client, learner):
    sent = statement(learner)
    response = post(learner_client, sent)
    assert response.status_code == 200
    assert response.json() == [sent["id"]]
    assert response["X-Experience-API-Version"] == "1.0.3"
    stored = Statement.objects.get(pk=sent["id"])
    assert stored.user == learner
    assert stored.data["actor"] == sent["actor"]
    # The LRS sets what the sender left out.
    assert stored.data["version"] == "1.0.0"
    assert stored.data["stored"] and stored.data["timestamp"] and stored.data["authority"]


def test_a_batch_is_stored_in_order_and_ids_are_assigned_when_missing(learner_client, learner):
    first, second = statement(learner), statement(learner, verb="answered")
    del second["id"]
    response = post(learner_client, [first, second])
    assert response.status_code == 200
    ids = response.json()
    assert ids[0] == first["id"]
    assert uuid.UUID(ids[1])
    assert Statement.objects.count() == 2


def test_put_stores_with_the_given_id(learner_client, learner):
    sent = statement(learner)
    statement_id = sent.pop("id")
    response = learner_client.put(f"{URL}?statementId={statement_id}", json.dumps(sent),
                                  content_type="application/json", **XAPI)
    assert response.status_code == 204
    assert Statement.objects.filter(pk=statement_id).exists()


def test_put_needs_a_statement_id_that_matches_the_body(learner_client, learner):
    sent = statement(learner)
    missing = learner_client.put(URL, json.dumps(sent), content_type="application/json", **XAPI)
    other = learner_client.put(f"{URL}?statementId={uuid.uuid4()}", json.dumps(sent),
                               content_type="application/json", **XAPI)
    assert missing.status_code == other.status_code == 400
    assert not Statement.objects.exists()


def test_the_same_statement_twice_is_a_no_op(learner_client, learner):
    sent = statement(learner, timestamp="2026-11-25T10:00:00Z")
    assert post(learner_client, sent).status_code == 200
    stored_before = Statement.objects.get(pk=sent["id"]).data["stored"]
    # Same content, other formatting of the timestamp and the LRS's own properties added.
    again = dict(sent, timestamp="2026-11-25T17:00:00.000+07:00", version="1.0.3",
                 stored="2030-01-01T00:00:00Z")
    response = post(learner_client, again)
    assert response.status_code == 200
    assert response.json() == [sent["id"]]
    assert Statement.objects.count() == 1
    assert Statement.objects.get(pk=sent["id"]).data["stored"] == stored_before


def test_the_same_id_with_other_content_is_a_conflict_and_writes_nothing(learner_client, learner):
    sent = statement(learner)
    post(learner_client, sent)
    changed = dict(sent, verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    fresh = statement(learner)
    response = post(learner_client, [fresh, changed])
    assert response.status_code == 409
    assert "error" in response.json()
    assert not Statement.objects.filter(pk=fresh["id"]).exists()
    assert Statement.objects.get(pk=sent["id"]).verb_id.endswith("completed")


def test_get_by_statement_id(learner_client, learner):
    sent = statement(learner)
    post(learner_client, sent)
    response = learner_client.get(URL, {"statementId": sent["id"]}, **XAPI)
    assert response.status_code == 200
    assert response.json()["id"] == sent["id"]
    assert response["X-Experience-API-Consistent-Through"]
    assert learner_client.get(URL, {"statementId": str(uuid.uuid4())}, **XAPI).status_code == 404


def test_voiding_hides_the_statement_except_by_voided_statement_id(learner_client, learner):
    target = statement(learner)
    post(learner_client, target)
    voiding = statement(learner, verb="voided")
    voiding["object"] = {"objectType": "StatementRef", "id": target["id"]}
    assert post(learner_client, voiding).status_code == 200
    assert learner_client.get(URL, {"statementId": target["id"]}, **XAPI).status_code == 404
    found = learner_client.get(URL, {"voidedStatementId": target["id"]}, **XAPI)
    assert found.status_code == 200 and found.json()["id"] == target["id"]
    listed = [s["id"] for s in learner_client.get(URL, **XAPI).json()["statements"]]
    assert target["id"] not in listed and voiding["id"] in listed
    # A statement that is not voided is not found by voidedStatementId.
    assert learner_client.get(URL, {"voidedStatementId": voiding["id"]}, **XAPI).status_code == 404


def test_a_voiding_statement_cannot_be_voided(learner_client, learner):
    target = statement(learner)
    voiding = statement(learner, verb="voided", object={"objectType": "StatementRef", "id": target["id"]})
    post(learner_client, [target, voiding])
    again = statement(learner, verb="voided", object={"objectType": "StatementRef", "id": voiding["id"]})
    response = post(learner_client, again)
    assert response.status_code == 400
    assert not Statement.objects.filter(pk=again["id"]).exists()
    assert not Statement.objects.get(pk=voiding["id"]).voided


def test_voiding_needs_a_statement_ref(learner_client, learner):
    response = post(learner_client, statement(learner, verb="voided"))
    assert response.status_code == 400
    assert "StatementRef" in response.json()["error"]


def test_a_learner_cannot_void_another_learners_statement(client, learner, other_learner):
    theirs = statement(other_learner)
    client.force_login(other_learner)
    post(client, theirs)
    client.force_login(learner)
    voiding = statement(learner, verb="voided", object={"objectType": "StatementRef", "id": theirs["id"]})
    assert post(client, voiding).status_code == 403
    assert not Statement.objects.get(pk=theirs["id"]).voided
    assert not Statement.objects.filter(pk=voiding["id"]).exists()


def _bad(learner, change):
    body = statement(learner)
    change(body)
    return body


BAD_STATEMENTS = {
    "missing actor": lambda s: s.pop("actor"),
    "missing verb": lambda s: s.pop("verb"),
    "missing object": lambda s: s.pop("object"),
    "verb id not an IRI": lambda s: s.update(verb={"id": "completed"}),
    "activity id not an IRI": lambda s: s.update(object={"id": "not an iri"}),
    "scaled score 1.5": lambda s: s.update(result={"score": {"scaled": 1.5}}),
    "scaled score as text": lambda s: s.update(result={"score": {"scaled": "0.5"}}),
    "raw above max": lambda s: s.update(result={"score": {"raw": 11, "min": 0, "max": 10}}),
    "id not a UUID": lambda s: s.update(id="statement-1"),
    "timestamp not ISO 8601": lambda s: s.update(timestamp="yesterday"),
    "timestamp a number": lambda s: s.update(timestamp=1732530000),
    "unknown top-level property": lambda s: s.update(mood="happy"),
    "registration not a UUID": lambda s: s.update(context={"registration": "abc"}),
    "version 2": lambda s: s.update(version="2.0.0"),
}


@pytest.mark.parametrize("problem", sorted(BAD_STATEMENTS))
def test_invalid_statements_are_refused_with_a_reason_and_nothing_is_stored(learner_client, learner, problem):
    good = statement(learner)
    bad = _bad(learner, BAD_STATEMENTS[problem])
    response = post(learner_client, [good, bad])
    assert response.status_code == 400, problem
    assert response.json()["error"]
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert not Statement.objects.exists()


def test_a_statement_that_is_not_an_object_is_refused(learner_client, learner):
    response = post(learner_client, [statement(learner), "completed"])
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_the_reason_points_at_the_statement_in_the_batch(learner_client, learner):
    response = post(learner_client, [statement(learner), statement(learner, verb="x y")])
    assert response.status_code == 400
    assert response.json()["statement"] == 1
    assert "verb" in response.json()["error"]


def test_two_statements_with_one_id_in_a_batch_are_refused(learner_client, learner):
    sent = statement(learner)
    response = post(learner_client, [sent, dict(sent)])
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_a_body_that_is_not_json_is_refused(learner_client):
    response = learner_client.post(URL, "{not json", content_type="application/json", **XAPI)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_a_body_that_is_not_json_content_type_is_refused(learner_client, learner):
    response = learner_client.post(URL, json.dumps(statement(learner)), content_type="text/plain", **XAPI)
    assert response.status_code == 400


def test_an_oversized_body_is_refused(learner_client, learner, settings):
    settings.SANGKAT_XAPI_MAX_BODY_BYTES = 2000
    big = statement(learner, result={"response": "x" * 3000})
    response = post(learner_client, big)
    assert response.status_code == 413
    assert response.json()["error"]
    assert not Statement.objects.exists()


@pytest.mark.parametrize("version", [None, "", "0.95", "2.0.0", "1.1.0"])
def test_a_missing_or_wrong_version_header_is_refused(learner_client, learner, version):
    headers = {} if version is None else {"HTTP_X_EXPERIENCE_API_VERSION": version}
    response = learner_client.post(URL, json.dumps(statement(learner)), content_type="application/json", **headers)
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert not Statement.objects.exists()
    assert learner_client.get(URL, **headers).status_code == 400


def test_version_1_0_0_is_accepted(learner_client, learner):
    response = post(learner_client, statement(learner), HTTP_X_EXPERIENCE_API_VERSION="1.0.0")
    assert response.status_code == 200


def test_unknown_query_parameters_and_bad_filters_are_refused(learner_client):
    for query in ({"colour": "red"}, {"limit": "-1"}, {"since": "last week"}, {"agent": "{}"},
                  {"registration": "x"}, {"ascending": "yes"}, {"statementId": "x"},
                  {"statementId": str(uuid.uuid4()), "verb": "http://adlnet.gov/expapi/verbs/completed"},
                  {"cursor": "!!!"}):
        response = learner_client.get(URL, query, **XAPI)
        assert response.status_code == 400, query
        assert response.json()["error"]


def test_other_methods_are_not_allowed(learner_client):
    assert learner_client.delete(URL, **XAPI).status_code == 405


def test_a_basic_client_stores_and_reads_back_its_statements(client, lrs_client, learner):
    lrs, headers = lrs_client
    sent = statement(learner)
    response = post(client, sent, **headers)
    assert response.status_code == 200
    row = Statement.objects.get(pk=sent["id"])
    assert row.client == lrs
    assert row.user == learner  # about a Sangkat learner: it counts for their progress
    assert row.data["authority"]["account"]["name"] == f"lrs-client:{lrs.key}"
    found = client.get(URL, {"statementId": sent["id"]}, **XAPI, **headers)
    assert found.status_code == 200


def test_a_client_writing_about_someone_outside_sangkat(client, lrs_client):
    _lrs, headers = lrs_client
    sent = statement(None, actor={"objectType": "Agent", "mbox": "mailto:visitor@example.org"})
    response = post(client, sent, **headers)
    assert response.status_code == 200
    assert Statement.objects.get(pk=sent["id"]).user is None


def test_head_answers_like_get_without_a_body(learner_client):
    response = learner_client.head(URL, **XAPI)
    assert response.status_code == 200
    assert response.content == b""


def test_basic_credentials_for_an_unknown_key(client, learner):
    response = post(client, statement(learner), **basic("nobody", "nothing"))
    assert response.status_code == 401
