"""Reads of quarterly returns (PRODUCT.md §6): access helpers, who may do what with a return,
the filtered lists, the live roll counts of a draft and each quarter's figures.

The scope of returns is `QuarterlyReturn.objects.visible_to(user)`: a return outside it answers
404 alike for "missing" and "not yours"; a role that sees it but may not act gets 403.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone

from federation.models import Cap
from federation.text import fold
from members.models import Gender, Member
from members.selectors import roll_counts, roll_on
from unions.models import Level

from .completeness import Tally, completeness, owing_unions
from .models import QuarterlyReturn, ReportingQuarter
from .periods import Period, default_deadline, quarter_label, quarter_of, quarter_period

# --- who may do what ---------------------------------------------------------------------------


def _in_scope(user, union) -> bool:
    path = user.scope_path if user.is_authenticated else None
    return path is not None and union.path.startswith(path)


def can_fill(user, union) -> bool:
    """The user fills in and submits this union's returns: its chair (or the federation admin)."""
    return user.can(Cap.SUBMIT_RETURNS) and _in_scope(user, union)


def can_submit(user, ret: QuarterlyReturn) -> bool:
    return can_fill(user, ret.union)


def can_decide(user, ret: QuarterlyReturn) -> bool:
    """Approving or sending back is for the return's superior: an officer of a union above it
    (within the officer's subtree), or the federation's staff and admin."""
    return user.can(Cap.APPROVE_RETURNS) and _in_scope(user, ret.union) and user.union_id != ret.union_id


def can_lock(user, ret: QuarterlyReturn) -> bool:
    return user.can(Cap.LOCK_PERIODS) and _in_scope(user, ret.union)


def may_manage_quarters(user) -> bool:
    """Deadlines and closing are the federation admin's (Cap.LOCK_PERIODS)."""
    return user.can(Cap.LOCK_PERIODS) and not user.union_id


def may_see_quarters(user) -> bool:
    """The quarters page is for the federation's own staff and admin."""
    return not user.union_id and (user.can(Cap.LOCK_PERIODS) or user.can(Cap.APPROVE_RETURNS))


# --- access helpers ----------------------------------------------------------------------------


def get_return_for_user(user, pk) -> QuarterlyReturn:
    """The return if the user may see it; 404 alike for "missing" and "not yours"."""
    qs = QuarterlyReturn.objects.visible_to(user).select_related(
        "union__parent", "federation", "submitted_by", "decided_by"
    )
    return get_object_or_404(qs, pk=pk)


def get_rw_return_for_user(user, pk, may=can_submit) -> QuarterlyReturn:
    """The return if the user may act on it as `may` says (can_submit, can_decide, can_lock);
    404 when not visible, 403 when the user may only read it."""
    ret = get_return_for_user(user, pk)
    if not may(user, ret):
        raise PermissionDenied
    return ret


# --- lists -------------------------------------------------------------------------------------


def returns_for(user, *, year=None, quarter=None, status: str = "", query: str = "", union=None):
    """Returns the user may see, filtered; the latest quarter first, units by name. `query`
    matches the union's code or name without diacritics."""
    qs = QuarterlyReturn.objects.visible_to(user).select_related("union")
    if year:
        qs = qs.filter(year=year)
    if quarter:
        qs = qs.filter(quarter=quarter)
    if status:
        qs = qs.filter(status=status)
    if union is not None:
        qs = qs.filter(union__path__startswith=union.path)
    for word in fold(query).split():
        qs = qs.filter(union__search_text__contains=word)
    return qs.order_by("-year", "-quarter", "union__search_text", "pk")


def due_quarter(federation, today: datetime.date | None = None) -> tuple[int, int]:
    """The quarter whose return is due now: the last one that has ended."""
    year, quarter = quarter_of(federation, today or timezone.localdate())
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def quarter_row(federation, year: int, quarter: int) -> ReportingQuarter | None:
    return ReportingQuarter.objects.filter(federation=federation, year=year, quarter=quarter).first()


def quarter_is_closed(federation, year: int, quarter: int) -> bool:
    return ReportingQuarter.objects.filter(
        federation=federation, year=year, quarter=quarter, closed_at__isnull=False
    ).exists()


def owes(union, year: int, quarter: int) -> bool:
    """The union owes the quarter's return (a grassroots union open at the quarter's end)."""
    if union.level != Level.GRASSROOTS:
        return False
    unions = owing_unions(union.federation, path=union.path, year=year, quarter=quarter)
    return unions.filter(pk=union.pk).exists()


# --- roll counts -------------------------------------------------------------------------------


def live_counts(union, year: int, quarter: int) -> dict[str, int]:
    """The union's roll counts for the quarter as the records give them now (ROLL_FIELDS): what a
    draft shows and what submitting freezes. Two queries."""
    period = quarter_period(union.federation, year, quarter)
    counts = roll_counts(path=union.path, start=period.start, end=period.end)
    women = Member.objects.filter(pk__in=roll_on(path=union.path, day=period.end), gender=Gender.FEMALE).count()
    return {
        "members_opening": counts.opening,
        "members_admitted": counts.admitted,
        "members_transferred_in": counts.transferred_in,
        "members_transferred_out": counts.transferred_out,
        "members_left": counts.left,
        "members_readmitted": counts.readmitted,
        "members_deceased": counts.deceased,
        "members_closing": counts.closing,
        "members_female": women,
    }


# --- quarters ----------------------------------------------------------------------------------


@dataclass
class QuarterLine:
    year: int
    quarter: int
    period: Period
    deadline: datetime.date
    deadline_is_default: bool
    row: ReportingQuarter | None
    tally: Tally

    @property
    def is_closed(self) -> bool:
        return self.row is not None and self.row.is_closed

    @property
    def label(self) -> str:
        return quarter_label(self.year, self.quarter)

    @property
    def ended(self) -> bool:
        return self.period.end < timezone.localdate()


def quarters_of_year(federation, year: int, today: datetime.date | None = None) -> list[QuarterLine]:
    """The four quarters of a report year with their deadline, whether closed, and how many
    owing unions reported (on time, late): a fixed number of queries."""
    rows = {
        r.quarter: r
        for r in ReportingQuarter.objects.filter(federation=federation, year=year).select_related("closed_by")
    }
    lines = []
    for quarter in (1, 2, 3, 4):
        row = rows.get(quarter)
        tally = completeness(federation, path=federation.path, year=year, quarter=quarter, today=today).total
        lines.append(
            QuarterLine(
                year=year,
                quarter=quarter,
                period=quarter_period(federation, year, quarter),
                deadline=row.deadline if row else default_deadline(federation, year, quarter),
                deadline_is_default=row is None,
                row=row,
                tally=tally,
            )
        )
    return lines
