"""Setting, revising and allocating targets (PRODUCT.md §6): who may set what, the checks on the
value, revisions kept with their documents, stale saves refused, and whether allocations to the
child units add up to the parent's target, in a constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from federation.models import AuditLog
from reports import targets as selectors
from reports.models import Indicator, IndicatorSource, IndicatorValue, Issuer, Target, TargetRevision
from reports.services.targets import (
    StaleTarget,
    indicator_value_set,
    target_revise,
    target_set,
    targets_allocate,
)
from tests.factories import UnionFactory
from unions.services import union_close

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ind(db):
    return {i.code: i for i in Indicator.objects.all()}


def doc(**extra):
    return {"document_number": "125/KH-LĐLĐ", "document_date": D(2024, 1, 15), **extra}


def fed_target(cast, ind, value="8450", code="members_admitted", **extra):
    return target_set(
        federation=cast.fed, union=None, indicator=ind[code], year=2024, value=value, by=cast.staff, **doc(), **extra
    )


def messages(exc) -> list[str]:
    return [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages


# --- setting -----------------------------------------------------------------------------------------


def test_staff_sets_the_federations_own_target_with_its_document(cast, ind):
    target = fed_target(cast, ind)

    target.refresh_from_db()
    assert (target.union, target.value, target.version) == (None, Decimal(8450), 1)
    assert (target.document_number, target.document_date, target.issuer) == ("125/KH-LĐLĐ", D(2024, 1, 15), "vgcl")
    first = target.revisions.get()
    assert (first.number, first.value, first.changed_by, first.reason) == (1, Decimal(8450), cast.staff, "")
    entry = AuditLog.objects.get(object_id=str(target.pk), content_type__model="target")
    assert entry.action == "create" and entry.actor == cast.staff
    assert entry.changes["value"] == [None, 8450]


def test_the_issuer_defaults_to_whoever_sets_that_levels_targets(cast, ind):
    common = {"indicator": ind["members_admitted"], "year": 2024, "value": 10, "by": cast.admin}
    assert target_set(federation=cast.fed, union=cast.d1, **common).issuer == Issuer.FEDERATION
    assert target_set(federation=cast.fed, union=cast.g0, **common).issuer == Issuer.FEDERATION
    assert target_set(federation=cast.fed, union=cast.a, **common).issuer == Issuer.SUPERIOR
    given = target_set(federation=cast.fed, union=cast.b, issuer=Issuer.VGCL, **common)
    assert given.issuer == Issuer.VGCL


def test_revising_keeps_every_value_with_its_document_and_reason(cast, ind):
    target = fed_target(cast, ind, value="8000")

    revised = target_revise(
        target=target, value="8450", document_number="210/QĐ-LĐLĐ", document_date=D(2024, 7, 1),
        reason="Điều chỉnh giữa năm", version=1, by=cast.admin,
    )  # fmt: skip

    revised.refresh_from_db()
    assert (revised.value, revised.version, revised.document_number) == (Decimal(8450), 2, "210/QĐ-LĐLĐ")
    rows = list(TargetRevision.objects.filter(target=target).order_by("number"))
    assert [(r.number, r.value, r.document_number, r.reason) for r in rows] == [
        (1, Decimal(8000), "125/KH-LĐLĐ", ""),
        (2, Decimal(8450), "210/QĐ-LĐLĐ", "Điều chỉnh giữa năm"),
    ]
    assert rows[1].changed_by == cast.admin
    update = AuditLog.objects.get(object_id=str(target.pk), content_type__model="target", action="update")
    assert update.changes["value"] == [8000, 8450] and update.changes["revisions"] == [1, 2]


def test_a_document_correction_without_a_new_value_is_no_new_revision(cast, ind):
    target = fed_target(cast, ind)
    target_revise(target=target, value="8450", document_number="126/KH-LĐLĐ", document_date=D(2024, 1, 15),
                  version=1, by=cast.staff)  # fmt: skip
    target.refresh_from_db()
    assert (target.document_number, target.version, target.revisions.count()) == ("126/KH-LĐLĐ", 2, 1)


def test_a_new_value_needs_a_reason_and_an_existing_target_needs_its_version(cast, ind):
    target = fed_target(cast, ind)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        target_revise(target=target, value="9000", version=1, by=cast.staff, **doc())
    assert exc.value.message_dict == {"reason": ["Give the reason for revising the target."]}
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        fed_target(cast, ind, value="9000")
    assert "already has a target for this indicator and year" in messages(exc.value)[0]
    target.refresh_from_db()
    assert (target.value, target.version, target.revisions.count()) == (Decimal(8450), 1, 1)


def test_a_save_on_an_outdated_version_is_refused_with_who_changed_it_and_when(cast, ind):
    target = fed_target(cast, ind)
    # Two people opened version 1; the first saves.
    target_revise(target=target, value="9000", reason="Theo VGCL", version=1, by=cast.admin, **doc())
    with translation.override("en"), pytest.raises(StaleTarget) as exc:
        target_revise(target=target, value="9500", reason="Khác", version=1, by=cast.staff, **doc())
    message = exc.value.messages[0]
    assert message.startswith(f"This target was changed by {cast.admin.display_name} at ")
    assert "reload the page" in message
    target.refresh_from_db()
    assert (target.value, target.version, target.revisions.count()) == (Decimal(9000), 2, 2)


def test_the_conditional_update_refuses_a_version_that_moved_on_between_read_and_write(cast, ind):
    target = fed_target(cast, ind)
    # Another save lands after this one read the row: the UPDATE on version 1 matches nothing.
    Target.objects.filter(pk=target.pk).update(version=2)
    with pytest.raises(StaleTarget):
        target_revise(target=target, value="9500", reason="Khác", version=1, by=cast.staff, **doc())
    target.refresh_from_db()
    assert (target.value, target.revisions.count()) == (Decimal(8450), 1)


# --- who may set what --------------------------------------------------------------------------------


def test_officer_allocates_to_the_units_below_its_union_only(cast, ind):
    common = {"federation": cast.fed, "indicator": ind["members_admitted"], "year": 2024, "value": 40}
    target = target_set(union=cast.a, by=cast.officer, **common)
    assert target.union == cast.a and target.issuer == Issuer.SUPERIOR
    with pytest.raises(Http404):
        target_set(union=cast.b, by=cast.officer, **common)  # D2's unit: not in its subtree
    with pytest.raises(Http404):
        target_set(union=None, by=cast.officer, **common)  # the federation's own
    with pytest.raises(PermissionDenied):
        target_set(union=cast.d1, by=cast.officer, **common)  # its own union's target is the federation's
    assert not Target.objects.exclude(pk=target.pk).exists()


def test_chairs_and_leaders_set_no_target_and_other_federations_see_none(cast, ind):
    common = {"federation": cast.fed, "indicator": ind["members_admitted"], "year": 2024, "value": 40}
    for who in (cast.chair_a, cast.leader):
        with pytest.raises(PermissionDenied):
            target_set(union=cast.a, by=who, **common)
    with pytest.raises(Http404):
        target_set(union=cast.a, by=cast.other_admin, **common)
    with pytest.raises(Http404):
        target_set(union=None, by=cast.other_admin, **common)
    assert not Target.objects.exists()


def test_rw_access_helper_answers_404_outside_and_403_read_only(cast, ind):
    a = target_set(federation=cast.fed, union=cast.a, indicator=ind["members_admitted"], year=2024, value=4,
                   by=cast.staff)  # fmt: skip
    d1 = target_set(federation=cast.fed, union=cast.d1, indicator=ind["members_admitted"], year=2024, value=8,
                    by=cast.staff)  # fmt: skip
    assert selectors.get_rw_target_for_user(cast.officer, a.pk) == a
    assert selectors.get_target_for_user(cast.officer, d1.pk) == d1
    with pytest.raises(PermissionDenied):
        selectors.get_rw_target_for_user(cast.officer, d1.pk)
    with pytest.raises(PermissionDenied):
        selectors.get_rw_target_for_user(cast.chair_a, a.pk)
    for who in (cast.chair_b, cast.other_admin):
        with pytest.raises(Http404):
            selectors.get_target_for_user(who, a.pk)
    assert list(selectors.targets_for(cast.chair_a)) == [a]
    assert set(selectors.targets_for(cast.leader, year=2024)) == {a, d1}


# --- the value ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("members_admitted", "-1", "A target cannot be negative."),
        ("members_admitted", "12.5", "Enter a whole number, without decimals."),
        ("members_admitted", "abc", "Enter a number."),
        ("tet_care_amount", "1500000.5", "Enter a whole number, without decimals."),
        ("members_per_worker", "100.01", "A percentage cannot be above 100."),
        ("members_per_worker", "92.555", "Enter the percentage with at most two decimals, for example 92,5."),
    ],
)
def test_values_are_checked_against_the_indicators_unit(cast, ind, code, value, message):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        fed_target(cast, ind, value=value, code=code)
    assert exc.value.message_dict == {"value": [message]}
    assert not Target.objects.exists()


def test_percentages_take_two_decimals_and_whole_numbers_any_size(cast, ind):
    assert fed_target(cast, ind, value="92.5", code="members_per_worker").value == Decimal("92.50")
    assert fed_target(cast, ind, value=Decimal("2500000000"), code="tet_care_amount").value == Decimal(2_500_000_000)


def test_year_indicator_and_union_are_checked(cast, ind):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            target_set(federation=cast.fed, union=None, indicator=ind["members_admitted"], year=1999, value=1,
                       by=cast.staff)  # fmt: skip
        assert exc.value.message_dict == {"year": ["Enter a year between 2000 and 2100."]}
        Indicator.objects.filter(code="union_meals").update(is_active=False)
        with pytest.raises(ValidationError) as exc:
            fed_target(cast, {"union_meals": Indicator.objects.get(code="union_meals")}, code="union_meals")
        assert exc.value.message_dict == {"indicator": ["This indicator is no longer in use."]}
        union_close(union=cast.a2, closed_on=D(2024, 3, 1), by=None)
        cast.a2.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            target_set(federation=cast.fed, union=cast.a2, indicator=ind["members_admitted"], year=2024, value=1,
                       by=cast.staff)  # fmt: skip
        assert exc.value.message_dict == {"union": ["The union is closed: it takes no new targets."]}
    assert not Target.objects.exists()


# --- allocating ----------------------------------------------------------------------------------------


def test_allocating_writes_the_whole_table_in_one_go(cast, ind):
    admitted = ind["members_admitted"]
    target_set(federation=cast.fed, union=cast.d1, indicator=admitted, year=2024, value=100, by=cast.staff)
    written = targets_allocate(
        federation=cast.fed, parent=cast.d1, indicator=admitted, year=2024, values={cast.a: "60", cast.a2: "40"},
        by=cast.officer, **doc(),
    )  # fmt: skip
    assert {(t.union, t.value, t.issuer) for t in written} == {
        (cast.a, Decimal(60), Issuer.SUPERIOR),
        (cast.a2, Decimal(40), Issuer.SUPERIOR),
    }
    # Revising one row needs a reason; an empty row leaves its unit as it is.
    a = Target.objects.get(union=cast.a)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        targets_allocate(federation=cast.fed, parent=cast.d1, indicator=admitted, year=2024,
                         values={cast.a: "70", cast.a2: None}, versions={cast.a: 1}, by=cast.officer)  # fmt: skip
    assert exc.value.message_dict == {"reason": ["Give the reason for revising the targets."]}
    targets_allocate(
        federation=cast.fed, parent=cast.d1, indicator=admitted, year=2024, values={cast.a: "70", cast.a2: None},
        versions={cast.a: 1}, reason="Bổ sung", by=cast.officer,
    )  # fmt: skip
    a.refresh_from_db()
    assert (a.value, a.version, a.revisions.count()) == (Decimal(70), 2, 2)
    assert Target.objects.get(union=cast.a2).value == Decimal(40)


def test_one_wrong_row_writes_nothing_and_names_every_wrong_row(cast, ind):
    admitted = ind["members_admitted"]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        targets_allocate(
            federation=cast.fed, parent=None, indicator=admitted, year=2024,
            values={cast.d1: "5000", cast.d2: "-3", cast.edu: "1,5", cast.g0: "100", cast.a: "10"}, by=cast.staff,
        )  # fmt: skip
    errors = exc.value.message_dict
    assert errors[str(cast.d2.pk)] == ["A target cannot be negative."]
    assert errors[str(cast.edu.pk)] == ["Enter a number."]
    assert errors[str(cast.a.pk)] == [f"{cast.a.name} is not directly under this unit."]
    assert set(errors) == {str(cast.d2.pk), str(cast.edu.pk), str(cast.a.pk)}
    assert not Target.objects.exists()


def test_an_allocation_over_a_target_changed_meanwhile_is_refused(cast, ind):
    admitted = ind["members_admitted"]
    a = target_set(federation=cast.fed, union=cast.a, indicator=admitted, year=2024, value=60, by=cast.officer)
    target_revise(target=a, value=65, reason="Điều chỉnh", version=1, by=cast.staff)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        targets_allocate(
            federation=cast.fed, parent=cast.d1, indicator=admitted, year=2024, values={cast.a: "70", cast.a2: "30"},
            versions={cast.a: 1}, reason="x", by=cast.officer,
        )  # fmt: skip
    assert "changed by" in exc.value.message_dict[str(cast.a.pk)][0]
    assert Target.objects.get(union=cast.a).value == Decimal(65) and not Target.objects.filter(union=cast.a2).exists()


def test_who_may_allocate_where(cast, ind):
    admitted = ind["members_admitted"]
    common = {"federation": cast.fed, "indicator": admitted, "year": 2024}
    with pytest.raises(Http404):
        targets_allocate(parent=None, values={cast.d1: 1}, by=cast.officer, **common)
    with pytest.raises(Http404):
        targets_allocate(parent=cast.d2, values={cast.b: 1}, by=cast.officer, **common)
    with pytest.raises(PermissionDenied):
        targets_allocate(parent=cast.d1, values={cast.a: 1}, by=cast.leader, **common)
    with pytest.raises(PermissionDenied):
        targets_allocate(parent=cast.a, values={}, by=cast.chair_a, **common)
    assert not Target.objects.exists()


# --- do the allocations add up? ----------------------------------------------------------------------


def _set(cast, ind, union, code, value):
    return target_set(federation=cast.fed, union=union, indicator=ind[code], year=2024, value=value, by=cast.admin)


def test_allocation_check_compares_the_childrens_sum_with_the_parents_target(cast, ind):
    _set(cast, ind, None, "members_admitted", 8450)
    for union, value in ((cast.d1, 3000), (cast.d2, 2500), (cast.edu, 1500), (cast.g0, 1000)):
        _set(cast, ind, union, "members_admitted", value)
    _set(cast, ind, None, "union_meals", 100)
    for union in (cast.d1, cast.d2, cast.edu, cast.g0):
        _set(cast, ind, union, "union_meals", 25)
    _set(cast, ind, None, "shelters_handed_over", 40)
    _set(cast, ind, None, "members_per_worker", "90")
    _set(cast, ind, cast.d1, "members_per_worker", "95")
    _set(cast, ind, cast.a, "members_admitted", 5000)  # a grandchild: not part of the federation's sum

    rows = {r.indicator.code: r for r in selectors.allocation_check(federation=cast.fed, parent=None, year=2024)}

    admitted = rows["members_admitted"]
    assert (admitted.target, admitted.allocated, admitted.children_with, admitted.children) == (8450, 8000, 4, 4)
    assert (admitted.difference, admitted.shortfall, admitted.adds_up, admitted.status) == (-450, 450, False, "short")
    meals = rows["union_meals"]
    assert (meals.allocated, meals.adds_up, meals.status) == (100, True, "adds_up")
    assert rows["shelters_handed_over"].status == "not_allocated"
    assert rows["tet_care_amount"].status == "empty" and not rows["tet_care_amount"].has_any
    assert "members_per_worker" not in rows  # ratios are not summed
    d1 = {r.indicator.code: r for r in selectors.allocation_check(federation=cast.fed, parent=cast.d1, year=2024)}
    assert (d1["members_admitted"].target, d1["members_admitted"].allocated) == (3000, 5000)
    assert d1["members_admitted"].status == "over" and d1["members_admitted"].children == 2


def test_allocation_check_takes_the_same_queries_whatever_the_number_of_units(cast, ind):
    _set(cast, ind, None, "members_admitted", 100)
    _set(cast, ind, cast.d1, "members_admitted", 50)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.allocation_check(federation=cast.fed, parent=None, year=2024)
        return len(ctx.captured_queries), rows

    few, _rows = queries()
    for n in range(6):
        union = UnionFactory(federation=cast.fed, code=f"T{n}")
        _set(cast, ind, union, "members_admitted", 10)
        _set(cast, ind, union, "union_meals", 1)
    many, rows = queries()
    assert many == few <= 3
    admitted = next(r for r in rows if r.indicator.code == "members_admitted")
    assert (admitted.allocated, admitted.children_with, admitted.children) == (110, 7, 10)


# --- hand-entered values -------------------------------------------------------------------------------


def test_hand_entered_values_are_for_manual_indicators_and_are_corrected_in_place(cast, ind):
    manual = Indicator.objects.create(
        code="collective_agreements", name_vi="Thỏa ước lao động tập thể", name_en="Collective agreements",
        unit="unions", measure="count", source=IndicatorSource.MANUAL, position=500,
    )  # fmt: skip
    entry = indicator_value_set(federation=cast.fed, union=cast.a, indicator=manual, year=2024, quarter=2, value=3,
                                by=cast.officer)  # fmt: skip
    assert (entry.ends_on, entry.value, entry.entered_by) == (D(2024, 6, 30), Decimal(3), cast.officer)
    again = indicator_value_set(federation=cast.fed, union=cast.a, indicator=manual, year=2024, quarter=2, value=4,
                                by=cast.officer)  # fmt: skip
    assert again.pk == entry.pk and IndicatorValue.objects.get().value == Decimal(4)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        indicator_value_set(federation=cast.fed, union=cast.a, indicator=ind["members_admitted"], year=2024,
                            quarter=1, value=1, by=cast.officer)  # fmt: skip
    assert exc.value.message_dict == {
        "indicator": ["This indicator is computed from the records, not entered by hand."]
    }
    with pytest.raises(Http404):
        indicator_value_set(federation=cast.fed, union=cast.b, indicator=manual, year=2024, quarter=1, value=1,
                            by=cast.officer)  # fmt: skip
