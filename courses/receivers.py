"""Courses' wiring, connected by CoursesConfig.ready(): the remembered locales follow their rows, and
the home page shows the learner's courses (through cms.home.add_to_home: cms never imports courses)."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Locale

from cms.home import add_to_home
from courses.locales import forget_locales
from courses.selectors import home_context


def connect() -> None:
    post_save.connect(forget_locales, sender=Locale, dispatch_uid="sangkat-forget-locales")
    post_delete.connect(forget_locales, sender=Locale, dispatch_uid="sangkat-forget-locales-delete")
    add_to_home(home_context)
