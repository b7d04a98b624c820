"""Data for bench_load: the demo site plus 200 learners, a call in its prioritise phase and sessions now.

Run inside Django with the production settings (bench_load does it through `manage.py shell`):
    import bench.load_data as d; d.main(users=200, run="<tag>")
Safe to repeat. Each run gets its own call, proposals and sessions (named after the run tag), so
supports and check-ins of one run are counted apart from earlier runs. Prints one JSON line
`LOADCONFIG {...}` with what the simulated learners need: accounts, lesson and quiz addresses,
H5P activities, proposals and session codes.
"""

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

PASSWORD = "load-bench-learner-pass"
USER_PREFIX = "load-learner-"
PROPOSALS = 12
SESSIONS = 4


def _demo() -> None:
    """`seed_demo` (the site, curriculum with quizzes, the H5P lesson, centers, demo users), once."""
    from courses.models import LessonPage

    if LessonPage.objects.live().filter(locale__language_code="en").exists():
        return
    with tempfile.TemporaryDirectory() as folder:  # the demo passwords are of no use here
        call_command("seed_demo", credentials_file=str(Path(folder) / "credentials.txt"), stdout=open("/dev/null", "w"))


def _learners(count: int) -> list[str]:
    from django.contrib.auth.hashers import make_password

    from cms import roles
    from labs.models import Center

    User = get_user_model()
    center = Center.objects.order_by("pk").first()
    password = make_password(PASSWORD)  # one Argon2id hash shared by every simulated learner
    names = [f"{USER_PREFIX}{i:03d}" for i in range(count)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=name, nickname=f"Load {name[-3:]}", age_band="18-24", gender="woman" if i % 2 else "man",
             preferred_language="en", home_center=center, password=password)
        for i, name in enumerate(names) if name not in existing
    ])
    User.objects.filter(username__in=names).update(password=password, is_active=True, must_change_password=False)
    group, _created = Group.objects.get_or_create(name=roles.LEARNER)
    ids = list(User.objects.filter(username__in=names).values_list("pk", flat=True))
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=pk, group_id=group.pk) for pk in ids], ignore_conflicts=True)
    return names


def _courses() -> dict:
    from courses.h5p.demo import DEMO_BLOCK_ID
    from courses.models import CoursePage, LessonPage

    courses = [c.get_url() for c in CoursePage.objects.live().filter(locale__language_code="en").order_by("path")]
    lessons, quizzes, h5p = [], [], []
    for lesson in LessonPage.objects.live().filter(locale__language_code="en").order_by("path"):
        if lesson.get_view_restrictions():
            continue
        url = lesson.get_url()
        lessons.append(url)
        for quiz in lesson.quiz_blocks():
            quizzes.append({
                "lesson_id": lesson.pk, "lesson_url": url, "quiz_id": quiz.id,
                "questions": [{"kind": q["kind"], "options": len(q["answers"]),
                               "correct": [i for i, a in enumerate(q["answers"]) if a["correct"]]}
                              for q in quiz.value["questions"]],
            })
        for block in lesson.h5p_blocks():
            h5p.append({"lesson_url": url, "lesson_key": str(lesson.translation_key), "block_id": block.id})
    if not h5p:
        raise RuntimeError(f"no H5P lesson in the demo (expected block {DEMO_BLOCK_ID})")
    if not quizzes:
        raise RuntimeError("no quiz in the demo curriculum")
    return {"courses": courses, "lessons": lessons, "quizzes": quizzes, "h5p": h5p}


def _call(run: str) -> dict:
    from labs.participation.models import Call, Proposal

    User = get_user_model()
    staff = User.objects.get(username="demo-staff")
    author = User.objects.get(username="demo-learner")
    now = timezone.now()
    call = Call.objects.create(
        title=f"Load bench {run}", question="What should the city do first?", category="waste",
        created_by=staff, support_limit=None,
    )
    for kind, start, end in (("collect", -20, -1), ("prioritise", -1, 30)):
        call.phases.create(kind=kind, starts_at=now + timedelta(days=start), ends_at=now + timedelta(days=end))
    proposals = Proposal.objects.bulk_create([
        Proposal(author=author, call=call, title=f"Load idea {i} ({run})", body="Shade and bins on the street.",
                 category="waste")
        for i in range(PROPOSALS)
    ])
    return {"call_id": call.pk, "proposals": [p.pk for p in proposals]}


def _sessions(run: str) -> list[dict]:
    from labs.models import Center, Session

    center = Center.objects.order_by("pk").first()
    now = timezone.now()
    sessions = [
        Session.objects.create(center=center, title=f"Load bench {run} #{i}", starts_at=now - timedelta(minutes=30),
                               ends_at=now + timedelta(hours=6), capacity=300)
        for i in range(SESSIONS)
    ]
    return [{"id": s.pk, "code": s.checkin_code} for s in sessions]


def main(*, users: int, run: str) -> dict:
    _demo()
    config = {
        "run": run, "password": PASSWORD, "users": _learners(users),
        **_courses(), **_call(run), "sessions": _sessions(run),
    }
    print("LOADCONFIG " + json.dumps(config))
    return config
