import pytest

from labs.demo import WEEK_PLAN, seed_centers_demo
from labs.models import CenterPage, Session
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_adds_center_pages_and_this_weeks_sessions_once(site):
    for _ in range(3):
        CenterFactory()
    UserFactory(username="demo-ambassador", roles=["ambassador"])
    seed_centers_demo(home=site["home"])
    seed_centers_demo(home=site["home"])
    assert CenterPage.objects.count() == 3
    assert Session.objects.count() == len(WEEK_PLAN) + 1


def test_demo_certifies_the_demo_ambassador_once(site):
    from ambassadors.demo import seed_ambassadors_demo
    from ambassadors.models import Certification, RequiredCourse

    UserFactory(username="demo-ambassador", roles=["ambassador"])
    UserFactory(username="demo-staff", roles=["innovation-unit"])
    seed_ambassadors_demo()
    seed_ambassadors_demo()
    assert Certification.objects.count() == 1
    assert RequiredCourse.objects.filter(purpose="refresher").count() == 1
