"""On a phone: a facilitator gives a learner of her center a new password from the site's own links,
and sees no one with a role in the list; the learner's number typed five ways pauses her logins."""

import pytest
from playwright.sync_api import expect

from cms.models import AuditAction, AuditEntry
from tests.browser.test_trophies import login
from tests.factories import CenterFactory, UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_facilitator_helps_a_learner_and_staff_are_not_hers_to_help(live_server, phone):
    build_site(lessons=1, quiz_in=(), with_khmer=False)
    center = CenterFactory(name="Boeung Keng Kang Center")
    facilitator = UserFactory(roles=["facilitator"], nickname="Chenda")
    center.facilitators.add(facilitator)
    learner = UserFactory(nickname="Srey", phone="+85512345678", home_center=center)
    UserFactory(roles=["moderator"], nickname="Moderator Rith", home_center=center)
    UserFactory(roles=["innovation-unit"], nickname="Staff Vanna", home_center=center)
    UserFactory(roles=["facilitator"], nickname="Facilitator Dara", home_center=center)

    login(phone.context, facilitator, live_server)
    phone.goto(f"{live_server.url}/en/facilitate/")
    phone.get_by_role("link", name="Learners and passwords").click()
    expect(phone.locator("table")).to_contain_text("Srey")
    for name in ("Moderator Rith", "Staff Vanna", "Facilitator Dara"):
        expect(phone.locator("main")).not_to_contain_text(name)
    phone.get_by_role("button", name="Give a new password").click()
    temporary = phone.locator(".password").inner_text().strip()
    assert len(temporary) == 10
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET, actor=facilitator,
                                     target_id=str(learner.pk)).count() == 1

    # Srey, signed out, types her number a different way each time with a wrong password.
    phone.context.clear_cookies()
    for way in ["012 345 678", "+855 12 345 678", "012345678", "85512345678", "012-345-678"]:
        phone.goto(f"{live_server.url}/en/accounts/login/")
        phone.get_by_label("Username or phone number").fill(way)
        phone.get_by_label("Password").fill("not-my-password")
        phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("main")).to_contain_text("Too many wrong passwords for this account")
    # The right (temporary) password is refused too while the pause lasts.
    phone.get_by_label("Username or phone number").fill(learner.username.upper())
    phone.get_by_label("Password").fill(temporary)
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("main")).to_contain_text("Too many wrong passwords for this account")
