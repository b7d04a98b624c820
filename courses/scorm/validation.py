"""Checks a SCORM zip completely before anything is stored, and describes what to install.

The zip goes through the same defences as an H5P package (courses.h5p.validation.checked_members:
names, links, duplicates, file count, sizes, zip bombs). imsmanifest.xml is parsed by defusedxml
with DTDs refused (so no external entity and no entity expansion), at most MAX_MANIFEST_BYTES and
MAX_DEPTH levels deep. Every file a resource lists and every launch file must be in the zip, and
nothing may point outside it. The first problem raises PackageRejected with one message naming it.
"""

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from courses.h5p.validation import PackageRejected, checked_members, max_bytes, read_members

MANIFEST = "imsmanifest.xml"
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_ITEMS = 200
_IDENTIFIER = re.compile(r"^[^\s\x00-\x1f]{1,255}$")

__all__ = ["PackageRejected", "ValidatedScorm", "validate_package"]


@dataclass
class ValidatedScorm:
    title: str
    version: str  # "1.2" or "2004"
    items: list[dict]  # [{"identifier", "title", "href"}] in the organization's order
    unsupported: list[str]
    files: list[str] = field(default_factory=list)
    total_bytes: int = 0


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attr(element, name: str) -> str:
    for key, value in element.attrib.items():
        if _local(key).lower() == name.lower():
            return value
    return ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _title(element) -> str:
    return _text(_child(element, "title"))[:255]


def _parse_manifest(data: bytes):
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise PackageRejected(
            _("imsmanifest.xml declares a DTD or entities. Sangkat refuses them (they can read files or "
              "blow up memory); export the package again without them.")
        ) from None
    except SafeET.ParseError as error:
        raise PackageRejected(_("imsmanifest.xml is not well-formed XML (%(error)s).") % {"error": error}) from None
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PackageRejected(
                _("imsmanifest.xml nests elements more than %(depth)s levels deep.") % {"depth": MAX_DEPTH})
        stack.extend((child, depth + 1) for child in element)
    if _local(root.tag) != "manifest":
        raise PackageRejected(_("imsmanifest.xml does not start with a <manifest> element."))
    return root


def _version(root) -> str:
    metadata = _child(root, "metadata")
    schema_version = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    namespaces = " ".join(
        [root.tag] + [element.tag for element in root.iter()] + [key for element in root.iter() for key in element.attrib]
    )
    if schema_version == "1.2" or (not schema_version and "adlcp_rootv1p2" in namespaces):
        return "1.2"
    if "2004" in schema_version or schema_version == "CAM 1.3" or (not schema_version and "adlcp_v1p3" in namespaces):
        return "2004"
    raise PackageRejected(
        _("imsmanifest.xml does not say it is SCORM 1.2 or SCORM 2004 (its schemaversion is “%(version)s”).")
        % {"version": schema_version or "?"}
    )


def _inside(path: str, *, where: str) -> str:
    """A path relative to the package root, refused when it leaves the package or names a server."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or path.startswith("/") or "\\" in path:
        raise PackageRejected(
            _("%(where)s points outside the package (“%(path)s”). Every file must be inside the zip.")
            % {"where": where, "path": path[:200]}
        )
    normal = posixpath.normpath(parts.path) if parts.path else ""
    if normal == ".." or normal.startswith("../") or normal.startswith("/"):
        raise PackageRejected(
            _("%(where)s points outside the package (“%(path)s”). Every file must be inside the zip.")
            % {"where": where, "path": path[:200]}
        )
    return normal


def _flatten(item, items: list, depth: int = 0) -> None:
    for child in _children(item, "item"):
        items.append(child)
        _flatten(child, items, depth + 1)


def _unsupported(root, version: str) -> list[str]:
    notes = []
    names = {_local(element.tag) for element in root.iter()}
    organizations = _child(root, "organizations")
    if organizations is not None and len(_children(organizations, "organization")) > 1:
        notes.append(_("The package has several organizations: only the default one is played."))
    if version == "2004":
        rules = sorted(names & {"sequencingRules", "rollupRules", "limitConditions", "objectives",
                                "randomizationControls", "deliveryControls", "sequencingCollection",
                                "preConditionRule", "exitConditionRule", "postConditionRule"})
        if rules:
            notes.append(
                _("The manifest has SCORM 2004 sequencing rules (%(rules)s). Sangkat does not apply them: "
                  "learners move through the items in order with Next and Previous, or choose any item "
                  "from the list, and the package is done when every item is.") % {"rules": ", ".join(rules)}
            )
        for control in (element for element in root.iter() if _local(element.tag) == "controlMode"):
            if _attr(control, "choice") == "false" or _attr(control, "flow") == "false":
                notes.append(_("The manifest turns choice or flow navigation off; Sangkat always offers both."))
                break
    if "prerequisites" in names:
        notes.append(_("Prerequisites between items are not enforced: every item can be opened."))
    return notes


def validate_package(source) -> ValidatedScorm:
    """Validate a SCORM zip (a path or a seekable binary file); raises PackageRejected."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise PackageRejected(
            _("This is not a complete SCORM package (a zip archive). It may be damaged or only partly downloaded.")
        ) from None
    with archive:
        files = checked_members(archive, max_bytes())
        names = {info.filename for info in files}
        if MANIFEST not in names:
            raise PackageRejected(_("The package has no imsmanifest.xml at its top level."))
        manifest_info = next(info for info in files if info.filename == MANIFEST)
        if manifest_info.file_size > MAX_MANIFEST_BYTES:
            raise PackageRejected(_("imsmanifest.xml is bigger than %(size)s KB.") % {"size": MAX_MANIFEST_BYTES // 1024})
        total, kept = read_members(archive, files, {MANIFEST})
    data = kept[MANIFEST]
    if len(data) > MAX_MANIFEST_BYTES:
        raise PackageRejected(_("imsmanifest.xml is bigger than %(size)s KB.") % {"size": MAX_MANIFEST_BYTES // 1024})
    root = _parse_manifest(data)
    version = _version(root)

    # Resources: every file they list must be in the zip; their launch files too.
    resources_element = _child(root, "resources")
    if resources_element is None:
        raise PackageRejected(_("imsmanifest.xml has no <resources>."))
    base = _inside(_attr(root, "base"), where="xml:base") if _attr(root, "base") else ""
    base = posixpath.join(base, _inside(_attr(resources_element, "base"), where="xml:base")) \
        if _attr(resources_element, "base") else base
    resources = {}
    for resource in _children(resources_element, "resource"):
        identifier = _attr(resource, "identifier")
        own_base = posixpath.join(base, _inside(_attr(resource, "base"), where="xml:base")) \
            if _attr(resource, "base") else base
        for file_element in _children(resource, "file"):
            href = _attr(file_element, "href")
            where = _("The resource “%(resource)s”") % {"resource": identifier}
            path = posixpath.normpath(posixpath.join(own_base, _inside(href, where=where))) if href else ""
            if path and path not in names:
                raise PackageRejected(
                    _("The resource “%(resource)s” lists the file “%(path)s”, which is not in the package.")
                    % {"resource": identifier, "path": path}
                )
        resources[identifier] = (resource, own_base)

    organizations = _child(root, "organizations")
    organization_list = _children(organizations, "organization") if organizations is not None else []
    if not organization_list:
        raise PackageRejected(_("imsmanifest.xml has no <organization>: there is nothing to play."))
    default = _attr(organizations, "default")
    organization = next((org for org in organization_list if _attr(org, "identifier") == default), organization_list[0])
    flat: list = []
    _flatten(organization, flat)
    items = []
    for item in flat:
        reference = _attr(item, "identifierref")
        if not reference:
            continue  # a heading that groups items
        if reference not in resources:
            raise PackageRejected(
                _("The item “%(item)s” uses the resource “%(resource)s”, which the manifest does not have.")
                % {"item": _title(item) or _attr(item, "identifier"), "resource": reference}
            )
        resource, own_base = resources[reference]
        href = _attr(resource, "href")
        if not href:
            raise PackageRejected(
                _("The resource “%(resource)s” has no launch file (href).") % {"resource": reference})
        where = _("The launch file of “%(resource)s”") % {"resource": reference}
        launch = posixpath.normpath(posixpath.join(own_base, _inside(href, where=where)))
        if launch not in names:
            raise PackageRejected(
                _("The launch file “%(path)s” of “%(item)s” is not in the package.")
                % {"path": launch, "item": _title(item) or reference}
            )
        identifier = _attr(item, "identifier")
        if not _IDENTIFIER.match(identifier) or any(existing["identifier"] == identifier for existing in items):
            raise PackageRejected(_("An item has no identifier, or the same one as another item."))
        query = urlsplit(href).query
        parameters = _attr(item, "parameters").lstrip("?&")
        query = "&".join(part for part in (query, parameters) if part)
        items.append({"identifier": identifier, "title": _title(item) or identifier,
                      "href": launch + (f"?{query}" if query else "")})
        if len(items) > MAX_ITEMS:
            raise PackageRejected(_("The package has more than %(count)d items.") % {"count": MAX_ITEMS})
    if not items:
        raise PackageRejected(_("The organization has no item that launches anything."))
    title = _title(organization) or items[0]["title"]
    return ValidatedScorm(
        title=title, version=version, items=items, unsupported=_unsupported(root, version),
        files=sorted(names), total_bytes=total,
    )
