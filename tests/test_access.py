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

from federation.models import PATH_SEGMENT
from members import services as member_services
from members.models import Member, TransferRequest
from unions.models import Union
from welfare import services as welfare_services
from welfare.models import Activity, Beneficiary, Fund, Occasion, Shelter

from .conftest import add_members, client_for
from .factories import member
from .reports import access_dashboard, access_national, access_returns, access_targets
from .unions import access_reorg_api, access_reorg_views

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
    cast.m_a2 = member(cast.a2, full_name="Mai Văn Sáu")  # beside A, for the "sibling" rows
    # Imports into union A by its chair: written, checked only (valid), and with an error.
    cast.imp_ok = _import(cast, "Phan Văn Tú,Nam,01/01/1980,066080001111,01/01/2005")
    cast.imp_dry = _import(cast, "Vũ Thị Mai,Nữ,02/02/1982,066182002222,01/01/2006", dry_run=True)
    cast.imp_bad = _import(cast, "Lý Văn Sai,Nam,01/01/1980,066180003333,01/01/2005")
    _add_welfare(cast)
    for module in REPORT_ROWS:
        module.setup(cast)
    return cast


def _add_welfare(c):
    """Welfare records: a Tet occasion; activities of the federation, of A (with m_a linked) and
    of B, and one in the other federation; a shelter run by D1 for m_a; funds of the federation,
    of A and of the other federation."""
    day = datetime.date(2025, 1, 20)
    c.occ = welfare_services.occasion_create(
        federation=c.fed, name="Tết Ất Tỵ 2025", starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 2, 15), by=c.admin,
    )  # fmt: skip
    activity = welfare_services.activity_create
    c.act_fed = activity(federation=c.fed, program="tet_care", title="Quà Tết của Liên đoàn", held_on=day,
                         person_times=3, amount_union_funds=1_500_000, by=c.admin)  # fmt: skip
    c.act_a = activity(federation=c.fed, union=c.a, program="tet_care", occasion=c.occ, title="Quà Tết CĐCS",
                       held_on=day, person_times=10, amount_union_funds=3_000_000, by=c.chair_a)  # fmt: skip
    welfare_services.beneficiaries_add(activity=c.act_a, rows=[(c.m_a, 300_000, "")], by=c.chair_a)
    c.ben_a = c.act_a.beneficiaries.get()
    c.act_b = activity(federation=c.fed, union=c.b, program="meal", title="Bữa cơm Công đoàn", held_on=day,
                       person_times=40, amount_sponsors=4_000_000, by=c.chair_b)  # fmt: skip
    c.act_x = activity(federation=c.other_fed, union=c.x, program="tet_care", title="Quà Tết Thủy điện",
                       held_on=day, person_times=5, by=c.other_admin)  # fmt: skip
    c.shelter_a = welfare_services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=90_000_000, approved_on=datetime.date(2025, 1, 5),
        amount_union_funds=50_000_000, by=c.officer,
    )  # fmt: skip
    # Beside A and beside D1, for the "sibling" rows: an activity of A2, a shelter run by D2.
    c.act_a2 = activity(federation=c.fed, union=c.a2, program="meal", title="Bữa cơm ca", held_on=day,
                        person_times=20, by=c.admin)  # fmt: skip
    c.shelter_b = welfare_services.shelter_create(
        federation=c.fed, union=c.d2, member=c.m_b, total_cost=60_000_000, approved_on=datetime.date(2025, 1, 6),
        amount_union_funds=30_000_000, by=c.admin,
    )  # fmt: skip
    c.fund_fed = welfare_services.fund_create(federation=c.fed, name="Quỹ Xã hội Công đoàn tỉnh", kind="social",
                                              by=c.admin)  # fmt: skip
    welfare_services.fund_contribute(fund=c.fund_fed, amount=5_000_000, on=day, by=c.admin)
    c.fund_a = welfare_services.fund_create(federation=c.fed, union=c.a, name="Quỹ tương trợ CĐCS A",
                                            kind="support", by=c.chair_a)  # fmt: skip
    welfare_services.fund_contribute(fund=c.fund_a, amount=1_000_000, on=day, by=c.chair_a)
    c.fund_x = welfare_services.fund_create(federation=c.other_fed, name="Quỹ Xã hội Lào Cai", kind="social",
                                            by=c.other_admin)  # fmt: skip


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
    ("unions:edit", "officer", "GET", u("unions:edit", "d2"), 404, None),
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
    ("members:list", "chair_a", "GET", q("members:list", lambda c: f"?union={c.a.pk}"), 200, None),
    ("members:list", "officer", "GET", q("members:list", lambda c: f"?union={c.b.pk}"), 404, None),
    ("members:list", "chair_a", "GET", q("members:list", lambda c: f"?union={c.a2.pk}"), 404, None),
    ("members:list", "other_admin", "GET", q("members:list", lambda c: f"?union={c.a.pk}"), 404, None),
    # finding a member by citizen ID (posted: the number stays out of addresses and logs)
    ("members:lookup", "anon", "POST", u("members:lookup"), 302, "cid-m_a"),
    ("members:lookup", "chair_a", "GET", u("members:lookup"), 405, None),
    ("members:lookup", "chair_a", "POST", u("members:lookup"), 302, "cid-m_a"),
    ("members:lookup", "officer", "POST", u("members:lookup"), 302, "cid-m_a"),
    ("members:lookup", "admin", "POST", u("members:lookup"), 302, "cid-m_b"),
    ("members:lookup", "leader", "POST", u("members:lookup"), 403, "cid-m_a"),
    # a member's page
    ("members:detail", "anon", "GET", u("members:detail", "m_a"), 302, None),
    ("members:detail", "admin", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "staff", "GET", u("members:detail", "m_b"), 200, None),
    ("members:detail", "leader", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "officer", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "chair_a", "GET", u("members:detail", "m_a"), 200, None),
    ("members:detail", "officer", "GET", u("members:detail", "m_b"), 404, None),
    ("members:detail", "chair_a", "GET", u("members:detail", "m_b"), 404, None),
    ("members:detail", "chair_a", "GET", u("members:detail", "m_a2"), 404, None),
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
    ("members:edit", "chair_a", "GET", u("members:edit", "m_a2"), 404, None),
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
    ("members:import_errors", "leader", "GET", u("members:import_errors", "imp_bad"), 403, None),
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
    ("member-lookup", "anon", "POST", u("member-lookup"), 401, "cid-m_a"),
    ("member-lookup", "chair_a", "GET", u("member-lookup"), 405, None),
    ("member-lookup", "chair_a", "POST", u("member-lookup"), 200, "cid-m_a"),
    ("member-lookup", "staff", "POST", u("member-lookup"), 200, "cid-m_b"),
    ("member-lookup", "chair_a", "POST", u("member-lookup"), 404, "cid-m_b"),
    ("member-lookup", "officer", "POST", u("member-lookup"), 404, "cid-m_b"),
    ("member-lookup", "other_admin", "POST", u("member-lookup"), 404, "cid-m_a"),
    ("member-lookup", "admin", "POST", u("member-lookup"), 404, "cid-m_x"),
    ("member-lookup", "leader", "POST", u("member-lookup"), 403, "cid-m_a"),
    ("member-detail", "anon", "GET", u("member-detail", "m_a"), 401, None),
    ("member-detail", "chair_a", "GET", u("member-detail", "m_a"), 200, None),
    ("member-detail", "leader", "GET", u("member-detail", "m_a"), 200, None),
    ("member-detail", "chair_a", "GET", u("member-detail", "m_b"), 404, None),
    ("member-detail", "chair_a", "GET", u("member-detail", "m_a2"), 404, None),
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
    # welfare: the overview, activities, recipients, shelters, funds, occasions
    ("welfare:overview", "anon", "GET", u("welfare:overview"), 302, None),
    ("welfare:overview", "admin", "GET", u("welfare:overview"), 200, None),
    ("welfare:overview", "leader", "GET", u("welfare:overview"), 200, None),
    ("welfare:overview", "officer", "GET", u("welfare:overview"), 200, None),
    ("welfare:overview", "chair_a", "GET", u("welfare:overview"), 200, None),
    ("welfare:overview", "officer", "GET", q("welfare:overview", lambda c: f"?union={c.a.pk}"), 200, None),
    ("welfare:overview", "chair_a", "GET", q("welfare:overview", lambda c: f"?union={c.a.pk}"), 200, None),
    ("welfare:overview", "officer", "GET", q("welfare:overview", lambda c: f"?union={c.b.pk}"), 404, None),
    ("welfare:overview", "chair_a", "GET", q("welfare:overview", lambda c: f"?union={c.a2.pk}"), 404, None),
    ("welfare:overview", "other_admin", "GET", q("welfare:overview", lambda c: f"?union={c.a.pk}"), 404, None),
    ("welfare:activities", "anon", "GET", u("welfare:activities"), 302, None),
    ("welfare:activities", "admin", "GET", u("welfare:activities"), 200, None),
    ("welfare:activities", "leader", "GET", u("welfare:activities"), 200, None),
    ("welfare:activities", "chair_a", "GET", u("welfare:activities"), 200, None),
    ("welfare:activities", "officer", "GET", q("welfare:activities", lambda c: f"?union={c.b.pk}"), 404, None),
    ("welfare:activity_create", "anon", "GET", u("welfare:activity_create"), 302, None),
    ("welfare:activity_create", "admin", "GET", u("welfare:activity_create"), 200, None),
    ("welfare:activity_create", "officer", "GET", u("welfare:activity_create"), 200, None),
    ("welfare:activity_create", "chair_a", "GET", u("welfare:activity_create"), 200, None),
    ("welfare:activity_create", "leader", "GET", u("welfare:activity_create"), 403, None),
    ("welfare:activity_create", "chair_a", "POST", u("welfare:activity_create"), 302, "w-activity-a"),
    ("welfare:activity_create", "officer", "POST", u("welfare:activity_create"), 302, "w-activity-a"),
    ("welfare:activity_create", "leader", "POST", u("welfare:activity_create"), 403, "w-activity-a"),
    ("welfare:activity_create", "chair_b", "POST", u("welfare:activity_create"), 200, "w-activity-a"),
    ("welfare:activity_detail", "anon", "GET", u("welfare:activity_detail", "act_a"), 302, None),
    ("welfare:activity_detail", "admin", "GET", u("welfare:activity_detail", "act_a"), 200, None),
    ("welfare:activity_detail", "leader", "GET", u("welfare:activity_detail", "act_a"), 200, None),
    ("welfare:activity_detail", "officer", "GET", u("welfare:activity_detail", "act_a"), 200, None),
    ("welfare:activity_detail", "chair_a", "GET", u("welfare:activity_detail", "act_a"), 200, None),
    ("welfare:activity_detail", "chair_a", "GET", u("welfare:activity_detail", "act_fed"), 404, None),
    ("welfare:activity_detail", "officer", "GET", u("welfare:activity_detail", "act_b"), 404, None),
    ("welfare:activity_detail", "chair_a", "GET", u("welfare:activity_detail", "act_a2"), 404, None),
    ("welfare:activity_detail", "chair_b", "GET", u("welfare:activity_detail", "act_a"), 404, None),
    ("welfare:activity_detail", "other_admin", "GET", u("welfare:activity_detail", "act_a"), 404, None),
    ("welfare:activity_detail", "admin", "GET", u("welfare:activity_detail", "act_x"), 404, None),
    ("welfare:activity_edit", "anon", "GET", u("welfare:activity_edit", "act_a"), 302, None),
    ("welfare:activity_edit", "chair_a", "GET", u("welfare:activity_edit", "act_a"), 200, None),
    ("welfare:activity_edit", "officer", "GET", u("welfare:activity_edit", "act_a"), 200, None),
    ("welfare:activity_edit", "leader", "GET", u("welfare:activity_edit", "act_a"), 403, None),
    ("welfare:activity_edit", "officer", "GET", u("welfare:activity_edit", "act_fed"), 404, None),
    ("welfare:activity_edit", "chair_b", "GET", u("welfare:activity_edit", "act_a"), 404, None),
    ("welfare:activity_edit", "chair_a", "POST", u("welfare:activity_edit", "act_a"), 302, "w-activity-edit"),
    ("welfare:activity_edit", "leader", "POST", u("welfare:activity_edit", "act_a"), 403, "w-activity-edit"),
    ("welfare:activity_edit", "chair_b", "POST", u("welfare:activity_edit", "act_a"), 404, "w-activity-edit"),
    ("welfare:activity_recipients", "anon", "POST", u("welfare:activity_recipients", "act_a"), 302, "w-recipients"),
    ("welfare:activity_recipients", "chair_a", "GET", u("welfare:activity_recipients", "act_a"), 405, None),
    ("welfare:activity_recipients", "chair_a", "POST", u("welfare:activity_recipients", "act_a"), 200, "w-recipients"),
    ("welfare:activity_recipients", "leader", "POST", u("welfare:activity_recipients", "act_a"), 403, "w-recipients"),
    ("welfare:activity_recipients", "chair_b", "POST", u("welfare:activity_recipients", "act_a"), 404, "w-recipients"),
    ("welfare:beneficiary_remove", "anon", "POST", u("welfare:beneficiary_remove", "act_a", "ben_a"), 302, None),
    ("welfare:beneficiary_remove", "chair_a", "POST", u("welfare:beneficiary_remove", "act_a", "ben_a"), 302, None),
    ("welfare:beneficiary_remove", "leader", "POST", u("welfare:beneficiary_remove", "act_a", "ben_a"), 403, None),
    ("welfare:beneficiary_remove", "chair_b", "POST", u("welfare:beneficiary_remove", "act_a", "ben_a"), 404, None),
    ("welfare:beneficiary_remove", "chair_a", "POST", u("welfare:beneficiary_remove", "act_fed", "ben_a"), 404, None),
    ("welfare:recipients_template", "anon", "GET", u("welfare:recipients_template"), 302, None),
    ("welfare:recipients_template", "leader", "GET", u("welfare:recipients_template"), 200, None),
    (
        "welfare:recipients_template",
        "chair_a",
        "GET",
        q("welfare:recipients_template", lambda c: "?format=csv"),
        200,
        None,
    ),
    ("welfare:shelters", "anon", "GET", u("welfare:shelters"), 302, None),
    ("welfare:shelters", "admin", "GET", u("welfare:shelters"), 200, None),
    ("welfare:shelters", "leader", "GET", u("welfare:shelters"), 200, None),
    ("welfare:shelters", "chair_a", "GET", u("welfare:shelters"), 200, None),
    ("welfare:shelters", "officer", "GET", q("welfare:shelters", lambda c: f"?union={c.b.pk}"), 404, None),
    ("welfare:shelter_create", "anon", "GET", u("welfare:shelter_create"), 302, None),
    ("welfare:shelter_create", "admin", "GET", u("welfare:shelter_create"), 200, None),
    ("welfare:shelter_create", "officer", "GET", u("welfare:shelter_create"), 200, None),
    ("welfare:shelter_create", "chair_a", "GET", u("welfare:shelter_create"), 403, None),
    ("welfare:shelter_create", "leader", "GET", u("welfare:shelter_create"), 403, None),
    ("welfare:shelter_create", "officer", "POST", u("welfare:shelter_create"), 302, "w-shelter"),
    ("welfare:shelter_create", "chair_a", "POST", u("welfare:shelter_create"), 403, "w-shelter"),
    ("welfare:shelter_create", "leader", "POST", u("welfare:shelter_create"), 403, "w-shelter"),
    ("welfare:shelter_create", "other_admin", "POST", u("welfare:shelter_create"), 200, "w-shelter"),
    ("welfare:shelter_detail", "anon", "GET", u("welfare:shelter_detail", "shelter_a"), 302, None),
    ("welfare:shelter_detail", "admin", "GET", u("welfare:shelter_detail", "shelter_a"), 200, None),
    ("welfare:shelter_detail", "leader", "GET", u("welfare:shelter_detail", "shelter_a"), 200, None),
    ("welfare:shelter_detail", "officer", "GET", u("welfare:shelter_detail", "shelter_a"), 200, None),
    ("welfare:shelter_detail", "chair_a", "GET", u("welfare:shelter_detail", "shelter_a"), 200, None),
    ("welfare:shelter_detail", "chair_b", "GET", u("welfare:shelter_detail", "shelter_a"), 404, None),
    ("welfare:shelter_detail", "officer", "GET", u("welfare:shelter_detail", "shelter_b"), 404, None),
    ("welfare:shelter_detail", "other_admin", "GET", u("welfare:shelter_detail", "shelter_a"), 404, None),
    ("welfare:shelter_edit", "anon", "GET", u("welfare:shelter_edit", "shelter_a"), 302, None),
    ("welfare:shelter_edit", "officer", "GET", u("welfare:shelter_edit", "shelter_a"), 200, None),
    ("welfare:shelter_edit", "chair_a", "GET", u("welfare:shelter_edit", "shelter_a"), 403, None),
    ("welfare:shelter_edit", "leader", "GET", u("welfare:shelter_edit", "shelter_a"), 403, None),
    ("welfare:shelter_edit", "chair_b", "GET", u("welfare:shelter_edit", "shelter_a"), 404, None),
    ("welfare:shelter_edit", "officer", "POST", u("welfare:shelter_edit", "shelter_a"), 302, "w-shelter-edit"),
    ("welfare:shelter_edit", "leader", "POST", u("welfare:shelter_edit", "shelter_a"), 403, "w-shelter-edit"),
    ("welfare:shelter_edit", "other_admin", "POST", u("welfare:shelter_edit", "shelter_a"), 404, "w-shelter-edit"),
    ("welfare:shelter_advance", "anon", "POST", u("welfare:shelter_advance", "shelter_a"), 302, "w-advance"),
    ("welfare:shelter_advance", "officer", "GET", u("welfare:shelter_advance", "shelter_a"), 405, None),
    ("welfare:shelter_advance", "officer", "POST", u("welfare:shelter_advance", "shelter_a"), 302, "w-advance"),
    ("welfare:shelter_advance", "staff", "POST", u("welfare:shelter_advance", "shelter_a"), 302, "w-advance"),
    ("welfare:shelter_advance", "chair_a", "POST", u("welfare:shelter_advance", "shelter_a"), 403, "w-advance"),
    ("welfare:shelter_advance", "leader", "POST", u("welfare:shelter_advance", "shelter_a"), 403, "w-advance"),
    ("welfare:shelter_advance", "chair_b", "POST", u("welfare:shelter_advance", "shelter_a"), 404, "w-advance"),
    ("welfare:funds", "anon", "GET", u("welfare:funds"), 302, None),
    ("welfare:funds", "admin", "GET", u("welfare:funds"), 200, None),
    ("welfare:funds", "leader", "GET", u("welfare:funds"), 200, None),
    ("welfare:funds", "chair_a", "GET", u("welfare:funds"), 200, None),
    ("welfare:fund_create", "anon", "GET", u("welfare:fund_create"), 302, None),
    ("welfare:fund_create", "admin", "GET", u("welfare:fund_create"), 200, None),
    ("welfare:fund_create", "chair_a", "GET", u("welfare:fund_create"), 200, None),
    ("welfare:fund_create", "leader", "GET", u("welfare:fund_create"), 403, None),
    ("welfare:fund_create", "chair_a", "POST", u("welfare:fund_create"), 302, "w-fund-a"),
    ("welfare:fund_create", "leader", "POST", u("welfare:fund_create"), 403, "w-fund-a"),
    ("welfare:fund_create", "chair_b", "POST", u("welfare:fund_create"), 200, "w-fund-a"),
    ("welfare:fund_detail", "anon", "GET", u("welfare:fund_detail", "fund_a"), 302, None),
    ("welfare:fund_detail", "admin", "GET", u("welfare:fund_detail", "fund_fed"), 200, None),
    ("welfare:fund_detail", "leader", "GET", u("welfare:fund_detail", "fund_fed"), 200, None),
    ("welfare:fund_detail", "chair_a", "GET", u("welfare:fund_detail", "fund_a"), 200, None),
    ("welfare:fund_detail", "officer", "GET", u("welfare:fund_detail", "fund_a"), 200, None),
    ("welfare:fund_detail", "chair_a", "GET", u("welfare:fund_detail", "fund_fed"), 404, None),
    ("welfare:fund_detail", "chair_b", "GET", u("welfare:fund_detail", "fund_a"), 404, None),
    ("welfare:fund_detail", "other_admin", "GET", u("welfare:fund_detail", "fund_fed"), 404, None),
    ("welfare:fund_entry", "anon", "POST", u("welfare:fund_entry", "fund_a"), 302, "w-contribution"),
    ("welfare:fund_entry", "chair_a", "GET", u("welfare:fund_entry", "fund_a"), 405, None),
    ("welfare:fund_entry", "chair_a", "POST", u("welfare:fund_entry", "fund_a"), 302, "w-contribution"),
    ("welfare:fund_entry", "chair_a", "POST", u("welfare:fund_entry", "fund_a"), 302, "w-payout"),
    ("welfare:fund_entry", "leader", "POST", u("welfare:fund_entry", "fund_fed"), 403, "w-contribution"),
    ("welfare:fund_entry", "chair_b", "POST", u("welfare:fund_entry", "fund_a"), 404, "w-contribution"),
    ("welfare:fund_entry", "admin", "POST", u("welfare:fund_entry", "fund_x"), 404, "w-contribution"),
    ("welfare:occasions", "anon", "GET", u("welfare:occasions"), 302, None),
    ("welfare:occasions", "admin", "GET", u("welfare:occasions"), 200, None),
    ("welfare:occasions", "leader", "GET", u("welfare:occasions"), 200, None),
    ("welfare:occasions", "chair_a", "GET", u("welfare:occasions"), 200, None),
    ("welfare:occasion_create", "anon", "GET", u("welfare:occasion_create"), 302, None),
    ("welfare:occasion_create", "admin", "GET", u("welfare:occasion_create"), 200, None),
    ("welfare:occasion_create", "officer", "GET", u("welfare:occasion_create"), 403, None),
    ("welfare:occasion_create", "leader", "GET", u("welfare:occasion_create"), 403, None),
    ("welfare:occasion_create", "admin", "POST", u("welfare:occasion_create"), 302, "w-occasion"),
    ("welfare:occasion_create", "staff", "POST", u("welfare:occasion_create"), 302, "w-occasion"),
    ("welfare:occasion_create", "chair_a", "POST", u("welfare:occasion_create"), 403, "w-occasion"),
    ("welfare:occasion_create", "leader", "POST", u("welfare:occasion_create"), 403, "w-occasion"),
    # API: welfare
    ("activity-list", "anon", "GET", u("activity-list"), 401, None),
    ("activity-list", "leader", "GET", u("activity-list"), 200, None),
    ("activity-list", "chair_a", "GET", u("activity-list"), 200, None),
    ("activity-list", "officer", "GET", q("activity-list", lambda c: "?under=H02"), 404, None),
    ("activity-list", "chair_a", "POST", u("activity-list"), 201, "api-activity"),
    ("activity-list", "officer", "POST", u("activity-list"), 201, "api-activity"),
    ("activity-list", "leader", "POST", u("activity-list"), 403, "api-activity"),
    ("activity-list", "chair_b", "POST", u("activity-list"), 400, "api-activity"),
    ("activity-detail", "anon", "GET", u("activity-detail", "act_a"), 401, None),
    ("activity-detail", "chair_a", "GET", u("activity-detail", "act_a"), 200, None),
    ("activity-detail", "leader", "GET", u("activity-detail", "act_a"), 200, None),
    ("activity-detail", "chair_a", "GET", u("activity-detail", "act_fed"), 404, None),
    ("activity-detail", "chair_b", "GET", u("activity-detail", "act_a"), 404, None),
    ("activity-detail", "chair_a", "GET", u("activity-detail", "act_a2"), 404, None),
    ("activity-detail", "other_admin", "GET", u("activity-detail", "act_a"), 404, None),
    ("activity-detail", "chair_a", "PATCH", u("activity-detail", "act_a"), 200, "api-activity-edit"),
    ("activity-detail", "leader", "PATCH", u("activity-detail", "act_a"), 403, "api-activity-edit"),
    ("activity-detail", "chair_b", "PATCH", u("activity-detail", "act_a"), 404, "api-activity-edit"),
    ("activity-beneficiaries", "chair_a", "GET", u("activity-beneficiaries", "act_a"), 200, None),
    ("activity-beneficiaries", "leader", "GET", u("activity-beneficiaries", "act_a"), 200, None),
    ("activity-beneficiaries", "chair_b", "GET", u("activity-beneficiaries", "act_a"), 404, None),
    ("activity-beneficiaries", "chair_a", "POST", u("activity-beneficiaries", "act_a"), 200, "api-beneficiaries"),
    ("activity-beneficiaries", "leader", "POST", u("activity-beneficiaries", "act_a"), 403, "api-beneficiaries"),
    ("activity-beneficiaries", "chair_b", "POST", u("activity-beneficiaries", "act_a"), 404, "api-beneficiaries"),
    ("activity-export", "anon", "GET", u("activity-export"), 401, None),
    ("activity-export", "leader", "GET", u("activity-export"), 200, None),
    ("activity-export", "chair_a", "GET", u("activity-export"), 200, None),
    ("shelter-list", "anon", "GET", u("shelter-list"), 401, None),
    ("shelter-list", "leader", "GET", u("shelter-list"), 200, None),
    ("shelter-list", "chair_a", "GET", u("shelter-list"), 200, None),
    ("shelter-list", "officer", "POST", u("shelter-list"), 201, "api-shelter"),
    ("shelter-list", "chair_a", "POST", u("shelter-list"), 403, "api-shelter"),
    ("shelter-list", "leader", "POST", u("shelter-list"), 403, "api-shelter"),
    ("shelter-list", "other_admin", "POST", u("shelter-list"), 400, "api-shelter"),
    ("shelter-detail", "anon", "GET", u("shelter-detail", "shelter_a"), 401, None),
    ("shelter-detail", "officer", "GET", u("shelter-detail", "shelter_a"), 200, None),
    ("shelter-detail", "chair_a", "GET", u("shelter-detail", "shelter_a"), 200, None),
    ("shelter-detail", "leader", "GET", u("shelter-detail", "shelter_a"), 200, None),
    ("shelter-detail", "chair_b", "GET", u("shelter-detail", "shelter_a"), 404, None),
    ("shelter-detail", "officer", "GET", u("shelter-detail", "shelter_b"), 404, None),
    ("shelter-detail", "other_admin", "GET", u("shelter-detail", "shelter_a"), 404, None),
    ("shelter-detail", "officer", "PATCH", u("shelter-detail", "shelter_a"), 200, "api-shelter-edit"),
    ("shelter-detail", "chair_a", "PATCH", u("shelter-detail", "shelter_a"), 403, "api-shelter-edit"),
    ("shelter-detail", "leader", "PATCH", u("shelter-detail", "shelter_a"), 403, "api-shelter-edit"),
    ("shelter-detail", "chair_b", "PATCH", u("shelter-detail", "shelter_a"), 404, "api-shelter-edit"),
    ("shelter-advance", "officer", "POST", u("shelter-advance", "shelter_a"), 200, "api-advance"),
    ("shelter-advance", "chair_a", "POST", u("shelter-advance", "shelter_a"), 403, "api-advance"),
    ("shelter-advance", "leader", "POST", u("shelter-advance", "shelter_a"), 403, "api-advance"),
    ("shelter-advance", "chair_b", "POST", u("shelter-advance", "shelter_a"), 404, "api-advance"),
    ("shelter-export", "anon", "GET", u("shelter-export"), 401, None),
    ("shelter-export", "leader", "GET", u("shelter-export"), 200, None),
    ("shelter-export", "officer", "GET", u("shelter-export"), 200, None),
    ("fund-list", "anon", "GET", u("fund-list"), 401, None),
    ("fund-list", "leader", "GET", u("fund-list"), 200, None),
    ("fund-list", "chair_a", "GET", u("fund-list"), 200, None),
    ("fund-list", "chair_a", "POST", u("fund-list"), 201, "api-fund"),
    ("fund-list", "leader", "POST", u("fund-list"), 403, "api-fund"),
    ("fund-detail", "anon", "GET", u("fund-detail", "fund_a"), 401, None),
    ("fund-detail", "chair_a", "GET", u("fund-detail", "fund_a"), 200, None),
    ("fund-detail", "leader", "GET", u("fund-detail", "fund_fed"), 200, None),
    ("fund-detail", "chair_a", "GET", u("fund-detail", "fund_fed"), 404, None),
    ("fund-detail", "other_admin", "GET", u("fund-detail", "fund_fed"), 404, None),
    ("fund-contribute", "chair_a", "POST", u("fund-contribute", "fund_a"), 201, "api-entry"),
    ("fund-contribute", "leader", "POST", u("fund-contribute", "fund_fed"), 403, "api-entry"),
    ("fund-contribute", "chair_b", "POST", u("fund-contribute", "fund_a"), 404, "api-entry"),
    ("fund-pay", "chair_a", "POST", u("fund-pay", "fund_a"), 201, "api-entry"),
    ("fund-pay", "leader", "POST", u("fund-pay", "fund_fed"), 403, "api-entry"),
    ("fund-pay", "chair_b", "POST", u("fund-pay", "fund_a"), 404, "api-entry"),
    ("fund-pay", "admin", "POST", u("fund-pay", "fund_x"), 404, "api-entry"),
    ("fund-entries", "chair_a", "GET", u("fund-entries", "fund_a"), 200, None),
    ("fund-entries", "leader", "GET", u("fund-entries", "fund_fed"), 200, None),
    ("fund-entries", "chair_b", "GET", u("fund-entries", "fund_a"), 404, None),
    ("occasion-list", "anon", "GET", u("occasion-list"), 401, None),
    ("occasion-list", "leader", "GET", u("occasion-list"), 200, None),
    ("occasion-list", "chair_a", "GET", u("occasion-list"), 200, None),
    ("occasion-list", "admin", "POST", u("occasion-list"), 201, "api-occasion"),
    ("occasion-list", "officer", "POST", u("occasion-list"), 403, "api-occasion"),
    ("occasion-list", "leader", "POST", u("occasion-list"), 403, "api-occasion"),
    ("welfaretotals-list", "anon", "GET", u("welfaretotals-list"), 401, None),
    ("welfaretotals-list", "leader", "GET", u("welfaretotals-list"), 200, None),
    ("welfaretotals-list", "chair_a", "GET", u("welfaretotals-list"), 200, None),
    ("welfaretotals-list", "officer", "GET", q("welfaretotals-list", lambda c: "?under=A"), 200, None),
    ("welfaretotals-list", "officer", "GET", q("welfaretotals-list", lambda c: "?under=H02"), 404, None),
    ("welfaretotals-list", "other_admin", "GET", q("welfaretotals-list", lambda c: "?under=H01"), 200, None),
    ("welfaretotals-list", "other_admin", "GET", q("welfaretotals-list", lambda c: "?under=A"), 404, None),
    # API schema and docs: signed-in users only
    ("schema", "anon", "GET", u("schema"), 401, None),
    ("schema", "chair_a", "GET", u("schema"), 200, None),
    ("api-docs", "anon", "GET", u("api-docs"), 401, None),
    ("api-docs", "leader", "GET", u("api-docs"), 200, None),
]

# The reports app's rows live beside its tests, one module per area.
from .federation import access_accounts, access_audit  # noqa: E402
from .members import access_exports  # noqa: E402

REPORT_ROWS = (access_targets, access_returns, access_dashboard, access_reorg_api, access_reorg_views, access_accounts,
               access_audit, access_exports, access_national)  # fmt: skip
for _module in REPORT_ROWS:
    MATRIX += _module.ROWS

API_PREFIXES = ("union-", "federation-", "member-", "movement-", "memberimport-", "api-", "schema", "activity-",
                "shelter-", "fund-", "occasion-", "welfaretotals-")  # fmt: skip
API_PREFIXES += tuple(p for m in REPORT_ROWS for p in m.API_PREFIXES)

# URL names that are not the application's own pages: the admin site (tested apart, in
# test_admin.py), and DRF's format-suffix duplicates of the same views.
NOT_IN_MATRIX_PREFIXES = ("admin:",)


def _payload(cast, kind):
    if kind is None:
        return None
    for module in REPORT_ROWS:
        if isinstance(kind, str) and kind in module.PAYLOADS:
            return module.PAYLOADS[kind](cast)
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
    if isinstance(kind, str) and kind.startswith("cid-"):
        return {"citizen_id": getattr(cast, kind.removeprefix("cid-")).citizen_id}
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
        "w-activity-a": {
            "organizer": cast.a.pk,
            "program": "tet_care",
            "title": "Quà Tết cho công nhân",
            "held_on": "20/01/2025",
            "person_times": "25",
            "amount_union_funds": "1.500.000",
        },
        "w-activity-edit": {
            "program": "tet_care",
            "title": "Quà Tết CĐCS (sửa)",
            "held_on": "20/01/2025",
            "person_times": "12",
            "amount_union_funds": "3.000.000",
        },
        "w-recipients": {"file": recipients_file(cast.m_a.citizen_id), "dry_run": "on"},
        "w-shelter": {
            "organizer": cast.d1.pk,
            "member": cast.m_a.citizen_id,
            "is_repair": "on",
            "total_cost": "20.000.000",
            "approved_on": "01/02/2025",
            "amount_union_funds": "10.000.000",
        },
        "w-shelter-edit": {
            "is_repair": "",
            "total_cost": "95.000.000",
            "approved_on": "05/01/2025",
            "member": cast.m_a.citizen_id,
            "amount_union_funds": "50.000.000",
            "note": "Đã khảo sát",
        },
        "w-advance": {"to": "building", "on": "01/02/2025"},
        "w-fund-a": {"organizer": cast.a.pk, "name": "Quỹ khuyến học CĐCS A", "kind": "support"},
        "w-contribution": {"kind": "contribution", "amount": "200.000", "on": "01/02/2025", "counterparty": "Công ty"},
        "w-payout": {"kind": "payout", "amount": "300.000", "on": "01/02/2025", "member": cast.m_a.citizen_id},
        "w-occasion": {"name": "Tháng Công nhân 2025", "starts_on": "01/05/2025", "ends_on": "31/05/2025"},
        "api-activity": {
            "union": "A",
            "program": "meal",
            "title": "Bữa cơm Công đoàn",
            "held_on": "2025-05-01",
            "person_times": 30,
            "amount_sponsors": 3_000_000,
        },
        "api-activity-edit": {"person_times": 12},
        "api-beneficiaries": {"members": [{"citizen_id": cast.m_a.citizen_id, "amount": 300_000}]},
        "api-shelter": {
            "union": "H01",
            "member": cast.m_a.pk,
            "is_repair": True,
            "total_cost": 20_000_000,
            "approved_on": "2025-02-01",
            "amount_union_funds": 10_000_000,
        },
        "api-shelter-edit": {"note": "Đã khảo sát"},
        "api-advance": {"to": "building", "on": "2025-02-01"},
        "api-fund": {"union": "A", "name": "Quỹ khuyến học CĐCS A", "kind": "support"},
        "api-entry": {"amount": 200_000, "on": "2025-02-01", "counterparty": "Công ty"},
        "api-occasion": {"name": "Tháng Công nhân 2025", "starts_on": "2025-05-01", "ends_on": "2025-05-31"},
    }
    return member_payloads[kind] if isinstance(kind, str) and kind in member_payloads else kind


def recipients_file(citizen_id):
    return SimpleUploadedFile(
        "recipients.csv", f"Số CCCD,Số tiền\r\n{citizen_id},300000\r\n".encode(), content_type="text/csv"
    )


def _snapshot():
    return (
        {u.pk: (u.name, u.worker_count) for u in Union.objects.all()},
        {m.pk: (m.full_name, m.status, m.union_id, m.job_title, m.party_introduced_on) for m in Member.objects.all()},
        dict(TransferRequest.objects.values_list("pk", "status")),
        {a.pk: (a.title, a.person_times) for a in Activity.objects.all()},
        sorted(Beneficiary.objects.values_list("activity_id", "member_id")),
        {s.pk: (s.status, s.note, s.total_cost) for s in Shelter.objects.all()},
        dict(Fund.objects.values_list("pk", "balance")),
        Occasion.objects.count(),
        *(m.snapshot() for m in REPORT_ROWS),
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
    if expected in (401, 403, 404) or (who == "anon" and expected == 302):
        assert_no_personal_data(response, None if who == "anon" else getattr(cast, who))


def assert_no_personal_data(response, user):
    """A refused request shows no citizen ID of anyone, and no name of a member the user may not
    see (every member, for an anonymous visitor)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    body = content.decode("utf-8", "replace")
    members = Member.objects.all()
    hidden = members if user is None else members.exclude(pk__in=Member.objects.visible_to(user))
    leaks = [cid for cid in members.values_list("citizen_id", flat=True) if cid in body]
    leaks += [name for name in hidden.values_list("full_name", flat=True) if name in body]
    assert leaks == [], leaks


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


def test_matrix_covers_welfare_reads_and_writes_for_every_role_kind():
    by_name = {}
    for name, _who, _method, _url, expected, _payload in MATRIX:
        by_name.setdefault(name, set()).add(expected)
    welfare = {n for n in by_name if n.startswith("welfare:")}
    api = {n for n in by_name if n.startswith(("activity-", "shelter-", "fund-", "occasion-", "welfaretotals-"))}
    for name in welfare | api:
        assert 200 in by_name[name] or 201 in by_name[name] or 302 in by_name[name], name
    reads_in_scope = {"welfare:overview", "welfare:activity_detail", "welfare:shelter_detail", "welfare:fund_detail"}
    reads_in_scope |= {"activity-detail", "shelter-detail", "fund-detail", "welfaretotals-list"}
    for name in reads_in_scope:
        assert 404 in by_name[name], name
    writes = {n for n in welfare if n.endswith(("_create", "_edit", "_advance", "_entry", "_recipients", "_remove"))}
    writes |= {"activity-list", "activity-detail", "activity-beneficiaries", "shelter-list", "shelter-detail"}
    writes |= {"shelter-advance", "fund-list", "fund-contribute", "fund-pay", "occasion-list"}
    for name in writes:
        assert 403 in by_name[name], name


# --- nothing is created in, or moved into, a unit outside the user's scope -----------------------


def _with(kind, **changes):
    """A payload of `_payload` with some fields changed (values may be made from the cast)."""
    return lambda c: {**_payload(c, kind), **{k: v(c) if callable(v) else v for k, v in changes.items()}}


def _inside(unit):
    """What lies in `unit`: its members, welfare records, units below it and targets."""
    from reports.models import Target

    return (
        sorted(Member.objects.filter(union=unit).values_list("pk", flat=True)),
        sorted(Activity.objects.filter(union=unit).values_list("pk", flat=True)),
        sorted(Shelter.objects.filter(union=unit).values_list("pk", flat=True)),
        sorted(Fund.objects.filter(union=unit).values_list("pk", flat=True)),
        sorted(Union.objects.filter(path__startswith=unit.path).values_list("pk", "path")),
        sorted(Target.objects.filter(union=unit).values_list("pk", "value")),
    )


def _pk(attr):
    return lambda c: getattr(c, attr).pk


# (url name, who, method, url(cast), payload(cast), expected status, the out-of-scope unit).
# 404: the unit is named in the address; 400 / 200 (the form again, with an error): it is named
# in the body; 200 / 302 for a field that cannot be changed there (the union of a member, the
# parent of a unit), which is left as it was.
# fmt: off
INTO_OUT_OF_SCOPE = [
    ("members:admit", "officer", "POST", u("members:admit"), _with("m-admit", union=_pk("b")), 200, "b"),
    ("members:admit", "chair_a", "POST", q("members:admit", lambda c: f"?union={c.a2.pk}"), _with("m-admit"), 404,
     "a2"),
    ("members:admit", "admin", "POST", q("members:admit", lambda c: f"?union={c.x.pk}"), _with("m-admit"), 404, "x"),
    ("members:readmit", "chair_a", "POST", u("members:readmit", "m_left"), _with("m-readmit", union=_pk("b")), 200,
     "b"),
    ("members:transfer_accept", "chair_a", "POST", u("members:transfer_accept", "t_ab"), lambda c: {}, 404, "b"),
    ("members:transfer_accept", "officer", "POST", u("members:transfer_accept", "t_ab"), lambda c: {}, 404, "b"),
    ("member-list", "chair_a", "POST", u("member-list"), _with("api-member", union="B"), 400, "b"),
    ("member-list", "officer", "POST", u("member-list"), _with("api-member", union="E1"), 400, "e1"),
    ("member-detail", "chair_a", "PATCH", u("member-detail", "m_a"), lambda c: {"union": "B"}, 200, "b"),
    ("welfare:activity_create", "chair_a", "POST", u("welfare:activity_create"),
     _with("w-activity-a", organizer=_pk("a2")), 200, "a2"),
    ("welfare:activity_create", "officer", "POST", u("welfare:activity_create"),
     _with("w-activity-a", organizer=_pk("b")), 200, "b"),
    ("welfare:shelter_create", "officer", "POST", u("welfare:shelter_create"), _with("w-shelter", organizer=_pk("d2")),
     200, "d2"),
    ("welfare:fund_create", "chair_a", "POST", u("welfare:fund_create"), _with("w-fund-a", organizer=_pk("b")), 200,
     "b"),
    ("activity-list", "chair_a", "POST", u("activity-list"), _with("api-activity", union="B"), 400, "b"),
    ("activity-list", "officer", "POST", u("activity-list"), _with("api-activity", union="G0"), 400, "g0"),
    ("shelter-list", "officer", "POST", u("shelter-list"), _with("api-shelter", union="H02"), 400, "d2"),
    ("fund-list", "chair_a", "POST", u("fund-list"), _with("api-fund", union="A2"), 400, "a2"),
    ("unions:create", "officer", "POST", u("unions:create"), lambda c: form_payload(parent=c.d2), 200, "d2"),
    ("unions:create", "officer", "POST", q("unions:create", lambda c: f"?parent={c.edu.pk}"),
     lambda c: form_payload(parent=c.edu), 404, "edu"),
    ("unions:create", "admin", "POST", q("unions:create", lambda c: f"?parent={c.x1.pk}"),
     lambda c: form_payload(parent=c.x1), 404, "x1"),
    ("unions:edit", "officer", "POST", u("unions:edit", "a"), _with("edit", parent=_pk("d2")), 302, "d2"),
    ("union-list", "officer", "POST", u("union-list"), _with("api-d2"), 400, "d2"),
    ("union-list", "officer", "POST", u("union-list"), lambda c: {**UNION_PAYLOAD, "parent": "N01"}, 400, "edu"),
    ("union-detail", "officer", "PATCH", u("union-detail", "a"), lambda c: {"parent": "H02"}, 200, "d2"),
    ("reports:target_create", "officer", "POST", q("reports:target_create", lambda c: f"?union={c.b.pk}"),
     _with("tg-create-b"), 404, "b"),
    ("reports:target_allocate", "officer", "POST", q("reports:target_allocate", lambda c: f"?parent={c.d2.pk}"),
     _with("tg-alloc-d2"), 404, "b"),
    ("target-list", "officer", "POST", u("target-list"), _with("api-tg-b"), 404, "b"),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "who", "method", "url", "payload", "expected", "target"),
    INTO_OUT_OF_SCOPE,
    ids=[f"{row[0]}-{row[1]}-{row[6]}-{i}" for i, row in enumerate(INTO_OUT_OF_SCOPE)],
)
def test_nothing_goes_into_a_unit_outside_the_scope(cast, name, who, method, url, payload, expected, target):
    user, unit = getattr(cast, who), getattr(cast, target)
    assert not Union.objects.visible_to(user).filter(pk=unit.pk).exists()
    client = client_for(user)
    before, before_all = _inside(unit), _snapshot()
    response = _request(client, method, url(cast), payload(cast), name.startswith(API_PREFIXES))
    assert response.status_code == expected, response.content[:500]
    assert _inside(unit) == before
    if expected != 302:
        assert _snapshot() == before_all
    if expected == 200 and not name.startswith(API_PREFIXES):
        assert response.context["form"].errors  # the form again, saying why


# --- every scoped page is tried at every place an object can stand -------------------------------

LOCATIONS = {"own", "child", "sibling", "other district", "other federation"}
# The object a URL is about: its model, by URL name (the address's pk), and how to get its unit.
OBJECT_URLS = {
    "unions:detail": Union, "unions:edit": Union, "unions:children": Union, "union-detail": Union,
    "reports:unit": Union,
    "members:detail": Member, "members:edit": Member, "member-detail": Member,
    "welfare:activity_detail": Activity, "activity-detail": Activity,
    "welfare:shelter_detail": Shelter, "shelter-detail": Shelter,
}  # fmt: skip
# Lists narrowed to one unit by `?union=<pk>`.
UNIT_FILTERED = {"members:list", "welfare:overview"}


def _location(user, path: str) -> str:
    """Where a unit (by its path) stands for `user`: its own unit, below it, beside it (same
    parent), elsewhere in its federation, or in another federation."""
    own = user.scope_path
    if path == own:
        return "own"
    if path.startswith(own):
        return "child"
    if path[:PATH_SEGMENT] != own[:PATH_SEGMENT]:
        return "other federation"
    return "sibling" if path[:-PATH_SEGMENT] == own[:-PATH_SEGMENT] else "other district"


def _object_path(cast, name, url):
    from urllib.parse import parse_qs, urlsplit

    from django.urls import resolve

    parts = urlsplit(url)
    if name in UNIT_FILTERED:
        union = parse_qs(parts.query).get("union")
        return Union.objects.get(pk=union[0]).path if union else None
    pk = resolve(parts.path).kwargs.get("pk")
    if pk is None:
        return None
    obj = OBJECT_URLS[name].objects.get(pk=pk)
    if isinstance(obj, Union):
        return obj.path
    if isinstance(obj, Member):
        return obj.union.path
    return obj.union.path if obj.union_id else obj.federation.path


def test_every_scoped_page_is_tried_at_every_location(cast):
    seen: dict[str, set[str]] = {name: set() for name in (*OBJECT_URLS, *UNIT_FILTERED)}
    for name, who, _method, url, _expected, _payload in MATRIX:
        if name not in seen or who == "anon":
            continue
        path = _object_path(cast, name, url(cast))
        if path is not None:
            seen[name].add(_location(getattr(cast, who), path))
    missing = {name: sorted(LOCATIONS - places) for name, places in seen.items() if LOCATIONS - places}
    assert missing == {}, str(missing)
