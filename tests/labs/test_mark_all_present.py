""""Mark all registered present" with undo: one request, audited, and the undo restores exactly the
marks that were there before. Another center's facilitator and learners see nothing (404)."""

import re
import uuid

import pytest
from django.urls import reverse

from cms.models import AuditEntry
from labs import services
from labs.models import Attendance, AttendanceMethod, Registration, RegistrationStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def registered(running_session):
    people = [UserFactory() for _ in range(4)]
    for person in people:
        Registration.objects.create(session=running_session, user=person, status=RegistrationStatus.REGISTERED)
    return people


def marks(session):
    return list(Attendance.objects.filter(session=session).order_by("pk").values_list("pk", "user_id", "method", "client_key"))


def mark_all(client, session, batch=None):
    return client.post(reverse("session_mark_all", args=[session.pk]), {"batch": str(batch or uuid.uuid4())})


def test_one_tap_marks_everyone_registered_and_offers_the_undo(facilitator_client, running_session, registered):
    waiting = UserFactory()
    Registration.objects.create(session=running_session, user=waiting, status=RegistrationStatus.WAITING)
    response = mark_all(facilitator_client, running_session)
    assert set(Attendance.objects.values_list("user_id", flat=True)) == {p.pk for p in registered}
    page = facilitator_client.get(response["Location"]).content.decode()
    assert "4 people marked present." in page and ">Undo</button>" in page
    entry = AuditEntry.objects.get(action="session.mark_all")
    assert len(entry.details["marked"]) == 4 and entry.target_id == str(running_session.pk)


def test_undo_restores_exactly_the_marks_from_before(facilitator_client, facilitator, running_session, registered):
    walk_in, _ = services.add_walk_in(by=facilitator, session=running_session, nickname="Dara", age_band="18-24")
    services.mark_present(by=facilitator, session=running_session, user=registered[0], client_key=uuid.uuid4())
    before = marks(running_session)
    batch = uuid.uuid4()
    mark_all(facilitator_client, running_session, batch)
    assert Attendance.objects.filter(session=running_session).count() == 5
    facilitator_client.post(reverse("session_mark_all_undo", args=[running_session.pk]), {"batch": str(batch)})
    assert marks(running_session) == before
    assert len(AuditEntry.objects.get(action="session.mark_all_undo").details["taken_back"]) == 3


def test_mark_all_sent_twice_marks_nobody_twice(facilitator_client, running_session, registered):
    batch = uuid.uuid4()
    mark_all(facilitator_client, running_session, batch)
    mark_all(facilitator_client, running_session, batch)
    assert Attendance.objects.filter(session=running_session).count() == 4
    assert AuditEntry.objects.filter(action="session.mark_all").count() == 1
    assert set(Attendance.objects.values_list("method", flat=True)) == {AttendanceMethod.ROSTER}


def test_a_facilitator_of_another_center_gets_404_and_nothing_changes(client, running_session, registered, other_center):
    outsider = UserFactory(roles=["facilitator"])
    other_center.facilitators.add(outsider)
    client.force_login(outsider)
    batch = uuid.uuid4()
    assert mark_all(client, running_session, batch).status_code == 404
    assert not Attendance.objects.exists()
    services.mark_all_registered_present(by=running_session.ambassadors.get(), session=running_session, batch=batch)
    undo = client.post(reverse("session_mark_all_undo", args=[running_session.pk]), {"batch": str(batch)})
    assert undo.status_code == 404 and Attendance.objects.count() == 4


def test_a_learner_sees_nothing(learner_client, running_session, registered):
    assert mark_all(learner_client, running_session).status_code == 404
    assert learner_client.post(reverse("session_mark_all_undo", args=[running_session.pk]),
                               {"batch": str(uuid.uuid4())}).status_code == 404
    assert not Attendance.objects.exists()


def test_a_malformed_batch_changes_nothing(facilitator_client, running_session, registered):
    response = facilitator_client.post(reverse("session_mark_all", args=[running_session.pk]), {"batch": "x'--"})
    assert response.status_code == 302 and not Attendance.objects.exists()
    response = facilitator_client.post(reverse("session_mark_all_undo", args=[running_session.pk]), {"batch": "nope"})
    assert response.status_code == 302


def test_the_roster_has_a_search_box_and_the_qr_card_after_the_list(facilitator_client, running_session, registered):
    for _ in range(3):
        Registration.objects.create(session=running_session, user=UserFactory(), status=RegistrationStatus.REGISTERED)
    page = facilitator_client.get(reverse("session_run", args=[running_session.pk])).content.decode()
    assert 'id="roster-search"' in page and "Mark all registered present (7)" in page
    assert page.index('id="registered"') < page.index('class="card checkin"')
    assert re.search(r'<p class="roster-search" hidden>', page)  # shown by script; the plain list without


@pytest.mark.parametrize("language, words", [
    ("en", ["Mark all registered present", "Undo", "Save for offline", "Waiting to send"]),
    ("km", ["សម្គាល់អ្នកបានចុះឈ្មោះទាំងអស់ថាមានវត្តមាន", "មិនធ្វើវិញ", "រក្សាទុកសម្រាប់ប្រើក្រៅបណ្ដាញ"]),
])
def test_the_facilitators_page_explains_attendance_and_offline_learning(facilitator_client, language, words):
    page = facilitator_client.get(f"/{language}/facilitate/").content.decode()
    assert 'id="facilitator-help"' in page
    for word in words:
        assert word in page, word
