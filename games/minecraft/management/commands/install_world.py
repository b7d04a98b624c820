"""`manage.py install_world`: on a center PC, put a session's world into .minecraft/saves (never
overwriting) and print the command that starts Minecraft offline for LAN play."""

import hashlib
import io
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path, PurePosixPath

import minecraft_launcher_lib as mll
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.commands import SpeaksLanguage
from games.minecraft import safezip

MAX_DOWNLOAD = safezip.MAX_UPLOAD_BYTES


def offline_uuid(username: str) -> str:
    """The UUID Minecraft gives an offline player: version 3 of "OfflinePlayer:<name>"."""
    digest = bytearray(hashlib.md5(f"OfflinePlayer:{username}".encode()).digest())  # noqa: S324 - Mojang's scheme
    digest[6] = (digest[6] & 0x0F) | 0x30
    digest[8] = (digest[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(digest)))


def unique_folder(saves: Path, name: str) -> Path:
    base = re.sub(r"[^A-Za-z0-9 ._-]+", "-", name).strip(" .-")[:60] or "Sangkat world"
    candidate, n = saves / base, 2
    while candidate.exists():
        candidate, n = saves / f"{base} ({n})", n + 1
    return candidate


class Command(SpeaksLanguage, BaseCommand):
    help = gettext_lazy("Install a Sangkat world into this PC's .minecraft/saves and print the offline launch "
                        "command.")

    def add_arguments(self, parser):
        parser.add_argument("--minecraft-dir", help=_("the .minecraft folder (found automatically if left out)"))
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--url", help=_("the world's download link from the session page"))
        source.add_argument("--file", help=_("a world zip already on this PC"))
        parser.add_argument("--name", help=_("folder name in saves/ (default: the world's own)"))
        parser.add_argument("--game-version",
                            help=_("installed Minecraft version to launch (default: newest release)"))
        parser.add_argument("--username", default="Player", help=_("offline player name"))

    def handle(self, *args, **options):
        directory = Path(options["minecraft_dir"] or mll.utils.get_minecraft_directory())
        if not directory.is_dir():
            raise CommandError(_("No Minecraft folder at %(folder)s. Start Minecraft once, or pass --minecraft-dir.")
                               % {"folder": directory})
        self.stdout.write(_("Minecraft folder: %(folder)s") % {"folder": directory})
        versions = mll.utils.get_installed_versions(directory)
        if versions:
            self.stdout.write(_("Installed versions: %(versions)s") % {"versions": ", ".join(v["id"] for v in versions)})
        else:
            self.stdout.write(_("No Minecraft version installed yet: install one with the Minecraft launcher."))
        if options["url"] or options["file"]:
            data = self._download(options["url"]) if options["url"] else self._read(options["file"])
            folder = self._install(directory, data, options["name"])
            self.stdout.write(self.style.SUCCESS(_("World installed: %(folder)s") % {"folder": folder}))
        if versions:
            wanted = options["game_version"] or next((v["id"] for v in versions if v["type"] == "release"), versions[0]["id"])
            if wanted not in {v["id"] for v in versions}:
                raise CommandError(_("Version %(version)s is not installed here.") % {"version": wanted})
            username = options["username"]
            if not re.fullmatch(r"[A-Za-z0-9_]{3,16}", username):
                raise CommandError(_("The username must be 3 to 16 letters, digits or _."))
            command = mll.command.get_minecraft_command(
                wanted, directory, {"username": username, "uuid": offline_uuid(username), "token": "0"})
            self.stdout.write(_("Launch (offline, then Open to LAN):"))
            self.stdout.write(" ".join(_quote(part) for part in command))

    def _read(self, path):
        path = Path(path)
        if not path.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": path})
        if path.stat().st_size > MAX_DOWNLOAD:
            raise CommandError(_("The world zip is too big."))
        return path.read_bytes()

    def _download(self, url):
        import requests

        if not url.startswith(("http://", "https://")):
            raise CommandError(_("The link must start with http:// or https://."))
        try:
            with requests.get(url, stream=True, timeout=30) as response:
                response.raise_for_status()
                data = bytearray()
                for piece in response.iter_content(1 << 16):
                    data += piece
                    if len(data) > MAX_DOWNLOAD:
                        raise CommandError(_("The world zip is too big."))
        except requests.RequestException as exc:
            raise CommandError(_("Could not download the world: %(error)s") % {"error": exc}) from None
        return bytes(data)

    def _install(self, directory: Path, data: bytes, name: str | None) -> Path:
        """Write only level.dat, icon.png and region/r.X.Z.mca of the checked zip into a new folder:
        first a hidden temporary folder in saves/, renamed into place once every file is written,
        so a damaged zip (a bad CRC half way) leaves nothing behind."""
        try:
            world = safezip.open_world(io.BytesIO(data))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        archive = world.archive
        level = next(i for i in archive.infolist() if PurePosixPath(i.filename).name == "level.dat"
                     and len(PurePosixPath(i.filename).parts) <= 2)
        root = PurePosixPath(level.filename).parent
        saves = directory / "saves"
        saves.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".sangkat-install-", dir=saves))
        try:
            (staging / "region").mkdir()
            (staging / "level.dat").write_bytes(safezip.read_bounded(archive, level, 1024 * 1024))
            icon = next((i for i in archive.infolist() if PurePosixPath(i.filename) == root / "icon.png"), None)
            if icon is not None:
                (staging / "icon.png").write_bytes(safezip.read_bounded(archive, icon, 256 * 1024))
            for (rx, rz) in world.region_entries:
                (staging / "region" / f"r.{rx}.{rz}.mca").write_bytes(world.region(rx, rz))
            folder = unique_folder(saves, name or (root.name if str(root) != "." else "Sangkat world"))
            os.rename(staging, folder)  # atomic on one file system; refuses a non-empty target
        except ValidationError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise CommandError(" ".join(exc.messages)) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return folder


def _quote(part: str) -> str:
    return f'"{part}"' if " " in part else part
