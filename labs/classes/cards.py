"""Login cards as a printable page and as a PDF (WeasyPrint: Pango/HarfBuzz shape Khmer, fonts embedded)."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

# Soft colours for the avatar circles, picked by the learner's id: the same on every reprint.
_AVATAR_COLOURS = ("#0b6e4f", "#9a3412", "#1d4ed8", "#7c3aed", "#b45309", "#0f766e", "#be185d", "#4d7c0f")


@dataclass
class Card:
    nickname: str
    display_name: str
    username: str
    center: str
    class_name: str
    initial: str
    colour: str
    link: str
    qr_svg: str
    hint: str
    expires_at: object


def initial_of(nickname: str) -> str:
    """The first letter with its vowel signs and marks (Khmer clusters are one letter to the eye)."""
    text = (nickname or "?").strip() or "?"
    end = 1
    while end < len(text) and (unicodedata.category(text[end]).startswith("M") or text[end - 1] == "\u17d2"):
        end += 1
    return text[:end].upper()


def card_link(code: str, request) -> str:
    """The card's link without a language prefix: the learner's phone picks her own language."""
    path = reverse("classes:card_sign_in", args=[code])
    for language, _name in settings.LANGUAGES:
        if path.startswith(f"/{language}/"):
            path = path[len(language) + 1:]
            break
    return request.build_absolute_uri(path)


def qr_svg(link: str) -> str:
    import segno

    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=3, border=2, dark="#111", light="#fff",
                                     xmldecl=False, svgns=True, unit="mm", svgclass="qr")
    return buffer.getvalue().decode()


def build_cards(*, klass, printed, hint_for, request, expires_at=None) -> list[Card]:
    """One card per (membership, code) just issued; `hint_for(membership)` is the sign-in hint line."""
    center = klass.center.local_name
    cards = []
    for membership, code in printed:
        learner = membership.learner
        link = card_link(code, request)
        colour = _AVATAR_COLOURS[int(hashlib.sha256(str(learner.pk).encode()).hexdigest(), 16) % len(_AVATAR_COLOURS)]
        cards.append(Card(nickname=learner.nickname, display_name=learner.display_name, username=learner.username,
                          center=center, class_name=klass.name, initial=initial_of(learner.nickname),
                          colour=colour, link=link, qr_svg=mark_safe(qr_svg(link)), hint=hint_for(membership),
                          expires_at=expires_at))
    return cards


def cards_css() -> str:
    path = finders.find("classes/cards.css")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def render_pdf(*, context: dict, request) -> bytes:
    """The same cards as the printable page, as an A4 PDF with Khmer OS fonts embedded (fonts-khmeros)."""
    from weasyprint import CSS, HTML

    html = render_to_string("classes/cards_pdf.html", context, request=request)
    # Everything is inline (QR codes as SVG, the stylesheet as text): fetch nothing, inside or out.
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf(stylesheets=[CSS(string=cards_css())])


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"login cards load nothing from {url[:40]}")
