"""Reading a site's GeoJSON: validation with clear messages, and projection to a local metre grid."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms.jsonchecks import UntrustedJSONError, depth_exceeds, has_nul, loads_bounded

MAX_GEOJSON_BYTES = 2 * 1024 * 1024  # pasted or uploaded: a neighborhood, not a province
MAX_SIZE_M = 1024
MAX_FEATURES = 5000
MAX_VERTICES = 100_000
MAX_BUILDING_HEIGHT_M = 60
MARGIN_M = 4
WGS84, LOCAL = "wgs84", "local"

_POLYGONS = {"Polygon", "MultiPolygon"}
_LINES = {"LineString", "MultiLineString"}
_POINTS = {"Point", "MultiPoint"}
# The geometry types each kind may use.
KINDS = {
    "building": _POLYGONS, "grass": _POLYGONS, "plaza": _POLYGONS,
    "road": _LINES | _POLYGONS, "path": _LINES | _POLYGONS, "water": _LINES | _POLYGONS,
    "wall": _LINES | _POLYGONS, "tree": _POINTS, "bench": _POINTS, "light": _POINTS, "sign": _POINTS,
}
DEFAULT_WIDTH_M = {"road": 6, "path": 2, "water": 2, "wall": 1}
KIND_LABELS = {
    "building": _("building"), "grass": _("grass"), "plaza": _("plaza"), "road": _("road"),
    "path": _("path"), "water": _("water"), "wall": _("wall"), "tree": _("tree"), "bench": _("bench"),
    "light": _("street light"), "sign": _("sign"),
}


@dataclass
class Feature:
    kind: str
    # Parts in grid metres (x east, z south, origin at the plan's north-west corner):
    # points: [[(x, z)]]; lines: one ring per line; polygons: rings (first outer, then holes).
    parts: list[list[list[tuple[float, float]]]]
    geometry: str  # "point", "line" or "polygon"
    height: int = 0
    width: float = 0
    name: str = ""
    name_km: str = ""


@dataclass
class SitePlan:
    width: int
    depth: int
    features: list[Feature] = field(default_factory=list)


def _err(message, **params):
    return ValidationError(message, params=params or None)


def load(text_or_data) -> dict:
    if isinstance(text_or_data, dict):
        data = text_or_data
    else:
        try:
            data = loads_bounded(text_or_data, max_bytes=MAX_GEOJSON_BYTES)
        except (TypeError, UntrustedJSONError):
            raise ValidationError(_("This is not valid GeoJSON: the text is not JSON.")) from None
    if depth_exceeds(data):  # a dict from a form's JSON field was parsed without a bound
        raise ValidationError(
            _("This is not valid GeoJSON: it nests lists and objects too deeply."))
    if not isinstance(data, dict):
        raise ValidationError(_("GeoJSON must be a FeatureCollection."))
    if has_nul(data):  # PostgreSQL cannot store \u0000 in JSON
        raise ValidationError(_("This is not valid GeoJSON: it contains a NUL character (\\u0000)."))
    return data


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _positions(geometry_type: str, coords, n: int):
    """The coordinate parts of a geometry: list (per part) of list (per ring/line) of positions."""
    def position(p):
        if not isinstance(p, list | tuple) or len(p) < 2 or not all(_number(v) for v in p[:2]):
            raise _err(_("Feature %(n)s has a coordinate that is not a pair of numbers."), n=n)
        return (float(p[0]), float(p[1]))

    def ring(r, minimum):
        if not isinstance(r, list) or len(r) < minimum:
            raise _err(_("Feature %(n)s has a line or ring with too few points."), n=n)
        return [position(p) for p in r]

    def items(value):
        if not isinstance(value, list):
            raise _err(_("Feature %(n)s has coordinates that are not a list."), n=n)
        return value

    if geometry_type == "Point":
        return [[[position(coords)]]]
    if geometry_type in ("MultiPoint", "MultiLineString", "Polygon", "MultiPolygon"):
        coords = items(coords or [])
    if geometry_type == "MultiPoint":
        return [[[position(p)]] for p in coords or []]
    if geometry_type == "LineString":
        return [[ring(coords, 2)]]
    if geometry_type == "MultiLineString":
        return [[ring(line, 2)] for line in coords or []]
    if geometry_type == "Polygon":
        return [[ring(r, 4) for r in coords or []]]
    if geometry_type == "MultiPolygon":
        return [[ring(r, 4) for r in items(poly or [])] for poly in coords]
    raise _err(_("Feature %(n)s has an unknown geometry type."), n=n)


def parse(text_or_data, *, crs: str) -> SitePlan:
    """Validate GeoJSON and return the plan in a local metre grid. Raises ValidationError with
    every problem found, each message saying which feature (counted from 1) and what to fix."""
    data = load(text_or_data)
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ValidationError(_("GeoJSON must be a FeatureCollection with a list of features."))
    raw = data["features"]
    if not raw:
        raise ValidationError(_("The site has no features: draw at least one."))
    if len(raw) > MAX_FEATURES:
        raise ValidationError(_("Too many features (at most %(max)s)."), params={"max": MAX_FEATURES})
    errors, parsed, vertices = [], [], 0
    for n, feature in enumerate(raw, start=1):
        try:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise _err(_("Feature %(n)s is not a GeoJSON Feature."), n=n)
            props = feature.get("properties") or {}
            geometry = feature.get("geometry") or {}
            if not isinstance(props, dict) or not isinstance(geometry, dict):
                raise _err(_("Feature %(n)s has broken properties or geometry."), n=n)
            kind = props.get("kind")
            if not isinstance(kind, str) or kind not in KINDS:
                raise _err(_("Feature %(n)s: unknown kind “%(kind)s”. Use one of: %(kinds)s."),
                           n=n, kind=str(kind)[:40], kinds=", ".join(sorted(KINDS)))
            gtype = geometry.get("type")
            if not isinstance(gtype, str) or gtype not in KINDS[kind]:
                raise _err(_("Feature %(n)s: a %(kind)s cannot be a %(type)s."), n=n, kind=kind, type=str(gtype)[:40])
            parts = _positions(gtype, geometry.get("coordinates"), n)
            if not parts:
                raise _err(_("Feature %(n)s has no coordinates."), n=n)
            height = 0
            if kind == "building" or (kind == "wall" and "height" in props):
                height = props.get("height")
                if not _number(height) or not 1 <= height <= MAX_BUILDING_HEIGHT_M:
                    raise _err(_("Feature %(n)s: a %(kind)s needs a height between 1 and %(max)s metres."),
                               n=n, kind=kind, max=MAX_BUILDING_HEIGHT_M)
            width = props.get("width", DEFAULT_WIDTH_M.get(kind, 0))
            if not _number(width) or not 0 <= width <= 60:
                raise _err(_("Feature %(n)s: the width must be between 0 and 60 metres."), n=n)
            if kind == "sign" and not props.get("name"):
                raise _err(_("Feature %(n)s: a sign needs a name."), n=n)
            vertices += sum(len(r) for part in parts for r in part)
            geometry_kind = "point" if gtype in _POINTS else "line" if gtype in _LINES else "polygon"
            parsed.append(Feature(kind=kind, parts=parts, geometry=geometry_kind, height=round(height or 0),
                                  width=float(width), name=str(props.get("name") or "")[:60],
                                  name_km=str(props.get("name_km") or "")[:60]))
        except ValidationError as exc:
            errors.append(exc)
        if len(errors) >= 10:
            break
    if vertices > MAX_VERTICES:
        errors.append(_err(_("Too many points in the drawing (at most %(max)s)."), max=MAX_VERTICES))
    if errors:
        raise ValidationError(errors)
    return _project(parsed, crs)


def _project(features: list[Feature], crs: str) -> SitePlan:
    coords = [p for f in features for part in f.parts for r in part for p in r]
    if crs == WGS84:
        if not all(-180 <= x <= 180 and -85 <= y <= 85 for x, y in coords):
            raise ValidationError(_("WGS84 coordinates must be longitude between -180 and 180 and "
                                    "latitude between -85 and 85 (longitude first)."))
        lon0 = sum(x for x, _y in coords) / len(coords)
        lat0 = sum(y for _x, y in coords) / len(coords)
        # An equirectangular projection around the centroid: under 0.1% error over a kilometre.
        kx = 111_320 * math.cos(math.radians(lat0))
        ky = 110_540

        def to_m(p):
            return ((p[0] - lon0) * kx, (p[1] - lat0) * ky)
    elif crs == LOCAL:
        if not all(abs(x) <= 100_000 and abs(y) <= 100_000 for x, y in coords):
            raise ValidationError(_("Local coordinates must be metres within 100 km of the origin."))

        def to_m(p):
            return p
    else:
        raise ValidationError(_("Unknown coordinate system."))
    metres = [to_m(p) for p in coords]
    min_x, max_x = min(x for x, _y in metres), max(x for x, _y in metres)
    min_y, max_y = min(y for _x, y in metres), max(y for _x, y in metres)
    width = math.ceil(max_x - min_x) + 2 * MARGIN_M
    depth = math.ceil(max_y - min_y) + 2 * MARGIN_M
    if width > MAX_SIZE_M or depth > MAX_SIZE_M:
        raise ValidationError(
            _("The site is %(w)s × %(d)s metres; at most %(max)s × %(max)s metres fit in one world."),
            params={"w": width, "d": depth, "max": MAX_SIZE_M})
    for f in features:
        f.parts = [[[(to_m(p)[0] - min_x + MARGIN_M, max_y - to_m(p)[1] + MARGIN_M) for p in r] for r in part]
                   for part in f.parts]
    return SitePlan(width=width, depth=depth, features=features)
