"""Fixtures for Block by Block: the shipped sample site, a session with teams, world files on disk."""

import io
import os
import zipfile
from pathlib import Path

import pytest

from games.minecraft import services

SAMPLE = Path(__file__).resolve().parents[2] / "games" / "minecraft" / "sample_sites" / "sangkat_square.geojson"


@pytest.fixture
def sample_site(db):
    return services.create_site(user=None, name_en="Sangkat Square", name_km="ទីលានសង្កាត់",
                                geojson=SAMPLE.read_text(), crs="wgs84")


@pytest.fixture
def codesign(sample_site, facilitator):
    return services.create_session(facilitator=facilitator, title="Square workshop", site=sample_site,
                                   team_names=["Mango", "Lotus"])


@pytest.fixture
def generated(codesign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.request_world(session=codesign)
    codesign.refresh_from_db()
    assert codesign.world_state == "done", codesign.world_error
    return codesign


def unzip_world(data: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(into)
    (folder,) = [p for p in into.iterdir() if p.is_dir()]
    return folder


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(root) / name
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()
