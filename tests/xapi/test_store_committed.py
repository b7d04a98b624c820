"""Storing as a request does, outside any transaction: the learners a client's statements name are
checked by the database at commit (no query beforehand), re-sent statements are found by what the
INSERT skipped. These run in transactional test databases, so every commit is a real commit."""

import pytest

from courses.xapi.identity import agent_for
from courses.xapi.models import Statement
from tests.xapi.conftest import post, statement

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _nobody_here(learner) -> dict:
    actor = agent_for(learner)
    return {**actor, "account": {**actor["account"], "name": str(learner.pk + 1000)}}


def test_a_client_statement_about_a_learner_who_is_not_here_is_stored_about_nobody(client, lrs_client, learner):
    _lrs, headers = lrs_client
    known, unknown = statement(learner), statement(learner)
    unknown["actor"] = _nobody_here(learner)
    response = post(client, [known, unknown], **headers)
    assert response.status_code == 200
    assert response.json() == [known["id"], unknown["id"]]
    assert Statement.objects.get(pk=known["id"]).user == learner
    assert Statement.objects.get(pk=unknown["id"]).user is None
    assert Statement.objects.count() == 2


def test_resending_part_of_a_batch_stores_the_rest_once_and_a_conflict_stores_nothing(client, lrs_client, learner):
    _lrs, headers = lrs_client
    first, second = statement(learner), statement(learner)
    assert post(client, first, **headers).status_code == 200
    response = post(client, [first, second], **headers)
    assert response.status_code == 200
    assert response.json() == [first["id"], second["id"]]
    assert Statement.objects.count() == 2
    changed = dict(first, verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    fresh = statement(learner)
    fresh["actor"] = _nobody_here(learner)
    assert post(client, [fresh, changed], **headers).status_code == 409
    assert not Statement.objects.filter(pk=fresh["id"]).exists()
    assert Statement.objects.count() == 2
    assert Statement.objects.get(pk=first["id"]).verb_id.endswith("completed")
