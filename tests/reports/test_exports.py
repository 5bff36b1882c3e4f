"""The achievement workbook: title block, the unit then its children as rows, per indicator
target / actual / % as real numbers, formula-looking names neutralized, print set-up, scope and
a number of queries that does not grow with the units."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from reports import exports
from reports.achievement import tree_report
from tests.conftest import client_for
from tests.factories import FederationFactory, UserFactory
from unions import services as union_services

from .test_dashboard import english, report_cast, set_target, tree_of_districts

D = datetime.date


@pytest.fixture(autouse=True)
def _no_cached_figures(settings):
    # Figures are cached until a commit moves the stamp on; test transactions never commit.
    settings.REPORTS_CACHE_SECONDS = 0


@pytest.fixture
def t(cast):
    """The cast with the 2024 targets and records of `report_cast`."""
    return report_cast(cast)


def workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def rows_by_code(sheet) -> dict:
    return {row[1].value: row for row in sheet.iter_rows(min_row=10) if row[1].value}


def test_export_has_the_title_block_a_row_per_unit_and_figures_per_indicator(t):
    with translation.override("en"):
        tree = tree_report(federation=t.fed, year=2024)
        sheet = workbook(exports.achievement_xlsx(tree, generated_at=timezone.now())).worksheets[0]
    assert sheet["A1"].value == t.fed.name.upper()
    assert sheet["A3"].value == "REPORT ON THE ACHIEVEMENT OF TARGETS, YEAR 2024"
    assert sheet["A4"].value == "Figures for the whole year (01/01/2024 – 31/12/2024)"
    assert sheet["A5"].value == "Structure: By today's structure"
    assert sheet["A6"].value.startswith("Generated at ")
    # header: the indicators over three columns each
    assert sheet["F8"].value == "New members admitted (people)"
    assert [sheet.cell(9, col).value for col in (6, 7, 8)] == ["Target", "Actual", "%"]
    assert sheet["I8"].value == "Tet care (VND)"
    rows = rows_by_code(sheet)
    assert list(rows) == ["LDLD-DLK", "G0", "H01", "H02", "N01"]  # the unit itself first, then by code
    own = rows["LDLD-DLK"]
    assert [own[3].value, own[4].value] == [1, 2]
    assert [own[5].value, own[6].value, own[7].value] == [3, 2, 66.67]
    assert [own[8].value, own[9].value, own[10].value] == [10_000_000, 12_044_000, 120.44]
    assert own[10].number_format == '0.00"%"' and own[8].number_format == "#,##0"
    d1 = rows["H01"]
    assert d1[0].value == 2 and d1[2].value == t.d1.name
    assert [d1[5].value, d1[6].value, d1[7].value] == [2, 2, 100]
    assert d1[8].value is None  # no Tet care target for D1
    assert sheet.freeze_panes == "D10"


def test_export_print_setup_is_landscape_fit_to_width(t):
    sheet = workbook(exports.achievement_xlsx(tree_report(federation=t.fed, year=2024))).worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    # one page wide (1 is the file format's default, left out), as many pages down as needed
    assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_export_neutralizes_names_that_look_like_formulas(t):
    union_services.union_update(union=t.g0, name='=HYPERLINK("http://x")', by=None)
    sheet = workbook(exports.achievement_xlsx(tree_report(federation=t.fed, year=2024))).worksheets[0]
    assert rows_by_code(sheet)["G0"][2].value == '\'=HYPERLINK("http://x")'


def test_export_view_takes_the_dashboard_parameters(t):
    union_services.union_move(union=t.a, new_parent=t.d2, effective_on=D(2025, 2, 1), by=None)
    params = {"unit": t.d1.pk, "year": 2024, "as_of": "30/06/2024", "structure": "period_end"}
    response = english(t.leader).get(reverse("reports:export"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    assert 'filename="chi-tieu-2024-h01-' in response["Content-Disposition"]
    sheet = workbook(response.content).worksheets[0]
    assert sheet["A2"].value == t.d1.name
    assert sheet["A4"].value == "Figures up to 30/06/2024"
    assert sheet["A5"].value == "Structure: As it stood at period end"
    rows = rows_by_code(sheet)
    assert list(rows) == ["H01", "A", "A2"]  # A stood under D1 at the end of June 2024
    assert [rows["H01"][5].value, rows["H01"][6].value, rows["H01"][7].value] == [2, 1, 50]


@pytest.mark.parametrize(("who", "unit"), [("officer", "b"), ("chair_b", "a"), ("other_admin", "d1")])
def test_export_of_a_unit_out_of_scope_is_404(t, who, unit):
    response = client_for(getattr(t, who)).get(reverse("reports:export"), {"unit": getattr(t, unit).pk})
    assert response.status_code == 404


def test_export_queries_do_not_grow_with_the_units(db):
    counts = []
    for code, n in (("NHO", 3), ("LON", 30)):
        federation = FederationFactory(code=code)
        tree_of_districts(federation, n)
        set_target(federation, None, "members_admitted", 10)
        client = client_for(UserFactory(role="leader", federation=federation))
        client.get(reverse("reports:dashboard"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reports:export"), {"year": 2024})
        assert response.status_code == 200
        counts.append(len(queries))
        assert len(rows_by_code(workbook(response.content).worksheets[0])) == n + 1
    assert counts[0] == counts[1]
