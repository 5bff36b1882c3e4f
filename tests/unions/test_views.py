import pytest
from django.urls import reverse

from federation.models import AuditLog
from unions.models import Level, Union, UnionLink

from ..conftest import client_for


def test_admin_sees_the_federation_tree_with_counts(cast):
    response = client_for(cast.admin).get(reverse("unions:tree"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Liên đoàn Lao động tỉnh Đắk Lắk" in body
    for union in (cast.d1, cast.d2, cast.edu, cast.g0):
        assert union.name in body
    assert cast.a.name not in body  # grassroots unions load when their district is expanded
    assert response.context["figures"] == {"superior": 3, "grassroots": 5, "closed": 0, "workers": 1820}


def test_tree_numbers_are_grouped_the_vietnamese_way(cast):
    body = client_for(cast.admin).get(reverse("unions:tree")).content.decode()
    assert '<span class="num">1.820</span>' in body or ">1.820<" in body


def test_officer_tree_starts_at_its_district(cast):
    body = client_for(cast.officer).get(reverse("unions:tree")).content.decode()
    assert cast.d1.name in body and cast.a.name in body and cast.a2.name in body
    assert cast.d2.name not in body and cast.b.name not in body and cast.g0.name not in body


def test_chair_lands_on_its_union(cast):
    response = client_for(cast.chair_a).get(reverse("home"))
    assert response.url == reverse("unions:detail", args=[cast.a.pk])


def test_expanding_a_node_lists_its_children(cast):
    body = client_for(cast.leader).get(reverse("unions:children", args=[cast.d1.pk])).content.decode()
    assert cast.a.name in body and cast.a2.name in body and cast.b.name not in body


def test_search_without_diacritics_finds_the_school(cast):
    response = client_for(cast.admin).get(reverse("unions:tree"), {"q": "truong tieu hoc"})
    body = response.content.decode()
    assert cast.a.name in body
    assert cast.a2.name not in body and cast.e1.name not in body


def test_search_of_an_officer_stays_in_its_district(cast):
    body = client_for(cast.officer).get(reverse("unions:tree"), {"q": "cong ty"}).content.decode()
    assert cast.a2.name in body and cast.b.name not in body


def test_tree_as_it_stood_on_a_date(cast):
    import datetime

    from unions import services

    services.union_move(union=cast.a, new_parent=cast.d2, effective_on=datetime.date(2025, 7, 1), by=None)
    then = client_for(cast.admin).get(reverse("unions:children", args=[cast.d1.pk]), {"as_of": "30/06/2025"})
    now = client_for(cast.admin).get(reverse("unions:children", args=[cast.d1.pk]))
    assert cast.a.name in then.content.decode()
    assert cast.a.name not in now.content.decode()


def test_detail_shows_data_children_and_history(cast):
    body = client_for(cast.admin).get(reverse("unions:detail", args=[cast.d1.pk])).content.decode()
    assert cast.a.name in body and cast.a2.name in body
    assert 'href="{}"'.format(reverse("unions:edit", args=[cast.d1.pk])) in body
    body = client_for(cast.leader).get(reverse("unions:detail", args=[cast.a.pk])).content.decode()
    assert "Hòa Phú" in body
    assert reverse("unions:edit", args=[cast.a.pk]) not in body  # read-only role: no edit button


def test_admin_creates_a_grassroots_union(cast):
    response = client_for(cast.admin).post(
        reverse("unions:create"),
        {
            "code": "  cdcs-99 ",
            "name": "Công  đoàn Công ty TNHH Cà phê  Buôn Ma Thuột",
            "level": "grassroots",
            "parent": cast.d1.pk,
            "kind": "enterprise",
            "sector": "fdi_enterprise",
            "tax_code": "6000123456",
            "worker_count": "120",
            "established_on": "03/04/2024",
            "ward_code": "24133",
        },
    )
    union = Union.objects.get(federation=cast.fed, code="CDCS-99")
    assert response.status_code == 302 and response.url == union.get_absolute_url()
    assert union.name == "Công đoàn Công ty TNHH Cà phê Buôn Ma Thuột"
    assert union.established_on.isoformat() == "2024-04-03"  # day-first
    assert union.parent == cast.d1 and union.path.startswith(cast.d1.path)
    assert union.ward_name == "Phường Buôn Ma Thuột"
    assert UnionLink.objects.get(union=union).valid_from.isoformat() == "2024-04-03"
    entry = AuditLog.objects.get(object_id=str(union.pk), action="create")
    assert entry.actor == cast.admin and entry.ip == "127.0.0.1"


def test_create_form_answers_in_vietnamese(cast):
    response = client_for(cast.admin).post(
        reverse("unions:create"),
        {"code": "A", "name": "", "level": "grassroots", "parent": cast.d1.pk, "kind": "enterprise"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Trường này là bắt buộc."]
    assert set(errors) >= {"code", "name", "sector"}
    assert Union.objects.filter(federation=cast.fed).count() == 8


def test_create_refuses_a_superior_union_under_a_district(cast):
    response = client_for(cast.admin).post(
        reverse("unions:create"),
        {"code": "S9", "name": "Sai", "level": "superior", "parent": cast.d1.pk, "kind": "industry_union"},
    )
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Union.objects.filter(code="S9").exists()


def test_officer_can_only_create_under_its_own_union(cast):
    form = client_for(cast.officer).get(reverse("unions:create")).context["form"]
    assert list(form.fields["parent"].queryset) == [cast.d1]
    assert form.fields["parent"].required
    response = client_for(cast.officer).post(
        reverse("unions:create"),
        {
            "code": "N9",
            "name": "Công đoàn Trường Mầm non Hoa Sen",
            "level": "grassroots",
            "parent": cast.d2.pk,
            "kind": "public_service_unit",
            "sector": "public_service",
        },
    )
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Union.objects.filter(code="N9").exists()


def test_edit_saves_and_records_what_changed(cast):
    response = client_for(cast.officer).post(
        reverse("unions:edit", args=[cast.a.pk]),
        {
            "code": "A",
            "name": cast.a.name,
            "kind": cast.a.kind,
            "sector": cast.a.sector,
            "worker_count": "1234",
            "established_on": "22/07/2024",
        },
    )
    assert response.status_code == 302
    cast.a.refresh_from_db()
    assert cast.a.worker_count == 1234 and cast.a.level == Level.GRASSROOTS
    entry = AuditLog.objects.filter(object_id=str(cast.a.pk), action="update").get()
    assert entry.changes == {"worker_count": [40, 1234], "established_on": [None, "2024-07-22"]}
    body = client_for(cast.officer).get(reverse("unions:detail", args=[cast.a.pk])).content.decode()
    assert "1.234" in body and "22/07/2024" in body and "officer" in body


def test_edit_cannot_change_the_parent_or_level(cast):
    client_for(cast.admin).post(
        reverse("unions:edit", args=[cast.a.pk]),
        {
            "code": "A",
            "name": cast.a.name,
            "kind": cast.a.kind,
            "sector": cast.a.sector,
            "parent": cast.d2.pk,
            "level": "superior",
        },
    )
    cast.a.refresh_from_db()
    assert cast.a.parent == cast.d1 and cast.a.level == Level.GRASSROOTS


@pytest.mark.parametrize("language,label", [("vi", "Cây tổ chức"), ("en", "Union tree")])
def test_language_switch(cast, language, label, settings):
    client = client_for(cast.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("unions:tree"))
    assert response["Content-Language"] == language
    assert label in response.content.decode()


def test_vietnamese_is_the_default_whatever_the_browser_asks(cast):
    response = client_for(cast.admin).get(reverse("unions:tree"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    assert "Cây tổ chức" in response.content.decode() and "Đăng xuất" in response.content.decode()
