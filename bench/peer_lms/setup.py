"""Build the bench-only wagtail-lms site (run as `python -m bench.peer_lms.setup`, settings bench.peer_lms.settings).

Migrates its database, collects its static files into var/peers/wagtail_lms/, and makes (once) a course
of Sangkat's demo lessons (courses/demo_content/curriculum.json, English: the text and callout blocks as
rich-text paragraphs; wagtail-lms has no quiz block other than an uploaded H5P package) and a learner
enrolled in it. Prints `RESULT {json}`: the learner's session cookie, the page paths, SQL queries per page.
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer_lms.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from wagtail.models import Page, Site  # noqa: E402
from wagtail_lms.models import CourseEnrollment, CoursePage, H5PLessonPage  # noqa: E402

CURRICULUM = settings.ROOT / "courses" / "demo_content" / "curriculum.json"


def _course() -> CoursePage:
    course = CoursePage.objects.filter(slug="bench-course").first()
    if course:
        return course
    data = json.loads(CURRICULUM.read_text(encoding="utf-8"))["courses"][0]
    root = Page.get_first_root_node()
    course = root.add_child(instance=CoursePage(title=data["title"]["en"], slug="bench-course",
                                                description=f"<p>{data['summary']['en']}</p>"))
    Site.objects.all().delete()
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=course, is_default_site=True,
                        site_name="bench")
    for lesson in data["lessons"]:
        body = []
        for block in lesson["blocks"]:
            if block["type"] == "text":
                body.append(("paragraph", block["en"]))
            elif block["type"] == "callout":
                body.append(("paragraph", f"<p><b>{block['style']}</b></p>{block['en']}"))
        page = H5PLessonPage(title=lesson["title"]["en"], slug=lesson["slug"])
        page.body = [(kind, _rich(value)) for kind, value in body]
        course.add_child(instance=page)
    return course


def _rich(html: str):
    from wagtail.rich_text import RichText

    return RichText(html)


def _cookie(user) -> str:
    from django.contrib.sessions.backends.cached_db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0] if hasattr(
        settings, "AUTHENTICATION_BACKENDS") else "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _queries(path: str, cookie: str) -> int:
    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"wagtail-lms {path} answered {response.status_code}")
    return len(captured)


def main(lesson_slug: str) -> None:
    call_command("migrate", "--noinput", verbosity=0)
    if not (settings.STATIC_ROOT / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    course = _course()
    User = get_user_model()
    learner, created = User.objects.get_or_create(username="bench-learner")
    if created:
        learner.set_password("bench-password-123")
        learner.save()
    CourseEnrollment.objects.get_or_create(user=learner, course=course)
    lesson = H5PLessonPage.objects.child_of(course).filter(slug=lesson_slug).first() or \
        H5PLessonPage.objects.child_of(course).first()
    cookie = _cookie(learner)
    course_path, lesson_path = course.url, lesson.url
    print("RESULT " + json.dumps({
        "cookie": cookie, "course": course_path, "lesson": lesson_path, "lesson_slug": lesson.slug,
        "queries": {"lesson": _queries(lesson_path, cookie), "course": _queries(course_path, ""),
                    "course_signed_in": _queries(course_path, cookie)},
    }), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
