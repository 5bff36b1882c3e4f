"""The welfare API: activities and beneficiaries, Union Shelters, funds, occasions, totals.

Every endpoint: the role allowed to use it, the read-only leader (reads yes, writes 403), and
users outside the record's subtree (404, and lists without other scopes' records)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from federation.models import AuditLog
from welfare import services
from welfare.models import Activity, Beneficiary, Fund, FundEntry, Occasion, Program, Shelter, ShelterStatus

from ..conftest import add_members
from ..factories import member

D = datetime.date


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def titles(response):
    assert response.status_code == 200, response.content[:500]
    return sorted(row["title"] for row in response.json()["results"])


@pytest.fixture
def w(cast):
    """The cast with welfare records in each corner of the tree.

    Federation: Tet gifts (federation-level), A's Tet gifts, B's meal, a Tet occasion;
    shelters for m_a (run by D1) and m_b (run by D2); a social fund (federation) and a support
    fund (D1). Other federation: X's Tet gifts and a fund of X1.
    """
    c = add_members(cast)
    c.m_a2 = member(c.a, full_name="Phạm Thị Hoa", gender="female", date_of_birth=D(1991, 3, 3), member_code="DV-0001")
    c.tet = services.occasion_create(
        federation=c.fed, name="Tết Ất Tỵ 2025", starts_on=D(2025, 1, 1), ends_on=D(2025, 2, 15), by=c.admin
    )
    c.fed_gifts = services.activity_create(
        federation=c.fed, program=Program.TET_CARE, occasion=c.tet, title="Quà Tết của Liên đoàn",
        held_on=D(2025, 1, 20), person_times=3, amount_union_funds=1_500_000, amount_sponsors=600_000, by=c.admin,
    )  # fmt: skip
    c.a_gifts = services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, occasion=c.tet, title="Quà Tết CĐCS Hòa Phú",
        held_on=D(2025, 1, 22), person_times=1, amount_union_funds=3_000_000, by=c.chair_a,
    )  # fmt: skip
    c.b_meal = services.activity_create(
        federation=c.fed, union=c.b, program=Program.MEAL, title="Bữa cơm Công đoàn", held_on=D(2025, 5, 1),
        person_times=40, amount_sponsors=6_000_000, by=c.chair_b,
    )  # fmt: skip
    c.x_gifts = services.activity_create(
        federation=c.other_fed, union=c.x, program=Program.TET_CARE, title="Quà Tết Thủy điện",
        held_on=D(2025, 1, 21), person_times=7, by=c.other_admin,
    )  # fmt: skip
    c.house = services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=120_000_000, approved_on=D(2025, 2, 1),
        amount_union_funds=50_000_000, amount_sponsors=20_000_000, address="Thôn 3, Hòa Phú", by=c.officer,
    )  # fmt: skip
    c.house_b = services.shelter_create(
        federation=c.fed, union=c.d2, member=c.m_b, total_cost=80_000_000, approved_on=D(2025, 3, 1),
        amount_social_fund=40_000_000, by=c.admin,
    )  # fmt: skip
    c.fund = services.fund_create(federation=c.fed, name="Quỹ Xã hội Công đoàn", kind="social", by=c.admin)
    c.fund_d1 = services.fund_create(federation=c.fed, union=c.d1, name="Quỹ hỗ trợ H01", kind="support", by=c.officer)
    c.fund_x = services.fund_create(federation=c.other_fed, union=c.x1, name="Quỹ Yên Bái", kind="social",
                                    by=c.other_admin)  # fmt: skip
    return c


# --- activities --------------------------------------------------------------------------------


def test_activity_lists_are_scoped(w):
    everything = ["Bữa cơm Công đoàn", "Quà Tết CĐCS Hòa Phú", "Quà Tết của Liên đoàn"]
    assert titles(api(w.admin).get("/api/v1/activities/")) == everything
    assert titles(api(w.leader).get("/api/v1/activities/")) == everything
    assert titles(api(w.officer).get("/api/v1/activities/")) == ["Quà Tết CĐCS Hòa Phú"]
    assert titles(api(w.chair_a).get("/api/v1/activities/")) == ["Quà Tết CĐCS Hòa Phú"]
    assert titles(api(w.chair_b).get("/api/v1/activities/")) == ["Bữa cơm Công đoàn"]
    assert titles(api(w.other_admin).get("/api/v1/activities/")) == ["Quà Tết Thủy điện"]


def test_activity_filters(w):
    client = api(w.admin)
    assert titles(client.get("/api/v1/activities/?program=meal")) == ["Bữa cơm Công đoàn"]
    assert titles(client.get(f"/api/v1/activities/?occasion={w.tet.pk}")) == [
        "Quà Tết CĐCS Hòa Phú",
        "Quà Tết của Liên đoàn",
    ]
    assert titles(client.get("/api/v1/activities/?union=a")) == ["Quà Tết CĐCS Hòa Phú"]
    assert titles(client.get("/api/v1/activities/?under=H02")) == ["Bữa cơm Công đoàn"]
    assert len(titles(client.get("/api/v1/activities/?under=LDLD-DLK"))) == 3
    assert titles(client.get("/api/v1/activities/?start=2025-01-21&end=2025-04-30")) == ["Quà Tết CĐCS Hòa Phú"]
    assert titles(client.get("/api/v1/activities/", {"search": "Tết Liên"})) == ["Quà Tết của Liên đoàn"]
    assert client.get("/api/v1/activities/?program=shelter").status_code == 400


def test_activity_under_another_scope_is_not_found(w):
    response = api(w.officer).get("/api/v1/activities/?under=H02")
    assert response.status_code == 404
    assert response.json() == api(w.officer).get("/api/v1/activities/?under=NOPE").json()


def test_activity_detail(w):
    services.beneficiaries_add(activity=w.a_gifts, rows=[(w.m_a, 500_000, "")], by=w.chair_a)
    data = api(w.leader).get(f"/api/v1/activities/{w.a_gifts.pk}/").json()
    assert data["union"] == "A" and data["organizer"] == w.a.name
    assert data["program"] == "tet_care" and data["occasion"] == w.tet.pk and data["held_on"] == "2025-01-22"
    assert data["amount_union_funds"] == 3_000_000 and data["amount_total"] == 3_000_000
    assert data["beneficiaries"] == 1
    data = api(w.admin).get(f"/api/v1/activities/{w.fed_gifts.pk}/").json()
    assert data["union"] is None and data["organizer"] == w.fed.name and data["amount_total"] == 2_100_000


def test_activity_outside_the_scope_is_not_found(w):
    for who in (w.chair_b, w.other_admin, w.officer):
        assert (
            api(who).get(f"/api/v1/activities/{w.fed_gifts.pk if who is w.officer else w.a_gifts.pk}/").status_code
            == 404
        )
    response = api(w.chair_b).patch(f"/api/v1/activities/{w.a_gifts.pk}/", {"person_times": 99}, format="json")
    assert response.status_code == 404
    assert api(w.chair_b).get(f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/").status_code == 404
    w.a_gifts.refresh_from_db()
    assert w.a_gifts.person_times == 1


def test_chair_records_an_activity_of_its_own_union(w):
    response = api(w.chair_a).post(
        "/api/v1/activities/",
        {"program": "health_check", "title": "  Khám sức khỏe  định kỳ", "held_on": "2025-06-10",
         "person_times": 30, "amount_union_funds": 4_500_000, "support_form": "service", "occasion": w.tet.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["union"] == "A" and response.json()["amount_total"] == 4_500_000
    activity = Activity.objects.get(pk=response.json()["id"])
    assert (activity.federation, activity.union, activity.created_by) == (w.fed, w.a, w.chair_a)
    assert activity.title == "Khám sức khỏe định kỳ" and activity.amount_union_funds == 4_500_000
    assert AuditLog.objects.filter(object_id=str(activity.pk), action="create", actor=w.chair_a).exists()


def test_federation_level_activity_needs_a_federation_account(w):
    payload = {"union": None, "program": "hardship", "title": "Trợ cấp khó khăn", "held_on": "2025-03-03",
               "person_times": 2}  # fmt: skip
    response = api(w.chair_a).post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 400 and "union" in response.json()
    response = api(w.staff).post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 201
    activity = Activity.objects.get(pk=response.json()["id"])
    assert activity.union is None and activity.federation == w.fed
    response = api(w.officer).post("/api/v1/activities/", {**payload, "union": "A", "title": "Của A"}, format="json")
    assert response.status_code == 201 and Activity.objects.get(title="Của A").union == w.a


def test_activity_create_refused_for_read_only_and_outside_the_scope(w):
    payload = {"union": "B", "program": "meal", "title": "Sai", "held_on": "2025-03-03", "person_times": 2}
    assert api(w.leader).post("/api/v1/activities/", payload, format="json").status_code == 403
    response = api(w.chair_a).post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 400 and "union" in response.json()
    response = api(w.other_admin).post("/api/v1/activities/", {**payload, "union": "A"}, format="json")
    assert response.status_code == 400 and "union" in response.json()
    response = api(w.chair_a).post(
        "/api/v1/activities/", {**payload, "union": "A", "program": "shelter"}, format="json"
    )
    assert response.status_code == 400 and "program" in response.json()
    assert not Activity.objects.filter(title="Sai").exists()


@pytest.mark.parametrize(
    "amount",
    [-1, 1500.5, 1500.0, "1.500.000", "1e6", True, "abc"],
)
def test_money_must_be_a_whole_non_negative_number_of_dong(w, amount):
    response = api(w.chair_a).post(
        "/api/v1/activities/",
        {"program": "meal", "title": "Tiền lẻ", "held_on": "2025-03-03", "person_times": 2, "amount_sponsors": amount},
        format="json",
    )
    assert response.status_code == 400
    [message] = response.json()["amount_sponsors"]
    assert message  # a sentence, not a server error
    assert not Activity.objects.filter(title="Tiền lẻ").exists()


def test_activity_in_the_future_is_refused_with_the_services_message(w):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api(w.chair_a).post(
        "/api/v1/activities/",
        {"program": "meal", "title": "Ngày mai", "held_on": tomorrow.isoformat(), "person_times": 2},
        format="json",
    )
    assert response.status_code == 400 and "held_on" in response.json()


def test_activity_partial_update(w):
    response = api(w.chair_a).patch(
        f"/api/v1/activities/{w.a_gifts.pk}/",
        {"person_times": 12, "amount_other": 250_000, "union": "A2", "note": "Bổ sung"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["amount_total"] == 3_250_000
    w.a_gifts.refresh_from_db()
    assert (w.a_gifts.person_times, w.a_gifts.amount_other, w.a_gifts.union) == (12, 250_000, w.a)
    assert AuditLog.objects.filter(object_id=str(w.a_gifts.pk), action="update", actor=w.chair_a).exists()


def test_activity_patch_refused_for_read_only_and_not_put_or_deleted(w):
    url = f"/api/v1/activities/{w.a_gifts.pk}/"
    assert api(w.leader).get(url).status_code == 200
    assert api(w.leader).patch(url, {"person_times": 99}, format="json").status_code == 403
    # Federation-level gifts are visible to the federation's staff... but not an officer's to change.
    assert (
        api(w.officer).patch(f"/api/v1/activities/{w.fed_gifts.pk}/", {"person_times": 9}, format="json").status_code
        == 404
    )
    assert api(w.admin).put(url, {"person_times": 99}, format="json").status_code == 405
    assert api(w.admin).delete(url).status_code == 405
    w.a_gifts.refresh_from_db()
    assert w.a_gifts.person_times == 1


def test_person_times_cannot_fall_below_the_named_beneficiaries(w):
    services.beneficiaries_add(activity=w.fed_gifts, rows=[(w.m_a, None, ""), (w.m_b, None, "")], by=w.admin)
    response = api(w.admin).patch(f"/api/v1/activities/{w.fed_gifts.pk}/", {"person_times": 1}, format="json")
    assert response.status_code == 400 and "person_times" in response.json()


# --- beneficiaries -----------------------------------------------------------------------------


def test_link_beneficiaries_by_citizen_id_and_member_code(w):
    url = f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/"
    response = api(w.chair_a).post(
        url,
        {"members": [{"citizen_id": "066 090 001 234", "amount": 500_000}, {"member_code": "DV-0001"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"added": 2, "already": 0, "beneficiaries": 2, "person_times": 2}
    rows = {b.member: b.amount for b in Beneficiary.objects.filter(activity=w.a_gifts)}
    assert rows == {w.m_a: 500_000, w.m_a2: None}
    w.a_gifts.refresh_from_db()
    assert w.a_gifts.person_times == 2  # raised to the named members
    again = api(w.chair_a).post(url, {"members": [{"citizen_id": "066090001234"}]}, format="json").json()
    assert (again["added"], again["already"]) == (0, 1)

    listed = api(w.chair_a).get(url).json()
    assert listed["count"] == 2
    an = next(r for r in listed["results"] if r["member"] == w.m_a.pk)
    assert an["citizen_id"] == "066090001234" and an["amount"] == 500_000 and an["union"] == "A"
    masked = api(w.leader).get(url).json()["results"]
    assert {r["citizen_id"] for r in masked} == {w.m_a.masked_citizen_id, w.m_a2.masked_citizen_id}
    assert "066090001234" not in str(masked)


def test_unknown_beneficiaries_are_listed_and_nothing_is_linked(w):
    response = api(w.chair_a).post(
        f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/",
        # m_b is in B: not a member chair_a can see, so as unknown as a made-up code.
        {"members": [{"citizen_id": "066090001234"}, {"citizen_id": w.m_b.citizen_id}, {"member_code": "NOPE"}]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["unknown"] == [{"index": 1, "citizen_id": w.m_b.citizen_id}, {"index": 2, "member_code": "NOPE"}]
    assert len(body["members"]) == 2 and w.m_b.citizen_id in body["members"][0]
    assert not Beneficiary.objects.exists()


def test_beneficiary_rows_need_exactly_one_key_and_a_valid_amount(w):
    url = f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/"
    for members in ([], [{"amount": 5}], [{"citizen_id": "066090001234", "member_code": "DV-0001"}],
                    [{"citizen_id": "066090001234", "amount": -5}]):  # fmt: skip
        assert api(w.chair_a).post(url, {"members": members}, format="json").status_code == 400
    assert not Beneficiary.objects.exists()


def test_member_outside_the_organizers_rolls_is_refused(w):
    # Federation staff see m_b, but A's activity can only name members of A.
    response = api(w.staff).post(
        f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/",
        {"members": [{"citizen_id": w.m_b.citizen_id}]},
        format="json",
    )
    assert response.status_code == 400
    assert not Beneficiary.objects.exists()


def test_linking_beneficiaries_is_refused_for_read_only_and_outside_the_scope(w):
    payload = {"members": [{"citizen_id": "066090001234"}]}
    assert (
        api(w.leader).post(f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/", payload, format="json").status_code
        == 403
    )
    assert (
        api(w.chair_b).post(f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/", payload, format="json").status_code
        == 404
    )
    assert api(w.leader).get(f"/api/v1/activities/{w.a_gifts.pk}/beneficiaries/").status_code == 200
    assert not Beneficiary.objects.exists()


# --- Union Shelters ----------------------------------------------------------------------------


def members_of(response):
    assert response.status_code == 200, response.content[:500]
    return sorted(row["member_name"] for row in response.json()["results"])


def test_shelter_lists_are_scoped(w):
    both = sorted([w.m_a.full_name, w.m_b.full_name])
    assert members_of(api(w.admin).get("/api/v1/shelters/")) == both
    assert members_of(api(w.leader).get("/api/v1/shelters/")) == both
    assert members_of(api(w.officer).get("/api/v1/shelters/")) == [w.m_a.full_name]
    # A chair follows the house a district builds for one of its members.
    assert members_of(api(w.chair_a).get("/api/v1/shelters/")) == [w.m_a.full_name]
    assert members_of(api(w.chair_b).get("/api/v1/shelters/")) == [w.m_b.full_name]
    assert members_of(api(w.other_admin).get("/api/v1/shelters/")) == []


def test_shelter_filters(w):
    services.shelter_advance(shelter=w.house, to=ShelterStatus.BUILDING, on=D(2025, 3, 1), by=w.officer)
    client = api(w.admin)
    assert members_of(client.get("/api/v1/shelters/?status=building")) == [w.m_a.full_name]
    assert members_of(client.get("/api/v1/shelters/?union=H02")) == [w.m_b.full_name]
    assert members_of(client.get("/api/v1/shelters/?under=A")) == [w.m_a.full_name]
    assert len(members_of(client.get("/api/v1/shelters/?year=2025"))) == 2
    assert members_of(client.get("/api/v1/shelters/?year=2024")) == []
    assert api(w.officer).get("/api/v1/shelters/?under=H02").status_code == 404


def test_shelter_detail_hides_personal_data_from_the_leader(w):
    data = api(w.officer).get(f"/api/v1/shelters/{w.house.pk}/").json()
    assert data["member"] == w.m_a.pk and data["member_citizen_id"] == "066090001234"
    assert data["address"] == "Thôn 3, Hòa Phú" and data["amount_total"] == 70_000_000 and data["union"] == "H01"
    assert data["status"] == "approved" and data["year"] == 2025
    data = api(w.leader).get(f"/api/v1/shelters/{w.house.pk}/").json()
    assert data["member_citizen_id"] == w.m_a.masked_citizen_id and "address" not in data


def test_shelter_outside_the_scope_is_not_found(w):
    assert api(w.chair_b).get(f"/api/v1/shelters/{w.house.pk}/").status_code == 404
    assert api(w.other_admin).get(f"/api/v1/shelters/{w.house.pk}/").status_code == 404
    assert api(w.officer).patch(f"/api/v1/shelters/{w.house_b.pk}/", {"address": "x"}, format="json").status_code == 404
    response = api(w.other_admin).post(
        f"/api/v1/shelters/{w.house.pk}/advance/", {"to": "building", "on": "2025-03-01"}, format="json"
    )
    assert response.status_code == 404
    w.house.refresh_from_db()
    assert w.house.status == ShelterStatus.APPROVED


def test_officer_approves_a_shelter_by_citizen_id(w):
    response = api(w.officer).post(
        "/api/v1/shelters/",
        {"citizen_id": w.m_a2.citizen_id, "total_cost": 90_000_000, "amount_union_funds": 30_000_000,
         "approved_on": "2025-04-01", "decision_number": "15/QĐ-LĐLĐ"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    shelter = Shelter.objects.get(pk=response.json()["id"])
    assert (shelter.member, shelter.union, shelter.status, shelter.year) == (w.m_a2, w.d1, "approved", 2025)
    response = api(w.admin).post(
        "/api/v1/shelters/",
        {"member": w.m_b.pk, "union": None, "is_repair": True, "total_cost": 10_000_000, "approved_on": "2025-04-02"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Shelter.objects.get(pk=response.json()["id"]).union is None


def test_shelter_create_is_refused_for_chairs_leader_and_members_out_of_reach(w):
    payload = {"member": w.m_a2.pk, "total_cost": 10_000_000, "approved_on": "2025-04-01"}
    assert api(w.chair_a).post("/api/v1/shelters/", payload, format="json").status_code == 403
    assert api(w.leader).post("/api/v1/shelters/", payload, format="json").status_code == 403
    response = api(w.officer).post("/api/v1/shelters/", {**payload, "member": w.m_b.pk}, format="json")
    assert response.status_code == 400 and "member" in response.json()
    response = api(w.officer).post("/api/v1/shelters/", {**payload, "union": "A"}, format="json")
    assert response.status_code == 400 and "union" in response.json()  # grassroots unions do not run shelters
    response = api(w.officer).post("/api/v1/shelters/", {**payload, "amount_sponsors": 20_000_000}, format="json")
    assert response.status_code == 400 and "total_cost" in response.json()
    assert not Shelter.objects.filter(member=w.m_a2).exists()


def test_shelter_partial_update(w):
    url = f"/api/v1/shelters/{w.house.pk}/"
    response = api(w.officer).patch(url, {"address": "Thôn 4, Hòa Phú", "total_cost": 130_000_000}, format="json")
    assert response.status_code == 200, response.json()
    w.house.refresh_from_db()
    assert (w.house.address, w.house.total_cost) == ("Thôn 4, Hòa Phú", 130_000_000)
    assert api(w.chair_a).get(url).status_code == 200
    assert api(w.chair_a).patch(url, {"address": "sai"}, format="json").status_code == 403
    assert api(w.leader).patch(url, {"address": "sai"}, format="json").status_code == 403
    w.house.refresh_from_db()
    assert w.house.address == "Thôn 4, Hòa Phú"


def test_shelter_advances_along_its_pipeline(w):
    url = f"/api/v1/shelters/{w.house.pk}/advance/"
    response = api(w.officer).post(url, {"to": "building", "on": "2025-03-01"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "building"
    response = api(w.officer).post(url, {"to": "handed_over", "on": "2025-06-15", "from": "building"}, format="json")
    assert response.status_code == 200 and response.json()["handed_over_on"] == "2025-06-15"
    w.house.refresh_from_db()
    assert (w.house.status, w.house.started_on, w.house.handed_over_on) == (
        "handed_over",
        D(2025, 3, 1),
        D(2025, 6, 15),
    )


def test_shelter_advance_from_a_stale_state_is_refused(w):
    url = f"/api/v1/shelters/{w.house.pk}/advance/"
    services.shelter_advance(shelter=w.house, to=ShelterStatus.BUILDING, on=D(2025, 3, 1), by=w.officer)
    # The caller still sees it approved: someone else started the building meanwhile.
    response = api(w.officer).post(url, {"to": "cancelled", "on": "2025-03-05", "reason": "Hết kinh phí",
                                         "from": "approved"}, format="json")  # fmt: skip
    assert response.status_code == 400
    assert "meanwhile" in str(response.json()) or "trong lúc" in str(response.json()).lower()
    services.shelter_advance(shelter=w.house, to=ShelterStatus.HANDED_OVER, on=D(2025, 6, 15), by=w.officer)
    response = api(w.officer).post(url, {"to": "building", "on": "2025-07-01"}, format="json")
    assert response.status_code == 400
    w.house.refresh_from_db()
    assert (w.house.status, w.house.cancelled_on, w.house.started_on) == ("handed_over", None, D(2025, 3, 1))


def test_shelter_advance_checks_its_input(w):
    url = f"/api/v1/shelters/{w.house.pk}/advance/"
    assert api(w.officer).post(url, {"to": "approved", "on": "2025-03-01"}, format="json").status_code == 400
    response = api(w.officer).post(url, {"to": "cancelled", "on": "2025-03-01"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api(w.officer).post(url, {"to": "building", "on": "2025-01-01"}, format="json")
    assert response.status_code == 400 and "on" in response.json()  # before the approval
    w.house.refresh_from_db()
    assert w.house.status == ShelterStatus.APPROVED


def test_shelter_advance_refused_for_chairs_and_the_leader(w):
    url = f"/api/v1/shelters/{w.house.pk}/advance/"
    for who in (w.chair_a, w.leader):
        assert api(who).post(url, {"to": "building", "on": "2025-03-01"}, format="json").status_code == 403
    w.house.refresh_from_db()
    assert w.house.status == ShelterStatus.APPROVED


# --- funds -------------------------------------------------------------------------------------


def names(response):
    assert response.status_code == 200, response.content[:500]
    return sorted(row["name"] for row in response.json()["results"])


def test_fund_lists_are_scoped(w):
    assert names(api(w.admin).get("/api/v1/funds/")) == ["Quỹ Xã hội Công đoàn", "Quỹ hỗ trợ H01"]
    assert names(api(w.leader).get("/api/v1/funds/")) == ["Quỹ Xã hội Công đoàn", "Quỹ hỗ trợ H01"]
    assert names(api(w.officer).get("/api/v1/funds/")) == ["Quỹ hỗ trợ H01"]
    assert names(api(w.chair_a).get("/api/v1/funds/")) == []
    assert names(api(w.other_admin).get("/api/v1/funds/")) == ["Quỹ Yên Bái"]
    assert names(api(w.admin).get("/api/v1/funds/?under=H01")) == ["Quỹ hỗ trợ H01"]
    assert names(api(w.admin).get("/api/v1/funds/?kind=social")) == ["Quỹ Xã hội Công đoàn"]


def test_fund_outside_the_scope_is_not_found(w):
    for who in (w.chair_b, w.other_admin):
        assert api(who).get(f"/api/v1/funds/{w.fund_d1.pk}/").status_code == 404
        assert api(who).get(f"/api/v1/funds/{w.fund_d1.pk}/entries/").status_code == 404
        response = api(who).post(f"/api/v1/funds/{w.fund_d1.pk}/contribute/", {"amount": 5, "on": "2025-01-01"},
                                 format="json")  # fmt: skip
        assert response.status_code == 404
    w.fund_d1.refresh_from_db()
    assert w.fund_d1.balance == 0 and not FundEntry.objects.exists()


def test_open_a_fund(w):
    response = api(w.officer).post("/api/v1/funds/", {"name": "Quỹ Mái ấm H01", "kind": "support"}, format="json")
    assert response.status_code == 201, response.json()
    fund = Fund.objects.get(pk=response.json()["id"])
    assert (fund.union, fund.balance) == (w.d1, 0)
    response = api(w.staff).post("/api/v1/funds/", {"name": "Quỹ Tết", "kind": "other"}, format="json")
    assert response.status_code == 201 and response.json()["union"] is None
    assert api(w.leader).post("/api/v1/funds/", {"name": "Sai", "kind": "other"}, format="json").status_code == 403
    response = api(w.staff).post("/api/v1/funds/", {"name": "Quỹ Tết", "kind": "other"}, format="json")
    assert response.status_code == 400  # one name per federation
    assert Fund.objects.filter(name="Quỹ Tết").count() == 1


def test_contribute_pay_and_entries(w):
    client = api(w.officer)
    url = f"/api/v1/funds/{w.fund_d1.pk}/"
    response = client.post(url + "contribute/", {"amount": 1_000_000, "on": "2025-01-05", "counterparty": "Công ty A"},
                           format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["balance_after"] == 1_000_000
    response = client.post(url + "pay/", {"amount": 400_000, "on": "2025-01-06", "member": w.m_a.pk,
                                          "note": "Ốm đau"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["member_name"] == w.m_a.full_name
    w.fund_d1.refresh_from_db()
    assert w.fund_d1.balance == 600_000
    assert api(w.leader).get(url).json()["balance"] == 600_000
    entries = api(w.leader).get(url + "entries/?page_size=1").json()
    assert entries["count"] == 2 and entries["next"]
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in entries["results"]] == [("payout", 400_000, 600_000)]


def test_payout_beyond_the_balance_is_refused_and_writes_nothing(w):
    services.fund_contribute(fund=w.fund, amount=1_000_000, on=D(2025, 1, 5), by=w.admin)
    response = api(w.staff).post(f"/api/v1/funds/{w.fund.pk}/pay/", {"amount": 1_000_001, "on": "2025-01-06"},
                                 format="json")  # fmt: skip
    assert response.status_code == 400
    [message] = response.json()["amount"]
    assert "1.000.000" in message or "1,000,000" in message
    w.fund.refresh_from_db()
    assert w.fund.balance == 1_000_000
    assert FundEntry.objects.filter(fund=w.fund).count() == 1


@pytest.mark.parametrize("amount", [0, -5, 2.5, "10.000"])
def test_fund_entry_amount_must_be_a_positive_whole_number(w, amount):
    response = api(w.admin).post(f"/api/v1/funds/{w.fund.pk}/contribute/", {"amount": amount, "on": "2025-01-05"},
                                 format="json")  # fmt: skip
    assert response.status_code == 400 and "amount" in response.json()
    w.fund.refresh_from_db()
    assert w.fund.balance == 0 and not FundEntry.objects.exists()


def test_fund_writes_refused_for_read_only_and_members_out_of_reach(w):
    url = f"/api/v1/funds/{w.fund_d1.pk}/"
    assert api(w.leader).post(url + "contribute/", {"amount": 5, "on": "2025-01-05"}, format="json").status_code == 403
    services.fund_contribute(fund=w.fund_d1, amount=1_000_000, on=D(2025, 1, 5), by=w.officer)
    # The officer does not see m_b; the admin does, but the fund of D1 pays D1's members only.
    response = api(w.officer).post(url + "pay/", {"amount": 5, "on": "2025-01-06", "member": w.m_b.pk}, format="json")
    assert response.status_code == 400 and "member" in response.json()
    response = api(w.admin).post(url + "pay/", {"amount": 5, "on": "2025-01-06", "member": w.m_b.pk}, format="json")
    assert response.status_code == 400 and "member" in response.json()
    w.fund_d1.refresh_from_db()
    assert w.fund_d1.balance == 1_000_000 and w.fund_d1.entries.count() == 1


# --- occasions ---------------------------------------------------------------------------------


def test_occasions_are_the_federations(w):
    names_seen = lambda who: [o["name"] for o in api(who).get("/api/v1/occasions/").json()["results"]]  # noqa: E731
    assert names_seen(w.chair_a) == ["Tết Ất Tỵ 2025"]
    assert names_seen(w.leader) == ["Tết Ất Tỵ 2025"]
    assert names_seen(w.other_admin) == []


def test_occasions_are_added_by_federation_accounts(w):
    payload = {"name": "Tháng Công nhân 2025", "starts_on": "2025-05-01", "ends_on": "2025-05-31"}
    for who in (w.officer, w.chair_a, w.leader):
        assert api(who).post("/api/v1/occasions/", payload, format="json").status_code == 403
    response = api(w.staff).post("/api/v1/occasions/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert Occasion.objects.get(pk=response.json()["id"]).federation == w.fed
    assert api(w.staff).post("/api/v1/occasions/", payload, format="json").status_code == 400
    response = api(w.staff).post("/api/v1/occasions/", {**payload, "name": "Ngược", "ends_on": "2025-04-01"},
                                 format="json")  # fmt: skip
    assert response.status_code == 400
    assert Occasion.objects.filter(federation=w.fed).count() == 2


# --- totals ------------------------------------------------------------------------------------


YEAR_2025 = {"start": "2025-01-01", "end": "2025-12-31"}


def test_federation_totals(w):
    services.beneficiaries_add(activity=w.fed_gifts, rows=[(w.m_a, None, ""), (w.m_b, None, "")], by=w.admin)
    services.shelter_advance(shelter=w.house, to=ShelterStatus.HANDED_OVER, on=D(2025, 6, 15), by=w.officer)
    services.fund_contribute(fund=w.fund, amount=2_000_000, on=D(2025, 1, 5), by=w.admin)
    services.fund_pay(fund=w.fund, amount=500_000, on=D(2025, 1, 6), by=w.admin)
    data = api(w.leader).get("/api/v1/welfare-totals/", YEAR_2025).json()
    assert (data["scope"], data["start"], data["end"]) == ("LDLD-DLK", "2025-01-01", "2025-12-31")
    rows = {r["program"]: r for r in data["programs"]}
    assert set(rows) == {"tet_care", "meal", "shelter"}
    assert rows["tet_care"] == {
        "program": "tet_care", "label": rows["tet_care"]["label"], "activities": 2, "person_times": 4, "persons": 2,
        "amount_union_funds": 4_500_000, "amount_sponsors": 600_000, "amount_social_fund": 0, "amount_other": 0,
        "amount_total": 5_100_000,
    }  # fmt: skip
    assert rows["shelter"]["activities"] == 1 and rows["shelter"]["amount_total"] == 70_000_000
    assert data["total"]["person_times"] == 4 + 40 + 1 and data["total"]["persons"] == 2
    assert data["total"]["amount_total"] == 5_100_000 + 6_000_000 + 70_000_000
    assert data["funds"] == {"raised": 2_000_000, "paid": 500_000, "social_raised": 2_000_000}


def test_totals_default_to_the_users_unit_and_this_year(w):
    data = api(w.chair_a).get("/api/v1/welfare-totals/").json()
    year = timezone.localdate().year
    assert (data["scope"], data["start"], data["end"]) == ("A", f"{year}-01-01", f"{year}-12-31")
    data = api(w.chair_a).get("/api/v1/welfare-totals/", YEAR_2025).json()
    assert [(r["program"], r["activities"]) for r in data["programs"]] == [("tet_care", 1)]
    data = api(w.officer).get("/api/v1/welfare-totals/", {"start": "2025-01-01"}).json()
    assert (data["scope"], data["end"]) == ("H01", "2025-12-31")


def test_totals_of_a_subtree_and_out_of_scope_codes(w):
    data = api(w.admin).get("/api/v1/welfare-totals/", {"under": "h02", **YEAR_2025}).json()
    assert data["scope"] == "H02" and [r["program"] for r in data["programs"]] == ["meal"]
    assert api(w.officer).get("/api/v1/welfare-totals/", {"under": "H02"}).status_code == 404
    assert api(w.other_admin).get("/api/v1/welfare-totals/", {"under": "LDLD-DLK"}).status_code == 404
    data = api(w.other_admin).get("/api/v1/welfare-totals/", YEAR_2025).json()
    assert data["scope"] == "LDLD-LCI" and data["total"]["person_times"] == 7


def test_totals_refuse_a_period_that_ends_before_it_starts(w):
    response = api(w.admin).get("/api/v1/welfare-totals/", {"start": "2025-12-31", "end": "2025-01-01"})
    assert response.status_code == 400 and "end" in response.json()
    assert api(w.admin).get("/api/v1/welfare-totals/", {"start": "31-31-2025"}).status_code == 400


def test_welfare_endpoints_are_in_the_schema(w):
    body = api(w.leader).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/activities/", "/api/v1/activities/{id}/beneficiaries/", "/api/v1/activities/export/",
        "/api/v1/shelters/{id}/advance/", "/api/v1/shelters/export/", "/api/v1/funds/{id}/pay/",
        "/api/v1/funds/{id}/entries/", "/api/v1/occasions/", "/api/v1/welfare-totals/",
    ):  # fmt: skip
        assert path in body


def test_anonymous_calls_are_refused(w):
    for path in ("/api/v1/activities/", "/api/v1/shelters/", "/api/v1/funds/", "/api/v1/welfare-totals/"):
        assert APIClient().get(path).status_code == 401


def test_lists_take_a_constant_number_of_queries(w):
    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert api(w.admin).get(path).status_code == 200
        return len(queries)

    before = {path: count(path) for path in ("/api/v1/activities/", "/api/v1/shelters/", "/api/v1/funds/")}
    for i in range(5):
        extra = member(w.a, full_name=f"Đinh Văn {'BCDEF'[i]}")
        activity = services.activity_create(
            federation=w.fed, union=w.a, program=Program.OTHER, title=f"Thêm {i}", held_on=D(2025, 4, 1),
            person_times=1, occasion=w.tet, by=w.admin,
        )  # fmt: skip
        services.beneficiaries_add(activity=activity, rows=[(extra, None, "")], by=w.admin)
        services.shelter_create(federation=w.fed, union=w.d1, member=extra, total_cost=1_000_000,
                                approved_on=D(2025, 4, 1), by=w.admin)  # fmt: skip
        services.fund_create(federation=w.fed, union=w.a, name=f"Quỹ A{i}", kind="other", by=w.admin)
    assert {path: count(path) for path in before} == before
