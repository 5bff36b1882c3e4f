"""Reads of welfare records: access helpers, and the totals of a scope and period in SQL, a
constant number of queries whatever the number of units or records.

A scope is a tree path: the federation's (its records and everything below) or a union's
(the records its subtree organized). Shelters count when handed over; activities on the day
they were held; fund entries on their date.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce, ExtractMonth
from django.shortcuts import get_object_or_404

from federation.models import Cap
from federation.text import fold

from .models import (
    SOURCES,
    Activity,
    Beneficiary,
    EntryKind,
    Fund,
    FundEntry,
    FundKind,
    Occasion,
    Program,
    Shelter,
    ShelterStatus,
    scope_q,
    shelter_scope_q,
)

# --- access helpers ----------------------------------------------------------------------------


def _may_write(user, obj, capability: str) -> bool:
    """The user holds `capability` and the record is organized within its subtree."""
    path = user.scope_path
    if not user.can(capability) or path is None:
        return False
    if path == "":
        return True
    if obj.union_id:
        return obj.union.path.startswith(path)
    return not user.union_id and obj.federation_id == user.federation_id


def can_edit(user, obj) -> bool:
    return _may_write(user, obj, Cap.MANAGE_SHELTERS if isinstance(obj, Shelter) else Cap.MANAGE_WELFARE)


def _rw(user, obj):
    if not can_edit(user, obj):
        raise PermissionDenied
    return obj


def get_activity_for_user(user, pk) -> Activity:
    """The activity if the user may see it; 404 alike for "missing" and "not yours"."""
    qs = Activity.objects.visible_to(user).select_related("union", "federation", "occasion", "created_by")
    return get_object_or_404(qs, pk=pk)


def get_rw_activity_for_user(user, pk) -> Activity:
    """The activity if the user may change it; 404 when not visible, 403 when read-only."""
    return _rw(user, get_activity_for_user(user, pk))


def get_shelter_for_user(user, pk) -> Shelter:
    qs = Shelter.objects.visible_to(user).select_related("union", "federation", "member__union", "created_by")
    return get_object_or_404(qs, pk=pk)


def get_rw_shelter_for_user(user, pk) -> Shelter:
    return _rw(user, get_shelter_for_user(user, pk))


def get_fund_for_user(user, pk) -> Fund:
    return get_object_or_404(Fund.objects.visible_to(user).select_related("union", "federation"), pk=pk)


def get_rw_fund_for_user(user, pk) -> Fund:
    return _rw(user, get_fund_for_user(user, pk))


def organizer_choices(user):
    """Where the user may record welfare: (the federation itself allowed, unions queryset)."""
    from unions.models import Union

    if not user.can(Cap.MANAGE_WELFARE):
        return False, Union.objects.none()
    unions = Union.objects.visible_to(user).active().order_by("path")
    return not user.union_id, unions


def may_create_occasions(user) -> bool:
    """Occasions are the federation's campaigns: named by its own staff who record welfare."""
    return user.can(Cap.MANAGE_WELFARE) and not user.union_id and user.federation_id is not None


def occasions_for(user):
    return Occasion.objects.visible_to(user).order_by("-starts_on", "name")


# --- lists -------------------------------------------------------------------------------------


def activities_for(
    user, *, path: str | None = None, program: str = "", occasion=None, start=None, end=None, query: str = ""
):
    """Activities the user may see, filtered; newest first."""
    qs = Activity.objects.visible_to(user).select_related("union", "occasion")
    if path:
        qs = qs.filter(scope_q(path))
    if program:
        qs = qs.filter(program=program)
    if occasion is not None:
        qs = qs.filter(occasion=occasion)
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    for word in fold(query or "").split():
        qs = qs.filter(search_text__contains=word)
    return qs.annotate(linked=Count("beneficiaries")).order_by("-held_on", "-pk")


def shelters_for(user, *, path: str | None = None, status: str = "", year: int | None = None):
    qs = Shelter.objects.visible_to(user).select_related("union", "member__union")
    if path:
        qs = qs.filter(shelter_scope_q(path))
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(approved_on__year=year)
    return qs.order_by("-approved_on", "-pk")


def funds_for(user, *, path: str | None = None):
    qs = Fund.objects.visible_to(user).select_related("union")
    if path:
        qs = qs.filter(scope_q(path))
    return qs.order_by("name")


# --- totals ------------------------------------------------------------------------------------


@dataclass
class ProgramTotals:
    """One program's figures: `activities` (for shelters: houses handed over), person-times,
    distinct persons known by name, and money by source."""

    program: str
    activities: int = 0
    person_times: int = 0
    persons: int = 0
    amount_union_funds: int = 0
    amount_sponsors: int = 0
    amount_social_fund: int = 0
    amount_other: int = 0

    @property
    def label(self) -> str:
        return Program(self.program).label if self.program in Program.values else ""

    @property
    def amount_total(self) -> int:
        return sum(getattr(self, name) for name in SOURCES)

    def add(self, other: "ProgramTotals") -> None:
        for name in ("activities", "person_times", *SOURCES):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class FundTotals:
    raised: int = 0
    paid: int = 0
    social_raised: int = 0
    contributions: int = 0
    payouts: int = 0


@dataclass
class WelfareTotals:
    path: str
    start: datetime.date
    end: datetime.date
    rows: list[ProgramTotals] = field(default_factory=list)
    total: ProgramTotals = field(default_factory=lambda: ProgramTotals(""))
    funds: FundTotals = field(default_factory=FundTotals)
    shelters_in_progress: int = 0

    def row(self, program: str) -> ProgramTotals:
        return next((r for r in self.rows if r.program == program), ProgramTotals(program))


def _money_sums(prefix: str = "") -> dict:
    return {name: Coalesce(Sum(f"{prefix}{name}"), 0) for name in SOURCES}


def welfare_totals(*, path: str, start: datetime.date, end: datetime.date) -> WelfareTotals:
    """Per program, for the records organized within `path` between `start` and `end`
    (inclusive): activities, person-times, distinct persons, VND by source; the total row counts
    a member reached by several activities or programs once. Six queries."""
    result = WelfareTotals(path=path, start=start, end=end)
    activities = Activity.objects.filter(scope_q(path), held_on__gte=start, held_on__lte=end)
    by_program = {
        r["program"]: r
        for r in activities.values("program").annotate(
            n=Count("id"), times=Coalesce(Sum("person_times"), 0), **_money_sums()
        )
    }
    linked = Beneficiary.objects.filter(activity__in=activities.values("pk"))
    persons = dict(
        linked.values("activity__program")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("activity__program", "n")
    )
    handed = Shelter.objects.filter(
        scope_q(path), status=ShelterStatus.HANDED_OVER, handed_over_on__gte=start, handed_over_on__lte=end
    )
    shelters = handed.aggregate(n=Count("id"), persons=Count("member_id", distinct=True), **_money_sums())
    for program in Program.values:
        if program == Program.SHELTER:
            if not shelters["n"]:
                continue
            row = ProgramTotals(program, shelters["n"], shelters["n"], shelters["persons"],
                                **{name: shelters[name] for name in SOURCES})  # fmt: skip
        elif program in by_program:
            r = by_program[program]
            row = ProgramTotals(program, r["n"], r["times"], persons.get(program, 0),
                                **{name: r[name] for name in SOURCES})  # fmt: skip
        else:
            continue
        result.rows.append(row)
        result.total.add(row)
    result.total.persons = linked.order_by().values("member_id").union(handed.order_by().values("member_id")).count()
    entries = FundEntry.objects.filter(scope_q(path, "fund__"), on__gte=start, on__lte=end).aggregate(
        raised=Coalesce(Sum("amount", filter=Q(kind=EntryKind.CONTRIBUTION)), 0),
        paid=Coalesce(Sum("amount", filter=Q(kind=EntryKind.PAYOUT)), 0),
        social_raised=Coalesce(Sum("amount", filter=Q(kind=EntryKind.CONTRIBUTION, fund__kind=FundKind.SOCIAL)), 0),
        contributions=Count("id", filter=Q(kind=EntryKind.CONTRIBUTION)),
        payouts=Count("id", filter=Q(kind=EntryKind.PAYOUT)),
    )
    result.funds = FundTotals(**entries)
    result.shelters_in_progress = Shelter.objects.filter(
        scope_q(path), status__in=[ShelterStatus.APPROVED, ShelterStatus.BUILDING]
    ).count()
    return result


def default_year(*, path: str, today: datetime.date) -> int:
    """The year a welfare page opens on: the current one, or, before anything is recorded in it,
    the latest year with activities or houses handed over in the scope. Two queries."""
    latest = [
        Activity.objects.filter(scope_q(path), held_on__lte=today).aggregate(day=Max("held_on"))["day"],
        Shelter.objects.filter(scope_q(path), handed_over_on__lte=today).aggregate(day=Max("handed_over_on"))["day"],
    ]
    days = [d for d in latest if d is not None]
    return max(days).year if days else today.year


@dataclass
class MonthTotals:
    month: int
    activities: int = 0
    person_times: int = 0
    amount: int = 0


def monthly_totals(*, path: str, year: int) -> list[MonthTotals]:
    """The twelve months of `year`: activities held (shelters handed over count as one each),
    person-times and VND. Two queries."""
    months = {m: MonthTotals(m) for m in range(1, 13)}
    total = sum((Coalesce(Sum(name), 0) for name in SOURCES[1:]), Coalesce(Sum(SOURCES[0]), 0))
    for r in (
        Activity.objects.filter(scope_q(path), held_on__year=year)
        .annotate(month=ExtractMonth("held_on"))
        .values("month")
        .annotate(n=Count("id"), times=Coalesce(Sum("person_times"), 0), amount=total)
    ):
        m = months[r["month"]]
        m.activities, m.person_times, m.amount = r["n"], r["times"], r["amount"]
    for r in (
        Shelter.objects.within(path)
        .filter(status=ShelterStatus.HANDED_OVER, handed_over_on__year=year)
        .annotate(month=ExtractMonth("handed_over_on"))
        .values("month")
        .annotate(n=Count("id"), amount=total)
    ):
        m = months[r["month"]]
        m.activities += r["n"]
        m.person_times += r["n"]
        m.amount += r["amount"]
    return list(months.values())


# The welfare measures the targets draw on (PRODUCT.md §6 indicator codes).
MEASURES = ("shelters_handed_over", "tet_care_person_times", "tet_care_amount", "union_meals", "social_fund_raised")


def welfare_measures(*, path: str, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The §6 welfare indicators' actual values for a scope and period."""
    totals = welfare_totals(path=path, start=start, end=end)
    tet = totals.row(Program.TET_CARE)
    return {
        "shelters_handed_over": totals.row(Program.SHELTER).activities,
        "tet_care_person_times": tet.person_times,
        "tet_care_amount": tet.amount_total,
        "union_meals": totals.row(Program.MEAL).activities,
        "social_fund_raised": totals.funds.social_raised,
    }
