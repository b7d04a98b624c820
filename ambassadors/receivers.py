"""Ambassadors listens to courses: completing the refresher course renews a certification."""

from django.dispatch import receiver

from ambassadors.services import renew_if_refreshed
from courses.signals import course_completed


@receiver(course_completed, dispatch_uid="ambassadors.renew_on_refresher")
def renew_on_refresher(sender, user, course, **kwargs):
    renew_if_refreshed(user=user)
