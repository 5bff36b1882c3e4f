"""The reorganization engine (§7): each operation, its refusals, preview = apply, lineage, what
passes on to successors, and the federation merger."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from federation.models import AuditLog, Federation, User
from members.models import Member, Movement, MovementKind
from reports.models import Indicator, QuarterlyReturn, Target
from reports.services.targets import target_set
from unions.models import Lineage, Operation, Reorganization, Status, Union, UnionLink
from unions.reorg.engine import run_plan
from unions.reorg.plan import Decision, Row

from ..factories import UnionFactory, member

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 7, 1)
DECISION = Decision(number="123-QĐ/TU", date=datetime.date(2025, 6, 20), effective_on=ON, reason="Sắp xếp tổ chức")


def run(cast, *rows, apply=True, by=None, federation=None, decision=DECISION):
    numbered = [Row(number=i, **row) for i, row in enumerate(rows, start=2)]
    with translation.override("en"):
        return run_plan(
            federation=federation or cast.fed, decision=decision, rows=numbered, by=by or cast.admin, apply=apply
        )


def messages(outcome):
    return [(e.row, e.column, e.message) for e in outcome.errors]


def test_create_then_move_under_it_in_one_plan(cast):
    outcome = run(
        cast,
        {"operation": "create", "unit": "R01", "new_name": "Công đoàn khu vực Buôn Ma Thuột", "kind": "regional_union"},
        {"operation": "move", "unit": "A", "new_parent": "R01"},
    )
    assert outcome.ok, messages(outcome)
    r01 = Union.objects.get(federation=cast.fed, code="R01")
    assert r01.established_on == ON and r01.parent is None
    cast.a.refresh_from_db()
    assert cast.a.parent == r01 and cast.a.path.startswith(r01.path)
    # the position before the move is kept, up to the effective date
    assert UnionLink.objects.on(datetime.date(2025, 6, 30)).get(union=cast.a).parent == cast.d1
    assert UnionLink.objects.on(ON).get(union=cast.a).parent == r01
    reorg = Reorganization.objects.get()
    assert reorg.status == Reorganization.Status.APPLIED and reorg.decision_number == "123-QĐ/TU"
    assert list(Lineage.objects.values_list("operation", "union__code", "successor__code")) == [
        ("create", "R01", None),
        ("move", "A", "R01"),
    ]


def test_preview_changes_nothing_and_reports_what_apply_does(cast):
    before = list(Union.objects.values_list("pk", "parent_id", "path", "status"))
    preview = run(cast, {"operation": "dissolve", "unit": "H01", "target": "H02"}, apply=False)
    assert preview.ok and not preview.applied
    assert list(Union.objects.values_list("pk", "parent_id", "path", "status")) == before
    assert not Reorganization.objects.exists() and not Lineage.objects.exists()
    assert [u["code"] for u in preview.steps[0].units] == ["A", "A2"]
    applied = run(cast, {"operation": "dissolve", "unit": "H01", "target": "H02"})
    assert [s.as_dict() for s in applied.steps] == [s.as_dict() for s in preview.steps]
    cast.d1.refresh_from_db()
    assert cast.d1.status == Status.CLOSED and cast.d1.closed_on == ON
    assert set(cast.d2.children.values_list("code", flat=True)) == {"A", "A2", "B"}


def test_every_error_with_its_row_and_nothing_written(cast):
    outcome = run(
        cast,
        {"operation": "move", "unit": "A", "new_parent": "H02"},
        {"operation": "dissolve", "unit": "NOPE"},
        {"operation": "move", "unit": "H01", "new_parent": "H02"},
    )
    assert not outcome.ok
    assert [(row, column) for row, column, _m in messages(outcome)] == [(3, "unit"), (4, "new_parent")]
    assert "No unit has the code NOPE" in outcome.errors[0].message
    cast.a.refresh_from_db()
    assert cast.a.parent == cast.d1  # the good row was not kept either


def test_refusals(roll_cast):
    c = roll_cast
    cases = [
        ({"operation": "dissolve", "unit": "A"}, "target", "still has 1 members and 0 units"),
        ({"operation": "dissolve", "unit": "H01"}, "target", "still has 0 members and 2 units"),
        ({"operation": "move", "unit": "A", "new_parent": "A2"}, "new_parent", "is a grassroots union"),
        ({"operation": "merge", "unit": "A", "target": "H02"}, "target", "their own level"),
        ({"operation": "merge", "unit": "A", "target": "A"}, "target", "cannot merge into itself"),
        ({"operation": "change_kind", "unit": "A", "kind": "industry_union"}, "kind", "cannot become"),
    ]
    for row, column, text in cases:
        outcome = run(c, row)
        assert [(e.column) for e in outcome.errors] == [column], (row, messages(outcome))
        assert text in outcome.errors[0].message, (row, outcome.errors[0].message)


def test_no_moving_under_own_descendant_and_no_merging_into_a_closed_unit(cast):
    closed = UnionFactory(parent=cast.d2, code="OLD", name="Công đoàn cũ")
    closed.status, closed.closed_on = Status.CLOSED, datetime.date(2020, 1, 1)
    closed.save()
    outcome = run(cast, {"operation": "merge", "unit": "A", "target": "OLD"})
    assert outcome.errors[0].column == "target" and "closed on 01/01/2020" in outcome.errors[0].message
    # a direct-superior union sits under the federation, so "under a descendant" is refused as
    # a parent that is not a direct-superior union, or as itself
    outcome = run(cast, {"operation": "move", "unit": "H01", "new_parent": "H01"})
    assert outcome.errors and outcome.errors[0].column == "new_parent"


def test_merge_moves_members_as_reorganization_transfers_and_passes_on_what_follows(roll_cast):
    c = roll_cast
    indicator = Indicator.objects.get(code="members_admitted")
    for union, value in ((c.a, 30), (c.a2, 20)):
        target_set(federation=c.fed, union=union, indicator=indicator, year=2025, value=value, by=None)
    QuarterlyReturn.objects.create(
        federation=c.fed, union=c.a, year=2025, quarter=3, ends_on=datetime.date(2025, 9, 30)
    )
    outcome = run(c, {"operation": "merge", "unit": "A", "target": "A2"})
    assert outcome.ok, messages(outcome)
    step = outcome.steps[0]
    assert step.members == 1 and step.closed
    c.m_a.refresh_from_db()
    assert c.m_a.union == c.a2
    moves = Movement.objects.filter(member=c.m_a, date=ON).order_by("delta")
    assert [(m.kind, m.union.code, m.reorganization_id) for m in moves] == [
        (MovementKind.TRANSFERRED_OUT, "A", outcome.reorganization.pk),
        (MovementKind.TRANSFERRED_IN, "A2", outcome.reorganization.pk),
    ]
    assert not Movement.objects.filter(member=c.m_a, kind=MovementKind.ADMITTED, date=ON).exists()
    # this year's target passes on (sum), the source's is marked passed
    successor = Target.objects.get(union=c.a2, indicator=indicator, year=2025)
    assert successor.value == Decimal("50") and successor.revisions.count() == 2
    assert Target.objects.get(union=c.a, indicator=indicator, year=2025).passed_to == successor
    assert step.targets == [
        {"indicator": "members_admitted", "indicator_name": "New members admitted", "year": 2025, "value": "30",
         "to": "A2", "total": "50"}
    ]  # fmt: skip
    # the open return follows, the account too
    assert QuarterlyReturn.objects.get(year=2025, quarter=3).union == c.a2
    c.chair_a.refresh_from_db()
    assert c.chair_a.union == c.a2
    assert Lineage.objects.get(operation=Operation.MERGE).members == 1
    assert outcome.totals["active_members"] == [2, 2]


def test_split_moves_the_listed_members_only(roll_cast):
    c = roll_cast
    second = member(c.a, full_name="Lê Thị Hoa", gender="female", citizen_id="066193001111",
                    date_of_birth=datetime.date(1993, 3, 3))  # fmt: skip
    outcome = run(c, {"operation": "split", "unit": "A", "target": "A2", "members": ["066193001111"]})
    assert outcome.ok, messages(outcome)
    second.refresh_from_db()
    c.m_a.refresh_from_db()
    assert second.union == c.a2 and c.m_a.union == c.a
    outcome = run(c, {"operation": "split", "unit": "A", "target": "A2", "members": ["066000000000"]})
    assert outcome.errors[0].column == "members" and "0660******00" in outcome.errors[0].message


def test_dissolving_an_empty_unit_deactivates_its_accounts(cast):
    outcome = run(cast, {"operation": "dissolve", "unit": "A"})
    assert outcome.ok, messages(outcome)
    cast.chair_a.refresh_from_db()
    assert not cast.chair_a.is_active
    assert outcome.steps[0].accounts == [{"username": "chair_a", "to": ""}]


def test_rename_and_change_kind_keep_the_old_values_in_lineage(cast):
    outcome = run(
        cast,
        {"operation": "rename", "unit": "A", "new_name": "Công đoàn Trường Tiểu học Hòa Phú 2", "new_code": "A1"},
        {"operation": "change_kind", "unit": "A1", "sector": "non_public_service"},
    )
    assert outcome.ok, messages(outcome)
    renamed = Lineage.objects.get(operation=Operation.RENAME)
    assert renamed.details["code"] == ["A", "A1"]
    assert Union.objects.get(pk=cast.a.pk).sector == "non_public_service"


def test_only_the_federation_admin_reorganizes(cast):
    for user in (cast.staff, cast.leader, cast.officer, cast.other_admin):
        with pytest.raises(PermissionDenied):
            run(cast, {"operation": "dissolve", "unit": "A"}, by=user)


def test_federation_merger(roll_cast):
    c = roll_cast
    admin = User.objects.create_superuser("root", password="x")
    with translation.override("en"):
        outcome = run(c, {"operation": "merge_federation", "unit": "LDLD-LCI"}, by=admin)
    assert outcome.ok, messages(outcome)
    c.other_fed.refresh_from_db()
    assert c.other_fed.closed_on == ON and c.other_fed.merged_into == c.fed
    # H01 collides: renamed by the rule shown
    assert outcome.steps[0].renamed == [{"from": "H01", "to": "LCI-H01", "name": c.x1.name}]
    x1 = Union.objects.get(pk=c.x1.pk)
    assert x1.code == "LCI-H01" and x1.federation == c.fed and x1.path.startswith(c.fed.path)
    assert Member.objects.get(pk=c.m_x.pk).federation == c.fed
    # history: on the eve, X stood in the old federation
    eve = UnionLink.objects.on(datetime.date(2025, 6, 30)).get(union=c.x)
    assert eve.federation == c.other_fed and eve.path.startswith(c.other_fed.path)
    assert outcome.totals["active_members"] == [3, 3]
    assert Lineage.objects.get(operation=Operation.MERGE_FEDERATION).from_federation == c.other_fed
    assert AuditLog.objects.filter(object_id=str(c.other_fed.pk), action="update").exists()


def test_federation_merger_stops_on_a_citizen_id_active_in_both(roll_cast):
    c = roll_cast
    admin = User.objects.create_superuser("root", password="x")
    member(c.x, full_name="Nguyễn Văn An", citizen_id=c.m_a.citizen_id, date_of_birth=c.m_a.date_of_birth)
    outcome = run(c, {"operation": "merge_federation", "unit": "LDLD-LCI"}, by=admin)
    assert not outcome.ok
    assert "active members of both federations" in outcome.errors[0].message
    assert "0660******34" in outcome.errors[0].message
    assert Federation.objects.get(pk=c.other_fed.pk).closed_on is None


def test_federation_merger_needs_a_system_administrator(cast):
    outcome = run(cast, {"operation": "merge_federation", "unit": "LDLD-LCI"})
    assert outcome.errors[0].column == "operation"


def test_reports_of_2024_add_up_by_both_structures_after_a_federation_merger(roll_cast):
    from reports.measures import actuals, structure_paths
    from reports.periods import year_period

    c = roll_cast
    indicators = list(Indicator.objects.filter(code__in=["members_total"]))
    period = year_period(c.fed, 2024)
    admin = User.objects.create_superuser("root", password="x")
    assert run(c, {"operation": "merge_federation", "unit": "LDLD-LCI"}, by=admin).ok
    today = actuals(indicators, path=c.fed.path, period=period).values()["members_total"]
    as_it_stood = actuals(indicators, path=c.fed.path, period=period, structure_on=period.end)
    assert today == as_it_stood.values()["members_total"] == 3
    # the merged federation's units are read where they stood in it, as part of this one
    placed = structure_paths(c.fed.path, period.end)
    assert placed[c.x.pk] == c.fed.path + c.x1.path[len(c.other_fed.path) :] + c.x.path[len(c.x1.path) :]


def test_reports_of_2024_add_up_by_both_structures_after_dissolving_a_district(roll_cast):
    from reports.measures import actuals
    from reports.periods import year_period

    c = roll_cast
    indicators = list(Indicator.objects.filter(code__in=["members_total", "members_admitted"]))
    period = year_period(c.fed, 2024)
    assert run(c, {"operation": "dissolve", "unit": "H01", "target": "H02"}).ok
    today = actuals(indicators, path=c.fed.path, period=period)
    stood = actuals(indicators, path=c.fed.path, period=period, structure_on=period.end)
    assert today.values() == stood.values()
    # by district: today A and A2 count under H02; as it stood, under H01
    c.d1.refresh_from_db()
    c.d2.refresh_from_db()
    assert today.values(c.d2.path)["members_total"] == 2
    assert stood.values(c.d1.path)["members_total"] == 1 and stood.values(c.d2.path)["members_total"] == 1


def test_a_member_moved_by_a_merger_shows_it_as_a_reorganization_transfer(roll_cast, as_user):
    from django.urls import reverse

    c = roll_cast
    assert run(c, {"operation": "merge", "unit": "A", "target": "A2"}).ok
    page = as_user(c.admin).get(reverse("members:detail", args=[c.m_a.pk])).content.decode()
    assert "Theo sắp xếp tổ chức: quyết định 123-QĐ/TU" in page
    assert page.count("Theo sắp xếp tổ chức") == 2  # out of A, into A2


def test_units_passed_on_keep_their_earlier_position_and_an_audit_entry_each(cast):
    assert run(cast, {"operation": "dissolve", "unit": "H01", "target": "H02"}).ok
    for unit in (cast.a, cast.a2):
        unit.refresh_from_db()
        assert unit.parent == cast.d2 and unit.path == cast.d2.path + unit.path[-9:]
        assert UnionLink.objects.on(datetime.date(2025, 6, 30)).get(union=unit).parent == cast.d1
        assert UnionLink.objects.on(ON).get(union=unit).path == unit.path
        entry = AuditLog.objects.get(object_id=str(unit.pk), action=AuditLog.Action.MOVE)
        assert entry.changes["parent"] == [str(cast.d1), str(cast.d2)] and entry.actor == cast.admin


def test_a_closed_units_page_offers_no_edit(cast, as_user):
    from django.urls import reverse

    assert run(cast, {"operation": "dissolve", "unit": "A2", "target": "A"}).ok
    page = as_user(cast.admin).get(reverse("unions:detail", args=[cast.a2.pk])).content.decode()
    assert reverse("unions:edit", args=[cast.a2.pk]) not in page
    assert (
        reverse("unions:edit", args=[cast.a.pk])
        in as_user(cast.admin).get(reverse("unions:detail", args=[cast.a.pk])).content.decode()
    )


def test_the_tree_as_it_stood_shows_a_merged_federations_units_where_they_stood(roll_cast):
    from unions.selectors import tree_children

    c = roll_cast
    admin = User.objects.create_superuser("root", password="x")
    assert run(c, {"operation": "merge_federation", "unit": "LDLD-LCI"}, by=admin).ok
    eve = datetime.date(2025, 6, 30)
    top = tree_children(user=c.admin, federation=c.fed, parent=None, as_of=eve)
    assert c.x1.pk in [node.union.pk for node in top]
    x1 = next(node for node in top if node.union.pk == c.x1.pk)
    assert x1.path.startswith(c.other_fed.path) and x1.members == 1
    below = tree_children(user=c.admin, federation=c.fed, parent=c.x1, as_of=eve)
    assert [node.union.code for node in below] == ["X"]
    # today, the same units stand in the receiving federation
    today = tree_children(user=c.admin, federation=c.fed, parent=None)
    assert "LCI-H01" in [node.union.code for node in today]


def test_the_admin_site_shows_reorganizations_read_only_and_scoped(cast, as_user):
    from django.urls import reverse

    applied = run(cast, {"operation": "rename", "unit": "A", "new_name": "Công đoàn Trường Tiểu học Hòa Phú mới"})
    pk = applied.reorganization.pk
    admin = as_user(cast.admin)
    assert "123-QĐ/TU" in admin.get(reverse("admin:unions_reorganization_changelist")).content.decode()
    detail = admin.get(reverse("admin:unions_reorganization_change", args=[pk]))
    assert detail.status_code == 200 and 'name="decision_number"' not in detail.content.decode()
    assert admin.post(reverse("admin:unions_reorganization_change", args=[pk]), {}).status_code == 403
    assert admin.get(reverse("admin:unions_reorganization_add")).status_code == 403
    other = as_user(cast.other_admin).get(reverse("admin:unions_reorganization_change", args=[pk]))
    assert other.status_code == 302  # "does not exist" for another federation's admin


def test_the_movements_api_says_which_transfers_a_reorganization_made(roll_cast, as_user):
    c = roll_cast
    assert run(c, {"operation": "merge", "unit": "A", "target": "A2"}).ok
    client = as_user(c.admin)
    made = client.get("/api/v1/movements/?by_reorganization=true").json()["results"]
    assert sorted((m["kind"], m["union"], m["reorganization"]) for m in made) == [
        ("transferred_in", "A2", "123-QĐ/TU"),
        ("transferred_out", "A", "123-QĐ/TU"),
    ]
    others = client.get("/api/v1/movements/?by_reorganization=false").json()["results"]
    assert others and all(m["reorganization"] is None for m in others)
