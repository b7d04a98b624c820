"""H5P test helpers: a private media folder per test and builders of good and bad `.h5p` zips."""

import io
import json
import zipfile

import pytest

from courses.h5p.packaging import choice_package


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def good_package(**overrides) -> bytes:
    spec = {
        "title": "Strong passwords", "question": "Which is strongest?",
        "answers": [{"text": "123456", "correct": False}, {"text": "mango river blue lantern", "correct": True}],
    }
    spec.update(overrides)
    return choice_package(**spec)


def rebuild(package: bytes, *, drop=(), replace=None, add=None) -> bytes:
    """The same zip with some files dropped, replaced or added (name → bytes)."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return buffer.getvalue()


def zip_of(files: dict, *, infos: list[tuple[zipfile.ZipInfo, bytes]] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data if isinstance(data, bytes) else json.dumps(data))
        for info, data in infos:
            archive.writestr(info, data)
    return buffer.getvalue()


BLOCK_ID = "0b6e4f00-1111-4222-8333-444455556666"


def lesson_with_activity(site, package, *, block_id: str = BLOCK_ID, index: int = 0):
    """Put an H5P block playing `package` into one of the site's lessons (published)."""
    from tests.factories import text_block

    lesson = site["lessons"][index]
    lesson.body = json.dumps([
        text_block("Try it."),
        {"type": "h5p", "id": block_id, "value": {
            "package": package.pk, "title": "Strong passwords", "completion": "completed", "pass_mark": 60,
        }},
    ])
    lesson.save_revision().publish()
    return lesson
