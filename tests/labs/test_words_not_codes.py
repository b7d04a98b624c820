"""Pages say words in the reader's language, not codes: categories, Her City factors, center names on
the dashboard charts, Khmer weekdays, times and dates, the badge issuer and picture."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cms.models import Notification
from labs import services as lab_services
from labs.participation import services as participation
from tests.factories import CenterFactory, UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db

ENGLISH_WEEKDAYS = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_accountability_page_names_categories_in_words(client, learner):
    participation.submit_proposal(author=learner, title="Drains overflow", body="Every rain the lane floods.",
                                  category="water_flooding")
    participation.submit_proposal(author=learner, title="Lamps by the school", body="The path is dark.",
                                  category="safety")
    english = client.get("/en/participate/accountability/").content.decode()
    khmer = client.get("/km/participate/accountability/").content.decode()
    for code in ("water_flooding", "safety"):
        assert f"<td>{code}</td>" not in english and f"<td>{code}</td>" not in khmer
    from labs.participation.models import Category

    with translation.override("en"):
        assert f"<td>{Category.WATER_FLOODING.label}</td>" in english
    with translation.override("km"):
        assert f"<td>{Category('water_flooding').label}</td>" in khmer
        assert str(Category("water_flooding").label) != "Water and flooding"


def test_the_her_city_chart_picture_names_factors_not_keys(center, facilitator, learner, monkeypatch):
    from PIL import ImageDraw

    from labs.hercity import services as hercity
    from labs.hercity.models import FACTOR_KEYS, FACTORS
    from tests.participation.test_hercity import make_workshop

    workshop = make_workshop(center, facilitator)
    hercity.record_scores(user=learner, workshop=workshop, scores={k: 2 for k in FACTOR_KEYS}, place="Gate")
    written = []
    real_text = ImageDraw.ImageDraw.text
    monkeypatch.setattr(ImageDraw.ImageDraw, "text",
                        lambda self, xy, text, *a, **kw: written.append(text) or real_text(self, xy, text, *a, **kw))
    drawn = {}
    for language in ("en", "km"):
        written.clear()
        with translation.override(language):
            hercity.chart_png(workshop)
            labels = [str(label) for _key, label in FACTORS]
        assert not set(FACTOR_KEYS) & set(written), written
        assert set(labels) <= set(written), (language, written)
        drawn[language] = labels
    assert drawn["km"] != drawn["en"]  # a Khmer font is installed here (fonts-khmeros)


def test_the_dashboard_charts_show_each_centers_whole_name(client, staff):
    north = CenterFactory(name="Stung Meanchey Smart Neighborhood Center – North",
                          name_km="មជ្ឈមណ្ឌលសង្កាត់ឆ្លាតវៃ ស្ទឹងមានជ័យ – ខាងជើង")
    south = CenterFactory(name="Stung Meanchey Smart Neighborhood Center – South",
                          name_km="មជ្ឈមណ្ឌលសង្កាត់ឆ្លាតវៃ ស្ទឹងមានជ័យ – ខាងត្បូង")
    client.force_login(staff)
    for language, names in (("en", [north.name, south.name]), ("km", [north.name_km, south.name_km])):
        page = client.get(f"/{language}/centers/dashboard/").content.decode()
        charts = page[page.index('<div class="charts">'):]
        for name in names:
            # Each chart (four of them) labels the bar with the whole name, which wraps in CSS.
            assert charts.count(f'<span class="bar-label">{name}</span>') == 4, name
        assert "…art Neighborhood Center" not in charts


def test_khmer_session_pages_show_khmer_weekdays(client, center):
    session = make_session(center, starts_in=timedelta(days=1))
    page = client.get("/km/sessions/").content.decode()
    assert session.title in page
    with translation.override("km"):
        from django.utils.dateformat import format as date_format

        weekday = date_format(timezone.localtime(session.starts_at), "l")
    assert weekday in page and not weekday.isascii()
    assert not ENGLISH_WEEKDAYS.search(page)


def test_khmer_notifications_say_how_long_ago_in_khmer(client):
    person = UserFactory(preferred_language="km")
    Notification.objects.create(user=person, kind="test", title="សួស្តី", body="")
    client.force_login(person)
    page = client.get("/km/notifications/").content.decode().replace("\xa0", " ")  # |timesince's spaces
    assert "0 minutes" not in page and "0 នាទី" in page


def test_notifications_write_dates_in_words_in_each_readers_language(center):
    khmer, english = UserFactory(preferred_language="km"), UserFactory(preferred_language="en")
    session = make_session(center, starts_in=timedelta(days=3))
    for person in (khmer, english):
        lab_services.register(user=person, session=session)
    km_note = Notification.objects.get(user=khmer, kind="session-registered")
    en_note = Notification.objects.get(user=english, kind="session-registered")
    assert not ISO_DATE.search(km_note.body) and not ISO_DATE.search(en_note.body)
    local = timezone.localtime(session.starts_at)
    with translation.override("km"):
        from django.utils.dateformat import format as date_format

        assert date_format(local, "F") in km_note.body and center.name_km in km_note.body
    assert local.strftime("%b") in en_note.body and center.name in en_note.body


def test_a_khmer_page_shows_the_badge_issuer_and_picture_in_khmer(client, settings):
    from games import openbadges
    from games.services import issue_badge

    settings.SANGKAT_PUBLIC_URL = "https://sangkat.example"
    award = issue_badge(user=UserFactory(email="dara@example.org"), slug="digital-city-ambassador")
    with translation.override("km"):
        page = client.get("/km/badges/verify/", {"url": openbadges.assertion_url(award)})
        issuer_km = translation.gettext(openbadges.ISSUER_NAME)
    text = page.content.decode()
    assert issuer_km != openbadges.ISSUER_NAME and issuer_km in text
    assert "/openbadges/badges/digital-city-ambassador/image.png?lang=km" in text
    english = client.get("/openbadges/badges/digital-city-ambassador/image.png").content
    khmer = client.get("/openbadges/badges/digital-city-ambassador/image.png?lang=km").content
    assert khmer != english and khmer.startswith(b"\x89PNG")
    # The hosted badge class keeps one canonical (English) picture and issuer name.
    assert openbadges.issuer_profile()["name"] == openbadges.ISSUER_NAME
