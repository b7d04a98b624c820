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
from cms.jsonchecks import UntrustedJSONError, loads_bounded
from games.minecraft import safezip

MAX_DOWNLOAD = safezip.MAX_UPLOAD_BYTES
# A real client's version file is about 30 KB; modded ones (Forge, Fabric) a few hundred.
MAX_VERSION_FILE = 4 * 1024 * 1024
_RELEASE = re.compile(r"(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?")


def release_number(version_id) -> tuple[int, int, int] | None:
    """(1, 20, 4) for "1.20.4", (1, 21, 0) for "1.21"; None for snapshots and other names."""
    match = _RELEASE.fullmatch(str(version_id or ""))
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def installed_versions(directory: Path) -> tuple[list[dict], list[str]]:
    """The versions under .minecraft/versions that can be launched, and a message per one that cannot.

    Read here rather than with minecraft_launcher_lib's get_installed_versions, which raises on a
    version file without `releaseTime` or with broken JSON; a version file lacking what the launch
    command needs (`libraries`, `mainClass`, or the version it inherits from) is named, not launched.
    """
    versions, problems = [], []
    try:
        folders = sorted(p for p in (directory / "versions").iterdir() if p.is_dir())
    except OSError:
        return [], []
    for folder in folders:
        path = folder / f"{folder.name}.json"
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_VERSION_FILE:
                raise UntrustedJSONError("too large")
            data = loads_bounded(path.read_bytes(), max_bytes=MAX_VERSION_FILE)
        except (OSError, UntrustedJSONError):
            problems.append(_("Version %(version)s is left out: its version file cannot be read.")
                            % {"version": folder.name})
            continue
        if not isinstance(data, dict) or data.get("id") != folder.name:
            problems.append(_("Version %(version)s is left out: its version file cannot be read.")
                            % {"version": folder.name})
            continue
        parent = data.get("inheritsFrom")
        complete = (isinstance(data.get("libraries"), list) and isinstance(data.get("releaseTime"), str)
                    and isinstance(data.get("mainClass"), str))
        if parent is None and not complete:
            problems.append(_("Version %(version)s is left out: its version file is incomplete (no "
                              "libraries or release time). Reinstall it with the Minecraft launcher.")
                            % {"version": folder.name})
            continue
        versions.append({"id": folder.name, "type": data.get("type"), "inheritsFrom": parent})
    names = {v["id"] for v in versions}
    for version in list(versions):
        if version["inheritsFrom"] is not None and version["inheritsFrom"] not in names:
            versions.remove(version)
            problems.append(_("Version %(version)s is left out: it needs version %(parent)s, which is not "
                              "installed.") % {"version": version["id"], "parent": version["inheritsFrom"]})
    return versions, problems


def choose_game_version(versions: list[dict], world_version: str | None) -> tuple[str, str | None]:
    """The installed version to launch for a world made with `world_version`, and a warning or None.

    The world's own version when installed; else the newest installed release newer than the world
    (Minecraft upgrades a world it opens, so the warning says so); a world newer than every installed
    release is refused (an older game cannot open it). Without a world: the newest installed release.
    """
    releases = sorted(((release_number(v["id"]), v["id"]) for v in versions
                       if v["type"] == "release" and release_number(v["id"]) is not None), reverse=True)
    if world_version is None or release_number(world_version) is None:
        if releases:
            return releases[0][1], None
        if versions:
            return versions[0]["id"], None
        raise CommandError(_("No Minecraft version installed yet: install one with the Minecraft launcher."))
    if world_version in {v["id"] for v in versions}:
        return world_version, None
    needed = release_number(world_version)
    newer = [version for number, version in releases if number >= needed]
    if not newer:
        raise CommandError(_("This world was made with Minecraft %(world)s: install that version (or a newer "
                             "release) with the Minecraft launcher first.") % {"world": world_version})
    return newer[0], _("This world was made with Minecraft %(world)s, which is not installed: launching "
                       "%(version)s, which will upgrade the world when it opens it.") % {
        "world": world_version, "version": newer[0]}


def world_game_version(data: bytes) -> str | None:
    """The Minecraft version a world zip was saved with (level.dat's Data.Version.Name), if it says."""
    try:
        world = safezip.open_world(io.BytesIO(data))
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    version = world.level.get("Version")
    name = version.get("Name") if hasattr(version, "get") else None
    return str(name) if name is not None and len(str(name)) <= 64 else None


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
                            help=_("installed Minecraft version to launch (default: the world's own, else the "
                                   "newest installed release)"))
        parser.add_argument("--username", default="Player", help=_("offline player name"))

    def handle(self, *args, **options):
        directory = Path(options["minecraft_dir"] or mll.utils.get_minecraft_directory())
        if not directory.is_dir():
            raise CommandError(_("No Minecraft folder at %(folder)s. Start Minecraft once, or pass --minecraft-dir.")
                               % {"folder": directory})
        self.stdout.write(_("Minecraft folder: %(folder)s") % {"folder": directory})
        versions, problems = installed_versions(directory)
        for problem in problems:
            self.stderr.write(problem)
        if versions:
            self.stdout.write(_("Installed versions: %(versions)s") % {"versions": ", ".join(v["id"] for v in versions)})
        else:
            self.stdout.write(_("No Minecraft version installed yet: install one with the Minecraft launcher."))
        data = None
        if options["url"] or options["file"]:
            data = self._download(options["url"]) if options["url"] else self._read(options["file"])
        # Everything that can fail is checked before the world is copied: a refused run leaves no copy.
        command = None
        if versions:
            command = self._launch_command(directory, versions, data, options)
        if data is not None:
            folder = self._install(directory, data, options["name"])
            self.stdout.write(self.style.SUCCESS(_("World installed: %(folder)s") % {"folder": folder}))
        if command is not None:
            self.stdout.write(_("Launch (offline, then Open to LAN):"))
            self.stdout.write(" ".join(_quote(part) for part in command))

    def _launch_command(self, directory, versions, data, options) -> list[str]:
        if options["game_version"]:
            wanted = options["game_version"]
            if wanted not in {v["id"] for v in versions}:
                raise CommandError(_("Version %(version)s is not installed here.") % {"version": wanted})
        else:
            world_version = world_game_version(data) if data is not None else None
            wanted, warning = choose_game_version(versions, world_version)
            if warning:
                self.stderr.write(self.style.WARNING(warning))
        username = options["username"]
        if not re.fullmatch(r"[A-Za-z0-9_]{3,16}", username):
            raise CommandError(_("The username must be 3 to 16 letters, digits or _."))
        try:
            return mll.command.get_minecraft_command(
                wanted, directory, {"username": username, "uuid": offline_uuid(username), "token": "0"})
        except (KeyError, TypeError, ValueError, OSError, mll.exceptions.VersionNotFound):
            raise CommandError(_("Version %(version)s cannot be launched: its version file is incomplete. "
                                 "Reinstall it with the Minecraft launcher.") % {"version": wanted}) from None

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
