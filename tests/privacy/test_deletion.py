"""Asking for deletion, and staff fulfilling it: what is removed, what stays anonymised (docs/decisions.md)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from cms import privacy
from cms.models import AuditAction, AuditEntry, DeletionRequest, DeletionStatus, Notification
from tests.factories import PASSWORD

User = get_user_model()


def _ask(client, person, password=PASSWORD, **extra):
    client.force_login(person)
    return client.post(reverse("request_account_deletion"), {"password": password, **extra})


def test_asking_needs_the_password_and_tells_staff_once(client, world):
    response = _ask(client, world.me, password="wrong")
    assert response.status_code == 302
    assert not DeletionRequest.objects.exists()

    _ask(client, world.me)
    _ask(client, world.me)  # asking twice is the same request
    request = DeletionRequest.objects.get()
    assert request.user == world.me and request.status == DeletionStatus.PENDING
    told = Notification.objects.filter(kind="account-deletion-requested")
    assert [n.user for n in told] == [world.staff]
    assert "dara" in told.get().body
    page = client.get(reverse("my_data")).content.decode()
    assert reverse("cancel_account_deletion") in page


def test_a_person_can_change_their_mind(client, world):
    _ask(client, world.me)
    client.post(reverse("cancel_account_deletion"))
    assert DeletionRequest.objects.get().status == DeletionStatus.CANCELLED
    assert not privacy.pending_requests().exists()


def test_a_forged_field_cannot_ask_for_someone_else(client, world):
    _ask(client, world.me, user=world.other.pk, user_id=world.other.pk)
    assert list(DeletionRequest.objects.values_list("user", flat=True)) == [world.me.pk]


def test_asking_without_the_csrf_token_fails(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.me)
    response = client.post(reverse("request_account_deletion"), {"password": PASSWORD})
    assert response.status_code == 403
    assert not DeletionRequest.objects.exists()


def test_learners_cannot_see_or_fulfil_requests(client, world):
    request = privacy.request_deletion(user=world.other)
    client.force_login(world.me)
    assert client.get(reverse("privacy_requests")).status_code == 403
    response = client.post(reverse("fulfil_deletion_request", args=[request.pk]))
    assert response.status_code == 403
    request.refresh_from_db()
    world.other.refresh_from_db()
    assert request.status == DeletionStatus.PENDING
    assert world.other.is_active and world.other.nickname == "Bopha Moon"


@pytest.fixture
def fulfilled(client, world):
    from cms.services import audit

    audit(actor=world.staff, action=AuditAction.BLOCK, target=world.me)  # an earlier staff act about her
    request = privacy.request_deletion(user=world.me)
    client.force_login(world.staff)
    page = client.get(reverse("privacy_requests")).content.decode()
    assert "dara" in page and reverse("fulfil_deletion_request", args=[request.pk]) in page
    response = client.post(reverse("fulfil_deletion_request", args=[request.pk]))
    assert response.status_code == 302
    world.me.refresh_from_db()
    return request


def test_fulfilling_scrubs_the_account_and_ends_its_sessions(fulfilled, world):
    me = world.me
    assert not me.is_active and me.username == f"deleted-{me.pk}"
    assert (me.nickname, me.display_name, me.email, me.phone, me.age_band, me.gender) == ("", "", "", None, "", "")
    assert me.home_center is None and not me.has_usable_password() and not me.groups.exists()
    assert str(me.public_name) == "Deleted user"
    assert not Client().login(username="dara", password=PASSWORD)
    fulfilled.refresh_from_db()
    assert fulfilled.status == DeletionStatus.DONE and fulfilled.handled_by == world.staff


def test_a_logged_in_deleted_person_is_logged_out(world, client):
    browser = Client()
    browser.force_login(world.me)
    request = privacy.request_deletion(user=world.me)
    privacy.fulfil_deletion(request_id=request.pk, by=world.staff)
    response = browser.get(reverse("my_data"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_private_content_is_deleted_and_other_peoples_stays(fulfilled, world):
    from ambassadors.models import Application
    from courses.models import QuizAttempt
    from courses.xapi.models import Statement
    from games.models import BadgeAward, Preferences
    from labs.hercity.models import SafetyScore
    from labs.participation.models import WomenSpaceMembership

    me, other = world.me, world.other
    assert not Notification.objects.filter(user=me).exists()
    assert not Statement.objects.filter(user=me).exists()
    assert not QuizAttempt.objects.filter(user=me).exists()
    assert not WomenSpaceMembership.objects.filter(user=me).exists()
    assert not BadgeAward.objects.filter(user=me).exists() and not Preferences.objects.filter(user=me).exists()
    assert not Application.objects.filter(user=me).exists()
    score = SafetyScore.objects.get(user=me)
    assert score.note == "" and score.scores == {"light": 1}
    # Nothing of Bopha's went with it.
    assert Notification.objects.filter(user=other).exists()
    assert Statement.objects.filter(user=other).exists()
    assert QuizAttempt.objects.filter(user=other).exists()


def test_shared_and_counted_things_stay_without_the_name(fulfilled, world):
    from courses.models import Enrolment, QuizResult
    from games.minecraft.models import TeamMember, Vote
    from games.models import Award, Score
    from labs.models import Attendance, Registration
    from labs.participation.models import Comment, Support

    me = world.me
    world.proposal.refresh_from_db()
    assert world.proposal.author == me and world.proposal.author_label == "Deleted user, Bopha Moon"
    assert Comment.objects.get(body="My own comment").author.public_name == "Deleted user"
    assert Support.objects.filter(user=me, proposal=world.other_proposal).exists()
    attendance = Attendance.objects.get(user=me)
    assert attendance.nickname == "" and attendance.gender == "woman"  # the counts stay true
    assert Attendance.objects.filter(session=world.session).count() == 2
    assert Score.objects.get(user=me).points == 10 and Award.objects.filter(user=me).count() == 1
    assert Enrolment.objects.filter(user=me).exists() and QuizResult.objects.filter(user=me).exists()
    assert TeamMember.objects.get(user=me).nickname == "Deleted user" and Vote.objects.filter(user=me).exists()
    # The upcoming place went to the person waiting.
    assert Registration.objects.get(session=world.upcoming, user=me).status == "cancelled"
    assert Registration.objects.get(session=world.upcoming, user=world.other).status == "registered"


def test_the_proposal_page_shows_deleted_user(fulfilled, world, client):
    client.force_login(world.other)
    response = client.get(reverse("participation:proposal", args=[world.proposal.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Deleted user" in page and "Dara" not in page


def test_a_request_is_fulfilled_once(fulfilled, world):
    with pytest.raises(privacy.DeletionError):
        privacy.fulfil_deletion(request_id=fulfilled.pk, by=world.staff)


def test_nothing_is_lost_when_a_step_fails(world, monkeypatch):
    from courses.xapi.models import Statement

    request = privacy.request_deletion(user=world.me)

    def broken(user, *, on_commit):
        raise RuntimeError("disk full")

    monkeypatch.setitem(privacy._ERASERS, "minecraft", broken)  # after most erasers have run
    with pytest.raises(RuntimeError):
        privacy.fulfil_deletion(request_id=request.pk, by=world.staff)
    world.me.refresh_from_db()
    request.refresh_from_db()
    assert world.me.is_active and world.me.nickname == "Dara Star" and world.me.phone == "+85512345678"
    assert request.status == DeletionStatus.PENDING
    assert Notification.objects.filter(user=world.me).exists()
    assert Statement.objects.filter(user=world.me).exists()


def test_the_audit_log_records_the_deletion_and_forgets_the_name(fulfilled, world):
    entries = AuditEntry.objects.filter(target_id=str(world.me.pk), target_type="cms.user")
    assert entries.filter(action=AuditAction.ACCOUNT_DELETE, actor=world.staff).count() == 1
    assert entries.filter(action=AuditAction.BLOCK).exists()
    assert not AuditEntry.objects.filter(target_label__icontains="dara").exists()
