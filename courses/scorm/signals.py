"""Removes a deleted SCORM package's files once the deletion is committed."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from courses.scorm.models import ScormPackage


@receiver(post_delete, sender=ScormPackage, dispatch_uid="scorm_package_files")
def remove_package_files(sender, instance: ScormPackage, **kwargs):
    from courses.scorm.services import delete_package_files

    transaction.on_commit(lambda: delete_package_files(package=instance))
