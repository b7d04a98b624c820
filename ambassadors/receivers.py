"""Ambassadors listens to courses (completing the refresher course renews a certification) and answers
labs through labs.hooks; imported by AmbassadorsConfig.ready()."""

from django.dispatch import receiver

from ambassadors.selectors import center_ambassadors, is_certified
from ambassadors.services import renew_if_refreshed
from courses.signals import course_completed
from labs import hooks

# labs sits below ambassadors: it asks through labs.hooks (docs/architecture.md).
hooks.provide_ambassadors(is_certified=is_certified, center_ambassadors=center_ambassadors)


@receiver(course_completed, dispatch_uid="ambassadors.renew_on_refresher")
def renew_on_refresher(sender, user, course, **kwargs):
    renew_if_refreshed(user=user)
