"""Restore a folder written by `manage.py backup` into a new database, then the media files.

    python manage.py restore --from /backups/2026-11-29 --into sangkat_restored
    python manage.py restore --from /backups/2026-11-29 --into var/restored.sqlite3   # SQLite

The dump's SHA-256 is checked first; PostgreSQL: `createdb` + `pg_restore --single-transaction`
(all or nothing); SQLite: the copy is written to the new path. Every table's row count is then
compared with the manifest, and every media file is unpacked into MEDIA_ROOT (or --media-root)
and its SHA-256 compared. Nothing that exists is overwritten: the database must be new, and a
media file that exists with other content stops the restore before any file is written.
Point DATABASE_URL at the restored database afterwards.
"""

import json
import shutil
import tarfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.commands import SpeaksLanguage
from cms.management.commands.backup import (
    MANIFEST,
    engine_of,
    pg_connect,
    pg_environment,
    pg_row_counts,
    run,
    sha256_of,
    sqlite_row_counts,
)


class Command(SpeaksLanguage, BaseCommand):
    help = gettext_lazy("Restore a `manage.py backup` folder into a new database and MEDIA_ROOT, and check it.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help=_("the folder `backup --to` wrote"))
        parser.add_argument("--into", required=True,
                            help=_("PostgreSQL: the name of a database to create; SQLite: a new file path"))
        parser.add_argument("--media-root", default=None, help=_("where media files go (default: MEDIA_ROOT)"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help=_("the alias whose server (PostgreSQL) hosts the new database"))

    def handle(self, *args, source: str, into: str, media_root: str | None, database: str, **options):
        folder = Path(source)
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError):
            raise CommandError(_("%(folder)s has no readable manifest.json: is it a backup folder?")
                               % {"folder": folder}) from None
        dump = folder / manifest["database_file"]
        tar_path = folder / manifest["media_file"]
        for path, expected in ((dump, manifest["database_sha256"]), (tar_path, manifest["media_sha256"])):
            if not path.is_file() or sha256_of(path) != expected:
                raise CommandError(_("%(file)s is missing or damaged (its SHA-256 differs from the manifest).")
                                   % {"file": path})
        media_target = Path(media_root) if media_root else Path(settings.MEDIA_ROOT)
        self._check_media(tar_path, media_target, manifest["media"])

        settings_dict = connections[database].settings_dict
        engine = engine_of(settings_dict)
        if engine != manifest["engine"]:
            raise CommandError(_("This backup is of a %(backup)s database; the configured one is %(here)s.")
                               % {"backup": manifest["engine"], "here": engine})
        if engine == "postgresql":
            tables = self._restore_postgresql(settings_dict, dump, into)
        else:
            tables = self._restore_sqlite(dump, Path(into))
        if tables != manifest["tables"]:
            differing = sorted(
                name for name in set(tables) | set(manifest["tables"])
                if tables.get(name) != manifest["tables"].get(name)
            )
            raise CommandError(_("The restored database differs from the backup in: %(tables)s.")
                               % {"tables": ", ".join(differing[:20])})
        written = self._unpack_media(tar_path, media_target, manifest["media"])
        self.stdout.write(_("Restored %(tables)d tables (%(rows)d rows) into %(database)s and %(files)d media "
                            "files into %(media)s; every count and checksum matches the manifest.") % {
            "tables": len(tables), "rows": sum(tables.values()), "database": into,
            "files": written, "media": media_target,
        })

    def _restore_postgresql(self, settings_dict: dict, dump: Path, name: str) -> dict[str, int]:
        env = pg_environment(settings_dict)
        run(["createdb", "--maintenance-db", settings_dict["NAME"], name], env=env)
        run(["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-acl",
             f"--dbname={name}", str(dump)], env=env)
        with pg_connect(settings_dict, name=name) as connection:
            return pg_row_counts(connection)

    def _restore_sqlite(self, copy: Path, path: Path) -> dict[str, int]:
        if path.exists():
            raise CommandError(_("%(path)s exists: restore into a new file.") % {"path": path})
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy, path)
        return sqlite_row_counts(path)

    def _members(self, archive: tarfile.TarFile, expected: dict[str, str]) -> list[tarfile.TarInfo]:
        members = archive.getmembers()
        names = [member.name for member in members]
        if sorted(names) != sorted(expected) or not all(member.isfile() for member in members):
            raise CommandError(_("media.tar does not hold the files the manifest lists."))
        for name in names:
            if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
                raise CommandError(_("media.tar holds a path outside the media folder: %(name)s.") % {"name": name})
        return members

    def _check_media(self, tar_path: Path, root: Path, expected: dict[str, str]) -> None:
        """Before anything is written: no existing media file would be replaced by other content."""
        with tarfile.open(tar_path) as archive:
            self._members(archive, expected)
        clashes = [name for name, digest in expected.items()
                   if (root / name).exists() and sha256_of(root / name) != digest]
        if clashes:
            raise CommandError(_("%(count)d media files in %(root)s differ from the backup (e.g. %(name)s); "
                                 "restore into an empty --media-root.")
                               % {"count": len(clashes), "root": root, "name": clashes[0]})

    def _unpack_media(self, tar_path: Path, root: Path, expected: dict[str, str]) -> int:
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tar_path) as archive:
            archive.extractall(root, members=self._members(archive, expected), filter="data")
        damaged = [name for name, digest in expected.items() if sha256_of(root / name) != digest]
        if damaged:
            raise CommandError(_("%(count)d media files differ from the manifest after unpacking (e.g. %(name)s).")
                               % {"count": len(damaged), "name": damaged[0]})
        return len(expected)
