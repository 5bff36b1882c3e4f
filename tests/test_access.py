"""Access matrix: every URL of the project × role × where the object stands.

Allowed roles get their page, read-only roles 403 on writes, and anything outside the user's
subtree answers 404 exactly as if it did not exist. `test_every_url_is_in_the_matrix` fails
when a URL is added without rows here.
"""

import datetime
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members import services as member_services
from members.models import Member, TransferRequest
from unions.models import Union

from .conftest import add_members, client_for
from .factories import member

UNION_PAYLOAD = {
    "code": "NEW1",
    "name": "Công đoàn Công ty TNHH Mới",
    "level": "grassroots",
    "kind": "enterprise",
    "sector": "non_state_enterprise",
    "tax_code": "6000123456",
    "worker_count": 30,
}


def form_payload(parent=None, **extra):
    data = {**UNION_PAYLOAD, **extra}
    if parent is not None:
        data["parent"] = parent.pk
    return data


MEMBER_PAYLOAD = {
    "full_name": "Lê Thị Thu",
    "gender": "female",
    "date_of_birth": "03/04/1992",
    "citizen_id": "066192009999",
    "joined_on": "01/02/2020",
    "ethnicity": "Kinh",
}


@pytest.fixture
def cast(cast):
    """The shared cast with members (m_a in A, m_b in B, m_x in X), a former member of A
    (m_left) and a pending transfer (t_ab) of another member of A (m_moving) to B."""
    add_members(cast)
    cast.m_left = member(cast.a, full_name="Đỗ Thị Hạnh", gender="female", date_of_birth=datetime.date(1992, 8, 8))
    member_services.member_leave(member=cast.m_left, on=datetime.date(2024, 6, 30), reason="resigned", by=None)
    cast.m_moving = member(cast.a, full_name="Hoàng Văn Nam")
    cast.t_ab = member_services.transfer_request(
        member=cast.m_moving, to_union=cast.b, effective_on=datetime.date(2024, 9, 1), by=None
    )
    cast.mv_a = cast.m_a.movements.get()
    # Imports into union A by its chair: written, checked only (valid), and with an error.
    cast.imp_ok = _import(cast, "Phan Văn Tú,Nam,01/01/1980,066080001111,01/01/2005")
    cast.imp_dry = _import(cast, "Vũ Thị Mai,Nữ,02/02/1982,066182002222,01/01/2006", dry_run=True)
    cast.imp_bad = _import(cast, "Lý Văn Sai,Nam,01/01/1980,066180003333,01/01/2005")
    return cast


ROLL_HEADER = "Họ và tên,Giới tính,Ngày sinh,Số CCCD,Ngày vào Công đoàn\r\n"


def _import(cast, row, dry_run=False):
    batch = member_services.member_import_create(
        file=ContentFile((ROLL_HEADER + row + "\r\n").encode("utf-8"), name="roll.csv"),
        filename="roll.csv",
        federation=cast.fed,
        scope_path=cast.a.path,
        union=cast.a,
        dry_run=dry_run,
        by=cast.chair_a,
    )
    return member_services.member_import_run(batch_id=batch.pk)


def roll_file():
    row = "Đinh Thị Lan,Nữ,05/05/1991,066191004444,01/01/2015\r\n"
    return SimpleUploadedFile("roll.csv", (ROLL_HEADER + row).encode("utf-8"), content_type="text/csv")


def u(name, *attrs):
    """URL of `name` with the cast's objects `attrs` (resolved when the cast exists)."""
    return lambda c: reverse(name, args=[getattr(c, a).pk for a in attrs])


def q(name, query):
    return lambda c: reverse(name) + query(c)


# (url name, who, method, url, expected status, payload)
MATRIX = [
    # pages anyone may open
    ("login", "anon", "GET", u("login"), 200, None),
    ("login", "admin", "GET", u("login"), 302, None),
    ("logout", "chair_a", "POST", u("logout"), 302, None),
    ("healthz", "anon", "GET", u("healthz"), 200, None),
    ("set_language", "anon", "POST", u("set_language"), 302, {"language": "en"}),
    # home: everyone signed in is sent to their place
    ("home", "anon", "GET", u("home"), 302, None),
    ("home", "admin", "GET", u("home"), 302, None),
    ("home", "leader", "GET", u("home"), 302, None),
    ("home", "chair_a", "GET", u("home"), 302, None),
    # the tree
    ("unions:tree", "anon", "GET", u("unions:tree"), 302, None),
    ("unions:tree", "admin", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "leader", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "officer", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "chair_a", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "admin", "GET", q("unions:tree", lambda c: f"?federation={c.other_fed.pk}"), 404, None),
    ("unions:children", "admin", "GET", u("unions:children", "d1"), 200, None),
    ("unions:children", "leader", "GET", u("unions:children", "d1"), 200, None),
    ("unions:children", "officer", "GET", u("unions:children", "d1"), 200, None),
    ("unions:children", "officer", "GET", u("unions:children", "d2"), 404, None),
    ("unions:children", "chair_a", "GET", u("unions:children", "d1"), 404, None),
    ("unions:children", "other_admin", "GET", u("unions:children", "d1"), 404, None),
    ("unions:children", "anon", "GET", u("unions:children", "d1"), 302, None),
    # a unit's page
    ("unions:detail", "anon", "GET", u("unions:detail", "a"), 302, None),
    ("unions:detail", "admin", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "staff", "GET", u("unions:detail", "b"), 200, None),
    ("unions:detail", "leader", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "d1"), 200, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "b"), 404, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "d2"), 404, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "g0"), 404, None),
    ("unions:detail", "chair_a", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "chair_a", "GET", u("unions:detail", "a2"), 404, None),
    ("unions:detail", "chair_a", "GET", u("unions:detail", "d1"), 404, None),
    ("unions:detail", "chair_b", "GET", u("unions:detail", "a"), 404, None),
    ("unions:detail", "other_admin", "GET", u("unions:detail", "a"), 404, None),
    ("unions:detail", "admin", "GET", u("unions:detail", "x"), 404, None),
    # creating a unit
    ("unions:create", "anon", "GET", u("unions:create"), 302, None),
    ("unions:create", "admin", "GET", u("unions:create"), 200, None),
    ("unions:create", "staff", "GET", u("unions:create"), 200, None),
    ("unions:create", "officer", "GET", u("unions:create"), 200, None),
    ("unions:create", "leader", "GET", u("unions:create"), 403, None),
    ("unions:create", "chair_a", "GET", u("unions:create"), 403, None),
    ("unions:create", "officer", "GET", q("unions:create", lambda c: f"?parent={c.d2.pk}"), 404, None),
    ("unions:create", "other_admin", "GET", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 404, None),
    ("unions:create", "admin", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 302, "d1"),
    ("unions:create", "officer", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 302, "d1"),
    ("unions:create", "leader", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 403, "d1"),
    ("unions:create", "chair_a", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 403, "d1"),
    ("unions:create", "officer", "POST", q("unions:create", lambda c: f"?parent={c.d2.pk}"), 404, "d2"),
    # editing a unit
    ("unions:edit", "anon", "GET", u("unions:edit", "a"), 302, None),
    ("unions:edit", "admin", "GET", u("unions:edit", "a"), 200, None),
    ("unions:edit", "staff", "GET", u("unions:edit", "d1"), 200, None),
    ("unions:edit", "officer", "GET", u("unions:edit", "a"), 200, None),
    ("unions:edit", "officer", "GET", u("unions:edit", "d1"), 403, None),
    ("unions:edit", "officer", "GET", u("unions:edit", "b"), 404, None),
    ("unions:edit", "leader", "GET", u("unions:edit", "a"), 403, None),
    ("unions:edit", "chair_a", "GET", u("unions:edit", "a"), 403, None),
    ("unions:edit", "chair_a", "GET", u("unions:edit", "b"), 404, None),
    ("unions:edit", "other_admin", "GET", u("unions:edit", "a"), 404, None),
    ("unions:edit", "admin", "POST", u("unions:edit", "a"), 302, "edit"),
    ("unions:edit", "officer", "POST", u("unions:edit", "a"), 302, "edit"),
    ("unions:edit", "leader", "POST", u("unions:edit", "a"), 403, "edit"),
    ("unions:edit", "chair_a", "POST", u("unions:edit", "a"), 403, "edit"),
    ("unions:edit", "officer", "POST", u("unions:edit", "b"), 404, "edit"),
    # the member roll
    ("members:list", "anon", "GET", u("members:list"), 302, None),
    ("members:list", "admin", "GET", u("members:list"), 200, None),
    ("members:list", "leader", "GET", u("members:list"), 200, None),
    ("members:list", "officer", "GET", u("members:list"), 200, None),
    ("members:list", "chair_a", "GET", u("members:list"), 200, None),
    ("members:list", "officer", "GET", q("members:list", lambda c: f"?union={c.a.pk}"), 200, None),
    ("members:list", "officer", "GET", q("members:list", lambda c: f"?union={c.b.pk}"), 404, None),
    ("members:list", "chair_a", "GET", q("members:list", lambda c: f"?union={c.a2.pk}"), 404, None),
    ("members:list", "other_admin", "GET", q("members:list", lambda c: f"?union={c.a.pk}"), 404, None),
    # a member's page
    ("members:detail", "anon", "GET", u("members:detail", "m_a"), 302, None),
    ("members:detail", "admin", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "staff", "GET", u("members:detail", "m_b"), 200, None),
    ("members:detail", "leader", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "officer", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "chair_a", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "officer", "GET", u("members:detail", "m_b"), 404, None),
    ("members:detail", "chair_a", "GET", u("members:detail", "m_b"), 404, None),
    ("members:detail", "chair_b", "GET", u("members:detail", "m_a"), 404, None),
    ("members:detail", "other_admin", "GET", u("members:detail", "m_a"), 404, None),
    ("members:detail", "admin", "GET", u("members:detail", "m_x"), 404, None),
    # admitting
    ("members:admit", "anon", "GET", u("members:admit"), 302, None),
    ("members:admit", "admin", "GET", u("members:admit"), 200, None),
    ("members:admit", "staff", "GET", q("members:admit", lambda c: f"?union={c.b.pk}"), 200, None),
    ("members:admit", "officer", "GET", u("members:admit"), 200, None),
    ("members:admit", "chair_a", "GET", u("members:admit"), 200, None),
    ("members:admit", "leader", "GET", u("members:admit"), 403, None),
    ("members:admit", "leader", "GET", q("members:admit", lambda c: f"?union={c.a.pk}"), 403, None),
    ("members:admit", "chair_a", "GET", q("members:admit", lambda c: f"?union={c.a2.pk}"), 404, None),
    ("members:admit", "officer", "GET", q("members:admit", lambda c: f"?union={c.b.pk}"), 404, None),
    ("members:admit", "officer", "GET", q("members:admit", lambda c: f"?union={c.d1.pk}"), 404, None),
    ("members:admit", "other_admin", "GET", q("members:admit", lambda c: f"?union={c.a.pk}"), 404, None),
    ("members:admit", "chair_a", "POST", q("members:admit", lambda c: f"?union={c.a.pk}"), 302, "m-admit"),
    ("members:admit", "officer", "POST", q("members:admit", lambda c: f"?union={c.a.pk}"), 302, "m-admit"),
    ("members:admit", "leader", "POST", q("members:admit", lambda c: f"?union={c.a.pk}"), 403, "m-admit"),
    ("members:admit", "chair_a", "POST", q("members:admit", lambda c: f"?union={c.b.pk}"), 404, "m-admit"),
    ("members:admit", "other_admin", "POST", q("members:admit", lambda c: f"?union={c.a.pk}"), 404, "m-admit"),
    # editing
    ("members:edit", "anon", "GET", u("members:edit", "m_a"), 302, None),
    ("members:edit", "admin", "GET", u("members:edit", "m_a"), 200, None),
    ("members:edit", "officer", "GET", u("members:edit", "m_a"), 200, None),
    ("members:edit", "chair_a", "GET", u("members:edit", "m_a"), 200, None),
    ("members:edit", "leader", "GET", u("members:edit", "m_a"), 403, None),
    ("members:edit", "chair_a", "GET", u("members:edit", "m_b"), 404, None),
    ("members:edit", "officer", "GET", u("members:edit", "m_b"), 404, None),
    ("members:edit", "other_admin", "GET", u("members:edit", "m_a"), 404, None),
    ("members:edit", "chair_a", "POST", u("members:edit", "m_a"), 302, "m-edit"),
    ("members:edit", "leader", "POST", u("members:edit", "m_a"), 403, "m-edit"),
    ("members:edit", "chair_b", "POST", u("members:edit", "m_a"), 404, "m-edit"),
    # departures and deaths
    ("members:leave", "anon", "GET", u("members:leave", "m_a"), 302, None),
    ("members:leave", "chair_a", "GET", u("members:leave", "m_a"), 200, None),
    ("members:leave", "leader", "GET", u("members:leave", "m_a"), 403, None),
    ("members:leave", "chair_a", "POST", u("members:leave", "m_a"), 302, "m-leave"),
    ("members:leave", "officer", "POST", u("members:leave", "m_a"), 302, "m-leave"),
    ("members:leave", "leader", "POST", u("members:leave", "m_a"), 403, "m-leave"),
    ("members:leave", "officer", "POST", u("members:leave", "m_b"), 404, "m-leave"),
    ("members:leave", "admin", "POST", u("members:leave", "m_x"), 404, "m-leave"),
    ("members:decease", "anon", "GET", u("members:decease", "m_a"), 302, None),
    ("members:decease", "chair_a", "GET", u("members:decease", "m_a"), 200, None),
    ("members:decease", "chair_a", "POST", u("members:decease", "m_a"), 302, "m-date"),
    ("members:decease", "leader", "POST", u("members:decease", "m_a"), 403, "m-date"),
    ("members:decease", "chair_b", "POST", u("members:decease", "m_a"), 404, "m-date"),
    ("members:readmit", "anon", "GET", u("members:readmit", "m_left"), 302, None),
    ("members:readmit", "chair_a", "GET", u("members:readmit", "m_left"), 200, None),
    ("members:readmit", "chair_a", "POST", u("members:readmit", "m_left"), 302, "m-readmit"),
    ("members:readmit", "leader", "POST", u("members:readmit", "m_left"), 403, "m-readmit"),
    ("members:readmit", "chair_b", "GET", u("members:readmit", "m_left"), 404, None),
    ("members:readmit", "chair_b", "POST", u("members:readmit", "m_left"), 404, "m-readmit"),
    # transfers: requesting, the inbox, accepting and refusing
    ("members:transfer", "anon", "GET", u("members:transfer", "m_a"), 302, None),
    ("members:transfer", "chair_a", "GET", u("members:transfer", "m_a"), 200, None),
    ("members:transfer", "leader", "GET", u("members:transfer", "m_a"), 403, None),
    ("members:transfer", "chair_a", "POST", u("members:transfer", "m_a"), 302, "m-transfer"),
    ("members:transfer", "leader", "POST", u("members:transfer", "m_a"), 403, "m-transfer"),
    ("members:transfer", "chair_b", "POST", u("members:transfer", "m_a"), 404, "m-transfer"),
    ("members:transfer", "officer", "GET", u("members:transfer", "m_b"), 404, None),
    ("members:transfers", "anon", "GET", u("members:transfers"), 302, None),
    ("members:transfers", "admin", "GET", u("members:transfers"), 200, None),
    ("members:transfers", "officer", "GET", u("members:transfers"), 200, None),
    ("members:transfers", "chair_a", "GET", u("members:transfers"), 200, None),
    ("members:transfers", "chair_b", "GET", u("members:transfers"), 200, None),
    ("members:transfers", "leader", "GET", u("members:transfers"), 403, None),
    ("members:transfer_accept", "anon", "POST", u("members:transfer_accept", "t_ab"), 302, None),
    ("members:transfer_accept", "chair_b", "GET", u("members:transfer_accept", "t_ab"), 405, None),
    ("members:transfer_accept", "chair_b", "POST", u("members:transfer_accept", "t_ab"), 302, None),
    ("members:transfer_accept", "admin", "POST", u("members:transfer_accept", "t_ab"), 302, None),
    ("members:transfer_accept", "leader", "POST", u("members:transfer_accept", "t_ab"), 403, None),
    ("members:transfer_accept", "chair_a", "POST", u("members:transfer_accept", "t_ab"), 404, None),
    ("members:transfer_accept", "officer", "POST", u("members:transfer_accept", "t_ab"), 404, None),
    ("members:transfer_accept", "other_admin", "POST", u("members:transfer_accept", "t_ab"), 404, None),
    ("members:transfer_refuse", "anon", "POST", u("members:transfer_refuse", "t_ab"), 302, "m-refuse"),
    ("members:transfer_refuse", "chair_b", "POST", u("members:transfer_refuse", "t_ab"), 302, "m-refuse"),
    ("members:transfer_refuse", "leader", "POST", u("members:transfer_refuse", "t_ab"), 403, "m-refuse"),
    ("members:transfer_refuse", "chair_a", "POST", u("members:transfer_refuse", "t_ab"), 404, "m-refuse"),
    ("members:transfer_refuse", "officer", "POST", u("members:transfer_refuse", "t_ab"), 404, "m-refuse"),
    # the Party pipeline
    ("members:party", "anon", "GET", u("members:party", "m_a"), 302, None),
    ("members:party", "chair_a", "GET", u("members:party", "m_a"), 200, None),
    ("members:party", "leader", "GET", u("members:party", "m_a"), 403, None),
    ("members:party", "chair_a", "POST", u("members:party", "m_a"), 302, "m-party"),
    ("members:party", "officer", "POST", u("members:party", "m_a"), 302, "m-party"),
    ("members:party", "leader", "POST", u("members:party", "m_a"), 403, "m-party"),
    ("members:party", "chair_b", "POST", u("members:party", "m_a"), 404, "m-party"),
    # API: federations
    ("api-root", "anon", "GET", u("api-root"), 401, None),
    ("api-root", "leader", "GET", u("api-root"), 200, None),
    ("federation-list", "anon", "GET", u("federation-list"), 401, None),
    ("federation-list", "chair_a", "GET", u("federation-list"), 200, None),
    ("federation-detail", "leader", "GET", u("federation-detail", "fed"), 200, None),
    ("federation-detail", "admin", "GET", u("federation-detail", "other_fed"), 404, None),
    ("federation-detail", "chair_b", "GET", u("federation-detail", "other_fed"), 404, None),
    # API: unions
    ("union-list", "anon", "GET", u("union-list"), 401, None),
    ("union-list", "admin", "GET", u("union-list"), 200, None),
    ("union-list", "leader", "GET", u("union-list"), 200, None),
    ("union-list", "officer", "GET", q("union-list", lambda c: "?under=H01"), 200, None),
    ("union-list", "officer", "GET", q("union-list", lambda c: "?under=H02"), 404, None),
    ("union-list", "chair_a", "GET", q("union-list", lambda c: "?under=H01"), 404, None),
    ("union-list", "admin", "POST", u("union-list"), 201, "api-d1"),
    ("union-list", "officer", "POST", u("union-list"), 201, "api-d1"),
    ("union-list", "leader", "POST", u("union-list"), 403, "api-d1"),
    ("union-list", "chair_a", "POST", u("union-list"), 403, "api-d1"),
    ("union-list", "officer", "POST", u("union-list"), 400, "api-d2"),
    ("union-list", "other_admin", "POST", u("union-list"), 400, "api-d2"),
    ("union-detail", "anon", "GET", u("union-detail", "a"), 401, None),
    ("union-detail", "admin", "GET", u("union-detail", "a"), 200, None),
    ("union-detail", "leader", "GET", u("union-detail", "a"), 200, None),
    ("union-detail", "officer", "GET", u("union-detail", "a"), 200, None),
    ("union-detail", "officer", "GET", u("union-detail", "b"), 404, None),
    ("union-detail", "chair_a", "GET", u("union-detail", "a2"), 404, None),
    ("union-detail", "other_admin", "GET", u("union-detail", "a"), 404, None),
    ("union-detail", "admin", "PATCH", u("union-detail", "a"), 200, "api-edit"),
    ("union-detail", "officer", "PATCH", u("union-detail", "a"), 200, "api-edit"),
    ("union-detail", "officer", "PATCH", u("union-detail", "d1"), 403, "api-edit"),
    ("union-detail", "leader", "PATCH", u("union-detail", "a"), 403, "api-edit"),
    ("union-detail", "chair_a", "PATCH", u("union-detail", "a"), 403, "api-edit"),
    ("union-detail", "officer", "PATCH", u("union-detail", "b"), 404, "api-edit"),
    ("union-detail", "other_admin", "PUT", u("union-detail", "a"), 404, "api-edit"),
    # roll files: template, export, import
    ("members:template", "anon", "GET", u("members:template"), 302, None),
    ("members:template", "leader", "GET", u("members:template"), 200, None),
    ("members:template", "chair_a", "GET", q("members:template", lambda c: "?format=csv"), 200, None),
    ("members:export", "anon", "GET", u("members:export"), 302, None),
    ("members:export", "admin", "GET", u("members:export"), 200, None),
    ("members:export", "chair_a", "GET", q("members:export", lambda c: "?format=csv"), 200, None),
    ("members:export", "leader", "GET", u("members:export"), 403, None),
    ("members:export", "officer", "GET", q("members:export", lambda c: f"?union={c.b.pk}"), 404, None),
    ("members:import", "anon", "GET", u("members:import"), 302, None),
    ("members:import", "chair_a", "GET", u("members:import"), 200, None),
    ("members:import", "leader", "GET", u("members:import"), 200, None),
    ("members:import", "chair_a", "POST", u("members:import"), 302, "imp-upload"),
    ("members:import", "leader", "POST", u("members:import"), 403, "imp-upload"),
    ("members:import_detail", "anon", "GET", u("members:import_detail", "imp_ok"), 302, None),
    ("members:import_detail", "chair_a", "GET", u("members:import_detail", "imp_ok"), 200, None),
    ("members:import_detail", "staff", "GET", u("members:import_detail", "imp_bad"), 200, None),
    ("members:import_detail", "leader", "GET", u("members:import_detail", "imp_ok"), 200, None),
    ("members:import_detail", "chair_b", "GET", u("members:import_detail", "imp_ok"), 404, None),
    ("members:import_detail", "other_admin", "GET", u("members:import_detail", "imp_ok"), 404, None),
    ("members:import_status", "chair_a", "GET", u("members:import_status", "imp_ok"), 200, None),
    ("members:import_status", "leader", "GET", u("members:import_status", "imp_ok"), 200, None),
    ("members:import_status", "chair_b", "GET", u("members:import_status", "imp_ok"), 404, None),
    ("members:import_errors", "chair_a", "GET", u("members:import_errors", "imp_bad"), 200, None),
    ("members:import_errors", "chair_a", "GET", u("members:import_errors", "imp_ok"), 404, None),
    ("members:import_errors", "officer", "GET", u("members:import_errors", "imp_bad"), 200, None),
    ("members:import_errors", "chair_b", "GET", u("members:import_errors", "imp_bad"), 404, None),
    ("members:import_confirm", "chair_a", "POST", u("members:import_confirm", "imp_dry"), 302, None),
    ("members:import_confirm", "leader", "POST", u("members:import_confirm", "imp_dry"), 403, None),
    ("members:import_confirm", "chair_b", "POST", u("members:import_confirm", "imp_dry"), 404, None),
    ("members:import_undo", "staff", "POST", u("members:import_undo", "imp_ok"), 302, None),
    ("members:import_undo", "chair_a", "POST", u("members:import_undo", "imp_ok"), 403, None),
    ("members:import_undo", "leader", "POST", u("members:import_undo", "imp_ok"), 403, None),
    ("members:import_undo", "other_admin", "POST", u("members:import_undo", "imp_ok"), 404, None),
    # API: members, movements, imports
    ("member-list", "anon", "GET", u("member-list"), 401, None),
    ("member-list", "leader", "GET", u("member-list"), 200, None),
    ("member-list", "chair_a", "GET", u("member-list"), 200, None),
    ("member-list", "chair_a", "POST", u("member-list"), 201, "api-member"),
    ("member-list", "leader", "POST", u("member-list"), 403, "api-member"),
    ("member-list", "chair_b", "POST", u("member-list"), 400, "api-member"),
    ("member-detail", "anon", "GET", u("member-detail", "m_a"), 401, None),
    ("member-detail", "chair_a", "GET", u("member-detail", "m_a"), 200, None),
    ("member-detail", "leader", "GET", u("member-detail", "m_a"), 200, None),
    ("member-detail", "chair_a", "GET", u("member-detail", "m_b"), 404, None),
    ("member-detail", "other_admin", "GET", u("member-detail", "m_a"), 404, None),
    ("member-detail", "chair_a", "PATCH", u("member-detail", "m_a"), 200, "api-member-edit"),
    ("member-detail", "leader", "PATCH", u("member-detail", "m_a"), 403, "api-member-edit"),
    ("member-detail", "chair_b", "PATCH", u("member-detail", "m_a"), 404, "api-member-edit"),
    ("member-leave", "chair_a", "POST", u("member-leave", "m_a"), 200, "api-leave"),
    ("member-leave", "leader", "POST", u("member-leave", "m_a"), 403, "api-leave"),
    ("member-leave", "chair_b", "POST", u("member-leave", "m_a"), 404, "api-leave"),
    ("member-decease", "chair_a", "POST", u("member-decease", "m_a"), 200, "api-date"),
    ("member-decease", "leader", "POST", u("member-decease", "m_a"), 403, "api-date"),
    ("member-decease", "chair_b", "POST", u("member-decease", "m_a"), 404, "api-date"),
    ("member-transfer", "chair_a", "POST", u("member-transfer", "m_a"), 201, "api-transfer"),
    ("member-transfer", "leader", "POST", u("member-transfer", "m_a"), 403, "api-transfer"),
    ("member-transfer", "chair_b", "POST", u("member-transfer", "m_a"), 404, "api-transfer"),
    ("movement-list", "anon", "GET", u("movement-list"), 401, None),
    ("movement-list", "leader", "GET", u("movement-list"), 200, None),
    ("movement-list", "chair_a", "GET", u("movement-list"), 200, None),
    ("movement-detail", "chair_a", "GET", u("movement-detail", "mv_a"), 200, None),
    ("movement-detail", "leader", "GET", u("movement-detail", "mv_a"), 200, None),
    ("movement-detail", "chair_b", "GET", u("movement-detail", "mv_a"), 404, None),
    ("memberimport-list", "anon", "GET", u("memberimport-list"), 401, None),
    ("memberimport-list", "chair_a", "GET", u("memberimport-list"), 200, None),
    ("memberimport-list", "leader", "GET", u("memberimport-list"), 200, None),
    ("memberimport-list", "chair_a", "POST", u("memberimport-list"), 202, "imp-upload"),
    ("memberimport-list", "leader", "POST", u("memberimport-list"), 403, "imp-upload"),
    ("memberimport-detail", "chair_a", "GET", u("memberimport-detail", "imp_ok"), 200, None),
    ("memberimport-detail", "leader", "GET", u("memberimport-detail", "imp_ok"), 200, None),
    ("memberimport-detail", "chair_b", "GET", u("memberimport-detail", "imp_ok"), 404, None),
    ("memberimport-undo", "staff", "POST", u("memberimport-undo", "imp_ok"), 200, None),
    ("memberimport-undo", "chair_a", "POST", u("memberimport-undo", "imp_ok"), 403, None),
    ("memberimport-undo", "other_admin", "POST", u("memberimport-undo", "imp_ok"), 404, None),
    # API schema and docs: signed-in users only
    ("schema", "anon", "GET", u("schema"), 401, None),
    ("schema", "chair_a", "GET", u("schema"), 200, None),
    ("api-docs", "anon", "GET", u("api-docs"), 401, None),
    ("api-docs", "leader", "GET", u("api-docs"), 200, None),
]

API_PREFIXES = ("union-", "federation-", "member-", "movement-", "memberimport-", "api-", "schema")

# URL names that are not the application's own pages: the admin site (tested apart, in
# test_admin.py), and DRF's format-suffix duplicates of the same views.
NOT_IN_MATRIX_PREFIXES = ("admin:",)


def _payload(cast, kind):
    if kind is None:
        return None
    if kind in ("d1", "d2"):
        return form_payload(parent=getattr(cast, kind))
    if kind == "edit":
        return {
            "code": cast.a.code,
            "name": "Công đoàn Trường Tiểu học Hòa Phú (đổi tên)",
            "kind": cast.a.kind,
            "sector": cast.a.sector,
            "worker_count": 41,
        }
    if kind in ("api-d1", "api-d2"):
        return {**UNION_PAYLOAD, "parent": "H01" if kind == "api-d1" else "H02"}
    if kind == "api-edit":
        return {"worker_count": 41}
    member_payloads = {
        "m-admit": MEMBER_PAYLOAD,
        "m-edit": {
            "full_name": "Nguyễn Văn An",
            "gender": "male",
            "date_of_birth": "17/05/1990",
            "citizen_id": "066090001234",
            "joined_on": "02/03/2015",
            "job_title": "Giáo viên",
        },
        "m-leave": {"on": "01/06/2025", "reason": "resigned"},
        "m-date": {"on": "01/06/2025"},
        "m-readmit": {"union": cast.a.pk, "on": "01/06/2025"},
        "m-transfer": {"to_union": cast.b.pk, "effective_on": "01/06/2025"},
        "m-refuse": {"note": "Không đủ hồ sơ"},
        "m-party": {"introduced_on": "01/06/2025"},
        "imp-upload": {"file": roll_file(), "dry_run": "on"},
        "api-member": {
            "union": "A",
            "full_name": "Lê Thị Thu",
            "gender": "female",
            "date_of_birth": "1992-04-03",
            "citizen_id": "066192009999",
            "joined_on": "2020-02-01",
        },
        "api-member-edit": {"job_title": "Giáo viên"},
        "api-leave": {"date": "2025-06-01", "reason": "resigned"},
        "api-date": {"date": "2025-06-01"},
        "api-transfer": {"to_union": "B", "effective_on": "2025-06-01"},
    }
    return member_payloads[kind] if isinstance(kind, str) and kind in member_payloads else kind


def _snapshot():
    return (
        {u.pk: (u.name, u.worker_count) for u in Union.objects.all()},
        {m.pk: (m.full_name, m.status, m.union_id, m.job_title, m.party_introduced_on) for m in Member.objects.all()},
        dict(TransferRequest.objects.values_list("pk", "status")),
    )


def _request(client: Client, method, url, payload, api):
    if method == "GET":
        return client.get(url)
    if api and not any(hasattr(v, "read") for v in (payload or {}).values()):
        return client.generic(method, url, json.dumps(payload or {}), content_type="application/json")
    return client.post(url, payload or {})


@pytest.mark.parametrize(
    ("name", "who", "method", "url", "expected", "payload"),
    MATRIX,
    ids=[f"{row[0]}-{row[1]}-{row[2]}-{i}" for i, row in enumerate(MATRIX)],
)
def test_access(request, cast, name, who, method, url, expected, payload):
    client = Client() if who == "anon" else client_for(getattr(cast, who))
    api = name.startswith(API_PREFIXES)
    before = _snapshot()
    response = _request(client, method, url(cast), _payload(cast, payload), api)
    assert response.status_code == expected, response.content[:500]
    if expected in (403, 404) and method != "GET":
        # A refused write changes nothing.
        assert _snapshot() == before
    if expected == 404 and who != "anon":
        # Nothing of what the user may not see shows through the 404.
        hidden = Union.objects.exclude(pk__in=Union.objects.visible_to(getattr(cast, who)))
        body = response.content.decode()
        assert not [u.name for u in hidden if u.name in body or u.code in body.split('"')]


def _url_names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield namespace + p.name


def test_every_url_is_in_the_matrix():
    names = {n for n in _url_names(get_resolver().url_patterns) if not n.startswith(NOT_IN_MATRIX_PREFIXES)}
    covered = {row[0] for row in MATRIX}
    assert names - covered == set(), "URLs without access rows"


def test_matrix_covers_allowed_read_only_and_out_of_scope_for_every_url():
    by_name = {}
    for name, _who, _method, _url, expected, _payload in MATRIX:
        by_name.setdefault(name, set()).add(expected)
    scoped = {"unions:children", "unions:detail", "unions:edit", "federation-detail", "union-detail"}
    member_pages = {"members:list", "members:detail", "members:admit", "members:edit", "members:leave"}
    member_pages |= {"members:decease", "members:readmit", "members:transfer", "members:party"}
    for name in scoped | member_pages:
        assert {200, 404} <= by_name[name], name
    member_writes = member_pages - {"members:list", "members:detail"}
    member_writes |= {"members:transfers", "members:transfer_accept", "members:transfer_refuse"}
    for name in ("unions:create", "unions:edit", "union-list", "union-detail", *member_writes):
        assert 403 in by_name[name], name
    for name in ("members:transfer_accept", "members:transfer_refuse"):
        assert {302, 403, 404} <= by_name[name], name
