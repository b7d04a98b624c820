"""Center devices (issue 18, item 1): registered, revocable, idle timeout, closing time, switch learner."""

import time
from datetime import time as clock
from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cms.models import AuditEntry
from labs.devices import services
from labs.devices.middleware import PICTURES, SEEN, SINCE, first_closing_after
from labs.devices.models import CenterDevice
from labs.devices.selectors import COOKIE_SALT, cookie_name, cookie_value
from tests.devices.conftest import tap
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_facilitator_registers_this_browser_as_a_device_of_her_center(client, facilitator, center):
    client.force_login(facilitator)
    response = client.post(reverse("devices:center_devices", args=[center.pk]),
                           {"name": "PC 3", "idle_minutes": "10", "closing_time": "17:30"})
    assert response.status_code == 302
    device = CenterDevice.objects.get(center=center)
    assert (device.name, device.idle_minutes, device.closing_time) == ("PC 3", 10, clock(17, 30))
    cookie = response.cookies[cookie_name()]
    assert cookie["httponly"] and int(cookie["max-age"]) > 300 * 24 * 3600
    assert signing.loads(cookie.value, salt=COOKIE_SALT) == str(device.key)
    assert AuditEntry.objects.filter(action="device.register", actor=facilitator, target_id=str(device.pk)).exists()
    page = client.get(reverse("devices:center_devices", args=[center.pk])).content.decode()
    assert "This browser is PC 3" in page


def test_only_facilitators_of_the_center_and_staff_manage_its_devices(client, center, learner, staff):
    other = UserFactory(roles=["facilitator"])
    CenterFactory().facilitators.add(other)
    url = reverse("devices:center_devices", args=[center.pk])
    client.force_login(learner)
    assert client.get(url).status_code == 403
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "PC 9", "idle_minutes": "15"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.register_device(actor=other, center=center, name="PC 9")
    assert not CenterDevice.objects.exists()
    client.force_login(staff)
    assert client.get(url).status_code == 200


def test_a_bad_idle_time_is_a_form_error(client, facilitator, center):
    client.force_login(facilitator)
    response = client.post(reverse("devices:center_devices", args=[center.pk]), {"name": "PC", "idle_minutes": "0"})
    assert response.status_code == 200 and response.context["form"].errors and not CenterDevice.objects.exists()


def test_a_revoked_device_token_copied_to_another_machine_is_refused(client, facilitator, device, center):
    copied = cookie_value(device)
    services.revoke_device(actor=facilitator, device=device)
    assert AuditEntry.objects.filter(action="device.revoke", target_id=str(device.pk)).exists()
    client.cookies[cookie_name()] = copied
    response = client.get(reverse("devices:roster"))
    assert response.status_code == 403
    assert "no longer a device of a center" in response.content.decode()
    assert response.cookies[cookie_name()].value == ""  # the browser forgets it
    # Nothing to try either: the sign-in page refuses the same way, nothing counted.
    pupil = UserFactory(home_center=center)
    services.set_picture_password(actor=facilitator, learner=pupil, kind="pin", value="4071")
    client.cookies[cookie_name()] = copied
    assert client.post(reverse("devices:sign_in", args=[pupil.pk]), {"pin": "0000"}).status_code == 403
    pupil.picture_password.refresh_from_db()
    assert pupil.picture_password.failed_attempts == 0


def test_a_forged_device_token_is_refused(client, center):
    client.cookies[cookie_name()] = signing.dumps("not-a-key", salt="other") + "x"
    assert client.get(reverse("devices:roster")).status_code == 403


def test_elsewhere_there_is_no_roster_and_no_picture_sign_in(client, pupil):
    response = client.get(reverse("devices:roster"))
    assert response.status_code == 404 and "only on your center" in response.content.decode()
    assert client.post(reverse("devices:sign_in", args=[pupil.pk]), {"pick": "mango"}).status_code == 404


def test_a_learner_signs_in_with_her_pictures_on_the_device(device_client, pupil, device):
    response = tap(device_client, pupil, ["mango", "fish", "cat"])
    assert response.status_code == 302 and response["Location"] == reverse("my_learning")
    session = device_client.session
    assert int(session["_auth_user_id"]) == pupil.pk and session[PICTURES] is True
    assert session.get_expiry_age() == device.idle_minutes * 60


def test_switch_learner_signs_out_and_clears_the_browser(device_client, pupil):
    tap(device_client, pupil, ["mango", "fish", "cat"])
    page = device_client.get(reverse("devices:roster"))
    assert "Not you? Switch learner" in page.content.decode()
    assert "no-store" in page["Cache-Control"]  # her pages are not kept for Back
    response = device_client.post(reverse("devices:switch"))
    assert response.status_code == 302 and response["Location"] == reverse("devices:roster")
    assert response["Clear-Site-Data"] == '"cache"'
    assert "_auth_user_id" not in device_client.session


def test_the_ordinary_sign_out_on_a_device_clears_the_browser_too(device_client, pupil):
    device_client.force_login(pupil)
    device_client.get(reverse("devices:roster"))
    response = device_client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache"'


def test_sign_out_elsewhere_does_not_send_clear_site_data(client, learner):
    client.force_login(learner)
    assert "Clear-Site-Data" not in client.post(reverse("logout"))


def test_the_session_ends_after_the_idle_time(device_client, pupil, device):
    tap(device_client, pupil, ["mango", "fish", "cat"])
    session = device_client.session
    session[SEEN] = time.time() - device.idle_minutes * 60 - 5
    session.save()
    response = device_client.get(reverse("my_learning"), HTTP_ACCEPT="text/html")
    assert response.status_code == 302 and response["Location"] == reverse("devices:roster")
    assert response["Clear-Site-Data"] == '"cache"'
    assert "_auth_user_id" not in device_client.session
    page = device_client.get(reverse("devices:roster")).content.decode()
    assert f"after {device.idle_minutes} minutes without activity" in page


def test_an_answer_sent_after_the_idle_time_is_refused_not_redirected(device_client, pupil, device):
    tap(device_client, pupil, ["mango", "fish", "cat"])
    session = device_client.session
    session[SEEN] = time.time() - device.idle_minutes * 60 - 5
    session.save()
    response = device_client.post(reverse("xapi_statements"), "{}", content_type="application/json")
    assert response.status_code == 401


def test_activity_keeps_the_session(device_client, pupil, device):
    tap(device_client, pupil, ["mango", "fish", "cat"])
    session = device_client.session
    session[SEEN] = time.time() - device.idle_minutes * 60 + 30
    session.save()
    assert device_client.get(reverse("devices:roster")).status_code == 200
    assert "_auth_user_id" in device_client.session
    assert device_client.session[SEEN] > time.time() - 5  # refreshed


def test_the_session_ends_at_closing_time(device_client, pupil, device):
    device.closing_time = clock(17, 0)
    device.save()
    tap(device_client, pupil, ["mango", "fish", "cat"])
    today_closing = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
    session = device_client.session
    session[SINCE] = (today_closing - timedelta(days=1, hours=1)).timestamp()  # began before yesterday's closing
    session.save()
    response = device_client.get(reverse("devices:roster"), HTTP_ACCEPT="text/html")
    assert response.status_code == 302 and "_auth_user_id" not in device_client.session
    assert "center is closing" in device_client.get(reverse("devices:roster")).content.decode()


def test_first_closing_after():
    tz = timezone.get_current_timezone()
    morning = timezone.datetime(2026, 12, 4, 9, 0, tzinfo=tz).timestamp()
    evening = timezone.datetime(2026, 12, 4, 19, 0, tzinfo=tz).timestamp()
    assert first_closing_after(morning, clock(17, 0)) == timezone.datetime(2026, 12, 4, 17, 0, tzinfo=tz).timestamp()
    assert first_closing_after(evening, clock(17, 0)) == timezone.datetime(2026, 12, 5, 17, 0, tzinfo=tz).timestamp()


def test_revoking_the_device_signs_out_who_signed_in_there_with_pictures(device_client, pupil, device, facilitator):
    tap(device_client, pupil, ["mango", "fish", "cat"])
    services.revoke_device(actor=facilitator, device=device)
    response = device_client.get(reverse("my_learning"), HTTP_ACCEPT="text/html")
    assert response.status_code == 401 and "_auth_user_id" not in device_client.session
    assert response["Clear-Site-Data"] == '"cache"'


def test_a_picture_session_cookie_taken_to_another_browser_is_signed_out(device_client, client, pupil):
    tap(device_client, pupil, ["mango", "fish", "cat"])
    from django.conf import settings
    from django.test import Client

    elsewhere = Client()
    elsewhere.cookies[settings.SESSION_COOKIE_NAME] = device_client.cookies[settings.SESSION_COOKIE_NAME].value
    response = elsewhere.get(reverse("my_learning"), HTTP_ACCEPT="text/html")
    assert response.status_code == 401
    assert "_auth_user_id" not in elsewhere.session


def test_a_password_sign_in_on_a_device_gets_the_idle_time_too(device_client, learner, device):
    device_client.force_login(learner)
    device_client.get(reverse("devices:roster"))
    session = device_client.session
    assert session["devices.device"] == device.pk and session[PICTURES] is False
    session[SEEN] = time.time() - device.idle_minutes * 60 - 5
    session.save()
    device_client.get(reverse("devices:roster"))
    assert "_auth_user_id" not in device_client.session


def test_sign_in_pages_on_a_device_are_never_kept(device_client, pupil):
    response = device_client.post(reverse("devices:sign_in", args=[pupil.pk]), {"picks": "", "pick": "mango"})
    assert response.status_code == 200 and 'value="mango"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
