"""The audit trail (issue "Audit trail"): every write of members, movements, welfare records,
targets, returns and units records who, when, from where, before and after (imports, bulk
operations and reorganizations too); views, exports and citizen-ID searches of personal data are
recorded without the values; and no entry can be changed or deleted, on SQLite and PostgreSQL."""

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import DatabaseError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from federation.models import AuditLog, User
from federation.selectors import object_history
from federation.services import audit_access, audit_context, audit_log_many, audit_log_rows, query_filters
from members import services as member_services
from members.models import Member
from reports.models import Indicator
from reports.services import returns as return_services
from reports.services.targets import target_set, targets_allocate
from unions import services as union_services
from unions.models import Level
from unions.reorg.engine import run_plan
from unions.reorg.plan import Decision, Row
from welfare import services as welfare_services
from welfare.models import Beneficiary, Program

from ..conftest import client_for
from ..factories import member
from ..members.files import make_csv, person, woman

D = datetime.date
IP = "10.0.0.1"
pytestmark = pytest.mark.django_db


def req(user, ip=IP):
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.user = user
    return request


def entries(obj, action=None):
    qs = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
    ).order_by("id")
    return list(qs.filter(action=action) if action else qs)


def last(obj, action=None) -> AuditLog:
    found = entries(obj, action)
    assert found, f"no {action or ''} entry for {obj!r}"
    return found[-1]


def assert_who(entry, user, ip=IP):
    assert (entry.actor, entry.actor_name, entry.ip) == (user, user.username, ip)
    assert entry.at is not None


# --- members and movements -----------------------------------------------------------------------


def test_member_admit_update_leave_readmit_and_transfer_are_recorded(cast):
    c = cast
    m = member_services.member_admit(
        union=c.a, by=c.chair_a, request=req(c.chair_a), full_name="Lê Thị Hoa", gender="female",
        date_of_birth=D(1990, 1, 2), citizen_id="066190001122", joined_on=D(2015, 3, 1),
    )  # fmt: skip
    created = last(m, AuditLog.Action.CREATE)
    assert_who(created, c.chair_a)
    assert created.changes == {"union": [None, "A"]} and created.federation == c.fed

    member_services.member_update(member=m, by=c.chair_a, request=req(c.chair_a), job_title="Giáo viên")
    assert last(m, AuditLog.Action.UPDATE).changes == {"job_title": ["", "Giáo viên"]}

    member_services.member_leave(member=m, on=D(2024, 1, 1), reason="resigned", by=c.chair_a, request=req(c.chair_a))
    left = last(m, AuditLog.Action.UPDATE)
    assert_who(left, c.chair_a)
    assert left.changes == {"status": ["active", "left"], "left_on": [None, "2024-01-01"]}

    member_services.member_readmit(member=m, union=c.a2, on=D(2024, 6, 1), by=c.officer, request=req(c.officer))
    assert last(m, AuditLog.Action.UPDATE).changes["union"] == ["A", "A2"]

    # A transfer the receiving union refuses, then one it accepts (the two movements): each recorded.
    transfer = member_services.transfer_request(
        member=m, to_union=c.b, effective_on=D(2024, 7, 1), by=c.officer, request=req(c.officer)
    )
    member_services.transfer_refuse(transfer=transfer, by=c.chair_b, request=req(c.chair_b, "10.0.0.2"))
    refused = last(m, AuditLog.Action.UPDATE)
    assert_who(refused, c.chair_b, "10.0.0.2")
    assert refused.changes == {"transfer_refused": ["B", None]}
    transfer = member_services.transfer_request(
        member=m, to_union=c.b, effective_on=D(2024, 7, 1), by=c.officer, request=req(c.officer)
    )
    member_services.transfer_accept(transfer=transfer, by=c.chair_b, request=req(c.chair_b))
    moved = last(m, AuditLog.Action.MOVE)
    assert_who(moved, c.chair_b)
    assert moved.changes == {"union": ["A2", "B"]}


def test_member_admin_change_goes_through_the_service_and_is_recorded(roll_cast):
    c = roll_cast
    client = client_for(c.admin)
    url = reverse("admin:members_member_change", args=[c.m_a.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["job_title"] = "Hiệu trưởng"
    data["date_of_birth"] = c.m_a.date_of_birth.strftime("%d/%m/%Y")
    data["joined_on"] = c.m_a.joined_on.strftime("%d/%m/%Y")
    for name in ("is_party_member",):
        if not data.get(name):
            data.pop(name, None)
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url, data, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last(c.m_a, AuditLog.Action.UPDATE)
    assert entry.changes == {"job_title": ["", "Hiệu trưởng"]}
    assert_who(entry, c.admin, "10.0.0.9")


# --- welfare -----------------------------------------------------------------------------------


def test_welfare_activity_beneficiaries_shelter_and_fund_are_recorded(roll_cast):
    c = roll_cast
    activity = welfare_services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, title="Quà Tết", held_on=D(2025, 1, 22),
        person_times=1, amount_union_funds=3_000_000, by=c.chair_a, request=req(c.chair_a),
    )  # fmt: skip
    assert_who(last(activity, AuditLog.Action.CREATE), c.chair_a)
    welfare_services.activity_update(activity=activity, by=c.chair_a, request=req(c.chair_a), person_times=5)
    assert last(activity, AuditLog.Action.UPDATE).changes["person_times"] == [1, 5]

    welfare_services.beneficiaries_add(
        activity=activity, rows=[(c.m_a, 500_000, "")], by=c.chair_a, request=req(c.chair_a)
    )
    beneficiary = Beneficiary.objects.get(activity=activity)
    linked = last(beneficiary, AuditLog.Action.CREATE)
    assert_who(linked, c.chair_a)
    assert linked.changes == {"member": [None, "Nguyễn Văn An"], "amount": [None, 500_000]}
    pk = beneficiary.pk
    welfare_services.beneficiary_remove(beneficiary=beneficiary, by=c.chair_a, request=req(c.chair_a))
    beneficiary.pk = pk
    assert last(beneficiary, AuditLog.Action.DELETE).changes == {"member": ["Nguyễn Văn An", None]}

    shelter = welfare_services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=120_000_000, approved_on=D(2025, 2, 1),
        amount_union_funds=50_000_000, by=c.officer, request=req(c.officer),
    )  # fmt: skip
    assert_who(last(shelter, AuditLog.Action.CREATE), c.officer)
    welfare_services.shelter_advance(
        shelter=shelter, to="building", on=D(2025, 3, 1), by=c.officer, request=req(c.officer)
    )
    assert last(shelter, AuditLog.Action.UPDATE).changes["status"] == ["approved", "building"]

    fund = welfare_services.fund_create(
        federation=c.fed, name="Quỹ Xã hội", kind="social", by=c.admin, request=req(c.admin)
    )
    welfare_services.fund_contribute(fund=fund, amount=1_000_000, on=D(2025, 1, 5), by=c.admin, request=req(c.admin))
    welfare_services.fund_pay(fund=fund, amount=400_000, on=D(2025, 1, 6), by=c.admin, request=req(c.admin))
    paid = last(fund, AuditLog.Action.UPDATE)
    assert_who(paid, c.admin)
    assert paid.changes == {"balance": [1_000_000, 600_000], "payout": [None, 400_000]}


# --- targets and returns -----------------------------------------------------------------------


def test_target_set_and_allocation_and_return_submit_approve_are_recorded(cast):
    c = cast
    indicator = Indicator.objects.get(code="members_admitted")
    doc = {"document_number": "125/KH-LĐLĐ", "document_date": D(2024, 1, 15)}
    target = target_set(
        federation=c.fed, union=None, indicator=indicator, year=2024, value="100", by=c.staff,
        request=req(c.staff), **doc,
    )  # fmt: skip
    created = last(target, AuditLog.Action.CREATE)
    assert_who(created, c.staff)
    assert created.changes["value"] == [None, 100]
    written = targets_allocate(
        federation=c.fed, parent=None, indicator=indicator, year=2024, values={c.d1: "60", c.d2: "40"},
        by=c.staff, request=req(c.staff), **doc,
    )  # fmt: skip
    assert len(written) == 2
    for t in written:
        assert_who(last(t, AuditLog.Action.CREATE), c.staff)

    with translation.override("en"):
        ret = return_services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a, request=req(c.chair_a))
        ret = return_services.return_save(
            ret=ret, data={"workers_total": 40, "workers_female": 20}, version=ret.version, by=c.chair_a
        )
        ret = return_services.return_submit(ret=ret, version=ret.version, by=c.chair_a, request=req(c.chair_a))
        submitted = last(ret)
        assert_who(submitted, c.chair_a)
        assert submitted.changes["status"] == ["draft", "submitted"]
        ret = return_services.return_approve(ret=ret, version=ret.version, by=c.officer, request=req(c.officer))
    approved = last(ret)
    assert_who(approved, c.officer)
    assert approved.changes["status"] == ["submitted", "approved"]


# --- units -------------------------------------------------------------------------------------


def test_unit_create_update_move_close_are_recorded(cast):
    c = cast
    unit = union_services.union_create(
        federation=c.fed, parent=c.d1, by=c.admin, request=req(c.admin), code="NEW", name="Công đoàn Mới",
        level=Level.GRASSROOTS, kind=c.a2.kind, sector=c.a2.sector, worker_count=40,
    )  # fmt: skip
    assert_who(last(unit, AuditLog.Action.CREATE), c.admin)
    union_services.union_update(union=unit, by=c.admin, request=req(c.admin), worker_count=41)
    assert last(unit, AuditLog.Action.UPDATE).changes == {"worker_count": [40, 41]}
    union_services.union_move(union=unit, new_parent=c.d2, effective_on=D(2025, 1, 1), by=c.admin, request=req(c.admin))
    assert_who(last(unit, AuditLog.Action.MOVE), c.admin)
    union_services.union_close(union=unit, closed_on=D(2025, 2, 1), by=c.admin, request=req(c.admin))
    assert_who(last(unit, AuditLog.Action.CLOSE), c.admin)

    # The history reads as people do: who (by name), what, before → after, when and from where.
    c.admin.full_name = "Nguyễn Văn Quản"
    c.admin.save()
    page = client_for(c.admin).get(unit.get_absolute_url()).content.decode()
    assert "Nguyễn Văn Quản" in page and "từ 10.0.0.1" in page
    assert "40</span>" in page and "41</span>" in page


# --- imports, undo, reorganizations ---------------------------------------------------------------


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(c, path, by):
    with path.open("rb") as fh:
        batch = member_services.member_import_create(
            file=File(fh), filename=path.name, federation=c.fed, scope_path=c.fed.path, by=by, request=req(by)
        )
    return member_services.member_import_run(batch_id=batch.pk)


def test_member_import_and_undo_record_the_import_and_each_member(cast, tmp_path, _media):
    c = cast
    existing = member(
        c.a, full_name="Trần Văn Cũ", citizen_id="066085000009", date_of_birth=D(1985, 4, 3), joined_on=D(2010, 6, 1)
    )
    rows = [person(1), woman(2, full_name="Đặng Thị Ánh"), person(9, full_name="Trần Văn Cũ", job_title="Kế toán")]
    batch = _upload(c, make_csv(tmp_path / "roll.csv", rows), c.staff)
    assert (batch.created, batch.updated) == (2, 1), batch.errors

    uploaded, imported = entries(batch)
    assert_who(uploaded, c.staff)
    assert uploaded.changes["filename"] == [None, "roll.csv"]
    assert imported.changes["sha256"] == [None, batch.sha256] and len(batch.sha256) == 64
    assert imported.changes["created"] == [None, 2] and imported.changes["updated"] == [None, 1]
    assert imported.ip == IP  # the job runs without a request: where the file came from

    new = Member.objects.filter(created_by_import=batch).order_by("pk")
    for m in new:
        entry = last(m, AuditLog.Action.CREATE)
        assert_who(entry, c.staff)
        assert entry.object_repr == m.full_name
        assert entry.changes == {"union": [None, "A"], "import": [None, "roll.csv"]}
    assert entries(new[1])[0].object_repr == "Đặng Thị Ánh"
    changed = last(existing, AuditLog.Action.UPDATE)
    assert_who(changed, c.staff)
    assert changed.changes == {"job_title": ["", "Kế toán"], "import": [None, "roll.csv"]}

    new_ids = list(new.values_list("pk", flat=True))
    member_services.member_import_undo(batch=batch, by=c.admin, request=req(c.admin, "10.0.0.3"))
    undone = last(batch, AuditLog.Action.DELETE)
    assert undone.changes["removed"] == [None, 2] and undone.changes["restored"] == [None, 1]
    removed = AuditLog.objects.filter(action="delete", object_id__in=[str(pk) for pk in new_ids],
                                      content_type=ContentType.objects.get_for_model(Member))  # fmt: skip
    assert removed.count() == 2
    assert_who(removed.first(), c.admin, "10.0.0.3")
    assert last(existing, AuditLog.Action.UPDATE).changes["job_title"] == ["Kế toán", ""]


def test_reorganization_entries_carry_the_decision_number(roll_cast):
    c = roll_cast
    decision = Decision(number="123-QĐ/TU", date=D(2025, 6, 20), effective_on=D(2025, 7, 1), reason="Sắp xếp")
    with translation.override("en"):
        outcome = run_plan(
            federation=c.fed, decision=decision, rows=[Row(number=2, operation="merge", unit="A", target="A2")],
            by=c.admin, apply=True, request=req(c.admin),
        )  # fmt: skip
    assert outcome.ok, [e.message for e in outcome.errors]
    closed = last(c.a, AuditLog.Action.CLOSE)  # written by union_close, inside the run
    assert_who(closed, c.admin)
    assert closed.changes["reorganization"] == [None, "123-QĐ/TU"]
    moved = last(c.m_a, AuditLog.Action.MOVE)
    assert_who(moved, c.admin)
    assert moved.changes == {"union": ["A", "A2"], "reorganization": [None, "123-QĐ/TU"]}
    assert last(outcome.reorganization).changes["decision_number"] == [None, "123-QĐ/TU"]
    # The history reads the recorded extras under labels of their own, in the user's language.
    for language, label in (("en", "Decision number"), ("vi", "Số quyết định")):
        with translation.override(language):
            lines = {line.name: line for line in object_history(c.m_a)[0].lines}
        assert (lines["reorganization"].label, lines["reorganization"].after) == (label, "123-QĐ/TU")


def test_audit_context_and_bulk_helper(cast):
    with audit_context(reorganization="9/QĐ"):
        assert (
            audit_log_many(
                actor=cast.admin, objs=[cast.a, cast.b], action=AuditLog.Action.UPDATE, changes={"x": [1, 2]}
            )
            == 2
        )
    assert last(cast.b).changes == {"x": [1, 2], "reorganization": [None, "9/QĐ"]}
    assert audit_log_many(actor=cast.admin, objs=[], action=AuditLog.Action.UPDATE) == 0


# --- access to personal data -------------------------------------------------------------------


def _no_values(entry, *secrets):
    text = json.dumps(entry.changes, ensure_ascii=False) + entry.object_repr + entry.object_id
    for secret in secrets:
        assert secret not in text


def test_views_exports_and_citizen_id_searches_are_recorded_without_the_values(roll_cast):
    c = roll_cast
    staff = client_for(c.staff)
    staff.get(c.m_a.get_absolute_url(), REMOTE_ADDR="10.0.0.5")
    viewed = last(c.m_a, AuditLog.Action.VIEW)
    assert_who(viewed, c.staff, "10.0.0.5")
    _no_values(viewed, "066090001234")

    # A role that does not see personal data leaves no view entry (it saw none).
    before = AuditLog.objects.filter(action="view").count()
    client_for(c.leader).get(c.m_a.get_absolute_url())
    assert AuditLog.objects.filter(action="view").count() == before

    response = staff.get(reverse("members:export"), {"format": "csv", "union": c.a.pk})
    assert response.status_code == 200
    exported = AuditLog.objects.filter(action="export").latest("id")
    assert_who(exported, c.staff, "127.0.0.1")
    assert exported.changes["rows"] == 1 and exported.changes["filters"]["union"] == str(c.a.pk)

    response = staff.post(reverse("members:lookup"), {"citizen_id": "066 090 001 234"})
    assert response.status_code == 302
    searched = AuditLog.objects.filter(action="search").latest("id")
    assert_who(searched, c.staff, "127.0.0.1")
    assert searched.changes == {"results": 1}
    _no_values(searched, "066090001234", "090001234")
    staff.post(reverse("members:lookup"), {"citizen_id": "066090009999"})
    assert AuditLog.objects.filter(action="search").latest("id").changes == {"results": 0}

    api = staff.get(f"/api/v1/members/{c.m_a.pk}/")
    assert api.status_code == 200
    assert AuditLog.objects.filter(action="view", object_id=str(c.m_a.pk)).count() == 2

    # The views are not the member's change history.
    assert all(item.entry.action not in ("view", "export", "search") for item in object_history(c.m_a))


def test_access_entries_never_keep_digits_that_could_be_an_id(cast):
    entry = audit_access(req(cast.staff), AuditLog.Action.SEARCH, Member, {"q": "066090001234", "results": 3})
    assert entry.changes == {"results": 3}
    filters = query_filters({"q": "066 090 001 234", "union": "12", "page": "2", "phone": "0905123456"})
    assert filters == {"q": "citizen_id", "union": "12"}
    with pytest.raises(ValueError):
        audit_access(req(cast.staff), AuditLog.Action.UPDATE, Member)


def test_welfare_exports_are_recorded(roll_cast):
    c = roll_cast
    welfare_services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=120_000_000, approved_on=D(2025, 2, 1),
        amount_union_funds=50_000_000, by=c.officer,
    )  # fmt: skip
    response = client_for(c.staff).get("/api/v1/shelters/export/", HTTP_ACCEPT="*/*")
    assert response.status_code == 200
    exported = AuditLog.objects.filter(action="export").latest("id")
    assert exported.object_repr and exported.changes["rows"] == 1
    assert_who(exported, c.staff, "127.0.0.1")


# --- the trail cannot be edited ------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted(roll_cast):
    c = roll_cast
    member_services.member_update(member=c.m_a, by=c.chair_a, job_title="Kế toán")
    entry = last(c.m_a)
    for attempt in (
        lambda: AuditLog.objects.filter(pk=entry.pk).update(changes={}),
        lambda: AuditLog.objects.filter(pk=entry.pk).update(actor_name="someone"),
        lambda: AuditLog.objects.filter(pk=entry.pk).update(actor=c.admin),
        lambda: AuditLog.objects.filter(pk=entry.pk).delete(),
        lambda: AuditLog.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.changes == {"job_title": ["", "Kế toán"]} and entry.actor == c.chair_a


def test_deleting_an_account_keeps_its_entries_under_its_name(roll_cast):
    c = roll_cast
    member_services.member_update(member=c.m_a, by=c.chair_a, job_title="Kế toán")
    entry = last(c.m_a)
    User.objects.filter(pk=c.chair_a.pk).delete()
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_name) == (None, "chair_a")
    assert entry.changes == {"job_title": ["", "Kế toán"]}


def test_audit_admin_is_read_only(roll_cast):
    c = roll_cast
    member_services.member_update(member=c.m_a, by=c.chair_a, job_title="Kế toán")
    entry = last(c.m_a)
    client = client_for(c.admin)
    assert client.get(reverse("admin:federation_auditlog_changelist")).status_code == 200
    assert client.get(reverse("admin:federation_auditlog_add")).status_code == 403
    assert client.post(reverse("admin:federation_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    client.post(reverse("admin:federation_auditlog_change", args=[entry.pk]), {"object_repr": "x"})
    entry.refresh_from_db()
    assert entry.object_repr == "Nguyễn Văn An"


def test_rows_written_at_once_keep_any_text(cast):
    """`audit_log_rows` (COPY on PostgreSQL) keeps quotes, backslashes, commas and line breaks."""
    text = 'Lê "Hoa", \\ Mai\nx'
    written = audit_log_rows(
        actor=None, model=Member, action=AuditLog.Action.UPDATE, federation_id=cast.fed.pk, ip=None,
        rows=[(7, text, {"note": [None, text]}), (8, "", {})],
    )  # fmt: skip
    assert written == 2
    written = AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Member), object_id__in=["7", "8"])
    first, second = written.order_by("object_id")
    assert (first.object_repr, first.changes, first.actor, first.actor_name, first.ip) == (
        text[:255], {"note": [None, text]}, None, "", None
    )  # fmt: skip
    assert (second.object_repr, second.changes, second.federation) == ("", {}, cast.fed)


# --- the audit trail page ------------------------------------------------------------------------


def test_audit_page_lists_the_federations_entries_with_filters(roll_cast):
    c = roll_cast
    member_services.member_update(member=c.m_a, by=c.chair_a, request=req(c.chair_a), job_title="Kế toán")
    union_services.union_update(union=c.x, by=c.other_admin, worker_count=71)
    client = client_for(c.admin)
    page = client.get(reverse("audit_trail")).content.decode()
    # Changes read as on the detail pages: the field's label, before → after.
    assert '<span class="text-body-secondary">Nghề nghiệp, chức vụ:</span>' in page
    assert '<span class="history-new">Kế toán</span>' in page and IP in page
    assert "job_title" not in page
    with translation.override("en"):
        assert "Yên Bái" not in page  # the other federation's entries
        filtered = client.get(reverse("audit_trail"), {"action": "update", "user": "chair_a"})
    found = list(filtered.context["page"].object_list)
    assert [(e.action, e.actor_name, e.object_repr) for e in found] == [("update", "chair_a", "Nguyễn Văn An")]
    member_kind = ContentType.objects.get_for_model(Member).pk
    only_units = client.get(reverse("audit_trail"), {"kind": member_kind, "start": "01/01/2000"})
    assert {e.content_type_id for e in only_units.context["page"].object_list} == {member_kind}
