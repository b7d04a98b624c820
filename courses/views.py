"""Learning actions (complete a lesson, send a quiz, heartbeat), My learning and facilitator reports."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.selectors import centers_for
from cms.spreadsheets import csv_response
from courses import selectors, services
from courses.groups import learner_groups
from courses.models import CoursePage, LessonPage


def _live_lesson(lesson_id: int) -> LessonPage:
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404(_("This lesson is not available."))
    return lesson


def _queued(request) -> bool:
    """Sent from the offline queue (cms/offline.js), which wants a JSON answer, not a page."""
    return request.headers.get("X-Sangkat-Queued") == "1"


def _other_learner(request) -> JsonResponse | None:
    """A queued item names the learner who made it: another learner's is refused, nothing changed.

    On a shared device the page sends only the signed-in learner's items; this is the server's
    own check, in case a page (an old copy, a changed script) sends someone else's.
    """
    if request.POST.get("learner", "") == str(request.user.pk):
        return None
    return JsonResponse({"ok": False, "message": _(
        "This was saved on this device by another learner, so it was not sent. It waits for "
        "that learner to log in here."
    )}, status=409)


def _queued_answer(ok: bool, message: str) -> JsonResponse:
    # 200: stored (or already there); 400: refused for good, so the queue lets it go.
    return JsonResponse({"ok": ok, "message": message}, status=200 if ok else 400)


@login_required
@require_POST
def complete_lesson(request, lesson_id: int):
    lesson = _live_lesson(lesson_id)
    if _queued(request) and (refusal := _other_learner(request)):
        return refusal
    try:
        services.complete_lesson(user=request.user, lesson=lesson)
    except services.LessonNotReady as error:
        if _queued(request):
            return _queued_answer(False, error.message)
        messages.warning(request, error.message)
        return redirect(lesson.url)
    if _queued(request):
        return _queued_answer(True, _("Lesson complete. Well done!"))
    messages.success(request, _("Lesson complete. Well done!"))
    outline = selectors.course_outline(user=request.user, course=lesson.get_parent().specific)
    if outline.completed_at:
        messages.success(request, _("You finished the whole course!"))
        return redirect(lesson.get_parent().url)
    return redirect(outline.next_lesson.url if outline.next_lesson else lesson.get_parent().url)


@login_required
@require_POST
def submit_quiz(request, lesson_id: int, quiz_id: str):
    lesson = _live_lesson(lesson_id)
    queued = _queued(request)
    if queued and (refusal := _other_learner(request)):
        return refusal
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        if queued:
            return _queued_answer(False, _("This answer sheet is out of date. Please answer the quiz again."))
        messages.error(request, _("This answer sheet is out of date. Please answer the quiz again."))
        return redirect(f"{lesson.url}#quiz-{quiz_id}")
    answers = {
        key[1:]: request.POST.getlist(key)
        for key in request.POST if key.startswith("q") and key[1:].isascii() and key[1:].isdigit()
    }
    try:
        outcome = services.submit_quiz(
            user=request.user, lesson=lesson, quiz_id=quiz_id, token=token, answers=answers
        )
    except (services.InvalidQuizAnswer, services.QuizTriesUsed) as error:
        if queued:
            return _queued_answer(False, error.message)
        messages.error(request, error.message)
        return redirect(f"{lesson.url}#quiz-{quiz_id}")
    attempt = outcome.attempt
    if queued:
        return _queued_answer(True, _("You scored %(percent)s%%.") % {"percent": attempt.percent})
    if attempt.passed:
        messages.success(request, _("You passed with %(percent)s%%.") % {"percent": attempt.percent})
    elif outcome.answers_hidden:
        messages.info(request, _("You scored %(percent)s%%. Read the lesson again and try again.") % {"percent": attempt.percent})
    else:
        messages.info(request, _("You scored %(percent)s%%. Read the feedback and try again.") % {"percent": attempt.percent})
    if outcome.lesson_completed:
        messages.success(request, _("Lesson complete. Well done!"))
    return redirect(f"{lesson.url}?attempt={attempt.pk}#quiz-{quiz_id}")


@login_required
@require_POST
def heartbeat(request, lesson_id: int):
    services.record_heartbeat(user=request.user, lesson=_live_lesson(lesson_id))
    return HttpResponse(status=204)


@login_required
def my_learning(request):
    cards = selectors.my_learning(user=request.user)
    return render(request, "courses/my_learning.html", {
        "cards": cards, "continue_point": selectors.continue_learning(user=request.user, cards=cards),
    })


def _require_facilitator(user):
    if not has_role(user, FACILITATOR, INNOVATION_UNIT):
        raise PermissionDenied


@login_required
def center_course_report(request, center_id: int, course_id: int):
    _require_facilitator(request.user)
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise Http404(_("This course is not available."))
    center = centers_for(request.user).filter(pk=center_id).first()
    if center is None:
        raise PermissionDenied
    # Groups (a center's classes) come from apps above courses, registered in courses.groups.
    groups = learner_groups(viewer=request.user, center=center)
    group = None
    if request.GET.get("group"):
        group = next((g for g in groups if g.key == request.GET["group"][:40]), None)
        if group is None:
            raise Http404(_("This group is not one of this center's."))
    report = selectors.center_course_report(viewer=request.user, center_id=center_id, course=course,
                                            learner_ids=group.learner_ids() if group else None)
    if request.GET.get("format") == "csv":
        return _report_csv(report, group=group)
    return render(request, "courses/report.html", {"report": report, "groups": groups, "group": group})


def _report_csv(report, group=None) -> HttpResponse:
    header = ([_("Nickname"), _("Username"), _("Enrolled"), _("Completed"), _("Lessons done"),
               _("Lessons required"), _("Minutes spent")] + [title for _id, title in report.quizzes])
    rows = (
        [row.learner.nickname, row.learner.username, row.enrolled_at.date().isoformat(),
         row.completed_at.date().isoformat() if row.completed_at else "",
         row.lessons_done, row.lessons_total, round(row.seconds_spent / 60)]
        + ["" if p is None else p for p in row.quiz_percents.values()]
        for row in report.rows
    )
    suffix = f"-{group.key}" if group else ""
    return csv_response(f"{report.center.slug}-{report.course.slug}{suffix}.csv", header, rows)
