"""Open Badges 2.0: the hosted issuer, badge classes and assertions, baked badge pictures and the
public page where anyone checks a badge."""

import hashlib
import io
import json
import socket
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from cms.phones import normalize_phone
from games import openbadges
from games.models import BadgeAward
from games.services import issue_badge, revoke_badge
from tests.factories import UserFactory

PUBLIC = "https://sangkat.example"
SLUG = "digital-city-ambassador"
VERIFY = "/en/badges/verify/"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.SANGKAT_PUBLIC_URL = PUBLIC


@pytest.fixture
def phone():
    return normalize_phone("012 345 678")


@pytest.fixture
def award(db, phone):
    return issue_badge(user=UserFactory(phone=phone), slug=SLUG)


def _ld(response):
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    return json.loads(response.content)


def _baked(client, award) -> bytes:
    response = client.get(f"/openbadges/assertions/{award.uid}/badge.png")
    assert response.status_code == 200
    return response.content


def _upload(client, data: bytes, name="badge.png", **extra):
    return client.post(VERIFY, {"badge": SimpleUploadedFile(name, data, content_type="image/png"), **extra})


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny file claiming to be a huge greyscale picture (a decompression bomb's calling card)."""
    return (openbadges.PNG_SIGNATURE
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _png_chunk(b"IEND", b""))


def _plain_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "#1f6f5c").save(out, format="PNG")
    return out.getvalue()


def _openbadges_chunks(data: bytes) -> int:
    return sum(1 for kind, body in openbadges._chunks(data)
               if kind in (b"iTXt", b"tEXt") and body.startswith(b"openbadges\x00"))


# --- hosted JSON-LD --------------------------------------------------------------------------


def test_issuer_profile(client, db):
    issuer = _ld(client.get("/openbadges/issuer"))
    assert issuer["@context"] == "https://w3id.org/openbadges/v2"
    assert issuer["type"] == "Issuer"
    assert issuer["id"] == f"{PUBLIC}/openbadges/issuer"
    assert issuer["name"] == "Sangkat — Sihanoukville Smart Neighborhood Centers"
    assert issuer["url"].startswith(PUBLIC)
    assert issuer["revocationList"] == f"{PUBLIC}/openbadges/revocations"


def test_badge_class_and_its_picture(client, db):
    badge = _ld(client.get(f"/openbadges/badges/{SLUG}"))
    assert badge["type"] == "BadgeClass"
    assert badge["id"] == f"{PUBLIC}/openbadges/badges/{SLUG}"
    assert badge["name"] == "Digital City Ambassador"
    assert badge["description"]
    assert badge["criteria"]["narrative"]
    assert badge["issuer"] == f"{PUBLIC}/openbadges/issuer"
    assert badge["image"] == f"{PUBLIC}/openbadges/badges/{SLUG}/image.png"

    picture = client.get(f"/openbadges/badges/{SLUG}/image.png")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(picture.content))
    assert image.format == "PNG" and image.size == (400, 400)
    # Not found (Django's LocaleMiddleware then offers the language-prefixed path: never a badge).
    assert client.get("/openbadges/badges/no-such-badge").status_code in (302, 404)


def test_assertion_publishes_only_the_salted_hash_of_the_phone(client, award, phone):
    data = _ld(client.get(f"/openbadges/assertions/{award.uid}"))
    assert data["type"] == "Assertion"
    assert data["id"] == f"{PUBLIC}/openbadges/assertions/{award.uid}"
    assert data["badge"] == f"{PUBLIC}/openbadges/badges/{SLUG}"
    assert data["verification"] == {"type": "hosted"}
    assert data["issuedOn"].endswith("Z")
    recipient = data["recipient"]
    assert recipient["type"] == "telephone" and recipient["hashed"] is True
    assert recipient["identity"] == "sha256$" + hashlib.sha256((phone + recipient["salt"]).encode()).hexdigest()
    assert phone not in json.dumps(data)
    assert "expires" not in data and "revoked" not in data


def test_an_expiring_award_says_when(award):
    later = timezone.now() + timedelta(days=365)
    renewed = issue_badge(user=award.user, slug=SLUG, expires_at=later)
    assert openbadges.assertion(renewed)["expires"] == openbadges.iso_utc(later)


# --- baking ----------------------------------------------------------------------------------


def test_baked_badge_round_trips_and_checks_as_valid_on_the_page(client, award):
    response = client.get(f"/openbadges/assertions/{award.uid}/badge.png")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}.png"'
    data = response.content
    assert Image.open(io.BytesIO(data)).size == (400, 400)
    assert _openbadges_chunks(data) == 1
    assert openbadges.unbake(data) == openbadges.assertion(award)

    page = _upload(client, data, recipient="012 345 678")
    assert page.status_code == 200
    assert page.context["result"].status == "valid"
    text = page.content.decode()
    assert "Valid" in text and "Digital City Ambassador" in text
    assert award.recipient_hash in text and award.salt in text
    assert "Yes: this badge was given to the phone number or email you typed." in text

    wrong = _upload(client, data, recipient="+855 97 765 4321")
    assert "No: this badge was not given to the phone number or email you typed." in wrong.content.decode()


def test_baking_twice_keeps_one_openbadges_chunk(award):
    once = openbadges.bake(openbadges.badge_png(award.badge), {"id": "first"})
    twice = openbadges.bake(once, openbadges.assertion(award))
    assert _openbadges_chunks(twice) == 1
    assert openbadges.unbake(twice)["id"] == openbadges.assertion_url(award)


def test_email_recipients_are_checked_case_insensitively(client, db):
    award = issue_badge(user=UserFactory(email="Dara@example.org"), slug=SLUG)
    page = client.get(VERIFY, {"url": str(award.uid), "recipient": "DARA@example.org"})
    assert page.context["result"].status == "valid"
    assert page.context["recipient_match"] is True


# --- revoked, expired, tampered, unknown --------------------------------------------------------


def test_revoked_badge_is_listed_and_checks_as_revoked(client, award):
    baked_before = _baked(client, award)
    revoke_badge(award=award, reason="Given by mistake")

    listing = _ld(client.get("/openbadges/revocations"))
    assert listing["type"] == "RevocationList"
    assert {"id": f"{PUBLIC}/openbadges/assertions/{award.uid}",
            "revocationReason": "Given by mistake"} in listing["revokedAssertions"]

    gone = client.get(f"/openbadges/assertions/{award.uid}")
    assert gone.status_code == 410
    body = _ld(gone)
    assert body["revoked"] is True and body["revocationReason"] == "Given by mistake"
    assert client.get(f"/openbadges/assertions/{award.uid}/badge.png").status_code == 410

    page = _upload(client, baked_before)
    assert page.context["result"].status == "revoked"
    text = page.content.decode()
    assert "Revoked" in text and "Given by mistake" in text

    by_link = client.get(VERIFY, {"url": f"{PUBLIC}/openbadges/assertions/{award.uid}"})
    assert by_link.context["result"].status == "revoked"


def test_expired_badge_checks_as_expired(client, award):
    issue_badge(user=award.user, slug=SLUG, expires_at=timezone.now() - timedelta(days=1))
    page = client.get(VERIFY, {"url": str(award.uid)})
    assert page.context["result"].status == "expired"
    assert "Expired" in page.content.decode()


@pytest.mark.parametrize("change", [
    lambda a: a["recipient"].update(identity="sha256$" + hashlib.sha256(b"+85599999999abc").hexdigest()),
    lambda a: a["recipient"].update(salt="0000"),
    lambda a: a.update(badge=f"{PUBLIC}/openbadges/badges/another-badge"),
    lambda a: a.update(issuedOn="2020-01-01T00:00:00Z"),
])
def test_edited_baked_assertion_checks_as_tampered(client, award, change):
    forged = openbadges.assertion(award)
    change(forged)
    page = _upload(client, openbadges.bake(openbadges.badge_png(award.badge), forged), recipient="012 345 678")
    result = page.context["result"]
    assert result.status == "tampered"
    text = page.content.decode()
    assert "Changed after it was issued" in text and "Valid" not in text
    assert page.context["recipient_match"] is None


def test_foreign_links_are_never_fetched(client, award, monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("verification must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    for link in (f"https://evil.example/openbadges/assertions/{award.uid}",
                 f"http://sangkat.example/openbadges/assertions/{award.uid}",
                 f"{PUBLIC}.evil.example/openbadges/assertions/{award.uid}",
                 "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"):
        page = client.get(VERIFY, {"url": link})
        assert page.status_code == 200
        assert page.context["result"].status == "unknown", link
        assert "Sangkat can only verify the badges it issued" in page.content.decode()

    foreign = dict(openbadges.assertion(award), id=f"https://evil.example/assertions/{award.uid}")
    page = _upload(client, openbadges.bake(openbadges.badge_png(award.badge), foreign))
    assert page.context["result"].status == "unknown"
    assert calls == []


def test_a_link_to_a_badge_we_never_issued_is_unknown(client, db):
    page = client.get(VERIFY, {"url": f"{PUBLIC}/openbadges/assertions/6f1c1c6e-2f65-4f44-9d1a-6b7a1d0c0001"})
    assert page.context["result"].status == "unknown"
    assert "Sangkat has no record of this badge" in page.content.decode()


# --- bad uploads -----------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    (b"GIF89a not a png at all", "This file is not a PNG picture"),
    (openbadges.PNG_SIGNATURE + b"\x00\x00\x00\x0dIHDRbroken", "This file is not a PNG picture"),
    (_png_header_only(20000, 20000), "This picture is too large to be a badge"),
    (_png_header_only(5000, 5000), "This picture is too large to be a badge"),
    (openbadges.PNG_SIGNATURE + b"\x00" * (openbadges.MAX_BAKED_BYTES + 10), "This picture is too large to be a badge"),
    (_plain_png(), "This picture has no badge inside it"),
])
def test_bad_uploads_get_one_clear_message_and_change_nothing(client, award, data, message):
    before = list(BadgeAward.objects.values())
    page = _upload(client, data)
    assert page.status_code == 400
    assert page.context["result"] is None
    text = page.content.decode()
    assert text.count(message) == 1
    assert "Valid" not in text
    assert list(BadgeAward.objects.values()) == before


def test_damaged_badge_data_is_reported(client, db):
    png = _plain_png()
    broken = png[:33] + _png_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00{not json") + png[33:]
    page = _upload(client, broken)
    assert page.status_code == 400
    assert "The badge data inside this picture is damaged" in page.content.decode()


def test_empty_form_asks_for_a_badge(client, db):
    page = client.post(VERIFY, {})
    assert page.status_code == 400
    assert "Upload a badge picture or paste its verification link." in page.content.decode()


def test_uploads_need_the_csrf_token(award):
    client = Client(enforce_csrf_checks=True)
    assert client.get(VERIFY).status_code == 200
    response = _upload(client, openbadges.bake(openbadges.badge_png(award.badge), openbadges.assertion(award)))
    assert response.status_code == 403


# --- the page itself -------------------------------------------------------------------------


def test_verify_page_is_public_and_in_khmer(client, award):
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    khmer = client.get("/km/badges/verify/")
    assert khmer.status_code == 200
    assert '<html lang="km">' in khmer.content.decode()
    checked = client.get("/km/badges/verify/", {"url": str(award.uid)})
    assert checked.context["result"].status == "valid"
