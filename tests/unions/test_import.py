"""Units loaded from a file (unions.importing): every bad input with its code, row as Excel shows
it and column key; nothing written whenever there is an error; every write through the
services (paths, positions through time, audit trail)."""

import datetime

import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from federation.models import AuditLog, Role
from unions import services
from unions.admin import UnionResource
from unions.importing import HEADERS, unions_import
from unions.models import Kind, Level, Sector, Union, UnionLink

from ..factories import UserFactory, superior
from ..members.files import NO_VALUE, Formula, Sheet, make_csv, make_xlsx

D = datetime.date


def unit(code, name=None, **fields) -> dict:
    """A valid row: a grassroots public-service unit under H01."""
    return {
        "code": code,
        "name": name or f"Công đoàn Trường {code}",
        "level": "cơ sở",
        "kind": "Đơn vị sự nghiệp công lập",
        "sector": "Đơn vị sự nghiệp công lập",
        "parent_code": "H01",
        **fields,
    }


def district(code, name=None, **fields) -> dict:
    return {
        "code": code,
        "name": name or f"Liên đoàn Lao động {code}",
        "level": "cấp trên trực tiếp",
        "kind": "Liên đoàn Lao động cấp huyện",
        "sector": "",
        "parent_code": "",
        **fields,
    }


def csv_file(tmp_path, rows, *, name="units.csv", **options):
    return make_csv(tmp_path / name, rows, headers=HEADERS, **options)


def xlsx_file(tmp_path, rows=None, *, name="units.xlsx", **options):
    return make_xlsx(tmp_path / name, rows, headers=HEADERS, **options)


def upload(c, path, *, by=None, dry_run=False, federation=None):
    return unions_import(
        federation=federation or c.fed, path=path, filename=path.name, by=by or c.admin, dry_run=dry_run
    )


def issues(items) -> list[tuple]:
    return [(i.code, i.row, i.column) for i in items]


@pytest.fixture
def before(cast):
    """What the database holds before a refused file; `check()` asserts nothing changed."""

    def snapshot():
        return (
            sorted(Union.objects.values_list("code", "federation_id", "name", "parent_id", "path", "worker_count")),
            UnionLink.objects.count(),
            AuditLog.objects.count(),
        )

    first = snapshot()

    class Before:
        @staticmethod
        def check():
            assert snapshot() == first, "a refused file wrote something"

    return Before


def assert_refused(outcome, before, *expected):
    assert outcome.status == "invalid"
    assert issues(outcome.errors) == list(expected)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 0)
    before.check()


# --- good files --------------------------------------------------------------------------------


def test_new_units_are_created_with_paths_positions_and_audit_entries(cast, tmp_path):
    rows = [
        # The grassroots unit comes first; its parent, new too, is on a later row.
        unit("C1", "Công đoàn Công ty TNHH Cà phê Ea Pốk", kind="Doanh nghiệp", sector="Doanh nghiệp ngoài nhà nước",
             parent_code="h03", tax_code="0101234567", worker_count="1.200", established_on="03/04/1985"),
        district("H03", "Liên đoàn Lao động xã Cư M'gar"),
        unit("C2", parent_code="H01", established_on="2010-06-01", address="Số 5 Lê Duẩn"),
        unit("C3", "Công đoàn Bệnh viện tỉnh", parent_code=""),
    ]  # fmt: skip
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert outcome.errors == [] and outcome.warnings == []
    assert (outcome.status, outcome.rows, outcome.created, outcome.updated, outcome.unchanged) == (
        "imported", 4, 4, 0, 0,
    )  # fmt: skip

    h03, c1, c2, c3 = (Union.objects.get(federation=cast.fed, code=code) for code in ("H03", "C1", "C2", "C3"))
    assert (h03.level, h03.kind, h03.parent, h03.sector) == (Level.SUPERIOR, Kind.DISTRICT_FEDERATION, None, "")
    assert h03.path == cast.fed.path + f"{h03.pk:08d}/"
    assert (c1.parent, c1.path) == (h03, h03.path + f"{c1.pk:08d}/")
    assert (c1.kind, c1.sector, c1.tax_code, c1.worker_count) == (
        Kind.ENTERPRISE, Sector.NON_STATE_ENTERPRISE, "0101234567", 1200,
    )  # fmt: skip
    assert c1.established_on == D(1985, 4, 3), "03/04/1985 is 3 April"
    assert (c2.parent, c2.path, c2.address) == (cast.d1, cast.d1.path + f"{c2.pk:08d}/", "Số 5 Lê Duẩn")
    assert (c3.parent, c3.path, c3.level) == (None, cast.fed.path + f"{c3.pk:08d}/", Level.GRASSROOTS)
    # Positions through time and the audit trail, as for a unit created on screen.
    for union in (h03, c1, c2, c3):
        link = UnionLink.objects.get(union=union)
        assert (link.parent_id, link.path, link.valid_to) == (union.parent_id, union.path, None)
        assert AuditLog.objects.filter(object_id=str(union.pk), action="create", actor=cast.admin).count() == 1
    assert UnionLink.objects.get(union=c1).valid_from == D(1985, 4, 3)
    assert h03 in Union.objects.visible_to(cast.admin)


def test_existing_codes_update_their_unit_and_the_same_file_twice_changes_nothing(cast, tmp_path):
    rows = [
        {"code": "a", "name": "Công đoàn Trường Tiểu học Hòa Phú mới", "worker_count": 45, "parent_code": "H01"},
        {"code": "E1", "name": cast.e1.name, "worker_count": 120, "parent_code": "N01"},
        {"code": "G0", "name": cast.g0.name, "worker_count": 900, "parent_code": ""},
    ]
    path = csv_file(tmp_path, rows)
    first = upload(cast, path)
    assert (first.status, first.created, first.updated, first.unchanged) == ("imported", 0, 1, 2)
    cast.a.refresh_from_db()
    assert (cast.a.name, cast.a.worker_count, cast.a.parent, cast.a.kind) == (
        "Công đoàn Trường Tiểu học Hòa Phú mới", 45, cast.d1, Kind.PUBLIC_SERVICE_UNIT,
    )  # fmt: skip
    entry = AuditLog.objects.get(object_id=str(cast.a.pk), action="update")
    assert entry.actor == cast.admin
    assert entry.changes["worker_count"] == [40, 45]
    audit_count, link_count = AuditLog.objects.count(), UnionLink.objects.count()

    second = upload(cast, path)
    assert (second.status, second.created, second.updated, second.unchanged) == ("imported", 0, 0, 3)
    assert (AuditLog.objects.count(), UnionLink.objects.count()) == (audit_count, link_count)


def test_dry_run_counts_without_writing(cast, tmp_path, before):
    rows = [
        unit("C1"),
        unit("A", "Tên mới"),
        unit("B", cast.b.name, kind="Doanh nghiệp", sector="Doanh nghiệp ngoài nhà nước", parent_code="H02"),
    ]
    outcome = upload(cast, csv_file(tmp_path, rows), dry_run=True)
    assert (outcome.status, outcome.rows, outcome.created, outcome.updated, outcome.unchanged) == (
        "valid", 3, 1, 1, 1,
    )  # fmt: skip
    before.check()


def test_english_headers_and_choice_keys(cast, tmp_path):
    rows = [
        {"code": "C1", "name": "Unit one", "level": "grassroots", "kind": "public_service_unit",
         "sector": "Public service unit", "parent_code": "H01"},
        {"code": "I9", "name": "Zone union", "level": "Superior", "kind": "Industrial/economic zone union"},
    ]  # fmt: skip
    headers = {key: key for key in HEADERS}
    outcome = upload(cast, make_csv(tmp_path / "units.csv", rows, headers=headers))
    assert (outcome.status, outcome.created) == ("imported", 2), outcome.errors
    assert Union.objects.get(code="I9").kind == Kind.ZONE_UNION
    assert Union.objects.get(code="C1").sector == Sector.PUBLIC_SERVICE


def test_level_blank_is_told_from_the_kind_or_the_parent(cast, tmp_path):
    rows = [district("H05", level=""), unit("C1", level="", kind="Hợp tác xã", sector="Hợp tác xã", parent_code="H05")]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert outcome.status == "imported", outcome.errors
    assert Union.objects.get(code="H05").level == Level.SUPERIOR
    assert Union.objects.get(code="C1").parent.code == "H05"


def test_an_export_is_imported_back_unchanged(cast, tmp_path):
    data: tablib.Dataset = UnionResource().export(Union.objects.visible_to(cast.admin))
    path = tmp_path / "export.csv"
    path.write_text(data.export("csv"), encoding="utf-8")
    outcome = upload(cast, path)
    assert (outcome.status, outcome.created, outcome.updated, outcome.unchanged) == ("imported", 0, 0, 8)
    assert sorted(w.column for w in outcome.warnings) == ["closed_on", "status", "ward_code"]


# --- what the library's default import would get wrong ------------------------------------------


def test_duplicate_codes_in_one_file_name_both_rows(cast, tmp_path, before):
    rows = [unit("C1", "Thứ nhất"), unit("C2"), unit("c1", "Thứ hai")]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert_refused(outcome, before, ("duplicate_in_file", 2, "code"), ("duplicate_in_file", 4, "code"))
    assert "2" in outcome.errors[1].message and "4" in outcome.errors[1].message


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_dates_are_read_day_first(cast, tmp_path, kind):
    rows = [unit("C1", established_on="03/04/1985"), unit("C2", established_on="12/11/2001")]
    path = csv_file(tmp_path, rows) if kind == "csv" else xlsx_file(tmp_path, rows)
    assert upload(cast, path).status == "imported"
    assert Union.objects.get(code="C1").established_on == D(1985, 4, 3)
    assert Union.objects.get(code="C2").established_on == D(2001, 11, 12)


@pytest.mark.parametrize("value", ["04/13/2001", "31/02/2001", "1985", "ngày 3 tháng 4"])
def test_dates_that_are_not_day_first_dates_are_refused(cast, tmp_path, before, value):
    outcome = upload(cast, csv_file(tmp_path, [unit("C1", established_on=value)]))
    assert_refused(outcome, before, ("invalid_date", 2, "established_on"))


def test_a_date_cell_and_a_future_date(cast, tmp_path, before):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [unit("C1", established_on=D(1999, 2, 1)), unit("C2", established_on=tomorrow)]
    outcome = upload(cast, xlsx_file(tmp_path, rows))
    assert_refused(outcome, before, ("date_in_future", 3, "established_on"))


def test_codes_and_tax_codes_keep_their_leading_zeros(cast, tmp_path):
    rows = [unit("007", kind="Doanh nghiệp", sector="Doanh nghiệp nhà nước", tax_code="0301234567-001")]
    assert upload(cast, csv_file(tmp_path, rows)).status == "imported"
    made = Union.objects.get(federation=cast.fed, code="007")
    assert made.tax_code == "0301234567-001"


def test_codes_typed_as_numbers_are_read_as_excel_shows_them(cast, tmp_path):
    rows = [
        {**district("H03"), "code": 1001},
        unit(1002, parent_code=1001),
    ]
    outcome = upload(cast, xlsx_file(tmp_path, rows))
    assert outcome.status == "imported", outcome.errors
    made = Union.objects.get(federation=cast.fed, code="1002")
    assert made.parent.code == "1001"


def test_a_tax_code_excel_turned_into_a_number_gets_its_zero_back(cast, tmp_path):
    rows = [
        unit("C1", kind="Doanh nghiệp", sector="Doanh nghiệp nhà nước", tax_code=101234567),
        unit("C2", kind="Doanh nghiệp", sector="Doanh nghiệp nhà nước", tax_code="0201234567"),
        unit("C3", kind="Doanh nghiệp", sector="Doanh nghiệp nhà nước", tax_code=4101234567),
    ]
    outcome = upload(cast, xlsx_file(tmp_path, rows))
    assert outcome.status == "imported"
    assert issues(outcome.warnings) == [("tax_code_zero_padded", 2, "tax_code")]
    stored = dict(Union.objects.filter(code__in=["C1", "C2", "C3"]).values_list("code", "tax_code"))
    assert stored == {"C1": "0101234567", "C2": "0201234567", "C3": "4101234567"}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_blank_trailing_rows_are_skipped(cast, tmp_path, kind):
    rows = [unit("C1"), unit("C2")]
    path = csv_file(tmp_path, rows, trailing_blank=5) if kind == "csv" else xlsx_file(tmp_path, rows, trailing_blank=5)
    outcome = upload(cast, path)
    assert (outcome.status, outcome.rows, outcome.created) == ("imported", 2, 2)


def test_the_first_sheet_with_a_header_is_read_not_the_active_sheet(cast, tmp_path):
    sheets = [
        Sheet(name="Hướng dẫn", lines=[["Điền danh sách đơn vị ở trang sau"]]),
        Sheet(rows=[unit("C1")], headers=HEADERS, name="Đơn vị"),
        Sheet(rows=[unit("OLD1"), unit("OLD2")], headers=HEADERS, name="Bản cũ"),
    ]
    outcome = upload(cast, make_xlsx(tmp_path / "units.xlsx", sheets=sheets, active=2))
    assert (outcome.status, outcome.created) == ("imported", 1)
    assert Union.objects.filter(code="C1").exists()
    assert not Union.objects.filter(code__startswith="OLD").exists()


def test_one_bad_row_among_good_ones_writes_nothing(cast, tmp_path, before):
    rows = [district("H03"), unit("C1", parent_code="H03"), unit("C2", worker_count="nhiều"), unit("A", "Tên mới")]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert_refused(outcome, before, ("invalid_number", 4, "worker_count"))


def test_a_failure_while_writing_rolls_everything_back(cast, tmp_path, before, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"name": "refused"})

    monkeypatch.setattr(services, "union_update", refuse)
    rows = [district("H03"), unit("C1", parent_code="H03"), unit("A", "Tên mới")]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert_refused(outcome, before, ("invalid_value", 4, "name"))


# --- the tree ----------------------------------------------------------------------------------


def test_parent_codes_that_cannot_be_parents(cast, tmp_path):
    closed = superior(federation=cast.fed, code="H09", established_on=D(2000, 1, 1))
    services.union_close(union=closed, closed_on=D(2020, 1, 1), by=None)
    lines = [
        unit("C1", parent_code="ZZ"),  # nobody has it
        unit("C2", parent_code="X"),  # another federation's unit
        unit("C3", parent_code="A"),  # a grassroots union
        unit("C4", parent_code="H09"),  # closed
        district("H04", parent_code="H01"),  # a direct-superior union under another
        unit("C5", parent_code="C5"),  # itself
        unit("C6", parent_code="C7"),  # a grassroots unit of the same file
        unit("C7"),
    ]
    outcome = upload(cast, csv_file(tmp_path, lines))
    assert outcome.status == "invalid"
    assert issues(outcome.errors) == [
        ("unknown_union", 2, "parent_code"),
        ("unknown_union", 3, "parent_code"),
        ("parent_not_superior", 4, "parent_code"),
        ("union_closed", 5, "parent_code"),
        ("level_mismatch", 6, "parent_code"),
        ("parent_not_superior", 7, "parent_code"),
        ("parent_not_superior", 8, "parent_code"),
    ]
    assert not Union.objects.filter(code__in=["C1", "C2", "C3", "C4", "C5", "C6", "C7", "H04"]).exists()


def test_moving_a_unit_or_changing_its_level_is_refused(cast, tmp_path, before):
    rows = [
        {"code": "A", "name": cast.a.name, "parent_code": "H02"},
        {"code": "A2", "name": cast.a2.name, "parent_code": ""},
        {"code": "B", "name": cast.b.name, "level": "cấp trên trực tiếp", "parent_code": "H02"},
        {"code": "G0", "name": cast.g0.name, "parent_code": "H01"},
    ]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert_refused(
        outcome,
        before,
        ("parent_change_not_allowed", 2, "parent_code"),
        ("parent_change_not_allowed", 3, "parent_code"),
        ("level_change_not_allowed", 4, "level"),
        ("parent_change_not_allowed", 5, "parent_code"),
    )


def test_kind_and_sector_must_fit_the_level(cast, tmp_path, before):
    rows = [
        district("H03", kind="Doanh nghiệp"),
        district("H04", sector="Hợp tác xã"),
        unit("C1", kind="Công đoàn ngành"),
        unit("C2", sector=""),
        unit("C3", kind="Doanh nghiệp", sector="Doanh nghiệp có vốn đầu tư nước ngoài", tax_code=""),
        unit("C4", level="", kind="", parent_code=""),
        {"code": "C5", "name": "Không có loại hình", "level": "cơ sở", "parent_code": "H01", "sector": "Hợp tác xã"},
    ]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert_refused(
        outcome,
        before,
        ("level_mismatch", 2, "kind"),
        ("level_mismatch", 3, "sector"),
        ("level_mismatch", 4, "kind"),
        ("missing_value", 5, "sector"),
        ("missing_value", 6, "tax_code"),
        ("missing_value", 7, "level"),
        ("missing_value", 7, "kind"),
        ("missing_value", 8, "kind"),
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"code": ""}, ("missing_value", "code")),
        ({"code": "A B"}, ("invalid_code", "code")),
        ({"code": "X" * 33}, ("invalid_code", "code")),
        ({"name": "  "}, ("missing_value", "name")),
        ({"name": "Đ" * 256}, ("value_too_long", "name")),
        ({"name": '=HYPERLINK("http://x")'}, ("formula_not_allowed", "name")),
        ({"address": "@SUM(A1)"}, ("formula_not_allowed", "address")),
        ({"code": "+C1"}, ("formula_not_allowed", "code")),
        ({"level": "tỉnh"}, ("invalid_level", "level")),
        ({"kind": "Trường học"}, ("invalid_kind", "kind")),
        ({"sector": "Tư nhân"}, ("invalid_sector", "sector")),
        ({"worker_count": "12,5"}, ("invalid_number", "worker_count")),
        ({"worker_count": "-3"}, ("invalid_number", "worker_count")),
        ({"worker_count": "khoảng 100"}, ("invalid_number", "worker_count")),
        ({"tax_code": "12345"}, ("invalid_tax_code", "tax_code")),
        ({"tax_code": "0101234567-1"}, ("invalid_tax_code", "tax_code")),
    ],
)
def test_bad_cells(cast, tmp_path, before, fields, expected):
    outcome = upload(cast, csv_file(tmp_path, [unit("C1"), {**unit("C2"), **fields}]))
    code, column = expected
    assert_refused(outcome, before, (code, 3, column))


def test_formula_without_a_computed_value_is_refused(cast, tmp_path, before):
    rows = [unit("C1", name=Formula('=CONCAT("Công đoàn ","X")', NO_VALUE)),
            unit("C2", worker_count=Formula("=10*12", 120))]  # fmt: skip
    outcome = upload(cast, xlsx_file(tmp_path, rows))
    assert_refused(outcome, before, ("formula_not_allowed", 2, "name"))


def test_the_worker_count_accepts_grouped_thousands_and_number_cells(cast, tmp_path):
    rows = [unit("C1", worker_count="1 500"), unit("C2", worker_count=2500), unit("C3", worker_count="")]
    assert upload(cast, xlsx_file(tmp_path, rows)).status == "imported"
    stored = dict(Union.objects.filter(code__in=["C1", "C2", "C3"]).values_list("code", "worker_count"))
    assert stored == {"C1": 1500, "C2": 2500, "C3": None}


# --- file-level problems -----------------------------------------------------------------------


def test_a_missing_required_column_is_a_file_level_error(cast, tmp_path, before):
    outcome = upload(cast, csv_file(tmp_path, [unit("C1")], columns=["code", "kind", "level", "parent_code"]))
    assert_refused(outcome, before, ("missing_column", None, None))
    assert "Tên đơn vị" in outcome.errors[0].message


def test_a_file_without_a_header_row(cast, tmp_path, before):
    path = tmp_path / "units.csv"
    path.write_text("Danh sách\r\nC1,Công đoàn\r\n", encoding="utf-8")
    assert_refused(upload(cast, path), before, ("no_header_row", None, None))


@pytest.mark.parametrize("name", ["units.xls", "units.xlsm", "units.txt"])
def test_other_kinds_of_file_are_refused(cast, tmp_path, before, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert_refused(upload(cast, path), before, ("unreadable_file", None, None))


def test_a_legacy_encoding_is_refused(cast, tmp_path, before):
    path = tmp_path / "units.csv"
    path.write_bytes("Mã đơn vị,Tên đơn vị\r\nC1,Công đoàn Trường Hòa Phú\r\n".encode("cp1258", errors="replace"))
    assert_refused(upload(cast, path), before, ("unsupported_encoding", None, None))


def test_too_many_rows(cast, tmp_path, before, settings):
    settings.UNION_IMPORT_MAX_ROWS = 3
    outcome = upload(cast, csv_file(tmp_path, [unit(f"C{i}") for i in range(4)]))
    assert_refused(outcome, before, ("too_many_rows", None, None))


def test_unknown_columns_are_warnings_with_the_sheet(cast, tmp_path):
    sheets = [Sheet(rows=[{**unit("C1"), "note": "x"}], headers={**HEADERS, "note": "Ghi chú"}, name="Đơn vị")]
    outcome = upload(cast, make_xlsx(tmp_path / "units.xlsx", sheets=sheets))
    assert outcome.status == "imported"
    assert issues(outcome.warnings) == [("ignored_column", 1, "Ghi chú")]
    assert outcome.warnings[0].sheet == "Đơn vị"


# --- scope -------------------------------------------------------------------------------------


def test_an_officer_imports_below_its_own_union_only(cast, tmp_path, before):
    rows = [
        unit("C1"),  # under H01, the officer's union: fine
        unit("C2", parent_code="H02"),  # another district
        unit("C3", parent_code=""),  # directly under the federation
        unit("B", "Đổi tên", parent_code="H02"),  # a unit of another district
        district("H01", "Đổi tên"),  # its own union
        unit("A", "Công đoàn Trường Tiểu học Hòa Phú 2"),  # below it: fine
    ]
    outcome = upload(cast, csv_file(tmp_path, rows), by=cast.officer)
    assert_refused(
        outcome,
        before,
        ("union_out_of_scope", 3, "parent_code"),
        ("union_out_of_scope", 4, "parent_code"),
        ("union_out_of_scope", 5, "code"),
        ("union_out_of_scope", 6, "code"),
    )
    good = upload(cast, csv_file(tmp_path, [rows[0], rows[5]], name="good.csv"), by=cast.officer)
    assert (good.status, good.created, good.updated) == ("imported", 1, 1)
    assert Union.objects.get(federation=cast.fed, code="C1").parent == cast.d1


def test_another_federations_units_are_unknown(cast, tmp_path):
    superior(federation=cast.other_fed, code="LC1")
    # X1 of the other federation has the code H01 too: the file's H01 is this federation's.
    rows = [unit("C1", parent_code="LC1"), unit("C2", parent_code="H01")]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert (outcome.status, issues(outcome.errors)) == ("invalid", [("unknown_union", 2, "parent_code")])
    assert not Union.objects.filter(code__in=["C1", "C2"]).exists()
    outcome = upload(cast, csv_file(tmp_path, [rows[1]], name="good.csv"))
    assert outcome.status == "imported"
    assert Union.objects.get(federation=cast.fed, code="C2").parent == cast.d1
    assert not Union.objects.filter(federation=cast.other_fed, code="C2").exists()


def test_the_same_code_in_another_federation_is_a_new_unit_here(cast, tmp_path):
    outcome = upload(cast, csv_file(tmp_path, [unit("X")]))
    assert (outcome.status, outcome.created) == ("imported", 1)
    assert Union.objects.filter(code="X").count() == 2
    cast.x.refresh_from_db()
    assert cast.x.federation == cast.other_fed and cast.x.parent == cast.x1


def test_roles_without_the_right_to_manage_the_structure_or_another_federation_are_refused(cast, tmp_path):
    path = csv_file(tmp_path, [unit("C1")])
    for who in (cast.leader, cast.chair_a):
        with pytest.raises(PermissionDenied):
            upload(cast, path, by=who)
    with pytest.raises(PermissionDenied):
        upload(cast, path, by=cast.other_admin)
    assert not Union.objects.filter(code="C1").exists()


def test_a_superuser_imports_into_the_federation_it_names(cast, tmp_path):
    root = UserFactory(username="root", role=Role.FEDERATION_ADMIN, federation=cast.fed, is_superuser=True)
    outcome = upload(cast, csv_file(tmp_path, [unit("C9", parent_code="H01")]), by=root, federation=cast.other_fed)
    # H01 of the other federation is X1, a district: the unit goes there.
    assert outcome.status == "imported", outcome.errors
    made = Union.objects.get(code="C9")
    assert (made.federation, made.parent) == (cast.other_fed, cast.x1)
    assert made.path.startswith(cast.x1.path)


def test_a_superior_unit_kind_change_is_an_update(cast, tmp_path):
    rows = [{"code": "N01", "name": cast.edu.name, "kind": "Công đoàn Khối cơ quan", "level": "cấp trên trực tiếp"}]
    outcome = upload(cast, csv_file(tmp_path, rows))
    assert (outcome.status, outcome.updated) == ("imported", 1)
    cast.edu.refresh_from_db()
    assert cast.edu.kind == Kind.AGENCY_UNION
