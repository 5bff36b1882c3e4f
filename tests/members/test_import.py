"""The member roll import (§4): every bad input of issue 3 with its exact error code, row as
Excel shows it and column key, and nothing written whenever there is an error."""

import datetime
import io
import json
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management import CommandError, call_command
from django.utils import timezone

from members import importing, services
from members.models import ImportStatus, Member, MemberImport, Movement, MovementKind
from unions.services import union_close

from .files import (
    BLANK,
    NO_VALUE,
    REQUIRED,
    Formula,
    Sheet,
    legacy_csv,
    make_csv,
    make_xlsx,
    make_zip_bomb,
    person,
    woman,
)

ROOT = Path(__file__).resolve().parents[2]
RESULT_KEYS = {"status", "rows", "created", "updated", "unchanged", "warnings", "errors"}
ISSUE_KEYS = {"sheet", "row", "column", "code", "message"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def import_file(cast, path, *, union=None, scope=None, dry_run=False, filename=None):
    """Upload and run an import through the services, as the screen and the API do; the §4
    JSON of the outcome."""
    with path.open("rb") as fh:
        batch = services.member_import_create(
            file=File(fh),
            filename=filename or path.name,
            federation=cast.fed,
            scope_path=(scope or cast.fed).path,
            union=union,
            dry_run=dry_run,
            by=cast.staff,
        )
    batch = services.member_import_run(batch_id=batch.pk)
    return services.import_result(batch)


def issues(items) -> list[tuple]:
    return [(i["code"], i["row"], i["column"]) for i in items]


def roll_state():
    """Everything an import may write: members (every field) and movements."""
    members = [tuple(m.values()) for m in Member.objects.order_by("pk").values()]
    movements = [tuple(m.values()) for m in Movement.objects.order_by("pk").values()]
    return members, movements


@pytest.fixture
def before(cast):
    return roll_state()


def assert_refused(result, before, *expected):
    """Exactly these errors, and nothing written."""
    assert result["status"] == "invalid"
    assert issues(result["errors"]) == list(expected)
    assert result["created"] == result["updated"] == result["unchanged"] == 0
    assert roll_state() == before


def admit(cast, union, **row) -> Member:
    data = {
        "full_name": "Nguyễn Văn An",
        "gender": "male",
        "date_of_birth": datetime.date(1985, 4, 3),
        "citizen_id": "066085000001",
        "joined_on": datetime.date(2010, 6, 1),
        **row,
    }
    return services.member_admit(union=union, by=cast.staff, **data)


# --- encodings and delimiters -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"], ids=["utf8", "utf8-bom", "utf16-bom"])
def test_csv_in_utf8_with_or_without_bom_and_utf16_with_bom_is_read(cast, tmp_path, encoding):
    path = make_csv(tmp_path / "roll.csv", [person(1), woman(2)], encoding=encoding)
    result = import_file(cast, path)
    assert (result["status"], result["rows"], result["created"], result["errors"]) == ("imported", 2, 2, [])
    names = set(Member.objects.values_list("full_name", "citizen_id"))
    assert names == {("Nguyễn Văn An", "066085000001"), ("Trần Thị Bình", "066190000002")}
    assert Movement.objects.filter(kind=MovementKind.ADMITTED).count() == 2


def test_utf16_tab_separated_text_from_excel_is_read(cast, tmp_path):
    path = make_csv(tmp_path / "roll.csv", [woman(1)], encoding="utf-16", delimiter="\t")
    result = import_file(cast, path)
    assert (result["status"], result["created"]) == ("imported", 1)
    assert Member.objects.get().full_name == "Trần Thị Bình"


@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni", "utf-16-without-bom", "utf-8-bom-then-cp1258"])
def test_csv_in_a_legacy_vietnamese_encoding_is_refused_not_guessed(cast, tmp_path, before, encoding):
    result = import_file(cast, legacy_csv(tmp_path / "roll.csv", encoding))
    assert_refused(result, before, ("unsupported_encoding", None, None))
    assert "CSV UTF-8" in result["errors"][0]["message"]


def test_semicolon_delimited_csv_with_commas_in_values(cast, tmp_path):
    address = "Số 12, đường Lê Duẩn, tổ 3, khối 5, phường Tân Lợi, Buôn Ma Thuột, Đắk Lắk, Việt Nam"
    rows = [person(i, job_title="Công nhân, tổ trưởng, ca 2", address=address) for i in range(1, 4)]
    path = make_csv(tmp_path / "roll.csv", rows, delimiter=";", encoding="utf-8-sig")
    result = import_file(cast, path)
    assert (result["status"], result["created"], result["errors"]) == ("imported", 3, [])
    member = Member.objects.get(citizen_id="066085000002")
    assert (member.address, member.job_title) == (address, "Công nhân, tổ trưởng, ca 2")


def test_semicolon_delimited_csv_reports_excel_row_numbers(cast, tmp_path, before):
    rows = [person(1), person(2, gender="Không rõ"), person(3)]
    path = make_csv(tmp_path / "roll.csv", rows, delimiter=";", title_rows=["DANH SÁCH ĐOÀN VIÊN"])
    assert_refused(import_file(cast, path), before, ("invalid_gender", 4, "gender"))


# --- names, text and spaces -------------------------------------------------------------------


def test_nfd_text_is_stored_nfc_and_matches_nfc(cast, tmp_path):
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    row = person(1, full_name=nfd("Nguyễn Thị Ánh Tuyết"), gender=nfd("Nữ"), ethnicity=nfd("Ê Đê"))
    row["citizen_id"] = "066185000001"
    headers = {key: nfd(text) for key, text in {"full_name": "Họ và tên", "ethnicity": "Dân tộc"}.items()}
    path = make_csv(tmp_path / "roll.csv", [row], headers=headers)
    assert import_file(cast, path)["created"] == 1
    member = Member.objects.get()
    assert (member.full_name, member.gender, member.ethnicity) == ("Nguyễn Thị Ánh Tuyết", "female", "Ê Đê")
    assert unicodedata.is_normalized("NFC", member.full_name)
    # The same person written in NFC is the same data: nothing to update.
    row.update(full_name="Nguyễn Thị Ánh Tuyết", gender="Nữ", ethnicity="Ê Đê")
    again = import_file(cast, make_csv(tmp_path / "nfc.csv", [row]))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_nbsp_and_stray_spaces_are_cleaned(cast, tmp_path):
    row = {
        "full_name": "\u00a0 Nguyễn  Văn\u00a0An ",
        "gender": " nam\u00a0",
        "date_of_birth": " 03/04/1985\u00a0",
        "citizen_id": "066\u00a0085 000 001",
        "joined_on": "\u00a001/06/2010 ",
        "union_code": " a\u00a0",
        "religion": "  Phật\u00a0 giáo ",
    }
    headers = {"full_name": "\u00a0Họ và  tên ", "gender": "Giới tính\u00a0"}
    path = make_csv(tmp_path / "roll.csv", [row], headers=headers)
    result = import_file(cast, path)
    assert (result["status"], result["errors"]) == ("imported", [])
    m = Member.objects.get()
    assert (m.full_name, m.gender, m.citizen_id, m.union, m.religion) == (
        "Nguyễn Văn An",
        "male",
        "066085000001",
        cast.a,
        "Phật giáo",
    )
    assert (m.date_of_birth, m.joined_on) == (datetime.date(1985, 4, 3), datetime.date(2010, 6, 1))


def test_script_in_a_name_is_refused(cast, tmp_path, before):
    rows = [person(1), person(2, full_name="<script>alert(1)</script>")]
    assert_refused(import_file(cast, make_csv(tmp_path / "r.csv", rows)), before, ("invalid_name", 3, "full_name"))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("full_name", '=HYPERLINK("http://x.example","An")'),
        ("full_name", "+Nguyễn Văn An"),
        ("religion", "-Phật giáo"),
        ("address", "@SUM(A1:A9)"),
        ("job_title", "=1+1"),
        ("union_position", "+Chủ tịch"),
        ("phone", "=0912345678"),
        ("phone", "-912345678"),
        ("email", "@an@example.vn"),
    ],
)
def test_text_that_starts_like_a_formula_is_refused(cast, tmp_path, before, column, value):
    path = make_csv(tmp_path / "roll.csv", [person(1), person(2, **{column: value})])
    assert_refused(import_file(cast, path), before, ("formula_not_allowed", 3, column))


def test_formula_looking_text_in_an_xlsx_cell_is_refused(cast, tmp_path, before):
    path = make_xlsx(tmp_path / "roll.xlsx", [person(1, address="=cmd|' /C calc'!A0")])
    assert_refused(import_file(cast, path), before, ("formula_not_allowed", 2, "address"))


# --- citizen IDs --------------------------------------------------------------------------------


def test_id_that_lost_its_leading_zero_is_padded_when_it_agrees(cast, tmp_path):
    # Excel turned 066085000001 into the number 66085000001 and 001190000002 into 1190000002.
    rows = [person(1, citizen_id=66085000001), woman(2, citizen_id=1190000002), person(3)]
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", rows))
    assert (result["status"], result["created"], result["errors"]) == ("imported", 3, [])
    assert issues(result["warnings"]) == [
        ("citizen_id_zero_padded", 2, "citizen_id"),
        ("citizen_id_zero_padded", 3, "citizen_id"),
    ]
    assert set(Member.objects.values_list("citizen_id", flat=True)) == {
        "066085000001",
        "001190000002",
        "066085000003",
    }


def test_id_as_text_that_lost_its_leading_zero_is_padded_too(cast, tmp_path):
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1, citizen_id="66085000001")]))
    assert (result["status"], issues(result["warnings"])) == ("imported", [("citizen_id_zero_padded", 2, "citizen_id")])
    assert Member.objects.get().citizen_id == "066085000001"


@pytest.mark.parametrize(
    "citizen_id",
    [66185000001, 99085000001, 66084000001, "6608500001"],
    ids=["padded-says-female", "padded-unknown-province", "padded-wrong-year", "two-zeros-lost-wrong"],
)
def test_id_that_lost_zeros_and_disagrees_once_padded_is_invalid(cast, tmp_path, before, citizen_id):
    path = make_xlsx(tmp_path / "roll.xlsx", [person(1, citizen_id=citizen_id)])
    result = import_file(cast, path)
    assert_refused(result, before, ("invalid_citizen_id", 2, "citizen_id"))
    assert result["warnings"] == []


@pytest.mark.parametrize("value", ["1.18501E+11", "6.6085E+10", "6,6085E+10"])
def test_id_in_scientific_notation_is_refused(cast, tmp_path, before, value):
    path = make_csv(tmp_path / "roll.csv", [person(1, citizen_id=value)])
    assert_refused(import_file(cast, path), before, ("invalid_citizen_id", 2, "citizen_id"))


def test_id_in_scientific_notation_as_text_in_xlsx_is_refused(cast, tmp_path, before):
    path = make_xlsx(tmp_path / "roll.xlsx", [person(1), person(2, citizen_id="1.18501E+11")])
    assert_refused(import_file(cast, path), before, ("invalid_citizen_id", 3, "citizen_id"))


def test_nine_digit_old_id_is_refused(cast, tmp_path, before):
    path = make_csv(tmp_path / "roll.csv", [person(1, citizen_id="241234567")])
    assert_refused(import_file(cast, path), before, ("invalid_citizen_id", 2, "citizen_id"))


@pytest.mark.parametrize("value", ["066 085 000 001", "066.085.000.001", " 066085\u00a0000001 ", "066.085.000.001."])
def test_id_with_spaces_or_dots_is_cleaned(cast, tmp_path, value):
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1, citizen_id=value)]))
    assert (result["status"], result["warnings"]) == ("imported", [])
    assert Member.objects.get().citizen_id == "066085000001"


@pytest.mark.parametrize(
    "row",
    [
        woman(1, citizen_id="066085000001", date_of_birth="03/04/1985"),  # a man's digit 0 for a woman
        person(1, citizen_id="066005000001", date_of_birth="01/01/2005", joined_on="02/01/2021"),  # 1900s for 2005
        person(1, citizen_id="066085000001", date_of_birth="03/04/1986"),  # '85 for 1986
    ],
    ids=["gender", "century", "birth-year"],
)
def test_id_contradicting_gender_century_or_birth_year(cast, tmp_path, before, row):
    path = make_csv(tmp_path / "roll.csv", [person(2), row])
    assert_refused(import_file(cast, path), before, ("citizen_id_mismatch", 3, "citizen_id"))


def test_man_born_in_the_2000s_has_digit_two(cast, tmp_path):
    row = person(1, citizen_id="066205000001", date_of_birth="01/01/2005", joined_on="02/01/2021")
    assert import_file(cast, make_csv(tmp_path / "roll.csv", [row]))["created"] == 1


@pytest.mark.parametrize("citizen_id", ["003085000001", "099085000001", "000085000001"])
def test_id_with_an_unknown_province_code_is_refused(cast, tmp_path, before, citizen_id):
    path = make_csv(tmp_path / "roll.csv", [person(1, citizen_id=citizen_id)])
    assert_refused(import_file(cast, path), before, ("invalid_citizen_id", 2, "citizen_id"))


def test_id_of_a_province_that_no_longer_exists_is_valid(cast, tmp_path):
    row = person(1, citizen_id="067085000001")  # Đắk Nông, merged into Lâm Đồng in 2025
    assert import_file(cast, make_csv(tmp_path / "roll.csv", [row]))["created"] == 1


def test_same_id_twice_in_the_file_names_both_rows(cast, tmp_path, before):
    rows = [person(1), person(2), person(3), person(1, full_name="Lê Văn Bảy")]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert_refused(result, before, ("duplicate_in_file", 2, "citizen_id"), ("duplicate_in_file", 5, "citizen_id"))
    assert all("2" in e["message"] and "5" in e["message"] for e in result["errors"])
    assert result["errors"][0]["message"] == "Số CCCD này trùng ở dòng 2 và dòng 5."


def test_same_id_written_differently_is_still_a_duplicate(cast, tmp_path, before):
    rows = [person(1), person(1, citizen_id="066 085 000 001")]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert_refused(result, before, ("duplicate_in_file", 2, "citizen_id"), ("duplicate_in_file", 3, "citizen_id"))


def test_id_active_in_another_union_is_refused(cast, tmp_path):
    admit(cast, cast.b, citizen_id="066085000002")
    before = roll_state()
    path = make_csv(tmp_path / "roll.csv", [person(1), person(2)])
    result = import_file(cast, path)
    assert_refused(result, before, ("member_in_other_union", 3, "citizen_id"))
    assert "B" in result["errors"][0]["message"]


def test_id_of_a_former_member_is_admitted_anew(cast, tmp_path):
    old = admit(cast, cast.b, citizen_id="066085000001")
    services.member_leave(member=old, on=datetime.date(2020, 1, 1), reason="resigned", by=cast.staff)
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1, joined_on="01/06/2021")]))
    assert (result["status"], result["created"]) == ("imported", 1)
    assert Member.objects.get(citizen_id="066085000001", status="active").union == cast.a


@pytest.mark.parametrize("citizen_id", ["0660850000011", "066085000001066085000001066085000001066085000001"])
def test_over_long_id_is_a_clean_error(cast, tmp_path, before, citizen_id):
    path = make_csv(tmp_path / "roll.csv", [person(1, citizen_id=citizen_id)])
    assert_refused(import_file(cast, path), before, ("invalid_citizen_id", 2, "citizen_id"))


def test_over_long_values_are_clean_errors_not_database_errors(cast, tmp_path, before):
    row = person(
        1,
        full_name="Nguyễn " + "Văn " * 60 + "An",
        email="a" * 250 + "@example.vn",
        phone="0912345678" * 3,
        ethnicity="Kinh" * 20,
    )
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [row]))
    assert_refused(
        result,
        before,
        ("invalid_name", 2, "full_name"),
        ("unknown_ethnicity", 2, "ethnicity"),
        ("invalid_phone", 2, "phone"),
        ("invalid_email", 2, "email"),
    )


def test_long_free_text_fits_the_database(cast, tmp_path):
    row = person(1, address="Thôn " * 100, job_title="Kỹ sư " * 80, religion="Phật giáo " * 20, member_code="M" * 40)
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [row]))
    assert (result["status"], result["created"]) == ("imported", 1)
    m = Member.objects.get()
    assert m.address.startswith("Thôn Thôn") and len(m.address) <= 255
    assert m.job_title.startswith("Kỹ sư") and len(m.job_title) <= 255
    assert (len(m.religion) <= 100, len(m.member_code)) == (True, 32)


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["03/04/1985", "3/4/1985", "1985-04-03", "03-04-1985", "03.04.1985", "31140", "1985-04-03 00:00:00"],
    ids=["dd/mm/yyyy", "d/m/yyyy", "iso", "dd-mm-yyyy", "dd.mm.yyyy", "serial-as-text", "iso-with-time"],
)
def test_date_forms_in_csv_are_read_day_first(cast, tmp_path, value):
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1, date_of_birth=value)]))
    assert (result["status"], result["errors"]) == ("imported", [])
    assert Member.objects.get().date_of_birth == datetime.date(1985, 4, 3)


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(1985, 4, 3),
        datetime.datetime(1985, 4, 3, 0, 0),  # noqa: DTZ001 (a cell with a date and a time of day)
        31140,
        31140.0,
        "03/04/1985",
        "1985-04-03",
    ],
    ids=["date-cell", "datetime-cell", "serial", "serial-float", "text-day-first", "text-iso"],
)
def test_date_forms_in_xlsx(cast, tmp_path, value):
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", [person(1, date_of_birth=value)]))
    assert (result["status"], result["errors"]) == ("imported", [])
    assert Member.objects.get().date_of_birth == datetime.date(1985, 4, 3)


@pytest.mark.parametrize(
    "value", ["04/13/1985", "1985", "03/04/85", "31/02/1985", "3 April 1985", "1985/13/03"], ids=str
)
def test_dates_that_are_not_day_first_dates_are_refused(cast, tmp_path, before, value):
    path = make_csv(tmp_path / "roll.csv", [person(1, date_of_birth=value)])
    assert_refused(import_file(cast, path), before, ("invalid_date", 2, "date_of_birth"))


def test_a_year_typed_as_a_number_is_not_a_serial_date(cast, tmp_path, before):
    path = make_xlsx(tmp_path / "roll.xlsx", [person(1, date_of_birth=1985)])
    assert_refused(import_file(cast, path), before, ("invalid_date", 2, "date_of_birth"))


def test_future_dates_are_refused(cast, tmp_path, before):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    path = make_csv(tmp_path / "roll.csv", [person(1), person(2, joined_on=tomorrow)])
    assert_refused(import_file(cast, path), before, ("date_in_future", 3, "joined_on"))


def test_future_birth_date_is_refused(cast, tmp_path, before):
    next_year = timezone.localdate().year + 1
    row = person(1, date_of_birth=f"01/01/{next_year}", citizen_id=f"066{2}{next_year % 100:02d}000001")
    path = make_csv(tmp_path / "roll.csv", [row])
    result = import_file(cast, path)
    assert ("date_in_future", 2, "date_of_birth") in issues(result["errors"])
    assert roll_state() == before


def test_member_under_15_at_joining_is_refused(cast, tmp_path, before):
    rows = [person(1, joined_on="03/04/2000"), person(2, joined_on="02/04/2000")]  # born 3 April 1985
    assert_refused(import_file(cast, make_csv(tmp_path / "roll.csv", rows)), before, ("too_young", 3, "joined_on"))


def test_joined_on_the_fifteenth_birthday_is_accepted(cast, tmp_path):
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1, joined_on="03/04/2000")]))
    assert (result["status"], result["created"]) == ("imported", 1)


# --- formulas ------------------------------------------------------------------------------------


def test_formula_cells_with_a_computed_value_count_by_value(cast, tmp_path):
    rows = [
        {"STT": Formula("=ROW()-6", i), **person(i, ethnicity=Formula('=PROPER("kinh")', "Kinh"))} for i in (1, 2, 3)
    ]
    titles = ("LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐẮK LẮK", "DANH SÁCH ĐOÀN VIÊN", "Đơn vị: Công đoàn Trường Tiểu học Hòa Phú")
    path = make_xlsx(tmp_path / "roll.xlsx", rows, title_rows=titles, first_row=2)
    result = import_file(cast, path)
    assert (result["status"], result["created"], result["errors"]) == ("imported", 3, [])
    assert issues(result["warnings"]) == [("ignored_column", 6, "STT")]
    assert result["warnings"][0]["sheet"] == "Danh sách"
    assert set(Member.objects.values_list("ethnicity", flat=True)) == {"Kinh"}


def test_formula_without_a_computed_value_is_refused(cast, tmp_path, before):
    # openpyxl writes formulas without their result, as any script does.
    book = openpyxl.Workbook()
    sheet = book.active
    keys = ["full_name", "gender", "date_of_birth", "citizen_id", "joined_on", "union_code"]
    sheet.append(keys)  # the English keys are accepted headers
    sheet.append(list(person(1).values()))
    sheet.append([*list(person(2).values())[:5], '=UPPER("a")'])
    sheet.append(['=CONCATENATE("Lê"," Văn Ba")', *list(person(3).values())[1:]])
    path = tmp_path / "roll.xlsx"
    book.save(path)
    result = import_file(cast, path)
    assert_refused(result, before, ("formula_not_allowed", 3, "union_code"), ("formula_not_allowed", 4, "full_name"))


def test_formula_without_a_value_is_found_in_a_roll_that_starts_at_column_c(cast, tmp_path, before):
    # An empty formatted cell right before the formula cell, as Excel writes it: <c r="D6" s="1"/>.
    rows = [person(1), person(2, ethnicity=BLANK, gender=Formula('=IF(1,"Nam","Nữ")', NO_VALUE)), person(3)]
    columns = ["full_name", "ethnicity", "gender", "date_of_birth", "citizen_id", "joined_on", "union_code"]
    path = make_xlsx(tmp_path / "roll.xlsx", rows, columns=columns, first_row=3, first_col=2, trailing_blank=2)
    assert_refused(import_file(cast, path), before, ("formula_not_allowed", 6, "gender"))


def test_phone_in_international_form_is_not_a_formula(cast, tmp_path):
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", [person(1, phone="+84 912 345 678")]))
    assert (result["status"], result["errors"]) == ("imported", [])
    assert Member.objects.get().phone == "0912345678"


# --- layout: title rows, blank rows, sheets, headers -------------------------------------------


def test_title_rows_and_merged_cells_above_the_header(cast, tmp_path, before):
    titles = ("LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐẮK LẮK", "DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN CƠ SỞ")
    rows = [person(1), person(2), person(3, gender="X")]
    # A blank first row, two merged title rows, the header on Excel row 4.
    path = make_xlsx(tmp_path / "roll.xlsx", rows, title_rows=titles, first_row=1)
    result = import_file(cast, path)
    assert_refused(result, before, ("invalid_gender", 7, "gender"))
    assert result["errors"][0]["sheet"] == "Danh sách"


def test_title_rows_in_csv(cast, tmp_path):
    path = make_csv(tmp_path / "roll.csv", [person(1)], title_rows=["LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐẮK LẮK", ""])
    assert import_file(cast, path)["created"] == 1


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_trailing_blank_rows_are_skipped(cast, tmp_path, kind):
    rows = [person(1), person(2)]
    if kind == "csv":
        path = make_csv(tmp_path / "roll.csv", rows, trailing_blank=5)
        path.write_bytes(path.read_bytes() + b"\r\n   \r\n\r\n")
    else:
        path = make_xlsx(tmp_path / "roll.xlsx", [*rows, {"full_name": " "}], trailing_blank=5)
    result = import_file(cast, path)
    assert (result["status"], result["rows"], result["created"], result["errors"]) == ("imported", 2, 2, [])


def test_blank_rows_inside_the_roll_keep_excel_row_numbers(cast, tmp_path, before):
    rows = [person(1), {}, {}, person(2, union_code="NOPE")]
    path = make_xlsx(tmp_path / "roll.xlsx", rows)
    assert_refused(import_file(cast, path), before, ("unknown_union", 5, "union_code"))


def test_first_sheet_with_a_header_is_read_not_the_active_sheet(cast, tmp_path):
    sheets = [
        Sheet(name="Hướng dẫn", lines=[["HƯỚNG DẪN"], ["Điền danh sách ở trang sau, mỗi đoàn viên một dòng."]]),
        Sheet([{"STT": 1, **person(1)}], name="Danh sách"),
        Sheet([person(2), person(3)], name="Danh sách cũ"),
    ]
    path = make_xlsx(tmp_path / "roll.xlsx", sheets=sheets, active=2)
    with zipfile.ZipFile(path) as archive:
        assert b'activeTab="2"' in archive.read("xl/workbook.xml")
    result = import_file(cast, path)
    assert (result["status"], result["rows"], result["created"]) == ("imported", 1, 1)
    assert [(w["sheet"], w["code"]) for w in result["warnings"]] == [("Danh sách", "ignored_column")]
    assert Member.objects.get().citizen_id == "066085000001"


def test_hidden_sheets_are_not_read(cast, tmp_path):
    sheets = [Sheet([person(9)], name="Mẫu ẩn", hidden=True), Sheet([person(1)], name="Danh sách")]
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", sheets=sheets, active=1))
    assert (result["status"], result["created"]) == ("imported", 1)
    assert Member.objects.get().citizen_id == "066085000001"


def test_workbook_without_a_header_row(cast, tmp_path, before):
    path = make_xlsx(tmp_path / "roll.xlsx", sheets=[Sheet(lines=[["Họ và tên", "Tuổi"], ["An", 40]])])
    assert_refused(import_file(cast, path), before, ("no_header_row", None, None))


ENGLISH = {
    "full_name": "Full name",
    "gender": "Gender",
    "date_of_birth": "Date of birth",
    "citizen_id": "Citizen ID",
    "joined_on": "Joined on",
    "union_code": "Union code",
}
PLAIN = {
    "full_name": "HO VA TEN",
    "gender": "gioi tinh",
    "date_of_birth": "NGÀY SINH",
    "citizen_id": "số cccd",
    "joined_on": "Ngay vao cong doan",
    "union_code": "MÃ CĐCS",
}
RENAMED = {
    "full_name": "Họ tên",
    "gender": "Giới tính (Nam/Nữ)",
    "date_of_birth": "Ngày, tháng, năm sinh",
    "citizen_id": "Số CCCD/CMND",
    "joined_on": "Ngày kết nạp",
    "union_code": "Mã đơn vị",
}
KEYS = {key: key for key in ENGLISH}


@pytest.mark.parametrize("headers", [ENGLISH, PLAIN, RENAMED, KEYS], ids=["english", "plain", "renamed", "keys"])
def test_english_or_renamed_headers(cast, tmp_path, headers):
    rows = [person(1, phone="0912345678"), person(2)]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows, headers={**headers, "phone": "Phone"}))
    assert (result["status"], result["created"], result["warnings"]) == ("imported", 2, [])
    assert Member.objects.get(citizen_id="066085000001").phone == "0912345678"


@pytest.mark.parametrize("key", REQUIRED)
def test_missing_required_column_is_a_file_level_error_naming_it(cast, tmp_path, before, key):
    columns = [k for k in person() if k != key]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1)], columns=columns))
    assert_refused(result, before, ("missing_column", None, None))
    header = {c.key: c.header for c in importing.COLUMNS}[key]
    assert header in result["errors"][0]["message"]


def test_union_column_is_needed_above_one_grassroots_union(cast, tmp_path, before):
    columns = [k for k in person() if k != "union_code"]
    path = make_csv(tmp_path / "roll.csv", [person(1)], columns=columns)
    result = import_file(cast, path)
    assert_refused(result, before, ("missing_column", None, None))
    assert "Mã CĐCS" in result["errors"][0]["message"]
    # ... and not for one union's own roll.
    assert import_file(cast, path, union=cast.a, scope=cast.a)["created"] == 1
    assert Member.objects.get().union == cast.a


# --- unions ----------------------------------------------------------------------------------------


def test_unknown_union_code(cast, tmp_path, before):
    rows = [person(1), person(2, union_code="ZZ9"), person(3, union_code="X")]  # X is in another federation
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert_refused(result, before, ("unknown_union", 3, "union_code"), ("unknown_union", 4, "union_code"))


def test_union_outside_the_uploaders_scope(cast, tmp_path, before):
    rows = [person(1, union_code="A"), person(2, union_code="A2"), person(3, union_code="B")]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows), scope=cast.d1)
    assert_refused(result, before, ("union_out_of_scope", 4, "union_code"))


def test_one_unions_roll_cannot_name_another_union(cast, tmp_path, before):
    rows = [person(1, union_code=""), person(2, union_code="A"), person(3, union_code="A2")]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows), union=cast.a, scope=cast.a)
    assert_refused(result, before, ("union_out_of_scope", 4, "union_code"))


def test_closed_union(cast, tmp_path):
    union_close(union=cast.a2, closed_on=datetime.date(2025, 7, 1), by=cast.admin)
    before = roll_state()
    rows = [person(1), person(2, union_code="A2")]
    assert_refused(import_file(cast, make_csv(tmp_path / "r.csv", rows)), before, ("union_closed", 3, "union_code"))


def test_closed_union_as_the_upload_scope(cast, tmp_path):
    union_close(union=cast.a2, closed_on=datetime.date(2025, 7, 1), by=cast.admin)
    before = roll_state()
    columns = [k for k in person() if k != "union_code"]
    path = make_csv(tmp_path / "r.csv", [person(1), person(2)], columns=columns)
    result = import_file(cast, path, union=cast.a2, scope=cast.a2)
    assert_refused(result, before, ("union_closed", None, None))


@pytest.mark.parametrize("code", ["H01", "N01"])
def test_superior_union_code_where_a_grassroots_union_is_needed(cast, tmp_path, before, code):
    rows = [person(1), person(2, union_code=code)]
    result = import_file(cast, make_csv(tmp_path / "r.csv", rows))
    assert_refused(result, before, ("union_not_grassroots", 3, "union_code"))


def test_union_code_typed_as_a_number(cast, tmp_path):
    from tests.factories import UnionFactory

    UnionFactory(parent=cast.d1, code="101")
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", [person(1, union_code=101, member_code=12345)]))
    assert (result["status"], result["errors"]) == ("imported", [])
    member = Member.objects.get()
    assert (member.union.code, member.member_code) == ("101", "12345")


# --- phones, ethnicity, other fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["+84 912 345 678", "+84912345678", "84912345678", "84 912 345 678", "0912.345.678", "(+84) 912-345-678",
     "912345678", 912345678, 84912345678, "0912345678"],
)  # fmt: skip
def test_phone_forms_are_stored_as_0_and_9_digits(cast, tmp_path, value):
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", [person(1, phone=value)]))
    assert (result["status"], result["errors"]) == ("imported", [])
    assert Member.objects.get().phone == "0912345678"


@pytest.mark.parametrize("value", ["12345", "0123456789", "+1 202 555 0100", "09123456789", "0912 345 67x", "84"])
def test_bad_phones_are_refused(cast, tmp_path, before, value):
    path = make_csv(tmp_path / "roll.csv", [person(1, phone=value)])
    assert_refused(import_file(cast, path), before, ("invalid_phone", 2, "phone"))


@pytest.mark.parametrize(
    ("value", "stored"),
    [("kinh ", "Kinh"), ("KINH", "Kinh"), ("Ê Đê", "Ê Đê"), ("Ede", "Ê Đê"), ("ê-đê", "Ê Đê"), ("", ""),
     ("Hmông", "Mông"), ("Bru Vân Kiều", "Bru - Vân Kiều"), ("gia-rai", "Gia Rai")],
)  # fmt: skip
def test_ethnicity_spelled_loosely_is_stored_canonical(cast, tmp_path, value, stored):
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1, ethnicity=value)]))
    assert (result["status"], result["errors"]) == ("imported", [])
    assert Member.objects.get().ethnicity == stored


def test_unknown_ethnicity(cast, tmp_path, before):
    path = make_csv(tmp_path / "roll.csv", [person(1, ethnicity="Kinh"), person(2, ethnicity="Việt kiều")])
    assert_refused(import_file(cast, path), before, ("unknown_ethnicity", 3, "ethnicity"))


def test_party_member_and_email(cast, tmp_path):
    rows = [person(1, is_party_member="x", email=" An.Nguyen@Example.VN "), person(2, is_party_member="")]
    rows += [person(3, is_party_member="Có"), person(4, is_party_member=1)]
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", rows))
    assert (result["status"], result["errors"]) == ("imported", [])
    flags = dict(Member.objects.values_list("citizen_id", "is_party_member"))
    assert flags == {"066085000001": True, "066085000002": False, "066085000003": True, "066085000004": True}
    assert Member.objects.get(citizen_id="066085000001").email == "an.nguyen@example.vn"


def test_a_row_can_have_several_errors_reported_in_column_order(cast, tmp_path, before):
    row = {
        "full_name": "",
        "gender": "?",
        "date_of_birth": "31/02/1985",
        "citizen_id": "12",
        "joined_on": "",
        "union_code": "A",
        "email": "không phải email",
    }
    assert_refused(
        import_file(cast, make_csv(tmp_path / "roll.csv", [person(1), row])),
        before,
        ("missing_value", 3, "full_name"),
        ("invalid_gender", 3, "gender"),
        ("invalid_date", 3, "date_of_birth"),
        ("invalid_citizen_id", 3, "citizen_id"),
        ("missing_value", 3, "joined_on"),
        ("invalid_email", 3, "email"),
    )


def test_duplicate_member_codes(cast, tmp_path):
    admit(cast, cast.a, citizen_id="066085000009", member_code="VGCL-9")
    before = roll_state()
    rows = [person(1, member_code="VGCL-1"), person(2, member_code="VGCL-1"), person(3, member_code="VGCL-9")]
    assert_refused(
        import_file(cast, make_csv(tmp_path / "roll.csv", rows)),
        before,
        ("duplicate_member_code", 2, "member_code"),
        ("duplicate_member_code", 3, "member_code"),
        ("duplicate_member_code", 4, "member_code"),
    )


# --- limits and file kinds ------------------------------------------------------------------------


def test_too_many_rows(cast, tmp_path, before, settings):
    settings.MEMBER_IMPORT = {**settings.MEMBER_IMPORT, "MAX_ROWS": 10}
    ten = [person(i) for i in range(1, 11)]
    assert import_file(cast, make_csv(tmp_path / "ten.csv", ten), dry_run=True)["status"] == "valid"
    for path in (make_csv(tmp_path / "r.csv", [*ten, person(11)]), make_xlsx(tmp_path / "r.xlsx", [*ten, person(11)])):
        assert_refused(import_file(cast, path), before, ("too_many_rows", None, None))


def test_300001_rows_are_too_many_at_the_default_limit(cast, tmp_path, before, settings):
    assert settings.MEMBER_IMPORT["MAX_ROWS"] == 300_000
    lines = ["Họ và tên,Giới tính,Ngày sinh,Số CCCD,Ngày vào Công đoàn,Mã CĐCS"]
    lines += [f"An,Nam,03/04/1985,066085{n:06d},01/06/2010,A" for n in range(300_001)]
    path = tmp_path / "roll.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = import_file(cast, path)
    assert_refused(result, before, ("too_many_rows", None, None))
    assert "300.000" in result["errors"][0]["message"] or "300,000" in result["errors"][0]["message"]


@pytest.mark.parametrize("name", ["roll.csv", "roll.xlsx"])
def test_25_mb_file_is_refused_before_parsing(cast, tmp_path, before, name, monkeypatch):
    path = tmp_path / name
    with path.open("wb") as fh:
        fh.write(b"PK\x03\x04" if name.endswith("xlsx") else "Họ và tên,Số CCCD\n".encode())
        fh.truncate(25 * 1000 * 1000)
    monkeypatch.setattr(importing, "_open_csv", _must_not_parse)
    monkeypatch.setattr(importing, "_open_xlsx", _must_not_parse)
    assert_refused(import_file(cast, path), before, ("file_too_large", None, None))


def _must_not_parse(*args, **kwargs):
    raise AssertionError("the file was parsed")


def test_xlsx_zip_bomb_is_refused_before_parsing(cast, tmp_path, before, monkeypatch):
    path = make_zip_bomb(tmp_path / "roll.xlsx", expanded_bytes=210 * 1000 * 1000)
    assert path.stat().st_size < 5 * 1000 * 1000
    monkeypatch.setattr(importing, "_open_xlsx", _must_not_parse)
    assert_refused(import_file(cast, path), before, ("file_too_large", None, None))


def test_xlsx_expanding_more_than_100_times_is_refused(cast, tmp_path, before):
    path = make_zip_bomb(tmp_path / "roll.xlsx", expanded_bytes=5 * 1000 * 1000)
    assert_refused(import_file(cast, path), before, ("file_too_large", None, None))


def _xlsm_bytes(tmp_path) -> bytes:
    path = make_xlsx(tmp_path / "macro.xlsx", [person(1)])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 512)
    return path.read_bytes()


def _docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("roll.xls", lambda tmp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048),
        ("roll.xlsm", lambda tmp: _xlsm_bytes(tmp)),
        ("roll.xlsx", lambda tmp: _xlsm_bytes(tmp)),
        ("roll.xlsx", lambda tmp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048),
        ("roll.xlsx", lambda tmp: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        ("roll.xlsx", lambda tmp: _docx_bytes()),
        ("roll.csv", lambda tmp: _docx_bytes()),
        ("roll.csv", lambda tmp: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"),
        ("roll.csv", lambda tmp: make_xlsx(tmp / "real.xlsx", [person(1)]).read_bytes()),
        ("roll.ods", lambda tmp: b"PK\x03\x04"),
        ("roll", lambda tmp: "Họ và tên,Số CCCD\n".encode()),
    ],
    ids=[
        "xls",
        "xlsm",
        "xlsm-renamed-xlsx",
        "xls-renamed-xlsx",
        "pdf-renamed-xlsx",
        "docx-renamed-xlsx",
        "docx-renamed-csv",
        "png-renamed-csv",
        "xlsx-renamed-csv",
        "ods",
        "no-extension",
    ],
)
def test_file_that_is_not_an_accepted_spreadsheet_is_refused(cast, tmp_path, before, name, content):
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    assert_refused(import_file(cast, path), before, ("unreadable_file", None, None))


# --- writing: the whole file or nothing; the same file twice; updates; undo ----------------------


def test_one_bad_row_among_2000_good_ones_writes_nothing(cast, tmp_path, before):
    rows = [person(i) for i in range(1, 2001)]
    rows[1234]["date_of_birth"] = "30/02/1985"
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert_refused(result, before, ("invalid_date", 1236, "date_of_birth"))
    assert result["rows"] == 2000


def test_one_bad_row_among_2000_good_ones_in_xlsx_writes_nothing(cast, tmp_path, before):
    rows = [{"STT": Formula("=ROW()-1", i), **person(i)} for i in range(1, 2001)]
    rows[1998]["citizen_id"] = "066086001999"
    result = import_file(cast, make_xlsx(tmp_path / "roll.xlsx", rows))
    assert_refused(result, before, ("citizen_id_mismatch", 2000, "citizen_id"))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_same_file_twice_changes_nothing_the_second_time(cast, tmp_path, kind):
    rows = [person(i, phone="912345678", ethnicity="ede", is_party_member="x") for i in range(1, 51)]
    rows += [woman(i, union_code="B", email="B@X.VN", religion="Công giáo") for i in range(51, 101)]
    path = (make_csv if kind == "csv" else make_xlsx)(tmp_path / f"roll.{kind}", rows)
    first = import_file(cast, path)
    assert (first["status"], first["created"], first["updated"], first["unchanged"]) == ("imported", 100, 0, 0)
    after_first = roll_state()
    second = import_file(cast, path)
    assert (second["status"], second["rows"], second["created"], second["updated"], second["unchanged"]) == (
        "imported",
        100,
        0,
        0,
        100,
    )
    assert roll_state() == after_first


def test_existing_member_of_the_same_union_is_updated(cast, tmp_path):
    member = admit(cast, cast.a, citizen_id="066085000001", phone="0987654321", religion="Không")
    rows = [person(1, full_name="Nguyễn Văn Ánh", phone="0912345678", religion="Không"), person(2)]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 0)
    member.refresh_from_db()
    assert (member.phone, member.religion, member.full_name) == ("0912345678", "Không", "Nguyễn Văn Ánh")
    assert (member.search_text, member.sort_name) == Member.derived_names("Nguyễn Văn Ánh")
    assert member.movements.count() == 1
    assert MemberImport.objects.get().changes == {str(member.pk): {"full_name": "Nguyễn Văn An", "phone": "0987654321"}}


def test_new_members_get_their_admitted_movement_beside_existing_ones(cast, tmp_path):
    admit(cast, cast.a, citizen_id="066085000002")  # on the roll already, unchanged
    rows = [person(1), person(2), woman(3, union_code="B", joined_on="15/08/2012"), person(4, union_code="A2")]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert (result["created"], result["updated"], result["unchanged"]) == (3, 0, 1)
    batch = MemberImport.objects.get()
    new = Member.objects.exclude(citizen_id="066085000002")
    assert {(m.citizen_id, m.union.code) for m in new} == {
        ("066085000001", "A"),
        ("066190000003", "B"),
        ("066085000004", "A2"),
    }
    for member in new:
        movement = member.movements.get()
        assert (movement.kind, movement.date, movement.union_id, movement.delta) == (
            MovementKind.ADMITTED,
            member.joined_on,
            member.union_id,
            1,
        )
        assert (movement.import_batch, movement.created_by, member.created_by_import) == (batch, cast.staff, batch)
        assert (member.search_text, member.sort_name) == Member.derived_names(member.full_name)
        assert (member.status, member.federation, member.left_on) == ("active", cast.fed, None)


def test_text_with_backslashes_quotes_and_separators_is_stored_as_written(cast, tmp_path):
    address = 'Số 12\\3, "Khu B"; tổ 5\\N'
    row = person(1, address=address, job_title="Kỹ sư\\Trưởng ca", religion="\\")
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [row], delimiter=";"))
    assert (result["status"], result["errors"]) == ("imported", [])
    member = Member.objects.get()
    assert (member.address, member.job_title, member.religion) == (address, "Kỹ sư\\Trưởng ca", "\\")


def test_a_cell_with_line_breaks_is_one_row_as_in_excel(cast, tmp_path, before):
    rows = [person(1, address="Thôn 1\nxã Hòa Phú\r\nBuôn Ma Thuột"), person(2, gender="?")]
    assert_refused(import_file(cast, make_csv(tmp_path / "roll.csv", rows)), before, ("invalid_gender", 3, "gender"))
    import_file(cast, make_csv(tmp_path / "ok.csv", rows[:1]))
    assert Member.objects.get().address == "Thôn 1 xã Hòa Phú Buôn Ma Thuột"


def test_a_record_that_cannot_be_read_is_refused_with_its_row(cast, tmp_path, before):
    path = make_csv(tmp_path / "roll.csv", [person(1), person(2, address="x" * 200_000), person(3)])
    result = import_file(cast, path)
    assert_refused(result, before, ("unreadable_file", None, None))
    assert "3" in result["errors"][0]["message"]


def test_dry_run_writes_nothing(cast, tmp_path, before):
    result = import_file(cast, make_csv(tmp_path / "roll.csv", [person(1), woman(2)]), dry_run=True)
    assert (result["status"], result["rows"], result["created"], result["errors"]) == ("valid", 2, 2, [])
    assert roll_state() == before


def test_undo_removes_created_members_and_restores_changed_fields(cast, tmp_path):
    member = admit(cast, cast.a, citizen_id="066085000001", phone="0987654321", full_name="Nguyễn Văn Ân")
    before = roll_state()
    rows = [person(1, phone="0912345678"), person(2), woman(3, union_code="B")]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert (result["created"], result["updated"]) == (2, 1)
    batch = MemberImport.objects.get()
    services.member_import_undo(batch=batch, by=cast.admin)
    member.refresh_from_db()
    assert (member.phone, member.full_name, member.search_text) == ("0987654321", "Nguyễn Văn Ân", "nguyen van an")
    assert not Member.objects.filter(citizen_id__in=["066085000002", "066190000003"]).exists()
    assert Movement.objects.count() == 1
    assert MemberImport.objects.get().status == ImportStatus.UNDONE
    members, movements = roll_state()
    assert (len(members), movements) == (len(before[0]), before[1])


def test_undo_is_refused_when_a_later_change_depends_on_it(cast, tmp_path):
    import_file(cast, make_csv(tmp_path / "roll.csv", [person(1), person(2)]))
    member = Member.objects.get(citizen_id="066085000002")
    services.member_leave(member=member, on=timezone.localdate(), reason="resigned", by=cast.staff)
    after = roll_state()
    with pytest.raises(ValidationError):
        services.member_import_undo(batch=MemberImport.objects.get(), by=cast.admin)
    assert roll_state() == after
    assert MemberImport.objects.get().status == ImportStatus.IMPORTED


# --- the command line -------------------------------------------------------------------------------


def run_command(*args) -> tuple[int, dict]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import_members", *args, stdout=out)
    except SystemExit as exc:
        code = exc.code
    text = out.getvalue()
    result = json.loads(text)  # exactly one JSON object, nothing else
    assert text.strip().count("\n") == 0 and set(result) == RESULT_KEYS
    return code, result


def test_cli_imports_and_prints_the_json_of_section_4(cast, tmp_path):
    path = make_csv(tmp_path / "roll.csv", [person(1, citizen_id="66085000001"), woman(2), {"STT": ""}])
    code, result = run_command(str(path), "--federation", "LDLD-DLK", "--json")
    assert code == 0
    assert result == {
        "status": "imported",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "warnings": [
            {
                "sheet": None,
                "row": 1,
                "column": "STT",
                "code": "ignored_column",
                "message": "Cột “STT” không có trong mẫu: bỏ qua.",
            },
            {
                "sheet": None,
                "row": 2,
                "column": "citizen_id",
                "code": "citizen_id_zero_padded",
                "message": "Đã bổ sung các số 0 đầu bị mất của số CCCD.",
            },
        ],
        "errors": [],
    }
    assert Member.objects.count() == 2


def test_cli_without_json_reports_in_vietnamese(cast, tmp_path, before):
    out = io.StringIO()
    rows = [person(1), person(2, phone="123")]
    with pytest.raises(SystemExit) as excinfo:
        call_command("import_members", str(make_csv(tmp_path / "r.csv", rows)), "--federation", "ldld-dlk", stdout=out)
    assert excinfo.value.code == 1
    text = out.getvalue()
    assert "nothing was written" not in text and "invalid_phone 3 phone:" in text
    assert text.splitlines()[0] == "Không nhập: tệp có lỗi, chưa ghi gì. 2 dòng, 0 mới, 0 cập nhật, 0 không đổi."
    assert roll_state() == before


def test_cli_dry_run_is_valid_and_writes_nothing(cast, tmp_path, before):
    path = make_xlsx(tmp_path / "roll.xlsx", [person(1), person(2)])
    code, result = run_command(str(path), "--federation", "LDLD-DLK", "--dry-run", "--json")
    assert (code, result["status"], result["rows"], result["created"], result["errors"]) == (0, "valid", 2, 2, [])
    assert roll_state() == before


def test_cli_for_one_union(cast, tmp_path):
    columns = [k for k in person() if k != "union_code"]
    path = make_csv(tmp_path / "roll.csv", [person(1)], columns=columns)
    code, result = run_command(str(path), "--union", "a2", "--json")
    assert (code, result["status"]) == (0, "imported")
    assert Member.objects.get().union == cast.a2


def test_cli_invalid_file_exits_1_with_every_error_in_vietnamese(cast, tmp_path, before):
    rows = [person(1), person(2, gender="Khác", phone="123"), person(1)]
    code, result = run_command(str(make_csv(tmp_path / "roll.csv", rows)), "--federation", "LDLD-DLK", "--json")
    assert (code, result["status"], result["rows"]) == (1, "invalid", 3)
    assert issues(result["errors"]) == [
        ("duplicate_in_file", 2, "citizen_id"),
        ("invalid_gender", 3, "gender"),
        ("invalid_phone", 3, "phone"),
        ("duplicate_in_file", 4, "citizen_id"),
    ]
    assert all(set(e) == ISSUE_KEYS and e["sheet"] is None for e in result["errors"])
    assert result["errors"][1]["message"] == "Giới tính ghi Nam hoặc Nữ."
    assert roll_state() == before


def test_cli_file_level_error_has_no_row_and_no_column(cast, tmp_path, before):
    path = make_csv(tmp_path / "roll.csv", [person(1)], columns=["full_name", "citizen_id", "gender", "union_code"])
    code, result = run_command(str(path), "--federation", "LDLD-DLK", "--json")
    assert code == 1
    assert result["errors"] == [
        {"sheet": None, "row": None, "column": None, "code": "missing_column", "message": "Thiếu cột “Ngày sinh”."},
        {
            "sheet": None,
            "row": None,
            "column": None,
            "code": "missing_column",
            "message": "Thiếu cột “Ngày vào Công đoàn”.",
        },
    ]
    assert roll_state() == before


def test_cli_refused_file_is_invalid_json(cast, tmp_path):
    path = tmp_path / "roll.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    code, result = run_command(str(path), "--federation", "LDLD-DLK", "--json")
    assert (code, issues(result["errors"])) == (1, [("unreadable_file", None, None)])


@pytest.mark.parametrize(
    "args",
    [["--union", "NOPE"], ["--union", "H01"], ["--federation", "NOPE"], ["--union", "H02"]],
    ids=["unknown-union", "code-in-two-federations", "unknown-federation", "superior-union"],
)
def test_cli_usage_errors_exit_2(cast, tmp_path, args):
    path = make_csv(tmp_path / "roll.csv", [person(1)])
    with pytest.raises(CommandError) as excinfo:
        call_command("import_members", str(path), *args, "--json")
    assert excinfo.value.returncode == 2
    assert not MemberImport.objects.exists()


def test_cli_missing_file_exits_2(cast, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_members", str(tmp_path / "nope.csv"), "--federation", "LDLD-DLK", "--json")
    assert excinfo.value.returncode == 2
    assert "nope.csv" in str(excinfo.value)


def test_cli_without_a_scope_in_a_database_of_two_federations_exits_2(cast, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_members", str(make_csv(tmp_path / "roll.csv", [person(1)])), "--json")
    assert excinfo.value.returncode == 2


@pytest.mark.parametrize(
    "args",
    [["--union", "A", "--federation", "LDLD-DLK"], [], ["--union"]],
    ids=["both-scopes", "no-file", "union-without-code"],
)
def test_cli_argument_errors_exit_2_from_the_shell(tmp_path, args):
    # Argument parsing fails before any database access; call_command would turn these into a
    # CommandError with return code 1, the shell sees argparse's 2.
    path = make_csv(tmp_path / "roll.csv", [person(1)])
    command = [sys.executable, "manage.py", "import_members", *([str(path)] if args != [] else []), *args, "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
