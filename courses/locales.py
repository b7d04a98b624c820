"""Pages by translation key in the visitor's language, and the active language's Locale id remembered
per process (courses.receivers clears it when a Locale is saved or deleted). Re-exported by courses.selectors."""

from collections.abc import Iterable
from uuid import UUID

from django.utils.translation import get_language
from wagtail.models import Locale, Page

_locale_ids: dict[str, int] = {}


def active_locale_id() -> int | None:
    """The active language's Locale id, remembered per process (Locale rows almost never change;
    courses.receivers clears this when one is saved or deleted)."""
    language = get_language() or "en"
    if language not in _locale_ids:
        try:
            _locale_ids[language] = Locale.get_active().pk
        except Locale.DoesNotExist:
            return None
    return _locale_ids[language]


def forget_locales(**_kwargs) -> None:
    _locale_ids.clear()


def localized_by_key(model, keys: Iterable[UUID]) -> dict[UUID, Page]:
    """The live page for each translation key, in the active language when it exists."""
    keys = set(keys)
    if not keys:
        return {}
    active = active_locale_id()
    chosen: dict[UUID, Page] = {}
    for page in model.objects.live().filter(translation_key__in=keys).select_related("locale"):
        current = chosen.get(page.translation_key)
        if current is None or page.locale_id == active:
            chosen[page.translation_key] = page
    return chosen
