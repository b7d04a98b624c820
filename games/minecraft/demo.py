"""Demo for Block by Block: the hand-drawn sample site and one session with its world. Safe to repeat."""

from pathlib import Path

from django.contrib.auth import get_user_model

from . import services
from .models import CoDesignSession, Site

SAMPLE = Path(__file__).resolve().parent / "sample_sites" / "sangkat_square.geojson"


def seed_minecraft_demo() -> None:
    site = Site.objects.filter(name_en="Sangkat Square (sample)").first()
    if site is None:
        site = services.create_site(
            user=None, name_en="Sangkat Square (sample)", name_km="ទីលានសង្កាត់ (គំរូ)", crs="wgs84",
            geojson=SAMPLE.read_text(encoding="utf-8"),
            description="A hand-drawn public square in Sihanoukville: two streets, a market edge, trees, "
                        "benches, street lights, a pond and a drain.")
    users = get_user_model().objects
    facilitator = users.filter(username="demo-facilitator").first()
    if facilitator is None or CoDesignSession.objects.filter(site=site).exists():
        return
    session = services.create_session(facilitator=facilitator, title="Block by Block: Sangkat Square",
                                      site=site, team_names=["Mango", "Lotus", "Frangipani", "Palm"])
    learner = users.filter(username="demo-learner").first()
    if learner is not None:
        services.add_member(team=session.teams.get(index=0), user=learner, nickname=learner.nickname or "Sokha")
    services.generate_world(session_id=session.pk)
