"""Dates inside messages written for someone else (notifications): formatted in the reader's language."""

from datetime import date, datetime

from django.utils import formats, timezone


class LocalDate:
    """A date or moment that becomes text only when the message is written, so `notify()` (which
    writes each notification in its reader's language) shows "៣ ខែ ធ្នូ ឆ្នាំ ២០២៦"-style words in
    Khmer and "3 December 2026" in English, never a raw "2026-12-03"."""

    def __init__(self, value: date | datetime, *, with_time: bool = False):
        self.value, self.with_time = value, with_time

    def __str__(self) -> str:
        value = self.value
        if isinstance(value, datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
        if self.with_time:
            return formats.date_format(value, "DATETIME_FORMAT")
        return formats.date_format(value.date() if isinstance(value, datetime) else value, "DATE_FORMAT")

    def __repr__(self) -> str:
        return f"LocalDate({self.value!r})"
