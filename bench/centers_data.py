"""Bulk data for bench_centers: 20 centers, 5,000 sessions, 200,000 attendance rows (SQL, seconds).

Run inside Django (manage.py shell -c "import bench.centers_data as d; d.main()"). Safe to repeat.
Prints: the staff session cookie, a facilitator (5 centers) session cookie, and query counts.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from labs.models import Attendance, Center, Session, SessionTally
from labs.rollup import rebuild

CENTERS, SESSIONS, PER_SESSION, LEARNERS = 20, 5000, 40, 4000


@transaction.atomic
def build():
    User = get_user_model()
    if Attendance.objects.filter(session__title__startswith="bench ").count() >= SESSIONS * PER_SESSION:
        if not SessionTally.objects.exists():  # data loaded before the rollup existed
            rebuild()
        return
    centers = [Center.objects.get_or_create(slug=f"bench-{i}", defaults={"name": f"Bench center {i:02d}"})[0]
               for i in range(CENTERS)]
    learner_group = Group.objects.get_or_create(name="learner")[0]
    ambassador_group = Group.objects.get_or_create(name="ambassador")[0]
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO cms_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                  is_active, date_joined, nickname, display_name, preferred_language, age_band,
                                  guardian_consent, gender, must_change_password, home_center_id)
            SELECT '!', false, 'bench-learner-' || g, '', '', '', false, true, now(), 'L' || g, '', 'km',
                   (ARRAY['under13','13-17','18-24','25-59','60+'])[1 + g %% 5], true,
                   (ARRAY['woman','man','','woman'])[1 + g %% 4], false, %s
            FROM generate_series(0, %s) g
            ON CONFLICT (username) DO NOTHING
        """, [centers[0].pk, LEARNERS - 1])
    users = list(User.objects.filter(username__startswith="bench-learner-").order_by("pk").values_list("pk", flat=True))
    ambassadors = users[:60]
    for pk in ambassadors:
        User.groups.through.objects.get_or_create(user_id=pk, group_id=ambassador_group.pk)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=pk, group_id=learner_group.pk) for pk in users], ignore_conflicts=True)
    Session.objects.filter(title__startswith="bench ").delete()
    now = timezone.now()
    Session.objects.bulk_create([
        Session(center=centers[i % CENTERS], title=f"bench {i}", starts_at=now - timedelta(hours=2 + i * 1.7),
                ends_at=now - timedelta(hours=i * 1.7), capacity=40, checkin_code="BENCH0")
        for i in range(SESSIONS)
    ], batch_size=1000)
    sessions = list(Session.objects.filter(title__startswith="bench ").values_list("pk", "center_id"))
    Session.ambassadors.through.objects.bulk_create([
        Session.ambassadors.through(session_id=pk, user_id=ambassadors[(center_id * 3 + n) % len(ambassadors)])
        for pk, center_id in sessions for n in range(2)
    ], batch_size=5000, ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO labs_attendance (session_id, user_id, nickname, age_band, gender, method, recorded_at,
                                         recorded_by_id)
            SELECT s.id, u.id, u.nickname, u.age_band, u.gender, 'roster', s.starts_at, NULL
            FROM labs_session s
            CROSS JOIN generate_series(0, %s) k
            JOIN cms_user u ON u.username = 'bench-learner-' || ((s.id * 7 + k) %% %s)
            WHERE s.title LIKE 'bench %%'
        """, [PER_SESSION - 1, LEARNERS])
    # The rows above were written in SQL, which the rollup's receivers never see.
    rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE labs_attendance; ANALYZE labs_session; ANALYZE cms_user; "
                       "ANALYZE labs_sessiontally; ANALYZE labs_learnerdays")


def cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def main():
    build()
    User = get_user_model()
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"nickname": "Staff", "age_band": "25-59"})
    staff.groups.add(Group.objects.get_or_create(name="innovation-unit")[0])
    facilitator, _ = User.objects.get_or_create(username="bench-facilitator",
                                                defaults={"nickname": "Fac", "age_band": "25-59"})
    facilitator.groups.add(Group.objects.get_or_create(name="facilitator")[0])
    for center in Center.objects.filter(slug__startswith="bench-").order_by("pk")[:5]:
        center.facilitators.add(facilitator)
    counts = {}
    for label, user, query in (("staff-30d", staff, ""), ("staff-year", staff, YEAR),
                               ("facilitator-30d", facilitator, ""), ("facilitator-year", facilitator, YEAR)):
        client = Client()
        client.force_login(user)
        client.get("/en/centers/dashboard/" + query, HTTP_HOST="127.0.0.1")  # warm, as a second view
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/en/centers/dashboard/" + query, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.status_code
        counts[label] = len(queries.captured_queries)
    print("COOKIES", cookie(staff), cookie(facilitator))
    print("QUERIES", counts["staff-30d"], counts["staff-year"], counts["facilitator-30d"], counts["facilitator-year"])
    print("PERIOD", YEAR)
    print("ROWS", Attendance.objects.count(), Session.objects.count(), Center.objects.count())


_today = timezone.localdate()
YEAR = f"?start={_today - timedelta(days=365)}&end={_today}"
