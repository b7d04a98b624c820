"""The cheaper statement POST (issue 21): credentialed API requests skip the session middleware,
checked credentials are remembered briefly, NUL and depth checks take their fast paths."""

import json

import pytest

from cms.jsonchecks import UntrustedJSONError, has_nul, loads_bounded
from courses.xapi import services
from courses.xapi.models import LRSClient, Statement
from tests.xapi.conftest import basic, post, statement

pytestmark = pytest.mark.django_db


def test_a_basic_request_skips_the_session_but_keeps_the_security_headers(client, lrs_client, learner):
    lrs, headers = lrs_client
    client.cookies["sessionid"] = "not-a-session"
    response = post(client, statement(learner), **headers)
    assert response.status_code == 200
    # Judged by its credentials alone: no session read or written, the answer does not vary by cookie.
    assert "Cookie" not in response.get("Vary", "")
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert response[header]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Language"]


def test_a_session_request_still_goes_through_the_session_middleware(learner_client, learner):
    response = post(learner_client, statement(learner))
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]


def test_a_session_write_without_csrf_is_still_refused(learner):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    assert post(browser, statement(learner)).status_code == 403
    assert not Statement.objects.exists()


def test_a_request_without_credentials_takes_the_whole_chain(client, learner):
    response = post(client, statement(learner))
    assert response.status_code == 401
    assert "Cookie" in response["Vary"]  # the session was looked at


def test_a_client_switched_off_in_this_process_is_refused_at_once(client, lrs_client, learner):
    lrs, headers = lrs_client
    assert post(client, statement(learner), **headers).status_code == 200  # checked, remembered
    lrs.active = False
    lrs.save()
    assert post(client, statement(learner), **headers).status_code == 401


def test_a_client_switched_off_elsewhere_is_refused_once_the_memo_is_old(client, lrs_client, learner,
                                                                          monkeypatch):
    lrs, headers = lrs_client
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    assert post(client, statement(learner), **headers).status_code == 200
    LRSClient.objects.filter(pk=lrs.pk).update(active=False)  # another process: no signal here
    assert post(client, statement(learner), **headers).status_code == 200  # still remembered
    clock[0] += services.CLIENT_MEMO_SECONDS
    assert post(client, statement(learner), **headers).status_code == 401


def test_a_wrong_secret_is_never_remembered(client, lrs_client, learner):
    lrs, headers = lrs_client
    assert post(client, statement(learner), **headers).status_code == 200
    assert post(client, statement(learner), **basic(lrs.key, "wrong")).status_code == 401


def test_a_batch_larger_than_one_insert_is_stored_whole(client, lrs_client, learner):
    _lrs, headers = lrs_client
    batch = [statement(learner) for _ in range(120)]
    response = post(client, batch, **headers)
    assert response.status_code == 200
    assert response.json() == [s["id"] for s in batch]
    assert Statement.objects.count() == 120
    # Sent again: nothing new. One of them changed: 409 and nothing of that batch is stored.
    assert post(client, batch, **headers).status_code == 200
    changed = [*batch[:-1], {**batch[-1], "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}]
    assert post(client, [statement(learner), *changed], **headers).status_code == 409
    assert Statement.objects.count() == 120


def test_a_statement_with_nul_is_refused_and_an_escaped_backslash_is_not_nul(client, lrs_client, learner):
    _lrs, headers = lrs_client
    with_nul = statement(learner, result={"response": "a\x00b"})
    assert post(client, with_nul, **headers).status_code == 400
    backslash = statement(learner, result={"response": "C:\\u0000"})  # text, not a NUL
    assert post(client, backslash, **headers).status_code == 200
    assert Statement.objects.get().data["result"]["response"] == "C:\\u0000"


def test_has_nul():
    assert has_nul({"a": "x\x00"}) and has_nul({"k\x00": 1}) and has_nul([[["\x00"]]])
    assert not has_nul({"a": "\\u0000"}) and not has_nul(["ok", 1, 1.5, None])
    assert has_nul({"odd": {1, 2}, "b": "\x00"})  # what JSON cannot encode: the walk decides
    assert not has_nul({"odd": {1, 2}})


def test_depth_is_still_bounded():
    assert loads_bounded("[" * 32 + "]" * 32, max_bytes=1000) is not None
    with pytest.raises(UntrustedJSONError):
        loads_bounded("[" * 33 + "]" * 33, max_bytes=1000)
    # Many brackets, shallow: parsed; brackets in strings do not count.
    assert len(loads_bounded(json.dumps([[1]] * 40), max_bytes=10_000)) == 40
    assert loads_bounded(json.dumps(["[" * 40]), max_bytes=10_000) == ["[" * 40]


def _stored_columns(ids):
    rows = Statement.objects.filter(id__in=ids).order_by("verb_id").values()
    return [{k: v for k, v in row.items() if k not in ("id", "stored", "data", "signature")} | {"data": {
        k: v for k, v in row["data"].items() if k not in ("id", "stored", "timestamp")}} for row in rows]


def test_the_json_recordset_insert_stores_what_the_values_insert_stores(client, lrs_client, learner, monkeypatch):
    """PostgreSQL stores a plain batch from one JSON parameter; every column must come out as the
    VALUES form (SQLite's) stores it, and a re-send / a differing statement behave the same."""
    _lrs, headers = lrs_client
    kept = {}
    for recordset in (False, True):
        monkeypatch.setattr(services, "RECORDSET_INSERT", recordset)
        batch = [statement(None, verb=f"v{n}", activity=f"http://example.com/a/{n}",
                           result={"score": {"scaled": 0.5}, "response": "ញ\"\\"},
                           context={"registration": "6b5ae0b5-6c6d-4f12-9a8c-0a1b2c3d4e5f"})
                 for n in range(3)]
        batch.append(statement(None, verb="voided-one", activity="http://example.com/a/x"))
        assert post(client, batch, **headers).status_code == 200
        assert post(client, batch, **headers).status_code == 200
        changed = {**batch[0], "result": {"success": False}}
        assert post(client, [statement(None), changed], **headers).status_code == 409
        kept[recordset] = _stored_columns([s["id"] for s in batch])
    assert Statement.objects.count() == 8
    assert kept[True] == kept[False]
    assert kept[True][0]["registration"] is not None and kept[True][0]["client_id"] is not None


def test_checked_addresses_are_remembered_and_a_bad_one_is_refused_every_time(client, lrs_client):
    from ralph.models.xapi.base import common

    from courses.xapi.validation import InvalidStatement, validate

    assert hasattr(common.validate_email, "cache_info")  # what ralph's MailtoEmail calls
    good = statement(None, actor={"mbox": "mailto:learner@example.org"})
    validate(good)
    validate({**good, "id": "6b5ae0b5-6c6d-4f12-9a8c-0a1b2c3d4e5f"})
    assert common.validate_email("learner@example.org") == ("learner", "learner@example.org")
    messages = []
    for _ in range(2):
        with pytest.raises(InvalidStatement) as refused:
            validate(statement(None, actor={"mbox": "mailto:learner@@example.org"}))
        messages.append(refused.value.message)
    assert messages[0] == messages[1] and "actor" in messages[0]
    _lrs, headers = lrs_client
    bad = statement(None, actor={"mbox": "mailto:not an address"})
    assert post(client, [statement(None), bad], **headers).status_code == 400
    assert post(client, [statement(None), bad], **headers).status_code == 400


def test_checked_iris_and_language_tags_are_remembered_and_a_bad_one_is_refused_every_time(client, lrs_client):
    """ralph's IRI and language-tag checks are remembered for short texts (issue 21): a good one is
    checked once, a bad one is refused every time, and a long one is checked each time, right or not."""
    from ralph.models.xapi.base import common

    from courses.xapi import validation
    from courses.xapi.validation import InvalidStatement, validate

    assert common.parse is validation._parse_iri and common.tag_is_valid is validation._tag_is_valid
    validation._valid_iri.cache_clear()
    validate(statement(None, activity="http://example.org/activities/remembered"))
    validate(statement(None, activity="http://example.org/activities/remembered"))
    assert validation._valid_iri.cache_info().hits >= 1
    long_iri = "http://example.org/" + "a" * validation._MEMO_LONGEST
    held = validation._valid_iri.cache_info().currsize
    validate(statement(None, activity=long_iri))
    assert validation._valid_iri.cache_info().currsize == held  # checked, not remembered
    bad = [
        statement(None, verb="completed", activity="http://example.org/a b"),  # a space: no IRI
        statement(None, activity="http://example.org/" + "a" * validation._MEMO_LONGEST + " b"),
        {**statement(None), "verb": {"id": VERBS_COMPLETED, "display": {"not a tag!": "done"}}},
    ]
    for body in bad:
        messages = []
        for _ in range(2):
            with pytest.raises(InvalidStatement) as refused:
                validate(body)
            messages.append(refused.value.message)
        assert messages[0] == messages[1]
    _lrs, headers = lrs_client
    assert post(client, [statement(None), bad[0]], **headers).status_code == 400
    assert post(client, [statement(None), bad[2]], **headers).status_code == 400


VERBS_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"

