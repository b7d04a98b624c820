"""A person with data in every part of Sangkat, and someone else sharing the same things."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import UserFactory

SAMPLE = Path(__file__).resolve().parents[2] / "games" / "minecraft" / "sample_sites" / "sangkat_square.geojson"


@dataclass
class World:
    me: object
    other: object
    staff: object
    proposal: object
    other_proposal: object
    session: object
    upcoming: object
    team: object


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def staff(db):
    return UserFactory(roles=["innovation-unit"], nickname="Staff Sokha")


@pytest.fixture
def world(db, center, staff):
    from ambassadors.models import Application, Certification, PracticeSession
    from cms.models import Notification
    from courses.models import Enrolment, LessonProgress, QuizAttempt, QuizResult
    from courses.xapi.identity import agent_for
    from courses.xapi.models import ActivityResult, Statement
    from courses.xapi.validation import agent_key
    from games.minecraft import services as minecraft
    from games.minecraft.models import Pin, TeamMember, Vote
    from games.models import Award, BadgeAward, BadgeDefinition, Event, Preferences, Rule, Score
    from labs.hercity.models import ActionItem, Dot, Idea, SafetyScore, Workshop
    from labs.models import Attendance, Registration, Session, SessionReport
    from labs.participation.models import Comment, Proposal, Report, Support, WomenSpaceMembership

    now = timezone.now()
    me = UserFactory(username="dara", nickname="Dara Star", display_name="Dara Chan", phone="+85512345678",
                     email="dara@example.org", gender="woman", age_band="18-24", home_center=center)
    other = UserFactory(username="bopha", nickname="Bopha Moon", display_name="Bopha Keo", home_center=center)

    Notification.objects.create(user=me, kind="test", title="Your session starts soon")
    Notification.objects.create(user=other, kind="test", title="Bopha's private notice")

    course_key, lesson_key = uuid.uuid4(), uuid.uuid4()
    Enrolment.objects.create(user=me, course_key=course_key)
    LessonProgress.objects.create(user=me, course_key=course_key, lesson_key=lesson_key, last_seen_at=now)
    QuizAttempt.objects.create(user=me, lesson_key=lesson_key, quiz_id="q1", answers={"q1": "my secret answer"},
                               score=1, max_score=2, percent=50, passed=False)
    QuizAttempt.objects.create(user=other, lesson_key=lesson_key, quiz_id="q1", answers={"q1": "bopha answer"},
                               score=2, max_score=2, percent=100, passed=True)
    QuizResult.objects.create(user=me, lesson_key=lesson_key, course_key=course_key, quiz_id="q1", best_percent=50)
    for person in (me, other):
        actor = agent_for(person)
        Statement.objects.create(
            id=uuid.uuid4(), stored=now, signature="x" * 64, user=person, actor_key=agent_key(actor),
            verb_id="http://adlnet.gov/expapi/verbs/completed",
            data={"actor": actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                  "object": {"id": f"https://example.org/{person.username}-activity"}},
        )
    ActivityResult.objects.create(user=me, lesson_key=lesson_key, block_id="b1", best_scaled=0.5, attempts=1)

    rule = Rule.objects.filter(kind="lesson_completed", active=True).first() or Rule.objects.create(
        kind="lesson_completed", points=10)
    Event.objects.create(user=me, kind="lesson_completed", source="lesson:1", occurred_at=now)
    Award.objects.create(user=me, rule=rule, source="lesson:1", points=10, week=date.today(), created_at=now)
    Score.objects.create(user=me, points=10)
    Preferences.objects.create(user=me, leaderboard="nickname")
    badge = BadgeDefinition.objects.create(slug="helper", name_en="Helper", description_en="Helps",
                                           criterion="awarded")
    BadgeAward.objects.create(user=me, badge=badge, issued_at=now, salt="s", recipient_hash="h", recipient_type="x")

    session = Session.objects.create(center=center, title="Phone basics", starts_at=now - timedelta(days=3),
                                     ends_at=now - timedelta(days=3) + timedelta(hours=2))
    upcoming = Session.objects.create(center=center, title="Email basics", starts_at=now + timedelta(days=3),
                                      ends_at=now + timedelta(days=3, hours=2), capacity=1)
    Registration.objects.create(session=session, user=me)
    Registration.objects.create(session=upcoming, user=me)
    Registration.objects.create(session=upcoming, user=other, status="waiting")
    Attendance.objects.create(session=session, user=me, nickname=me.nickname, age_band="18-24", gender="woman",
                              method="roster")
    Attendance.objects.create(session=session, user=other, nickname=other.nickname, method="roster")
    SessionReport.objects.create(session=session, filed_by=me, notes="Went well")

    proposal = Proposal.objects.create(author=me, title="More street lights", body="Dark at night",
                                       category="mobility", team_nicknames=[me.nickname, other.nickname])
    other_proposal = Proposal.objects.create(author=other, title="Clean the canal", body="Smells",
                                             category="waste")
    Comment.objects.create(proposal=proposal, author=me, body="My own comment")
    Comment.objects.create(proposal=proposal, author=other, body="Bopha's reply on my proposal")
    Support.objects.create(proposal=other_proposal, user=me)
    Report.objects.create(reporter=me, proposal=other_proposal, reason="Off topic")
    WomenSpaceMembership.objects.create(user=me)

    workshop = Workshop.objects.create(session=session, site_name="Market street", created_by=staff)
    SafetyScore.objects.create(workshop=workshop, user=me, place="corner", scores={"light": 1}, note="I feel watched")
    idea = Idea.objects.create(workshop=workshop, user=other, step=2, text="Bopha's idea")
    Idea.objects.create(workshop=workshop, user=me, step=2, text="Benches")
    Dot.objects.create(idea=idea, user=me)
    ActionItem.objects.create(workshop=workshop, user=me, what="Ask for lamps")

    site = minecraft.create_site(user=None, name_en="Square", geojson=SAMPLE.read_text(), crs="wgs84")
    codesign = minecraft.create_session(facilitator=staff, title="Square workshop", site=site,
                                        team_names=["Mango", "Lotus"])
    team = codesign.teams.get(name="Mango")
    TeamMember.objects.create(team=team, user=me, nickname=me.nickname)
    TeamMember.objects.create(team=team, user=other, nickname=other.nickname)
    Vote.objects.create(team=team, user=me)
    Pin.objects.create(team=team, x=1, y=2, z=3, text="A tree here", author=me)
    Pin.objects.create(team=team, x=1, y=2, z=4, text="Bopha's pin", author=other)

    Application.objects.create(user=me, center=center, motivation="I like helping", availability="Sundays")
    Certification.objects.create(user=me, issued_at=now, expires_at=now + timedelta(days=365), issued_by=staff)
    PracticeSession.objects.create(trainee=me, session=session, supervisor=staff)

    return World(me=me, other=other, staff=staff, proposal=proposal, other_proposal=other_proposal,
                 session=session, upcoming=upcoming, team=team)
