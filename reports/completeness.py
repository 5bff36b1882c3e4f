"""Who owes a quarterly return, who reported, on time or late (PRODUCT.md §6).

A grassroots union owes the return of a quarter when it was open at the quarter's end
(established by then, not closed by then). A return counts as reported once submitted (and
stays so when approved or locked); it is late when first submitted after the quarter's deadline.
Two queries for any scope, whatever the number of units.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from federation.models import PATH_SEGMENT, Federation
from unions.models import Level, Union

from .achievement import percent
from .cache import remember
from .models import REPORTED_STATUSES, QuarterlyReturn, ReportingQuarter, ReturnStatus
from .periods import default_deadline, quarter_period


def deadline_for(federation: Federation, year: int, quarter: int) -> datetime.date:
    """The quarter's deadline: the one the federation set, or the default."""
    row = ReportingQuarter.objects.filter(federation=federation, year=year, quarter=quarter).first()
    return row.deadline if row else default_deadline(federation, year, quarter)


def owing_unions(federation: Federation, *, path: str, year: int, quarter: int):
    """Grassroots unions under `path` that owe the quarter's return."""
    end = quarter_period(federation, year, quarter).end
    return Union.objects.filter(
        Q(established_on__isnull=True) | Q(established_on__lte=end),
        Q(closed_on__isnull=True) | Q(closed_on__gt=end),
        federation=federation,
        level=Level.GRASSROOTS,
        path__startswith=path,
    )


class Standing:
    """Where one union stands with one quarter's return."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # nothing submitted, deadline not passed
    OVERDUE = "overdue"  # nothing submitted, deadline passed


@dataclass
class UnitStanding:
    union_id: int
    code: str
    name: str
    path: str
    return_id: int | None
    status: str | None  # the return's status, None when there is none
    first_submitted_at: datetime.datetime | None
    standing: str


@dataclass
class Tally:
    owing: int = 0
    reported: int = 0
    on_time: int = 0
    late: int = 0
    approved: int = 0  # approved or locked
    not_reported: int = 0
    overdue: int = 0

    @property
    def rate(self):
        """Reported ÷ owing × 100 (None when nobody owes)."""
        return percent(self.reported, self.owing)

    @property
    def on_time_rate(self):
        return percent(self.on_time, self.owing)

    def add(self, unit: UnitStanding) -> None:
        self.owing += 1
        if unit.standing in (Standing.ON_TIME, Standing.LATE):
            self.reported += 1
            if unit.standing == Standing.ON_TIME:
                self.on_time += 1
            else:
                self.late += 1
            if unit.status in (ReturnStatus.APPROVED, ReturnStatus.LOCKED):
                self.approved += 1
        else:
            self.not_reported += 1
            if unit.standing == Standing.OVERDUE:
                self.overdue += 1


@dataclass
class Completeness:
    federation: Federation
    path: str
    year: int
    quarter: int
    deadline: datetime.date
    units: list[UnitStanding] = field(default_factory=list)
    total: Tally = field(default_factory=Tally)

    def by_child(self, parent: str | None = None) -> dict[str, Tally]:
        """Tallies of each node one level below `parent` (default: the scope), by its path."""
        parent = self.path if parent is None else parent
        length = len(parent) + PATH_SEGMENT
        tallies: dict[str, Tally] = defaultdict(Tally)
        for unit in self.units:
            if unit.path.startswith(parent) and len(unit.path) >= length:
                tallies[unit.path[:length]].add(unit)
        return dict(tallies)

    def not_reported(self) -> list[UnitStanding]:
        return [u for u in self.units if u.standing in (Standing.MISSING, Standing.OVERDUE)]

    def late(self) -> list[UnitStanding]:
        return [u for u in self.units if u.standing == Standing.LATE]


def completeness(
    federation: Federation, *, path: str, year: int, quarter: int, today: datetime.date | None = None
) -> Completeness:
    """Every owing union under `path` with its standing for the quarter, and the tallies. Cached
    like the dashboards' figures until a write to returns or units commits (reports/cache.py);
    the day and the deadline are part of the key."""
    today = today or timezone.localdate()
    deadline = deadline_for(federation, year, quarter)
    return remember(
        ("completeness", federation.pk, path, year, quarter, today, deadline),
        lambda: _completeness(federation, path, year, quarter, today, deadline),
    )


def _completeness(federation, path: str, year: int, quarter: int, today, deadline) -> Completeness:
    result = Completeness(federation, path, year, quarter, deadline)
    returns = {
        r["union_id"]: r
        for r in QuarterlyReturn.objects.filter(
            federation=federation, year=year, quarter=quarter, union__path__startswith=path
        ).values("pk", "union_id", "status", "first_submitted_at")
    }
    unions = owing_unions(federation, path=path, year=year, quarter=quarter).order_by("path")
    for union_id, code, name, union_path in unions.values_list("pk", "code", "name", "path"):
        r = returns.get(union_id)
        first = r["first_submitted_at"] if r else None
        if r and r["status"] in REPORTED_STATUSES and first is not None:
            standing = Standing.ON_TIME if timezone.localtime(first).date() <= deadline else Standing.LATE
        else:
            standing = Standing.OVERDUE if today > deadline else Standing.MISSING
        unit = UnitStanding(
            union_id, code, name, union_path, r["pk"] if r else None, r["status"] if r else None, first, standing
        )
        result.units.append(unit)
        result.total.add(unit)
    return result
