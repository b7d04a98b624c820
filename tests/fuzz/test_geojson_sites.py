"""Fuzzing co-design sites: any GeoJSON ends in a clean validation error or a valid site.

geo.parse raises only ValidationError (with messages) or returns a plan that fits one world;
services.create_site raises only CoDesignError and then leaves no Site row and no file behind.
"""

import copy
import json

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from games.minecraft import geo, services
from games.minecraft.models import Site
from tests.fuzz.strategies import (
    FUZZ,
    drop_path,
    hostile_text,
    json_paths,
    json_values,
    leaf_paths,
    set_path,
    weird_text,
)
from tests.minecraft.conftest import SAMPLE

SAMPLE_DATA = json.loads(SAMPLE.read_text())


def _feature(kind, geometry_type, coordinates, **properties):
    return {"type": "Feature", "properties": {"kind": kind, **properties},
            "geometry": {"type": geometry_type, "coordinates": coordinates}}


# A small site in local metres: cheap to render, so create_site can run many times.
SMALL = {"type": "FeatureCollection", "features": [
    _feature("building", "Polygon", [[[2, 2], [12, 2], [12, 10], [2, 10], [2, 2]]], height=6, name="School"),
    _feature("road", "LineString", [[0, 14], [30, 14]], width=4),
    _feature("grass", "MultiPolygon", [[[[15, 2], [25, 2], [25, 10], [15, 10], [15, 2]]]]),
    _feature("tree", "Point", [20, 6]),
    _feature("sign", "Point", [5, 12], name="Sangkat Square", name_km="ទីលានសង្កាត់"),
]}
crs_values = st.sampled_from([geo.WGS84, geo.LOCAL, "epsg:3857", ""])


def _parse_or_reject(data, crs):
    try:
        plan = geo.parse(data, crs=crs)
    except ValidationError as error:
        assert error.messages and all(str(message).strip() for message in error.messages)
        return
    assert 0 < plan.width <= geo.MAX_SIZE_M and 0 < plan.depth <= geo.MAX_SIZE_M
    assert plan.features


def _mutate(document, path, value, drop):
    return drop_path(document, path) if drop else set_path(document, path, value)


def test_the_unchanged_sites_are_valid():
    """The fuzzing below starts from valid sites, so mutations test the checks."""
    assert geo.parse(SAMPLE_DATA, crs=geo.WGS84).features
    assert len(geo.parse(SMALL, crs=geo.LOCAL).features) == 5


@FUZZ
@given(data=st.one_of(json_values, json_values.map(json.dumps), weird_text), crs=crs_values)
def test_random_json(data, crs):
    _parse_or_reject(data, crs)


@FUZZ
@given(path=json_paths, value=json_values, drop=st.booleans(), crs=crs_values)
def test_mutated_sample_site(path, value, drop, crs):
    _parse_or_reject(_mutate(copy.deepcopy(SAMPLE_DATA), path, value, drop), crs)


@FUZZ
@given(data=st.data(), number=st.one_of(st.floats(allow_nan=False), st.integers(-(2**70), 2**70),
                                        st.sampled_from([0, -0.0, 1e308, -1e308, 5e-324, 85.0000001])))
def test_numbers_at_the_edges(data, number):
    """Any coordinate, height or width of the small site set to an extreme number."""
    path = data.draw(st.sampled_from([p for p in leaf_paths(SMALL) if p[-1] != "kind" and p[-1] != "type"]))
    _parse_or_reject(set_path(SMALL, path, number), geo.LOCAL)
    _parse_or_reject(set_path(SMALL, path, number), geo.WGS84)


@FUZZ
@given(data=st.data(), value=st.one_of(json_values, hostile_text), drop=st.booleans(),
       name=st.one_of(weird_text, hostile_text))
@pytest.mark.django_db
def test_create_site_saves_a_valid_site_or_nothing(media, data, value, drop, name):
    if data.draw(st.booleans()):
        path = data.draw(st.sampled_from(leaf_paths(SMALL)))
    else:
        path = data.draw(json_paths)
    geojson = _mutate(copy.deepcopy(SMALL), path, value, drop)
    as_text = data.draw(st.booleans())
    before = (Site.objects.count(), sorted(p for p in media.rglob("*") if p.is_file()))
    try:
        site = services.create_site(user=None, name_en=name or "Corner", crs=geo.LOCAL,
                                    geojson=json.dumps(geojson) if as_text else geojson)
    except services.CoDesignError as error:
        assert str(error.message).strip()
        assert (Site.objects.count(), sorted(p for p in media.rglob("*") if p.is_file())) == before
        return
    site.refresh_from_db()
    assert site.preview and (media / site.preview.name).is_file()
    assert 0 < site.width_m <= geo.MAX_SIZE_M
