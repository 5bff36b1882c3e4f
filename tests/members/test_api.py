import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from members import services
from members.models import ImportStatus, Member, MemberImport, MemberStatus, Movement

D = datetime.date


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


BORN, JOINED = D(1985, 4, 3), D(2010, 2, 1)


def admit(union, name, cid, gender="male", born=BORN, joined=JOINED, **extra):
    return services.member_admit(
        union=union,
        by=None,
        full_name=name,
        gender=gender,
        date_of_birth=born,
        citizen_id=cid,
        joined_on=joined,
        **extra,
    )


def roster(cast):
    return {
        "an": admit(cast.a, "Nguyễn Văn An", "066085001234", phone="0912345678", ethnicity="Kinh"),
        "binh": admit(cast.a2, "Trần Thị Bình", "066190001235", gender="female", born=D(1990, 7, 22)),
        "cuong": admit(cast.b, "Lê Văn Cường", "066088001236", born=D(1988, 1, 1)),
    }


def test_members_are_scoped(cast):
    roster(cast)
    names = lambda r: sorted(m["full_name"] for m in r.json()["results"])  # noqa: E731
    assert names(api(cast.admin).get("/api/v1/members/")) == ["Lê Văn Cường", "Nguyễn Văn An", "Trần Thị Bình"]
    assert names(api(cast.officer).get("/api/v1/members/")) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert names(api(cast.chair_a).get("/api/v1/members/")) == ["Nguyễn Văn An"]
    assert names(api(cast.other_admin).get("/api/v1/members/")) == []


def test_out_of_scope_member_is_not_found(cast):
    people = roster(cast)
    assert api(cast.officer).get(f"/api/v1/members/{people['cuong'].pk}/").status_code == 404
    assert (
        api(cast.officer)
        .post(
            f"/api/v1/members/{people['cuong'].pk}/leave/", {"date": "2024-05-01", "reason": "resigned"}, format="json"
        )
        .status_code
        == 404
    )
    people["cuong"].refresh_from_db()
    assert people["cuong"].status == MemberStatus.ACTIVE


def test_leader_sees_masked_ids_and_no_personal_data(cast):
    people = roster(cast)
    data = api(cast.leader).get(f"/api/v1/members/{people['an'].pk}/").json()
    assert data["citizen_id"] == "0660******34"
    for hidden in ("date_of_birth", "phone", "ethnicity", "religion", "is_party_member"):
        assert hidden not in data
    data = api(cast.chair_a).get(f"/api/v1/members/{people['an'].pk}/").json()
    assert data["citizen_id"] == "066085001234" and data["phone"] == "0912345678"


def test_filters_under_and_search_without_diacritics(cast):
    roster(cast)
    response = api(cast.admin).get("/api/v1/members/?under=H01&q=nguyen van")
    assert [m["full_name"] for m in response.json()["results"]] == ["Nguyễn Văn An"]
    assert api(cast.officer).get("/api/v1/members/?under=H02").status_code == 404


def test_admit_through_the_api(cast):
    response = api(cast.chair_a).post(
        "/api/v1/members/",
        {
            "union": "A",
            "full_name": "  Phạm  Thị Dung ",
            "gender": "female",
            "date_of_birth": "1992-03-04",
            "citizen_id": "066192001237",
            "joined_on": "2024-07-22",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    member = Member.objects.get(citizen_id="066192001237")
    assert member.full_name == "Phạm Thị Dung" and member.union == cast.a
    assert Movement.objects.get(member=member).kind == "admitted"


def test_admit_refused_for_read_only_and_outside_scope(cast):
    payload = {
        "union": "B",
        "full_name": "Sai",
        "gender": "male",
        "date_of_birth": "1990-01-01",
        "citizen_id": "066090001239",
        "joined_on": "2020-01-01",
    }
    assert api(cast.leader).post("/api/v1/members/", payload, format="json").status_code == 403
    response = api(cast.chair_a).post("/api/v1/members/", payload, format="json")
    assert response.status_code == 400 and "union" in response.json()
    assert not Member.objects.filter(citizen_id="066090001239").exists()


def test_leave_and_movements(cast):
    people = roster(cast)
    response = api(cast.chair_a).post(
        f"/api/v1/members/{people['an'].pk}/leave/", {"date": "2024-05-01", "reason": "retired"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "left"
    kinds = [m["kind"] for m in api(cast.chair_a).get(f"/api/v1/movements/?member={people['an'].pk}").json()["results"]]
    assert kinds == ["left", "admitted"]
    assert (
        api(cast.leader)
        .post(f"/api/v1/members/{people['binh'].pk}/leave/", {"date": "2024-05-01", "reason": "retired"}, format="json")
        .status_code
        == 403
    )


def test_transfer_request(cast):
    people = roster(cast)
    response = api(cast.chair_a).post(
        f"/api/v1/members/{people['an'].pk}/transfer/", {"to_union": "B", "effective_on": "2024-06-01"}, format="json"
    )
    assert response.status_code == 201
    assert people["an"].transfers.get().to_union == cast.b


def _csv(rows):
    header = "Họ và tên,Giới tính,Ngày sinh,Số CCCD,Ngày vào Công đoàn\r\n"
    return SimpleUploadedFile("roll.csv", (header + "".join(rows)).encode("utf-8"), content_type="text/csv")


AN = "Nguyễn Văn An,Nam,03/04/1985,066085001234,01/02/2010\r\n"
BINH = "Trần Thị Bình,Nữ,22/07/1990,066190001235,15/03/2015\r\n"
BINH_WRONG_ID = "Trần Thị Bình,Nữ,22/07/1990,066090001235,15/03/2015\r\n"


def upload(user, rows, capture):
    """POST a roll; the job runs when the request's transaction commits, as in production."""
    with capture(execute=True):
        return api(user).post("/api/v1/imports/", {"file": _csv(rows)}, format="multipart")


def test_import_upload_answers_202_and_the_job_tells_the_result(cast, django_capture_on_commit_callbacks):
    response = upload(cast.chair_a, [AN, BINH], django_capture_on_commit_callbacks)
    assert response.status_code == 202
    job = api(cast.chair_a).get(response.json()["url"]).json()
    assert job["status"] == "imported" and job["progress"] == 100
    assert job["result"] == {
        "status": "imported",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "warnings": [],
        "errors": [],
    }
    assert Member.objects.filter(union=cast.a).count() == 2
    assert api(cast.chair_b).get(response.json()["url"]).status_code == 404


def test_import_with_an_error_writes_nothing(cast, django_capture_on_commit_callbacks):
    response = upload(cast.chair_a, [AN, BINH_WRONG_ID], django_capture_on_commit_callbacks)
    job = api(cast.chair_a).get(response.json()["url"]).json()
    assert job["status"] == "invalid"
    [error] = job["result"]["errors"]
    assert (error["row"], error["column"], error["code"]) == (3, "citizen_id", "citizen_id_mismatch")
    assert not Member.objects.exists()


def test_import_undo_by_federation_staff_only(cast, django_capture_on_commit_callbacks):
    job = upload(cast.chair_a, [AN], django_capture_on_commit_callbacks).json()
    assert api(cast.chair_a).post(f"/api/v1/imports/{job['id']}/undo/").status_code == 403
    response = api(cast.staff).post(f"/api/v1/imports/{job['id']}/undo/")
    assert response.status_code == 200 and response.json()["status"] == "undone"
    assert not Member.objects.exists()
    assert MemberImport.objects.get(pk=job["id"]).status == ImportStatus.UNDONE


def test_leader_cannot_upload(cast):
    assert api(cast.leader).post("/api/v1/imports/", {"file": _csv([])}, format="multipart").status_code == 403


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_import_runs_on_a_real_worker(cast, real_worker):
    response = api(cast.chair_a).post("/api/v1/imports/", {"file": _csv([AN, BINH])}, format="multipart")
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while (job := api(cast.chair_a).get(response.json()["url"]).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "imported" and job["result"]["created"] == 2
    assert Member.objects.filter(union=cast.a).count() == 2
