import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from unions.models import Union


def api(user=None, token=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def codes(response):
    return sorted(row["code"] for row in response.json()["results"])


def test_list_is_scoped_and_paginated(cast):
    response = api(cast.officer).get("/api/v1/unions/")
    assert response.status_code == 200
    assert response.json()["count"] == 3 and codes(response) == ["A", "A2", "H01"]
    assert codes(api(cast.chair_a).get("/api/v1/unions/")) == ["A"]


def test_under_filter_gives_a_subtree(cast):
    assert codes(api(cast.admin).get("/api/v1/unions/?under=H01")) == ["A", "A2", "H01"]
    assert codes(api(cast.admin).get("/api/v1/unions/?under=h01&level=grassroots")) == ["A", "A2"]
    assert len(codes(api(cast.admin).get("/api/v1/unions/?under=LDLD-DLK"))) == 8


def test_under_another_district_is_not_found(cast):
    response = api(cast.officer).get("/api/v1/unions/?under=H02")
    assert response.status_code == 404
    assert response.json() == api(cast.officer).get("/api/v1/unions/?under=NOPE").json()


def test_search_without_diacritics(cast):
    assert codes(api(cast.admin).get("/api/v1/unions/", {"q": "truong tieu hoc"})) == ["A"]


def test_detail_fields(cast):
    data = api(cast.leader).get(f"/api/v1/unions/{cast.a.pk}/").json()
    assert data["code"] == "A" and data["parent"] == "H01" and data["federation"] == "LDLD-DLK"
    assert data["level"] == "grassroots" and data["status"] == "active"


def test_create_under_a_district(cast):
    response = api(cast.officer).post(
        "/api/v1/unions/",
        {
            "code": "A3",
            "name": "Công đoàn Trường THCS Lê Lợi",
            "level": "grassroots",
            "parent": "H01",
            "kind": "public_service_unit",
            "sector": "public_service",
            "established_on": "2024-07-22",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    union = Union.objects.get(federation=cast.fed, code="A3")
    assert union.parent == cast.d1 and union.path.startswith(cast.d1.path)


def test_create_refuses_a_parent_outside_the_scope_and_top_level_for_officers(cast):
    payload = {"code": "Z1", "name": "Sai", "level": "grassroots", "kind": "enterprise", "sector": "fdi_enterprise"}
    response = api(cast.officer).post("/api/v1/unions/", {**payload, "parent": "H02"}, format="json")
    assert response.status_code == 400 and "parent" in response.json()
    response = api(cast.officer).post("/api/v1/unions/", payload, format="json")
    assert response.status_code == 400 and "parent" in response.json()
    assert not Union.objects.filter(code="Z1").exists()


def test_create_validates_kind_and_sector_in_vietnamese(cast):
    response = api(cast.admin).post(
        "/api/v1/unions/",
        {"code": "Z2", "name": "Sai", "level": "grassroots", "kind": "district_federation"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "sector"}


def test_duplicate_code_is_a_clean_400(cast):
    response = api(cast.admin).post(
        "/api/v1/unions/",
        {
            "code": "A",
            "name": "Trùng",
            "level": "grassroots",
            "parent": "H01",
            "kind": "enterprise",
            "sector": "fdi_enterprise",
        },
        format="json",
    )
    assert response.status_code == 400
    assert Union.objects.filter(federation=cast.fed, code="A").count() == 1


def test_patch_changes_data_but_not_the_place_in_the_tree(cast):
    response = api(cast.staff).patch(
        f"/api/v1/unions/{cast.a.pk}/", {"worker_count": 55, "parent": "H02", "level": "superior"}, format="json"
    )
    assert response.status_code == 200
    cast.a.refresh_from_db()
    assert cast.a.worker_count == 55 and cast.a.parent == cast.d1 and cast.a.level == "grassroots"


def test_nothing_is_deleted(cast):
    assert api(cast.admin).delete(f"/api/v1/unions/{cast.a.pk}/").status_code == 405


def test_token_from_drf_create_token(cast, capsys):
    call_command("drf_create_token", "officer")
    token = Token.objects.get(user=cast.officer).key
    assert token in capsys.readouterr().out
    response = api(token=token).get("/api/v1/unions/")
    assert response.status_code == 200 and codes(response) == ["A", "A2", "H01"]
    assert api(token="wrong").get("/api/v1/unions/").status_code == 401


def test_federations_endpoint(cast):
    data = api(cast.chair_a).get("/api/v1/federations/").json()
    assert [f["code"] for f in data["results"]] == ["LDLD-DLK"]
    assert data["results"][0]["province_name"] == "Đắk Lắk"


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_for_signed_in_users(cast, path):
    assert api(cast.leader).get(path).status_code == 200
    assert api().get(path).status_code == 401


def test_schema_documents_the_endpoints(cast):
    body = api(cast.leader).get("/api/schema/").content.decode()
    for path in ("/api/v1/unions/", "/api/v1/unions/{id}/", "/api/v1/federations/"):
        assert path in body
    assert "under" in body
