"""The welfare admin: scoped to the administrator's federation, nothing deleted, writes through
the services (their rules show as form errors)."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from federation.models import AuditLog
from welfare import services
from welfare.admin import ActivityResource, ShelterResource
from welfare.models import Activity, Fund, FundEntry, Occasion, Program, Shelter, ShelterStatus

from ..conftest import add_members, client_for

D = datetime.date
MODELS = ["occasion", "activity", "shelter", "fund", "fundentry"]


@pytest.fixture
def w(cast):
    c = add_members(cast)
    c.tet = services.occasion_create(
        federation=c.fed, name="Tết Ất Tỵ 2025", starts_on=D(2025, 1, 1), ends_on=D(2025, 2, 15), by=c.admin
    )
    c.gifts = services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, occasion=c.tet, title="=Quà Tết CĐCS",
        held_on=D(2025, 1, 22), person_times=10, amount_union_funds=3_000_000, by=c.chair_a,
    )  # fmt: skip
    services.beneficiaries_add(activity=c.gifts, rows=[(c.m_a, 500_000, "")], by=c.chair_a)
    c.x_gifts = services.activity_create(
        federation=c.other_fed, union=c.x, program=Program.TET_CARE, title="Quà Tết Thủy điện Yên Bái",
        held_on=D(2025, 1, 21), person_times=7, by=c.other_admin,
    )  # fmt: skip
    c.house = services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=120_000_000, approved_on=D(2025, 2, 1),
        amount_union_funds=50_000_000, by=c.officer,
    )  # fmt: skip
    c.fund = services.fund_create(federation=c.fed, name="Quỹ Xã hội Công đoàn", kind="social", by=c.admin)
    c.entry = services.fund_contribute(fund=c.fund, amount=1_000_000, on=D(2025, 1, 5), by=c.admin)
    c.fund_x = services.fund_create(federation=c.other_fed, name="Quỹ Yên Bái", kind="social", by=c.other_admin)
    return c


def objects(w):
    return {"occasion": w.tet, "activity": w.gifts, "shelter": w.house, "fund": w.fund, "fundentry": w.entry}


def test_admin_pages_load_for_the_federation_admin(w):
    client = client_for(w.admin)
    for model, obj in objects(w).items():
        assert client.get(reverse(f"admin:welfare_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:welfare_{model}_change", args=[obj.pk])).status_code == 200, model
    for model in ("occasion", "activity", "shelter", "fund"):
        assert client.get(reverse(f"admin:welfare_{model}_add")).status_code == 200, model
    assert client.get(reverse("admin:welfare_activity_export")).status_code == 200
    assert client.get(reverse("admin:welfare_shelter_export")).status_code == 200


def test_other_roles_stay_out(w):
    for who in (w.staff, w.officer, w.leader):
        response = client_for(who).get(reverse("admin:welfare_activity_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_admin_lists_only_its_federation(w):
    client = client_for(w.admin)
    body = client.get(reverse("admin:welfare_activity_changelist")).content.decode()
    assert "Quà Tết CĐCS" in body and "Thủy điện Yên Bái" not in body
    body = client.get(reverse("admin:welfare_fund_changelist")).content.decode()
    assert "Quỹ Xã hội Công đoàn" in body and "Quỹ Yên Bái" not in body
    response = client.get(reverse("admin:welfare_activity_change", args=[w.x_gifts.pk]))
    assert response.status_code == 302  # the admin's "does not exist"


def test_activity_change_page_shows_its_beneficiaries_read_only(w):
    response = client_for(w.admin).get(reverse("admin:welfare_activity_change", args=[w.gifts.pk]))
    [inline] = response.context["inline_admin_formsets"]
    assert inline.has_add_permission is False and inline.has_delete_permission is False
    assert w.m_a.full_name in response.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_nothing_is_deleted_from_the_welfare_admin(w, model):
    client = client_for(w.admin)
    obj = objects(w)[model]
    assert client.get(reverse(f"admin:welfare_{model}_delete", args=[obj.pk])).status_code == 403
    assert client.post(reverse(f"admin:welfare_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
    changelist = client.get(reverse(f"admin:welfare_{model}_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def activity_payload(w, **extra):
    return {
        "federation": w.fed.pk, "union": w.a.pk, "program": "health_check", "occasion": "", "title": " Khám  sức khỏe ",
        "held_on": "10/06/2025", "support_form": "service", "person_times": "30", "amount_union_funds": "4500000",
        "amount_sponsors": "0", "amount_social_fund": "0", "amount_other": "0", "note": "", **extra,
    }  # fmt: skip


def test_admin_adds_an_activity_through_the_service(w):
    response = client_for(w.admin).post(reverse("admin:welfare_activity_add"), activity_payload(w))
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity = Activity.objects.get(title="Khám sức khỏe")  # cleaned by the service
    assert (activity.union, activity.created_by, activity.amount_union_funds) == (w.a, w.admin, 4_500_000)
    assert AuditLog.objects.filter(object_id=str(activity.pk), action="create", actor=w.admin).exists()


def test_the_services_rules_show_on_the_admin_form(w):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    response = client_for(w.admin).post(reverse("admin:welfare_activity_add"), activity_payload(w, held_on=tomorrow))
    assert response.status_code == 200 and "held_on" in response.context["adminform"].form.errors
    assert not Activity.objects.filter(title="Khám sức khỏe").exists()
    assert not AuditLog.objects.filter(object_repr="Khám sức khỏe").exists()  # the dry run left nothing


def test_admin_changes_an_activity_through_the_service(w):
    response = client_for(w.admin).post(
        reverse("admin:welfare_activity_change", args=[w.gifts.pk]),
        {
            **activity_payload(w, title="Quà Tết CĐCS Hòa Phú", program="tet_care", occasion=w.tet.pk,
                               held_on="22/01/2025", person_times="12", amount_union_funds="3000000"),
            "beneficiaries-TOTAL_FORMS": "1", "beneficiaries-INITIAL_FORMS": "1",
            "beneficiaries-MIN_NUM_FORMS": "0", "beneficiaries-MAX_NUM_FORMS": "0",
            "beneficiaries-0-id": w.gifts.beneficiaries.get().pk, "beneficiaries-0-activity": w.gifts.pk,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    w.gifts.refresh_from_db()
    assert (w.gifts.title, w.gifts.person_times, w.gifts.union) == ("Quà Tết CĐCS Hòa Phú", 12, w.a)
    assert w.gifts.beneficiaries.count() == 1
    assert AuditLog.objects.filter(object_id=str(w.gifts.pk), action="update", actor=w.admin).exists()


def test_handed_over_shelter_keeps_its_member_in_the_admin(w):
    services.shelter_advance(shelter=w.house, to=ShelterStatus.HANDED_OVER, on=D(2025, 6, 15), by=w.officer)
    response = client_for(w.admin).get(reverse("admin:welfare_shelter_change", args=[w.house.pk]))
    form = response.context["adminform"].form
    assert "member" not in form.fields and "status" not in form.fields and "approved_on" not in form.fields


def test_fund_balance_is_read_only_and_a_fund_is_not_edited(w):
    client = client_for(w.admin)
    response = client.post(
        reverse("admin:welfare_fund_add"),
        {"federation": w.fed.pk, "union": w.d1.pk, "name": "Quỹ hỗ trợ H01", "kind": "support", "note": "",
         "balance": "999"},
    )  # fmt: skip
    assert response.status_code == 302
    fund = Fund.objects.get(name="Quỹ hỗ trợ H01")
    assert (fund.union, fund.balance) == (w.d1, 0)
    response = client.post(reverse("admin:welfare_fund_change", args=[w.fund.pk]), {"name": "Đổi tên", "kind": "other"})
    assert response.status_code == 403
    w.fund.refresh_from_db()
    assert (w.fund.name, w.fund.balance) == ("Quỹ Xã hội Công đoàn", 1_000_000)


def test_fund_entries_and_occasions_are_not_edited_in_the_admin(w):
    client = client_for(w.admin)
    assert client.get(reverse("admin:welfare_fundentry_add")).status_code == 403
    response = client.post(reverse("admin:welfare_fundentry_change", args=[w.entry.pk]), {"amount": "5"})
    assert response.status_code == 403
    response = client.post(reverse("admin:welfare_occasion_change", args=[w.tet.pk]), {"name": "Đổi"})
    assert response.status_code == 403
    w.entry.refresh_from_db()
    w.tet.refresh_from_db()
    assert (w.entry.amount, w.tet.name) == (1_000_000, "Tết Ất Tỵ 2025")
    assert FundEntry.objects.count() == 1


def test_admin_adds_an_occasion_through_the_service(w):
    client = client_for(w.admin)
    payload = {
        "federation": w.fed.pk,
        "name": "Tháng Công nhân 2025",
        "starts_on": "01/05/2025",
        "ends_on": "31/05/2025",
    }
    assert client.post(reverse("admin:welfare_occasion_add"), payload).status_code == 302
    occasion = Occasion.objects.get(name="Tháng Công nhân 2025")
    assert AuditLog.objects.filter(object_id=str(occasion.pk), action="create", actor=w.admin).exists()
    response = client.post(reverse("admin:welfare_occasion_add"), {**payload, "name": "Ngược", "ends_on": "01/04/2025"})
    assert response.status_code == 200 and not Occasion.objects.filter(name="Ngược").exists()


def test_admin_exports_use_the_scoped_queryset_and_neutralize_text(w):
    data = ActivityResource().export(queryset=Activity.objects.filter(federation=w.fed))
    assert len(data) == 1
    row = dict(zip(data.headers, data[0], strict=True))
    assert "'=Quà Tết CĐCS" in row.values()
    assert "22/01/2025" in row.values() and 3_000_000 in row.values()
    shelters = ShelterResource().export(queryset=Shelter.objects.all())
    assert len(shelters) == 1 and w.m_a.full_name in shelters[0]
    response = client_for(w.admin).post(reverse("admin:welfare_activity_export"), {"format": "0", "resource": "0"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = response.content.decode("utf-8-sig")
    assert "'=Quà Tết CĐCS" in content and "Thủy điện Yên Bái" not in content
    response = client_for(w.admin).post(reverse("admin:welfare_shelter_export"), {"format": "1", "resource": "0"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active.max_row == 2
