"""Opening an uploaded world-save zip that nobody vouches for: caps, zip-bomb and path checks, and
only `level.dat` and `region/r.X.Z.mca` ever read (into memory; nothing extracted or executed)."""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .anvil import MAX_LEVEL_DAT, WorldFileError, read_level_dat

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # what the zip says it expands to
MAX_RATIO = 100  # uncompressed / compressed per file; region files compress about 1.1:1
RATIO_FROM_BYTES = 64 * 1024  # files from this size on are held to MAX_RATIO (smaller: too small to matter)
TOTAL_RATIO_FROM_BYTES = 8 * 1024 * 1024  # and the whole zip, once it expands to this much
MAX_REGION_BYTES = 64 * 1024 * 1024
_REGION = re.compile(r"^r\.(-?\d{1,5})\.(-?\d{1,5})\.mca$")


@dataclass
class UploadedWorld:
    level: dict
    region_entries: dict[tuple[int, int], zipfile.ZipInfo] = field(default_factory=dict)
    archive: zipfile.ZipFile | None = None

    def region(self, rx: int, rz: int) -> bytes | None:
        info = self.region_entries.get((rx, rz))
        if info is None:
            return None
        return read_bounded(self.archive, info, MAX_REGION_BYTES)


def _bad(message) -> ValidationError:
    return ValidationError(message)


def read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read an entry but never more than `limit` bytes, whatever its header claims."""
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError, RuntimeError):
        # A damaged entry (bad CRC, broken deflate stream, unknown compression, encrypted).
        raise _bad(_("The zip is damaged: a file in it cannot be read. Zip the world folder again.")) from None
    if len(data) > limit:
        raise _bad(_("A file in the world is too big."))
    return data


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    # zipfile cuts a name at NUL; the name as stored is in orig_filename.
    if not name.rstrip("/") or "\x00" in info.orig_filename:
        raise _bad(_("The zip contains a file name that is not a valid path; it is refused."))
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name:
        raise _bad(_("The zip contains a file with an absolute path; it is refused."))
    if any(part == ".." for part in PurePosixPath(name).parts):
        raise _bad(_("The zip contains a file that points outside its folder (“..”); it is refused."))
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _bad(_("The zip contains a symbolic link; it is refused."))


def open_world(upload) -> UploadedWorld:
    """Validate an uploaded world zip (a file-like object) and return a reader over its level.dat
    and region files. Raises ValidationError with a message for the person who uploaded it."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    upload.seek(0)
    if size > MAX_UPLOAD_BYTES:
        raise _bad(_("The world is too big (at most %(mb)d MB).") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    try:
        archive = zipfile.ZipFile(upload)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _bad(_("This is not a zip file. Zip the world folder from .minecraft/saves and upload that.")) from None
    if len(entries) > MAX_ENTRIES:
        raise _bad(_("The zip holds too many files (at most %(n)d).") % {"n": MAX_ENTRIES})
    total = packed = 0
    for info in entries:
        _check_name(info)
        total += info.file_size
        packed += info.compress_size
        # Files of exactly 1 MiB used to slip through (the check began above it); many files
        # just under the size checked add up, so the zip as a whole is held to the ratio too.
        if info.file_size >= RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bad(_("The zip expands far more than a world does (a “zip bomb”); it is refused."))
        if info.flag_bits & 0x1:
            raise _bad(_("The zip is password-protected; upload it without a password."))
    if total > MAX_TOTAL_BYTES or (total >= TOTAL_RATIO_FROM_BYTES and total > MAX_RATIO * max(packed, 1)):
        raise _bad(_("The zip expands far more than a world does (a “zip bomb”); it is refused."))
    levels = [i for i in entries if not i.is_dir() and PurePosixPath(i.filename).name == "level.dat"]
    # The world folder is where level.dat sits: at the top or one folder down.
    levels = [i for i in levels if len(PurePosixPath(i.filename).parts) <= 2]
    if len(levels) != 1:
        raise _bad(_("The zip must hold exactly one world folder with a level.dat file."))
    root = PurePosixPath(levels[0].filename).parent
    try:
        level = read_level_dat(read_bounded(archive, levels[0], MAX_LEVEL_DAT))
    except WorldFileError:
        raise _bad(_("The world's level.dat is damaged or not a Minecraft Java world.")) from None
    regions = {}
    for info in entries:
        path = PurePosixPath(info.filename)
        if info.is_dir() or path.parent != root / "region":
            continue
        match = _REGION.match(path.name)
        if match:
            if info.file_size > MAX_REGION_BYTES:
                raise _bad(_("A file in the world is too big."))
            regions[int(match.group(1)), int(match.group(2))] = info
    if not regions:
        raise _bad(_("The world has no region files: is this the right folder?"))
    data = level.get("Data") or {}
    return UploadedWorld(level=data, region_entries=regions, archive=archive)
