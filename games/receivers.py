"""Games listens to the other apps' signals and turns them into events (and the ambassador badge).

Each receiver names its source so that replays award nothing more. They call `services.<name>` at the
time of the call, so a test that replaces `games.services.record_event` reaches them."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ambassadors.signals import ambassador_certified, certification_renewed, certification_revoked
from courses.signals import (
    activities_unscored,
    activity_scored,
    course_completed,
    lesson_completed,
    quiz_passed,
)
from games import leaderboards, services
from games.models import BadgeDefinition, EventKind, Preferences, Rule
from labs.participation.signals import (
    hercity_step_contributed,
    proposal_accepted,
    proposal_hidden,
    proposal_submitted,
    proposal_supported,
    support_withdrawn,
)
from labs.signals import session_attended, session_facilitated

AMBASSADOR_BADGE = "digital-city-ambassador"


def _record(user, kind, source, course_key=None):
    services.record_event(user=user, kind=kind, source=source, course_key=course_key)


def _course_key_of_lesson(lesson):
    parent = lesson.get_parent()
    return parent.translation_key if parent else None


@receiver(lesson_completed, dispatch_uid="games.lesson_completed")
def on_lesson_completed(sender, user, lesson, **kwargs):
    _record(user, EventKind.LESSON_COMPLETED, f"courses.lesson:{lesson.translation_key}",
            _course_key_of_lesson(lesson))


@receiver(quiz_passed, dispatch_uid="games.quiz_passed")
def on_quiz_passed(sender, user, lesson, quiz_id, **kwargs):
    _record(user, EventKind.QUIZ_PASSED, f"courses.quiz:{lesson.translation_key}:{quiz_id}",
            _course_key_of_lesson(lesson))


@receiver(activity_scored, dispatch_uid="games.activity_scored")
def on_activity_scored(sender, user, lesson, block_id, **kwargs):
    _record(user, EventKind.H5P_SCORED, f"xapi.activity:{lesson.translation_key}:{block_id}",
            _course_key_of_lesson(lesson))


@receiver(activities_unscored, dispatch_uid="games.activities_unscored")
def on_activities_unscored(sender, items, **kwargs):
    """A voiding request undid these activities: their points go back in one batch (revoke_events)."""
    services.revoke_events([(user, EventKind.H5P_SCORED, f"xapi.activity:{lesson.translation_key}:{block_id}")
                            for user, lesson, block_id in items])


@receiver(course_completed, dispatch_uid="games.course_completed")
def on_course_completed(sender, user, course, **kwargs):
    _record(user, EventKind.COURSE_COMPLETED, f"courses.course:{course.translation_key}", course.translation_key)


@receiver(session_attended, dispatch_uid="games.session_attended")
def on_session_attended(sender, user, session, **kwargs):
    _record(user, EventKind.SESSION_ATTENDED, f"labs.session:{session.pk}", session.course_key)


@receiver(session_facilitated, dispatch_uid="games.session_facilitated")
def on_session_facilitated(sender, user, session, **kwargs):
    _record(user, EventKind.SESSION_FACILITATED, f"labs.session:{session.pk}")


@receiver(proposal_submitted, dispatch_uid="games.proposal_submitted")
def on_proposal_submitted(sender, user, proposal, **kwargs):
    _record(user, EventKind.PROPOSAL_SUBMITTED, f"labs.proposal:{proposal.pk}")


@receiver(proposal_supported, dispatch_uid="games.proposal_supported")
def on_proposal_supported(sender, user, proposal, **kwargs):
    _record(user, EventKind.PROPOSAL_SUPPORTED, f"labs.proposal:{proposal.pk}")


@receiver(support_withdrawn, dispatch_uid="games.support_withdrawn")
def on_support_withdrawn(sender, user, proposal, **kwargs):
    services.revoke_event(user=user, kind=EventKind.PROPOSAL_SUPPORTED, source=f"labs.proposal:{proposal.pk}")


@receiver(proposal_accepted, dispatch_uid="games.proposal_accepted")
def on_proposal_accepted(sender, proposal, **kwargs):
    _record(proposal.author, EventKind.PROPOSAL_ACCEPTED, f"labs.proposal:{proposal.pk}")


@receiver(proposal_hidden, dispatch_uid="games.proposal_hidden")
def on_proposal_hidden(sender, proposal, **kwargs):
    source = f"labs.proposal:{proposal.pk}"
    services.revoke_events([(proposal.author, kind, source)
                            for kind in (EventKind.PROPOSAL_SUBMITTED, EventKind.PROPOSAL_ACCEPTED)])


@receiver(hercity_step_contributed, dispatch_uid="games.hercity_step")
def on_hercity_step(sender, user, workshop, step, **kwargs):
    step_key = getattr(step, "pk", None) or getattr(step, "key", None) or step
    _record(user, EventKind.HERCITY_STEP_CONTRIBUTED, f"labs.hercity:{workshop.pk}:{step_key}")


@receiver(ambassador_certified, dispatch_uid="games.ambassador_certified")
@receiver(certification_renewed, dispatch_uid="games.certification_renewed")
def on_certified(sender, user, certification, **kwargs):
    services.issue_badge(user=user, slug=AMBASSADOR_BADGE,
                evidence=f"ambassadors.certification:{certification.pk}", expires_at=certification.expires_at)


@receiver(certification_revoked, dispatch_uid="games.certification_revoked")
def on_certification_revoked(sender, user, certification, **kwargs):
    from django.utils.translation import gettext

    services.revoke_badge_of(user=user, slug=AMBASSADOR_BADGE,
                             reason=gettext("The ambassador certification was withdrawn."))


# --- the leaderboard cache: who may be listed, and under which name ------------------------------
_LISTING_FIELDS = {"nickname", "display_name", "age_band", "guardian_consent", "is_active", "home_center",
                   "home_center_id", "leaderboard"}


def _listing_may_change(sender, instance=None, update_fields=None, **kwargs):
    """A person's name, age, consent, center or leaderboard choice changed, or she was erased: the
    cached tops and lines are read afresh (a sign-in, which saves only last_login, keeps them). A new
    home center moves her totals to its boards at once (games.services.follow_home_center)."""
    if update_fields is not None and not set(update_fields) & _LISTING_FIELDS:
        return
    if kwargs.get("signal") is post_save and sender is get_user_model() and (
            update_fields is None or {"home_center", "home_center_id"} & set(update_fields)):
        services.follow_home_center(user=instance)
    leaderboards.everything_changed()


def connect_model_signals() -> None:
    """Called by GamesConfig.ready(): the cached tops and the cached rules follow their rows."""
    for model in (get_user_model(), Preferences):
        post_save.connect(_listing_may_change, sender=model, dispatch_uid=f"games.listing.{model.__name__}.save")
        post_delete.connect(_listing_may_change, sender=model, dispatch_uid=f"games.listing.{model.__name__}.del")
    for model in (Rule, BadgeDefinition):
        post_save.connect(services.forget_definitions, sender=model,
                          dispatch_uid=f"games.forget.{model.__name__}.save")
        post_delete.connect(services.forget_definitions, sender=model,
                            dispatch_uid=f"games.forget.{model.__name__}.del")
