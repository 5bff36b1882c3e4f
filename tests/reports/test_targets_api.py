"""Indicators and targets over the API (PRODUCT.md §6, §9): the §6 body with the federation's
code and a union's code, messages of refused values, 404 outside the scope, 403 for read-only
roles, 409 for a change made on an outdated version, and the allocation check."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from reports.models import Indicator, Target
from reports.services.targets import target_revise, target_set

D = datetime.date


def api(user, language="en"):
    client = APIClient()
    client.force_authenticate(user)
    client.cookies["django_language"] = language
    return client


BODY = {
    "indicator": "members_admitted",
    "unit": "LDLD-DLK",
    "year": 2024,
    "value": "8450",
    "document_number": "125/KH-LĐLĐ",
    "document_date": "2024-01-15",
    "issuer": "vgcl",
}


@pytest.fixture
def t(cast):
    c = cast
    c.admitted = Indicator.objects.get(code="members_admitted")
    c.t_a = target_set(federation=c.fed, union=c.a, indicator=c.admitted, year=2024, value=40, by=c.staff)
    c.t_b = target_set(federation=c.fed, union=c.b, indicator=c.admitted, year=2024, value=25, by=c.staff)
    return c


def test_post_the_section_6_body_with_the_federations_code(t):
    response = api(t.staff).post("/api/v1/targets/", BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("indicator", "unit", "year", "value", "document_date", "issuer", "version")} == {
        "indicator": "members_admitted", "unit": "LDLD-DLK", "year": 2024, "value": "8450",
        "document_date": "2024-01-15", "issuer": "vgcl", "version": 1,
    }  # fmt: skip
    target = Target.objects.get(pk=body["id"])
    assert (target.union, target.value, target.document_number) == (None, Decimal(8450), "125/KH-LĐLĐ")


def test_post_with_a_unions_code_by_the_officer_above_it(t):
    body = {**BODY, "unit": "a2", "value": "12", "issuer": ""}
    response = api(t.officer).post("/api/v1/targets/", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["unit"], response.json()["value"], response.json()["issuer"]) == ("A2", "12", "superior")
    assert Target.objects.get(union=t.a2).created_at is not None


def test_percentages_come_back_as_plain_strings(t):
    body = {**BODY, "indicator": "members_per_worker", "value": "92.5"}
    response = api(t.admin).post("/api/v1/targets/", body, format="json")
    assert response.status_code == 201 and response.json()["value"] == "92.50"
    listed = api(t.admin).get("/api/v1/targets/?indicator=members_per_worker").json()["results"]
    assert [row["value"] for row in listed] == ["92.50"]


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"value": "-5"}, {"value": ["A target cannot be negative."]}),
        ({"value": "8.450,5"}, {"value": ['Enter a number without grouping, such as "8450" or "92.5".']}),
        ({"value": "12.5"}, {"value": ["Enter a whole number, without decimals."]}),
        ({"year": 1990}, {"year": ["Enter a year between 2000 and 2100."]}),
        ({"indicator": "no_such"}, {"indicator": ["Object with code=no_such does not exist."]}),
    ],
)
def test_refused_values_come_back_as_400_with_messages(t, change, errors):
    response = api(t.staff).post("/api/v1/targets/", {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Target.objects.filter(union__isnull=True).exists()


def test_a_second_target_for_the_same_unit_is_refused(t):
    response = api(t.staff).post("/api/v1/targets/", {**BODY, "unit": "A"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This unit already has a target for this indicator and year: open it to revise it."]
    }


def test_units_outside_the_scope_are_not_found(t):
    assert api(t.officer).post("/api/v1/targets/", {**BODY, "unit": "B"}, format="json").status_code == 404
    assert api(t.officer).post("/api/v1/targets/", BODY, format="json").status_code == 404  # the federation's own
    assert api(t.other_admin).post("/api/v1/targets/", {**BODY, "unit": "A"}, format="json").status_code == 404
    assert api(t.officer).get(f"/api/v1/targets/{t.t_b.pk}/").status_code == 404
    assert api(t.chair_b).patch(f"/api/v1/targets/{t.t_a.pk}/", {"value": "1", "version": 1}).status_code == 404
    assert api(t.officer).get("/api/v1/targets/allocation/?unit=H02").status_code == 404
    assert not Target.objects.filter(union=t.b, value=8450).exists()


def test_read_only_roles_get_403(t):
    assert api(t.leader).get(f"/api/v1/targets/{t.t_a.pk}/").status_code == 200
    assert api(t.leader).post("/api/v1/targets/", BODY, format="json").status_code == 403
    assert api(t.chair_a).post("/api/v1/targets/", {**BODY, "unit": "A"}, format="json").status_code == 403
    for who in (t.leader, t.chair_a):
        response = api(who).patch(f"/api/v1/targets/{t.t_a.pk}/", {"value": "1", "version": 1}, format="json")
        assert response.status_code == 403
    # The officer reads its own union's target but the federation sets it.
    d1 = target_set(federation=t.fed, union=t.d1, indicator=t.admitted, year=2024, value=100, by=t.staff)
    assert api(t.officer).patch(f"/api/v1/targets/{d1.pk}/", {"value": "1", "version": 1}).status_code == 403
    assert api(t.officer).post("/api/v1/targets/", {**BODY, "unit": "H01"}, format="json").status_code == 403
    t.t_a.refresh_from_db()
    assert (t.t_a.value, t.t_a.version) == (40, 1)


def test_patch_revises_with_the_version_read_and_409_when_it_moved_on(t):
    url = f"/api/v1/targets/{t.t_a.pk}/"
    response = api(t.officer).patch(url, {"value": "45", "reason": "Bổ sung", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["value"], response.json()["version"]) == ("45", 2)

    response = api(t.staff).patch(url, {"value": "50", "reason": "Khác", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"This target was changed by {t.officer.display_name} at ")
    assert api(t.staff).patch(url, {"value": "50"}, format="json").json() == {"version": ["This field is required."]}

    revisions = api(t.leader).get(f"{url}revisions/").json()["results"]
    assert [(r["number"], r["value"], r["reason"], r["changed_by"]) for r in revisions] == [
        (2, "45", "Bổ sung", "officer"),
        (1, "40", "", "staff"),
    ]
    t.t_a.refresh_from_db()
    assert (t.t_a.value, t.t_a.version) == (45, 2)


def test_list_is_scoped_and_filtered_by_year_indicator_and_unit(t):
    target_set(federation=t.fed, union=None, indicator=t.admitted, year=2024, value=8450, by=t.staff)
    target_set(federation=t.fed, union=t.a, indicator=t.admitted, year=2025, value=50, by=t.staff)

    def units(user, query=""):
        rows = api(user).get(f"/api/v1/targets/{query}").json()["results"]
        return sorted((r["unit"], r["year"]) for r in rows)

    assert units(t.leader, "?year=2024") == [("A", 2024), ("B", 2024), ("LDLD-DLK", 2024)]
    assert units(t.leader, "?unit=LDLD-DLK") == [("LDLD-DLK", 2024)]
    assert units(t.leader, "?unit=a&indicator=members_admitted") == [("A", 2024), ("A", 2025)]
    assert units(t.chair_a) == [("A", 2024), ("A", 2025)]
    assert units(t.officer, "?unit=B") == []
    assert units(t.other_admin) == []


def test_indicators_are_read_by_code(t):
    response = api(t.chair_a).get("/api/v1/indicators/members_per_worker/")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("code", "unit", "measure", "is_additive", "name")} == {
        "code": "members_per_worker", "unit": "percent", "measure": "ratio", "is_additive": False,
        "name": "Members per worker",
    }  # fmt: skip
    assert api(t.chair_a).post("/api/v1/indicators/", {"code": "x"}).status_code == 405
    assert api(t.leader).get("/api/v1/indicators/").json()["count"] == 15


def test_allocation_gives_the_sum_check(t):
    target_set(federation=t.fed, union=t.d1, indicator=t.admitted, year=2024, value=100, by=t.staff)
    response = api(t.officer).get("/api/v1/targets/allocation/?year=2024")
    assert response.status_code == 200
    body = response.json()
    assert (body["unit"], body["year"]) == ("H01", 2024)
    assert body["rows"] == [
        {"indicator": "members_admitted", "target": "100", "allocated": "40", "difference": "-60",
         "children_with": 1, "children": 2, "adds_up": False, "status": "short"},
    ]  # fmt: skip
    fed = api(t.leader).get("/api/v1/targets/allocation/?unit=LDLD-DLK&year=2024").json()
    assert fed["rows"][0]["target"] is None and fed["rows"][0]["allocated"] == "100"


def test_the_schema_documents_the_target_endpoints(t):
    response = api(t.leader).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    post = paths["/api/v1/targets/"]["post"]
    assert {"201", "400", "403", "404"} <= set(post["responses"])
    assert "409" in paths["/api/v1/targets/{id}/"]["patch"]["responses"]
    assert "/api/v1/targets/allocation/" in paths and "/api/v1/targets/{id}/revisions/" in paths
    assert "/api/v1/indicators/{code}/" in paths


def test_revise_through_the_service_and_api_agree(t):
    target_revise(target=t.t_a, value=41, reason="x", version=1, by=t.staff)
    assert api(t.leader).get(f"/api/v1/targets/{t.t_a.pk}/").json()["value"] == "41"
