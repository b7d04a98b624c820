"""Notifications reach each person in their own language; other channels only after commit."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms.models import Notification
from cms.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_person_gets_the_notice_in_their_language():
    english, khmer = UserFactory(preferred_language="en"), UserFactory(preferred_language="km")
    notify(users=[english, khmer], kind="test", title=_("Notifications"))
    assert Notification.objects.get(user=english).title == "Notifications"
    assert Notification.objects.get(user=khmer).title == "ការជូនដំណឹង"


def test_the_inbox_shows_only_my_notifications_and_marks_them_read(client):
    me, other = UserFactory(), UserFactory()
    notify(users=[me], kind="test", title="For me %(n)s", params={"n": 1})
    notify(users=[other], kind="test", title="For someone else")
    client.force_login(me)
    page = client.get(reverse("notifications")).content.decode()
    assert "For me 1" in page and "For someone else" not in page
    client.post(reverse("notifications"))
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()


def test_an_sms_is_sent_only_when_the_action_commits(caplog, settings, django_capture_on_commit_callbacks):
    settings.SANGKAT_NOTIFICATION_CHANNELS = ["cms.notifications.ConsoleSMSChannel"]
    user = UserFactory(phone="+85512345678")
    with caplog.at_level("WARNING", logger="sangkat.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                notify(users=[user], kind="test", title="Rolled back")
                raise RuntimeError
        assert not Notification.objects.exists() and "Rolled back" not in caplog.text
        with django_capture_on_commit_callbacks(execute=True):
            notify(users=[user], kind="test", title="Your session moved")
    assert "+85512345678" in caplog.text and "Your session moved" in caplog.text
