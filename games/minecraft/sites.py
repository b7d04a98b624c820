"""Writes for Block by Block's sites: the plan, its heightmap, its preview (re-exported by games.minecraft.services)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from cms.images import ImageRefused, check_image

from . import capture as C
from . import geo, render, volume
from .errors import CoDesignError
from .models import (
    BlockCategory,
    Site,
)
from .volume import SiteVolume

# --- sites ----------------------------------------------------------------------------------

def site_volume(site: Site) -> SiteVolume:
    from PIL import Image

    plan = geo.parse(site.geojson, crs=site.crs)
    heightmap = None
    if site.heightmap:
        with site.heightmap.open("rb") as handle:
            heightmap = Image.open(handle)
            heightmap.load()
    return volume.build(plan, heightmap=heightmap, max_height=site.heightmap_max_m)


def _validate_heightmap(upload) -> None:
    try:
        check_image(upload, max_bytes=5 * 1024 * 1024, formats={"PNG", "JPEG"}, max_pixels=4096 * 4096)
    except ImageRefused as refused:
        if refused.reason == "too_big":
            raise CoDesignError(_("The heightmap is too big (at most 5 MB).")) from None
        raise CoDesignError(_("The heightmap must be a PNG or JPEG image.")) from None


def create_site(*, user, name_en: str, geojson, crs: str, name_km: str = "", description: str = "",
                heightmap=None, heightmap_max_m: int = 0) -> Site:
    """Validate the GeoJSON (and heightmap) before anything is written, then save and preview."""
    try:
        data = geo.load(geojson)
    except ValidationError as exc:
        raise CoDesignError(" ".join(exc.messages)) from None
    # Control characters cannot be stored (NUL) or drawn on the preview (the text layout fails).
    if has_control((name_en or "") + (name_km or "")) or has_control(description, allow="\r\n\t"):
        raise CoDesignError(_("The name or description contains control characters; retype it."))
    if heightmap is not None:
        _validate_heightmap(heightmap)
    site = Site(name_en=(name_en or "").strip(), name_km=(name_km or "").strip(), description=description,
                geojson=data, crs=crs, heightmap_max_m=heightmap_max_m, created_by=user)
    try:
        site.full_clean(exclude=["heightmap", "preview"])
    except ValidationError as exc:
        raise CoDesignError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from None
    with transaction.atomic():
        if heightmap is not None:
            site.heightmap.save(getattr(heightmap, "name", "heightmap.png").rsplit("/", 1)[-1], heightmap, save=False)
        site.save()
        render_site_preview(site=site)
    return site


def render_site_preview(*, site: Site) -> None:
    """The site's plan as a PNG, kept on the site for the admin and session pages."""
    vol = site_volume(site)
    image = render.plan(vol.blocks, categories(), title=site.name, width=vol.width, depth=vol.depth)
    Site.objects.filter(pk=site.pk).update(width_m=vol.width, depth_m=vol.depth)
    site.width_m, site.depth_m = vol.width, vol.depth
    site.preview.save(f"site-{site.pk}.png", ContentFile(render.png(image)), save=False)
    Site.objects.filter(pk=site.pk).update(preview=site.preview.name)


def categories() -> C.Categories:
    rules = list(BlockCategory.objects.values_list("pattern", "category"))
    return C.Categories(rules) if rules else C.DEFAULT_CATEGORIES


def has_control(text: str | None, allow: str = "") -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allow for c in text or "")
