"""The admin site is for federation administrators, scoped to their federation like every screen."""

from django.urls import reverse

from federation.models import AuditLog, User
from unions.models import Union

from ..conftest import client_for


def test_only_federation_admins_enter_the_admin_site(cast):
    assert client_for(cast.admin).get(reverse("admin:index")).status_code == 200
    for who in (cast.staff, cast.leader, cast.officer, cast.chair_a):
        response = client_for(who).get(reverse("admin:index"))
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_admin_lists_only_its_federation(cast):
    response = client_for(cast.admin).get(reverse("admin:unions_union_changelist"))
    body = response.content.decode()
    assert cast.a.name in body and cast.x.name not in body
    response = client_for(cast.admin).get(reverse("admin:federation_user_changelist"))
    body = response.content.decode()
    assert "officer" in body and "other_admin" not in body


def test_another_federations_unit_is_not_found_in_the_admin(cast):
    response = client_for(cast.admin).get(reverse("admin:unions_union_change", args=[cast.x.pk]))
    assert response.status_code == 302  # the admin redirects "does not exist" to the index
    assert cast.x.name not in client_for(cast.admin).get(response.url).content.decode()


def test_admin_choices_are_scoped(cast):
    response = client_for(cast.admin).get(reverse("admin:unions_union_add"))
    parent_choices = list(response.context["adminform"].form.fields["parent"].queryset)
    assert cast.x1 not in parent_choices and cast.d1 in parent_choices


def test_admin_changes_go_through_the_services(cast):
    client_for(cast.admin).post(
        reverse("admin:unions_union_change", args=[cast.a.pk]),
        {
            "code": "A",
            "name": cast.a.name,
            "kind": cast.a.kind,
            "sector": cast.a.sector,
            "worker_count": "77",
            "tax_code": "",
            "address": "",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "1",
            "links-MIN_NUM_FORMS": "0",
            "links-MAX_NUM_FORMS": "1000",
        },
    )
    cast.a.refresh_from_db()
    assert cast.a.worker_count == 77
    assert AuditLog.objects.filter(object_id=str(cast.a.pk), action="update", actor=cast.admin).exists()


def test_nothing_is_deleted_from_the_admin(cast):
    response = client_for(cast.admin).get(reverse("admin:unions_union_delete", args=[cast.a.pk]))
    assert response.status_code == 403
    assert Union.objects.filter(pk=cast.a.pk).exists()


def test_audit_trail_cannot_be_edited(cast):
    entry = AuditLog.objects.first()
    response = client_for(cast.admin).post(
        reverse("admin:federation_auditlog_change", args=[entry.pk]), {"object_repr": "sửa"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr != "sửa"


def test_admin_opens_an_account_and_refuses_a_role_in_the_wrong_unit(cast):
    client = client_for(cast.admin)
    assert client.get(reverse("admin:federation_user_add")).status_code == 200
    payload = {
        "username": "chu_tich_a2",
        "full_name": "Trần Thị Bình",
        "role": "grassroots_chair",
        "federation": cast.fed.pk,
        "union": cast.d1.pk,
        "usable_password": "true",
        "password1": "mật khẩu rất dài 2024",
        "password2": "mật khẩu rất dài 2024",
    }
    response = client.post(reverse("admin:federation_user_add"), payload)
    assert response.status_code == 200 and "union" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="chu_tich_a2").exists()
    response = client.post(reverse("admin:federation_user_add"), {**payload, "union": cast.a2.pk})
    assert response.status_code == 302
    assert User.objects.get(username="chu_tich_a2").union == cast.a2


def test_admin_exports_units_and_members_of_its_federation_only(roll_cast):
    c = roll_cast
    response = client_for(c.admin).post(reverse("admin:unions_union_export"), {"format": "0", "resource": "0"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = response.content.decode("utf-8-sig")
    assert c.a.name in content and c.x.name not in content
    response = client_for(c.admin).post(reverse("admin:members_member_export"), {"format": "0", "resource": "0"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = response.content.decode("utf-8-sig")
    assert c.m_a.citizen_id in content and c.m_x.citizen_id not in content


def test_federation_admin_sees_a_units_positions_through_time(cast):
    response = client_for(cast.admin).get(reverse("admin:unions_union_change", args=[cast.a.pk]))
    assert response.status_code == 200
    models = [inline.formset.model.__name__ for inline in response.context["inline_admin_formsets"]]
    assert models == ["UnionLink"]
    assert "unionlink_set-0" in response.content.decode() or "links-0" in response.content.decode()


def test_account_changes_in_the_admin_are_in_the_audit_trail_without_passwords(cast):
    client = client_for(cast.admin)
    payload = {
        "username": "chu_tich_a2",
        "full_name": "Trần Thị Bình",
        "email": "",
        "role": "grassroots_chair",
        "federation": cast.fed.pk,
        "union": cast.a2.pk,
        "usable_password": "true",
        "password1": "mật khẩu rất dài 2024",
        "password2": "mật khẩu rất dài 2024",
    }
    assert client.post(reverse("admin:federation_user_add"), payload).status_code == 302
    account = User.objects.get(username="chu_tich_a2")
    accounts = AuditLog.objects.filter(content_type__model="user", object_id=str(account.pk))
    created = accounts.get(action=AuditLog.Action.CREATE)
    assert created.actor == cast.admin and created.changes["role"] == [None, "grassroots_chair"]

    change = {**payload, "full_name": "Trần Thị Bình An", "union": cast.a.pk, "is_active": "on"}
    for secret in ("usable_password", "password1", "password2"):
        change.pop(secret)
    url = reverse("admin:federation_user_change", args=[account.pk])
    assert client.post(url, change, REMOTE_ADDR="10.0.0.9").status_code == 302
    updated = accounts.get(action=AuditLog.Action.UPDATE)
    assert updated.changes == {"full_name": ["Trần Thị Bình", "Trần Thị Bình An"], "union": [str(cast.a2), str(cast.a)]}
    assert updated.actor == cast.admin and updated.ip == "10.0.0.9"
    entries = accounts.values_list("changes", flat=True)
    assert not [e for e in entries if "password" in str(e) or "mật khẩu" in str(e)]
