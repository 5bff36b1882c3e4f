import datetime

import pytest
from django.db import IntegrityError, transaction

from federation.models import path_segment
from federation.selectors import object_history
from unions import selectors, services
from unions.models import Kind, Level, Sector, Status, Union, UnionLink

from ..factories import UnionFactory, superior

D = datetime.date


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_visible_to_is_the_users_subtree(cast):
    assert codes(Union.objects.visible_to(cast.admin)) == ["A", "A2", "B", "E1", "G0", "H01", "H02", "N01"]
    assert codes(Union.objects.visible_to(cast.leader)) == ["A", "A2", "B", "E1", "G0", "H01", "H02", "N01"]
    assert codes(Union.objects.visible_to(cast.officer)) == ["A", "A2", "H01"]
    assert codes(Union.objects.visible_to(cast.chair_a)) == ["A"]
    assert codes(Union.objects.visible_to(cast.other_admin)) == ["H01", "X"]


def test_editable_excludes_an_officers_own_union_and_everything_for_read_only_roles(cast):
    assert codes(Union.objects.editable_by(cast.officer)) == ["A", "A2"]
    assert codes(Union.objects.editable_by(cast.leader)) == []
    assert codes(Union.objects.editable_by(cast.chair_a)) == []


def test_subtree_is_one_query(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert codes(Union.objects.under(cast.d1.path)) == ["A", "A2"]


def test_paths_follow_the_tree(cast):
    assert cast.d1.path == cast.fed.path + path_segment(cast.d1.pk)
    assert cast.a.path == cast.d1.path + path_segment(cast.a.pk)
    assert cast.g0.path == cast.fed.path + path_segment(cast.g0.pk)
    assert cast.a.depth == 2 and cast.g0.depth == 1
    assert cast.a.ancestor_paths() == [cast.d1.path]


def test_tree_children_counts_grassroots_workers_and_members_in_three_queries(cast, django_assert_num_queries):
    with django_assert_num_queries(3):
        nodes = selectors.tree_children(user=cast.admin, federation=cast.fed, parent=None)
    by_code = {n.union.code: n for n in nodes}
    assert [n.union.level for n in nodes][:3] == [Level.SUPERIOR] * 3
    assert (by_code["H01"].grassroots, by_code["H01"].workers) == (2, 300)
    assert (by_code["H02"].grassroots, by_code["H02"].workers) == (1, 500)
    assert (by_code["G0"].grassroots, by_code["G0"].workers) == (1, 900)


def test_tree_children_query_count_does_not_grow_with_units(cast, django_assert_num_queries):
    for i in range(30):
        UnionFactory(parent=cast.d2, code=f"B{i}")
    with django_assert_num_queries(3):
        nodes = selectors.tree_children(user=cast.admin, federation=cast.fed, parent=cast.d2)
    assert len(nodes) == 31


def test_search_ignores_diacritics_and_case(cast):
    found = selectors.search_unions(user=cast.admin, federation=cast.fed, query="truong tieu hoc")
    assert [u.code for u in found] == ["A"]
    found = selectors.search_unions(user=cast.admin, federation=cast.fed, query="TRƯỜNG  Tiểu")
    assert [u.code for u in found] == ["A"]
    found = selectors.search_unions(user=cast.admin, federation=cast.fed, query="dat viet")
    assert [u.code for u in found] == ["A2"]
    found = selectors.search_unions(user=cast.admin, federation=cast.fed, query="a2")
    assert [u.code for u in found] == ["A2"]


def test_search_stays_in_scope(cast):
    assert list(selectors.search_unions(user=cast.chair_b, federation=cast.fed, query="truong")) == []


def test_move_keeps_the_old_position_readable(cast):
    services.union_move(union=cast.a, new_parent=cast.d2, effective_on=D(2025, 7, 1), by=cast.admin)
    cast.a.refresh_from_db()
    assert cast.a.parent == cast.d2
    assert cast.a.path == cast.d2.path + path_segment(cast.a.pk)
    before = UnionLink.objects.on(D(2025, 6, 30)).get(union=cast.a)
    after = UnionLink.objects.on(D(2025, 7, 1)).get(union=cast.a)
    assert before.parent == cast.d1 and before.path.startswith(cast.d1.path)
    assert after.parent == cast.d2 and after.path.startswith(cast.d2.path)
    assert codes(Union.objects.visible_to(cast.officer)) == ["A2", "H01"]
    then = selectors.tree_children(user=cast.admin, federation=cast.fed, parent=cast.d1, as_of=D(2025, 1, 1))
    now = selectors.tree_children(user=cast.admin, federation=cast.fed, parent=cast.d1)
    assert sorted(n.union.code for n in then) == ["A", "A2"]
    assert [n.union.code for n in now] == ["A2"]
    old_d1 = selectors.TreeNode(cast.d1, cast.d1.path)
    selectors.add_subtree_figures([old_d1], as_of=D(2025, 1, 1))
    assert (old_d1.grassroots, old_d1.workers) == (2, 300)


def test_a_moved_union_has_exactly_one_open_position(cast):
    top = superior(federation=cast.fed, code="T")
    services.union_move(union=cast.b, new_parent=top, effective_on=D(2025, 7, 1), by=None)
    cast.b.refresh_from_db()
    assert cast.b.path.startswith(top.path)
    assert UnionLink.objects.filter(union=cast.b).count() == 2
    assert UnionLink.objects.filter(union=cast.b, valid_to__isnull=True).count() == 1


def test_move_refuses_a_grassroots_parent_and_history_rewrites(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.union_move(union=cast.a, new_parent=cast.b, effective_on=D(2025, 7, 1), by=None)
    services.union_move(union=cast.a, new_parent=cast.d2, effective_on=D(2025, 7, 1), by=None)
    with pytest.raises(ValidationError):
        services.union_move(union=cast.a, new_parent=cast.d1, effective_on=D(2025, 6, 1), by=None)


def test_close_refuses_a_unit_with_active_units_below(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.union_close(union=cast.d2, closed_on=D(2025, 7, 1), by=None)
    services.union_close(union=cast.b, closed_on=D(2025, 7, 1), by=None)
    services.union_close(union=cast.d2, closed_on=D(2025, 7, 1), by=None)
    cast.d2.refresh_from_db()
    assert cast.d2.status == Status.CLOSED and cast.d2.closed_on == D(2025, 7, 1)
    assert not UnionLink.objects.on(D(2025, 7, 1)).filter(union=cast.d2).exists()
    assert UnionLink.objects.on(D(2025, 6, 30)).filter(union=cast.d2).exists()


def test_history_records_create_update_move(cast):
    services.union_update(union=cast.a, worker_count=45, by=cast.admin)
    services.union_move(union=cast.a, new_parent=cast.d2, effective_on=D(2025, 7, 1), by=cast.admin)
    history = object_history(cast.a)
    assert [h.entry.action for h in history] == ["move", "update", "create"]
    update = history[1]
    assert update.entry.changes == {"worker_count": [40, 45]} and update.actor == "admin"
    assert [(line.label, line.before, line.after) for line in update.lines] == [("Người lao động", "40", "45")]


# --- the database refuses what the screens also refuse -------------------------------------


def _insert(**fields):
    with transaction.atomic():
        return Union.objects.create(path="x", **fields)


def test_db_refuses_a_duplicate_code_in_one_federation_but_not_across(cast):
    with pytest.raises(IntegrityError):
        _insert(
            federation=cast.fed,
            code="A",
            name="Trùng mã",
            level=Level.GRASSROOTS,
            kind=Kind.ENTERPRISE,
            sector=Sector.FDI_ENTERPRISE,
        )
    _insert(
        federation=cast.other_fed,
        code="A",
        name="Khác tỉnh",
        level=Level.GRASSROOTS,
        kind=Kind.ENTERPRISE,
        sector=Sector.FDI_ENTERPRISE,
    )


def test_db_refuses_a_superior_union_below_another_unit(cast):
    with pytest.raises(IntegrityError):
        _insert(
            federation=cast.fed,
            parent=cast.d1,
            code="S2",
            name="Sai",
            level=Level.SUPERIOR,
            kind=Kind.DISTRICT_FEDERATION,
        )


def test_db_refuses_a_grassroots_union_under_a_grassroots_union(cast):
    with pytest.raises(IntegrityError):
        _insert(
            federation=cast.fed,
            parent=cast.a,
            code="Z",
            name="Sai",
            level=Level.GRASSROOTS,
            kind=Kind.ENTERPRISE,
            sector=Sector.FDI_ENTERPRISE,
        )


def test_db_refuses_a_parent_from_another_federation(cast):
    with pytest.raises(IntegrityError):
        _insert(
            federation=cast.fed,
            parent=cast.x1,
            code="Z",
            name="Sai",
            level=Level.GRASSROOTS,
            kind=Kind.ENTERPRISE,
            sector=Sector.FDI_ENTERPRISE,
        )


def test_db_refuses_children_under_a_closed_unit_and_closing_a_unit_with_children(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Union.objects.filter(pk=cast.d1.pk).update(status=Status.CLOSED, closed_on=D(2025, 1, 1))
    Union.objects.filter(pk=cast.b.pk).update(status=Status.CLOSED, closed_on=D(2025, 1, 1))
    Union.objects.filter(pk=cast.d2.pk).update(status=Status.CLOSED, closed_on=D(2025, 1, 1))
    with pytest.raises(IntegrityError):
        _insert(
            federation=cast.fed,
            parent=cast.d2,
            code="Z",
            name="Sai",
            level=Level.GRASSROOTS,
            kind=Kind.ENTERPRISE,
            sector=Sector.FDI_ENTERPRISE,
        )


def test_db_refuses_turning_a_parent_into_a_grassroots_union(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Union.objects.filter(pk=cast.d1.pk).update(
            level=Level.GRASSROOTS, kind=Kind.ENTERPRISE, sector=Sector.FDI_ENTERPRISE
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"level": Level.SUPERIOR, "kind": Kind.ENTERPRISE},
        {"level": Level.GRASSROOTS, "kind": Kind.DISTRICT_FEDERATION, "sector": Sector.FDI_ENTERPRISE},
        {"level": Level.SUPERIOR, "kind": Kind.INDUSTRY_UNION, "sector": Sector.PUBLIC_SERVICE},
        {"level": Level.GRASSROOTS, "kind": Kind.ENTERPRISE, "status": Status.CLOSED},
        {"level": Level.GRASSROOTS, "kind": Kind.ENTERPRISE, "closed_on": D(2020, 1, 1)},
        {
            "level": Level.GRASSROOTS,
            "kind": Kind.ENTERPRISE,
            "status": Status.CLOSED,
            "established_on": D(2021, 1, 1),
            "closed_on": D(2020, 1, 1),
        },
    ],
    ids=[
        "superior-with-grassroots-kind",
        "grassroots-with-superior-kind",
        "superior-with-sector",
        "closed-without-date",
        "date-without-closed",
        "closed-before-established",
    ],
)
def test_db_check_constraints(cast, fields):
    with pytest.raises(IntegrityError):
        _insert(federation=cast.fed, code="Z", name="Sai", **fields)


def test_one_open_position_per_union(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        UnionLink.objects.create(union=cast.a, federation=cast.fed, parent=cast.d2, path=cast.a.path)


def test_creation_is_recorded_with_the_values_set(cast):
    [created] = object_history(cast.a)
    assert created.entry.action == "create" and created.actor == "Hệ thống"
    assert created.entry.changes["code"] == [None, "A"]
    assert created.entry.changes["parent"] == [None, str(cast.d1)]
    assert created.entry.changes["worker_count"] == [None, 40]
    lines = {line.label: line.after for line in created.lines}
    assert lines["Loại hình"] == "Đơn vị sự nghiệp công lập" and lines["Khu vực"] == "Đơn vị sự nghiệp công lập"
