"""Issue 2 targets: home, course and lesson pages under load; queries per page; first-visit bytes."""

import re
import urllib.request
from urllib.parse import urljoin

from bench.common import Row, count_queries, django_setup, login_cookie, manage, server, wrk

TARGET_P95_MS = 50
TARGET_QUERIES = 12
TARGET_FIRST_VISIT = 150 * 1024
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
FONT = re.compile(rb'url\("([^"]+\.woff2)"\)')


def _learner_and_pages():
    from django.contrib.auth import get_user_model

    from courses.models import CoursePage, LessonPage

    User = get_user_model()
    learner, created = User.objects.get_or_create(
        username="bench-learner", defaults={"nickname": "Bench", "age_band": "18-24"}
    )
    if created:
        learner.set_password("bench-password-123")
        learner.save()
    course = CoursePage.objects.live().filter(locale__language_code="en").order_by("path").first()
    lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
    lesson = next((page for page in lessons if page.quiz_blocks()), lessons[0])
    return learner, course, lesson


def _fetch(url: str, cookie: str) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip", "Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        return len(body), body, response.headers.get("Content-Encoding", "")


def _first_visit_bytes(base: str, path: str, cookie: str, with_khmer_font: bool) -> int:
    """HTML + CSS + JS (+ the Khmer web font for a device with no Khmer font), as transferred."""
    size, html, _ = _fetch(base + path, cookie)
    if _ == "gzip":
        import gzip

        html = gzip.decompress(html)
    total = size
    for asset in sorted(set(ASSET.findall(html.decode()))):
        asset_size, body, encoding = _fetch(base + asset, cookie)
        total += asset_size
        if asset.endswith(".css") and with_khmer_font:
            if encoding == "br":
                import brotli

                body = brotli.decompress(body)
            elif encoding == "gzip":
                import gzip

                body = gzip.decompress(body)
            for font in FONT.findall(body):
                total += _fetch(urljoin(base + asset, font.decode()), cookie)[0]
    return total


def run() -> list[Row]:
    manage("seed_demo")
    django_setup()
    learner, course, lesson = _learner_and_pages()
    cookie = login_cookie(learner)
    pages = {"home": "/en/", "course": course.url, "lesson": lesson.url}
    rows = []
    for name, path in pages.items():
        queries = count_queries(path, cookie)
        rows.append(Row("courses", f"{name} page: SQL queries (learner)", str(queries),
                        f"<= {TARGET_QUERIES}", queries <= TARGET_QUERIES))
    with server() as base:
        for name, path in pages.items():
            for clients in (1, 32):
                result = wrk(base + path, connections=clients, seconds=8, headers={"Cookie": cookie})
                ok = result["errors"] == 0 and (name != "lesson" or clients != 32 or result["p95"] < TARGET_P95_MS)
                rows.append(Row(
                    "courses", f"{name} page, {clients} client{'s' if clients > 1 else ''}",
                    f"{result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, errors {result['errors']}",
                    f"p95 < {TARGET_P95_MS} ms" if name == "lesson" and clients == 32 else "", ok,
                ))
        for name, path in pages.items():
            result = wrk(base + path, connections=32, seconds=8)
            rows.append(Row(
                "courses", f"{name} page, 32 anonymous visitors (shared page cache)",
                f"{result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, errors {result['errors']}",
                f"p95 < {TARGET_P95_MS} ms" if name == "lesson" else "",
                result["errors"] == 0 and (name != "lesson" or result["p95"] < TARGET_P95_MS),
            ))
        english = _first_visit_bytes(base, lesson.url, cookie, with_khmer_font=False)
        khmer_path = lesson.get_translation(lesson.locale.__class__.objects.get(language_code="km")).url
        khmer = _first_visit_bytes(base, khmer_path, cookie, with_khmer_font=True)
    rows.append(Row("courses", "lesson first visit, compressed (English)", f"{english / 1024:.1f} KB",
                    "< 150 KB", english < TARGET_FIRST_VISIT))
    rows.append(Row("courses", "lesson first visit, compressed (Khmer, + web font)", f"{khmer / 1024:.1f} KB",
                    "< 150 KB", khmer < TARGET_FIRST_VISIT))
    return rows
