"""`python manage.py achievement` (PRODUCT.md §6) on hand-built data: the exact JSON, the table in
the active language, the unit defaulting to the federation, --as-of and --structure, clear errors
with a non-zero exit code, and the same figures as the API and the targets screen."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from reports.management.commands.achievement import Command
from reports.models import Indicator
from reports.services.targets import target_set
from tests.factories import member
from unions.services import union_move

from ..conftest import client_for

D = datetime.date


@pytest.fixture(autouse=True)
def _no_cached_figures(settings):
    settings.REPORTS_CACHE_SECONDS = 0


@pytest.fixture
def c(cast):
    """A target of 4 new members for A and 10 for the federation in 2024; five members admitted
    in A in 2024 (two in the first quarter), one in B in 2023."""
    admitted = Indicator.objects.get(code="members_admitted")
    target_set(federation=cast.fed, union=cast.a, indicator=admitted, year=2024, value=4, by=cast.officer)
    target_set(federation=cast.fed, union=None, indicator=admitted, year=2024, value=10, by=cast.staff)
    for day in (D(2024, 2, 1), D(2024, 3, 15), D(2024, 5, 1), D(2024, 8, 1), D(2024, 11, 30)):
        member(cast.a, joined_on=day)
    member(cast.b, joined_on=D(2023, 6, 1))
    return cast


def run(*args) -> str:
    out = io.StringIO()
    call_command("achievement", *args, stdout=out)
    return out.getvalue()


def test_json_for_a_union_is_exactly_the_section_6_shape(c):
    output = run("--federation", "LDLD-DLK", "--year", "2024", "--unit", "A", "--json")
    assert json.loads(output) == {
        "unit": "A",
        "year": 2024,
        "achieved_or_exceeded": 1,
        "targets": 1,
        "rows": [
            {"indicator": "members_admitted", "target": "4", "actual": "5", "percent": "125.00", "rating": "exceeded"}
        ],
    }


def test_without_a_unit_the_report_is_the_federations(c):
    expected = {
        "unit": "LDLD-DLK",
        "year": 2024,
        "achieved_or_exceeded": 0,
        "targets": 1,
        "rows": [
            {"indicator": "members_admitted", "target": "10", "actual": "5", "percent": "50.00",
             "rating": "not_achieved"}
        ],
    }  # fmt: skip
    assert json.loads(run("--federation", "ldld-dlk", "--year", "2024", "--json")) == expected
    assert json.loads(run("--federation", "LDLD-DLK", "--year", "2024", "--unit", "LDLD-DLK", "--json")) == expected


def test_as_of_counts_up_to_that_day(c):
    output = run("--federation", "LDLD-DLK", "--year", "2024", "--unit", "A", "--as-of", "2024-03-31", "--json")
    assert json.loads(output)["rows"] == [
        {"indicator": "members_admitted", "target": "4", "actual": "2", "percent": "50.00", "rating": "not_achieved"}
    ]


def test_structure_period_end_reports_the_tree_as_it_stood(c):
    # A moves from D1 to D2 in 2025: by today's tree its 2024 admissions count for D2, as it stood
    # at the end of 2024 for D1.
    admitted = Indicator.objects.get(code="members_admitted")
    for union in (c.d1, c.d2):
        target_set(federation=c.fed, union=union, indicator=admitted, year=2024, value=5, by=c.staff)
    union_move(union=c.a, new_parent=c.d2, effective_on=D(2025, 1, 15), by=None)

    def actual(unit, structure):
        args = ("--federation", "LDLD-DLK", "--year", "2024", "--unit", unit, "--structure", structure, "--json")
        return json.loads(run(*args))["rows"][0]["actual"]

    assert (actual("H01", "today"), actual("H02", "today")) == ("0", "5")
    assert (actual("H01", "period_end"), actual("H02", "period_end")) == ("5", "0")


def test_the_table_is_in_the_active_language(c):
    with translation.override("en"):
        output = run("--federation", "LDLD-DLK", "--year", "2024", "--unit", "A")
    lines = output.splitlines()
    assert lines[0] == "Công đoàn Trường Tiểu học Hòa Phú (A), 2024: 1/1 targets achieved or exceeded"
    assert lines[1].split() == ["Indicator", "Target", "Actual", "%", "Rating"]
    assert lines[3].startswith("New members admitted ")
    assert lines[3].split()[-4:] == ["4", "5", "125.00", "Exceeded"]
    with translation.override("vi"):
        output = run("--federation", "LDLD-DLK", "--year", "2024", "--unit", "A")
    assert "125,00" in output and "Kết nạp đoàn viên mới" in output


def test_big_figures_are_grouped_in_the_table(c):
    amount = Indicator.objects.get(code="tet_care_amount")
    target_set(federation=c.fed, union=None, indicator=amount, year=2024, value=10_177_000, by=c.staff)
    with translation.override("vi"):
        output = run("--federation", "LDLD-DLK", "--year", "2024")
    assert "10.177.000" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--federation", "NOPE", "--year", "2024"], "No federation has the code NOPE."),
        (["--federation", "LDLD-DLK", "--year", "2024", "--unit", "X"],
         "The federation LDLD-DLK has no union with the code X."),
        (["--federation", "LDLD-DLK", "--year", "2024", "--as-of", "31/03/2024"],
         "31/03/2024 is not a date: write it as YYYY-MM-DD."),
        (["--federation", "LDLD-DLK", "--year", "1800"], "Enter a year between 2000 and 2100."),
    ],
)  # fmt: skip
def test_bad_arguments_are_clear_errors(c, args, message):
    with translation.override("en"), pytest.raises(CommandError) as exc:
        call_command("achievement", *args, stdout=io.StringIO())
    assert str(exc.value) == message


def test_from_the_command_line_an_error_exits_non_zero(c, capsys):
    with translation.override("en"), pytest.raises(SystemExit) as exc:
        Command().run_from_argv(["manage.py", "achievement", "--federation", "NOPE", "--year", "2024"])
    assert exc.value.code != 0
    assert "No federation has the code NOPE." in capsys.readouterr().err


def test_cli_api_and_screen_give_the_same_figures(c):
    cli = json.loads(run("--federation", "LDLD-DLK", "--year", "2024", "--unit", "A", "--json"))["rows"][0]

    api = APIClient()
    api.force_authenticate(c.officer)
    listed = api.get("/api/v1/targets/?unit=A&year=2024&indicator=members_admitted").json()["results"]
    assert [row["value"] for row in listed] == [cli["target"]]

    page = client_for(c.chair_a).get(reverse("reports:targets") + "?year=2024")
    row = page.context["rows"][0]
    assert (str(row.percent), row.rating, f"{row.actual:f}") == (cli["percent"], cli["rating"], cli["actual"])
    assert "125,00" in page.content.decode()
    detail = client_for(c.officer).get(reverse("reports:target_detail", args=[listed[0]["id"]]))
    assert str(detail.context["row"].percent) == cli["percent"]
