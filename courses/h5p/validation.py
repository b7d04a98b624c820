"""Checks a `.h5p` file completely, before anything is written, and describes what to install.

One entry point, `validate_package`, reads the zip once: every file is streamed and counted (sizes
in zip headers can lie), JSON files are parsed, and every library the content needs must be in the
file or already installed. The first problem found raises `PackageRejected` with one message, in
the editor's language, that names it.
"""

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cms.jsonchecks import MAX_DEPTH, UntrustedJSONError, has_nul, loads_bounded
from courses.h5p.models import H5PLibrary

# H5P core's default allow-list (H5PCore::$defaultContentWhitelist, without "swf": Flash is dead
# and only a risk) and the extras allowed inside libraries ($defaultLibraryWhitelistExtras).
CONTENT_EXTENSIONS = frozenset(
    "json png jpg jpeg gif bmp tif tiff svg eot ttf woff woff2 otf webm mp4 ogg mp3 m4a wav txt pdf "
    "rtf doc docx xls xlsx ppt pptx odt ods odp xml csv diff patch md textile vtt webvtt gltf glb".split()
)
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | {"js", "css"}
MACHINE_NAME = re.compile(r"^[\w.-]{1,255}$")
CHUNK = 64 * 1024
# Small files compress very well without being bombs (a JSON of spaces): only larger ones count.
RATIO_MIN_BYTES = 64 * 1024
# JSON files are parsed in memory: none of them is this big in a real package.
MAX_JSON_BYTES = 16 * 1024 * 1024
# content.json holds the author's content tree (a book of pages of columns of interactions…): it
# may nest deeper than a manifest, still far from any recursion limit of what reads it after.
MAX_CONTENT_DEPTH = 100


class PackageRejected(Exception):
    """The package cannot be installed; `message` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def max_bytes() -> int:
    return int(getattr(settings, "H5P_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024))


def max_files() -> int:
    return int(getattr(settings, "H5P_MAX_FILES", 2000))


def max_ratio() -> int:
    return int(getattr(settings, "H5P_MAX_COMPRESSION_RATIO", 100))


@dataclass(frozen=True)
class LibraryRef:
    machine_name: str
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.machine_name} {self.major}.{self.minor}"

    @property
    def folder_name(self) -> str:
        return f"{self.machine_name}-{self.major}.{self.minor}"


@dataclass
class PackageLibrary:
    """A library folder inside the package."""

    ref: LibraryRef
    patch: int
    title: str
    metadata: dict
    # (name inside the zip, path relative to the library folder)
    files: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ValidatedPackage:
    title: str
    main_library: LibraryRef
    metadata: dict
    dependencies: list[LibraryRef]
    # (name inside the zip, path relative to the package's content/ folder)
    content_files: list[tuple[str, str]]
    libraries: list[PackageLibrary]
    total_bytes: int
    file_count: int


def _is_ignored(parts: tuple[str, ...]) -> bool:
    """Files that tools add and H5P ignores: hidden files and macOS resource forks."""
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename
    if "\\" in name:
        raise PackageRejected(_("The file name “%(name)s” contains a backslash (\\). Use “/” in paths.") % {"name": name})
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise PackageRejected(_("The file “%(name)s” has an absolute path; only relative paths are allowed.") % {"name": name})
    parts = name.rstrip("/").split("/")
    if any(part == ".." for part in parts):
        raise PackageRejected(_("The file “%(name)s” points outside the package (“..”).") % {"name": name})
    if any(part in ("", ".") for part in parts) or "\x00" in name:
        raise PackageRejected(_("The file name “%(name)s” is not a valid path.") % {"name": name})
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackageRejected(_("The file “%(name)s” is a symbolic link; links are not allowed.") % {"name": name})
    if info.flag_bits & 0x1:
        raise PackageRejected(_("The file “%(name)s” is encrypted; export the package without a password.") % {"name": name})


def _extension(path: str) -> str:
    suffix = PurePosixPath(path).suffix
    return suffix[1:].lower() if suffix else ""


# Versions are stored in PositiveIntegerFields: PostgreSQL's integer ends here.
MAX_VERSION = 2**31 - 1


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value):  # not "²" or "١"
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_VERSION:
        return value
    return None


def _library_refs(value, *, where: str) -> list[LibraryRef]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PackageRejected(_("The dependency list in %(file)s is not a list.") % {"file": where})
    refs = []
    for item in value:
        name = item.get("machineName") if isinstance(item, dict) else None
        major = _as_int(item.get("majorVersion")) if isinstance(item, dict) else None
        minor = _as_int(item.get("minorVersion")) if isinstance(item, dict) else None
        if not isinstance(name, str) or not MACHINE_NAME.match(name) or major is None or minor is None:
            raise PackageRejected(
                _("A dependency in %(file)s has no valid machineName, majorVersion and minorVersion.") % {"file": where}
            )
        refs.append(LibraryRef(name, major, minor))
    return refs


def _parse_json(data: bytes, *, where: str, max_depth: int = MAX_DEPTH) -> dict:
    try:
        parsed = loads_bounded(data, max_bytes=MAX_JSON_BYTES, max_depth=max_depth)
    except UntrustedJSONError:
        raise PackageRejected(
            _("%(file)s is not valid JSON, or nests lists and objects more than %(depth)s levels "
              "deep.")
            % {"file": where, "depth": max_depth}
        ) from None
    if not isinstance(parsed, dict):
        raise PackageRejected(_("%(file)s must contain a JSON object.") % {"file": where})
    if has_nul(parsed):
        # PostgreSQL cannot store \u0000 in JSON (h5p.json and library.json are kept in rows).
        raise PackageRejected(_("%(file)s contains a NUL character (\\u0000).") % {"file": where})
    return parsed


def _installed(ref: LibraryRef) -> bool:
    return H5PLibrary.objects.filter(
        machine_name=ref.machine_name, major_version=ref.major, minor_version=ref.minor
    ).exists()


def _read_all(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], json_names: set[str]) -> tuple[int, dict[str, bytes]]:
    """Streams every file once, counting real bytes against the caps; returns the JSON files read."""
    total = 0
    limit = max_bytes()
    kept: dict[str, bytes] = {}
    for info in infos:
        seen = 0
        keep = info.filename in json_names
        buffer = bytearray()
        try:
            with archive.open(info) as handle:
                while chunk := handle.read(CHUNK):
                    seen += len(chunk)
                    total += len(chunk)
                    if seen > info.file_size:
                        raise PackageRejected(_("The file “%(name)s” is bigger than the zip says.") % {"name": info.filename})
                    if total > limit:
                        raise PackageRejected(
                            _("The package is bigger than %(limit)s when unpacked.") % {"limit": filesizeformat(limit)}
                        )
                    if keep:
                        if len(buffer) + len(chunk) > MAX_JSON_BYTES:
                            raise PackageRejected(_("%(file)s is too big.") % {"file": info.filename})
                        buffer += chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError, RuntimeError) as error:
            raise PackageRejected(
                _("The file “%(name)s” inside the package is damaged (%(error)s).") % {"name": info.filename, "error": error}
            ) from None
        if keep:
            kept[info.filename] = bytes(buffer)
    return total, kept


def validate_package(source) -> ValidatedPackage:
    """Validate a `.h5p` (a path or a seekable binary file) and describe it; raises PackageRejected."""
    limit = max_bytes()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise PackageRejected(
            _("This is not a complete .h5p file (a zip archive). It may be damaged or only partly downloaded.")
        ) from None
    with archive:
        return _validate_archive(archive, limit)


def checked_members(archive: zipfile.ZipFile, limit: int) -> list[zipfile.ZipInfo]:
    """The zip defences every uploaded package goes through (H5P and SCORM alike): safe names (no
    absolute path, "..", backslash, link or encryption), no name twice, at most max_files() files,
    at most `limit` bytes declared, no file compressed suspiciously well. Returns the files to read
    (directories, hidden files and macOS resource forks left out); `read_members` then counts the
    real bytes. Raises PackageRejected."""
    infos = archive.infolist()
    seen_names: set[str] = set()
    files: list[zipfile.ZipInfo] = []
    for info in infos:
        _check_name(info)
        folded = info.filename.rstrip("/").casefold()
        if folded in seen_names:
            raise PackageRejected(_("The name “%(name)s” appears twice in the package.") % {"name": info.filename})
        seen_names.add(folded)
        if info.is_dir() or _is_ignored(tuple(info.filename.split("/"))):
            continue
        files.append(info)
    if len(files) > max_files():
        raise PackageRejected(_("The package has more than %(count)d files.") % {"count": max_files()})
    declared = sum(info.file_size for info in files)
    if declared > limit:
        raise PackageRejected(_("The package is bigger than %(limit)s when unpacked.") % {"limit": filesizeformat(limit)})
    for info in files:
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > max_ratio() * max(info.compress_size, 1):
            raise PackageRejected(
                _("The file “%(name)s” is compressed more than %(ratio)d times: it looks like a zip bomb.")
                % {"name": info.filename, "ratio": max_ratio()}
            )
    return files


def read_members(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo], keep: set[str]) -> tuple[int, dict[str, bytes]]:
    """Streams every file once against the size caps; returns the real total and the files in `keep`."""
    return _read_all(archive, files, keep)


def _validate_archive(archive: zipfile.ZipFile, limit: int) -> ValidatedPackage:
    files = checked_members(archive, limit)
    names = {info.filename for info in files}
    if "h5p.json" not in names:
        raise PackageRejected(_("The package has no h5p.json file at its top level."))
    if "content/content.json" not in names:
        raise PackageRejected(_("The package has no content/content.json file."))

    # Sort files into content, libraries (top-level folders with a library.json) and the rest.
    content_files: list[tuple[str, str]] = []
    library_files: dict[str, list[tuple[str, str]]] = {}
    for info in files:
        name = info.filename
        if name == "h5p.json":
            continue
        head, _sep, rest = name.partition("/")
        if not rest:
            raise PackageRejected(_("The file “%(name)s” is not allowed at the top of a package.") % {"name": name})
        allowed = CONTENT_EXTENSIONS if head == "content" else LIBRARY_EXTENSIONS
        if _extension(name) not in allowed:
            raise PackageRejected(
                _("The file “%(name)s” has a type that H5P does not allow (.%(extension)s).")
                % {"name": name, "extension": _extension(name) or "?"}
            )
        if head == "content":
            content_files.append((name, rest))
        else:
            library_files.setdefault(head, []).append((name, rest))
    for folder in library_files:
        if f"{folder}/library.json" not in names:
            raise PackageRejected(
                _("The folder “%(folder)s” has no library.json: it is not an H5P library.") % {"folder": folder}
            )

    json_names = {"h5p.json", "content/content.json"} | {f"{folder}/library.json" for folder in library_files}
    total, json_files = _read_all(archive, files, json_names)

    metadata = _parse_json(json_files["h5p.json"], where="h5p.json")
    _parse_json(json_files["content/content.json"], where="content/content.json",
                max_depth=MAX_CONTENT_DEPTH)
    title = metadata.get("title")
    main = metadata.get("mainLibrary")
    if not isinstance(main, str) or not main:
        raise PackageRejected(_("h5p.json does not name its mainLibrary."))
    if "preloadedDependencies" not in metadata:
        raise PackageRejected(_("h5p.json has no preloadedDependencies."))
    dependencies = _library_refs(metadata["preloadedDependencies"], where="h5p.json")
    main_ref = next((ref for ref in dependencies if ref.machine_name == main), None)
    if main_ref is None:
        raise PackageRejected(_("The main library %(library)s is not in h5p.json's preloadedDependencies.") % {"library": main})

    libraries: list[PackageLibrary] = []
    for folder, folder_files in sorted(library_files.items()):
        where = f"{folder}/library.json"
        library_json = _parse_json(json_files[where], where=where)
        name = library_json.get("machineName")
        major, minor, patch = (_as_int(library_json.get(key)) for key in ("majorVersion", "minorVersion", "patchVersion"))
        if not isinstance(name, str) or not MACHINE_NAME.match(name) or None in (major, minor, patch):
            raise PackageRejected(
                _("%(file)s needs a machineName, majorVersion, minorVersion and patchVersion.") % {"file": where}
            )
        ref = LibraryRef(name, major, minor)
        if folder not in (name, ref.folder_name):
            raise PackageRejected(
                _("The folder “%(folder)s” holds the library %(library)s; it must be called “%(expected)s”.")
                % {"folder": folder, "library": ref, "expected": ref.folder_name}
            )
        if any(existing.ref == ref for existing in libraries):
            raise PackageRejected(_("The library %(library)s is in the package twice.") % {"library": ref})
        inside = {rest for _name, rest in folder_files}
        for key in ("preloadedJs", "preloadedCss"):
            entries = library_json.get(key) or []
            if not isinstance(entries, list):
                raise PackageRejected(_("%(key)s in %(file)s is not a list.") % {"key": key, "file": where})
            for entry in entries:
                path = entry.get("path") if isinstance(entry, dict) else None
                if not isinstance(path, str) or path not in inside:
                    raise PackageRejected(
                        _("%(file)s lists the file “%(path)s”, which is not in the library.")
                        % {"file": where, "path": path}
                    )
        libraries.append(PackageLibrary(
            ref=ref, patch=patch, title=str(library_json.get("title", ""))[:255],
            metadata=library_json, files=folder_files,
        ))

    # Every library the content and its libraries load must be in the file or installed already.
    provided = {library.ref for library in libraries}
    needed: list[LibraryRef] = list(dependencies)
    for library in libraries:
        needed += _library_refs(library.metadata.get("preloadedDependencies"), where=f"{library.ref.folder_name}/library.json")
    checked: set[LibraryRef] = set()
    for ref in needed:
        if ref in provided or ref in checked:
            continue
        if not _installed(ref):
            raise PackageRejected(
                _("The package needs the library %(library)s, which is neither inside the file nor installed.")
                % {"library": ref}
            )
        checked.add(ref)

    return ValidatedPackage(
        title=(title if isinstance(title, str) and title.strip() else main)[:255],
        main_library=main_ref, metadata=metadata, dependencies=dependencies,
        content_files=content_files, libraries=libraries, total_bytes=total, file_count=len(files),
    )
