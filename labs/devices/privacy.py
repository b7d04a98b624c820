"""Personal data of center devices: a learner's picture password (never its secret) and devices a person registered."""

from cms.privacy import register_collector, register_eraser

from .models import CenterDevice, PicturePassword


@register_collector("center_devices", covers=[
    "devices.PicturePassword.user", "devices.PicturePassword.set_by",
    "devices.CenterDevice.registered_by", "devices.CenterDevice.revoked_by",
])
def collect_devices(user) -> dict:
    own = PicturePassword.objects.filter(user=user).first()
    return {
        "picture_password": None if own is None else {
            "kind": own.kind, "set_at": own.set_at, "locked": own.is_locked,
            "wrong_tries_in_a_row": own.failed_attempts,
        },
        # Work records: how many she set for others, never whose.
        "picture_passwords_set_for_others": PicturePassword.objects.filter(set_by=user).exclude(user=user).count(),
        "devices_registered": list(CenterDevice.objects.filter(registered_by=user).values(
            "name", "center__name", "registered_at")),
        "devices_revoked": list(CenterDevice.objects.filter(revoked_by=user).values(
            "name", "center__name", "revoked_at")),
    }


@register_eraser("center_devices")
def erase_devices(user, *, on_commit) -> None:
    # Her picture password goes with her account; devices she registered stay (the center's).
    PicturePassword.objects.filter(user=user).delete()
