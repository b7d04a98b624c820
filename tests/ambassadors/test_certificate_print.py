"""A certified ambassador prints her certificate: her name, dates, and a QR code to verify it."""

from datetime import timedelta

import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from ambassadors.models import Certification
from games.receivers import AMBASSADOR_BADGE
from games.services import issue_badge, revoke_badge_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def certify(person, staff, *, days_ago=0, badge=True):
    issued = timezone.now() - timedelta(days=days_ago)
    certification = Certification.objects.create(
        user=person, issued_at=issued, expires_at=issued + timedelta(days=365), issued_by=staff,
    )
    award = issue_badge(user=person, slug=AMBASSADOR_BADGE, expires_at=certification.expires_at) if badge else None
    return certification, award


def qr_of(url):
    return segno.make(url, error="m").svg_data_uri(scale=4, dark="#111", light="#fff")


def test_a_certified_ambassador_prints_her_certificate_with_a_qr_to_the_badge_verify_page(client, staff):
    ambassador = UserFactory(nickname="Sreyneang", display_name="Sok Sreyneang")
    certification, award = certify(ambassador, staff)
    client.force_login(ambassador)
    dashboard = client.get(reverse("ambassador_dashboard")).content.decode()
    assert reverse("ambassador_certificate_print") in dashboard
    response = client.get(reverse("ambassador_certificate_print"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sok Sreyneang" in page and "Digital City Ambassador" in page
    assert str(certification.number) in page
    verify_url = f"http://testserver{reverse('games:openbadges:verify')}?url={award.uid}"
    assert verify_url in page
    assert f'src="{qr_of(verify_url)}"' in page  # the code encodes exactly the verify link
    assert "ambassadors/certificate.css" in page and "@media print" in open(
        "ambassadors/static/ambassadors/certificate.css").read()


def test_the_qr_code_opens_a_verify_page_that_says_valid(client, staff):
    ambassador = UserFactory()
    _certification, award = certify(ambassador, staff)
    verify = client.get(f"{reverse('games:openbadges:verify')}?url={award.uid}")
    assert verify.status_code == 200
    assert "Sangkat issued this badge and it is valid." in verify.content.decode()


def test_without_a_badge_the_qr_opens_the_certificate_page(client, staff):
    ambassador = UserFactory()
    certification, _ = certify(ambassador, staff, badge=False)
    client.force_login(ambassador)
    page = client.get(reverse("ambassador_certificate_print")).content.decode()
    assert f"http://testserver{reverse('ambassador_certificate', args=[certification.number])}" in page


def test_a_revoked_badge_is_not_put_on_the_paper(client, staff):
    ambassador = UserFactory()
    certification, award = certify(ambassador, staff)
    revoke_badge_of(user=ambassador, slug=AMBASSADOR_BADGE, reason="test")
    client.force_login(ambassador)
    page = client.get(reverse("ambassador_certificate_print")).content.decode()
    assert str(award.uid) not in page


@pytest.mark.parametrize("days_ago", [400])
def test_an_expired_or_missing_certificate_has_nothing_to_print(client, staff, learner, days_ago):
    expired = UserFactory()
    certify(expired, staff, days_ago=days_ago, badge=False)
    for person in (expired, learner, staff):
        client.force_login(person)
        assert client.get(reverse("ambassador_certificate_print")).status_code == 404
    client.force_login(expired)
    assert reverse("ambassador_certificate_print") not in client.get(reverse("ambassador_dashboard")).content.decode()


def test_the_page_shows_only_her_own_certificate(client, staff):
    ambassador, other = UserFactory(nickname="Dara"), UserFactory(nickname="Bopha")
    certify(ambassador, staff)
    theirs, _ = certify(other, staff)
    client.force_login(ambassador)
    page = client.get(reverse("ambassador_certificate_print")).content.decode()
    assert "Dara" in page and str(theirs.number) not in page
