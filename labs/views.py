"""Session pages (one page group sharing its access helpers, ~430 lines): list and detail, registration, running a session (roster, walk-ins, QR), reports,
and the Innovation Unit dashboard."""

import io
import uuid
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cms.models import AgeBand, Gender
from cms.requestids import parse_id
from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.selectors import person_named
from cms.spreadsheets import csv_response
from labs import charts, hooks, selectors, services
from labs.forms import (
    CancelSessionForm,
    LinkWalkInForm,
    PeriodForm,
    PlanSessionForm,
    ReportForm,
    SessionAmbassadorsForm,
    SessionEditForm,
    WalkInForm,
)
from labs.models import Attendance, Session, SessionReport


def _session_or_404(request, session_id: int) -> Session:
    session = selectors.session_for_viewer(user=request.user, session_id=session_id)
    if session is None:
        raise Http404(_("This session does not exist or is not open to you."))
    return session


def _runnable(request, session_id: int) -> Session:
    session = get_object_or_404(Session.objects.select_related("center", "lead"), pk=session_id)
    if not services.can_run_session(user=request.user, session=session):
        raise PermissionDenied(_("Only the people running this session or the staff of its center can do this."))
    return session


def session_list(request):
    center_id = parse_id(request.GET.get("center"))
    return render(request, "labs/session_list.html", {
        "sessions": selectors.upcoming_sessions(user=request.user, center_id=center_id),
        "running": selectors.sessions_run_by(user=request.user) if request.user.is_authenticated else [],
        # "Plan a session" only for those plan_session admits (the same query).
        "can_plan": request.user.is_authenticated and services.centers_where_can_plan(user=request.user).exists(),
    })


def session_detail(request, session_id: int):
    session = _session_or_404(request, session_id)
    can_run = services.can_run_session(user=request.user, session=session)
    refusal = services.audience_refusal(user=request.user, session=session) if request.user.is_authenticated else None
    context = {"session": session, "can_run": can_run, "refusal": refusal,
               "places_left": max(session.capacity - session.taken, 0),
               # Its Block by Block sessions (games.minecraft adds them through labs.hooks).
               **hooks.session_page_context(request=request, session=session, can_run=can_run)}
    if can_run:
        context["team"] = list(session.ambassadors.all())
    if services.can_assign_ambassadors(user=request.user, session=session) and not session.is_cancelled:
        context["ambassadors_form"] = _ambassadors_form(session)
    return render(request, "labs/session_detail.html", context)


def _ambassadors_form(session: Session, data=None) -> SessionAmbassadorsForm:
    current = [str(pk) for pk in session.ambassadors.values_list("pk", flat=True)]
    return SessionAmbassadorsForm(data, rows=hooks.center_ambassadors(center=session.center),
                                  initial={"ambassadors": current})


@login_required
@require_POST
def assign_ambassadors(request, session_id: int):
    """The center's facilitator ticks the trainees and co-facilitators who run the session with her."""
    session = get_object_or_404(Session.objects.select_related("center"), pk=session_id)
    if not services.can_assign_ambassadors(user=request.user, session=session):
        raise PermissionDenied(_("Only the facilitators of this session's center can choose its ambassadors."))
    form = _ambassadors_form(session, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose ambassadors of this center only."))
        return redirect("session_detail", session.pk)
    try:
        added, removed = services.assign_ambassadors(by=request.user, session=session, people=form.chosen())
    except services.SessionError as error:
        messages.error(request, error.message)
    else:
        if added or removed:
            messages.success(request, _("Ambassadors saved. Those added have been told."))
    return redirect("session_detail", session.pk)


@login_required
@require_POST
def register(request, session_id: int):
    session = _session_or_404(request, session_id)
    try:
        registration = services.register(user=request.user, session=session)
    except services.SessionError as error:
        messages.error(request, error.message)
    else:
        if registration.status == "registered":
            messages.success(request, _("You have a place. See you there!"))
        else:
            messages.info(request, _("The session is full: you are on the waiting list."))
    return redirect("session_detail", session.pk)


@login_required
@require_POST
def cancel_registration(request, session_id: int):
    session = _session_or_404(request, session_id)
    services.cancel_registration(user=request.user, session=session)
    messages.info(request, _("Your place is given back. Thank you for telling us."))
    return redirect("session_detail", session.pk)


def _batch(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None


@login_required
def run_session(request, session_id: int):
    """The phone page the ambassador keeps open during the session."""
    session = _runnable(request, session_id)
    checkin_url = _checkin_url(request, session)
    roster = selectors.roster(session=session)
    # After "mark all registered present": the undo, while its marks are still there.
    batch = _batch(request.GET.get("marked"))
    undo_count = selectors.marked_by_batch(session=session, batch=batch) if batch else 0
    return render(request, "labs/run_session.html", {
        "session": session, "roster": roster,
        "unmarked": sum(1 for row in roster["rows"] if not row.attendance_id and row.status == "registered"),
        "mark_all_batch": uuid.uuid4(), "undo_batch": batch if undo_count else None, "undo_count": undo_count,
        "walk_in_form": WalkInForm(initial={"client_key": uuid.uuid4()}),
        "checkin_url": checkin_url,
        "checkin_open": services.checkin_is_open(session, timezone.now()),
        "new_key": uuid.uuid4, "link_form": LinkWalkInForm(),
    })


@login_required
def session_qr(request, session_id: int):
    import segno

    session = _runnable(request, session_id)
    url = _checkin_url(request, session)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, dark="#111", light="#fff", xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


def _checkin_url(request, session: Session) -> str:
    """The check-in link without a language prefix: whoever scans it gets her own language (her
    profile, her browser), not the language of the person who printed or showed the code."""
    from django.conf import settings

    path = reverse("session_check_in", args=[session.pk])
    for code, _name in settings.LANGUAGES:
        if path.startswith(f"/{code}/"):
            path = path[len(code) + 1:]
            break
    return request.build_absolute_uri(f"{path}?code={session.checkin_code}")


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def mark_attendance(request, session_id: int):
    """Roster ticks, untick and walk-ins; the same endpoint serves forms and the offline queue."""
    session = _runnable(request, session_id)
    action = request.POST.get("action", "")
    try:
        client_key = uuid.UUID(request.POST["client_key"]) if request.POST.get("client_key") else None
    except ValueError:
        client_key = None
    try:
        if action == "present":
            user_id = parse_id(request.POST.get("user_id"))
            person = get_user_model().objects.filter(pk=user_id).first() if user_id else None
            if person is None:
                raise services.SessionError(_("This person is not known."))
            attendance, created = services.mark_present(by=request.user, session=session, user=person,
                                                        client_key=client_key)
        elif action == "walkin":
            form = WalkInForm(request.POST)
            if not form.is_valid():
                raise services.SessionError(_("Write a nickname and choose an age band."))
            data = form.cleaned_data
            attendance, created = services.add_walk_in(
                by=request.user, session=session, nickname=data["nickname"], age_band=data["age_band"],
                gender=data.get("gender") or "", client_key=client_key)
        elif action == "unmark":
            services.unmark_present(by=request.user, session=session,
                                    attendance_id=parse_id(request.POST.get("attendance_id")) or 0)
            attendance, created = None, False
        else:
            raise services.SessionError(_("Unknown action."))
    except services.SessionError as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": str(error.message)}, status=400)
        messages.error(request, error.message)
        return redirect("session_run", session.pk)
    if _wants_json(request):
        return JsonResponse({"ok": True, "created": created, "attendance_id": attendance.pk if attendance else None})
    if attendance is not None:
        messages.success(request, _("%(name)s is marked present.") % {"name": attendance.nickname}
                         if created else _("Already marked present."))
    return redirect("session_run", session.pk)


def _runnable_or_404(request, session_id: int) -> Session:
    """Like _runnable, but a session this person may not run does not exist for her."""
    session = Session.objects.select_related("center", "lead").filter(pk=session_id).first()
    if session is None or not services.can_run_session(user=request.user, session=session):
        raise Http404(_("This session does not exist or is not open to you."))
    return session


@login_required
@require_POST
def mark_all_present(request, session_id: int):
    """Everyone registered is here: one tap, one request, audited; the page then offers the undo."""
    session = _runnable_or_404(request, session_id)
    batch = _batch(request.POST.get("batch"))
    if batch is None:
        messages.error(request, _("This page is out of date. Please try again."))
        return redirect("session_run", session.pk)
    try:
        made = services.mark_all_registered_present(by=request.user, session=session, batch=batch)
    except services.SessionError as error:
        messages.error(request, error.message)
        return redirect("session_run", session.pk)
    if not made:
        messages.info(request, _("Everyone registered was already marked present."))
        return redirect("session_run", session.pk)
    return redirect(f"{reverse('session_run', args=[session.pk])}?marked={batch}")


@login_required
@require_POST
def undo_mark_all(request, session_id: int):
    session = _runnable_or_404(request, session_id)
    batch = _batch(request.POST.get("batch"))
    count = services.undo_mark_all(by=request.user, session=session, batch=batch) if batch else 0
    if count:
        messages.success(request, ngettext("Undone: %(count)s mark taken back.",
                                           "Undone: %(count)s marks taken back.", count) % {"count": count})
    else:
        messages.info(request, _("There was nothing to undo."))
    return redirect("session_run", session.pk)


@login_required
@require_POST
def link_walk_in(request, session_id: int, attendance_id: int):
    session = _runnable(request, session_id)
    attendance = get_object_or_404(Attendance, pk=attendance_id, session=session)
    form = LinkWalkInForm(request.POST)
    if form.is_valid():
        match = person_named(form.cleaned_data["username"])
        person = match.person
        if person is None:
            messages.error(request, match.problem())
        else:
            try:
                services.link_walk_in(by=request.user, attendance=attendance, user=person)
                messages.success(request, _("Linked to %(name)s's account.") % {"name": person.public_name})
            except services.SessionError as error:
                messages.error(request, error.message)
    return redirect("session_run", session.pk)


@login_required
def check_in(request, session_id: int):
    """Where the QR code leads: the learner confirms with one tap (the code is in the link)."""
    session = get_object_or_404(Session.objects.select_related("center"), pk=session_id)
    language = request.user.preferred_language
    if request.method == "GET" and language and language != request.LANGUAGE_CODE:
        from django.urls import translate_url

        # A link in another language (an old printed code, a shared link): the same page in hers.
        target = translate_url(request.path, language)
        if target != request.path:
            query = request.META.get("QUERY_STRING", "")
            return redirect(f"{target}?{query}" if query else target)
    code = (request.POST.get("code") or request.GET.get("code") or "").strip().upper()
    done = None
    if request.method == "POST":
        try:
            done, _created = services.self_check_in(user=request.user, session=session, code=code)
            messages.success(request, _("You are checked in. Welcome to %(session)s!") % {"session": session.title})
        except services.SessionError as error:
            messages.error(request, error.message)
    return render(request, "labs/check_in.html", {"session": session, "code": code, "done": done})


@login_required
def session_report(request, session_id: int):
    session = _runnable(request, session_id)
    report = SessionReport.objects.filter(session=session).prefetch_related("photos").first()
    form = ReportForm(request.POST or None, request.FILES or None,
                      initial={"notes": report.notes, "follow_ups": report.follow_ups} if report else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.file_report(by=request.user, session=session, notes=form.cleaned_data["notes"],
                                 follow_ups=form.cleaned_data["follow_ups"], photos=form.cleaned_data["photos"])
        except services.SessionError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Report filed. Thank you!"))
            return redirect("session_report", session.pk)
    counts = report.counts if report else services.attendance_counts(session)
    return render(request, "labs/report.html", {"session": session, "report": report, "form": form,
                                                "counts": _count_rows(counts)})


def _count_rows(counts: dict) -> dict:
    ages = dict(AgeBand.choices)
    genders = dict(Gender.choices)
    return {
        "total": counts.get("total", 0),
        # In the bands' own order (PostgreSQL's jsonb does not keep key order).
        "age": [(label, counts.get("age_band", {}).get(k, 0)) for k, label in [*ages.items(), ("", _("Not said"))]
                if counts.get("age_band", {}).get(k)],
        "gender": [(label, counts.get("gender", {}).get(k, 0)) for k, label in genders.items()
                   if counts.get("gender", {}).get(k)],
    }


@login_required
def edit_session(request, session_id: int):
    session = _runnable(request, session_id)
    form = SessionEditForm(request.POST or None, instance=Session.objects.get(pk=session.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(by=request.user, session=session, **{
                name: form.cleaned_data[name] for name in SessionEditForm.Meta.fields})
        except services.SessionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Session saved."))
            return redirect("session_detail", session.pk)
    return render(request, "labs/session_edit.html", {"session": session, "form": form,
                                                      "cancel_form": CancelSessionForm()})


@login_required
@require_POST
def cancel_session(request, session_id: int):
    session = _runnable(request, session_id)
    form = CancelSessionForm(request.POST)
    try:
        services.cancel_session(by=request.user, session=session,
                                reason=form.data.get("reason", ""))
        messages.success(request, _("Session cancelled. Everyone registered has been told."))
    except services.SessionError as error:
        messages.error(request, error.message)
        return redirect("session_edit", session.pk)
    return redirect("session_detail", session.pk)


@login_required
def plan_session(request):
    centers = services.centers_where_can_plan(user=request.user)
    if not centers.exists():
        raise PermissionDenied(_("Certified ambassadors and facilitators can plan sessions."))
    form = PlanSessionForm(request.POST or None, centers=centers)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.plan_session(by=request.user, **form.cleaned_data)
        except services.SessionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Session planned."))
            return redirect("session_detail", session.pk)
    return render(request, "labs/session_plan.html", {"form": form})


# --- dashboard -----------------------------------------------------------------------------------

@login_required
def dashboard(request):
    if not has_role(request.user, INNOVATION_UNIT, FACILITATOR):
        raise PermissionDenied(_("The centers dashboard is for facilitators and Innovation Unit staff."))
    form = PeriodForm(request.GET or None)
    start_day, end_day = form.period()
    start = timezone.make_aware(datetime.combine(start_day, time.min))
    end = timezone.make_aware(datetime.combine(end_day + timedelta(days=1), time.min))
    rows = selectors.dashboard(viewer=request.user, start=start, end=end)
    if request.GET.get("format") == "csv":
        return _dashboard_csv(rows, start_day, end_day)
    names = [(r.center.local_name, r) for r in rows]
    chart_rows = {
        "attendance": charts.bar_chart(title=_("Attendance"), rows=[(n, r.attendance) for n, r in names]),
        "learners": charts.bar_chart(title=_("Unique learners"), rows=[(n, r.unique_learners) for n, r in names]),
        "women": charts.bar_chart(title=_("Women and girls (%)"), rows=[(n, r.women_percent) for n, r in names],
                                  unit="%"),
        "youth": charts.bar_chart(title=_("Youth (%)"), rows=[(n, r.youth_percent) for n, r in names], unit="%"),
    }
    return render(request, "labs/dashboard.html", {
        "form": form, "rows": rows, "totals": selectors.totals(rows), "charts": chart_rows,
        "start": start_day, "end": end_day,
    })


def _dashboard_csv(rows, start_day, end_day) -> HttpResponse:
    header = [_("Center"), _("Sessions held"), _("Unique learners"), _("Attendance"), _("Course completions"),
              _("Women and girls (%)"), _("Youth (%)"), _("Ambassadors active")]
    return csv_response(f"centers-{start_day}-{end_day}.csv", header, (
        [r.center.local_name, r.sessions_held, r.unique_learners, r.attendance, r.course_completions,
         r.women_percent, r.youth_percent, r.ambassadors_active] for r in rows))
