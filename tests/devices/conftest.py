import pytest

from labs.devices import services
from labs.devices.selectors import cookie_name, cookie_value
from tests.factories import UserFactory


@pytest.fixture
def device(db, center, facilitator):
    return services.register_device(actor=facilitator, center=center, name="PC 1")


@pytest.fixture
def device_client(client, device):
    """A browser that is the center's registered PC (it carries the device cookie)."""
    client.cookies[cookie_name()] = cookie_value(device)
    return client


@pytest.fixture
def pupil(db, center, facilitator):
    """A learner of the center with the pictures mango, fish, cat."""
    user = UserFactory(home_center=center, nickname="Srey")
    services.set_picture_password(actor=facilitator, learner=user, kind="pictures", value=["mango", "fish", "cat"])
    return user


def tap(client, learner, pictures):
    """Tap three pictures on the sign-in page, as the page's buttons do (one POST per tap)."""
    from django.urls import reverse

    url = reverse("devices:sign_in", args=[learner.pk])
    picks = []
    response = None
    for picture in pictures:
        response = client.post(url, {"picks": ",".join(picks), "pick": picture})
        picks.append(picture)
    return response
