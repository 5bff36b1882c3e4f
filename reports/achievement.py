"""Achievement (PRODUCT.md §6): actual ÷ target × 100, a Decimal rounded half-up to two places;
the rating read off that figure; "k/n targets achieved or exceeded"; and, during the year, each
flow target pro-rated by elapsed quarters to say whether the unit is on track.

`unit_report` gives one unit's report; `tree_report` gives a unit's and each of its children's
from a single computation (the dashboards' ranking and drill-down).
"""

import copy
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from federation.models import PATH_SEGMENT, Federation
from unions.models import Union, UnionLink

from .measures import ZERO, Actuals, actuals
from .models import Indicator, Measure, Target
from .periods import Period, elapsed_quarters, year_period

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class Rating(models.TextChoices):
    EXCEEDED = "exceeded", _("Exceeded")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")


class Structure(models.TextChoices):
    TODAY = "today", _("By today's structure")
    PERIOD_END = "period_end", _("As it stood at period end")


def percent(actual: Decimal, target: Decimal) -> Decimal | None:
    """actual ÷ target × 100, rounded half-up to 2 places (None for a zero target)."""
    if not target:
        return None
    return (Decimal(actual) * HUNDRED / Decimal(target)).quantize(CENT, rounding=ROUND_HALF_UP)


def rating(achievement: Decimal | None) -> str | None:
    """The rating of an achievement figure as reported (already rounded): 99.995 % is 100.00 %,
    achieved."""
    if achievement is None:
        return None
    if achievement > HUNDRED:
        return Rating.EXCEEDED
    if achievement == HUNDRED:
        return Rating.ACHIEVED
    return Rating.NOT_ACHIEVED


def plain(value: Decimal | None) -> str | None:
    """A figure as the JSON output writes it: no grouping, no needless decimals ("8450",
    "120.44")."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass
class Row:
    indicator: Indicator
    actual: Decimal
    target: Target | None = None
    percent: Decimal | None = None
    rating: str | None = None
    expected: Decimal | None = None  # the target to date, pro-rated for flows
    on_track: bool | None = None

    @property
    def target_value(self) -> Decimal | None:
        return self.target.value if self.target else None

    @property
    def met(self) -> bool:
        return self.rating in (Rating.EXCEEDED, Rating.ACHIEVED)

    def as_json(self) -> dict:
        return {
            "indicator": self.indicator.code,
            "target": plain(self.target_value),
            "actual": plain(self.actual),
            "percent": None if self.percent is None else str(self.percent),
            "rating": self.rating,
        }


@dataclass
class Report:
    """One unit's achievement for a year, up to `as_of`."""

    federation: Federation
    union: Union | None
    path: str
    year: int
    period: Period
    as_of: datetime.date | None
    structure: str
    elapsed: int  # quarters of the year ended by as_of
    rows: list[Row] = field(default_factory=list)

    @property
    def unit(self):
        return self.union or self.federation

    @property
    def code(self) -> str:
        return self.unit.code

    @property
    def targeted(self) -> list[Row]:
        return [r for r in self.rows if r.target is not None]

    @property
    def targets(self) -> int:
        return len([r for r in self.targeted if r.rating is not None])

    @property
    def achieved_or_exceeded(self) -> int:
        return sum(1 for r in self.targeted if r.met)

    @property
    def exceeded(self) -> int:
        return sum(1 for r in self.targeted if r.rating == Rating.EXCEEDED)

    @property
    def achieved(self) -> int:
        return sum(1 for r in self.targeted if r.rating == Rating.ACHIEVED)

    @property
    def on_track(self) -> int:
        return sum(1 for r in self.targeted if r.on_track)

    def row(self, code: str) -> Row | None:
        return next((r for r in self.rows if r.indicator.code == code), None)

    def as_json(self) -> dict:
        return {
            "unit": self.code,
            "year": self.year,
            "achieved_or_exceeded": self.achieved_or_exceeded,
            "targets": self.targets,
            "rows": [r.as_json() for r in self.targeted],
        }


def _expected(indicator: Indicator, target: Decimal, elapsed: int, opening: Decimal | None) -> Decimal:
    """What the unit should have reached after `elapsed` quarters: a flow's target pro rata, a
    stock's straight line from the year's opening; a ratio's whole target."""
    share = Decimal(elapsed) / 4
    if indicator.is_flow:
        return (target * share).quantize(CENT, rounding=ROUND_HALF_UP)
    if indicator.measure == Measure.STOCK and opening is not None:
        return (opening + (target - opening) * share).quantize(CENT, rounding=ROUND_HALF_UP)
    return target


def _rows(indicators, targets: dict[int, Target], values, openings, elapsed: int, *, all_rows: bool) -> list[Row]:
    rows = []
    for indicator in indicators:
        target = targets.get(indicator.pk)
        if target is None and not all_rows:
            continue
        row = Row(indicator=indicator, actual=values.get(indicator.code, ZERO), target=target)
        if target is not None:
            row.percent = percent(row.actual, target.value)
            row.rating = rating(row.percent)
            if row.rating is not None:
                row.expected = _expected(indicator, target.value, elapsed, openings.get(indicator.code))
                row.on_track = row.actual >= row.expected
        rows.append(row)
    return rows


@dataclass
class TreeReport:
    """A unit's report and its children's, from one computation."""

    report: Report
    children: list[tuple[Union, Report]]
    actuals: Actuals


def _unit_path(federation: Federation, union: Union | None, structure_on: datetime.date | None) -> str:
    if union is None:
        return federation.path
    if structure_on is None:
        return union.path
    link = UnionLink.objects.on(structure_on).filter(union=union).values_list("path", flat=True).first()
    return link or union.path


def tree_report(
    *,
    federation: Federation,
    union: Union | None = None,
    year: int,
    as_of: datetime.date | None = None,
    structure: str = Structure.TODAY,
    children: bool = True,
    all_rows: bool = True,
) -> TreeReport:
    """The achievement of `union` (the federation itself when None) for `year` up to `as_of`,
    and of each unit one level below it. Queries: targets, indicators, one per table the
    indicators come from (twice when stocks need the year's opening), the tree."""
    full = year_period(federation, year)
    period = full.cut(as_of)
    structure_on = period.end if structure == Structure.PERIOD_END else None
    path = _unit_path(federation, union, structure_on)
    elapsed = elapsed_quarters(federation, year, as_of)
    indicators = list(Indicator.objects.filter(is_active=True))
    # A federation merged into this one during or after `year` brought its units' records: its
    # own targets of that year (those not passed on at the merger) count with this one's.
    merged_in = Q(
        federation__merged_into=federation,
        federation__closed_on__gt=full.start,
        union__isnull=True,
        passed_to__isnull=True,
    )
    targets = Target.objects.filter(year=year).select_related("indicator", "union")
    if children:
        targets = (
            targets.filter(Q(federation=federation) | merged_in)
            if union is None
            else targets.filter(federation=federation, union__path__startswith=path)
        )
    elif union is None:
        targets = targets.filter(Q(federation=federation, union__isnull=True) | merged_in)
    else:
        targets = targets.filter(federation=federation, union=union)
    by_unit: dict[int | None, dict[int, Target]] = {}
    merged: list[Target] = []
    for target in targets:
        if target.federation_id != federation.pk:
            merged.append(target)
        else:
            by_unit.setdefault(target.union_id, {})[target.indicator_id] = target
    _add_merged_targets(by_unit.setdefault(None, {}), merged)
    figures = actuals(indicators, path=path, period=period, structure_on=structure_on)
    stocks = [i for i in indicators if i.measure == Measure.STOCK]
    opening = None
    if stocks and elapsed < 4:
        day_before = full.start - datetime.timedelta(days=1)
        opening = actuals(stocks, path=path, period=Period(full.start, day_before), structure_on=structure_on)

    def report_for(unit: Union | None, unit_path: str, values, openings) -> Report:
        report = Report(federation, unit, unit_path, year, period, as_of, structure, elapsed)
        unit_targets = by_unit.get(unit.pk if unit else None, {})
        report.rows = _rows(indicators, unit_targets, values, openings, elapsed, all_rows=all_rows)
        return report

    top = report_for(union, path, figures.values(path), opening.values(path) if opening else {})
    kids: list[tuple[Union, Report]] = []
    if children:
        child_values = figures.by_child(path)
        child_openings = opening.by_child(path) if opening else {}
        length = len(path) + PATH_SEGMENT
        child_ids = [pk for pk, p in figures.paths.items() if len(p) == length and p.startswith(path)]
        for child in Union.objects.filter(pk__in=child_ids).order_by("code"):
            child_path = figures.paths[child.pk]
            values = child_values.get(child_path, figures.plan.finish({}))
            kids.append((child, report_for(child, child_path, values, child_openings.get(child_path, {}))))
    return TreeReport(top, kids, figures)


def _add_merged_targets(own: dict[int, Target], merged: list[Target]) -> None:
    """Add the targets of federations merged in to the federation's own, indicator by indicator."""
    for target in merged:
        mine = own.get(target.indicator_id)
        if mine is None:
            own[target.indicator_id] = target
        else:
            combined = copy.copy(mine)
            combined.value = mine.value + target.value
            own[target.indicator_id] = combined


def unit_report(**kwargs) -> Report:
    """One unit's report (see `tree_report`)."""
    return tree_report(children=False, **kwargs).report
