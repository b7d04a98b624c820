from datetime import timedelta

import pytest
from django.core.management import call_command

from cms.models import Notification
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


def test_the_reminder_command_sends_a_report_reminder_once(ambassador, center):
    session = make_session(center, starts_in=-timedelta(hours=5), hours=2)
    session.ambassadors.add(ambassador)
    call_command("send_reminders", verbosity=0)
    call_command("send_reminders", verbosity=0)
    assert Notification.objects.filter(user=ambassador, kind="report-due").count() == 1
