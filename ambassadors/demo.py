"""Demo data for the ambassador track: required courses and a certified demo ambassador."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from ambassadors.models import Certification, CoursePurpose, RequiredCourse, TrackSettings
from courses.models import CoursePage


def seed_ambassadors_demo() -> None:
    """Safe to repeat."""
    TrackSettings.current()
    courses = list(CoursePage.objects.live().filter(locale__language_code="en").order_by("path"))
    if courses and not RequiredCourse.objects.exists():
        for order, course in enumerate(courses[:3]):
            RequiredCourse.objects.create(course=course, purpose=CoursePurpose.TRAINING, sort_order=order)
        RequiredCourse.objects.create(course=courses[-1], purpose=CoursePurpose.REFRESHER)
    User = get_user_model()
    ambassador = User.objects.filter(username="demo-ambassador").first()
    staff = User.objects.filter(username="demo-staff").first()
    if ambassador and staff and not Certification.objects.filter(user=ambassador).exists():
        now = timezone.now()
        Certification.objects.create(user=ambassador, issued_at=now - timedelta(days=30),
                                     expires_at=now + timedelta(days=335), issued_by=staff)
