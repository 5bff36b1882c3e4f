"""Achievement arithmetic (Decimal, half-up, two places), ratings, k/n, pro-rating and on track,
and a unit's report with its children's."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import services as member_services
from reports.achievement import Rating, Structure, percent, plain, rating, tree_report, unit_report
from reports.models import Indicator, Issuer, Target
from tests.factories import UnionFactory, member
from unions.services import union_move

D = datetime.date


@pytest.mark.parametrize(
    ("actual", "target", "expected", "grade"),
    [
        (10177, 8450, "120.44", Rating.EXCEEDED),  # the seed article's figure
        (8450, 8450, "100.00", Rating.ACHIEVED),
        (19999, 20000, "100.00", Rating.ACHIEVED),  # 99.995 rounds half-up to 100.00, as reported
        (19998, 20000, "99.99", Rating.NOT_ACHIEVED),
        (8010, 8000, "100.13", Rating.EXCEEDED),  # 100.125: half-up, not to even (100.12)
        (1648, 1298, "126.96", Rating.EXCEEDED),
        (0, 5, "0.00", Rating.NOT_ACHIEVED),
    ],
)
def test_percent_is_rounded_half_up_to_two_places_and_rated_on_that_figure(actual, target, expected, grade):
    got = percent(Decimal(actual), Decimal(target))
    assert got == Decimal(expected) and str(got) == expected
    assert rating(got) == grade


def test_a_zero_target_has_no_percentage_and_no_rating():
    assert percent(Decimal(3), Decimal(0)) is None
    assert rating(None) is None


def test_plain_numbers_have_no_grouping_and_no_needless_decimals():
    assert plain(Decimal("8450.00")) == "8450"
    assert plain(Decimal("57.10")) == "57.10"
    assert plain(Decimal("38214500000")) == "38214500000"
    assert plain(None) is None


def target(cast, code, value, union=None, year=2024):
    return Target.objects.create(
        federation=cast.fed,
        union=union,
        indicator=Indicator.objects.get(code=code),
        year=year,
        value=Decimal(value),
        issuer=Issuer.VGCL if union is None else Issuer.FEDERATION,
    )


@pytest.fixture
def year(cast):
    """2024 in the cast: 5 admitted in A (2 before July), 1 in B; targets for the federation
    (admitted 5 → 120.00 %, total 8 → 75 %, shelters 0 → no rating) and for d1 and d2."""
    for joined in (D(2024, 2, 1), D(2024, 5, 1), D(2024, 8, 1), D(2024, 9, 1), D(2024, 10, 1)):
        member(cast.a, joined_on=joined)
    member(cast.b, joined_on=D(2024, 3, 1))
    target(cast, "members_admitted", 5)
    target(cast, "members_total", 8)
    target(cast, "shelters_handed_over", 0)
    target(cast, "members_admitted", 4, union=cast.d1)
    target(cast, "members_admitted", 2, union=cast.d2)
    return cast


def test_report_of_the_federation(year):
    report = unit_report(federation=year.fed, year=2024)
    assert report.as_json() == {
        "unit": "LDLD-DLK",
        "year": 2024,
        "achieved_or_exceeded": 1,
        "targets": 2,  # a zero target cannot be rated
        "rows": [
            {"indicator": "members_admitted", "target": "5", "actual": "6", "percent": "120.00", "rating": "exceeded"},
            {"indicator": "members_total", "target": "8", "actual": "6", "percent": "75.00", "rating": "not_achieved"},
            {"indicator": "shelters_handed_over", "target": "0", "actual": "0", "percent": None, "rating": None},
        ],
    }
    # every indicator has a row on the dashboard, targeted or not
    assert len(report.rows) == Indicator.objects.count()


def test_children_reports_come_from_the_same_figures(year):
    tree = tree_report(federation=year.fed, year=2024)
    children = {child.code: report for child, report in tree.children}
    assert children["H01"].row("members_admitted").actual == 5
    assert children["H01"].row("members_admitted").percent == Decimal("125.00")
    assert children["H02"].row("members_admitted").percent == Decimal("50.00")
    assert children["N01"].targets == 0  # no target allocated
    assert sum(r.row("members_admitted").actual for r in children.values()) == 6
    drill = tree_report(federation=year.fed, union=year.d1, year=2024)
    assert drill.report.as_json()["rows"] == [
        {"indicator": "members_admitted", "target": "4", "actual": "5", "percent": "125.00", "rating": "exceeded"}
    ]
    assert [c.code for c, _ in drill.children] == ["A", "A2"]


def test_flow_targets_are_pro_rated_by_elapsed_quarters(year):
    report = unit_report(federation=year.fed, year=2024, as_of=D(2024, 7, 15))
    admitted = report.row("members_admitted")
    assert report.elapsed == 2
    assert admitted.actual == 3  # up to 15/07: February, March (B), May
    assert admitted.expected == Decimal("2.50")  # 5 × 2/4
    assert admitted.on_track is True
    # a stock goes in a straight line from the year's opening (0) to its target
    total = report.row("members_total")
    assert total.expected == Decimal("4.00") and total.actual == 3 and total.on_track is False
    assert report.on_track == 1


def test_structure_switch_recuts_children_but_not_the_total(year):
    union_move(union=year.a, new_parent=year.d2, effective_on=D(2025, 2, 1), by=None)
    today = tree_report(federation=year.fed, year=2024)
    stood = tree_report(federation=year.fed, year=2024, structure=Structure.PERIOD_END)
    assert today.report.as_json() == stood.report.as_json()
    by_code = {c.code: r.row("members_admitted").actual for c, r in today.children}
    assert by_code["H01"] == 0 and by_code["H02"] == 6
    by_code = {c.code: r.row("members_admitted").actual for c, r in stood.children}
    assert by_code["H01"] == 5 and by_code["H02"] == 1


def test_query_count_does_not_grow_with_units(year):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            tree_report(federation=year.fed, year=2024, as_of=D(2024, 9, 30))
        return len(ctx.captured_queries)

    before = queries()
    for i in range(10):
        union = UnionFactory(parent=year.d2, code=f"Q{i}")
        member(union, joined_on=D(2024, 4, 1))
        target(year, "members_admitted", 1, union=union)
    assert queries() == before


def test_leavers_lower_the_stock_not_the_admissions(year):
    leaver = year.a.members.order_by("joined_on").first()
    member_services.member_leave(member=leaver, on=D(2024, 11, 1), reason="resigned", by=None)
    report = unit_report(federation=year.fed, year=2024)
    assert report.row("members_admitted").actual == 6
    assert report.row("members_total").actual == 5
