"""Racing retries on the real database. In a file of its own: a transactional test empties the database
when it ends, so it must run after the ordinary tests of its worker (pytest-django orders by file)."""

import threading

import pytest
from django.db import connection

from games import services
from games.models import Award, EventKind, Rule, Score
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_never_award_twice():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (CI runs it)")
    assert Rule.objects.get(kind=EventKind.LESSON_COMPLETED, active=True).points == 10
    user = UserFactory()
    barrier = threading.Barrier(8)
    errors = []

    def hit():
        from django.db import connection as own

        try:
            barrier.wait()
            services.record_event(user=user, kind=EventKind.LESSON_COMPLETED, source="courses.lesson:same")
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Award.objects.filter(user=user).count() == 1
    assert Score.objects.get(user=user).points == 10
