"""Demo content for participation: a call with phases, a few proposals with supports, one answered."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Call, Proposal, Support


def seed_participation() -> None:
    """Safe to repeat: does nothing once the demo call exists."""
    if Call.objects.filter(title="Cleaner, safer streets in Buon").exists():
        return
    User = get_user_model()
    staff = User.objects.filter(username="demo-staff").first()
    learner = User.objects.filter(username="demo-learner").first()
    if staff is None or learner is None:
        return
    now = timezone.now()
    call = Call.objects.create(
        title="Cleaner, safer streets in Buon", question="What would make your street cleaner and safer?",
        description="The Innovation Unit collects ideas, you prioritise them, the city answers.",
        category="waste", created_by=staff, latitude="10.627500", longitude="103.522000", radius_m=800,
        support_limit=3,
    )
    spans = [("collect", -20, -5), ("prioritise", -5, 10), ("review", 10, 25), ("results", 25, 40)]
    for kind, start, end in spans:
        call.phases.create(kind=kind, starts_at=now + timedelta(days=start), ends_at=now + timedelta(days=end))
    ideas = [
        ("Bins with lids at the night market", "Dogs and wind spread the rubbish.", "waste", "10.628100", "103.521500"),
        ("Street lights on the path to the school", "Girls walk home in the dark.", "safety", "10.626900", "103.523100"),
        ("Clear the drain by the pagoda", "The street floods every rainy season.", "water_flooding", "10.627800", "103.520700"),
    ]
    supporters = list(User.objects.exclude(pk=learner.pk).order_by("pk")[:6])
    for i, (title, body, category, lat, lon) in enumerate(ideas):
        p = Proposal.objects.create(author=learner, call=call, title=title, body=body, category=category,
                                    latitude=lat, longitude=lon)
        for u in supporters[: 6 - 2 * i]:
            Support.objects.get_or_create(user=u, proposal=p)
        p.support_count = p.supports.count()
        if i == 1:
            p.state, p.answer, p.cost, p.timeline = (
                "accepted", "Twelve solar lights will be installed along the path.", "$4,800", "Next dry season")
            p.answered_at, p.answered_by = now, staff
        p.save()
