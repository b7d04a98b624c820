"""The production settings, collecting static files without compressing them (for tests only).

Compressing every file with Brotli takes minutes on a busy machine; the servers under test still
run `cms.settings` unchanged and read the same hashed names from the same manifest.
"""

from cms.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
