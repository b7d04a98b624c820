"""Reads of courses for other apps (ambassadors, games, labs): they read courses through these, never
through its models. Re-exported by courses.selectors, the path they import."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import Count
from wagtail.models import Page

from courses.locales import localized_by_key
from courses.models import CoursePage, Enrolment, LessonPage


def completed_course_keys(*, user, keys: Iterable[UUID], since: datetime | None = None) -> set[UUID]:
    """Which of these courses (translation keys) the person completed (after `since` when given)."""
    keys = set(keys)
    if not keys or not user.is_authenticated:
        return set()
    done = Enrolment.objects.filter(user=user, course_key__in=keys, completed_at__isnull=False)
    if since is not None:
        done = done.filter(completed_at__gt=since)
    return set(done.values_list("course_key", flat=True))


def course_pages_by_key(keys: Iterable[UUID]) -> dict[UUID, CoursePage]:
    """The live course page for each translation key, in the active language when it exists."""
    return localized_by_key(CoursePage, keys)


def live_courses(*, limit: int = 500) -> list[CoursePage]:
    """Published courses in the visitor's language, by title."""
    keys = set(CoursePage.objects.live().values_list("translation_key", flat=True)[:limit])
    return sorted(course_pages_by_key(keys).values(), key=lambda page: page.title)


def all_live(course_ids: Iterable[int]) -> bool:
    """Whether every one of these course pages (ids) exists and is published."""
    ids = set(course_ids)
    return CoursePage.objects.filter(pk__in=ids, live=True).count() == len(ids)


def completions_by_home_center(*, center_ids: Iterable[int], start: datetime, end: datetime) -> dict[int, int]:
    """Courses completed in [start, end) by learners of these home centers: {center id: count}."""
    return {
        row["user__home_center_id"]: row["n"]
        for row in (Enrolment.objects.filter(completed_at__gte=start, completed_at__lt=end,
                                             user__home_center_id__in=list(center_ids))
                    .values("user__home_center_id").annotate(n=Count("pk")))
    }


def lesson_by_key(key: UUID) -> LessonPage | None:
    """The live lesson with this translation key, in the active language when it exists."""
    return localized_by_key(LessonPage, [key]).get(key)


def _course_titles(keys) -> dict[str, str]:
    titles: dict[str, str] = {}
    for key, title in Page.objects.filter(translation_key__in={k for k in keys if k}).values_list(
        "translation_key", "title"
    ):
        titles.setdefault(str(key), title)
    return titles


def with_course_titles(rows: list[dict]) -> list[dict]:
    """Add each row's "course" title (by its "course_key"; any language): the apps' personal-data exports."""
    titles = _course_titles(row.get("course_key") for row in rows)
    for row in rows:
        row["course"] = titles.get(str(row.get("course_key")), "")
    return rows
