"""Points are awarded once per source, taken back when the source goes away, and badges follow."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses import services as courses
from games import selectors, services
from games.models import (
    Award,
    BadgeAward,
    BadgeDefinition,
    Criterion,
    EventKind,
    Rule,
    Score,
    WeeklyScore,
)
from tests.factories import ALL_RIGHT, QUIZ_ID, new_token

pytestmark = pytest.mark.django_db


def points(user):
    return Score.objects.filter(user=user).values_list("points", flat=True).first() or 0


def test_finishing_a_course_awards_lessons_quiz_and_course_points_exactly_once(site, learner):
    for lesson in site["lessons"]:
        if lesson is site["lessons"][1]:
            courses.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
        courses.complete_lesson(user=learner, lesson=lesson)
        courses.complete_lesson(user=learner, lesson=lesson)  # a double click
    # 3 lessons x 10 + 1 quiz x 10 + course 50 (default rules)
    assert points(learner) == 90
    assert WeeklyScore.objects.get(user=learner).points == 90
    assert BadgeAward.objects.filter(user=learner, badge__slug="first-steps").exists()
    # Replaying every event changes nothing.
    for lesson in site["lessons"]:
        services.record_event(user=learner, kind=EventKind.LESSON_COMPLETED,
                              source=f"courses.lesson:{lesson.translation_key}")
    assert points(learner) == 90
    assert Award.objects.filter(user=learner).count() == 5


def test_revoking_the_source_takes_the_points_back_and_a_return_gives_them_again(learner):
    services.record_event(user=learner, kind=EventKind.PROPOSAL_SUBMITTED, source="labs.proposal:7")
    assert points(learner) == 25
    assert services.revoke_event(user=learner, kind=EventKind.PROPOSAL_SUBMITTED, source="labs.proposal:7") == 25
    assert points(learner) == 0
    assert services.revoke_event(user=learner, kind=EventKind.PROPOSAL_SUBMITTED, source="labs.proposal:7") == 0
    services.record_event(user=learner, kind=EventKind.PROPOSAL_SUBMITTED, source="labs.proposal:7")
    assert points(learner) == 25


def test_a_rule_change_applies_to_new_events_only(learner):
    services.record_event(user=learner, kind=EventKind.SESSION_ATTENDED, source="labs.session:1")
    rule = Rule.objects.get(kind=EventKind.SESSION_ATTENDED, active=True)
    rule.points = 35
    rule.save()
    services.record_event(user=learner, kind=EventKind.SESSION_ATTENDED, source="labs.session:2")
    assert points(learner) == 20 + 35


@pytest.mark.parametrize("bad", [-5, 0, 1001, 10**6])
def test_negative_or_absurd_points_are_refused_with_a_message(bad):
    rule = Rule(kind=EventKind.H5P_SCORED, points=bad, active=False)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "points" in error.value.message_dict
    assert Rule.objects.filter(kind=EventKind.H5P_SCORED).count() == 1


def test_two_active_rules_for_one_event_are_refused():
    with pytest.raises(ValidationError) as error:
        Rule(kind=EventKind.QUIZ_PASSED, points=5, active=True).full_clean()
    assert "already an active rule" in str(error.value)


def test_badge_criteria_that_reference_a_deleted_course_are_refused(site):
    course = site["course"]
    course.unpublish()
    badge = BadgeDefinition(slug="safe", name_en="Safe", description_en="x", criterion=Criterion.COURSE,
                            course=course)
    with pytest.raises(ValidationError) as error:
        badge.full_clean()
    assert "deleted or not published" in str(error.value)
    missing_count = BadgeDefinition(slug="n", name_en="N", description_en="x", criterion=Criterion.EVENT_COUNT)
    with pytest.raises(ValidationError) as error:
        missing_count.full_clean()
    assert set(error.value.message_dict) >= {"event_kind", "count"}


def test_progress_towards_a_badge_reads_like_a_person_would_say_it(learner):
    regular = BadgeDefinition.objects.get(slug="regular")
    for number in range(3):
        services.record_event(user=learner, kind=EventKind.SESSION_ATTENDED, source=f"labs.session:{number}")
    done, needed = selectors.badge_progress_for(learner, regular)
    assert (done, needed) == (3, 5)
    assert selectors.progress_label(regular, done, needed) == "3 of 5: session attended"
    for number in range(3, 5):
        services.record_event(user=learner, kind=EventKind.SESSION_ATTENDED, source=f"labs.session:{number}")
    assert BadgeAward.objects.filter(user=learner, badge=regular).exists()


def test_points_badge_and_level_follow_the_total(learner):
    for number in range(5):
        services.record_event(user=learner, kind=EventKind.SESSION_ATTENDED, source=f"labs.session:{number}")
    assert points(learner) == 100
    assert BadgeAward.objects.filter(user=learner, badge__slug="hundred-points").exists()
    assert selectors.level_for(100).name == "Explorer"
    assert selectors.level_for(100).next_name == "Builder"


def test_the_weekly_streak_forgives_one_missed_week_but_not_two(learner):
    now = timezone.now()
    def on(weeks_ago, source):
        services.record_event(user=learner, kind=EventKind.LESSON_COMPLETED, source=source,
                              at=now - timedelta(weeks=weeks_ago))
    on(6, "a")
    on(5, "b")
    on(3, "c")  # week 4 missed: forgiven
    assert Score.objects.get(user=learner).streak_weeks == 3
    on(0, "d")  # weeks 2 and 1 missed: a new streak
    score = Score.objects.get(user=learner)
    assert (score.streak_weeks, score.best_streak_weeks) == (1, 3)


def test_staff_give_and_revoke_the_ambassador_badge(learner):
    award = services.issue_badge(user=learner, slug="digital-city-ambassador")
    assert services.issue_badge(user=learner, slug="digital-city-ambassador").pk == award.pk
    with pytest.raises(ValidationError):
        services.revoke_badge(award=award, reason="  ")
    services.revoke_badge(award=award, reason="Certification withdrawn")
    award.refresh_from_db()
    assert award.revoked_at is not None and award.revocation_reason == "Certification withdrawn"


def test_earning_a_badge_tells_the_learner_in_their_language(learner):
    learner.preferred_language = "km"
    learner.save()
    services.record_event(user=learner, kind=EventKind.LESSON_COMPLETED, source="x")
    from cms.models import Notification

    note = Notification.objects.get(user=learner, kind="badge")
    assert "ជំហានដំបូង" in note.title and note.url.startswith("/km/")


def test_a_rule_edited_on_another_server_applies_here_too(monkeypatch):
    """Each app server keeps rules in memory; an edit anywhere reaches them through the shared cache,
    asked at most once every DEFINITIONS_CHECK_SECONDS."""
    import time

    from games import services
    from games.models import EventKind, Rule
    from games.services import _active_rules, _bump_generation

    Rule.objects.filter(kind=EventKind.LESSON_COMPLETED).delete()
    Rule.objects.create(kind=EventKind.LESSON_COMPLETED, points=10)
    assert [r.points for r in _active_rules()[EventKind.LESSON_COMPLETED]] == [10]
    Rule.objects.filter(kind=EventKind.LESSON_COMPLETED).update(points=25)  # saved by another process
    assert [r.points for r in _active_rules()[EventKind.LESSON_COMPLETED]] == [10]  # not told yet
    _bump_generation()  # what that process's save does to the shared cache once it commits
    assert [r.points for r in _active_rules()[EventKind.LESSON_COMPLETED]] == [10]  # within the second
    later = time.monotonic() + services.DEFINITIONS_CHECK_SECONDS + 0.1
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    assert [r.points for r in _active_rules()[EventKind.LESSON_COMPLETED]] == [25]
