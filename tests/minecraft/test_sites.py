"""Sites from GeoJSON: clear messages for bad input, projection, the preview plan."""

import json

import pytest
from django.core.exceptions import ValidationError

from games.minecraft import geo, services
from games.minecraft.models import Site

from .conftest import SAMPLE


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(kind, geometry, **props):
    return {"type": "Feature", "properties": {"kind": kind, **props}, "geometry": geometry}


def _messages(data, crs="local"):
    with pytest.raises(ValidationError) as caught:
        geo.parse(data, crs=crs)
    return " ".join(caught.value.messages)


def test_the_sample_site_is_valid_and_fits():
    plan = geo.parse(SAMPLE.read_text(), crs="wgs84")
    assert 100 < plan.width < 200 and 80 < plan.depth < 160
    assert {f.kind for f in plan.features} >= {"road", "building", "tree", "bench", "light", "water", "grass"}


def test_wgs84_is_projected_to_metres():
    # Two points 0.001° of longitude apart at Sihanoukville's latitude are about 109 m apart.
    plan = geo.parse(_fc(_feature("road", {"type": "LineString",
                                           "coordinates": [[103.522, 10.6275], [103.523, 10.6275]]})), crs="wgs84")
    assert plan.width - 2 * geo.MARGIN_M == pytest.approx(110, abs=2)


@pytest.mark.parametrize(("data", "message"), [
    ("not json", "not JSON"),
    ({"type": "Feature"}, "FeatureCollection"),
    (_fc(), "no features"),
    (_fc(_feature("castle", {"type": "Point", "coordinates": [1, 1]})), "unknown kind “castle”"),
    (_fc(_feature("tree", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})),
     "a tree cannot be a Polygon"),
    (_fc(_feature("building", {"type": "Polygon", "coordinates": [[[0, 0], [9, 0], [9, 9], [0, 0]]]})),
     "needs a height between 1 and 60"),
    (_fc(_feature("road", {"type": "LineString", "coordinates": [[0, 0], ["a", 1]]})), "not a pair of numbers"),
    (_fc(_feature("road", {"type": "LineString", "coordinates": [[0, 0], [2000, 0]]})), "at most 1024 × 1024"),
])
def test_bad_geojson_gets_a_clear_message(data, message):
    assert message in _messages(data)


def test_wgs84_coordinates_out_of_range():
    data = _fc(_feature("tree", {"type": "Point", "coordinates": [10.6, 103.5]}))
    assert "latitude between -85 and 85" in _messages(data, crs="wgs84")


def test_create_site_renders_a_preview(db):
    site = services.create_site(user=None, name_en="Square", geojson=SAMPLE.read_text(), crs="wgs84")
    site.refresh_from_db()
    assert site.preview and site.width_m > 100
    with site.preview.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_bad_site_is_not_saved(db):
    with pytest.raises(services.CoDesignError, match="unknown kind"):
        services.create_site(user=None, name_en="Bad", crs="local",
                             geojson=json.dumps(_fc(_feature("castle", {"type": "Point", "coordinates": [1, 1]}))))
    assert not Site.objects.exists()


def test_a_heightmap_raises_the_ground(db):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from games.minecraft import volume

    gradient = Image.linear_gradient("L").resize((64, 64))  # black at the top (north), white at the bottom
    buffer = io.BytesIO()
    gradient.save(buffer, "PNG")
    site = services.create_site(user=None, name_en="Hill", crs="wgs84", geojson=SAMPLE.read_text(),
                                heightmap=SimpleUploadedFile("h.png", buffer.getvalue()), heightmap_max_m=6)
    vol = services.site_volume(site)
    assert vol.surface[0, 0] == volume.SURFACE_Y
    assert vol.surface[vol.depth - 1, 0] == volume.SURFACE_Y + 6
    assert vol.spawn[1] == int(vol.surface[vol.spawn[2], vol.spawn[0]]) + 1


def test_a_heightmap_that_is_not_an_image_is_refused(db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(services.CoDesignError, match="PNG or JPEG"):
        services.create_site(user=None, name_en="Hill", crs="wgs84", geojson=SAMPLE.read_text(),
                             heightmap=SimpleUploadedFile("h.png", b"<?php evil ?>"), heightmap_max_m=6)
    assert not Site.objects.exists()


@pytest.mark.parametrize("teams", [["Mango\x00"], ["Lo\x1etus", "Mango"]])
def test_team_names_with_control_characters_are_refused(sample_site, facilitator, teams):
    from games.minecraft.models import CoDesignSession

    with pytest.raises(services.CoDesignError, match="control characters"):
        services.create_session(facilitator=facilitator, title="Square", site=sample_site, team_names=teams)
    assert not CoDesignSession.objects.exists()
