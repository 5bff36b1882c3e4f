"""Welfare workbooks: real numbers and dates, formula-looking text neutralized, a constant number
of queries, and the API's export actions (same filters and scope as the lists)."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import capfirst
from rest_framework.test import APIClient

from welfare import exports, selectors, services
from welfare.models import Activity, Program, Shelter, ShelterStatus

from ..conftest import add_members
from ..factories import member

D = datetime.date


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def sheet_of(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def day(value) -> datetime.date:
    """A date cell's day: openpyxl reads real date cells as (naive) datetimes, text stays text."""
    assert isinstance(value, datetime.datetime), value
    return value.date()


def rows_of(sheet, header_row: int, *, numbered: bool = True) -> list[dict]:
    """The table under the header row as dicts, down to (not including) the total row: the
    first row whose "No." is not a number, or (tables without "No.") whose label is "Total"."""
    headers = [c.value for c in sheet[header_row]]
    rows = []
    for cells in sheet.iter_rows(min_row=header_row + 1, values_only=True):
        if (numbered and not isinstance(cells[0], int)) or (not numbered and cells[0] == "Total"):
            break
        rows.append(dict(zip(headers, cells, strict=False)))
    return rows


@pytest.fixture
def w(cast):
    c = add_members(cast)
    c.tet = services.occasion_create(
        federation=c.fed, name="Tết Ất Tỵ 2025", starts_on=D(2025, 1, 1), ends_on=D(2025, 2, 15), by=c.admin
    )
    c.a_gifts = services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, occasion=c.tet, title="=HYPERLINK(\"http://x\")",
        held_on=D(2025, 1, 22), person_times=10, amount_union_funds=3_000_000, amount_sponsors=1_234_567,
        note="@chú ý", by=c.chair_a,
    )  # fmt: skip
    services.beneficiaries_add(activity=c.a_gifts, rows=[(c.m_a, 500_000, "")], by=c.chair_a)
    c.b_meal = services.activity_create(
        federation=c.fed, union=c.b, program=Program.MEAL, title="Bữa cơm Công đoàn", held_on=D(2025, 5, 1),
        person_times=40, amount_sponsors=6_000_000, by=c.chair_b,
    )  # fmt: skip
    c.house = services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=120_000_000, approved_on=D(2025, 2, 1),
        amount_union_funds=50_000_000, amount_sponsors=20_000_000, address="+84 Thôn 3", by=c.officer,
    )  # fmt: skip
    services.shelter_advance(shelter=c.house, to=ShelterStatus.BUILDING, on=D(2025, 3, 1), by=c.officer)
    services.shelter_advance(shelter=c.house, to=ShelterStatus.HANDED_OVER, on=D(2025, 6, 15), by=c.officer)
    c.fund = services.fund_create(federation=c.fed, name="-Quỹ Xã hội", kind="social", by=c.admin)
    services.fund_contribute(fund=c.fund, amount=1_000_000, on=D(2025, 1, 5), counterparty="Công ty A", by=c.admin)
    services.fund_pay(fund=c.fund, amount=400_000, on=D(2025, 1, 6), member=c.m_b, by=c.admin)
    return c


def test_activities_workbook_has_real_numbers_dates_and_neutralized_text(w):
    with translation.override("en"):
        sheet = sheet_of(exports.activities_xlsx(Activity.objects.filter(federation=w.fed).order_by("held_on")))
    assert sheet["A1"].value == "Welfare activities" and sheet["A1"].font.b
    headers = [c.value for c in sheet[3]]
    assert headers[:3] == ["No.", "Date", "Program"] and all(c.font.b for c in sheet[3])
    rows = rows_of(sheet, 3)
    assert [r["No."] for r in rows] == [1, 2]
    gifts = rows[0]
    assert gifts["Title"] == '\'=HYPERLINK("http://x")'  # text, never a formula
    assert gifts["Note"] == "'@chú ý"
    assert day(gifts["Date"]) == D(2025, 1, 22)
    assert sheet.cell(4, headers.index("Date") + 1).number_format == "dd/mm/yyyy"
    assert gifts["From sponsors (VND)"] == 1_234_567 and gifts["Total (VND)"] == 4_234_567
    assert sheet.cell(4, headers.index("Total (VND)") + 1).number_format == "#,##0"
    assert (gifts["Person-times"], gifts["Named beneficiaries"], gifts["Unit code"]) == (10, 1, "A")
    assert gifts["Occasion"] == "Tết Ất Tỵ 2025" and gifts["Organized by"] == w.a.name
    total_row = sheet[4 + len(rows)]
    assert total_row[0].value == "Total"
    assert total_row[headers.index("Total (VND)")].value == 4_234_567 + 6_000_000
    assert total_row[headers.index("Person-times")].value == 50


def test_headers_follow_the_language(w):
    with translation.override("en"):
        english = [c.value for c in sheet_of(exports.activities_xlsx(Activity.objects.none()))[3]]
    with translation.override("vi"):
        vietnamese = [c.value for c in sheet_of(exports.activities_xlsx(Activity.objects.none()))[3]]
    assert english[1] == "Date"
    with translation.override("vi"):
        assert vietnamese[1] == capfirst(str(Activity._meta.get_field("held_on").verbose_name))


def test_exports_take_a_constant_number_of_queries(w):
    def count(build):
        with CaptureQueriesContext(connection) as queries:
            build()
        return len(queries)

    few = count(lambda: exports.activities_xlsx(Activity.objects.all()))
    few_shelters = count(lambda: exports.shelters_xlsx(Shelter.objects.all()))
    for i in range(6):
        other = member(w.a, full_name=f"Lê Văn Số {'ABCDEF'[i]}")
        activity = services.activity_create(federation=w.fed, union=w.a2 if i % 2 else w.a, program=Program.OTHER,
                                            title=f"Hoạt động {i}", held_on=D(2025, 3, 1), person_times=1,
                                            occasion=w.tet, by=w.admin)  # fmt: skip
        if activity.union == w.a:
            services.beneficiaries_add(activity=activity, rows=[(other, None, "")], by=w.admin)
        services.shelter_create(federation=w.fed, union=w.d1, member=other, total_cost=1_000_000,
                                approved_on=D(2025, 3, 1), by=w.admin)  # fmt: skip
    assert count(lambda: exports.activities_xlsx(Activity.objects.all())) == few
    assert count(lambda: exports.shelters_xlsx(Shelter.objects.all())) == few_shelters
    assert few <= 1 and few_shelters <= 1


def test_shelters_workbook(w):
    with translation.override("en"):
        sheet = sheet_of(exports.shelters_xlsx(Shelter.objects.all()))
        [house] = rows_of(sheet, 3)
        assert house["Member"] == w.m_a.full_name and house["Grassroots union"] == "A"
        assert house["Address"] == "'+84 Thôn 3"
        assert (house["Total cost (VND)"], house["Support (VND)"]) == (120_000_000, 70_000_000)
        assert day(house["Handed over on"]) == D(2025, 6, 15) and house["Cancelled on"] is None
        assert house["Status"] == "Handed over" and house["Kind"] == "new house"
        without = sheet_of(exports.shelters_xlsx(Shelter.objects.all(), personal_data=False))
        assert "Address" not in [c.value for c in without[3]]


def test_fund_entries_workbook(w):
    with translation.override("en"):
        sheet = sheet_of(exports.fund_entries_xlsx(w.fund, w.fund.entries.order_by("on", "pk")))
    assert sheet["A1"].value == "'-Quỹ Xã hội"
    assert sheet["B3"].value == 600_000 and sheet["B3"].number_format == "#,##0"
    rows = rows_of(sheet, 5)
    assert [(day(r["Date"]), r["In (VND)"], r["Out (VND)"], r["Balance after (VND)"]) for r in rows] == [
        (D(2025, 1, 5), 1_000_000, None, 1_000_000),
        (D(2025, 1, 6), None, 400_000, 600_000),
    ]
    assert rows[1]["Member"] == w.m_b.full_name and rows[0]["From / to"] == "Công ty A"


def test_totals_workbook(w):
    totals = selectors.welfare_totals(path=w.fed.path, start=D(2025, 1, 1), end=D(2025, 12, 31))
    with translation.override("en"):
        sheet = sheet_of(exports.totals_xlsx(totals, scope_name="=Đắk Lắk"))
    assert sheet["A1"].value.startswith("Welfare totals") and "=Đắk Lắk" in sheet["A1"].value
    assert (day(sheet["B2"].value), day(sheet["D2"].value)) == (D(2025, 1, 1), D(2025, 12, 31))
    assert sheet["B2"].number_format == "dd/mm/yyyy"
    rows = rows_of(sheet, 4, numbered=False)
    by_program = {r["Program"]: r for r in rows}
    assert by_program["Tet care"]["Total (VND)"] == 4_234_567
    assert by_program["Union Shelter"]["Activities"] == 1
    total = sheet[4 + len(rows) + 1]
    assert total[0].value == "Total" and total[8].value == 4_234_567 + 6_000_000 + 70_000_000
    values = {r[0]: r[1] for r in sheet.iter_rows(min_row=4 + len(rows) + 3, values_only=True) if r[0]}
    assert values["Contributions received (VND)"] == 1_000_000 and values["Payouts made (VND)"] == 400_000


def test_activity_export_endpoint_applies_filters_and_scope(w):
    response = api(w.admin).get("/api/v1/activities/export/?program=meal")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX and "attachment" in response["Content-Disposition"]
    sheet = sheet_of(response.content)
    assert len(rows_of(sheet, 3)) == 1 and sheet.cell(4, 5).value == "Bữa cơm Công đoàn"
    assert len(rows_of(sheet_of(api(w.leader).get("/api/v1/activities/export/").content), 3)) == 2
    sheet = sheet_of(api(w.chair_b).get("/api/v1/activities/export/").content)
    assert [r[4] for r in sheet.iter_rows(min_row=4, max_row=4, values_only=True)] == ["Bữa cơm Công đoàn"]
    assert api(w.chair_b).get("/api/v1/activities/export/?under=A").status_code == 404
    accepted = api(w.admin).get("/api/v1/activities/export/", HTTP_ACCEPT=exports.XLSX)
    assert accepted.status_code == 200 and accepted.content[:2] == b"PK"
    assert APIClient().get("/api/v1/activities/export/").status_code == 401


def test_shelter_export_endpoint_leaves_the_address_out_for_the_leader(w):
    with translation.override("en"):
        admin_headers = [c.value for c in sheet_of(api(w.admin).get("/api/v1/shelters/export/").content)[3]]
        leader = sheet_of(api(w.leader).get("/api/v1/shelters/export/?status=handed_over").content)
    assert len(rows_of(leader, 3)) == 1
    assert len(admin_headers) == len([c.value for c in leader[3]]) + 1
    assert "+84 Thôn 3" not in str(list(leader.values))
    assert rows_of(sheet_of(api(w.chair_b).get("/api/v1/shelters/export/").content), 3) == []
