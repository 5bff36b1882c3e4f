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

from .cache import remember
from .measures import ZERO, Actuals, Plan, actuals
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


# --- the whole country (the General Confederation's dashboard) ---------------------------------

NATIONAL_CODE = "VGCL"


class Calendar:
    """The national report year: the calendar year, the year most federations report on. Stands
    where the period helpers take a federation (they read only its year start)."""

    year_start_month = 1
    year_start_day = 1


NATIONAL_CALENDAR = Calendar()


@dataclass
class CountryReport(Report):
    """The whole country's report: every federation's records, and as targets the sum of the
    federations' own targets (additive indicators only: a rate's targets do not add up)."""

    @property
    def unit(self):
        return None

    @property
    def code(self) -> str:
        return NATIONAL_CODE


@dataclass
class NationalReport:
    """The country's report and each open federation's own (as its dashboard shows it)."""

    report: CountryReport
    federations: list[Report]

    @property
    def shown(self) -> list[Row]:
        """The country's rows with a target, and the rates some federation has a target on: their
        national figure, without a national target."""
        targeted = {r.indicator.code for f in self.federations for r in f.targeted}
        return [r for r in self.report.rows if r.target is not None or r.indicator.code in targeted]


def _root(federation_id: int, merged_into: dict[int, int | None]) -> int:
    """The open federation a federation's units and targets now belong to (itself if open)."""
    seen = set()
    while merged_into.get(federation_id) and federation_id not in seen:
        seen.add(federation_id)
        federation_id = merged_into[federation_id]
    return federation_id


def _own_parts(plan, period: Period, structure_on) -> dict[int, dict]:
    """The federation-level records (no union) of every federation, per federation: `actuals`
    with path "" keeps them together under None. One query per table such records live in."""
    from .measures import AGGREGATES, SOURCES

    def compute() -> dict[int, dict]:
        parts: dict[int, dict] = {}
        for name, items in plan.by_source.items():
            source = SOURCES[name]
            if not source.federation:
                continue
            aliases = {f"v{i}": key for i, (key, _m, _r) in enumerate(items)}
            rows = (
                source.queryset()
                .filter(**{f"{source.union_id}__isnull": True})
                .order_by()
                .values(fed=models.F(source.federation))
                .annotate(**{a: AGGREGATES[m](r, period) for a, (_k, m, r) in zip(aliases, items, strict=True)})
            )
            for row in rows:
                figures = parts.setdefault(row["fed"], {})
                for alias, key in aliases.items():
                    if row[alias]:
                        figures[key] = figures.get(key, ZERO) + Decimal(row[alias])
        return parts

    return remember(("federation-own", period, structure_on, tuple(plan.codes)), compute)


def _sum_into(into: dict, parts: dict) -> None:
    for key, value in parts.items():
        into[key] = into.get(key, ZERO) + value


def _by_federation(figures: Actuals, own: dict[int, dict], roots: dict[int, int]) -> dict[int, dict]:
    """Per open federation, the summed parts (not yet values) of its unions and its own records:
    ratios are then taken of the sums, as `Actuals` does."""
    parts: dict[int, dict] = {}
    for union_id, figures_of in figures.per_union.items():
        path = figures.paths.get(union_id) if union_id is not None else None
        if path:  # None: the federations' own records, lumped together; `own` has them apart
            federation_id = roots.get(int(path[: PATH_SEGMENT - 1]))
            if federation_id is not None:
                _sum_into(parts.setdefault(federation_id, {}), figures_of)
    for federation_id, figures_of in own.items():
        if (root := roots.get(federation_id)) is not None:
            _sum_into(parts.setdefault(root, {}), figures_of)
    return parts


def _federation_parts(indicators, period: Period, structure_on, roots) -> dict[int, dict]:
    """Every open federation's parts over `period`, from one `actuals` over the whole country.
    Cached as those 34 sums, not as the country's per-union figures they are folded from: a
    cached national dashboard then reads kilobytes instead of megabytes."""

    def compute() -> dict[int, dict]:
        figures = actuals(indicators, path="", period=period, structure_on=structure_on, cached=False)
        return _by_federation(figures, _own_parts(figures.plan, period, structure_on), roots)

    codes = tuple(Plan.of(indicators).codes)
    return remember(("federation-parts", period, structure_on, codes, tuple(sorted(roots.items()))), compute)


def national_report(
    *, year: int, as_of: datetime.date | None = None, structure: str = Structure.TODAY
) -> NationalReport:
    """Every open federation's achievement for `year` up to `as_of` (its own report, as its
    dashboard computes it) and the country's: actuals added up from the same parts (a rate from
    the summed numerators and denominators), targets the sum of the federations' own.

    Queries, whatever the number of federations: federations, indicators, targets, and per
    report-year start in use (one, unless a federation starts its year on another day) one
    `actuals` over the whole country plus one per table of federation-level records, twice when
    stocks need the year's opening."""
    federations = list(Federation.objects.order_by("name"))
    merged_into = {f.pk: f.merged_into_id for f in federations}
    roots = {f.pk: _root(f.pk, merged_into) for f in federations}
    open_federations = [f for f in federations if f.closed_on is None]
    indicators = list(Indicator.objects.filter(is_active=True))
    stocks = [i for i in indicators if i.measure == Measure.STOCK]
    plan, opening_plan = Plan.of(indicators), Plan.of(stocks)

    # The federations' own targets of the year (allocations below them are theirs to report);
    # a federation merged into another counts with it, as `tree_report` counts it.
    own_targets: dict[int, dict[int, Target]] = {}
    targets = Target.objects.filter(year=year, union__isnull=True, passed_to__isnull=True).select_related("indicator")
    for target in targets:
        _add_merged_targets(own_targets.setdefault(roots.get(target.federation_id, target.federation_id), {}), [target])

    groups: dict[tuple[int, int], list[Federation]] = {}
    for federation in open_federations:
        groups.setdefault((federation.year_start_month, federation.year_start_day), []).append(federation)
    parts: dict[int, dict] = {}
    opening_parts: dict[int, dict] = {}
    for members in groups.values():
        # As `tree_report` computes each of them: the same period, structure and opening.
        first = members[0]
        full = year_period(first, year)
        period = full.cut(as_of)
        structure_on = period.end if structure == Structure.PERIOD_END else None
        found = _federation_parts(indicators, period, structure_on, roots)
        opening = None  # no opening needed once the year is over
        if stocks and elapsed_quarters(first, year, as_of) < 4:
            before = Period(full.start, full.start - datetime.timedelta(days=1))
            opening = _federation_parts(stocks, before, structure_on, roots)
        for federation in members:
            parts[federation.pk] = found.get(federation.pk, {})
            opening_parts[federation.pk] = None if opening is None else opening.get(federation.pk, {})

    reports, country_parts, country_opening = [], {}, None
    for federation in open_federations:
        elapsed = elapsed_quarters(federation, year, as_of)
        report = Report(federation, None, federation.path, year, year_period(federation, year).cut(as_of), as_of,
                        structure, elapsed)  # fmt: skip
        mine = opening_parts[federation.pk]
        openings = {} if mine is None else opening_plan.finish(mine)
        report.rows = _rows(indicators, own_targets.get(federation.pk, {}), plan.finish(parts[federation.pk]),
                            openings, elapsed, all_rows=True)  # fmt: skip
        reports.append(report)
        _sum_into(country_parts, parts[federation.pk])
        if mine is not None:
            country_opening = {} if country_opening is None else country_opening
            _sum_into(country_opening, mine)

    totals: dict[int, Target] = {}
    for federation in open_federations:
        additive = [t for t in own_targets.get(federation.pk, {}).values() if t.indicator.is_additive]
        _add_merged_targets(totals, additive)
    elapsed = elapsed_quarters(NATIONAL_CALENDAR, year, as_of)
    period = year_period(NATIONAL_CALENDAR, year).cut(as_of)
    country = CountryReport(None, None, "", year, period, as_of, structure, elapsed)
    openings = {} if country_opening is None else opening_plan.finish(country_opening)
    country.rows = _rows(indicators, totals, plan.finish(country_parts), openings, elapsed, all_rows=True)
    return NationalReport(country, reports)
