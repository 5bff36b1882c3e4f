"""The reports API: achievement (the command line's JSON, plus the target to date and "on track"
per row, and the children on request) and completeness; scope (404), bad parameters (400) and
the schema."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from reports.achievement import Structure, unit_report
from reports.models import ReturnStatus
from tests.factories import FederationFactory, UserFactory

from .conftest import reported_return
from .test_dashboard import report_cast, set_target, tree_of_districts

D = datetime.date


@pytest.fixture(autouse=True)
def _no_cached_figures(settings):
    # Figures are cached until a commit moves the stamp on; test transactions never commit.
    settings.REPORTS_CACHE_SECONDS = 0


@pytest.fixture
def t(cast):
    """The cast with the 2024 targets and records of `report_cast`."""
    return report_cast(cast)


EXTRA = ("expected", "on_track")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def achievement(user, **params):
    return api(user).get(reverse("report-achievement"), params)


def completeness(user, **params):
    return api(user).get(reverse("report-completeness"), params)


def cli_shape(data: dict) -> dict:
    """The answer without the API's extra keys: what `manage.py achievement --json` prints."""
    return {
        **{k: v for k, v in data.items() if k != "children"},
        "rows": [{k: v for k, v in row.items() if k not in EXTRA} for row in data["rows"]],
    }


def test_achievement_of_the_federation_is_the_command_lines_json(t):
    response = achievement(t.leader, unit="LDLD-DLK", year=2024)
    assert response.status_code == 200, response.content
    data = response.json()
    assert cli_shape(data) == unit_report(federation=t.fed, year=2024).as_json()
    assert data["achieved_or_exceeded"] == 1 and data["targets"] == 2
    assert data["rows"] == [
        {"indicator": "members_admitted", "target": "3", "actual": "2", "percent": "66.67",
         "rating": "not_achieved", "expected": "3", "on_track": False},
        {"indicator": "tet_care_amount", "target": "10000000", "actual": "12044000", "percent": "120.44",
         "rating": "exceeded", "expected": "10000000", "on_track": True},
    ]  # fmt: skip
    assert "children" not in data


def test_achievement_as_of_a_day_with_children(t):
    response = achievement(t.leader, year=2024, as_of="2024-06-30", children=1)
    assert response.status_code == 200, response.content
    data = response.json()
    expected = unit_report(federation=t.fed, year=2024, as_of=D(2024, 6, 30))
    assert cli_shape(data) == expected.as_json()
    assert data["rows"][0]["expected"] == "1.50" and data["rows"][0]["on_track"] is False
    children = {child["unit"]: child for child in data["children"]}
    assert set(children) == {"G0", "H01", "H02", "N01"}
    assert (
        cli_shape(children["H01"])
        == unit_report(federation=t.fed, union=t.d1, year=2024, as_of=D(2024, 6, 30)).as_json()
    )
    assert children["H01"]["rows"] == [
        {"indicator": "members_admitted", "target": "2", "actual": "1", "percent": "50.00",
         "rating": "not_achieved", "expected": "1", "on_track": True},
    ]  # fmt: skip
    assert children["N01"]["rows"] == [] and children["N01"]["targets"] == 0


def test_achievement_structure_switch(t):
    from unions import services as union_services

    union_services.union_move(union=t.a, new_parent=t.d2, effective_on=D(2025, 2, 1), by=None)
    today = achievement(t.leader, unit="H02", year=2024).json()
    then = achievement(t.leader, unit="H02", year=2024, structure="period_end").json()
    assert today["rows"][0]["actual"] == "1" and then["rows"][0]["actual"] == "0"
    assert (
        cli_shape(then)
        == unit_report(federation=t.fed, union=t.d2, year=2024, structure=Structure.PERIOD_END).as_json()
    )


def test_achievement_defaults_to_the_callers_unit_and_the_latest_year_with_targets(t):
    data = achievement(t.officer).json()
    assert data["unit"] == "H01" and data["year"] == 2024


def test_achievement_of_a_unit_out_of_scope_is_404(t):
    assert achievement(t.officer, unit="B").status_code == 404
    assert achievement(t.officer, unit="LDLD-DLK").status_code == 404
    assert achievement(t.chair_b, unit="A").status_code == 404
    assert achievement(t.other_admin, unit="A").status_code == 404
    assert achievement(t.other_admin, unit="LDLD-DLK").status_code == 404
    assert achievement(t.leader, unit="NOPE").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "2024x"}, "year"),
        ({"year": 1900}, "year"),
        ({"as_of": "2024-02-31"}, "as_of"),
        ({"structure": "yesterday"}, "structure"),
        ({"children": "maybe"}, "children"),
        ({"year": 2024, "as_of": "2023-06-30"}, "as_of"),
    ],
)
def test_achievement_bad_parameters_are_400_with_a_message(t, params, field):
    response = achievement(t.leader, **params)
    assert response.status_code == 400
    assert field in response.json() and response.json()[field][0]


def test_anonymous_is_401_and_writes_are_refused(t):
    assert APIClient().get(reverse("report-achievement")).status_code == 401
    assert api(t.admin).post(reverse("report-achievement"), {}).status_code == 405


def test_completeness_tallies_and_lists(t):
    reported_return(t.a, 2024, 4)
    reported_return(t.a2, 2024, 4, status=ReturnStatus.DRAFT)
    reported_return(t.b, 2024, 4, submitted_on=D(2025, 3, 1))
    response = completeness(t.leader, year=2024, quarter=4)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["unit"] == "LDLD-DLK" and data["quarter"] == 4 and data["deadline"] == "2025-01-10"
    assert data["tallies"]["owing"] == 5 and data["tallies"]["reported"] == 2 and data["tallies"]["late"] == 1
    assert data["tallies"]["rate"] == "40.00"
    assert {u["code"] for u in data["not_reported"]} == {"A2", "E1", "G0"}
    assert [u["code"] for u in data["late"]] == ["B"]
    assert data["late"][0]["standing"] == "late" and data["late"][0]["first_submitted_at"].startswith("2025-03-01")


def test_completeness_of_a_district_and_out_of_scope(t):
    data = completeness(t.officer, year=2024, quarter=4).json()
    assert data["unit"] == "H01" and data["tallies"]["owing"] == 2
    assert completeness(t.officer, unit="H02", year=2024, quarter=4).status_code == 404
    assert completeness(t.chair_b, unit="A").status_code == 404
    response = completeness(t.leader, year=2024, quarter=5)
    assert response.status_code == 400 and "quarter" in response.json()


def test_completeness_defaults_to_the_latest_due_quarter_of_the_year(t):
    data = completeness(t.leader, year=2024).json()
    assert (data["year"], data["quarter"]) == (2024, 4)


def test_achievement_queries_do_not_grow_with_the_units(db):
    counts = []
    for code, n in (("NHO", 3), ("LON", 30)):
        federation = FederationFactory(code=code)
        tree_of_districts(federation, n)
        set_target(federation, None, "members_admitted", 10)
        client = api(UserFactory(role="leader", federation=federation))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("report-achievement"), {"year": 2024, "children": 1})
        assert response.status_code == 200
        assert len(response.json()["children"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_schema_documents_both_actions(t):
    response = api(t.leader).get(reverse("schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    achievement_doc = paths["/api/v1/reports/achievement/"]["get"]
    assert {p["name"] for p in achievement_doc["parameters"]} >= {"unit", "year", "as_of", "structure", "children"}
    assert {p["name"] for p in paths["/api/v1/reports/completeness/"]["get"]["parameters"]} >= {"unit", "quarter"}
