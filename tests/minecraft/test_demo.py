"""`seed_demo` loads the sample site and a session with its world, and can run again."""

from games.minecraft.demo import seed_minecraft_demo
from games.minecraft.models import CoDesignSession, Site
from tests.factories import UserFactory


def test_seeding_twice_makes_one_site_and_one_session_with_a_world(db):
    UserFactory(username="demo-facilitator", roles=["facilitator"])
    UserFactory(username="demo-learner")
    seed_minecraft_demo()
    seed_minecraft_demo()
    assert Site.objects.count() == 1
    session = CoDesignSession.objects.get()
    assert session.world_state == "done" and session.world_zip
    assert session.teams.count() == 4 and session.teams.get(index=0).memberships.count() == 1
