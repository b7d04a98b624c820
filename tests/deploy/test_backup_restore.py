"""`manage.py backup` then `manage.py restore` into a new database: the same rows and media files come back.

On PostgreSQL the restore goes into a fresh database (createdb sangkat_restore_<random>, dropped
afterwards); on SQLite (make run) into a new database file. pg_dump runs in its own connection, so
the data must be committed: this file uses transactional test databases.
"""

import hashlib
import io
import secrets
import sqlite3
from contextlib import closing

import pytest
from django.core.files.images import ImageFile
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image as PILImage
from wagtail.images.models import Image

from cms.management.commands.backup import pg_connect
from labs.participation.models import Proposal
from tests.factories import UserFactory, build_site

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 90)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def data(media):
    """What a city would hate to lose: accounts, a course, a proposal and an uploaded image."""
    site = build_site(lessons=1, with_khmer=False)
    learner = UserFactory(username="sokha", first_name="សុខា")
    UserFactory(username="dara")
    proposal = Proposal.objects.create(author=learner, title="ភ្លើងបំភ្លឺផ្លូវ near the school",
                                       body="It is dark at night.", category="safety")
    image = Image.objects.create(title="Street at night", file=ImageFile(io.BytesIO(_png()), name="street.png"))
    return {"course": site["course"], "learner": learner, "proposal": proposal, "image": image}


def _query(name_or_path, sql: str):
    if POSTGRES:
        with pg_connect(connection.settings_dict, name=name_or_path) as restored:
            return restored.execute(sql).fetchall()
    with closing(sqlite3.connect(name_or_path)) as restored:
        return restored.execute(sql).fetchall()


@pytest.fixture
def new_database(tmp_path):
    """A database name nobody uses yet (PostgreSQL), or a new file (SQLite); dropped afterwards."""
    if not POSTGRES:
        yield str(tmp_path / "restored.sqlite3")
        return
    name = f"sangkat_restore_{secrets.token_hex(4)}"
    yield name
    with pg_connect(connection.settings_dict, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_a_new_database_with_the_same_data(data, media, tmp_path, new_database):
    backup = tmp_path / "backup"
    call_command("backup", to=str(backup))
    # After the backup, the live site goes on changing: the restore must show the backup's moment.
    UserFactory(username="after-the-backup")

    restored_media = tmp_path / "restored-media"
    call_command("restore", source=str(backup), into=new_database, media_root=str(restored_media))

    users = _query(new_database, "SELECT username, first_name FROM cms_user ORDER BY username")
    assert users == [("dara", ""), ("sokha", "សុខា")]
    (course,) = _query(new_database, "SELECT p.title, c.summary FROM courses_coursepage c "
                                     "JOIN wagtailcore_page p ON p.id = c.page_ptr_id")
    assert course == ("Safe online", "Stay safe.")
    (proposal,) = _query(new_database, "SELECT p.title, p.body, u.username FROM participation_proposal p "
                                       "JOIN cms_user u ON u.id = p.author_id")
    assert proposal == ("ភ្លើងបំភ្លឺផ្លូវ near the school", "It is dark at night.", "sokha")
    (image_file,) = _query(new_database, "SELECT file FROM wagtailimages_image")
    original = hashlib.sha256((media / data["image"].file.name).read_bytes()).hexdigest()
    assert image_file[0] == data["image"].file.name
    assert hashlib.sha256((restored_media / image_file[0]).read_bytes()).hexdigest() == original


def test_a_damaged_backup_is_refused_before_anything_is_restored(data, tmp_path, new_database):
    backup = tmp_path / "backup"
    call_command("backup", to=str(backup))
    dump = next(path for path in backup.iterdir() if path.name.startswith("database."))
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    dump.write_bytes(bytes(damaged))

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", source=str(backup), into=new_database, media_root=str(tmp_path / "m"))
    assert not (tmp_path / "m").exists()
    if POSTGRES:
        found = _query(connection.settings_dict["NAME"],
                       f"SELECT 1 FROM pg_database WHERE datname = '{new_database}'")
        assert found == []
    else:
        assert not (tmp_path / "restored.sqlite3").exists()
