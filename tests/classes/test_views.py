"""Class pages and login cards: who may open them, imports through the pages, cards used once."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cms.models import AuditEntry
from labs.classes import services
from labs.classes.models import LoginCard, Membership
from tests.factories import CenterFactory, UserFactory

HEADER = "nickname,display name,age,gender,guardian phone\n"


@pytest.fixture
def klass(facilitator, center):
    return services.create_class(by=facilitator, center=center, name="ថ្នាក់ថ្ងៃសៅរ៍")


@pytest.fixture
def member(facilitator, klass):
    return services.add_new_learner(by=facilitator, klass=klass, nickname="សុភា", age_band="13-17")


def upload(client, klass, text: bytes, name="class.csv"):
    return client.post(reverse("classes:import", args=[klass.pk]),
                       {"roster": SimpleUploadedFile(name, text, content_type="text/csv")})


def test_a_facilitator_of_another_center_gets_404(client, klass, member):
    other = UserFactory(roles=["facilitator"])
    CenterFactory().facilitators.add(other)
    client.force_login(other)
    membership = Membership.objects.get()
    for url in [reverse("classes:detail", args=[klass.pk]), reverse("classes:cards", args=[klass.pk]),
                reverse("classes:import", args=[klass.pk])]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("classes:reissue_card", args=[klass.pk, membership.pk])).status_code == 404
    assert client.post(reverse("classes:cards", args=[klass.pk])).status_code == 404
    assert not LoginCard.objects.exists()


def test_a_learner_gets_403_on_the_list_and_404_on_a_class(learner_client, klass):
    assert learner_client.get(reverse("classes:list")).status_code == 403
    assert learner_client.get(reverse("classes:detail", args=[klass.pk])).status_code == 404
    assert learner_client.get(reverse("classes:help")).status_code == 403


def test_a_facilitator_creates_a_class_from_the_list(client, facilitator, center):
    client.force_login(facilitator)
    response = client.post(reverse("classes:list"), {"center": center.pk, "name": "Girls code", "sign_in_kind": "password"})
    assert response.status_code == 302
    from labs.classes.models import Class

    assert Class.objects.get(center=center, name="Girls code").created_by == facilitator
    assert "Girls code" in client.get(reverse("classes:list")).content.decode()


def test_upload_previews_then_imports_thirty(client, facilitator, klass):
    client.force_login(facilitator)
    text = (HEADER + "".join(f"រៀន{n},,{10 + n % 10},,\n" for n in range(30))).encode("utf-8-sig")
    response = upload(client, klass, text)
    assert response.status_code == 200
    assert "30 rows are ready" in response.content.decode()
    assert not Membership.objects.exists()  # a preview creates nothing
    response = client.post(reverse("classes:import_confirm", args=[klass.pk]))
    assert response.status_code == 302
    assert Membership.objects.filter(klass=klass).count() == 30


def test_a_bad_upload_changes_nothing_and_says_why(client, facilitator, klass):
    client.force_login(facilitator)
    response = upload(client, klass, (HEADER + "Renée,,30,,\n").encode("cp1252"))
    assert response.status_code == 400
    assert "not saved as UTF-8" in response.content.decode()
    response = upload(client, klass, (HEADER + "Dara,,12,,\n=cmd|' /C calc'!A0,,12,,\n").encode())
    assert "Import only the 1 good row" in response.content.decode()
    # Confirming without choosing "only the good rows" creates nothing.
    response = client.post(reverse("classes:import_confirm", args=[klass.pk]))
    assert response.status_code == 400
    assert not Membership.objects.exists()
    client.post(reverse("classes:import_confirm", args=[klass.pk]), {"only_good": "on"})
    assert list(Membership.objects.values_list("learner__nickname", flat=True)) == ["Dara"]


def test_assigning_a_course_enrols_the_class_and_progress_filters_by_class(client, facilitator, klass, member,
                                                                           site, center):
    from courses.models import Enrolment

    outsider = UserFactory(home_center=center)
    from courses.services import enrol

    enrol(user=outsider, course=site["course"])
    client.force_login(facilitator)
    response = client.post(reverse("classes:assign_course", args=[klass.pk]), {"course": site["course"].pk})
    assert response.status_code == 302
    assert Enrolment.objects.filter(user=member, course_key=site["course"].translation_key).exists()
    page = client.get(reverse("classes:progress", args=[klass.pk, site["course"].pk]), follow=True).content.decode()
    assert member.username in page and outsider.username not in page
    # A learner added later is enrolled in the class's courses too.
    late = services.add_new_learner(by=facilitator, klass=klass, nickname="Late", age_band="18-24")
    assert Enrolment.objects.filter(user=late, course_key=site["course"].translation_key).exists()


def test_a_class_takes_a_sessions_roster(client, facilitator, klass, member, center):
    from labs.models import Registration, Session

    start = timezone.now() + timedelta(days=1)
    session = Session.objects.create(center=center, title="Coding club", kind="course", starts_at=start,
                                     ends_at=start + timedelta(hours=2), capacity=20)
    session.facilitators.add(facilitator)
    client.force_login(facilitator)
    response = client.post(reverse("classes:register_session", args=[klass.pk]), {"session": session.pk})
    assert response.status_code == 302
    assert Registration.objects.filter(session=session, user=member).exists()


# --- login cards -------------------------------------------------------------------------------------


def print_cards(client, klass) -> list[str]:
    import re

    page = client.post(reverse("classes:cards", args=[klass.pk]), {"format": "html"}).content.decode()
    links = re.findall(r'href="http://testserver(/card/[^"]+/)"', page)
    # The printed link has no language: the learner's phone is sent to hers (here English).
    assert all(client.get(link)["Location"] == f"/en{link}" for link in links)
    return [f"/en{link}" for link in links]


def test_a_card_signs_in_once_then_asks_for_a_password(client, facilitator, klass, member):
    client.force_login(facilitator)
    (link,) = print_cards(client, klass)
    assert LoginCard.objects.get().code_hash not in link  # only the hash is kept
    client.logout()
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302 and "new-password" in response["Location"]
    assert int(client.session["_auth_user_id"]) == member.pk
    client.logout()
    response = client.post(link)
    assert response.status_code == 410
    assert "already used" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=services.AUDIT_CARD_USED).count() == 1


def test_a_reissued_card_revokes_the_old_one(client, facilitator, klass, member):
    client.force_login(facilitator)
    (old,) = print_cards(client, klass)
    membership = Membership.objects.get()
    page = client.post(reverse("classes:reissue_card", args=[klass.pk, membership.pk])).content.decode()
    client.logout()
    response = client.post(old)
    assert response.status_code == 410 and "replaced by a new one" in response.content.decode()
    assert "_auth_user_id" not in client.session
    new = "/en" + page.split('href="http://testserver')[1].split('"')[0]
    assert client.post(new).status_code == 302


def test_an_expired_card_is_refused(client, facilitator, klass, member):
    client.force_login(facilitator)
    (link,) = print_cards(client, klass)
    LoginCard.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.logout()
    response = client.post(link)
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_an_unknown_code_and_too_many_tries(client, settings, db):
    settings.SANGKAT_LOGIN_CARD_TRIES_PER_ADDRESS_PER_HOUR = 2
    url = reverse("classes:card_sign_in", args=["x" * 32])
    assert client.post(url).status_code == 410
    assert client.post(url).status_code == 410
    assert client.post(url).status_code == 429


def test_the_pdf_embeds_a_khmer_font(client, facilitator, klass, member):
    client.force_login(facilitator)
    response = client.post(reverse("classes:cards", args=[klass.pk]), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    import re
    import zlib

    pdf = response.content
    assert pdf.startswith(b"%PDF")
    font_name = rb"/BaseFont\s*/([A-Z]{6}\+[^\s/]+)"
    fonts = set(re.findall(font_name, pdf))
    # Object streams are compressed: inflate each from its start to the end of its zlib data (not up
    # to "endstream" by pattern: compressed bytes may end in "\r", which such a pattern eats).
    for start in re.finditer(rb"stream\r?\n", pdf):
        try:
            fonts |= set(re.findall(font_name, zlib.decompressobj().decompress(pdf[start.end():])))
        except zlib.error:
            pass
    assert any(b"Khmer" in name for name in fonts), fonts


def test_a_card_never_opens_an_account_that_gained_a_role(client, facilitator, klass, member):
    from django.contrib.auth.models import Group

    client.force_login(facilitator)
    (link,) = print_cards(client, klass)
    member.groups.add(Group.objects.get_or_create(name="moderator")[0])
    client.logout()
    response = client.post(link)
    assert response.status_code == 410
    assert "_auth_user_id" not in client.session
    # And no new card is printed for her.
    client.force_login(facilitator)
    assert print_cards(client, klass) == []


def test_picture_sign_in_classes_print_the_hint_from_the_membership(client, facilitator, center):
    klass = services.create_class(by=facilitator, center=center, name="Pictures", sign_in_kind="pictures")
    learner = services.add_new_learner(by=facilitator, klass=klass, nickname="Sokha", age_band="under13")
    services.set_picture_hint(by=facilitator, klass=klass, learner=learner, hint="the story of the river")
    client.force_login(facilitator)
    page = client.post(reverse("classes:cards", args=[klass.pk]), {"format": "html"}).content.decode()
    assert "tap your three pictures" in page and "Hint: the story of the river" in page
