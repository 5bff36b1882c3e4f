"""Pre-aggregated figures: each union's movement and member totals per month, so that a
dashboard adds up a few rows per union and month instead of every record.

What is rolled up: the recipes of `reports.measures.RECIPES` on the big tables (movements,
members) whose rows are fixed (a static `where`), placed in time by a date, and not counted
once per distinct value. They are keyed by the first indicator code with that recipe
(`members_total` reads the rows of `members_net_growth`). A row is (union, month, key, value);
the months before ROLLUP_FROM are one row per union and key dated `BEFORE` (enough for stocks).

The rows are written by `refresh` with INSERT ... SELECT from the same ORM aggregate the live
path uses, grouped by union and month: the sum over a period's months is the live figure.

Reading (`divide`, used by `reports.measures`): a period's whole months come from the rows, its
partial months (as_of = today, a year starting mid-month, anything before ROLLUP_FROM) from the
records by date range, which the (union, date) index makes cheap; a stock is everything up to
the end: the rows of every month before the end's month, and that month's days live. Each
table's figures stay one statement (UNION ALL of the parts), as many queries as the live path.

Freshness is exact: triggers on members, movements and a union's federation (migration 0004)
append the federation to `RollupDirty` in the writing transaction, whatever the write path
(ORM, bulk import, raw update, merger). A federation's rows are read only if it was built (from
the current ROLLUP_FROM) and has no note — decided in SQL, in the statement that reads the
figures; a stale federation's units are read from the records. A refresh deletes the notes it
can see and rebuilds in one transaction: a write committing meanwhile leaves its note, so the
federation stays stale — never wrong. Writes that announce changed figures ask for a refresh
(reports/cache.py), and Celery beat refreshes whatever is stale every ROLLUP_REFRESH_SECONDS.
"""

import datetime
import functools
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone

from federation.models import Federation

from . import measures
from .models import Measure, RollupDirty, RollupFigure, RollupState

logger = logging.getLogger(__name__)

BEFORE = datetime.date(1, 1, 1)  # the month of the rows that hold everything before ROLLUP_FROM
TABLES = ("movement", "member")
MEASURES = frozenset({Measure.COUNT, Measure.MONEY, Measure.NET_CHANGE, Measure.STOCK})
DEBOUNCE_KEY = "reports:rollup-refresh-asked"
ONE_DAY = datetime.timedelta(days=1)


def enabled() -> bool:
    return bool(settings.REPORTS_ROLLUP)


def rollup_from() -> datetime.date:
    value = settings.ROLLUP_FROM
    day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
    return day.replace(day=1)


def rollable(recipe) -> bool:
    """A recipe whose rows can be summed per union and month ahead of time."""
    return (
        recipe.source in TABLES and not callable(recipe.where) and recipe.date is not None and recipe.distinct is None
    )


@functools.cache
def recipes() -> dict[str, "measures.Recipe"]:
    """Rolled-up recipes by key (the first indicator code with that recipe)."""
    keyed: dict[str, measures.Recipe] = {}
    for code, recipe in measures.RECIPES.items():
        if isinstance(recipe, measures.Recipe) and rollable(recipe) and recipe not in keyed.values():
            keyed[code] = recipe
    return keyed


@functools.cache
def _keys() -> dict:
    return {recipe: key for key, recipe in recipes().items()}


# --- Splitting a period ---------------------------------------------------------------------


Days = tuple[tuple[datetime.date | None, datetime.date], ...]  # inclusive ranges; None: from the first


def _days(date: str, days: Days) -> Q | None:
    condition = None
    for low, high in days:
        part = Q(**{f"{date}__lte": high}) if low is None else Q(**{f"{date}__range": (low, high)})
        condition = part if condition is None else condition | part
    return condition


@dataclass(frozen=True)
class Split:
    """A figure's whole months [`months[0]`, `months[1]`) (a start of None: every month, the
    bucket before ROLLUP_FROM too), read from the rollup; the same days on the records
    (`month_days`); and the days left (`days`), read live."""

    months: tuple[datetime.date | None, datetime.date] | None
    month_days: Days
    days: Days

    def rows(self, key: str) -> Q | None:
        """The rollup rows of `key` holding the whole months: a year's row for each whole
        calendar year, a month's row for the others."""
        if self.months is None:
            return None
        low, upto = self.months
        condition = Q()
        if low is None:
            condition = Q(key=key, month=BEFORE)
            low = rollup_from()
        if low >= upto:
            return condition or None
        first_year = low.year if low.month == 1 else low.year + 1
        last_year = upto.year - 1  # a year is whole when it ends before `upto`
        if first_year > last_year:
            return condition | Q(key=key, month__gte=low, month__lt=upto)
        year_from, year_upto = datetime.date(first_year, 1, 1), datetime.date(last_year + 1, 1, 1)
        condition |= Q(key=year_key(key), month__gte=year_from, month__lt=year_upto)
        if low < year_from:
            condition |= Q(key=key, month__gte=low, month__lt=year_from)
        if year_upto < upto:
            condition |= Q(key=key, month__gte=year_upto, month__lt=upto)
        return condition


def year_key(key: str) -> str:
    return f"{key}/y"


def split(measure: str, period) -> Split:
    """Whole months of `period` from the rollup (none before ROLLUP_FROM, except as the one
    earlier bucket for a stock), the rest by date."""
    start, end, first_month = period.start, period.end, rollup_from()
    after = end + ONE_DAY
    upto = after if after.day == 1 else end.replace(day=1)  # months before it end within the period
    if measure == Measure.STOCK:
        if upto < first_month:
            return Split(None, (), ((None, end),))
        return Split((None, upto), ((None, upto - ONE_DAY),), ((upto, end),) if upto <= end else ())
    first = start if start.day == 1 else (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    first = max(first, first_month)
    if first >= upto:
        return Split(None, (), ((start, end),))
    days = []
    if start < first:
        days.append((start, first - ONE_DAY))
    if upto <= end:
        days.append((upto, end))
    return Split((first, upto), ((first, upto - ONE_DAY),), tuple(days))


# --- Freshness ------------------------------------------------------------------------------


def fresh_federations():
    """The federations whose rows may be read (a subquery): built from the current ROLLUP_FROM,
    and no write noted since."""
    dirty = RollupDirty.objects.filter(federation_id=OuterRef("federation_id"))
    built = RollupState.objects.filter(built_at__isnull=False, rollup_from=rollup_from())
    return built.filter(~Exists(dirty)).values("federation_id")


def stale_federations_query(federation: int | None = None):
    """The others (a subquery; of `federation` only, when given): their units are read from the
    records."""
    stale = Federation.objects.exclude(pk__in=fresh_federations())
    if federation is not None:
        stale = stale.filter(pk=federation)
    return stale.values("pk")


def freshness() -> tuple[set[int], set[int]]:
    """(fresh federations, stale ones)."""
    fresh = set(fresh_federations().values_list("federation_id", flat=True))
    return fresh, set(Federation.objects.values_list("pk", flat=True)) - fresh


@dataclass(frozen=True)
class Branches:
    """One table's figures as up to three parts, added up per union: `live` over the records
    (`where` narrows the rows read, None: all of the scope), `rolled` over the rollup rows of
    fresh federations, `stale` over the records of the others for the same whole months. Every
    alias is in each part (absent ones as NULL), so they run as one UNION ALL statement: one
    query per table, and freshness decided in the same snapshot as the figures."""

    live: dict
    where: Q | None
    rolled: dict
    rolled_where: Q | None
    stale: dict
    stale_where: Q | None


def key(measure: str, recipe) -> str | None:
    """The rollup key serving (measure, recipe), if any."""
    if not enabled() or measure not in MEASURES or not isinstance(recipe, measures.Recipe):
        return None
    return _keys().get(recipe)


def divide(wanted: list[tuple[str, str, "measures.Recipe", object]]) -> Branches | None:
    """For (alias, measure, recipe, period) on one table: its `Branches`, or None when nothing
    in it is rolled up."""
    if not any(key(m, r) for _a, m, r, _p in wanted):
        return None
    live, rolled, stale = {}, {}, {}
    where = stale_where = rolled_where = None
    narrow = True
    for alias, measure, recipe, period in wanted:
        rollup_key = key(measure, recipe)
        if rollup_key is None:
            live[alias] = measures.AGGREGATES[measure](recipe, period)
            narrow = False
            continue
        part = split(measure, period)
        days = _days(recipe.date, part.days)
        if days is not None:
            live[alias] = measures._tally(recipe, recipe.rows(period) & days)
            where = days if where is None else where | days
        rows = part.rows(rollup_key)
        if rows is not None:
            rolled[alias] = Sum("value", filter=rows)
            rolled_where = rows if rolled_where is None else rolled_where | rows
            month_days = _days(recipe.date, part.month_days)
            stale[alias] = measures._tally(recipe, recipe.rows(period) & month_days)
            stale_where = month_days if stale_where is None else stale_where | month_days
    return Branches(live, where if narrow else None, rolled, rolled_where, stale, stale_where)


# --- Refreshing -----------------------------------------------------------------------------


def _insert(key: str, recipe, federation_id: int) -> tuple[str, tuple]:
    """INSERT ... SELECT of one recipe's monthly totals per union of a federation."""
    source = measures.SOURCES[recipe.source]
    date = recipe.date
    month = Case(
        When(**{f"{date}__lt": rollup_from()}, then=Value(BEFORE)),
        default=TruncMonth(date, output_field=DateField()),
        output_field=DateField(),
    )
    total = Sum(recipe.value) if recipe.value is not None else Count("pk")
    rows = (
        source.queryset()
        .filter(recipe.where, **{f"{source.union}__federation_id": federation_id, f"{date}__isnull": False})
        .order_by()
        .values(rollup_unit=F(source.union_id), rollup_month=month)
        .annotate(rollup_total=total)
    )
    sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(RollupFigure._meta.db_table)
    insert = (
        f"INSERT INTO {table} (federation_id, union_id, month, key, value) "
        f"SELECT %s, s.rollup_unit, s.rollup_month, %s, s.rollup_total FROM ({sql}) s"
    )
    return insert, (federation_id, key, *params)


def _insert_years(key: str, federation_id: int) -> tuple[str, tuple]:
    """The year rows of `key`, summed from its month rows just written (from ROLLUP_FROM on)."""
    months = (
        RollupFigure.objects.filter(federation_id=federation_id, key=key, month__gte=rollup_from())
        .order_by()
        .values(rollup_unit=F("union_id"), rollup_month=TruncYear("month", output_field=DateField()))
        .annotate(rollup_total=Sum("value"))
    )
    sql, params = months.query.sql_with_params()
    table = connection.ops.quote_name(RollupFigure._meta.db_table)
    insert = (
        f"INSERT INTO {table} (federation_id, union_id, month, key, value) "
        f"SELECT %s, s.rollup_unit, s.rollup_month, %s, s.rollup_total FROM ({sql}) s"
    )
    return insert, (federation_id, year_key(key), *params)


@dataclass
class Refreshed:
    federation: Federation
    rows: int
    seconds: float


def refresh(federation_id: int) -> Refreshed | None:
    """Rebuild a federation's rows in one transaction; None when another worker holds it."""
    RollupState.objects.get_or_create(federation_id=federation_id)
    started = time.monotonic()
    with transaction.atomic():
        state = RollupState.objects.select_for_update(skip_locked=True).filter(pk=federation_id).first()
        if state is None:
            return None
        # The notes this transaction can see: a write committing from now on leaves its own.
        RollupDirty.objects.filter(federation_id=federation_id).delete()
        RollupFigure.objects.filter(federation_id=federation_id).delete()
        rows = 0
        with connection.cursor() as cursor:
            for key, recipe in recipes().items():
                cursor.execute(*_insert(key, recipe, federation_id))
                rows += max(cursor.rowcount, 0)
                cursor.execute(*_insert_years(key, federation_id))
                rows += max(cursor.rowcount, 0)
        state.built_at = timezone.now()
        state.rollup_from = rollup_from()
        state.rows = rows
        state.seconds = time.monotonic() - started
        state.save()
    return Refreshed(Federation.objects.get(pk=federation_id), rows, state.seconds)


def refresh_all() -> list[Refreshed]:
    """Refresh every stale or never-built federation (skipping those another worker holds)."""
    done = []
    for federation_id in sorted(freshness()[1]):
        result = refresh(federation_id)
        if result is not None:
            done.append(result)
    return done


def request_refresh() -> None:
    """Ask the workers for a refresh soon, at most once per ROLLUP_DEBOUNCE_SECONDS. Never run
    inside the caller: with tasks run eagerly (development, tests) the beat or the command does it."""
    from config.celery import app

    if app.conf.task_always_eager:
        return
    debounce = settings.ROLLUP_DEBOUNCE_SECONDS
    if not cache.add(DEBOUNCE_KEY, 1, timeout=max(debounce, 1)):
        return
    from .tasks import refresh_rollups

    try:
        refresh_rollups.apply_async(countdown=debounce)
    except Exception:  # the broker being away must not break a save or a dashboard
        logger.warning("could not ask for a rollup refresh", exc_info=True)
