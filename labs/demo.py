"""Demo data for centers: public center pages and sessions this week at the demo centers."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from labs.models import Audience, Center, CenterIndexPage, CenterPage, Session, SessionKind

WEEK_PLAN = [
    # day offset from Monday, hour, hours long, kind, title, audience, center index
    (0, 9, 2, SessionKind.CLASS, "First steps with a phone", Audience.OPEN, 0),
    (1, 14, 2, SessionKind.HER_CITY, "Her City: safety walk", Audience.WOMEN_AND_GIRLS, 0),
    (2, 15, 3, SessionKind.BLOCK_BY_BLOCK, "Block by Block: the market square", Audience.YOUTH, 0),
    (3, 9, 2, SessionKind.CLASS, "Staying safe online", Audience.OPEN, 1),
    (4, 16, 2, SessionKind.LIVING_LAB, "Living lab: rubbish collection", Audience.OPEN, 1),
    (5, 9, 3, SessionKind.OPEN_LAB, "Open lab", Audience.OPEN, 2),
]


def seed_centers_demo(*, home=None) -> None:
    """Safe to repeat: pages and sessions that exist are kept."""
    User = get_user_model()
    centers = list(Center.objects.order_by("pk")[:3])
    if not centers:
        return
    if home is not None:
        index = CenterIndexPage.objects.child_of(home).first()
        if index is None:
            index = CenterIndexPage(title="Neighborhood centers", slug="centers",
                                    intro="<p>Come and learn, meet and plan your neighborhood.</p>")
            home.add_child(instance=index)
            index.save_revision().publish()
        for center in centers:
            if not CenterPage.objects.filter(center=center).exists():
                page = CenterPage(title=center.name, slug=center.slug, center=center)
                index.add_child(instance=page)
                page.save_revision().publish()
    ambassador = User.objects.filter(username="demo-ambassador").first()
    facilitator = User.objects.filter(username="demo-facilitator").first()
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    for day, hour, hours, kind, title, audience, center_index in WEEK_PLAN:
        center = centers[min(center_index, len(centers) - 1)]
        starts = timezone.make_aware(datetime.combine(monday + timedelta(days=day), time(hour)))
        session, created = Session.objects.get_or_create(
            center=center, title=title, starts_at=starts,
            defaults={"kind": kind, "ends_at": starts + timedelta(hours=hours), "audience": audience, "capacity": 12},
        )
        if created:
            if ambassador:
                session.ambassadors.add(ambassador)
            if facilitator and center_index < 2:
                session.facilitators.add(facilitator)
    # One session running now, so attendance and the QR check-in can be tried straight away.
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    session, created = Session.objects.get_or_create(
        center=centers[0], title="Drop-in: using the city's e-services", starts_at=now,
        defaults={"kind": SessionKind.OPEN_LAB, "ends_at": now + timedelta(hours=3), "capacity": 15},
    )
    if created and ambassador:
        session.ambassadors.add(ambassador)
        if facilitator:
            session.facilitators.add(facilitator)
