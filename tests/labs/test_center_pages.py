"""Public center pages in Wagtail show the center and what is on this week."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from labs.models import CenterIndexPage, CenterPage, Session

pytestmark = pytest.mark.django_db


def test_center_page_lists_this_weeks_sessions(client, site, center):
    index = CenterIndexPage(title="Centers", slug="centers")
    site["home"].add_child(instance=index)
    page = CenterPage(title=center.name, slug="c1", center=center)
    index.add_child(instance=page)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    starts = timezone.make_aware(datetime.combine(monday + timedelta(days=2), time(10)))
    Session.objects.create(center=center, title="Open lab this week", starts_at=starts, ends_at=starts + timedelta(hours=2))
    Session.objects.create(center=center, title="Next month", starts_at=starts + timedelta(days=30),
                           ends_at=starts + timedelta(days=30, hours=2))
    html = client.get(page.url).content.decode()
    assert "Open lab this week" in html
    assert "Next month" not in html
