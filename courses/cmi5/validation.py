"""Checks a cmi5 course zip completely before anything is stored, and describes its AUs.

The zip goes through H5P's defences (courses.h5p.validation: names, links, duplicates, file count,
sizes, zip bombs). cmi5.xml is parsed by defusedxml with DTDs and entities refused, at most
MAX_XML_BYTES and MAX_DEPTH levels deep. Every AU's url must be a file inside the zip: the cmi5
specification allows AUs on other sites, Sangkat refuses them (docs/decisions.md, "cmi5").
The first problem raises PackageRejected with one message naming it.
"""

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

# The zip defences every uploaded package goes through (H5P, SCORM and cmi5 alike).
from courses.h5p.validation import PackageRejected, checked_members, max_bytes, read_members

COURSE_XML = "cmi5.xml"
MAX_XML_BYTES = 512 * 1024
MAX_DEPTH = 32
MAX_AUS = 50
MOVE_ON = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")
LAUNCH_METHODS = ("AnyWindow", "OwnWindow")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]{1,1990}$")

__all__ = ["PackageRejected", "ValidatedCourse", "validate_package"]


@dataclass
class ValidatedCourse:
    title: str
    course_id: str
    aus: list[dict]  # [{"id", "title", "url", "moveOn", "masteryScore", "launchMethod", "launchParameters"}]
    files: list[str] = field(default_factory=list)
    total_bytes: int = 0


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element, name: str):
    return next((child for child in element if _local(child.tag) == name), None)


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _langstring(element, language: str = "") -> str:
    """The text of a <title> or <description>: its langstring in `language`, else its first one."""
    if element is None:
        return ""
    strings = [child for child in element if _local(child.tag) == "langstring"]
    for child in strings:
        if language and (child.get("lang") or "").lower().startswith(language):
            return _text(child)
    return _text(strings[0]) if strings else _text(element)


def _parse(data: bytes):
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise PackageRejected(
            _("cmi5.xml declares a DTD or entities. Sangkat refuses them (they can read files or blow up "
              "memory); export the course again without them.")
        ) from None
    except SafeET.ParseError as error:
        raise PackageRejected(_("cmi5.xml is not well-formed XML (%(error)s).") % {"error": error}) from None
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PackageRejected(_("cmi5.xml nests elements more than %(depth)s levels deep.") % {"depth": MAX_DEPTH})
        stack.extend((child, depth + 1) for child in element)
    if _local(root.tag) != "courseStructure":
        raise PackageRejected(_("cmi5.xml does not start with a <courseStructure> element."))
    return root


def _au_url(url: str, title: str, names: set[str]) -> str:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("/") or "\\" in url:
        raise PackageRejected(
            _("The AU “%(au)s” is on another site (%(url)s). Sangkat plays only AUs inside the course "
              "zip: put its files in the package and give a relative url.") % {"au": title, "url": url[:200]}
        )
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path or path == ".." or path.startswith("../"):
        raise PackageRejected(_("The url of the AU “%(au)s” points outside the package.") % {"au": title})
    if path not in names:
        raise PackageRejected(
            _("The AU “%(au)s” starts with the file “%(path)s”, which is not in the package.")
            % {"au": title, "path": path[:200]}
        )
    return path + (f"?{parts.query}" if parts.query else "")


def _score(value: str, title: str) -> float | None:
    if not value:
        return None
    try:
        score = float(value)
    except ValueError:
        score = -1.0
    if not 0 <= score <= 1:
        raise PackageRejected(_("The masteryScore of the AU “%(au)s” must be a number from 0 to 1.") % {"au": title})
    return score


def describe(data: bytes, names: set[str]) -> tuple[str, str, list[dict]]:
    """(title, course id, AUs) from cmi5.xml; every AU url checked against the zip's file names."""
    root = _parse(data)
    course = _child(root, "course")
    course_id = course.get("id", "") if course is not None else ""
    if not _IRI.match(course_id):
        raise PackageRejected(_("cmi5.xml has no <course> with an id (an IRI)."))
    title = _langstring(_child(course, "title"))[:255]
    aus = []
    seen = set()
    for element in root.iter():
        if _local(element.tag) != "au":
            continue
        au_id = element.get("id", "")
        au_title = _langstring(_child(element, "title"))[:255] or au_id[:255]
        if not _IRI.match(au_id) or au_id in seen:
            raise PackageRejected(_("An AU has no id (an IRI), or the same id as another AU."))
        seen.add(au_id)
        move_on = element.get("moveOn", "NotApplicable")
        if move_on not in MOVE_ON:
            raise PackageRejected(
                _("The AU “%(au)s” has the moveOn “%(value)s”; cmi5 knows only %(allowed)s.")
                % {"au": au_title, "value": move_on[:50], "allowed": ", ".join(MOVE_ON)}
            )
        launch_method = element.get("launchMethod", "AnyWindow")
        if launch_method not in LAUNCH_METHODS:
            raise PackageRejected(_("The AU “%(au)s” has an unknown launchMethod.") % {"au": au_title})
        url = _text(_child(element, "url"))
        if not url:
            raise PackageRejected(_("The AU “%(au)s” has no url.") % {"au": au_title})
        aus.append({
            "id": au_id, "title": au_title, "url": _au_url(url, au_title, names), "moveOn": move_on,
            "masteryScore": _score(element.get("masteryScore", ""), au_title),
            "launchMethod": launch_method,
            "launchParameters": _text(_child(element, "launchParameters"))[:2000],
        })
        if len(aus) > MAX_AUS:
            raise PackageRejected(_("The course has more than %(count)d AUs.") % {"count": MAX_AUS})
    if not aus:
        raise PackageRejected(_("cmi5.xml has no AU: there is nothing to play."))
    return title or aus[0]["title"], course_id, aus


def validate_package(source) -> ValidatedCourse:
    """Validate a cmi5 course zip (a path or a seekable binary file); raises PackageRejected."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise PackageRejected(
            _("This is not a complete cmi5 course (a zip archive). It may be damaged or only partly downloaded.")
        ) from None
    with archive:
        files = checked_members(archive, max_bytes())
        names = {info.filename for info in files}
        info = next((info for info in files if info.filename == COURSE_XML), None)
        if info is None:
            raise PackageRejected(_("The package has no cmi5.xml at its top level."))
        if info.file_size > MAX_XML_BYTES:
            raise PackageRejected(_("cmi5.xml is bigger than %(size)s KB.") % {"size": MAX_XML_BYTES // 1024})
        total, kept = read_members(archive, files, {COURSE_XML})
    data = kept[COURSE_XML]
    if len(data) > MAX_XML_BYTES:
        raise PackageRejected(_("cmi5.xml is bigger than %(size)s KB.") % {"size": MAX_XML_BYTES // 1024})
    title, course_id, aus = describe(data, names)
    return ValidatedCourse(title=title, course_id=course_id, aus=aus, files=sorted(names), total_bytes=total)
