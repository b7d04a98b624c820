"""Open Badges 2.0: the hosted issuer, badge classes and assertions, baked badge pictures and the
public page where anyone checks a badge."""

import hashlib
import importlib
import io
import json
import socket
import struct
import zlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from cms.phones import normalize_phone
from games import badge_art, openbadges
from games.models import BadgeAward
from games.services import hash_identity, issue_badge, revoke_badge
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


def _brute_force(recipient: dict, candidates) -> str | None:
    """What anyone can do with a public assertion: hash every candidate with its public salt."""
    target = recipient["identity"].removeprefix("sha256$")
    salt = recipient["salt"].encode()
    for candidate in candidates:
        if hashlib.sha256(candidate.encode() + salt).hexdigest() == target:
            return candidate
    return None


def _phone_numbers_around(phone: str, count: int):
    """`count` Cambodian numbers sharing the operator prefix of `phone`, the real one among them."""
    start = int(phone[-6:]) // count * count
    return (f"{phone[:-6]}{n:06d}" for n in range(start, start + count))


def test_a_person_with_only_a_phone_is_not_findable_from_her_badge(client, award, phone):
    data = _ld(client.get(f"/openbadges/assertions/{award.uid}"))
    assert data["type"] == "Assertion"
    assert data["id"] == f"{PUBLIC}/openbadges/assertions/{award.uid}"
    assert data["badge"] == f"{PUBLIC}/openbadges/badges/{SLUG}"
    assert data["verification"] == {"type": "hosted"}
    assert data["issuedOn"].endswith("Z")
    assert "expires" not in data and "revoked" not in data
    recipient = data["recipient"]
    assert recipient["type"] == "url" and recipient["hashed"] is True
    assert len(recipient["salt"]) == 32
    # Before: type "telephone", and 100,000 guesses around her number found it (10^6 took 0.2 s);
    # /people/<pk> fell to the first few thousand guesses.
    assert _brute_force(recipient, _phone_numbers_around(phone, 100_000)) is None
    assert _brute_force(recipient, (f"{PUBLIC}/people/{pk}" for pk in range(1, 5000))) is None
    # What it hashes is her private link: random, not built from her number or her account.
    link = award.recipient_link
    assert _brute_force(recipient, [link]) == link
    token = link.removeprefix(f"{PUBLIC}/openbadges/recipients/")
    assert token != link and len(token) >= 32
    assert phone[-6:] not in link and f"/{award.user.pk}" not in link.removeprefix(PUBLIC)
    assert phone not in json.dumps(data) and link not in json.dumps(data)


def test_the_brute_force_above_does_find_a_salted_phone_number(phone):
    """The attack the test above survives is real: it finds a phone hashed the old way."""
    salt = "0123456789abcdef"
    old_style = {"identity": "sha256$" + hashlib.sha256((phone + salt).encode()).hexdigest(), "salt": salt}
    assert _brute_force(old_style, _phone_numbers_around(phone, 100_000)) == phone


def test_each_badge_gets_its_own_private_link_that_opens_nothing(client, award):
    other = issue_badge(user=award.user, slug="first-steps")
    assert other.recipient_type == "url" and award.recipient_type == "url"
    assert other.recipient_link != award.recipient_link
    path = award.recipient_link.removeprefix(PUBLIC)
    assert client.get(path, follow=True).status_code == 404


def test_the_private_link_is_shown_to_its_owner_and_proves_the_badge_is_hers(client, award):
    client.force_login(award.user)
    trophies = client.get("/en/trophies/").content.decode()
    assert award.recipient_link in trophies and "Prove this badge is yours" in trophies
    page = client.get(VERIFY, {"url": str(award.uid), "recipient": award.recipient_link})
    assert page.context["recipient_match"] is True
    assert "Yes: this badge was given to the email or private link you typed." in page.content.decode()
    stranger = client.get(VERIFY, {"url": str(award.uid), "recipient": "012 345 678"})
    assert stranger.context["recipient_match"] is False


def test_a_person_with_an_email_gets_it_rather_than_her_phone(db, phone):
    award = issue_badge(user=UserFactory(phone=phone, email=" Dara@Example.org"), slug=SLUG)
    assert award.recipient_type == "email" and award.recipient_link == ""
    assert award.recipient_hash == hash_identity("dara@example.org", award.salt)


@pytest.mark.parametrize(("kind", "says"), [
    ("telephone", "does not keep the number secret"),
    ("email", "anyone who already knows or guesses the address can check it"),
    ("url", "reveals nothing about who she or he is"),
])
def test_the_verify_page_says_what_the_fingerprint_protects(client, award, kind, says):
    BadgeAward.objects.filter(pk=award.pk).update(recipient_type=kind)
    page = client.get(VERIFY, {"url": str(award.uid)})
    assert says in page.content.decode()
    assert "kept private: only its salted fingerprint is published" not in page.content.decode()


def test_the_verify_page_says_plainly_what_a_hashed_phone_number_does_not_protect(client, db):
    text = client.get(VERIFY).content.decode()
    assert "a salted fingerprint of a phone number does not keep it private" in text
    khmer = client.get("/km/badges/verify/").content.decode()
    assert 'id="about-phone-numbers"' in khmer


def test_badges_issued_to_a_phone_or_an_account_number_are_issued_again(db, phone):
    migration = importlib.import_module("games.migrations.0004_badge_recipients_reveal_nothing")
    by_phone = issue_badge(user=UserFactory(phone=phone), slug=SLUG)
    by_pk = issue_badge(user=UserFactory(email="sok@example.org"), slug=SLUG)
    by_email = issue_badge(user=UserFactory(email="dara@example.org"), slug=SLUG)
    BadgeAward.objects.filter(pk=by_phone.pk).update(
        recipient_type="telephone", salt="s1", recipient_hash=hash_identity(phone, "s1"), recipient_link="")
    BadgeAward.objects.filter(pk=by_pk.pk).update(
        recipient_type="url", salt="s2", recipient_link="",
        recipient_hash=hash_identity(f"{PUBLIC}/people/{by_pk.user.pk}", "s2"))
    before_email = BadgeAward.objects.values().get(pk=by_email.pk)

    migration.reissue_revealing_recipients(django_apps, None)

    by_phone.refresh_from_db()
    by_pk.refresh_from_db()
    assert by_phone.recipient_type == "url" and by_phone.salt != "s1"
    assert by_phone.recipient_hash == hash_identity(by_phone.recipient_link, by_phone.salt)
    assert by_phone.recipient_link.startswith(f"{PUBLIC}/openbadges/recipients/")
    assert by_pk.recipient_type == "email" and by_pk.recipient_link == ""
    assert by_pk.recipient_hash == hash_identity("sok@example.org", by_pk.salt)
    assert BadgeAward.objects.values().get(pk=by_email.pk) == before_email


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

    page = _upload(client, data, recipient=award.recipient_link)
    assert page.status_code == 200
    assert page.context["result"].status == "valid"
    text = page.content.decode()
    assert "Valid" in text and "Digital City Ambassador" in text
    assert award.recipient_hash in text and award.salt in text
    assert "Yes: this badge was given to the email or private link you typed." in text

    wrong = _upload(client, data, recipient="+855 97 765 4321")
    assert "No: this badge was not given to the email or private link you typed." in wrong.content.decode()


def test_baking_twice_keeps_one_openbadges_chunk(award):
    once = openbadges.bake(badge_art.badge_png(award.badge), {"id": "first"})
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
    # Each of these read "valid" before:
    lambda a: a.update(verify={"type": "hosted", "url": "https://evil.example/a.json"}),
    lambda a: a.update(verification={"type": "signed", "creator": "https://evil.example/key"}),
    lambda a: a.update(verification={"type": "hosted", "url": "https://evil.example/a.json"}),
    lambda a: a.update(expires="2099-01-01T00:00:00Z"),
    lambda a: a.update(evidence="https://evil.example/my-great-work"),
    lambda a: a.update(narrative="Top of her class"),
    lambda a: a.update(image="https://evil.example/other-badge.png"),
    lambda a: a.update(badge=dict(openbadges.badge_class(BadgeAward.objects.get(uid=a["id"][-36:]).badge),
                                  name="Master of everything")),
    lambda a: a.update(badge={"id": a["badge"], "type": "BadgeClass", "name": "Master of everything"}),
    lambda a: a["recipient"].update(hashed=1),
    lambda a: a["recipient"].update(type="email"),
    lambda a: a.update(type="Assertion2"),
    lambda a: a.update({"@context": "https://evil.example/context"}),
    lambda a: a.update(revoked=False),
    lambda a: a.pop("verification"),
])
def test_edited_baked_assertion_checks_as_tampered(client, award, change):
    forged = openbadges.assertion(award)
    change(forged)
    page = _upload(client, openbadges.bake(badge_art.badge_png(award.badge), forged),
                   recipient=award.recipient_link)
    result = page.context["result"]
    assert result.status == "tampered"
    text = page.content.decode()
    assert "Changed after it was issued" in text and "Valid" not in text
    assert "differ" in text and result.changed
    assert page.context["recipient_match"] is None


def test_the_page_names_what_was_changed_and_shows_what_sangkat_holds(client, award):
    forged = dict(openbadges.assertion(award), expires="2099-01-01T00:00:00Z", evidence="https://evil.example")
    page = _upload(client, openbadges.bake(badge_art.badge_png(award.badge), forged))
    assert page.context["result"].changed == ("evidence", "expires")
    text = page.content.decode()
    assert "These parts of the copy differ: evidence, expires" in text
    assert "2099" not in text and "evil.example" not in text


def test_a_copy_that_embeds_the_badge_class_exactly_is_valid(client, award):
    copy = dict(openbadges.assertion(award), badge=openbadges.badge_class(award.badge),
                issuedOn=openbadges.iso_utc(award.issued_at).replace("Z", "+00:00"))
    page = _upload(client, openbadges.bake(badge_art.badge_png(award.badge), copy))
    assert page.context["result"].status == "valid"


def test_a_copy_from_before_a_renewal_is_not_valid(client, award):
    old_copy = _baked(client, award)
    issue_badge(user=award.user, slug=SLUG, expires_at=timezone.now() + timedelta(days=365))
    page = _upload(client, old_copy)
    assert page.context["result"].status == "tampered"
    assert page.context["result"].changed == ("expires",)
    assert "old copy from before Sangkat renewed or updated the badge" in page.content.decode()
    assert _upload(client, _baked(client, award)).context["result"].status == "valid"


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_badge_data_is_refused_with_a_clear_message(client, award, depth):
    forged = openbadges.assertion(award)
    text = json.dumps(forged)[:-1] + ',"evidence":' + "[" * depth + "]" * depth + "}"
    png = _plain_png()
    info_chunk = _png_chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + zlib.compress(text.encode()))
    page = _upload(client, png[:33] + info_chunk + png[33:])
    assert page.status_code == 400
    assert "The badge data inside this picture is damaged" in page.content.decode()
    assert page.context["result"] is None


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
    page = _upload(client, openbadges.bake(badge_art.badge_png(award.badge), foreign))
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
    response = _upload(client, openbadges.bake(badge_art.badge_png(award.badge), openbadges.assertion(award)))
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
