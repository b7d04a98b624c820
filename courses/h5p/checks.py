"""System checks of the H5P player's deployment (H5P_PACKAGE_ORIGIN)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from cms import package_origin


@checks.register(checks.Tags.security)
def package_origin_check(app_configs=None, **kwargs):
    template = getattr(settings, "H5P_PACKAGE_ORIGIN", "")
    if not template:
        return []
    main_hosts = [*settings.ALLOWED_HOSTS, urlsplit(settings.SANGKAT_PUBLIC_URL).hostname or ""]
    try:
        origins = package_origin.check(template, main_hosts)
    except package_origin.BadPackageOrigin as problem:
        return [checks.Error(str(problem), id="h5p.E001")]
    errors = []
    if not settings.STATIC_URL.startswith("/"):
        errors.append(checks.Error(
            "H5P_PACKAGE_ORIGIN needs STATIC_URL to be a path (/static/): package hosts serve the player's scripts.",
            id="h5p.E002"))
    if origins.allowed_host not in settings.ALLOWED_HOSTS:
        errors.append(checks.Error(f"ALLOWED_HOSTS must hold {origins.allowed_host} for H5P_PACKAGE_ORIGIN.", id="h5p.E003"))
    return errors
