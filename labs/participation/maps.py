"""Map points and a server-rendered fallback plan (SVG) for when tiles or JS do not load."""

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from labs.participation.selectors import proposals_for


def proposal_points(user, *, limit: int = 500) -> list[dict]:
    qs = proposals_for(user).filter(latitude__isnull=False).order_by("-id")[:limit]
    return [{"lat": float(p.latitude), "lon": float(p.longitude), "title": p.title, "id": p.pk,
             "url": reverse("participation:proposal", args=[p.pk])} for p in qs.select_related(None).only("id", "title", "latitude", "longitude")]


def plan_svg(points: list[dict], unsafe: list[dict], *, width: int = 600, height: int = 400) -> str:
    """An equirectangular plan of the points, scaled to their bounding box; no tiles needed."""
    every = points + unsafe
    if every:
        lats = [p["lat"] for p in every]
        lons = [p["lon"] for p in every]
    else:
        lats = lons = []
    c_lat, c_lon = settings.MAP_CENTER
    min_lat, max_lat = (min(lats), max(lats)) if lats else (c_lat - 0.01, c_lat + 0.01)
    min_lon, max_lon = (min(lons), max(lons)) if lons else (c_lon - 0.01, c_lon + 0.01)
    pad_lat, pad_lon = max((max_lat - min_lat) * 0.1, 0.002), max((max_lon - min_lon) * 0.1, 0.002)
    min_lat, max_lat, min_lon, max_lon = min_lat - pad_lat, max_lat + pad_lat, min_lon - pad_lon, max_lon + pad_lon

    def xy(p):
        x = (p["lon"] - min_lon) / (max_lon - min_lon) * width
        y = (max_lat - p["lat"]) / (max_lat - min_lat) * height
        return x, y

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Plan"><rect width="{width}" height="{height}" fill="#eef3ee"/>']
    for p in unsafe:
        x, y = xy(p)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="14" fill="#c83c3c" fill-opacity="0.35">'
                   f'<title>{escape(p["place"])} ({p["score"]})</title></circle>')
    for p in points:
        x, y = xy(p)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#1f5fa8"><title>{escape(p["title"])}</title></circle>')
    out.append("</svg>")
    return "".join(out)
