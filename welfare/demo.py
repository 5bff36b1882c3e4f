"""The demo federation's welfare year (PRODUCT.md §5, DOMAIN.md "Welfare"): the `welfare` step
of `federation.demo`, run once the member roll is written.

2024 as the seed articles tell it: Tet care for more than 128,000 person-times and 38 billion
dong (article 000), of which the federation's own 3,600-odd gifts worth 2 billion (article 003);
127 Union Shelters handed over with 5.67 billion dong of support (article 004); 7 Trade Union
Meals for 1,352 members, a health check-up for 230 mining and processing workers and a social
fund that raised 1.4 billion (article 002); Workers' Month visits, hardship support, a Tet
market and a bus home for Tet. The first half of 2025 follows at the same pace, up to the
demo's last day (`ROLL_UNTIL`). Every figure of `WelfarePlan` comes out exactly; what is drawn
at random (who organized what, when, for whom) comes from the step's own random stream.

Named beneficiaries are kept to a realistic share (the federation's gifts, a few grassroots
lists, the superiors' visits, meals, check-ups, shelters, fund payouts): tens of thousands of
rows at the province scale, not one per person-time. Members reached at two levels (the
federation's gift and their union's list) make the distinct persons fewer than the rows.

Rows are written in bulk, as the roll steps write members; the audit trail gets the creation of
the occasions, the fund and the shelters (the records people open one by one), not of every
activity or beneficiary.
"""

import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType

from federation.demo import (
    ROLL_UNTIL,
    Demo,
    DemoError,
    Person,
    _apportion,
    _day_in,
    _weighted_sample,
    _workday,
    insert_rows,
)
from federation.models import AuditLog
from federation.text import fold
from members.models import MOVEMENT_DELTA, Member
from unions.models import Kind, Level, Sector, Union

from .models import (
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
    SupportForm,
)

# --- The plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    """Person-times and dong of a program over a period, every organizer together."""

    person_times: int
    amount: int


@dataclass(frozen=True)
class ShelterRound:
    """Union Shelters approved in a year, by where they stand on the demo's last day."""

    handed_over: int
    building: int
    approved: int
    cancelled: int


@dataclass(frozen=True)
class FundYear:
    raised: int  # contributions to the social fund in the period, in dong (a multiple of 100,000)
    contributions: int  # how many


@dataclass(frozen=True)
class WelfarePlan:
    tet_2024: Round  # Tet care in 2024, every level (article 000: > 128,000 and > 38 billion)
    tet_2024_federation: Round  # ... of which the federation's gifts (article 003: > 3,600, > 2 billion)
    tet_2025: Round
    tet_2025_federation: Round
    workers_2024: Round  # Workers' Month visits and gifts, May 2024
    workers_2024_federation: Round
    workers_2025: Round
    workers_2025_federation: Round
    hardship_2024: Round  # hardship support over the year
    hardship_2025: Round  # ... and in the first half of 2025
    # Members helped from the social fund by the federation itself, quarter by quarter.
    hardship_federation_2024: tuple[int, ...]
    hardship_federation_2025: tuple[int, ...]
    meals_2024: tuple[int, ...]  # person-times of each Trade Union Meal (article 002: 7 for 1,352)
    meals_2025: tuple[int, ...]
    health_check_2024: int  # mining and processing workers checked (article 002: 230)
    tet_market_2024: Round
    tet_market_2025: Round
    tet_trip_2024: Round
    tet_trip_2025: Round
    shelters_2024: int  # handed over in 2024 (article 004: 127 ...
    shelter_repairs_2024: int  # ... of which repairs
    shelter_support_2024: int  # ... with this support, in dong (article 004: > 5.67 billion)
    shelters_2025: ShelterRound
    social_fund_before_2024: FundYear  # the fund opened in November 2023
    social_fund_2024: FundYear  # article 002: 1.4 billion
    social_fund_2025: FundYear  # January to June
    named_lists: float  # share of grassroots unions whose Tet list names its members
    superiors_share: float = 0.06  # of the Tet person-times beyond the federation's own gifts


WELFARE_PLANS: dict[str, WelfarePlan] = {
    "small": WelfarePlan(
        tet_2024=Round(476, 141_850_000),
        tet_2024_federation=Round(14, 7_840_000),
        tet_2025=Round(489, 146_300_000),
        tet_2025_federation=Round(14, 7_980_000),
        workers_2024=Round(36, 12_400_000),
        workers_2024_federation=Round(3, 1_500_000),
        workers_2025=Round(38, 13_100_000),
        workers_2025_federation=Round(3, 1_500_000),
        hardship_2024=Round(10, 42_000_000),
        hardship_2025=Round(6, 26_000_000),
        hardship_federation_2024=(1, 0, 1, 1),
        hardship_federation_2025=(1, 1),
        meals_2024=(36,),
        meals_2025=(40,),
        health_check_2024=12,
        tet_market_2024=Round(40, 12_000_000),
        tet_market_2025=Round(42, 12_600_000),
        tet_trip_2024=Round(8, 4_800_000),
        tet_trip_2025=Round(8, 4_800_000),
        shelters_2024=3,
        shelter_repairs_2024=1,
        shelter_support_2024=132_000_000,
        shelters_2025=ShelterRound(handed_over=1, building=1, approved=1, cancelled=1),
        social_fund_before_2024=FundYear(18_000_000, 2),
        social_fund_2024=FundYear(26_500_000, 5),
        social_fund_2025=FundYear(14_200_000, 3),
        named_lists=0.2,
    ),
    "province": WelfarePlan(
        tet_2024=Round(128_460, 38_214_500_000),
        tet_2024_federation=Round(3_620, 2_036_000_000),
        tet_2025=Round(131_270, 39_480_000_000),
        tet_2025_federation=Round(3_700, 2_105_000_000),
        workers_2024=Round(9_480, 3_215_000_000),
        workers_2024_federation=Round(500, 250_000_000),
        workers_2025=Round(9_860, 3_390_000_000),
        workers_2025_federation=Round(520, 260_000_000),
        hardship_2024=Round(1_240, 2_480_000_000),
        hardship_2025=Round(610, 1_260_000_000),
        hardship_federation_2024=(42, 36, 30, 48),
        hardship_federation_2025=(40, 38),
        meals_2024=(312, 246, 198, 180, 164, 140, 112),
        meals_2025=(286, 224, 190, 176, 150, 132, 118, 96, 88),
        health_check_2024=230,
        tet_market_2024=Round(3_500, 1_050_000_000),
        tet_market_2025=Round(3_800, 1_140_000_000),
        tet_trip_2024=Round(620, 372_000_000),
        tet_trip_2025=Round(680, 408_000_000),
        shelters_2024=127,
        shelter_repairs_2024=46,
        shelter_support_2024=5_672_000_000,
        shelters_2025=ShelterRound(handed_over=24, building=11, approved=8, cancelled=3),
        social_fund_before_2024=FundYear(612_000_000, 6),
        social_fund_2024=FundYear(1_412_600_000, 64),
        social_fund_2025=FundYear(738_400_000, 31),
        named_lists=0.05,
    ),
}

# (key, name, from, to): the campaigns activities are recorded under.
OCCASIONS = (
    ("tet_2024", "Tết Giáp Thìn 2024", date(2024, 1, 8), date(2024, 2, 24)),
    ("workers_2024", "Tháng Công nhân 2024", date(2024, 5, 1), date(2024, 5, 31)),
    ("tet_2025", "Tết Ất Tỵ 2025", date(2025, 1, 2), date(2025, 2, 12)),
    ("workers_2025", "Tháng Công nhân 2025", date(2025, 5, 1), date(2025, 5, 31)),
)
# When each kind of activity is held (Tet falls on 10 February 2024 and 29 January 2025).
TET_DAYS = {"tet_2024": (date(2024, 1, 15), date(2024, 2, 7)), "tet_2025": (date(2025, 1, 6), date(2025, 1, 27))}
WORKERS_DAYS = {
    "workers_2024": (date(2024, 5, 2), date(2024, 5, 31)),
    "workers_2025": (date(2025, 5, 2), date(2025, 5, 30)),
}
YEAR_2024 = (date(2024, 1, 1), date(2024, 12, 31))
H1_2025 = (date(2025, 1, 1), ROLL_UNTIL)
MEAL_PER_HEAD = 100_000
HEALTH_CHECK_PER_HEAD = 700_000
SOCIAL_FUND_NAME = "Quỹ Xã hội Công đoàn tỉnh"
# What the federation's social fund puts into a shelter it runs: a new house, a repair.
SHELTER_FROM_FUND = (20_000_000, 10_000_000)
HARDSHIP_GRANTS = (3_000_000, 5_000_000, 5_000_000, 7_000_000, 10_000_000)
ENTERPRISE_SECTORS = {Sector.NON_STATE_ENTERPRISE, Sector.FDI_ENTERPRISE, Sector.STATE_ENTERPRISE}
MINING_WORDS = ("Khoáng sản", "Vật liệu xây dựng", "Bê tông", "Đá ")
SPONSORS = (  # {place}: the federation's province (`DemoFederation.place`)
    "Ngân hàng TMCP Công Thương Việt Nam – Chi nhánh {place}",
    "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam – Chi nhánh {place}",
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn – Chi nhánh {place}",
    "Ngân hàng Chính sách xã hội – Chi nhánh {place}",
    "Bảo hiểm xã hội tỉnh {place}",
    "Cán bộ, công chức Cơ quan Liên đoàn Lao động tỉnh (một ngày lương)",
)
CANCEL_REASONS = (
    "Đoàn viên chuyển công tác ra ngoài tỉnh",
    "Gia đình tự xây dựng, không nhận hỗ trợ",
    "Đất ở chưa đủ điều kiện xây dựng",
)
DECISION_SIGN = {
    None: "LĐLĐ",
    Kind.DISTRICT_FEDERATION: "LĐLĐ",
    Kind.INDUSTRY_UNION: "CĐN",
    Kind.ZONE_UNION: "CĐKCN",
    Kind.AGENCY_UNION: "CĐCQ",
    Kind.CORPORATION_UNION: "CĐTCT",
}

# --- Who is on which roll when -----------------------------------------------------------------


def _unit_on(person: Person, day: date):
    """The unit whose roll holds `person` on `day`, or None (from the planned movements)."""
    events = person.events
    if events[0][0] > day:
        return None
    if len(events) == 1:
        return events[0][2]
    unit = None
    for event in events:
        if event[0] > day:
            break
        unit = event[2] if MOVEMENT_DELTA[event[1]] > 0 else None
    return unit


@dataclass
class Roster:
    """The rolls over a window: how many members each unit had at its start, and who stayed on
    the roll of the unit that holds them today from its start to its end (the members a list of
    the window may name: `services.member_in_reach` goes by today's union)."""

    start: date
    end: date
    on_roll: dict[str, int] = field(default_factory=dict)
    steady: dict[str, list[Person]] = field(default_factory=dict)


def _roster(people: list[Person], start: date, end: date) -> Roster:
    roster = Roster(start, end)
    on_roll, steady = defaultdict(int), defaultdict(list)
    for person in people:
        first = _unit_on(person, start)
        if first is not None:
            on_roll[first.code] += 1
        if first is person.unit and _unit_on(person, end) is person.unit:
            steady[person.unit.code].append(person)
    roster.on_roll, roster.steady = dict(on_roll), dict(steady)
    return roster


# --- Building the records ----------------------------------------------------------------------


def _draw(rng: random.Random, pool: list[Person], cum_weights: list[float], k: int) -> list[Person]:
    """`k` different people of `pool`, each drawn in proportion to its weight (`cum_weights`:
    the running sums), in pool order. Drawing with replacement and dropping repeats is quick
    for the few thousand of a hundred thousand that the federation's lists name."""
    if k > len(pool):
        raise DemoError(f"Cannot choose {k} of {len(pool)}.")
    if k > len(pool) // 2:
        return sorted(_weighted_sample(rng, pool, _weights(cum_weights), k), key=lambda p: p.index)
    chosen: dict[int, Person] = {}
    while len(chosen) < k:
        for person in rng.choices(pool, cum_weights=cum_weights, k=k - len(chosen)):
            chosen.setdefault(person.index, person)
    return sorted(chosen.values(), key=lambda p: p.index)


def _weights(cum_weights: list[float]) -> list[float]:
    return [b - a for a, b in zip([0.0, *cum_weights[:-1]], cum_weights, strict=True)]


def _split(amount: int, shares: dict[str, float]) -> dict[str, int]:
    """`amount` by source: each share in whole thousands of dong, the rest from union funds."""
    parts = {name: int(amount * share) // 1000 * 1000 for name, share in shares.items()}
    parts["amount_union_funds"] = amount - sum(parts.values())
    return parts


def _in_thousands(total: int, weights: list[float]) -> list[int]:
    """`total` dong split in proportion to `weights`, in whole thousands of dong."""
    if total % 1000:
        raise DemoError(f"{total} is not a whole number of thousands of dong.")
    return [n * 1000 for n in _apportion(total // 1000, weights, [total // 1000] * len(weights))]


def _fill_amounts(count: int, total: int, base: int, step: int) -> list[int]:
    """`count` amounts of `base` dong, a few raised by `step` (the hardest cases), adding up to
    `total`; the last raised one takes the remainder."""
    extra = total - count * base
    if extra < 0:
        raise DemoError(f"{total} dong cannot give {count} people {base} each.")
    raised, rest = divmod(extra, step)
    amounts = [base] * count
    for i in range(min(raised, count)):
        amounts[i] += step
    amounts[min(raised, count - 1)] += rest + max(0, raised - count) * step
    return amounts


@dataclass
class _Record:
    activity: Activity
    named: list[tuple[Person, int | None, str]] = field(default_factory=list)
    # for a federation hardship round paid from the social fund: the payouts asked for
    payouts: list[tuple[Person, int]] = field(default_factory=list)


@dataclass
class _ShelterPlan:
    shelter: Shelter
    person: Person
    wanted_from_fund: int = 0


class _Builder:
    def __init__(self, demo: Demo, plan: WelfarePlan, rng: random.Random):
        if demo.roll is None:
            raise DemoError("The welfare step needs the member roll.")
        self.demo, self.plan, self.rng = demo, plan, rng
        self.federation = demo.federation
        self.people = demo.roll.people
        self.specs = {s.code: s for s in demo.specs}
        self.unions: dict[str, Union] = demo.unions
        self.grassroots = [s.code for s in demo.specs if s.level == Level.GRASSROOTS]
        self.superiors = [s.code for s in demo.specs if s.level == Level.SUPERIOR]
        # The grassroots unions below each superior today.
        self.below: dict[str, list[str]] = {
            sup: [g for g in self.grassroots if self.unions[g].path.startswith(self.unions[sup].path)]
            for sup in self.superiors
        }
        self.occasions: dict[str, Occasion] = {}
        self.records: list[_Record] = []
        self.shelters: list[_ShelterPlan] = []
        self.housed: set[int] = set()  # people with a new house
        self.contributions: list[tuple[date, int, str]] = []
        self._steady: dict[tuple, list[Person]] = {}
        self._need: dict[tuple, list[float]] = {}
        self.rosters = {
            "tet_2024": _roster(self.people, *TET_DAYS["tet_2024"]),
            "workers_2024": _roster(self.people, *WORKERS_DAYS["workers_2024"]),
            "year_2024": _roster(self.people, *YEAR_2024),
            "tet_2025": _roster(self.people, *TET_DAYS["tet_2025"]),
            "workers_2025": _roster(self.people, *WORKERS_DAYS["workers_2025"]),
            "h1_2025": _roster(self.people, *H1_2025),
        }

    # --- helpers

    def day(self, start: date, end: date) -> date:
        return _workday(_day_in(self.rng, start, end), start)

    def open_grassroots(self, start: date, end: date) -> list[str]:
        return [
            code
            for code in self.grassroots
            if self.specs[code].established_on <= start
            and (self.specs[code].closed_on is None or self.specs[code].closed_on > end)
        ]

    def open_superiors(self, start: date, end: date) -> list[str]:
        return [
            code
            for code in self.superiors
            if self.unions[code].established_on <= start
            and (self.unions[code].closed_on is None or self.unions[code].closed_on > end)
        ]

    def steady_under(self, roster: Roster, superior: str | None) -> list[Person]:
        """The roster's steady members under a superior today (None: the whole federation)."""
        key = (roster.start, roster.end, superior)
        if key not in self._steady:
            codes = self.grassroots if superior is None else self.below[superior]
            self._steady[key] = [p for code in codes for p in roster.steady.get(code, ())]
        return self._steady[key]

    def in_need(self, roster: Roster, k: int) -> list[Person]:
        """`k` steady members of the whole federation, drawn by `need_weight`."""
        pool = self.steady_under(roster, None)
        key = (roster.start, roster.end)
        if key not in self._need:
            weight = {code: self.need_weight(code) for code in self.grassroots}
            self._need[key] = list(itertools.accumulate(weight[p.unit.code] for p in pool))
        return _draw(self.rng, pool, self._need[key], min(k, len(pool)))

    def is_enterprise(self, code: str) -> bool:
        return self.specs[code].sector in ENTERPRISE_SECTORS

    def need_weight(self, code: str) -> float:
        """Who the federation's gifts go to: workers of enterprises, cooperatives and the
        self-employed more than staff of state bodies."""
        spec = self.specs[code]
        if spec.kind in (Kind.COOPERATIVE, Kind.OCCUPATIONAL_UNION):
            return 2.0
        return 1.5 if spec.sector in ENTERPRISE_SECTORS else 0.5

    def add(
        self,
        union_code: str | None,
        program: str,
        occasion: str | None,
        title: str,
        held_on: date,
        person_times: int,
        amount: int,
        shares: dict[str, float],
        support_form: str = "",
    ) -> _Record:
        activity = Activity(
            federation=self.federation,
            union=self.unions[union_code] if union_code else None,
            program=program,
            occasion=self.occasions[occasion] if occasion else None,
            title=title,
            search_text=fold(title),
            held_on=held_on,
            support_form=support_form,
            person_times=person_times,
            **_split(amount, shares),
        )
        record = _Record(activity)
        self.records.append(record)
        return record

    def grassroots_shares(self, code: str) -> dict[str, float]:
        rng = self.rng
        if self.is_enterprise(code):  # the employer pays a good part ("xã hội hóa")
            return {"amount_sponsors": rng.uniform(0.35, 0.6), "amount_other": rng.uniform(0, 0.05)}
        return {"amount_sponsors": rng.uniform(0, 0.1), "amount_other": rng.uniform(0.05, 0.2)}

    def superior_shares(self) -> dict[str, float]:
        return {"amount_sponsors": self.rng.uniform(0.2, 0.4), "amount_other": self.rng.uniform(0, 0.1)}

    # --- steps

    def make_occasions(self) -> None:
        for key, name, starts_on, ends_on in OCCASIONS:
            self.occasions[key] = Occasion(federation=self.federation, name=name, starts_on=starts_on, ends_on=ends_on)

    def spread(
        self,
        *,
        program: str,
        occasion: str,
        days: tuple[date, date],
        total: Round,
        federation: Round,
        superiors_share: float,
        participation: float,
        rates: tuple[int, int],
        titles: tuple[str, str, str],
        support_forms: tuple[str, ...],
        named_lists: float,
    ) -> None:
        """One program's round over the federation: the federation's own activity (every
        recipient named), one for each direct-superior union (half of them named, some of them
        also on the federation's list) and one for each participating grassroots union (a few
        with the whole list named), adding up to `total`."""
        rng = self.rng
        start, end = days
        roster = self.rosters[occasion]
        name = self.occasions[occasion].name
        fed_title, superior_title, grassroots_title = (t.format(occasion=name) for t in titles)

        # The federation: everyone named, gifts of 500,000 dong, more for the hardest cases.
        chosen = self.in_need(roster, federation.person_times)
        shares = {"amount_sponsors": 0.28} if program == Program.TET_CARE else {"amount_sponsors": 0.2}
        record = self.add(
            None,
            program,
            occasion,
            fed_title,
            self.day(start, end),
            federation.person_times,
            federation.amount,
            shares,
            SupportForm.MIXED,
        )
        notes = ["Tai nạn lao động", "Bệnh hiểm nghèo", "Hoàn cảnh đặc biệt khó khăn"]
        gifts = [
            (amount, rng.choice(notes) if amount > 500_000 else "")
            for amount in _fill_amounts(federation.person_times, federation.amount, 500_000, 1_000_000)
        ]
        rng.shuffle(gifts)
        record.named = [(person, amount, note) for person, (amount, note) in zip(chosen, gifts, strict=False)]
        on_federation_list = {p.index for p in chosen}

        rest_times = total.person_times - federation.person_times
        rest_amount = total.amount - federation.amount
        superiors = [s for s in self.open_superiors(start, end) if any(roster.on_roll.get(g) for g in self.below[s])]
        superior_times = round(rest_times * superiors_share) if superiors else 0
        weights = [sum(roster.on_roll.get(g, 0) for g in self.below[s]) * rng.uniform(0.8, 1.2) for s in superiors]
        superior_counts = _apportion(superior_times, weights, [superior_times] * len(superiors))
        units = [
            code
            for code in self.open_grassroots(start, end)
            if roster.on_roll.get(code) and (rng.random() < participation)
        ]
        if not units:
            units = sorted(self.open_grassroots(start, end), key=lambda c: -roster.on_roll.get(c, 0))[:1]
        weights = [roster.on_roll.get(code, 0) * rng.uniform(0.9, 1.15) for code in units]
        caps = [self.specs[code].worker_count for code in units]
        unit_counts = _apportion(rest_times - superior_times, weights, caps)

        organizers = [(s, n, rates[0]) for s, n in zip(superiors, superior_counts, strict=True)]
        organizers += [(g, n, rates[1]) for g, n in zip(units, unit_counts, strict=True)]
        organizers = [(code, n, rate) for code, n, rate in organizers if n > 0]
        money = _in_thousands(rest_amount, [n * rate * rng.uniform(0.7, 1.3) for _, n, rate in organizers])
        for (code, times, _rate), amount in zip(organizers, money, strict=True):
            superior = self.specs[code].level == Level.SUPERIOR
            record = self.add(
                code,
                program,
                occasion,
                superior_title if superior else grassroots_title,
                self.day(start, end),
                times,
                amount,
                self.superior_shares() if superior else self.grassroots_shares(code),
                rng.choice(support_forms),
            )
            per_head = amount // times // 10_000 * 10_000
            if superior:
                pool = self.steady_under(roster, code)
                wanted = min(times // 2, len(pool))
                # Some of the superior's visits go to members the federation also helped.
                again = [p for p in pool if p.index in on_federation_list][: max(1, wanted // 10)]
                others = [p for p in pool if p.index not in on_federation_list]
                picked = again[:wanted] + rng.sample(others, min(wanted - len(again[:wanted]), len(others)))
                record.named = [(p, per_head, "") for p in sorted(picked, key=lambda p: p.index)]
            elif rng.random() < named_lists:
                pool = roster.steady.get(code, [])
                picked = pool if len(pool) <= times else rng.sample(pool, times)
                record.named = [(p, per_head, "") for p in sorted(picked, key=lambda p: p.index)]

    def hardship(self, *, period: tuple[date, date], total: Round, quarters: tuple[int, ...], roster: str) -> None:
        """Hardship support over a period: the federation's quarterly grants from the social fund
        (every recipient named, each grant a fund payout), and the unions' own."""
        rng = self.rng
        start, end = period
        roster_ = self.rosters[roster]
        everyone = self.in_need(roster_, sum(quarters))
        rng.shuffle(everyone)
        given_times = given_amount = 0
        for quarter, count in enumerate(quarters, start=1):
            if not count:
                continue
            held_on = _workday(date(start.year, quarter * 3, 20), start)
            chosen, everyone = sorted(everyone[:count], key=lambda p: p.index), everyone[count:]
            grants = [rng.choice(HARDSHIP_GRANTS) for _ in chosen]
            title = (
                f"Trợ cấp khó khăn đột xuất từ {SOCIAL_FUND_NAME}, quý {'I' * quarter if quarter < 4 else 'IV'}"
                f"/{start.year}"
            )
            record = self.add(None, Program.HARDSHIP, None, title, held_on, count, sum(grants), {}, SupportForm.CASH)
            reasons = ["Ốm đau dài ngày", "Tai nạn lao động", "Bệnh nghề nghiệp", "Gia đình gặp thiên tai"]
            record.named = [(p, g, rng.choice(reasons)) for p, g in zip(chosen, grants, strict=True)]
            record.payouts = list(zip(chosen, grants, strict=True))
            given_times += count
            given_amount += sum(grants)
        rest_times, rest_amount = total.person_times - given_times, total.amount - given_amount
        if rest_times <= 0 or rest_amount <= 0:
            raise DemoError("The federation's hardship grants exceed the plan's hardship total.")
        organizers = self.open_superiors(start, end)
        organizers += [c for c in self.open_grassroots(start, end) if roster_.on_roll.get(c) and rng.random() < 0.08]
        weights = [rng.uniform(1, 3) * (4 if self.specs[c].level == Level.SUPERIOR else 1) for c in organizers]
        caps = [50 if self.specs[c].level == Level.SUPERIOR else 10 for c in organizers]
        counts = _apportion(rest_times, weights, caps)
        chosen = [(c, n) for c, n in zip(organizers, counts, strict=True) if n > 0]
        money = _in_thousands(rest_amount, [n * rng.choice((2, 3, 5)) for _, n in chosen])
        for (code, times), amount in zip(chosen, money, strict=True):
            superior = self.specs[code].level == Level.SUPERIOR
            title = "Hỗ trợ đoàn viên ốm đau, tai nạn lao động, hoàn cảnh khó khăn"
            shares = self.superior_shares() if superior else {"amount_other": rng.uniform(0, 0.3)}
            self.add(code, Program.HARDSHIP, None, title, self.day(start, end), times, amount, shares, SupportForm.CASH)

    def meals(self, *, sizes: tuple[int, ...], occasion: str, later: tuple[date, date], roster: str) -> None:
        """Trade Union Meals (Bữa cơm Công đoàn), held by enterprises' unions with the employer:
        the first ones in Workers' Month, the others later in the year; participants who are
        members are named."""
        rng = self.rng
        roster_ = self.rosters[roster]
        start, end = WORKERS_DAYS[occasion]
        taken: set[str] = set()
        for i, size in enumerate(sizes):
            in_month = i < math.ceil(len(sizes) * 0.6)
            first, last = (start, end) if in_month else later
            units = [c for c in self.open_grassroots(first, last) if c not in taken and roster_.on_roll.get(c)]
            fitting = [c for c in units if self.is_enterprise(c) and self.specs[c].worker_count >= size]
            units = fitting or [c for c in units if self.specs[c].worker_count >= size] or units
            code = _weighted_sample(rng, units, [roster_.on_roll[c] for c in units], 1)[0]
            taken.add(code)
            title = f"Bữa cơm Công đoàn năm {first.year}"
            record = self.add(
                code,
                Program.MEAL,
                occasion if in_month else None,
                title,
                self.day(first, last),
                size,
                size * MEAL_PER_HEAD,
                {"amount_sponsors": 0.6},
                SupportForm.SERVICE,
            )
            pool = roster_.steady.get(code, [])
            picked = pool if len(pool) <= size else rng.sample(pool, size)
            record.named = [(p, None, "") for p in sorted(picked, key=lambda p: p.index)]

    def health_check(self, count: int) -> None:
        """A check-up for mining and processing workers, with the province's disease-control
        centre (article 002: 230 workers); the members among them named."""
        roster = self.rosters["year_2024"]
        mining = [c for c in self.grassroots if any(w in self.specs[c].name for w in MINING_WORDS)]
        pool = [p for c in mining for p in roster.steady.get(c, ())]
        if len(pool) < count:
            pool += [
                p
                for c in self.grassroots
                if self.is_enterprise(c) and c not in mining
                for p in roster.steady.get(c, ())
            ]
        title = "Khám sức khỏe, phòng chống bệnh nghề nghiệp cho công nhân khai thác, chế biến khoáng sản"
        record = self.add(
            None,
            Program.HEALTH_CHECK,
            "workers_2024",
            title,
            date(2024, 5, 22),
            count,
            count * HEALTH_CHECK_PER_HEAD,
            {"amount_sponsors": 0.4},
            SupportForm.SERVICE,
        )
        picked = self.rng.sample(pool, min(count, len(pool)))
        record.named = [(p, None, "") for p in sorted(picked, key=lambda p: p.index)]

    def tet_extras(self, occasion: str, market: Round, trip: Round) -> None:
        """The Trade Union Tet Market (by the industrial zones' union when there is one) and the
        bus home for Tet."""
        start, end = TET_DAYS[occasion]
        name = self.occasions[occasion].name
        zone = next((c for c in self.open_superiors(start, end) if self.specs[c].kind == Kind.ZONE_UNION), None)
        self.add(
            zone,
            Program.TET_MARKET,
            occasion,
            f"Chợ Tết Công đoàn {name.removeprefix('Tết ')}",
            end - timedelta(days=5),
            market.person_times,
            market.amount,
            {"amount_sponsors": 0.6},
            SupportForm.VOUCHERS,
        )
        self.add(
            None,
            Program.TET_TRIP,
            occasion,
            f"Chuyến xe Công đoàn đưa công nhân về quê đón {name}",
            end - timedelta(days=2),
            trip.person_times,
            trip.amount,
            {"amount_sponsors": 0.7},
            SupportForm.SERVICE,
        )

    # --- Union Shelters

    def runner(self, start: date, end: date) -> str | None:
        """Who runs a shelter: the federation for about a third, else a superior by its size."""
        superiors = [s for s in self.open_superiors(start, end) if self.below[s]]
        if not superiors or self.rng.random() < 0.3:
            return None
        weights = [len(self.below[s]) for s in superiors]
        return self.rng.choices(superiors, weights=weights)[0]

    def shelter(
        self,
        *,
        runner: str | None,
        roster: Roster,
        is_repair: bool,
        support: int,
        approved_on: date,
        status: str,
        started_on=None,
        handed_over_on=None,
        cancelled_on=None,
        cancel_reason="",
    ) -> None:
        rng = self.rng
        pool = self.steady_under(roster, runner)
        person = rng.choice(pool)
        while person.index in self.housed:
            person = rng.choice(pool)
        if not is_repair:
            self.housed.add(person.index)
        own = rng.uniform(1.1, 1.8) if is_repair else rng.uniform(1.4, 3.0)
        shares = {"amount_sponsors": rng.uniform(0.2, 0.45), "amount_other": rng.uniform(0, 0.1)}
        kind = self.unions[runner].kind if runner else None
        number = len(self.shelters) + 1
        shelter = Shelter(
            federation=self.federation,
            union=self.unions[runner] if runner else None,
            member_id=self.demo_member_id(person),
            is_repair=is_repair,
            address=person.address or f"Thôn {rng.randint(1, 15)}, {person.unit.ward.full}",
            total_cost=round(support * own, -6),
            status=status,
            decision_number=f"{100 + number * 3}/QĐ-{DECISION_SIGN[kind]}",
            approved_on=approved_on,
            started_on=started_on,
            handed_over_on=handed_over_on,
            cancelled_on=cancelled_on,
            cancel_reason=cancel_reason,
            **_split(support, shares),
        )
        wanted = SHELTER_FROM_FUND[is_repair] if runner is None and status != ShelterStatus.CANCELLED else 0
        self.shelters.append(_ShelterPlan(shelter, person, min(wanted, shelter.amount_union_funds)))

    def shelters_2024(self) -> None:
        """The houses handed over in 2024: approved from late 2023, handed over through the year,
        many before Tet; their support adds up to the plan's."""
        rng, plan = self.rng, self.plan
        roster = self.rosters["year_2024"]
        count, repairs = plan.shelters_2024, plan.shelter_repairs_2024
        kinds = [True] * repairs + [False] * (count - repairs)
        rng.shuffle(kinds)
        draws = [rng.uniform(15, 35) if repair else rng.uniform(40, 70) for repair in kinds]
        supports = [n * 1_000_000 for n in _apportion(plan.shelter_support_2024 // 1_000_000, draws, [200] * count)]
        months = list(range(1, 13))
        month_weights = [22, 6, 6, 6, 14, 5, 5, 6, 10, 7, 6, 7]
        for repair, support in zip(kinds, supports, strict=True):
            month = rng.choices(months, weights=month_weights)[0]
            last = date(2024, 12, 31) if month == 12 else date(2024, month + 1, 1) - timedelta(days=1)
            handed = self.day(max(date(2024, month, 1), date(2024, 1, 5)), last)
            started = handed - timedelta(days=rng.randint(20, 45) if repair else rng.randint(50, 110))
            approved = started - timedelta(days=rng.randint(7, 30))
            self.shelter(
                runner=self.runner(*YEAR_2024),
                roster=roster,
                is_repair=repair,
                support=support,
                approved_on=approved,
                status=ShelterStatus.HANDED_OVER,
                started_on=started,
                handed_over_on=handed,
            )

    def shelters_2025(self) -> None:
        """2025 so far: some handed over, some building, some just approved, a few cancelled."""
        rng = self.rng
        roster = self.rosters["h1_2025"]
        counts = self.plan.shelters_2025
        for status, count in (
            (ShelterStatus.HANDED_OVER, counts.handed_over),
            (ShelterStatus.BUILDING, counts.building),
            (ShelterStatus.APPROVED, counts.approved),
            (ShelterStatus.CANCELLED, counts.cancelled),
        ):
            for _ in range(count):
                repair = rng.random() < 0.3
                support = rng.randint(15, 35) * 1_000_000 if repair else rng.randint(40, 70) * 1_000_000
                started = handed = cancelled = None
                reason = ""
                if status == ShelterStatus.HANDED_OVER:
                    approved = self.day(date(2025, 1, 6), date(2025, 3, 14))
                    started = approved + timedelta(days=rng.randint(7, 20))
                    handed = min(started + timedelta(days=rng.randint(30, 80)), ROLL_UNTIL - timedelta(days=2))
                elif status == ShelterStatus.BUILDING:
                    approved = self.day(date(2025, 3, 3), date(2025, 5, 16))
                    started = approved + timedelta(days=rng.randint(7, 25))
                elif status == ShelterStatus.APPROVED:
                    approved = self.day(date(2025, 5, 19), date(2025, 6, 20))
                else:
                    approved = self.day(date(2025, 1, 6), date(2025, 4, 18))
                    cancelled = approved + timedelta(days=rng.randint(20, 50))
                    reason = rng.choice(CANCEL_REASONS)
                runner = self.runner(approved, ROLL_UNTIL)
                self.shelter(
                    runner=runner,
                    roster=roster,
                    is_repair=repair,
                    support=support,
                    approved_on=approved,
                    status=status,
                    started_on=started,
                    handed_over_on=handed,
                    cancelled_on=cancelled,
                    cancel_reason=reason,
                )

    # --- the social fund

    def contributions_in(self, year: FundYear, start: date, end: date, weights: list[int]) -> None:
        """`year.contributions` gifts to the fund adding up to `year.raised`, in the months of
        the period by `weights` (Tet and Workers' Month campaigns bring the most)."""
        rng = self.rng
        enterprises = [self.specs[c].name for c in self.grassroots if self.is_enterprise(c)]
        superiors = [f"Cán bộ, đoàn viên {self.unions[s].name}" for s in self.superiors]
        sizes = [rng.lognormvariate(0, 0.9) for _ in range(year.contributions)]
        amounts = _apportion(year.raised // 100_000, sizes, [year.raised] * len(sizes))
        months = [(start.year, m) for m in range(start.month, end.month + 1)]
        for amount in amounts:
            y, m = rng.choices(months, weights=weights[: len(months)])[0]
            last = date(y, 12, 31) if m == 12 else date(y, m + 1, 1) - timedelta(days=1)
            on = self.day(max(date(y, m, 1), start), min(last, end))
            source = rng.random()
            if source < 0.45 and enterprises:
                who = rng.choice(enterprises)
            elif source < 0.8:
                who = rng.choice(superiors)
            else:
                who = rng.choice(SPONSORS).format(place=self.demo.which.place)
            self.contributions.append((on, amount * 100_000, who))

    def fund(self) -> tuple[Fund, list[FundEntry]]:
        """The social fund's entries in date order: contributions, and the payouts for the
        shelters it supports and the federation's hardship grants. A payout the balance cannot
        meet that day is cut to it, and the difference comes from union funds instead: the
        balance never goes below zero and every total of the plan stays as it is."""
        plan = self.plan
        self.contributions_in(plan.social_fund_before_2024, date(2023, 11, 1), date(2023, 12, 29), [3, 2])
        self.contributions_in(plan.social_fund_2024, *YEAR_2024, [20, 5, 5, 8, 25, 5, 4, 4, 6, 8, 5, 5])
        self.contributions_in(plan.social_fund_2025, *H1_2025, [25, 6, 6, 8, 30, 6])
        fund = Fund(
            federation=self.federation,
            name=SOCIAL_FUND_NAME,
            kind=FundKind.SOCIAL,
            note="Vận động cán bộ, đoàn viên, doanh nghiệp và nhà hảo tâm ủng hộ từ tháng 11/2023.",
        )
        moves = [(on, 0, amount, who, None, "", None) for on, amount, who in self.contributions]
        for plan_ in self.shelters:
            if plan_.wanted_from_fund:
                shelter = plan_.shelter
                note = "Hỗ trợ sửa chữa Mái ấm Công đoàn" if shelter.is_repair else "Hỗ trợ xây dựng Mái ấm Công đoàn"
                moves.append(
                    (
                        shelter.started_on or shelter.approved_on,
                        1,
                        plan_.wanted_from_fund,
                        plan_.person.full_name,
                        plan_.person,
                        note,
                        plan_,
                    )
                )
        for record in self.records:
            for person, amount in record.payouts:
                moves.append(
                    (record.activity.held_on, 1, amount, person.full_name, person, "Trợ cấp khó khăn đột xuất", record)
                )
        moves.sort(key=lambda m: (m[0], m[1]))
        balance, entries = 0, []
        for on, is_payout, amount, who, person, note, source in moves:
            if is_payout:
                paid = min(amount, balance)
                if isinstance(source, _ShelterPlan):
                    shelter = source.shelter
                    shelter.amount_social_fund += paid
                    shelter.amount_union_funds -= paid
                else:
                    source.activity.amount_social_fund += paid
                    source.activity.amount_union_funds -= paid
                if not paid:
                    continue
                balance -= paid
                kind, amount = EntryKind.PAYOUT, paid
            else:
                balance += amount
                kind = EntryKind.CONTRIBUTION
            entries.append(
                FundEntry(
                    kind=kind,
                    amount=amount,
                    on=on,
                    counterparty=who,
                    member_id=self.demo_member_id(person) if person else None,
                    note=note,
                    balance_after=balance,
                )
            )
        fund.balance = balance
        return fund, entries

    # --- writing

    def demo_member_id(self, person: Person) -> int:
        return self.member_ids[person.citizen_id]

    def build(self) -> None:
        plan = self.plan
        self.member_ids = dict(Member.objects.filter(federation=self.federation).values_list("citizen_id", "pk"))
        self.make_occasions()
        tet_titles = (
            "Chương trình “Tết Sum vầy” {occasion}: quà Tết cho đoàn viên, người lao động có hoàn cảnh khó khăn",
            "Thăm, tặng quà {occasion} cho đoàn viên có hoàn cảnh khó khăn",
            "Quà {occasion} cho đoàn viên, người lao động",
        )
        workers_titles = (
            "Thăm, tặng quà công nhân lao động bị tai nạn lao động, bệnh nghề nghiệp nhân {occasion}",
            "Thăm hỏi, tặng quà đoàn viên có hoàn cảnh khó khăn nhân {occasion}",
            "Chăm lo đoàn viên, người lao động nhân {occasion}",
        )
        tet_forms = (SupportForm.GIFTS, SupportForm.MIXED, SupportForm.MIXED, SupportForm.CASH)
        for key, total, federation in (
            ("tet_2024", plan.tet_2024, plan.tet_2024_federation),
            ("tet_2025", plan.tet_2025, plan.tet_2025_federation),
        ):
            self.spread(
                program=Program.TET_CARE,
                occasion=key,
                days=TET_DAYS[key],
                total=total,
                federation=federation,
                superiors_share=plan.superiors_share,
                participation=0.97,
                rates=(500_000, 280_000),
                titles=tet_titles,
                support_forms=tet_forms,
                named_lists=plan.named_lists,
            )
        self.tet_extras("tet_2024", plan.tet_market_2024, plan.tet_trip_2024)
        self.tet_extras("tet_2025", plan.tet_market_2025, plan.tet_trip_2025)
        for key, total, federation in (
            ("workers_2024", plan.workers_2024, plan.workers_2024_federation),
            ("workers_2025", plan.workers_2025, plan.workers_2025_federation),
        ):
            self.spread(
                program=Program.WORKERS_MONTH,
                occasion=key,
                days=WORKERS_DAYS[key],
                total=total,
                federation=federation,
                superiors_share=0.3,
                participation=0.2,
                rates=(400_000, 300_000),
                titles=workers_titles,
                support_forms=(SupportForm.GIFTS, SupportForm.MIXED),
                named_lists=0,
            )
        self.hardship(
            period=YEAR_2024, total=plan.hardship_2024, quarters=plan.hardship_federation_2024, roster="year_2024"
        )
        self.hardship(
            period=H1_2025, total=plan.hardship_2025, quarters=plan.hardship_federation_2025, roster="h1_2025"
        )
        self.meals(
            sizes=plan.meals_2024,
            occasion="workers_2024",
            later=(date(2024, 8, 1), date(2024, 12, 20)),
            roster="year_2024",
        )
        self.meals(
            sizes=plan.meals_2025, occasion="workers_2025", later=(date(2025, 6, 2), ROLL_UNTIL), roster="h1_2025"
        )
        self.health_check(plan.health_check_2024)
        self.shelters_2024()
        self.shelters_2025()

    def write(self) -> dict[str, int]:
        fund, entries = self.fund()
        occasions = list(self.occasions.values())
        Occasion.objects.bulk_create(occasions)
        for record in self.records:  # the occasions have their ids now
            if record.activity.occasion is not None:
                record.activity.occasion_id = record.activity.occasion.pk
        activities = [r.activity for r in self.records]
        Activity.objects.bulk_create(activities, batch_size=500)
        if any(a.pk is None for a in activities):
            raise DemoError("The database did not return the ids of the activities written.")
        beneficiaries = insert_rows(
            Beneficiary,
            ("activity_id", "member_id", "amount", "note"),
            (
                (r.activity.pk, self.demo_member_id(person), amount, note)
                for r in self.records
                for person, amount, note in r.named
            ),
        )
        shelters = [p.shelter for p in self.shelters]
        Shelter.objects.bulk_create(shelters, batch_size=500)
        fund.save()
        for entry in entries:
            entry.fund = fund
        FundEntry.objects.bulk_create(entries, batch_size=1000)
        self.audit(occasions, fund, self.shelters)
        return {
            "activities": len(activities),
            "beneficiaries": beneficiaries,
            "shelters": len(shelters),
            "fund_entries": len(entries),
        }

    def audit(self, occasions: list[Occasion], fund: Fund, shelters: list[_ShelterPlan]) -> None:
        """The creation entries the services would have written for the records people open
        one by one (the activities' history starts with their first change)."""
        entries = []

        def entry(obj, text: str, changes: dict) -> AuditLog:
            content_type = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
            return AuditLog(
                federation=self.federation,
                content_type=content_type,
                actor_name="system",
                action=AuditLog.Action.CREATE,
                object_id=str(obj.pk),
                object_repr=text[:255],
                changes=changes,
            )

        for occasion in occasions:
            entries.append(entry(occasion, occasion.name, {"name": [None, occasion.name]}))
        entries.append(entry(fund, fund.name, {"name": [None, fund.name], "kind": [None, fund.kind]}))
        for plan in shelters:
            shelter = plan.shelter
            kind = "sửa chữa" if shelter.is_repair else "xây mới"
            changes = {
                "member": [None, plan.person.full_name],
                "is_repair": [None, shelter.is_repair],
                "total_cost": [None, shelter.total_cost],
                "approved_on": [None, shelter.approved_on.isoformat()],
                "status": [None, shelter.status],
            }
            entries.append(entry(shelter, f"{plan.person.full_name} ({kind}, {shelter.year})", changes))
        AuditLog.objects.bulk_create(entries)


def step_welfare(demo: Demo) -> None:
    """The welfare year of `WELFARE_PLANS[scale]` (needs the member roll of the same load)."""
    builder = _Builder(demo, WELFARE_PLANS[demo.scale_name], demo.rng("welfare"))
    builder.build()
    demo.welfare_counts = builder.write()


# --- Figures -----------------------------------------------------------------------------------


def welfare_figures(federation, *, start: date = YEAR_2024[0], end: date = YEAR_2024[1]) -> dict[str, int]:
    """The headline welfare figures of the federation for a period (by default 2024), as the
    reports compute them: the §6 welfare measures, and what the seed articles add to them."""
    from .selectors import welfare_measures, welfare_totals

    measures = welfare_measures(path=federation.path, start=start, end=end)
    totals = welfare_totals(path=federation.path, start=start, end=end)
    return {
        **measures,
        "shelter_support": totals.row(Program.SHELTER).amount_total,
        "meals_person_times": totals.row(Program.MEAL).person_times,
        "health_check_person_times": totals.row(Program.HEALTH_CHECK).person_times,
        "person_times": totals.total.person_times,
        "persons": totals.total.persons,
        "amount": totals.total.amount_total,
        "social_fund_paid": totals.funds.paid,
    }
