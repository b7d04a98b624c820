from datetime import timedelta

import pytest
from django.utils import timezone

from labs.models import Session
from tests.factories import CenterFactory, UserFactory


def make_session(center, *, starts_in=timedelta(days=2), hours=2, **fields):
    starts = timezone.now() + starts_in
    fields.setdefault("title", "First steps with a phone")
    return Session.objects.create(center=center, starts_at=starts, ends_at=starts + timedelta(hours=hours), **fields)


@pytest.fixture
def session(center):
    return make_session(center, capacity=2)


@pytest.fixture
def running_session(center, ambassador):
    s = make_session(center, starts_in=-timedelta(minutes=20))
    s.ambassadors.add(ambassador)
    return s


@pytest.fixture
def ambassador(db, center):
    return UserFactory(roles=["ambassador"], home_center=center)


@pytest.fixture
def ambassador_client(client, ambassador):
    client.force_login(ambassador)
    return client


@pytest.fixture
def other_center(db):
    return CenterFactory()
