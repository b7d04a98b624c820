"""Back up the database and the uploaded media into one folder, with a manifest to check a restore.

    python manage.py backup --to /backups/2026-11-29

writes `database.dump` (PostgreSQL: `pg_dump -Fc`) or `database.sqlite3` (SQLite's online backup,
the same as `sqlite3 var/sangkat.sqlite3 ".backup ..."`), `media.tar` (every file under
MEDIA_ROOT) and `manifest.json`: the row count of every table as dumped, and the SHA-256 of the
dump, the tar and every media file. `manage.py restore` reads that folder. See docs/deploy.md.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.commands import SpeaksLanguage

MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def engine_of(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise CommandError(_("Backups support PostgreSQL and SQLite, not %(engine)s.") % {"engine": engine})


def pg_environment(settings_dict: dict, *, name: str | None = None) -> dict:
    """The environment pg_dump, pg_restore, createdb and psycopg read the connection from."""
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    env["PGDATABASE"] = name or settings_dict["NAME"]
    return env


def pg_connect(settings_dict: dict, *, name: str | None = None, **options):
    import psycopg

    params = {"dbname": name or settings_dict["NAME"]}
    for key, param in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if settings_dict.get(key):
            params[param] = str(settings_dict[key])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        params["sslmode"] = sslmode
    return psycopg.connect(**params, **options)


def pg_row_counts(connection) -> dict[str, int]:
    """Row count of every table in the current schema, read in the connection's transaction."""
    from psycopg import sql

    tables = [row[0] for row in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )]
    return {
        table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        for table in tables
    }


def sqlite_row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )]
        counts = {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
    connection.close()
    return counts


def run(command: list[str], *, env: dict | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise CommandError(_("%(program)s is not installed (Debian: apt-get install postgresql-client).")
                           % {"program": command[0]})
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CommandError(_("%(program)s failed: %(error)s") % {"program": command[0], "error": result.stderr.strip()})


class Command(SpeaksLanguage, BaseCommand):
    help = gettext_lazy("Back up the database and MEDIA_ROOT into a new folder, with a manifest to check a restore.")

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help=_("a folder that does not exist yet, or is empty"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("the database alias (default: default)"))

    def handle(self, *args, to: str, database: str, **options):
        target = Path(to)
        if target.exists() and any(target.iterdir()):
            raise CommandError(_("%(folder)s is not empty: back up into a new folder.") % {"folder": target})
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target, 0o700)  # the dump holds password hashes and personal data
        settings_dict = connections[database].settings_dict
        engine = engine_of(settings_dict)
        if engine == "postgresql":
            dump, tables = self._dump_postgresql(settings_dict, target)
        else:
            dump, tables = self._dump_sqlite(settings_dict, target)
        on_disk = isinstance(default_storage, FileSystemStorage)
        # Media in a bucket are not copied here (docs/deploy.md: copy the bucket with rclone/aws s3 sync).
        media = self._tar_media(Path(settings.MEDIA_ROOT) if on_disk else None, target / MEDIA_TAR)
        if not on_disk:
            self.stderr.write(_("Media are in a bucket, not under MEDIA_ROOT: copy the bucket separately."))
        manifest = {
            "format": 1,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "database_file": dump.name,
            "database_sha256": sha256_of(dump),
            "tables": tables,
            "media_in_backup": on_disk,
            "media_file": MEDIA_TAR,
            "media_sha256": sha256_of(target / MEDIA_TAR),
            "media": media,
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        self.stdout.write(_("Backed up %(tables)d tables (%(rows)d rows) and %(files)d media files into %(folder)s.") % {
            "tables": len(tables), "rows": sum(tables.values()), "files": len(media), "folder": target,
        })

    def _dump_postgresql(self, settings_dict: dict, target: Path) -> tuple[Path, dict[str, int]]:
        """pg_dump and the row counts read from one snapshot, so the manifest describes the dump."""
        dump = target / PG_DUMP
        with pg_connect(settings_dict) as connection:
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
            tables = pg_row_counts(connection)
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
                env=pg_environment(settings_dict))
            connection.rollback()
        return dump, tables

    def _dump_sqlite(self, settings_dict: dict, target: Path) -> tuple[Path, dict[str, int]]:
        copy = target / SQLITE_COPY
        source = sqlite3.connect(settings_dict["NAME"])
        destination = sqlite3.connect(copy)
        try:
            source.backup(destination)  # SQLite's online backup API: consistent while the site runs
        finally:
            destination.close()
            source.close()
        return copy, sqlite_row_counts(copy)

    def _tar_media(self, root: Path | None, tar_path: Path) -> dict[str, str]:
        hashes: dict[str, str] = {}
        with tarfile.open(tar_path, "w") as archive:
            if root is not None and root.is_dir():
                for path in sorted(root.rglob("*")):
                    if path.is_symlink() or not path.is_file():
                        continue
                    relative = path.relative_to(root).as_posix()
                    hashes[relative] = sha256_of(path)
                    archive.add(path, arcname=relative, recursive=False)
        return hashes
