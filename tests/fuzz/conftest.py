"""Fuzz fixtures: a private MEDIA_ROOT per test, and the co-design session of tests/minecraft."""

import pytest

from tests.minecraft.conftest import codesign, sample_site  # noqa: F401  (fixtures)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT
