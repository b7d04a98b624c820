"""One coordinate parser (cms.coordinates) for proposals, calls and Her City: hostile map points
are a form error, never a 500 (issue 19)."""

from decimal import Decimal

import pytest

from cms.coordinates import LATITUDE, LONGITUDE, parse_coordinate
from labs.hercity import services as hercity
from labs.hercity.services import WorkshopError
from labs.participation import services
from labs.participation.services import ParticipationError
from tests.factories import CenterFactory

from .test_hercity import make_workshop


@pytest.mark.parametrize("value", ["nan", "NaN", "-inf", "Infinity", "1e400", "abc", "91", "-90.000001"])
def test_refuses_what_is_no_latitude(value):
    with pytest.raises(ValueError):
        parse_coordinate(value, LATITUDE)


def test_reads_a_point_to_six_places():
    assert parse_coordinate(None, LATITUDE) is None
    assert parse_coordinate("", LONGITUDE) is None
    assert parse_coordinate("103.5221234", LONGITUDE) == Decimal("103.522123")
    assert parse_coordinate(-180, LONGITUDE) == Decimal("-180")


@pytest.mark.django_db
def test_a_proposal_with_nan_for_a_map_point_is_refused(learner):
    with pytest.raises(ParticipationError, match="not a valid location"):
        services.submit_proposal(author=learner, title="Lamp", body="Dark street", category="safety",
                                 latitude="nan", longitude="103.5")


@pytest.mark.django_db
def test_a_her_city_workshop_with_nan_for_a_map_point_is_refused(facilitator):
    workshop = make_workshop(CenterFactory(), facilitator)
    with pytest.raises(WorkshopError, match="not a valid location"):
        hercity.create_workshop(facilitator=facilitator, session=workshop.session, site_name="Lane",
                                latitude="10.6", longitude="NaN")
