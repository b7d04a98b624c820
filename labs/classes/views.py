"""Class pages for facilitators (roster, import, courses, sessions, cards) and the card sign-in for learners."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cms.auth import client_ip
from cms.ratelimit import hit, seconds_left
from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.selectors import learners_for, person_named
from labs.classes import cards, hooks, selectors, services
from labs.classes.forms import (
    ClassForm,
    CourseForm,
    ExistingLearnerForm,
    ImportChoiceForm,
    NewLearnerForm,
    RosterUploadForm,
    SessionChoiceForm,
    SignInKindForm,
)
from labs.classes.models import SignInKind
from labs.classes.rosters import RosterRefused, RosterRow, read_roster
from labs.selectors import centers_for
from labs.services import SessionError

_IMPORT_KEY = "classes-import-{}"


def _require_facilitator(user) -> None:
    if not has_role(user, FACILITATOR, INNOVATION_UNIT):
        raise PermissionDenied


def _class(request, class_id):
    """The class, if the viewer works at its center; 404 for anyone else (learners included)."""
    klass = selectors.class_for(viewer=request.user, class_id=class_id)
    if klass is None:
        raise Http404(_("No such class."))
    return klass


def _centers(user):

    return list(centers_for(user))


@login_required
def class_list(request):
    _require_facilitator(request.user)
    centers = _centers(request.user)
    form = ClassForm(request.POST or None, centers=centers)
    if request.method == "POST" and form.is_valid():
        center = next(c for c in centers if c.pk == form.cleaned_data["center"])
        try:
            klass = services.create_class(by=request.user, center=center, name=form.cleaned_data["name"],
                                          sign_in_kind=form.cleaned_data["sign_in_kind"])
        except services.ClassError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("The class %(name)s is ready. Add its learners.") % {"name": klass.name})
            return redirect("classes:detail", klass.pk)
    return render(request, "classes/class_list.html", {
        "classes": selectors.classes_for(request.user), "form": form, "centers": centers})


def _detail_context(request, klass, **forms) -> dict:
    courses = selectors.course_choices()
    sessions = selectors.upcoming_sessions_for(viewer=request.user, klass=klass)
    context = {
        "klass": klass,
        "kind_form": SignInKindForm(initial={"sign_in_kind": klass.sign_in_kind}),
        "extra_links": hooks.links_for_class(klass),
        "rows": selectors.members(klass=klass),
        "class_courses": selectors.class_courses(klass=klass),
        "new_form": NewLearnerForm(),
        "existing_form": ExistingLearnerForm(),
        "upload_form": RosterUploadForm(),
        "course_form": CourseForm(courses=courses),
        "session_form": SessionChoiceForm(sessions=sessions) if sessions else None,
    }
    context.update(forms)
    return context


@login_required
def class_detail(request, class_id: int):
    klass = _class(request, class_id)
    return render(request, "classes/class_detail.html", _detail_context(request, klass))


@login_required
@require_POST
def set_sign_in_kind(request, class_id: int):
    """The facilitator chooses per class: a password, three pictures or a PIN."""
    klass = _class(request, class_id)
    form = SignInKindForm(request.POST)
    if not form.is_valid():
        return render(request, "classes/class_detail.html", _detail_context(request, klass, kind_form=form),
                      status=400)
    klass = services.set_sign_in_kind(by=request.user, klass=klass, sign_in_kind=form.cleaned_data["sign_in_kind"])
    messages.success(request, _("Learners of %(name)s now sign in with: %(kind)s.")
                     % {"name": klass.name, "kind": klass.get_sign_in_kind_display()})
    return redirect("classes:detail", klass.pk)


@login_required
@require_POST
def add_learner(request, class_id: int):
    klass = _class(request, class_id)
    form = NewLearnerForm(request.POST)
    if form.is_valid():
        try:
            learner = services.add_new_learner(by=request.user, klass=klass, **form.cleaned_data)
        except services.ClassError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(nickname)s is in the class (username %(username)s). Print her card.")
                             % {"nickname": learner.nickname, "username": learner.username})
            return redirect("classes:detail", klass.pk)
    return render(request, "classes/class_detail.html", _detail_context(request, klass, new_form=form), status=400)


@login_required
@require_POST
def add_existing(request, class_id: int):
    klass = _class(request, class_id)
    form = ExistingLearnerForm(request.POST)
    if form.is_valid():
        match = person_named(form.cleaned_data["who"],
                             among=learners_for(viewer=request.user, center_id=klass.center_id))
        if match.person is None:
            form.add_error("who", match.problem() if (match.shared_phone or match.candidates) else
                           _("No learner of this center has this username or phone number."))
        else:
            services.add_existing_learner(by=request.user, klass=klass, learner=match.person)
            messages.success(request, _("%(nickname)s is in the class.") % {"nickname": match.person.nickname})
            return redirect("classes:detail", klass.pk)
    return render(request, "classes/class_detail.html", _detail_context(request, klass, existing_form=form),
                  status=400)


@login_required
@require_POST
def remove_learner(request, class_id: int, membership_id: int):
    klass = _class(request, class_id)
    services.remove_learner(by=request.user, klass=klass, membership_id=membership_id)
    messages.success(request, _("The learner left the class. Her account stays."))
    return redirect("classes:detail", klass.pk)


@login_required
def import_roster(request, class_id: int):
    """Upload → preview (good rows, refused rows with one message each, duplicates); nothing is created."""
    klass = _class(request, class_id)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "classes/import.html", {"klass": klass, "form": form},
                      status=400 if request.method == "POST" else 200)
    upload = form.cleaned_data["roster"]
    try:
        raw = upload.read(settings.SANGKAT_CLASS_IMPORT_MAX_BYTES + 1)
        rows = services.check_against_center(klass=klass, rows=read_roster(name=upload.name or "", raw=raw))
    except RosterRefused as error:
        form.add_error("roster", str(error))
        return render(request, "classes/import.html", {"klass": klass, "form": form}, status=400)
    request.session[_IMPORT_KEY.format(klass.pk)] = [row.as_dict() for row in rows]
    return render(request, "classes/import_preview.html", {
        "klass": klass, "rows": rows, "good": [r for r in rows if r.is_good],
        "bad": [r for r in rows if not r.is_good]})


@login_required
@require_POST
def import_confirm(request, class_id: int):
    klass = _class(request, class_id)
    stored = request.session.get(_IMPORT_KEY.format(klass.pk))
    form = ImportChoiceForm(request.POST)
    if not stored or not isinstance(stored, list) or not form.is_valid():
        messages.error(request, _("Upload the roster again: the preview was lost."))
        return redirect("classes:import", klass.pk)
    rows = [RosterRow.from_dict(item) for item in stored]
    try:
        created = services.import_learners(by=request.user, klass=klass, rows=rows,
                                           only_good=form.cleaned_data["only_good"])
    except services.ImportRefused as error:
        return render(request, "classes/import_preview.html", {
            "klass": klass, "rows": error.rows, "good": [r for r in error.rows if r.is_good],
            "bad": [r for r in error.rows if not r.is_good], "refusal": str(error)}, status=400)
    del request.session[_IMPORT_KEY.format(klass.pk)]
    messages.success(request, _("%(count)s learners were added to the class. Print their login cards.")
                     % {"count": len(created)})
    return redirect("classes:detail", klass.pk)


@login_required
@require_POST
def assign_course(request, class_id: int):
    klass = _class(request, class_id)
    form = CourseForm(request.POST, courses=selectors.course_choices())
    if not form.is_valid():
        messages.error(request, _("Choose a course from the list."))
        return redirect("classes:detail", klass.pk)
    course = next(c for c in selectors.course_choices() if c.pk == form.cleaned_data["course"])
    count = services.assign_course(by=request.user, klass=klass, course=course)
    messages.success(request, _("%(course)s is given to the class: %(count)s learners are enrolled.")
                     % {"course": course.title, "count": count})
    return redirect("classes:detail", klass.pk)


@login_required
def class_progress(request, class_id: int, course_id: int):
    """The center's progress report for this course, filtered by this class (courses' `?group=`)."""
    from urllib.parse import urlencode

    klass = _class(request, class_id)
    course = selectors.course_for_class(klass=klass, course_id=course_id)
    if course is None:
        raise Http404(_("This class does not follow this course."))
    url = reverse("center_course_report", args=[klass.center_id, course.pk])
    return redirect(f"{url}?{urlencode({'group': f'class-{klass.pk}'})}")


@login_required
@require_POST
def register_session(request, class_id: int):

    klass = _class(request, class_id)
    sessions = selectors.upcoming_sessions_for(viewer=request.user, klass=klass)
    form = SessionChoiceForm(request.POST, sessions=sessions)
    if not form.is_valid():
        messages.error(request, _("Choose a session from the list."))
        return redirect("classes:detail", klass.pk)
    session = next(s for s in sessions if s.pk == form.cleaned_data["session"])
    try:
        done, refused = services.register_class(by=request.user, klass=klass, session=session)
    except (services.ClassError, SessionError) as error:
        messages.error(request, str(error))
        return redirect("classes:detail", klass.pk)
    messages.success(request, _("%(count)s learners of the class are on the roster of %(session)s.")
                     % {"count": len(done), "session": session.title})
    for person, reason in refused:
        messages.warning(request, f"{person.nickname}: {reason}")
    return redirect("classes:detail", klass.pk)


def _hint_for(klass):
    """The card's sign-in line. Never the pictures or the PIN: only the facilitator's own hint, which
    labs.devices refuses when it names a picture or holds a digit (docs/decisions.md)."""
    def hint(membership) -> str:
        if klass.sign_in_kind == SignInKind.PICTURES:
            line = _("At the center: find your name on a computer and tap your three pictures.")
        elif klass.sign_in_kind == SignInKind.PIN:
            line = _("At the center: find your name on a computer and type your PIN.")
        else:
            return _("Scan with your phone's camera once, then choose your password.")
        if membership.picture_hint:
            line += " " + _("Hint: %(hint)s") % {"hint": membership.picture_hint}
        else:
            line += " " + _("Scan once with your phone to choose them, or ask your facilitator.")
        return line
    return hint


def _printed(request, klass, printed):
    from datetime import timedelta

    from django.utils import timezone

    expires = timezone.now() + timedelta(days=settings.SANGKAT_LOGIN_CARD_DAYS)
    context = {"klass": klass, "expires_at": expires,
               "cards": cards.build_cards(klass=klass, printed=printed, hint_for=_hint_for(klass),
                                          request=request, expires_at=expires)}
    if request.POST.get("format") == "pdf":
        response = HttpResponse(cards.render_pdf(context=context, request=request), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="login-cards-{klass.pk}.pdf"'
    else:
        response = render(request, "classes/cards_print.html", context)
    # The codes exist nowhere else: never kept by a cache, never sent to another site in a Referer.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@login_required
def class_cards(request, class_id: int):
    """GET: what printing does; POST: new cards for the whole class (each revokes the old one), printed."""
    klass = _class(request, class_id)
    if request.method != "POST":
        return render(request, "classes/cards.html", {"klass": klass, "rows": selectors.members(klass=klass),
                                                      "days": settings.SANGKAT_LOGIN_CARD_DAYS})
    printed = services.issue_cards(by=request.user, klass=klass)
    if not printed:
        messages.error(request, _("This class has no learners yet."))
        return redirect("classes:detail", klass.pk)
    return _printed(request, klass, printed)


@login_required
@require_POST
def reissue_card(request, class_id: int, membership_id: int):
    """A lost card: a new one for this learner; the old code stops working at once."""
    klass = _class(request, class_id)
    printed = services.issue_cards(by=request.user, klass=klass, membership_ids=[membership_id])
    if not printed:
        raise Http404(_("No such learner in this class."))
    return _printed(request, klass, printed)


@never_cache
def card_sign_in(request, code: str):
    """The link in a card's QR code. GET asks (so a link preview never spends the card); POST signs in once."""
    refusal, status = None, 410
    if request.method == "POST":
        window = 3600
        if hit("login-card", client_ip(request) or "unknown", window=window) > \
                settings.SANGKAT_LOGIN_CARD_TRIES_PER_ADDRESS_PER_HOUR:
            refusal = _("Too many login cards were tried from here. Try again in %(minutes)s minutes.") % {
                "minutes": max(1, seconds_left(window) // 60)}
            status = 429
        else:
            try:
                learner, _klass = services.use_card(code=code)
            except services.CardRefused as error:
                refusal = str(error)
            else:
                if request.user.is_authenticated:
                    logout(request)  # a shared phone: the person before signs out first
                login(request, learner, backend="cms.auth.UsernameOrPhoneBackend")
                translation.activate(learner.preferred_language)
                # A picture or PIN class: she chooses them now (labs.devices, through classes' hooks).
                with translation.override(learner.preferred_language):
                    after = hooks.url_after_card(request=request, learner=learner, klass=_klass)
                response = redirect(after or _choose_password_url(learner.preferred_language))
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, learner.preferred_language)
                return response
    else:
        try:
            card = services.card_for_code(code)
        except services.CardRefused as error:
            refusal = str(error)
        else:
            response = render(request, "classes/card_sign_in.html", {"card": card, "code": code})
            response["Referrer-Policy"] = "same-origin"
            return response
    response = render(request, "classes/card_sign_in.html", {"refusal": refusal}, status=status)
    response["Referrer-Policy"] = "same-origin"
    return response


def _choose_password_url(language: str) -> str:
    with translation.override(language):
        return reverse("choose_password")


@login_required
def help_page(request):
    _require_facilitator(request.user)
    return render(request, "classes/help.html", {"max_rows": settings.SANGKAT_CLASS_IMPORT_MAX_ROWS,
                                                 "days": settings.SANGKAT_LOGIN_CARD_DAYS})

