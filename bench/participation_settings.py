"""Bench-only settings: the foundation's site.css refers to a font file missing on this branch, which
breaks the manifest static storage; the participation bench serves static files without a manifest."""

from cms.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}  # noqa: F405
