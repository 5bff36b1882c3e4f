"""Actual values of indicators for a scope and period, from the records.

Every computed indicator is a `Recipe` (or a `Ratio` of two): which table its rows come from,
which rows, which date places a row in a period, and what is counted or summed. One function per
measure kind turns a recipe and a period into an aggregate (`count`, `stock`, `net_change`,
`money`; `ratio` divides two of them), so an indicator is data here, not code.

All the recipes on one table are computed in one query, grouped by union (records of the
federation itself under `None`); `Actuals` then folds those per-union figures into any unit's
subtree, in today's structure or as it stood on a day (`UnionLink`). A whole dashboard (the
scope, each child unit, a drilled-down district) is therefore a fixed number of queries,
whatever the number of units.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.expressions import Combinable

from federation.models import PATH_SEGMENT, Federation, path_segment
from members.models import Member, Movement, MovementKind
from unions.models import Kind, Level, Sector, Union, UnionLink
from welfare.models import SOURCES as MONEY_SOURCES
from welfare.models import Activity, EntryKind, FundEntry, FundKind, Program, Shelter, ShelterStatus

from . import rollup
from .cache import remember
from .models import REPORTED_STATUSES, IndicatorValue, Measure, QuarterlyReturn, RollupFigure
from .periods import Period

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


# --- Where rows come from ---------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A table figures are taken from. `union` is the lookup of the union a row belongs to (""
    for the union table itself); `federation` the lookup of its federation, for tables whose rows
    may belong to the federation itself (an empty union)."""

    queryset: Callable[[], QuerySet]
    union: str
    federation: str | None = None

    @property
    def union_id(self) -> str:
        return f"{self.union}_id" if self.union else "id"

    def path(self) -> str:
        return f"{self.union}__path" if self.union else "path"


# The pre-aggregated monthly figures (reports/rollup.py), scoped like the tables they sum.
ROLLUP = Source(lambda: RollupFigure.objects.all(), "union")

SOURCES: dict[str, Source] = {
    "movement": Source(lambda: Movement.objects.all(), "union"),
    "member": Source(lambda: Member.objects.all(), "union"),
    "union": Source(lambda: Union.objects.filter(level=Level.GRASSROOTS), ""),
    "shelter": Source(lambda: Shelter.objects.all(), "union", "federation_id"),
    "activity": Source(lambda: Activity.objects.all(), "union", "federation_id"),
    "fund_entry": Source(lambda: FundEntry.objects.all(), "fund__union", "fund__federation_id"),
    "return": Source(lambda: QuarterlyReturn.objects.all(), "union"),
    "manual": Source(lambda: IndicatorValue.objects.all(), "union", "federation_id"),
}


# --- What is counted -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """Rows of `source` matching `where` (a Q, or a function of the period giving one), placed in
    time by `date`; `value` is summed over them, or rows are counted (once per `distinct` value,
    which must not span unions: figures are added up over unions)."""

    source: str
    where: Q | Callable[[Period], Q] = field(default_factory=Q)
    date: str | None = None
    value: str | Combinable | None = None
    distinct: str | None = None

    def rows(self, period: Period) -> Q:
        return self.where(period) if callable(self.where) else self.where


@dataclass(frozen=True)
class Ratio:
    """numerator ÷ denominator × 100, each a (measure, recipe)."""

    numerator: tuple[str, Recipe]
    denominator: tuple[str, Recipe]


def _tally(recipe: Recipe, condition: Q):
    if recipe.value is not None:
        return Sum(recipe.value, filter=condition)
    if recipe.distinct is not None:
        return Count(recipe.distinct, filter=condition, distinct=True)
    return Count("pk", filter=condition)


def count(recipe: Recipe, period: Period):
    """Rows dated within the period (or the sum of their `value`)."""
    return _tally(recipe, recipe.rows(period) & Q(**{f"{recipe.date}__range": (period.start, period.end)}))


def money(recipe: Recipe, period: Period):
    """VND of the rows dated within the period."""
    assert recipe.value is not None, "a money recipe sums a value"
    return count(recipe, period)


def stock(recipe: Recipe, period: Period):
    """What stands at the period's end: the rows (or the sum of `value`) dated up to its last day,
    or, without a date, the rows `where` selects for the period."""
    condition = recipe.rows(period)
    if recipe.date is not None:
        condition &= Q(**{f"{recipe.date}__lte": period.end})
    return _tally(recipe, condition)


def net_change(recipe: Recipe, period: Period):
    """What the period added (a sum of signed values dated within it)."""
    assert recipe.value is not None, "a net change sums a signed value"
    return count(recipe, period)


AGGREGATES = {Measure.COUNT: count, Measure.MONEY: money, Measure.STOCK: stock, Measure.NET_CHANGE: net_change}


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    if not denominator:
        return ZERO
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- The standard indicators ---------------------------------------------------------------


def _open_at_end(period: Period) -> Q:
    established = Q(established_on__isnull=True) | Q(established_on__lte=period.end)
    return established & (Q(closed_on__isnull=True) | Q(closed_on__gt=period.end))


AGENCY_SECTORS = (Sector.ADMINISTRATIVE_AGENCY, Sector.PUBLIC_SERVICE)


def _latest_return(period: Period) -> Q:
    """Each union's last reported return in the period."""
    later = QuarterlyReturn.objects.filter(
        union=OuterRef("union"),
        status__in=REPORTED_STATUSES,
        ends_on__gt=OuterRef("ends_on"),
        ends_on__lte=period.end,
    )
    return Q(status__in=REPORTED_STATUSES, ends_on__range=(period.start, period.end)) & ~Exists(later)


def _agencies_open_at_end(period: Period) -> Q:
    return _open_at_end(period) & Q(sector__in=AGENCY_SECTORS)


def _agencies_reporting_conference(period: Period) -> Q:
    """Reported returns of agencies still open at the period's end (those the rate is taken of)."""
    still_open = Q(union__closed_on__isnull=True) | Q(union__closed_on__gt=period.end)
    return Q(status__in=REPORTED_STATUSES, union__sector__in=AGENCY_SECTORS) & still_open


# An activity's money, all sources together.
ACTIVITY_MONEY = sum((F(name) for name in MONEY_SOURCES[1:]), F(MONEY_SOURCES[0]))

RECIPES: dict[str, Recipe | Ratio] = {
    "members_admitted": Recipe("movement", Q(kind=MovementKind.ADMITTED), date="date"),
    "members_net_growth": Recipe("movement", date="date", value="delta"),
    "members_total": Recipe("movement", date="date", value="delta"),
    "members_female": Recipe("movement", Q(member__gender="female"), date="date", value="delta"),
    "grassroots_established": Recipe("union", date="established_on"),
    "grassroots_established_25plus": Recipe(
        "union", Q(kind=Kind.ENTERPRISE, worker_count__gte=25), date="established_on"
    ),
    "party_introduced": Recipe("member", date="party_introduced_on"),
    "party_admitted": Recipe("member", date="party_admitted_on"),
    "shelters_handed_over": Recipe("shelter", Q(status=ShelterStatus.HANDED_OVER), date="handed_over_on"),
    "tet_care_person_times": Recipe("activity", Q(program=Program.TET_CARE), date="held_on", value="person_times"),
    "tet_care_amount": Recipe("activity", Q(program=Program.TET_CARE), date="held_on", value=ACTIVITY_MONEY),
    "union_meals": Recipe("activity", Q(program=Program.MEAL), date="held_on"),
    "social_fund_raised": Recipe(
        "fund_entry", Q(kind=EntryKind.CONTRIBUTION, fund__kind=FundKind.SOCIAL), date="on", value="amount"
    ),
    # agencies that held their annual conference in the period ÷ agencies open at its end
    "agency_conference_rate": Ratio(
        numerator=(
            Measure.COUNT,
            Recipe("return", _agencies_reporting_conference, date="annual_conference_on", distinct="union"),
        ),
        denominator=(Measure.STOCK, Recipe("union", _agencies_open_at_end)),
    ),
    # members ÷ workers, as each union's last return of the period gives them
    "members_per_worker": Ratio(
        numerator=(Measure.STOCK, Recipe("return", _latest_return, value="members_closing")),
        denominator=(Measure.STOCK, Recipe("return", _latest_return, value="workers_total")),
    ),
}


def _latest_value(indicator_id: int):
    def where(period: Period) -> Q:
        later = IndicatorValue.objects.filter(
            indicator_id=indicator_id,
            federation_id=OuterRef("federation_id"),
            union_id=OuterRef("union_id"),
            ends_on__gt=OuterRef("ends_on"),
            ends_on__lte=period.end,
        )
        return Q(indicator_id=indicator_id, ends_on__range=(period.start, period.end)) & ~Exists(later)

    return where


def recipe_for(indicator) -> tuple[str, Recipe] | Ratio:
    """How `indicator` is computed: (measure, recipe), or a Ratio. A hand-entered indicator sums
    its values of the period (flows) or each unit's last value in it (stocks and ratios)."""
    if indicator.source == "manual":
        if indicator.is_flow:
            return Measure.COUNT, Recipe("manual", Q(indicator_id=indicator.pk), date="ends_on", value="value")
        return Measure.STOCK, Recipe("manual", _latest_value(indicator.pk), value="value")
    recipe = RECIPES[indicator.code]
    if isinstance(recipe, Ratio):
        return recipe
    return indicator.measure, recipe


# --- Computing -----------------------------------------------------------------------------


def _scope(source: Source, path: str, structure_on: datetime.date | None, stood: list[str] | None = None) -> Q:
    """Rows of `source` within the subtree at `path` (today's, or as it stood on `structure_on`);
    a federation's path takes its federation-level rows too."""
    if path == "":
        return Q()
    federation = len(path) == PATH_SEGMENT
    if structure_on is None:
        if federation and source.federation:
            return Q(**{source.federation: int(path[:-1])})
        return Q(**{f"{source.path()}__startswith": path})
    # Units that stood under `path` (or a federation since merged into it) at some time up to
    # that day; `structure_paths` then places each where it stood on the day (or last stood).
    stood = _stood_as(path, structure_on) if stood is None else stood
    units = _links_to(structure_on).filter(_under_any(stood)).values("union_id")
    scope = Q(**{f"{source.union_id}__in": units})
    if federation and source.federation:
        scope |= Q(**{f"{source.union_id}__isnull": True, source.federation: int(path[:-1])})
    return scope


def _links_to(day: datetime.date):
    return UnionLink.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))


def _stood_as(path: str, day: datetime.date) -> list[str]:
    """The paths that were `path` on `day`: a federation's own, and those of the federations
    merged into it after that day (their units then stood under them)."""
    if len(path) != PATH_SEGMENT:
        return [path]
    return [path_segment(pk) for pk in Federation.objects.making_up(int(path[:-1]), day)]


def _under_any(paths: list[str]) -> Q:
    condition = Q()
    for prefix in paths:
        condition |= Q(path__startswith=prefix)
    return condition


def structure_paths(path: str, day: datetime.date | None) -> dict[int, str]:
    """Where each union under `path` stands: today, or on `day` (a union closed before `day`
    where it last stood), as {union id: path}. A federation that merged into this one after
    `day` is read as part of it, its units where they stood in it."""
    if day is None:
        return dict(Union.objects.filter(path__startswith=path).values_list("pk", "path"))
    stood_as = _stood_as(path, day)
    ids = _links_to(day).filter(_under_any(stood_as)).values("union_id")
    links = _links_to(day).filter(union_id__in=ids).order_by("union_id", F("valid_from").asc(nulls_first=True))
    placed: dict[int, str] = {}
    for union_id, link_path in links.values_list("union_id", "path"):
        # ordered by start: the last link begun by `day` is the one in force then, or the last
        placed[union_id] = link_path
    for old in stood_as[1:]:
        for union_id, link_path in placed.items():
            if link_path.startswith(old):
                placed[union_id] = path + link_path[len(old) :]
    return placed


Parts = dict[str, Decimal]


@dataclass
class Plan:
    """The aggregates to compute, by source: (key, measure, recipe)."""

    by_source: dict[str, list[tuple[str, str, Recipe]]] = field(default_factory=lambda: defaultdict(list))
    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (numerator key, denominator key)
    codes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, indicators: Iterable) -> "Plan":
        plan = cls()
        for indicator in indicators:
            if indicator.code in plan.codes:
                continue
            plan.codes.append(indicator.code)
            spec = recipe_for(indicator)
            if isinstance(spec, Ratio):
                keys = (f"{indicator.code}:num", f"{indicator.code}:den")
                for key, (measure, recipe) in zip(keys, (spec.numerator, spec.denominator), strict=True):
                    plan.by_source[recipe.source].append((key, measure, recipe))
                plan.ratios[indicator.code] = keys
            else:
                measure, recipe = spec
                plan.by_source[recipe.source].append((indicator.code, measure, recipe))
        return plan

    def finish(self, parts: Parts) -> dict[str, Decimal]:
        values = {}
        for code in self.codes:
            if code in self.ratios:
                numerator, denominator = self.ratios[code]
                values[code] = ratio(parts.get(numerator, ZERO), parts.get(denominator, ZERO))
            else:
                values[code] = parts.get(code, ZERO)
        return values


def _add(into: Parts, parts: Parts) -> None:
    for key, value in parts.items():
        into[key] = into.get(key, ZERO) + value


@dataclass
class Actuals:
    """Per-union figures of a scope and period, folded on demand into any subtree."""

    plan: Plan
    path: str
    period: Period
    structure_on: datetime.date | None
    per_union: dict[int | None, Parts]
    paths: dict[int, str]  # union id -> its path in the structure used

    def values(self, prefix: str | None = None) -> dict[str, Decimal]:
        """The indicators' values for the subtree at `prefix` (default: the whole scope)."""
        prefix = self.path if prefix is None else prefix
        own = prefix == "" or len(prefix) == PATH_SEGMENT  # the federation's own records count
        parts: Parts = {}
        for union_id, figures in self.per_union.items():
            if union_id is None:
                if own:
                    _add(parts, figures)
            elif (path := self.paths.get(union_id)) is not None and path.startswith(prefix):
                _add(parts, figures)
        return self.plan.finish(parts)

    def by_child(self, parent: str) -> dict[str, dict[str, Decimal]]:
        """The values of each node one level below `parent`, keyed by the node's path."""
        length = len(parent) + PATH_SEGMENT
        grouped: dict[str, Parts] = defaultdict(dict)
        for union_id, figures in self.per_union.items():
            path = self.paths.get(union_id) if union_id is not None else None
            if path and path.startswith(parent) and len(path) >= length:
                _add(grouped[path[:length]], figures)
        return {path: self.plan.finish(parts) for path, parts in grouped.items()}


def actuals(
    indicators: Iterable,
    *,
    path: str,
    period: Period,
    structure_on: datetime.date | None = None,
    cached: bool = True,
) -> Actuals:
    """The values of `indicators` for everything under `path` in `period`, per union: one query
    per table the indicators come from, and one for the tree (none while cached). Without
    `cached`, always computed: for a caller that keeps its own, much smaller, fold of them (the
    whole country's per-union figures are megabytes, slower to read back than to fold)."""
    plan = Plan.of(indicators)

    def compute():
        return _per_union(plan, path, period, structure_on), structure_paths(path, structure_on)

    if cached:
        per_union, paths = remember(("actuals", path, period, structure_on, tuple(plan.codes)), compute)
    else:
        per_union, paths = compute()
    return Actuals(plan, path, period, structure_on, per_union, paths)


def _per_union(plan: Plan, path: str, period: Period, structure_on) -> dict[int | None, Parts]:
    per_union: dict[int | None, Parts] = defaultdict(dict)
    for name, items in plan.by_source.items():
        source = SOURCES[name]
        aliases = {f"v{i}": key for i, (key, _m, _r) in enumerate(items)}
        wanted = [(alias, m, r, period) for alias, (_k, m, r) in zip(aliases, items, strict=True)]
        for row in _figure_rows(source, path, structure_on, wanted, by_union=True):
            figures = per_union[row["unit"]]
            for alias, key in aliases.items():
                if row[alias]:
                    figures[key] = figures.get(key, ZERO) + Decimal(row[alias])
    return dict(per_union)


def _figure_rows(source: Source, path: str, structure_on, wanted: list, *, by_union: bool):
    """The aggregates `wanted` ((alias, measure, recipe, period)) of one table over the scope, per
    union or for the whole scope: live, or, for what is rolled up (reports/rollup.py), the rollup
    rows of fresh federations plus the records for the rest — one statement either way. Rows to
    add up alias by alias (several per union when parts come from both)."""
    aliases = [alias for alias, _m, _r, _p in wanted]
    branches = rollup.divide(wanted)
    if branches is None:
        parts = [(source, None, {alias: AGGREGATES[m](r, p) for alias, m, r, p in wanted})]
    else:
        federation = int(path[: PATH_SEGMENT - 1]) if path and structure_on is None else None
        stale_ones = rollup.stale_federations_query(federation)
        # Exists(...) uncorrelated: the database skips the part at once while none is stale.
        stale = Q(Exists(stale_ones), **{f"{source.union}__federation_id__in": stale_ones})
        fresh = Q(federation_id__in=rollup.fresh_federations())
        parts = [
            (source, branches.where, branches.live),
            (ROLLUP, fresh & (branches.rolled_where or Q()), branches.rolled),
            (source, stale & (branches.stale_where or Q()), branches.stale),
        ]
    stood = _stood_as(path, structure_on) if structure_on is not None and path else None
    queries = []
    for part_source, where, aggregates in parts:
        if not aggregates:
            continue
        rows = part_source.queryset().filter(_scope(part_source, path, structure_on, stood))
        if where is not None:
            rows = rows.filter(where)
        group = {"unit": F(part_source.union_id)} if by_union else {"whole": Value(1)}
        columns = {alias: aggregates.get(alias, Value(None, output_field=DecimalField())) for alias in aliases}
        queries.append(rows.order_by().values(**group).annotate(**columns))
    if len(queries) == 1:
        return list(queries[0])
    return list(queries[0].union(*queries[1:], all=True))


def series(indicators: Iterable, *, path: str, periods: list[Period], structure_on: datetime.date | None = None):
    """The indicators' values for the whole scope over each of `periods` (e.g. the year to each
    month's end): one query per table, whatever the number of periods."""
    plan = Plan.of(indicators)

    def compute() -> list[Parts]:
        return _series_parts(plan, path, periods, structure_on)

    parts = remember(("series", path, tuple(periods), structure_on, tuple(plan.codes)), compute)
    return [plan.finish(p) for p in parts]


def _series_parts(plan: Plan, path: str, periods: list[Period], structure_on) -> list[Parts]:
    parts: list[Parts] = [{} for _ in periods]
    for name, items in plan.by_source.items():
        source = SOURCES[name]
        wanted, keys = [], {}
        for p, period in enumerate(periods):
            for i, (key, measure, recipe) in enumerate(items):
                wanted.append((f"p{p}_{i}", measure, recipe, period))
                keys[f"p{p}_{i}"] = (p, key)
        rows = _figure_rows(source, path, structure_on, wanted, by_union=False)
        for alias, (p, key) in keys.items():
            parts[p][key] = sum((Decimal(row[alias] or 0) for row in rows), ZERO)
    return parts
