"""Quarterly returns and report quarters over the API (PRODUCT.md §9): the workflow, versions
(409 on a stale one, with who saved it), the checks as 400s, scoping (404) and read-only roles
(403), and the OpenAPI schema."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from reports.models import QuarterlyReturn, ReportingQuarter, ReturnStatus
from reports.services import returns as services

from ..factories import member

D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages asserted are the English ones
    return client


def detail(ret, action=None):
    if action:
        return reverse(f"return-{action}", args=[ret.pk])
    return reverse("return-detail", args=[ret.pk])


@pytest.fixture
def c(cast):
    member(cast.a, full_name="Nguyễn Văn Một", joined_on=D(2020, 1, 1))
    member(cast.a, full_name="Trần Thị Hai", gender="female", joined_on=D(2021, 1, 1))
    return cast


def test_the_workflow_through_the_api(c):
    chair = api(c.chair_a)
    response = chair.post(reverse("return-list"), {"unit": "a", "year": 2026, "quarter": 3}, format="json")
    assert response.status_code == 201, response.data
    body = response.data
    assert (body["unit"], body["status"], body["version"], body["ends_on"]) == ("A", "draft", 1, "2026-09-30")
    again = chair.post(reverse("return-list"), {"unit": "A", "year": 2026, "quarter": 3}, format="json")
    assert (again.status_code, again.data["id"]) == (200, body["id"])
    ret = QuarterlyReturn.objects.get(pk=body["id"])

    response = chair.patch(detail(ret), {"version": 1, "workers_total": 40, "workers_female": 25}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["workers_total"], response.data["version"]) == (40, 2)

    response = chair.post(detail(ret, "submit"), {"version": 2}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["members_closing"], response.data["members_female"]) == (
        "submitted", 2, 1,
    )  # fmt: skip

    officer = api(c.officer)
    response = officer.post(detail(ret, "return"), {"version": 3, "comment": "Sửa số nữ"}, format="json")
    assert (response.status_code, response.data["status"], response.data["comment"]) == (200, "returned", "Sửa số nữ")
    response = chair.post(detail(ret, "submit"), {"version": 4}, format="json")
    assert response.data["status"] == "submitted"
    response = officer.post(detail(ret, "approve"), {"version": 5}, format="json")
    assert (response.status_code, response.data["status"], response.data["decided_by"]) == (200, "approved", "officer")

    admin = api(c.admin)
    response = admin.post(detail(ret, "lock"), format="json")
    assert (response.status_code, response.data["status"]) == (200, "locked")
    response = admin.post(detail(ret, "reopen"), {"reason": "Sai số"}, format="json")
    assert (response.status_code, response.data["status"], response.data["comment"]) == (200, "returned", "Sai số")


def test_a_stale_version_answers_409_and_writes_nothing(c):
    ret = services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a)
    services.return_save(ret=ret, data={"workers_total": 40}, version=1, by=c.chair_a)

    response = api(c.admin).patch(detail(ret), {"version": 1, "workers_total": 99}, format="json")

    assert response.status_code == 409
    assert response.data["version"] == 2 and response.data["status"] == "draft"
    assert response.data["detail"].startswith(c.chair_a.display_name + " saved this return at ")
    assert "Nothing was overwritten" in response.data["detail"]
    ret.refresh_from_db()
    assert (ret.workers_total, ret.version) == (40, 2)


def test_a_patch_without_its_version_is_refused(c):
    ret = services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a)
    response = api(c.chair_a).patch(detail(ret), {"workers_total": 40}, format="json")
    assert response.status_code == 400 and "version" in response.data


def test_the_checks_answer_400_with_their_messages(c):
    ret = services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a)
    chair = api(c.chair_a)
    response = chair.post(detail(ret, "submit"), {"version": 1}, format="json")
    assert response.status_code == 400
    assert response.data == {"workers_total": ["Enter the number of workers: a return cannot be submitted without it."]}
    response = chair.patch(detail(ret), {"version": 1, "workers_total": 1, "workers_female": 2}, format="json")
    assert response.data == {"workers_female": ["Female workers (2) cannot outnumber all workers (1)."]}
    response = chair.patch(detail(ret), {"version": 1, "workers_total": 1}, format="json")
    response = chair.post(detail(ret, "submit"), {"version": 2}, format="json")
    assert response.status_code == 400 and "members cannot outnumber workers" in response.data["workers_total"][0]
    response = api(c.officer).post(detail(ret, "approve"), {"version": 2}, format="json")
    assert response.status_code == 400
    refused = "This return is “Draft”: only a submitted return can be approved or returned."
    assert response.data == {"non_field_errors": [refused]}
    assert QuarterlyReturn.objects.get(pk=ret.pk).status == ReturnStatus.DRAFT


def test_scoping_and_read_only_roles(c):
    ret = services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a)
    assert api(c.chair_b).get(detail(ret)).status_code == 404
    assert api(c.other_admin).patch(detail(ret), {"version": 1, "dialogues": 1}, format="json").status_code == 404
    assert api(c.leader).get(detail(ret)).status_code == 200
    assert api(c.leader).patch(detail(ret), {"version": 1, "dialogues": 1}, format="json").status_code == 403
    assert api(c.officer).post(detail(ret, "submit"), {"version": 1}, format="json").status_code == 403
    assert api(c.chair_a).post(detail(ret, "approve"), {"version": 1}, format="json").status_code == 403
    response = api(c.chair_b).post(reverse("return-list"), {"unit": "A", "year": 2026, "quarter": 2}, format="json")
    assert response.status_code == 404
    assert QuarterlyReturn.objects.get(pk=ret.pk).version == 1
    assert QuarterlyReturn.objects.count() == 1


def test_the_list_filters_by_unit_year_quarter_and_status(c):
    services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a)
    services.return_open(union=c.a, year=2026, quarter=2, by=c.chair_a)
    b = services.return_open(union=c.b, year=2026, quarter=3, by=c.chair_b)
    services.return_submit(ret=b, version=1, by=c.chair_b, data={"workers_total": 500})
    staff = api(c.staff)
    rows = staff.get(reverse("return-list") + "?year=2026&quarter=3").data["results"]
    assert sorted(r["unit"] for r in rows) == ["A", "B"]
    rows = staff.get(reverse("return-list") + "?unit=a").data["results"]
    assert [(r["unit"], r["quarter"]) for r in rows] == [("A", 3), ("A", 2)]
    rows = staff.get(reverse("return-list") + "?status=submitted").data["results"]
    assert [r["unit"] for r in rows] == ["B"]
    rows = api(c.officer).get(reverse("return-list")).data["results"]
    assert {r["unit"] for r in rows} == {"A"}


def test_quarters_list_set_deadline_close_and_reopen(c):
    ret = services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a)
    services.return_submit(ret=ret, version=1, by=c.chair_a, data={"workers_total": 40})
    admin = api(c.admin)
    rows = admin.get(reverse("quarter-list") + "?year=2026").data["results"]
    q3 = next(r for r in rows if r["quarter"] == 3)
    assert (q3["id"], q3["deadline"], q3["deadline_is_default"], q3["owing"], q3["reported"]) == (
        "2026-3", "2026-10-10", True, 5, 1,
    )  # fmt: skip

    response = admin.post(reverse("quarter-deadline", args=["2026-3"]), {"deadline": "2026-09-01"}, format="json")
    assert response.status_code == 400
    assert response.data == {"deadline": ["The deadline must come after the quarter ends (30/09/2026)."]}
    response = admin.post(reverse("quarter-deadline", args=["2026-3"]), {"deadline": "2026-10-20"}, format="json")
    assert (response.status_code, response.data["deadline"], response.data["deadline_is_default"]) == (
        200, "2026-10-20", False,
    )  # fmt: skip

    response = admin.post(reverse("quarter-close", args=["2026-3"]), format="json")
    assert (response.status_code, response.data["closed"]) == (200, True)
    assert QuarterlyReturn.objects.get(pk=ret.pk).status == ReturnStatus.LOCKED
    response = api(c.chair_a).patch(detail(ret), {"version": 3, "dialogues": 1}, format="json")
    assert response.status_code == 400

    response = admin.post(reverse("quarter-reopen", args=["2026-3"]), {"reason": ""}, format="json")
    assert response.status_code == 400
    response = admin.post(reverse("quarter-reopen", args=["2026-3"]), {"reason": "Bổ sung"}, format="json")
    assert (response.status_code, response.data["closed"], response.data["reopen_reason"]) == (200, False, "Bổ sung")
    assert QuarterlyReturn.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED

    assert api(c.staff).post(reverse("quarter-close", args=["2026-3"]), format="json").status_code == 403
    assert api(c.leader).get(reverse("quarter-list")).status_code == 403
    assert ReportingQuarter.objects.get(year=2026, quarter=3).closed_at is None


def test_the_schema_documents_the_returns_endpoints_and_their_errors(c):
    schema = api(c.chair_a).get(reverse("schema") + "?format=json").json()["paths"]

    def codes(path, method="post"):
        return set(schema[path][method]["responses"])

    assert {"200", "400", "403", "404", "409"} <= codes("/api/v1/returns/{id}/", "patch")
    for action in ("submit", "approve", "return"):
        assert {"400", "403", "404", "409"} <= codes(f"/api/v1/returns/{{id}}/{action}/")
    for action in ("lock", "reopen"):
        assert {"400", "403", "404"} <= codes(f"/api/v1/returns/{{id}}/{action}/")
    for action in ("deadline", "close", "reopen"):
        assert {"400", "403", "404"} <= codes(f"/api/v1/quarters/{{id}}/{action}/")
