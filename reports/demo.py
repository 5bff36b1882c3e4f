"""The demo federation's 2024 targets and quarterly returns: the `reports` step of
`federation.demo`, run after the roll and welfare steps.

The General Confederation's targets for 2024 are set so that the year reads as the seed
articles tell it: 10,177 new members against a target of 8,450 (120.44 %), 1,648 members
introduced to the Party (127 %), and 11 of 12 targets achieved or exceeded — the one missed is
new grassroots unions in enterprises with 25 or more workers. Each target is the actual figure
divided by the achievement the story wants, rounded as a document would write it, so every
scale tells the same story. The members-admitted target was raised once during the year (a
revision with its own document).

The federation allocates three targets to its direct-superior unions: new members (the shares
add up to 8,450 exactly), new grassroots unions, and introductions to the Party, whose shares
fall short of the federation's target (the targets page shows the gap).

Every grassroots union files a return each quarter of 2024 with the roll counts of its records;
a few file late or not at all; the first three quarters are closed (their returns locked), the
fourth is still being approved. Agencies and public service units held their annual conference
in the first quarter, as the rate target expects.
"""

import datetime
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from federation.demo import Demo, _apportion
from members.models import Movement, MovementKind
from unions.models import Kind, Level, Sector, Union

from .achievement import unit_report
from .completeness import owing_unions
from .measures import AGENCY_SECTORS, actuals
from .models import (
    Indicator,
    Issuer,
    QuarterlyReturn,
    ReportingQuarter,
    ReturnStatus,
    Target,
    TargetRevision,
)
from .periods import default_deadline, quarter_period, year_period

YEAR = 2024

# indicator -> the achievement (%) the 2024 story gives it
STORY = {
    "members_admitted": "120.44",
    "members_net_growth": "109.57",
    "members_total": "100.39",
    "grassroots_established": "116.25",
    "grassroots_established_25plus": "83.33",
    "party_introduced": "127",
    "party_admitted": "103.50",
    "shelters_handed_over": "105.83",
    "tet_care_person_times": "107.05",
    "tet_care_amount": "109.18",
    "social_fund_raised": "108.66",
}
RATE_TARGETS = {"agency_conference_rate": Decimal(100)}

VGCL_DOCUMENT = ("1234/TLĐ", date(2024, 1, 12))
VGCL_REVISION = ("4321/TLĐ", date(2024, 6, 20))
ALLOCATION_DOCUMENT = ("45/KH-LĐLĐ", date(2024, 2, 1))
ALLOCATED = ("members_admitted", "grassroots_established", "party_introduced")
# The introductions allocated to the superiors fall this much short of the federation's target.
ALLOCATION_SHORTFALL = Decimal("0.03")


def _round_like_a_document(value: Decimal, indicator: Indicator) -> Decimal:
    """Targets are written round: billions of dong to the hundred million, tens of thousands of
    people to the thousand, smaller counts to the unit."""
    if indicator.unit == "vnd":
        step = Decimal(100_000_000 if value >= 10**9 else 1_000_000 if value >= 10**7 else 1_000)
    elif value >= 10_000:
        step = Decimal(1_000)
    else:
        step = Decimal(1)
    rounded = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return max(rounded, Decimal(1))


def _story_targets(federation, indicators) -> dict[str, Decimal]:
    figures = actuals(indicators, path=federation.path, period=year_period(federation, YEAR)).values()
    targets = dict(RATE_TARGETS)
    for indicator in indicators:
        if indicator.code in STORY:
            actual = figures[indicator.code]
            share = Decimal(STORY[indicator.code])
            value = _round_like_a_document(actual * 100 / share, indicator)
            if share < 100:  # missed at every scale, however small its figures
                value = max(value, actual + 1)
            targets[indicator.code] = value
    return targets


def _allocations(demo: Demo, federation, indicators_by_code, targets) -> list[tuple[Union, Indicator, Decimal]]:
    rng = demo.rng("reports_allocation")
    superiors = list(Union.objects.filter(federation=federation, parent=None, level=Level.SUPERIOR).order_by("code"))
    wanted = [indicators_by_code[code] for code in ALLOCATED]
    figures = actuals(wanted, path=federation.path, period=year_period(federation, YEAR)).by_child(federation.path)
    rows = []
    for indicator in wanted:
        total = targets[indicator.code]
        if indicator.code == "party_introduced":
            total -= max(Decimal(1), (total * ALLOCATION_SHORTFALL).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        # each superior's share: its own actual, give or take, so that some fall short
        weights = [
            max(float(figures.get(s.path, {}).get(indicator.code, 0)), 0.5) * rng.uniform(0.75, 1.5) for s in superiors
        ]
        shares = _apportion(int(total), weights, [int(total)] * len(superiors))
        rows += [(s, indicator, Decimal(share)) for s, share in zip(superiors, shares, strict=True) if share]
    return rows


def _write_targets(demo: Demo, federation) -> None:
    indicators = list(Indicator.objects.filter(is_active=True))
    by_code = {i.code: i for i in indicators}
    targets = _story_targets(federation, indicators)
    now = timezone.now()
    created = Target.objects.bulk_create(
        [
            Target(
                federation=federation,
                union=None,
                indicator=by_code[code],
                year=YEAR,
                value=value,
                document_number=(VGCL_REVISION if code == "members_admitted" else VGCL_DOCUMENT)[0],
                document_date=(VGCL_REVISION if code == "members_admitted" else VGCL_DOCUMENT)[1],
                issuer=Issuer.VGCL,
                version=2 if code == "members_admitted" else 1,
            )
            for code, value in targets.items()
        ]
        + [
            Target(
                federation=federation,
                union=union,
                indicator=indicator,
                year=YEAR,
                value=value,
                document_number=ALLOCATION_DOCUMENT[0],
                document_date=ALLOCATION_DOCUMENT[1],
                issuer=Issuer.FEDERATION,
            )
            for union, indicator, value in _allocations(demo, federation, by_code, targets)
        ]
    )
    revisions = []
    for target in Target.objects.filter(pk__in=[t.pk for t in created]).select_related("indicator"):
        first_value = target.value
        if target.union_id is None and target.indicator.code == "members_admitted":
            # first set lower in January, raised in June
            first_value = _round_like_a_document(target.value * Decimal("0.95"), target.indicator)
            revisions.append(
                TargetRevision(
                    target=target,
                    number=2,
                    value=target.value,
                    document_number=VGCL_REVISION[0],
                    document_date=VGCL_REVISION[1],
                    issuer=Issuer.VGCL,
                    reason="Điều chỉnh chỉ tiêu giữa năm",
                )
            )
        document = VGCL_DOCUMENT if target.union_id is None else ALLOCATION_DOCUMENT
        revisions.append(
            TargetRevision(
                target=target,
                number=1,
                value=first_value,
                document_number=document[0],
                document_date=document[1],
                issuer=target.issuer,
            )
        )
    TargetRevision.objects.bulk_create(revisions)
    TargetRevision.objects.filter(target__federation=federation).update(changed_at=now)


# --- Quarterly returns ---------------------------------------------------------------------------


KIND_FIELDS = {
    MovementKind.ADMITTED: "members_admitted",
    MovementKind.TRANSFERRED_IN: "members_transferred_in",
    MovementKind.TRANSFERRED_OUT: "members_transferred_out",
    MovementKind.LEFT: "members_left",
    MovementKind.READMITTED: "members_readmitted",
    MovementKind.DECEASED: "members_deceased",
}


def _roll_by_union(federation, start: date, end: date) -> dict[int, dict[str, int]]:
    """Each union's roll counts for the period: the same sums as members.selectors.roll_counts,
    grouped by union in one query."""
    in_period = Q(date__gte=start, date__lte=end)
    rows = (
        Movement.objects.filter(union__federation=federation, date__lte=end)
        .order_by()
        .values("union_id")
        .annotate(
            members_opening=Sum("delta", filter=Q(date__lt=start), default=0),
            members_closing=Sum("delta", default=0),
            members_female=Sum("delta", filter=Q(member__gender="female"), default=0),
            **{name: Count("pk", filter=in_period & Q(kind=kind)) for kind, name in KIND_FIELDS.items()},
        )
    )
    return {row.pop("union_id"): row for row in rows}


def _moment(day: date, rng) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(7, 20), rng.randint(0, 59))))


def _write_returns(demo: Demo, federation) -> dict[str, int]:
    rng = demo.rng("reports_returns")
    zone_now = timezone.now()
    rows, quarters = [], []
    counts: dict[str, int] = defaultdict(int)
    for quarter in (1, 2, 3, 4):
        period = quarter_period(federation, YEAR, quarter)
        deadline = default_deadline(federation, YEAR, quarter)
        closed = quarter < 4
        quarters.append(
            ReportingQuarter(
                federation=federation,
                year=YEAR,
                quarter=quarter,
                deadline=deadline,
                closed_at=_moment(deadline + timedelta(days=25), rng) if closed else None,
            )
        )
        roll = _roll_by_union(federation, period.start, period.end)
        for union in owing_unions(federation, path=federation.path, year=YEAR, quarter=quarter).order_by("code"):
            agency = union.sector in AGENCY_SECTORS
            draw = rng.random()
            if quarter == 1 and agency:
                draw = 0.5  # agencies report their conference quarter, on time
            if draw < 0.03:
                counts["missing"] += 1
                continue  # never filed
            late = draw > 0.92
            # on time: from the day after the quarter ends (the earliest a return can be
            # submitted) to the deadline; late: up to 20 days after it
            if late:
                submitted_on = deadline + timedelta(days=rng.randint(1, 20))
            else:
                submitted_on = period.end + timedelta(days=rng.randint(1, max(1, (deadline - period.end).days)))
            if quarter == 4:
                status = rng.choices(
                    [ReturnStatus.APPROVED, ReturnStatus.SUBMITTED, ReturnStatus.RETURNED], [0.86, 0.11, 0.03]
                )[0]
            else:
                status = ReturnStatus.LOCKED
            figures = roll.get(union.pk) or dict.fromkeys(("members_opening", "members_closing", "members_female"), 0)
            closing = figures.get("members_closing", 0)
            workers = max(union.worker_count or 0, closing)
            female_share = (figures.get("members_female", 0) / closing) if closing else 0.5
            submitted_at = _moment(submitted_on, rng)
            decided = status in (ReturnStatus.APPROVED, ReturnStatus.LOCKED, ReturnStatus.RETURNED)
            rows.append(
                QuarterlyReturn(
                    federation=federation,
                    union=union,
                    year=YEAR,
                    quarter=quarter,
                    ends_on=period.end,
                    status=status,
                    version=3 if decided else 2,
                    **{name: figures.get(name, 0) for name in (*KIND_FIELDS.values(), "members_opening")},
                    members_closing=closing,
                    members_female=figures.get("members_female", 0),
                    counts_at=submitted_at,
                    workers_total=workers,
                    workers_female=max(figures.get("members_female", 0), round(workers * female_share)),
                    annual_conference_on=(
                        period.start + timedelta(days=rng.randint(10, 70)) if agency and quarter == 1 else None
                    ),
                    collective_agreement=union.kind == Kind.ENTERPRISE
                    and union.sector != Sector.COOPERATIVE
                    and (union.worker_count or 0) >= 25
                    and rng.random() < 0.6,
                    dialogues=rng.choice((0, 0, 1, 1, 2)) if union.kind == Kind.ENTERPRISE else 0,
                    occupational_accidents=1 if rng.random() < 0.01 else 0,
                    work_stoppages=0,
                    first_submitted_at=submitted_at,
                    submitted_at=submitted_at,
                    decided_at=submitted_at + timedelta(days=3) if decided else None,
                    comment="Đề nghị bổ sung số lao động nữ." if status == ReturnStatus.RETURNED else "",
                    locked_at=_moment(deadline + timedelta(days=25), rng) if status == ReturnStatus.LOCKED else None,
                    status_before_lock=ReturnStatus.APPROVED if status == ReturnStatus.LOCKED else "",
                )
            )
            counts["late" if late else "on_time"] += 1
    ReportingQuarter.objects.bulk_create(quarters)
    QuarterlyReturn.objects.bulk_create(rows, batch_size=500)
    QuarterlyReturn.objects.filter(federation=federation).update(created_at=zone_now)
    counts["returns"] = len(rows)
    return dict(counts)


def step_reports(demo: Demo) -> None:
    """The 2024 targets, their allocation, and four quarters of returns (needs the roll and the
    welfare year of the same load)."""
    federation = demo.federation
    demo.report_counts = _write_returns(demo, federation)
    _write_targets(demo, federation)


def report_figures(federation) -> dict:
    """The 2024 report as the dashboard shows it."""
    report = unit_report(federation=federation, year=YEAR)
    admitted = report.row("members_admitted")
    return {
        "achieved_or_exceeded": report.achieved_or_exceeded,
        "targets": report.targets,
        "admitted": admitted.actual,
        "admitted_target": admitted.target_value,
        "admitted_percent": admitted.percent,
        "returns": QuarterlyReturn.objects.filter(federation=federation, year=YEAR).count(),
    }
