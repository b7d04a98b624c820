"""GET /xapi/statements with filters, and paging with the `more` link."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.xapi.identity import agent_for
from courses.xapi.models import Statement
from courses.xapi.services import Requester, store_statements
from tests.xapi.conftest import URL, VERBS, XAPI, statement

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


@pytest.fixture
def history(learner, lrs_client):
    """Five statements by a client, stored a minute apart (oldest first)."""
    lrs, headers = lrs_client
    start = timezone.now() - timedelta(hours=1)
    registration = str(uuid.uuid4())
    made = [
        statement(learner, verb="attempted", activity="http://example.org/a"),
        statement(learner, verb="completed", activity="http://example.org/a", context={"registration": registration}),
        statement(learner, verb="completed", activity="http://example.org/b"),
        statement(None, verb="completed", activity="http://example.org/b"),
        statement(learner, verb="answered", activity="http://example.org/a?subContentId=1"),
    ]
    for minute, sent in enumerate(made):
        store_statements(statements=[sent], requester=Requester(client=lrs), now=start + timedelta(minutes=minute))
    return {"ids": [s["id"] for s in made], "start": start, "registration": registration, "headers": headers}


def test_newest_first_by_default_and_oldest_first_when_ascending(client, history):
    headers = history["headers"]
    assert _ids(client.get(URL, **XAPI, **headers)) == history["ids"][::-1]
    assert _ids(client.get(URL, {"ascending": "true"}, **XAPI, **headers)) == history["ids"]


def test_filter_by_agent_verb_activity_registration(client, history, learner):
    headers, ids = history["headers"], history["ids"]
    agent = json.dumps(agent_for(learner))
    assert _ids(client.get(URL, {"agent": agent, "ascending": "true"}, **XAPI, **headers)) == [ids[0], ids[1], ids[2], ids[4]]
    assert _ids(client.get(URL, {"verb": VERBS + "completed", "ascending": "true"}, **XAPI, **headers)) == ids[1:4]
    assert _ids(client.get(URL, {"activity": "http://example.org/a", "ascending": "true"}, **XAPI, **headers)) == ids[:2]
    assert _ids(client.get(URL, {"registration": history["registration"]}, **XAPI, **headers)) == [ids[1]]
    both = {"agent": agent, "verb": VERBS + "completed", "activity": "http://example.org/b"}
    assert _ids(client.get(URL, both, **XAPI, **headers)) == [ids[2]]
    mbox = json.dumps({"mbox": "mailto:someone@example.org"})
    assert _ids(client.get(URL, {"agent": mbox}, **XAPI, **headers)) == [ids[3]]


def test_since_and_until_bound_the_stored_time(client, history):
    headers, ids, start = history["headers"], history["ids"], history["start"]
    window = {"since": (start + timedelta(minutes=1)).isoformat(),
              "until": (start + timedelta(minutes=3)).isoformat(), "ascending": "true"}
    # since is exclusive, until inclusive.
    assert _ids(client.get(URL, window, **XAPI, **headers)) == ids[2:4]


def test_paging_with_more_is_stable_while_statements_arrive(client, history, lrs_client, learner):
    lrs, headers = lrs_client
    first = client.get(URL, {"limit": "2"}, **XAPI, **headers).json()
    assert [s["id"] for s in first["statements"]] == history["ids"][:2:-1][:2]
    assert first["more"].startswith("/xapi/statements?")
    # A newer statement arrives between pages: it does not shift the pages already defined.
    store_statements(statements=[statement(learner)], requester=Requester(client=lrs))
    second = client.get(first["more"], **XAPI, **headers).json()
    third = client.get(second["more"], **XAPI, **headers).json()
    seen = [s["id"] for page in (first, second, third) for s in page["statements"]]
    assert seen == history["ids"][::-1]
    assert third["more"] == ""


def test_paging_keeps_the_filters(client, history):
    headers, ids = history["headers"], history["ids"]
    first = client.get(URL, {"verb": VERBS + "completed", "limit": "1", "ascending": "true"}, **XAPI, **headers).json()
    pages = [first]
    while pages[-1]["more"]:
        pages.append(client.get(pages[-1]["more"], **XAPI, **headers).json())
    assert [s["id"] for page in pages for s in page["statements"]] == ids[1:4]


def test_statements_stored_in_one_batch_page_by_id(client, learner, lrs_client):
    lrs, headers = lrs_client
    batch = [statement(learner) for _ in range(5)]
    store_statements(statements=batch, requester=Requester(client=lrs))
    pages, url, query = [], URL, {"limit": "2"}
    while True:
        page = client.get(url, query, **XAPI, **headers).json()
        pages.extend(s["id"] for s in page["statements"])
        if not page["more"]:
            break
        url, query = page["more"], {}
    assert sorted(pages) == sorted(s["id"] for s in batch)
    assert len(pages) == len(set(pages)) == 5


def test_limit_is_capped_by_the_page_size(client, learner, lrs_client, settings):
    settings.SANGKAT_XAPI_PAGE_SIZE = 3
    lrs, headers = lrs_client
    store_statements(statements=[statement(learner) for _ in range(4)], requester=Requester(client=lrs))
    body = client.get(URL, {"limit": "50"}, **XAPI, **headers).json()
    assert len(body["statements"]) == 3 and body["more"]
    assert Statement.objects.count() == 4
