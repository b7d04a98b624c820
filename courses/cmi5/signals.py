"""Removes a deleted cmi5 course's files once the deletion is committed; a cmi5 block is a lesson requirement."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _

from courses.cmi5.models import Cmi5Course
from courses.cmi5.selectors import satisfied_blocks
from courses.cmi5.services import delete_course_files
from courses.services import register_lesson_requirement


@receiver(post_delete, sender=Cmi5Course, dispatch_uid="cmi5_course_files")
def remove_course_files(sender, instance: Cmi5Course, **kwargs):
    transaction.on_commit(lambda: delete_course_files(course=instance))


@register_lesson_requirement
def _cmi5_satisfied(*, user, lesson) -> list[str]:
    blocks = [block for block in lesson.body if block.block_type == "cmi5"]
    if not blocks:
        return []
    done = satisfied_blocks(user=user, lesson_key=lesson.translation_key)
    return [_("Finish the course “%(title)s”.") % {"title": block.value.get("title") or ""}
            for block in blocks if block.id not in done]
