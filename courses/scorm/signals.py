"""Removes a deleted SCORM package's files once the deletion is committed."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from courses.scorm.models import ScormPackage
from courses.scorm.services import delete_package_files


@receiver(post_delete, sender=ScormPackage, dispatch_uid="scorm_package_files")
def remove_package_files(sender, instance: ScormPackage, **kwargs):
    transaction.on_commit(lambda: delete_package_files(package=instance))
