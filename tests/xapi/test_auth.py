"""Who may write and read statements: learners about themselves only, clients by their scopes."""

import json

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from courses.xapi.identity import agent_for
from courses.xapi.models import LRSClient, Statement
from courses.xapi.services import create_client
from tests.xapi.conftest import URL, XAPI, basic, post, statement

pytestmark = pytest.mark.django_db


def test_no_credentials_get_401_with_a_basic_challenge(client, learner):
    for response in (post(client, statement(learner)), client.get(URL, **XAPI)):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic")
        assert response["X-Experience-API-Version"] == "1.0.3"
    assert not Statement.objects.exists()


def test_a_forged_actor_is_refused_and_writes_nothing(learner_client, learner, other_learner):
    mine = statement(learner)
    forged = statement(other_learner)
    response = post(learner_client, [mine, forged])
    assert response.status_code == 403
    assert not Statement.objects.exists()


def test_an_actor_with_a_second_identifier_is_refused(learner_client, learner):
    actor = {**agent_for(learner), "mbox": "mailto:someone@example.org"}
    response = post(learner_client, statement(learner, actor=actor))
    assert response.status_code in (400, 403)
    assert not Statement.objects.exists()


def test_a_group_named_like_the_learner_is_refused(learner_client, learner):
    actor = {**agent_for(learner), "objectType": "Group"}
    assert post(learner_client, statement(learner, actor=actor)).status_code == 403
    assert not Statement.objects.exists()


def test_a_learner_reads_only_their_own_statements(client, learner, other_learner):
    theirs = statement(other_learner)
    client.force_login(other_learner)
    post(client, theirs)
    client.force_login(learner)
    mine = statement(learner)
    post(client, mine)
    listed = [s["id"] for s in client.get(URL, **XAPI).json()["statements"]]
    assert listed == [mine["id"]]
    assert client.get(URL, {"statementId": theirs["id"]}, **XAPI).status_code == 404
    by_agent = client.get(URL, {"agent": json.dumps(agent_for(other_learner))}, **XAPI)
    assert by_agent.json()["statements"] == []


def test_session_writes_need_the_csrf_token(learner, learner_client):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    refused = post(browser, statement(learner))
    assert refused.status_code == 403
    assert not Statement.objects.exists()
    token = _get_new_csrf_string()  # what the lesson page's CSRF cookie holds
    browser.cookies["csrftoken"] = token
    accepted = post(browser, statement(learner), HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200


def test_basic_clients_need_no_csrf_token(lrs_client, learner):
    _lrs, headers = lrs_client
    outside = Client(enforce_csrf_checks=True)
    assert post(outside, statement(learner), **headers).status_code == 200


def test_a_wrong_secret_is_401(client, lrs_client, learner):
    lrs, _headers = lrs_client
    response = post(client, statement(learner), **basic(lrs.key, "wrong-secret"))
    assert response.status_code == 401
    garbage = post(client, statement(learner), HTTP_AUTHORIZATION="Basic !!!not-base64")
    assert garbage.status_code == 401
    assert not Statement.objects.exists()


def test_a_switched_off_client_is_401(client, lrs_client, learner):
    lrs, headers = lrs_client
    LRSClient.objects.filter(pk=lrs.pk).update(active=False)
    assert post(client, statement(learner), **headers).status_code == 401


def test_a_bad_authorization_header_wins_over_a_valid_session(learner_client, learner):
    response = post(learner_client, statement(learner), **basic("nobody", "nothing"))
    assert response.status_code == 401


def test_client_scopes(client, learner):
    reader = LRSClient(name="Reader", may_write=False, may_read_own=False, may_read_all=True)
    reader_secret = create_client(client=reader)
    reader_headers = basic(reader.key, reader_secret)
    writer = LRSClient(name="Writer", may_write=True, may_read_own=False)
    writer_secret = create_client(client=writer)
    writer_headers = basic(writer.key, writer_secret)
    sent = statement(learner)
    assert post(client, sent, **reader_headers).status_code == 403
    assert post(client, sent, **writer_headers).status_code == 200
    assert client.get(URL, **XAPI, **writer_headers).status_code == 403
    listed = client.get(URL, **XAPI, **reader_headers).json()["statements"]
    assert [s["id"] for s in listed] == [sent["id"]]


def test_a_client_with_read_own_scope_sees_only_what_it_sent(client, lrs_client, learner_client, learner):
    _lrs, headers = lrs_client
    by_learner = statement(learner)
    post(learner_client, by_learner)
    by_client = statement(learner)
    post(client, by_client, **headers)
    listed = [s["id"] for s in client.get(URL, **XAPI, **headers).json()["statements"]]
    assert listed == [by_client["id"]]


def test_requests_over_the_rate_limit_get_429(learner_client, learner, settings):
    settings.SANGKAT_XAPI_LEARNER_REQUESTS_PER_MINUTE = 2
    assert post(learner_client, statement(learner)).status_code == 200
    assert post(learner_client, statement(learner)).status_code == 200
    refused = post(learner_client, statement(learner))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert Statement.objects.count() == 2


def test_a_client_has_its_own_rate_limit(client, learner):
    lrs = LRSClient(name="Small", requests_per_minute=1)
    secret = create_client(client=lrs)
    headers = basic(lrs.key, secret)
    assert post(client, statement(learner), **headers).status_code == 200
    assert post(client, statement(learner), **headers).status_code == 429


def test_staff_create_a_client_in_the_admin_and_see_the_secret_once(client, learner):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post("/admin/snippets/xapi/lrsclient/add/", {
        "name": "Partner app", "active": "on", "may_write": "on", "may_read_own": "on",
        "requests_per_minute": "600",
    })
    assert response.status_code == 200
    page = response.content.decode()
    lrs = LRSClient.objects.get(name="Partner app")
    assert lrs.key in page
    secret = page.split("data-lrs-secret>", 1)[1].split("<", 1)[0]
    assert secret not in lrs.secret_hash
    client.logout()
    assert post(client, statement(learner), **basic(lrs.key, secret)).status_code == 200
    # The edit page never shows the secret again.
    client.force_login(admin)
    edit = client.get(f"/admin/snippets/xapi/lrsclient/edit/{lrs.pk}/").content.decode()
    assert secret not in edit
