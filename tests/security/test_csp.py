"""Content-Security-Policy: strict on public pages, the H5P player's own, Wagtail's under /admin/."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from courses.h5p.services import install_package
from courses.h5p.views import PLAYER_CSP
from tests.factories import UserFactory
from tests.h5p.conftest import BLOCK_ID, good_package, lesson_with_activity

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


def test_a_public_page_forbids_scripts_from_elsewhere_and_inline(site):
    response = Client().get("/en/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["frame-ancestors"] == ["'self'"]
    # The admin calls no outside address (no "new Wagtail version" check from the city's server).
    assert policy["connect-src"] == ["'self'"] and b"releases.wagtail.org" not in response.content
    assert policy["object-src"] == ["'none'"]


def test_map_tiles_are_allowed_as_images(client, settings):
    response = client.get(reverse("login"))
    assert "https://tile.openstreetmap.org" in directives(response["Content-Security-Policy"])["img-src"]


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy forbids them: one would silently stop working in the browser."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    offenders = [
        str(path.relative_to(root)) for path in root.glob("*/**/templates/**/*.html")
        if ".venv" not in path.parts and "var" not in path.parts
        and (inline_script.search(text := path.read_text()) or handler.search(text))
    ]
    assert offenders == []


def test_the_h5p_player_keeps_its_own_policy(settings, tmp_path, site):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    package = install_package(source=io.BytesIO(good_package()))
    lesson = lesson_with_activity(site, package)
    url = reverse("h5p_play", kwargs={"lesson_key": lesson.translation_key, "block_id": BLOCK_ID})
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == PLAYER_CSP
    # The lesson page that frames the player may frame our own pages.
    lesson_policy = directives(Client().get(lesson.url)["Content-Security-Policy"])
    assert "'self'" in lesson_policy["frame-src"]


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/admin/images/", "/admin/users/"])
def test_the_wagtail_admin_loads_under_its_own_policy(client, site, path):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["script-src"]  # Wagtail's admin needs it; the public site does not
    assert policy["frame-ancestors"] == ["'self'"]


def test_the_page_editor_loads(client, site):
    client.force_login(UserFactory(is_superuser=True))
    page = site["course"]
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
