"""Calls for proposals and their phases (the Innovation Unit's)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.coordinates import LATITUDE, LONGITUDE
from labs.participation.models import Call, Category, Phase, PhaseKind, Proposal, Space
from labs.participation.selectors import is_staff
from labs.participation.services.checks import ParticipationError, _coordinate


def phase_of(call: Call | None, now=None) -> str | None:
    if call is None:
        return None
    phase = call.current_phase(now)
    return phase.kind if phase else None


@transaction.atomic
def open_call(*, staff, title: str, question: str, description: str = "", phases: list[tuple],
              category: str = "", support_limit: int | None = None, from_proposal: Proposal | None = None,
              latitude=None, longitude=None, radius_m=None, sessions=()) -> Call:
    """phases: [(kind, starts_at, ends_at), ...]: known kinds, each once, in order without overlap.
    The one way to open a call (the staff form's view and the tests alike), with every check."""
    if not is_staff(staff):
        raise ParticipationError(_("Only Innovation Unit staff can open calls."))
    if not (title or "").strip() or not (question or "").strip():
        raise ParticipationError(_("A call needs a title and a question."))
    if category and category not in Category.values:
        raise ParticipationError(_("Choose a category."))
    if from_proposal is not None and (from_proposal.space != Space.PUBLIC or from_proposal.call_id
                                      or from_proposal.is_hidden):
        raise ParticipationError(_("A call can only be opened from a visible bottom-up proposal."))
    if (latitude in (None, "")) != (longitude in (None, "")):
        raise ParticipationError(_("The map point needs both latitude and longitude."))
    phases = _clean_phases(phases)
    call = Call(title=title.strip(), question=question.strip(), description=description, category=category,
                support_limit=support_limit, from_proposal=from_proposal, created_by=staff,
                latitude=_coordinate(latitude, LATITUDE), longitude=_coordinate(longitude, LONGITUDE),
                radius_m=radius_m)
    call.full_clean()
    call.save()
    Phase.objects.bulk_create([Phase(call=call, kind=k, starts_at=s, ends_at=e) for k, s, e in phases])
    if sessions:
        call.sessions.set(sessions)
    return call


def _require_staff(user) -> None:
    if not is_staff(user):
        raise ParticipationError(_("Only Innovation Unit staff can manage calls."))


def _clean_phases(phases: list[tuple]) -> list[tuple]:
    """Known kinds, each once, each ending after it starts, in order without overlap."""
    if not phases:
        raise ParticipationError(_("A call needs at least one phase with dates."))
    kinds = [kind for kind, _s, _e in phases]
    if any(kind not in PhaseKind.values for kind in kinds) or len(set(kinds)) != len(kinds):
        raise ParticipationError(_("Each phase can appear once."))
    ordered = sorted(phases, key=lambda p: p[1])
    for _kind, starts, ends in ordered:
        if ends <= starts:
            raise ParticipationError(_("Each phase must end after it starts."))
    for (_k1, _s1, end1), (_k2, start2, _e2) in zip(ordered, ordered[1:], strict=False):
        if start2 < end1:
            raise ParticipationError(_("Phases must not overlap: each starts after the one before ends."))
    return ordered


@transaction.atomic
def update_call(*, staff, call: Call, title: str, question: str, description: str = "", phases: list[tuple],
                category: str = "", support_limit: int | None = None, latitude=None, longitude=None,
                radius_m=None, sessions=()) -> Call:
    """Edit a call and replace its phases in one step; proposals and supports stay as they are."""
    _require_staff(staff)
    if not (title or "").strip() or not (question or "").strip():
        raise ParticipationError(_("A call needs a title and a question."))
    if category and category not in Category.values:
        raise ParticipationError(_("Choose a category."))
    phases = _clean_phases(phases)
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.title, call.question, call.description = title.strip(), question.strip(), description or ""
    call.category, call.support_limit, call.radius_m = category, support_limit, radius_m
    call.latitude, call.longitude = _coordinate(latitude, LATITUDE), _coordinate(longitude, LONGITUDE)
    if (call.latitude is None) != (call.longitude is None):
        raise ParticipationError(_("The map point needs both latitude and longitude."))
    call.full_clean()
    call.save()
    call.phases.all().delete()
    Phase.objects.bulk_create([Phase(call=call, kind=k, starts_at=s, ends_at=e) for k, s, e in phases])
    call.sessions.set(sessions)
    return call


@transaction.atomic
def advance_phase(*, staff, call: Call, now=None) -> Phase:
    """End the current phase now and start the next one now (it keeps its end date if still ahead)."""
    _require_staff(staff)
    now = now or timezone.now()
    phases = list(Phase.objects.select_for_update().filter(call=call).order_by("starts_at"))
    current = next((p for p in phases if p.starts_at <= now < p.ends_at), None)
    following = [p for p in phases if p.starts_at > now]
    if not following:
        raise ParticipationError(_("This is the last phase; close it instead."))
    upcoming = following[0]
    if current is not None:
        current.ends_at = max(now, current.starts_at + timedelta(seconds=1))
        current.save(update_fields=["ends_at"])
        now = current.ends_at
    upcoming.starts_at = now
    upcoming.save(update_fields=["starts_at"])
    return upcoming


@transaction.atomic
def close_phase(*, staff, call: Call, now=None) -> Phase:
    """End the current phase now, so nothing runs until the next phase's start date."""
    _require_staff(staff)
    now = now or timezone.now()
    current = Phase.objects.select_for_update().filter(call=call, starts_at__lte=now, ends_at__gt=now).first()
    if current is None:
        raise ParticipationError(_("No phase is running now."))
    current.ends_at = max(now, current.starts_at + timedelta(seconds=1))
    current.save(update_fields=["ends_at"])
    return current
