"""Removes a deleted H5P package's files once the deletion is committed."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from courses.h5p.models import H5PPackage
from courses.h5p.services import delete_package_files


@receiver(post_delete, sender=H5PPackage, dispatch_uid="h5p_package_files")
def remove_package_files(sender, instance: H5PPackage, **kwargs):
    transaction.on_commit(lambda: delete_package_files(package=instance))
