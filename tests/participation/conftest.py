import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from labs.participation import services
from labs.participation.models import WomenSpaceMembership
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()


def png(name="photo.png", size=(4, 4)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture
def member(db, facilitator):
    user = UserFactory(gender="woman")
    WomenSpaceMembership.objects.create(user=user, confirmed_by=facilitator, confirmed_at=timezone.now())
    return user


@pytest.fixture
def proposal(learner):
    return services.submit_proposal(author=learner, title="More bins at the market", body="The market overflows.",
                                    category="waste")


@pytest.fixture
def women_proposal(member):
    return services.submit_proposal(author=member, title="Secret lamp idea", body="Dark path by the school.",
                                    category="safety", space="women")


def make_call(staff, *, current="collect", support_limit=None):
    now = timezone.now()
    order = ["collect", "prioritise", "review", "results"]
    idx = order.index(current)
    phases = []
    for i, kind in enumerate(order):
        start = now + timedelta(days=(i - idx) * 10 - 1)
        phases.append((kind, start, start + timedelta(days=10)))
    return services.open_call(staff=staff, title="Cleaner streets", question="How do we keep streets clean?",
                              phases=phases, support_limit=support_limit)


@pytest.fixture
def mod_client(client, moderator):
    """A plain moderator (the public space only), logged in."""
    client.force_login(moderator)
    return client


def act(client, **data):
    """A moderator's action from the moderation queue, its redirect followed."""
    return client.post(reverse("participation:moderation_act"), data, follow=True)
