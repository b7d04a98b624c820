"""Roster files: encodings, formulas, size bounds, duplicates, Khmer names, all-or-nothing imports."""

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook

from labs.classes import services
from labs.classes.models import Membership
from labs.classes.rosters import RosterRefused, read_roster
from tests.factories import UserFactory

HEADER = "nickname,display name,age,gender,guardian phone\n"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "\n".join(lines) + "\n").encode(encoding)


def test_khmer_names_are_read_from_utf8_with_and_without_bom():
    text = HEADER + "សុភា,សុខ សុភា,12,ស្រី,012 345 678\n"
    for raw in (text.encode("utf-8"), text.encode("utf-8-sig")):
        (row,) = read_roster(name="class.csv", raw=raw)
        assert row.is_good, row.problems
        assert (row.nickname, row.display_name, row.age_band, row.gender, row.guardian_phone) == (
            "សុភា", "សុខ សុភា", "under13", "woman", "+85512345678")


def test_utf16_with_bom_is_read():
    rows = read_roster(name="class.csv", raw=csv_bytes("ដារា,,13-17,boy,", encoding="utf-16"))
    assert rows[0].nickname == "ដារា" and rows[0].is_good


def test_windows_1252_is_refused_with_a_clear_message():
    with pytest.raises(RosterRefused, match="not saved as UTF-8"):
        read_roster(name="class.csv", raw=csv_bytes("Renée,,30,,", encoding="cp1252"))


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)"])
def test_a_cell_that_a_spreadsheet_would_run_is_refused(cell):
    (row,) = read_roster(name="class.csv", raw=csv_bytes(f"{cell},,12,,"))
    assert not row.is_good
    assert "formula" in row.problems[0]


def test_a_guardian_phone_may_start_with_plus():
    (row,) = read_roster(name="class.csv", raw=csv_bytes("Dara,,12,,+855 12 345 678"))
    assert row.is_good and row.guardian_phone == "+85512345678"


def test_fifty_thousand_rows_are_refused_without_reading_them_all(settings):
    raw = csv_bytes(*[f"learner{n},,12,," for n in range(50_000)])
    settings.SANGKAT_CLASS_IMPORT_MAX_BYTES = len(raw) + 1  # the row bound, not the byte bound, answers
    with pytest.raises(RosterRefused, match="more than 200 learners"):
        read_roster(name="class.csv", raw=raw)


def test_a_file_past_the_byte_bound_is_refused(settings):
    settings.SANGKAT_CLASS_IMPORT_MAX_BYTES = 100
    with pytest.raises(RosterRefused, match="too big"):
        read_roster(name="class.csv", raw=csv_bytes(*[f"learner{n},,12,," for n in range(20)]))


def test_duplicate_nicknames_in_the_file_are_shown_on_the_second_line():
    rows = read_roster(name="class.csv", raw=csv_bytes("Dara,,12,,", "dara,,13,,"))
    assert rows[0].is_good
    assert rows[1].problems == ["The nickname “dara” is already on line 2 of this file."]


def test_one_message_per_bad_row_in_a_mixed_file():
    rows = read_roster(name="class.csv", raw=csv_bytes("Dara,,12,,", ",,12,,", "Vanna,,ninety,,", "Sok,,12,robot,"))
    assert [len(r.problems) for r in rows] == [0, 1, 1, 1]
    assert "nickname is missing" in rows[1].problems[0]
    assert "not an age" in rows[2].problems[0]
    assert "not woman, man" in rows[3].problems[0]


def test_a_file_without_the_needed_columns_is_refused():
    with pytest.raises(RosterRefused, match="nickname and age are needed"):
        read_roster(name="class.csv", raw=b"name,phone\nDara,012345678\n")


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_khmer_and_a_formula():
    raw = xlsx([["Nickname", "Age"], ["ស្រីនាង", 15], ["=1+1", 12]])
    rows = read_roster(name="class.xlsx", raw=raw)
    assert rows[0].is_good and rows[0].nickname == "ស្រីនាង" and rows[0].age_band == "13-17"
    assert "formula" in rows[1].problems[0]


def test_a_broken_xlsx_is_refused():
    with pytest.raises(RosterRefused, match="not a spreadsheet"):
        read_roster(name="class.xlsx", raw=b"PK\x03\x04not really a zip")


# --- importing into a class --------------------------------------------------------------------------


@pytest.fixture
def klass(facilitator, center):
    return services.create_class(by=facilitator, center=center, name="Saturday coders")


def test_nothing_is_created_when_a_row_is_refused(facilitator, klass):
    rows = read_roster(name="class.csv", raw=csv_bytes("Dara,,12,,", ",,12,,"))
    before = get_user_model().objects.count()
    with pytest.raises(services.ImportRefused):
        services.import_learners(by=facilitator, klass=klass, rows=rows)
    assert get_user_model().objects.count() == before
    assert not Membership.objects.exists()


def test_only_the_good_rows_when_the_facilitator_chooses_it(facilitator, klass, center):
    rows = read_roster(name="class.csv", raw=csv_bytes("ដារា,,12,ស្រី,", ",,12,,"))
    created = services.import_learners(by=facilitator, klass=klass, rows=rows, only_good=True)
    assert [u.nickname for u in created] == ["ដារា"]
    learner = created[0]
    assert learner.home_center == center and learner.age_band == "under13" and learner.gender == "woman"
    assert not learner.has_usable_password() and learner.must_change_password
    assert learner.groups.filter(name="learner").exists()
    assert not learner.guardian_consent  # a minor: consent is recorded by staff, not by an import


def test_duplicates_against_learners_of_the_center_are_refused(facilitator, klass, center):
    UserFactory(nickname="Dara", home_center=center)
    rows = services.check_against_center(klass=klass, rows=read_roster(name="c.csv", raw=csv_bytes("DARA,,12,,")))
    assert "already called “DARA”" in rows[0].problems[0]
    with pytest.raises(services.ImportRefused):
        services.import_learners(by=facilitator, klass=klass, rows=rows)


def test_a_row_refused_at_preview_cannot_be_created_by_replaying_it_as_good(facilitator, klass, center):
    """The import checks again: a preview's rows (kept in the session) are not trusted."""
    rows = read_roster(name="c.csv", raw=csv_bytes("Dara,,12,,"))
    UserFactory(nickname="Dara", home_center=center)  # appeared after the preview
    created = services.import_learners(by=facilitator, klass=klass, rows=rows, only_good=True)
    assert created == []


def test_a_facilitator_of_another_center_cannot_import(klass):
    from django.core.exceptions import PermissionDenied

    from tests.factories import CenterFactory

    other = UserFactory(roles=["facilitator"])
    CenterFactory().facilitators.add(other)
    rows = read_roster(name="c.csv", raw=csv_bytes("Dara,,12,,"))
    with pytest.raises(PermissionDenied):
        services.import_learners(by=other, klass=klass, rows=rows)
