"""Uploading the list of an activity's recipients: members linked by citizen ID or member code,
every bad input with its code, row as Excel shows it and column, and nothing written on any
error."""

import codecs
import datetime
import io

import openpyxl
import pytest

from members.importing import open_table
from members.models import MemberStatus
from welfare import recipients, services
from welfare.models import Beneficiary, Program
from welfare.recipients import recipients_import

from ..conftest import add_members
from ..factories import member
from ..members.files import NO_VALUE, Formula, Sheet, make_csv, make_xlsx, to_cp1258

D = datetime.date
HEADERS = {
    "row_number": "STT",
    "citizen_id": "Số CCCD",
    "member_code": "Mã đoàn viên",
    "full_name": "Họ và tên",
    "amount": "Số tiền",
    "note": "Ghi chú",
}


@pytest.fixture
def c(cast):
    add_members(cast)
    c = cast
    # A: m_a (066090001234), m_a2, m_a3 (member code); B: m_b; X (another federation): m_x.
    c.m_a2 = member(c.a, full_name="Phạm Thị Hoa", gender="female", date_of_birth=D(1991, 3, 3),
                    citizen_id="066191000222")  # fmt: skip
    c.m_a3 = member(c.a, full_name="Lê Văn Cường", citizen_id="001090000333", member_code="7901234567")
    c.gifts = services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, title="Quà Tết 2025", held_on=D(2025, 1, 20),
        person_times=2, amount_union_funds=1_500_000, by=c.chair_a,
    )  # fmt: skip
    return c


def csv_list(tmp_path, rows, *, name="list.csv", **options):
    return make_csv(tmp_path / name, rows, headers=HEADERS, **options)


def xlsx_list(tmp_path, rows=None, *, name="list.xlsx", **options):
    return make_xlsx(tmp_path / name, rows, headers=HEADERS, **options)


def upload(c, path, *, activity=None, dry_run=False, by=None):
    return recipients_import(
        activity=activity or c.gifts, path=path, filename=path.name, by=by or c.chair_a, dry_run=dry_run
    )


def issues(items) -> list[tuple]:
    return [(i.code, i.row, i.column) for i in items]


def linked(activity) -> list[tuple]:
    return sorted(activity.beneficiaries.values_list("member__full_name", "amount", "note"))


def assert_refused(c, outcome, *expected):
    """Exactly these errors, and nothing written."""
    assert outcome.status == "invalid"
    assert issues(outcome.errors) == list(expected)
    assert outcome.added == 0
    assert Beneficiary.objects.count() == 0
    c.gifts.refresh_from_db()
    assert c.gifts.person_times == 2


# --- good files --------------------------------------------------------------------------------


def test_csv_links_the_members_and_raises_person_times(c, tmp_path):
    path = csv_list(tmp_path, [
        {"row_number": 1, "citizen_id": "066090001234", "full_name": "Nguyễn Văn An", "amount": "500.000",
         "note": "Quà và tiền"},
        {"row_number": 2, "citizen_id": "066191000222", "full_name": "Phạm Thị Hoa", "amount": "500000"},
        {"row_number": 3, "member_code": "7901234567", "full_name": "Lê Văn Cường", "amount": "1,000,000 đ"},
    ])  # fmt: skip
    outcome = upload(c, path)
    assert (outcome.status, outcome.rows, outcome.added, outcome.already) == ("imported", 3, 3, 0)
    assert outcome.errors == [] and outcome.warnings == []
    assert linked(c.gifts) == [
        ("Lê Văn Cường", 1_000_000, ""),
        ("Nguyễn Văn An", 500_000, "Quà và tiền"),
        ("Phạm Thị Hoa", 500_000, ""),
    ]
    c.gifts.refresh_from_db()
    assert c.gifts.person_times == 3, "person-times rise to the members named"


def test_xlsx_with_a_title_block_formulas_and_blank_rows(c, tmp_path):
    c.gifts = services.activity_update(activity=c.gifts, person_times=40, by=c.chair_a)
    rows = [
        {"row_number": Formula("=ROW()-3", 1), "citizen_id": "066090001234", "full_name": "Nguyễn Văn An",
         "amount": 500_000},
        {},
        {"row_number": Formula("=ROW()-3", 3), "citizen_id": "066191000222", "amount": Formula("=250000*2", 500_000)},
    ]  # fmt: skip
    path = xlsx_list(tmp_path, rows, columns=["row_number", "citizen_id", "full_name", "amount"],
                     title_rows=("LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐẮK LẮK", "DANH SÁCH ĐOÀN VIÊN NHẬN QUÀ TẾT"),
                     trailing_blank=3)  # fmt: skip
    outcome = upload(c, path)
    assert (outcome.status, outcome.rows, outcome.added) == ("imported", 2, 2)
    assert outcome.warnings == []
    assert linked(c.gifts) == [("Nguyễn Văn An", 500_000, ""), ("Phạm Thị Hoa", 500_000, "")]
    c.gifts.refresh_from_db()
    assert c.gifts.person_times == 40, "more person-times than named members stay as they are"


def test_the_list_is_found_on_a_later_sheet_and_unknown_columns_are_warnings(c, tmp_path):
    sheets = [
        Sheet(name="Hướng dẫn", lines=[["Điền danh sách ở trang sau"]]),
        Sheet(
            rows=[{"citizen_id": "066090001234", "unit": "Tổ 1"}],
            headers={**HEADERS, "unit": "Tổ công đoàn"},
            name="Danh sách",
        ),
    ]
    outcome = upload(c, make_xlsx(tmp_path / "list.xlsx", sheets=sheets))
    assert outcome.status == "imported"
    assert issues(outcome.warnings) == [("ignored_column", 1, "Tổ công đoàn")]
    assert outcome.warnings[0].sheet == "Danh sách"


def test_utf8_bom_and_semicolons_are_read(c, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Số CCCD;Họ và tên;Số tiền\r\n066090001234;Nguyễn Văn An;300000\r\n".encode())
    outcome = upload(c, path)
    assert (outcome.status, outcome.added) == ("imported", 1)
    assert linked(c.gifts) == [("Nguyễn Văn An", 300_000, "")]


def test_a_federation_activity_takes_members_anywhere_in_the_federation(c, tmp_path):
    fed_gifts = services.activity_create(
        federation=c.fed, program=Program.TET_CARE, title="Quà Tết của Liên đoàn", held_on=D(2025, 1, 18),
        person_times=3600, by=c.admin,
    )  # fmt: skip
    path = csv_list(tmp_path, [{"citizen_id": "066090001234"}, {"citizen_id": "066195004321"}])
    outcome = upload(c, path, activity=fed_gifts, by=c.admin)
    assert (outcome.status, outcome.added) == ("imported", 2)
    assert sorted(fed_gifts.beneficiaries.values_list("member__union__code", flat=True)) == ["A", "B"]


def test_a_member_who_has_left_since_is_still_found(c, tmp_path):
    from members.services import member_leave

    member_leave(member=c.m_a2, on=D(2025, 3, 1), reason="retired", by=c.chair_a)
    outcome = upload(c, csv_list(tmp_path, [{"citizen_id": "066191000222"}]))
    assert (outcome.status, outcome.added) == ("imported", 1)
    assert c.gifts.beneficiaries.get().member.status == MemberStatus.LEFT


def test_the_same_file_twice_adds_nothing_the_second_time(c, tmp_path):
    path = csv_list(tmp_path, [{"citizen_id": "066090001234", "amount": "200000"}, {"member_code": "7901234567"},
                               {"citizen_id": "066191000222"}])  # fmt: skip
    first = upload(c, path)
    assert (first.status, first.added, first.already) == ("imported", 3, 0)
    before = linked(c.gifts)
    c.gifts.refresh_from_db()
    times = c.gifts.person_times
    second = upload(c, path)
    assert (second.status, second.added, second.already) == ("imported", 0, 3)
    assert Beneficiary.objects.count() == 3
    assert linked(c.gifts) == before
    c.gifts.refresh_from_db()
    assert c.gifts.person_times == times


def test_dry_run_checks_and_counts_without_writing(c, tmp_path):
    services.beneficiaries_add(activity=c.gifts, rows=[(c.m_a, None, "")], by=c.chair_a)
    path = csv_list(tmp_path, [{"citizen_id": "066090001234"}, {"citizen_id": "066191000222"}])
    outcome = upload(c, path, dry_run=True)
    assert (outcome.status, outcome.rows, outcome.added, outcome.already) == ("valid", 2, 1, 1)
    assert Beneficiary.objects.count() == 1


@pytest.mark.parametrize(("written", "padded"), [("66090001234", "066090001234"), ("1090000333", "001090000333")])
def test_a_citizen_id_that_lost_its_leading_zeros_is_padded_when_a_member_has_it(c, tmp_path, written, padded):
    outcome = upload(c, csv_list(tmp_path, [{"citizen_id": written}]))
    assert outcome.status == "imported"
    assert issues(outcome.warnings) == [("citizen_id_zero_padded", 2, "citizen_id")]
    assert c.gifts.beneficiaries.get().member.citizen_id == padded


def test_a_short_citizen_id_no_member_has_is_invalid(c, tmp_path):
    # 066090009999 is well formed, but nobody has it: the padding is not confirmed.
    outcome = upload(c, csv_list(tmp_path, [{"citizen_id": "66090009999"}]))
    assert_refused(c, outcome, ("invalid_citizen_id", 2, "citizen_id"))


def test_a_name_unlike_the_members_is_a_warning(c, tmp_path):
    path = csv_list(tmp_path, [{"citizen_id": "066090001234", "full_name": "nguyen van an"},
                               {"citizen_id": "066191000222", "full_name": "Trần Văn Hải"}])  # fmt: skip
    outcome = upload(c, path)
    assert outcome.status == "imported"
    assert issues(outcome.warnings) == [("name_mismatch", 3, "full_name")]


# --- errors ------------------------------------------------------------------------------------


def test_neither_identifier_column_is_missing_column(c, tmp_path):
    outcome = upload(c, csv_list(tmp_path, [{"full_name": "Nguyễn Văn An", "amount": "500000"}]))
    assert_refused(c, outcome, ("missing_column", None, None))


def test_no_header_row(c, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("DANH SÁCH NHẬN QUÀ\r\nNguyễn Văn An,066090001234\r\n", encoding="utf-8")
    assert_refused(c, upload(c, path), ("no_header_row", None, None))
    outcome = upload(c, make_xlsx(tmp_path / "list.xlsx", sheets=[Sheet(lines=[["Quà Tết"], ["An", "066090001234"]])]))
    assert_refused(c, outcome, ("no_header_row", None, None))


@pytest.mark.parametrize(
    ("name", "content"),
    [("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100), ("list.xlsx", b"PK\x03\x04broken"),
     ("list.pdf", b"%PDF-1.4")],
)  # fmt: skip
def test_unreadable_files(c, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert_refused(c, upload(c, path), ("unreadable_file", None, None))


def test_file_too_large(c, tmp_path, settings):
    settings.MEMBER_IMPORT = {**settings.MEMBER_IMPORT, "MAX_UPLOAD_BYTES": 100}
    path = csv_list(tmp_path, [{"citizen_id": "066090001234", "note": "x" * 200}])
    assert_refused(c, upload(c, path), ("file_too_large", None, None))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows(c, tmp_path, settings, kind):
    settings.WELFARE_RECIPIENTS_MAX_ROWS = 2
    rows = [{"citizen_id": "066090001234"}, {"citizen_id": "066191000222"}, {"member_code": "7901234567"}]
    path = csv_list(tmp_path, rows) if kind == "csv" else xlsx_list(tmp_path, rows)
    outcome = upload(c, path)
    assert_refused(c, outcome, ("too_many_rows", None, None))
    assert "2" in outcome.errors[0].message


def test_the_row_limit_defaults_to_20_000(settings):
    del settings.WELFARE_RECIPIENTS_MAX_ROWS
    assert recipients.max_rows() == 20_000


def test_a_legacy_encoding_is_refused_with_a_hint(c, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(to_cp1258("Số CCCD,Họ và tên\r\n066090001234,Nguyễn Văn An\r\n"))
    outcome = upload(c, path)
    assert_refused(c, outcome, ("unsupported_encoding", None, None))
    assert "UTF-8" in outcome.errors[0].message


def test_a_row_without_citizen_id_or_member_code_is_missing_value(c, tmp_path):
    rows = [{"citizen_id": "066090001234"}, {"full_name": "Nguyễn Văn Bảy", "amount": "500000"}]
    assert_refused(c, upload(c, csv_list(tmp_path, rows)), ("missing_value", 3, "citizen_id"))


@pytest.mark.parametrize("value", ["12345", "0660900012345", "999090001234", "06609000123A"])
def test_invalid_citizen_id(c, tmp_path, value):
    outcome = upload(c, csv_list(tmp_path, [{"citizen_id": "066090001234"}, {"citizen_id": value}]))
    assert_refused(c, outcome, ("invalid_citizen_id", 3, "citizen_id"))


def test_the_same_member_twice_names_both_rows(c, tmp_path):
    rows = [
        {"citizen_id": "066090001234"},
        {"citizen_id": "001090000333"},
        {"member_code": "7901234567"},  # the same member as row 3, by code
        {"citizen_id": "066090001234"},
    ]
    outcome = upload(c, csv_list(tmp_path, rows))
    assert_refused(
        c,
        outcome,
        ("duplicate_in_file", 2, "citizen_id"),
        ("duplicate_in_file", 3, "citizen_id"),
        ("duplicate_in_file", 4, "member_code"),
        ("duplicate_in_file", 5, "citizen_id"),
    )
    assert "2" in outcome.errors[0].message and "5" in outcome.errors[0].message


def test_formula_text_and_formulas_without_a_value_are_refused(c, tmp_path):
    rows = [
        {"citizen_id": "066090001234", "note": '=HYPERLINK("http://x")'},
        {"citizen_id": "066191000222", "amount": Formula("=B3*1000", NO_VALUE)},
        {"citizen_id": Formula("=A1", NO_VALUE)},
        {"citizen_id": "001090000333", "amount": "+500000"},
    ]
    outcome = upload(c, xlsx_list(tmp_path, rows, columns=["citizen_id", "amount", "note"]))
    assert_refused(
        c,
        outcome,
        ("formula_not_allowed", 2, "note"),
        ("formula_not_allowed", 3, "amount"),
        ("formula_not_allowed", 4, "citizen_id"),
        ("formula_not_allowed", 5, "amount"),
    )


def test_a_member_not_in_the_federation_is_unknown(c, tmp_path):
    rows = [
        {"citizen_id": "066090001234"},
        {"citizen_id": "015088000777"},  # m_x, in another federation
        {"citizen_id": "066088000001"},  # nobody's
        {"member_code": "0000000000"},
    ]
    outcome = upload(c, csv_list(tmp_path, rows))
    assert_refused(
        c,
        outcome,
        ("unknown_member", 3, "citizen_id"),
        ("unknown_member", 4, "citizen_id"),
        ("unknown_member", 5, "member_code"),
    )


def test_a_member_outside_the_organizing_union_is_out_of_scope_and_not_described(c, tmp_path):
    outcome = upload(c, csv_list(tmp_path, [{"citizen_id": "066090001234"}, {"citizen_id": "066195004321"}]))
    assert_refused(c, outcome, ("member_out_of_scope", 3, "citizen_id"))
    message = outcome.errors[0].message
    assert "Trần Thị Bình" not in message and "B" not in message.replace("Bình", "")
    assert c.b.name not in message


@pytest.mark.parametrize("amount", ["-500000", "1.5", "500000,50", "năm trăm nghìn", "1.000.00"])
def test_invalid_amount(c, tmp_path, amount):
    outcome = upload(c, csv_list(tmp_path, [{"citizen_id": "066090001234", "amount": amount}]))
    assert_refused(c, outcome, ("invalid_amount", 2, "amount"))


@pytest.mark.parametrize("amount", [-500_000, 100.5, D(2025, 1, 1)])
def test_invalid_amount_cells(c, tmp_path, amount):
    outcome = upload(c, xlsx_list(tmp_path, [{"citizen_id": "066090001234", "amount": amount}]))
    assert_refused(c, outcome, ("invalid_amount", 2, "amount"))


def test_citizen_id_and_member_code_of_two_members_disagree(c, tmp_path):
    outcome = upload(c, csv_list(tmp_path, [{"citizen_id": "066090001234", "member_code": "7901234567"}]))
    assert_refused(c, outcome, ("member_mismatch", 2, "member_code"))


def test_every_error_of_the_file_is_reported_at_once_and_nothing_is_written(c, tmp_path):
    rows = [
        {"citizen_id": "066090001234", "amount": "500000"},
        {"citizen_id": "066195004321", "amount": "-1"},
        {"citizen_id": "12"},
        {"full_name": "Không có mã"},
    ]
    outcome = upload(c, csv_list(tmp_path, rows))
    assert_refused(
        c,
        outcome,
        ("member_out_of_scope", 3, "citizen_id"),
        ("invalid_amount", 3, "amount"),
        ("invalid_citizen_id", 4, "citizen_id"),
        ("missing_value", 5, "citizen_id"),
    )
    assert all(e.sheet is None for e in outcome.errors)
    assert outcome.as_dict()["errors"][0] == {
        "sheet": None, "row": 3, "column": "citizen_id", "code": "member_out_of_scope",
        "message": outcome.errors[0].message,
    }  # fmt: skip


# --- how it works ------------------------------------------------------------------------------


def test_members_are_looked_up_in_a_constant_number_of_queries(c, tmp_path, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    extra = [member(c.a, citizen_id=f"066090{n:06d}") for n in range(5000, 5030)]
    small = csv_list(tmp_path, [{"citizen_id": m.citizen_id} for m in extra[:3]], name="small.csv")
    large = csv_list(tmp_path, [{"citizen_id": m.citizen_id} for m in extra], name="large.csv")
    counts = []
    for path in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert upload(c, path, dry_run=True).status == "valid"
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_template_has_the_columns_and_reads_back(tmp_path):
    book = openpyxl.load_workbook(io.BytesIO(recipients.template_xlsx()))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert headers == ["STT", "Số CCCD", "Mã đoàn viên", "Họ và tên", "Số tiền", "Ghi chú"]
    csv_bytes = recipients.template_csv()
    assert csv_bytes.startswith(codecs.BOM_UTF8)
    assert csv_bytes.decode("utf-8-sig").strip() == "STT,Số CCCD,Mã đoàn viên,Họ và tên,Số tiền,Ghi chú"
    for name, content in (("t.xlsx", recipients.template_xlsx()), ("t.csv", csv_bytes)):
        path = tmp_path / name
        path.write_bytes(content)
        table = open_table(path, name, layout=recipients.LAYOUT)
        assert table.keys == ["row_number", "citizen_id", "member_code", "full_name", "amount", "note"]
        assert table.warnings == []


def test_the_filled_template_imports_without_warnings(c, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(
        recipients.template_csv()
        + "1,066090001234,,Nguyễn Văn An,500000,Quà Tết\r\n2,,7901234567,Lê Văn Cường,,\r\n3,,,,,\r\n".encode()
    )
    outcome = upload(c, path)
    assert (outcome.status, outcome.rows, outcome.added, outcome.warnings) == ("imported", 2, 2, [])
