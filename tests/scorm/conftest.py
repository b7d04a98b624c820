"""SCORM test helpers: a private media folder per test and builders of good and hostile packages."""

import io
import zipfile

import pytest

from courses.scorm.packaging import DEMO, build, demo_package, manifest_12


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def package_12(**overrides) -> bytes:
    return demo_package("en", "1.2")


def package_2004() -> bytes:
    return demo_package("en", "2004")


def with_manifest(manifest: str | bytes, *, base: bytes | None = None, drop=(), add=None) -> bytes:
    """The demo SCORM 1.2 package with another imsmanifest.xml (and files dropped or added)."""
    source = zipfile.ZipFile(io.BytesIO(base or package_12()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = manifest if info.filename == "imsmanifest.xml" else source.read(info.filename)
            target.writestr(info.filename, data)
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return buffer.getvalue()


def scos_12():
    return DEMO["en"]["scorm12"]["scos"]


__all__ = ["build", "manifest_12", "stored_files", "with_manifest"]


BLOCK_ID = "5c0e4f00-1111-4222-8333-444455556666"


def lesson_with_scorm(site, package, *, block_id: str = BLOCK_ID, index: int = 0, completion: str = "completed"):
    """Put a SCORM block playing `package` into one of the site's lessons (published)."""
    import json

    from tests.factories import text_block

    lesson = site["lessons"][index]
    lesson.body = json.dumps([
        text_block("Try it."),
        {"type": "scorm", "id": block_id, "value": {
            "package": package.pk, "title": "Phone safety", "completion": completion, "pass_mark": 60,
        }},
    ])
    lesson.save_revision().publish()
    return lesson
