"""Reorganizations over the API (PRODUCT.md §7, §9): a draft from a JSON plan or a plan file with
its preview, then preview again, apply (the tree changes, lineage recorded) or discard; refused
plans answer 400 with their rows and columns, a plan no longer a draft 409; the federation's
staff and leader read (200) but do not write (403), union-level users and other federations
see nothing (404); and the schema documents it all."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from federation.models import User
from unions.models import Lineage, Reorganization, Status, Union
from unions.reorg.engine import run_plan
from unions.reorg.plan import Decision, Row

pytestmark = pytest.mark.django_db

LIST = "/api/v1/reorganizations/"
BODY = {
    "decision_number": "45/QĐ-LĐLĐ",
    "decision_date": "2025-06-20",
    "effective_on": "2025-07-01",
    "reason": "Sắp xếp tổ chức bộ máy",
    "operations": [{"operation": "dissolve", "unit": "H01", "target": "H02"}],
}
BODY_DATE = datetime.date(2025, 6, 1)


def api(user=None, language="en"):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    client.cookies["django_language"] = language
    return client


def detail(pk, action=""):
    return f"{LIST}{pk}/" + (f"{action}/" if action else "")


def draft(cast, body=BODY):
    response = api(cast.admin).post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def tree():
    return sorted(Union.objects.values_list("pk", "code", "parent_id", "path", "status"))


def test_a_draft_with_its_preview_then_applied(cast):
    before = tree()
    body = draft(cast)
    assert body["status"] == "draft" and body["federation"] == "LDLD-DLK" and body["created_by"] == "admin"
    assert (body["decision_number"], body["decision_date"], body["effective_on"]) == (
        "45/QĐ-LĐLĐ", "2025-06-20", "2025-07-01",
    )  # fmt: skip
    assert body["operations"] == [{"number": 1, "operation": "dissolve", "unit": "H01", "target": "H02"}]
    assert body["lineage"] == [] and body["source"] == ""
    preview = body["preview"]
    assert preview["status"] == "valid" and preview["reorganization"] is None and preview["errors"] == []
    assert [u["code"] for u in preview["steps"][0]["units"]] == ["A", "A2"]
    assert preview["totals"]["active_units"] == [8, 7]
    assert tree() == before  # a draft changes nothing
    again = api(cast.admin).get(detail(body["id"], "preview"))
    assert again.status_code == 200 and again.json() == preview
    applied = api(cast.admin).post(detail(body["id"], "apply"))
    assert applied.status_code == 200, applied.content
    assert applied.json()["status"] == "applied" and applied.json()["reorganization"] == body["id"]
    assert applied.json()["steps"] == preview["steps"]
    cast.d1.refresh_from_db()
    assert cast.d1.status == Status.CLOSED and set(cast.d2.children.values_list("code", flat=True)) == {"A", "A2", "B"}
    read = api(cast.leader).get(detail(body["id"])).json()
    assert read["status"] == "applied" and read["applied_by"] == "admin" and read["applied_at"]
    assert [(line["operation"], line["unit"], line["successor"]) for line in read["lineage"]] == [
        ("dissolve", "H01", "H02"),
    ]
    assert read["lineage"][0]["effective_on"] == "2025-07-01"


def test_a_plan_no_longer_a_draft_answers_409(cast):
    pk = draft(cast)["id"]
    assert api(cast.admin).post(detail(pk, "apply")).status_code == 200
    for method, action in (("post", "apply"), ("post", "discard"), ("get", "preview")):
        response = getattr(api(cast.admin), method)(detail(pk, action))
        assert response.status_code == 409, (action, response.content)
        assert response.json()["detail"] == "This reorganization was applied: it can no longer change."
    assert Lineage.objects.count() == 1


def test_discard(cast):
    pk = draft(cast)["id"]
    response = api(cast.admin).post(detail(pk, "discard"))
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert api(cast.admin).post(detail(pk, "apply")).status_code == 409
    cast.d1.refresh_from_db()
    assert cast.d1.status == Status.ACTIVE


def test_a_refused_plan_answers_400_with_rows_and_columns(cast):
    body = {
        "decision_number": "45/QĐ-LĐLĐ",
        "decision_date": "20/06/2025",
        "effective_on": "2099-01-01",
        "reason": "",
        "operations": [
            {"operation": "explode", "unit": "A"},
            {"operation": "move"},
            {"operation": "move", "unit": "A", "new_parnet": "H02"},
            {"operation": "rename", "unit": 12},
            "dissolve A",
        ],
    }
    response = api(cast.admin).post(LIST, body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "invalid"
    assert [(e["row"], e["column"], e["code"]) for e in data["errors"]] == [
        (None, "effective_on", "date_in_future"),
        (None, "reason", "missing_value"),
        (1, "operation", "invalid_operation"),
        (2, "unit", "missing_value"),
        (3, "new_parnet", "unknown_key"),
        (4, "unit", "invalid_value"),
        (5, None, "invalid_value"),
    ]
    assert data["errors"][3]["message"] == "Enter the unit's code."
    assert not Reorganization.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(cast):
    response = api(cast.admin).post(LIST, [BODY], format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"sheet": None, "row": None, "column": None, "code": "invalid_value",
         "message": "Send the plan as one JSON object."},
    ]  # fmt: skip


def test_bad_decision_fields_and_an_empty_plan(cast):
    response = api(cast.admin).post(LIST, {"decision_date": "hôm qua", "operations": []}, format="json")
    assert response.status_code == 400
    errors = {e["column"]: e["code"] for e in response.json()["errors"]}
    assert errors == {
        "decision_number": "missing_value",
        "decision_date": "invalid",
        "effective_on": "missing_value",
        "reason": "missing_value",
        "operations": "empty_plan",
    }
    assert not Reorganization.objects.exists()


def test_a_draft_that_no_longer_applies_answers_400_and_writes_nothing(cast):
    pk = draft(cast, {**BODY, "operations": [{"operation": "merge", "unit": "A", "target": "A2"}]})["id"]
    decision = Decision(number="1/QĐ", date=BODY_DATE, effective_on=BODY_DATE, reason="Giải thể")
    assert run_plan(federation=cast.fed, decision=decision, rows=[Row(1, "dissolve", "A2")], by=None, apply=True).ok
    before = tree()
    preview = api(cast.admin).get(detail(pk, "preview"))
    assert preview.status_code == 200 and preview.json()["status"] == "invalid"
    response = api(cast.admin).post(detail(pk, "apply"))
    assert response.status_code == 400
    assert response.json()["status"] == "invalid"
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(1, "target")]
    assert tree() == before
    assert Reorganization.objects.get(pk=pk).status == Reorganization.Status.DRAFT


def test_read_only_roles_read_but_do_not_write(cast):
    pk = draft(cast)["id"]
    for user in (cast.staff, cast.leader):
        client = api(user)
        listed = client.get(LIST)
        assert listed.status_code == 200 and [r["id"] for r in listed.json()["results"]] == [pk]
        assert client.get(detail(pk)).status_code == 200
        assert client.post(LIST, BODY, format="json").status_code == 403
        for method, action in (("get", "preview"), ("post", "apply"), ("post", "discard")):
            assert getattr(client, method)(detail(pk, action)).status_code == 403, (user, action)
    assert Reorganization.objects.get().status == Reorganization.Status.DRAFT
    assert Reorganization.objects.count() == 1


def test_union_level_users_and_other_federations_see_nothing(cast):
    pk = draft(cast)["id"]
    for user in (cast.officer, cast.chair_a, cast.other_admin):
        client = api(user)
        listed = client.get(LIST)
        assert listed.status_code == 200 and listed.json()["count"] == 0
        assert client.get(detail(pk)).status_code == 404
        for method, action in (("get", "preview"), ("post", "apply"), ("post", "discard")):
            assert getattr(client, method)(detail(pk, action)).status_code == 404, (user, action)
    for user in (cast.officer, cast.chair_a):
        assert api(user).post(LIST, BODY, format="json").status_code == 403
    assert api().get(LIST).status_code == 401
    assert api().post(detail(pk, "apply")).status_code == 401
    assert Reorganization.objects.get().status == Reorganization.Status.DRAFT


def test_the_list_pages_and_filters_by_status(cast):
    first = draft(cast)["id"]
    second = draft(cast, {**BODY, "operations": [{"operation": "rename", "unit": "G0", "new_name": "Tổng công ty"}]})
    api(cast.admin).post(detail(second["id"], "apply"))
    page = api(cast.admin).get(LIST, {"page_size": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    applied = api(cast.admin).get(LIST, {"status": "applied"}).json()["results"]
    assert [r["id"] for r in applied] == [second["id"]]
    assert [r["id"] for r in api(cast.admin).get(LIST, {"status": "draft"}).json()["results"]] == [first]


def _csv(rows, name="plan.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Thao tác", "Mã đơn vị", "Đơn vị tiếp nhận", "Số quyết định", "Ngày quyết định",
                     "Ngày hiệu lực", "Lý do"])  # fmt: skip
    for row in rows:
        writer.writerow(row)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def test_a_draft_from_a_plan_file(cast):
    upload = _csv([["giải thể", "H01", "H02", "45/QĐ-LĐLĐ", "20/06/2025", "01/07/2025", "Sắp xếp"]])
    response = api(cast.admin).post(LIST, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "plan.csv" and body["preview"]["status"] == "valid"
    assert body["operations"] == [{"number": 2, "operation": "dissolve", "unit": "H01", "target": "H02"}]
    assert api(cast.admin).post(detail(body["id"], "apply")).status_code == 200
    cast.d1.refresh_from_db()
    assert cast.d1.status == Status.CLOSED


def test_an_xlsx_plan_file_with_errors_answers_400_with_sheet_row_and_column(cast):
    book = openpyxl.Workbook()
    book.active.title = "Kế hoạch"
    book.active.append(["Thao tác", "Mã đơn vị", "Số quyết định", "Ngày quyết định", "Ngày hiệu lực", "Lý do"])
    book.active.append(["nổ tung", "A", "45/QĐ", "20/06/2025", "01/07/2025", "Sắp xếp"])
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("plan.xlsx", content.getvalue())
    response = api(cast.admin).post(LIST, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in response.json()["errors"]] == [
        ("Kế hoạch", 2, "operation", "invalid_operation"),
    ]
    missing = api(cast.admin).post(LIST, {"decision_number": "1"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"][0]["column"] == "file"
    wrong = api(cast.admin).post(LIST, {"file": SimpleUploadedFile("plan.xls", b"\xd0\xcf")}, format="multipart")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["code"] == "unreadable_file"
    assert not Reorganization.objects.exists()


def test_a_system_administrator_names_the_federation(cast):
    root = User.objects.create_superuser("root", password="x")
    response = api(root).post(LIST, BODY, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["column"] == "federation"
    response = api(root).post(LIST, {**BODY, "federation": "NOPE"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "unknown_federation"
    response = api(root).post(LIST, {**BODY, "federation": "ldld-dlk"}, format="json")
    assert response.status_code == 201 and response.json()["federation"] == "LDLD-DLK"
    assert api(root).get(LIST).json()["count"] == 1


def test_the_schema_documents_the_endpoints_and_their_errors(cast):
    paths = api(cast.leader).get("/api/schema/?format=json").json()["paths"]

    def codes(path, method):
        return set(paths[path][method]["responses"])

    assert {"201", "400", "403"} <= codes("/api/v1/reorganizations/", "post")
    assert {"200", "404"} <= codes("/api/v1/reorganizations/{id}/", "get")
    assert {"200", "403", "404", "409"} <= codes("/api/v1/reorganizations/{id}/preview/", "get")
    assert {"200", "400", "403", "404", "409"} <= codes("/api/v1/reorganizations/{id}/apply/", "post")
    assert {"200", "403", "404", "409"} <= codes("/api/v1/reorganizations/{id}/discard/", "post")
    content = paths["/api/v1/reorganizations/"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
