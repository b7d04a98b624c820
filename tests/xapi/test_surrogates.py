"""A \\ud800-\\udfff escape without its pair is a string no UTF-8 text can hold: before, a statement with
one in an extension (where the xAPI model takes any value) reached the signature's encode and gave
a 500. Now every JSON body read with loads_bounded refuses it as not JSON; a real pair still works."""

import json

import pytest

from cms.jsonchecks import UntrustedJSONError, loads_bounded
from courses.xapi.models import Statement
from tests.xapi.conftest import post, statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ['"\\ud800"', '"x\\uDC00"', '{"k\\udc01": 1}', '["\\ud83d"]'])
def test_lone_surrogates_are_not_json(text):
    with pytest.raises(UntrustedJSONError):
        loads_bounded(text, max_bytes=100)


def test_a_surrogate_pair_is_a_character():
    assert loads_bounded('"\\ud83d\\ude00"', max_bytes=100) == "\U0001F600"


@pytest.mark.parametrize("place", ["response", "extension value", "extension key"])
def test_a_statement_with_a_lone_surrogate_is_a_400_and_stores_nothing(client, lrs_client, learner, place):
    _lrs, headers = lrs_client
    sent = statement(learner)
    sent["result"] = {
        "response": {"response": "\ud800"}, "extension value": {"extensions": {"http://example.com/x": "\ud801"}},
        "extension key": {"extensions": {"http://example.com/x": {"k\udc01": 1}}},
    }[place]
    response = post(client, json.loads(json.dumps(sent)), **headers)
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_an_emoji_in_an_extension_is_stored(client, lrs_client, learner):
    _lrs, headers = lrs_client
    sent = statement(learner)
    sent["result"] = {"extensions": {"http://example.com/x": "\U0001F600"}}
    assert post(client, sent, **headers).status_code == 200
    assert Statement.objects.count() == 1
