"""Reading a class roster from a CSV or XLSX file: bounded, hostile-input safe, one message per bad row.

Nothing here writes to the database: `read_roster` turns the upload into rows with their problems,
`services.check_against_center` adds the duplicates against learners who already exist, and
`services.import_learners` creates accounts only from rows that passed both.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from cms.models import AgeBand, Gender
from cms.phones import normalize_phone
from cms.spreadsheets import FORMULA_STARTS

# Column names as facilitators write them (English and Khmer), to the field they fill.
COLUMNS = {
    "nickname": "nickname", "nick name": "nickname", "ឈ្មោះហៅក្រៅ": "nickname", "ឈ្មោះហៅ": "nickname",
    "display name": "display_name", "full name": "display_name", "name": "display_name",
    "ឈ្មោះពេញ": "display_name", "ឈ្មោះ": "display_name",
    "age band": "age_band", "age": "age_band", "អាយុ": "age_band", "ក្រុមអាយុ": "age_band",
    "gender": "gender", "sex": "gender", "ភេទ": "gender",
    "guardian phone": "guardian_phone", "guardian's phone": "guardian_phone", "parent phone": "guardian_phone",
    "phone": "guardian_phone", "លេខទូរស័ព្ទអាណាព្យាបាល": "guardian_phone", "ទូរស័ព្ទអាណាព្យាបាល": "guardian_phone",
}
REQUIRED = ("nickname", "age_band")

_GENDERS = {
    "": Gender.UNSAID, "woman": Gender.WOMAN, "girl": Gender.WOMAN, "f": Gender.WOMAN, "female": Gender.WOMAN,
    "ស្រី": Gender.WOMAN, "man": Gender.MAN, "boy": Gender.MAN, "m": Gender.MAN, "male": Gender.MAN,
    "ប្រុស": Gender.MAN, "another": Gender.ANOTHER, "other": Gender.ANOTHER, "ផ្សេង": Gender.ANOTHER,
    "ផ្សេងទៀត": Gender.ANOTHER,
}
# An XLSX is a zip: refuse any that would unpack past this (zip bombs), whatever its size on disk.
_MAX_UNPACKED_BYTES = 20 * 1024 * 1024
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


class RosterRefused(Exception):
    """The whole file is refused (too big, not a table, wrong encoding): nothing was read from it."""


@dataclass
class RosterRow:
    line: int
    nickname: str = ""
    display_name: str = ""
    age_band: str = ""
    gender: str = ""
    guardian_phone: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def is_good(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"line": self.line, "nickname": self.nickname, "display_name": self.display_name,
                "age_band": self.age_band, "gender": self.gender, "guardian_phone": self.guardian_phone,
                "problems": list(self.problems)}

    @classmethod
    def from_dict(cls, data: dict) -> RosterRow:
        return cls(**{key: data[key] for key in ("line", "nickname", "display_name", "age_band", "gender",
                                                   "guardian_phone")}, problems=list(data.get("problems", [])))


def age_band_from(raw: str) -> str | None:
    """An age band from its code ("13-17"), its label in either language, or an age in years."""
    text = raw.strip().translate(_KHMER_DIGITS)
    lowered = text.lower()
    for band in AgeBand:
        if lowered in (band.value.lower(), str(band.label).lower()):
            return band.value
    if text.isdigit() and len(text) <= 3:
        years = int(text)
        if years < 13:
            return AgeBand.UNDER_13
        if years < 18:
            return AgeBand.TEEN
        if years < 25:
            return AgeBand.YOUNG_ADULT
        if years < 60:
            return AgeBand.ADULT
        return AgeBand.SENIOR
    return None


def check_row(row: RosterRow) -> RosterRow:
    """Fill `row.problems` with one clear message per thing wrong; normalises the values it accepts."""
    texts = {"nickname": row.nickname, "display_name": row.display_name, "gender": row.gender,
             "age_band": row.age_band}
    for value in texts.values():
        if value[:1] in FORMULA_STARTS:
            row.problems.append(_("A cell starts with %(sign)s, which a spreadsheet would run as a formula. "
                                  "Remove it and upload again.") % {"sign": value[:1]})
            return row
    if row.guardian_phone[:1] in FORMULA_STARTS and row.guardian_phone[:1] != "+":
        row.problems.append(_("A cell starts with %(sign)s, which a spreadsheet would run as a formula. "
                              "Remove it and upload again.") % {"sign": row.guardian_phone[:1]})
        return row
    if not row.nickname:
        row.problems.append(_("The nickname is missing."))
    elif len(row.nickname) > 40:
        row.problems.append(_("The nickname is longer than 40 letters."))
    if len(row.display_name) > 100:
        row.problems.append(_("The full name is longer than 100 letters."))
    band = age_band_from(row.age_band)
    if band is None:
        row.problems.append(_("The age “%(value)s” is not an age or an age band (for example 12 or 13-17).")
                            % {"value": row.age_band[:20]})
    else:
        row.age_band = band
    gender = _GENDERS.get(row.gender.strip().lower())
    if gender is None:
        row.problems.append(_("The gender “%(value)s” is not woman, man, another or empty.") % {"value": row.gender[:20]})
    else:
        row.gender = gender
    if row.guardian_phone:
        phone = normalize_phone(row.guardian_phone)
        if phone is None:
            row.problems.append(_("The guardian's phone “%(value)s” is not a phone number.")
                                % {"value": row.guardian_phone[:20]})
        else:
            row.guardian_phone = phone
    return row


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM (Excel's "Unicode text"); nothing else, because
    Khmer survives no other encoding and guessing would print broken names on the cards."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise RosterRefused(_("This file is not saved as UTF-8, so Khmer names in it would be broken. In your "
                          "spreadsheet choose Save as → “CSV UTF-8”, then upload again."))


def _csv_rows(raw: bytes):
    text = _decode(raw)
    if "\x00" in text:
        raise RosterRefused(_("This file is not a table. Upload a CSV or XLSX file."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as error:
        raise RosterRefused(_("This file is not a table. Upload a CSV or XLSX file.")) from error


def _xlsx_rows(raw: bytes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_UNPACKED_BYTES:
                raise RosterRefused(_("This spreadsheet is too big. Upload at most %(rows)s learners.")
                                    % {"rows": settings.SANGKAT_CLASS_IMPORT_MAX_ROWS})
        # Read-only mode streams the rows (read_roster stops at its bounds); data_only=False keeps a
        # formula as its text, so it is refused rather than its cached value taken.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if value is None else str(value) for value in values[:20]]
        workbook.close()
    except RosterRefused:
        raise
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise RosterRefused(_("This file is not a spreadsheet we can read. Upload a CSV or XLSX file.")) from error


def read_roster(*, name: str, raw: bytes) -> list[RosterRow]:
    """The rows of an uploaded roster, each checked on its own. Raises RosterRefused for the whole file."""
    limit = settings.SANGKAT_CLASS_IMPORT_MAX_ROWS
    if len(raw) > settings.SANGKAT_CLASS_IMPORT_MAX_BYTES:
        raise RosterRefused(_("This file is too big. A roster holds at most %(rows)s learners.") % {"rows": limit})
    if not raw.strip():
        raise RosterRefused(_("This file is empty."))
    is_xlsx = raw[:4] == b"PK\x03\x04"
    if name.lower().endswith(".xlsx") and not is_xlsx:
        raise RosterRefused(_("This file is not a spreadsheet we can read. Upload a CSV or XLSX file."))
    lines = _xlsx_rows(raw) if is_xlsx else _csv_rows(raw)
    header = None
    for values in lines:
        if any(str(v).strip() for v in values):
            header = values
            break
    if header is None:
        raise RosterRefused(_("This file is empty."))
    columns = [COLUMNS.get(" ".join(str(h).strip().lower().replace("_", " ").split())) for h in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise RosterRefused(_("The first row must name the columns: nickname and age are needed (display name, "
                              "gender and guardian phone are optional)."))
    rows = []
    for number, values in enumerate(lines, start=2):
        if not any(str(v).strip() for v in values):
            if number > 10 * limit + 100:  # a sheet of a million empty rows: stop looking
                break
            continue
        if len(rows) >= limit:
            raise RosterRefused(_("This file has more than %(rows)s learners. Split it into smaller classes.")
                                % {"rows": limit})
        row = RosterRow(line=number)
        for column, value in zip(columns, values, strict=False):
            if column and not getattr(row, column):
                setattr(row, column, " ".join(str(value).split())[:200])
        rows.append(check_row(row))
    if not rows:
        raise RosterRefused(_("This file has no learners under its first row."))
    _mark_duplicates_in_file(rows)
    return rows


def _mark_duplicates_in_file(rows: list[RosterRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        key = row.nickname.casefold()
        if not key:
            continue
        if key in seen:
            row.problems.append(_("The nickname “%(nickname)s” is already on line %(line)s of this file.")
                                % {"nickname": row.nickname, "line": seen[key]})
        else:
            seen[key] = row.line
