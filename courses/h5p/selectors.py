"""Reads for the H5P player: which activity a lesson block plays, and the stored files it may serve."""

import re
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.h5p.models import H5PLibrary, H5PLibraryUpgrade, H5PPackage
from courses.models import LessonPage

_LIBRARY_FOLDER = re.compile(r"^(?P<name>[\w.-]+)-(?P<major>\d+)\.(?P<minor>\d+)$")


@dataclass
class Activity:
    lesson: object  # courses.models.LessonPage
    block_id: str
    package: H5PPackage
    title: str


def activity_for_player(*, lesson_key: UUID, block_id: str, language: str) -> Activity | None:
    """The H5P block of a live lesson, from the lesson's translation in `language` when that one has
    it (a Khmer lesson plays its Khmer package), else from any translation that has it."""
    lessons = list(LessonPage.objects.live().filter(translation_key=lesson_key).select_related("locale"))
    lessons.sort(key=lambda lesson: lesson.locale.language_code != language)
    for lesson in lessons:
        activity = activity_in(lesson=lesson, block_id=block_id)
        if activity is not None:
            return activity
    return None


def may_view(*, request, lesson) -> bool:
    """Whether the visitor may see the lesson (Wagtail's page privacy: login, password, groups)."""
    return all(restriction.accept_request(request) for restriction in lesson.get_view_restrictions())


def activity_in(*, lesson, block_id: str) -> Activity | None:
    for block in lesson.body:
        if block.block_type == "h5p" and block.id == block_id:
            package = block.value.get("package")
            if package is None:
                return None
            return Activity(lesson=lesson, block_id=block_id, package=package,
                            title=block.value.get("title") or package.title)
    return None


def choosable_packages():
    """The packages an editor can put into a lesson: installed ones only."""
    return H5PPackage.objects.filter(status=H5PPackage.Status.READY)


def unavailable_message(*, package: H5PPackage) -> str | None:
    """What the player shows instead of a package that is not installed (None when it is)."""
    if package.is_ready:
        return None
    if package.status == H5PPackage.Status.FAILED:
        return _("This activity could not be installed. Please tell the course team.")
    return _("This activity is still being installed. Please come back in a few minutes.")


def player_options(*, package: H5PPackage, block_id: str) -> dict:
    """Options for h5p-standalone: paths to this package's files, no extra buttons (nothing to load)."""
    static = settings.STATIC_URL.rstrip("/")
    content = reverse("h5p_file_content", kwargs={"package_id": package.pk, "path": "h5p.json"}).rsplit("/", 1)[0]
    libraries = reverse("h5p_file_library", kwargs={"folder": "x-1.0", "path": "x"}).rsplit("/", 2)[0]
    return {
        "id": block_id,
        "h5pJsonPath": content,
        "contentJsonPath": f"{content}/content",
        "librariesPath": libraries,
        "frameJs": f"{static}/h5p-standalone/frame.bundle.js",
        "frameCss": f"{static}/h5p-standalone/styles/h5p.css",
        # Our player page is already a frame of its own: H5P needs no second iframe inside it.
        "embedType": "div",
        "frame": False, "copyright": False, "export": False, "embed": False, "icon": False, "fullScreen": False,
    }


def safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\\" not in path and all(part not in ("", ".", "..") for part in parts)


def content_file(*, package_id: int, path: str) -> str | None:
    """The storage name of a package's file (h5p.json or content/...), or None."""
    if not safe_relative(path) or not (path == "h5p.json" or path.startswith("content/")):
        return None
    folder = H5PPackage.objects.filter(pk=package_id).values_list("storage_path", flat=True).first()
    if not folder:
        return None
    name = f"{folder}/{path}"
    return name if default_storage.exists(name) else None


def library_file(*, folder: str, path: str, package_id: int | None = None) -> str | None:
    """The storage name of a file in an installed library, looked up by its player folder name (and,
    on a package's own origin, only among the libraries that package plays)."""
    match = _LIBRARY_FOLDER.match(folder)
    if not match or not safe_relative(path):
        return None
    libraries = H5PLibrary.objects.all() if package_id is None else H5PLibrary.objects.filter(packages__pk=package_id)
    storage_path = libraries.filter(
        machine_name=match["name"], major_version=int(match["major"]), minor_version=int(match["minor"])
    ).values_list("storage_path", flat=True).first()
    if not storage_path:
        return None
    name = f"{storage_path}/{path}"
    return name if default_storage.exists(name) else None


def _files_under(folder: str, limit: int) -> list[str]:
    """Paths (relative to `folder`) of every stored file below it, at most `limit` of them."""
    found: list[str] = []
    pending = [""]
    while pending and len(found) < limit:
        relative = pending.pop()
        try:
            directories, files = default_storage.listdir(f"{folder}/{relative}".rstrip("/"))
        except (FileNotFoundError, NotADirectoryError):
            continue
        found += [f"{relative}{name}" for name in sorted(files)]
        pending += [f"{relative}{name}/" for name in sorted(directories, reverse=True)]
    return found[:limit]


def package_file_urls(*, package: H5PPackage) -> list[str]:
    """The URLs of everything the player may load of a package: its content and the files of the
    libraries it plays (kept for offline use at the package's own origin)."""
    limit = settings.H5P_MAX_FILES
    urls = [reverse("h5p_file_content", kwargs={"package_id": package.pk, "path": path})
            for path in _files_under(package.storage_path, limit)
            if path == "h5p.json" or path.startswith("content/")] if package.storage_path else []
    for library in package.libraries.order_by("machine_name", "major_version", "minor_version"):
        urls += [reverse("h5p_file_library", kwargs={"folder": library.folder_name, "path": path})
                 for path in _files_under(library.storage_path, limit)]
    return urls


def libraries_for_admin():
    """Every installed library with how many packages play it and the newer patches waiting."""
    from django.db.models import Count, Prefetch

    waiting = H5PLibraryUpgrade.objects.select_related("offered_by", "offered_with").order_by("patch_version")
    return (H5PLibrary.objects.annotate(package_count=Count("packages"))
            .prefetch_related(Prefetch("upgrades", queryset=waiting)))


def library_upgrade(*, upgrade_id: int):
    """A waiting upgrade by id, or None."""
    return (H5PLibraryUpgrade.objects.select_related("library", "offered_by", "offered_with")
            .filter(pk=upgrade_id).first())


def packages_using(*, library: H5PLibrary) -> list[H5PPackage]:
    """The packages whose code changes when `library` does (it, or a library it loads, is theirs)."""
    return list(library.packages.select_related("uploaded_by").order_by("title", "pk"))


def upgrades_brought_with(*, package: H5PPackage) -> list:
    """The newer library versions this package brought that wait (it plays the installed ones)."""
    return list(H5PLibraryUpgrade.objects.filter(offered_with=package).select_related("library"))
