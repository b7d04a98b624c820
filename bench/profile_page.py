"""Profile one page of the bench database in-process with pyinstrument (issue 21: find where a page's time goes).

  .venv/bin/python -m bench.profile_page lesson [signed-in|anonymous] [requests]
  .venv/bin/python -m bench.profile_page course anonymous 200

Uses the bench database and Redis (bench.common), the page cache off, the demo learner of bench_courses.
Prints pyinstrument's text report of `requests` renders after two warm ones, and the SQL per render
(PROFILE_ALL=1 shows the library frames it folds away, Django's templates and ORM among them).
"""

import os
import sys

os.environ.setdefault("ANONYMOUS_PAGE_CACHE_SECONDS", "0")


def main(page: str = "lesson", who: str = "signed-in", requests: int = 100) -> None:
    from bench.common import django_setup, login_cookie

    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from bench.bench_courses import _learner_and_pages

    learner, course, lesson = _learner_and_pages()
    path = {"lesson": lesson.url, "course": course.url, "home": "/en/"}[page]
    client = Client(HTTP_HOST="127.0.0.1")
    if who == "signed-in":
        name, value = login_cookie(learner).split("=", 1)
        client.cookies[name] = value
    for _ in range(2):
        assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    for query in captured:
        print(query["sql"][:300])
    print(f"{len(captured)} queries")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        client.get(path)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))


if __name__ == "__main__":
    args = sys.argv[1:]
    main(*(args[:2]), *(int(a) for a in args[2:3]))
