"""The demo's welfare year (`manage.py seed_demo`): the figures `welfare.demo.WELFARE_PLANS`
promises come out exactly, as the reports compute them, and every record is one the screens
and services would accept."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum

from federation.models import AuditLog, Federation
from unions.models import Level
from welfare.demo import ROLL_UNTIL, WELFARE_PLANS
from welfare.models import (
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
)
from welfare.selectors import welfare_measures, welfare_totals
from welfare.services import member_in_reach

PASSWORD = "demo-password-2025"
YEAR_2024 = {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}
H1_2025 = {"start": date(2025, 1, 1), "end": ROLL_UNTIL}
SMALL = WELFARE_PLANS["small"]


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{"scale": "small", "password": PASSWORD, **options})
    return out.getvalue()


@pytest.fixture
def small(db, settings):
    settings.DEMO_PASSWORD = ""
    federation_output = seed_demo()
    federation = Federation.objects.get(code="LDLD-DLK")
    federation.output = federation_output
    return federation


def program_figures(totals, program) -> tuple[int, int, int]:
    row = totals.row(program)
    return row.activities, row.person_times, row.amount_total


def test_small_2024_has_the_planned_figures(small):
    totals = welfare_totals(path=small.path, **YEAR_2024)
    tet = totals.row(Program.TET_CARE)
    assert (tet.person_times, tet.amount_total) == (SMALL.tet_2024.person_times, SMALL.tet_2024.amount)
    assert tet.persons < tet.person_times
    workers = totals.row(Program.WORKERS_MONTH)
    assert (workers.person_times, workers.amount_total) == (SMALL.workers_2024.person_times, SMALL.workers_2024.amount)
    hardship = totals.row(Program.HARDSHIP)
    assert (hardship.person_times, hardship.amount_total) == (
        SMALL.hardship_2024.person_times,
        SMALL.hardship_2024.amount,
    )
    assert program_figures(totals, Program.MEAL)[:2] == (len(SMALL.meals_2024), sum(SMALL.meals_2024))
    assert program_figures(totals, Program.HEALTH_CHECK)[1] == SMALL.health_check_2024
    assert program_figures(totals, Program.TET_MARKET) == (1, *vars(SMALL.tet_market_2024).values())
    assert program_figures(totals, Program.TET_TRIP) == (1, *vars(SMALL.tet_trip_2024).values())
    shelters = totals.row(Program.SHELTER)
    assert (shelters.activities, shelters.amount_total) == (SMALL.shelters_2024, SMALL.shelter_support_2024)
    handed = Shelter.objects.filter(federation=small, handed_over_on__year=2024)
    assert handed.filter(is_repair=True).count() == SMALL.shelter_repairs_2024
    assert totals.funds.social_raised == SMALL.social_fund_2024.raised
    assert totals.funds.contributions == SMALL.social_fund_2024.contributions
    assert welfare_measures(path=small.path, **YEAR_2024) == {
        "shelters_handed_over": SMALL.shelters_2024,
        "tet_care_person_times": SMALL.tet_2024.person_times,
        "tet_care_amount": SMALL.tet_2024.amount,
        "union_meals": len(SMALL.meals_2024),
        "social_fund_raised": SMALL.social_fund_2024.raised,
    }


def test_the_federations_own_tet_gifts_name_every_recipient(small):
    gifts = Activity.objects.get(federation=small, union=None, program=Program.TET_CARE, held_on__year=2024)
    assert (gifts.person_times, gifts.amount_total) == (
        SMALL.tet_2024_federation.person_times,
        SMALL.tet_2024_federation.amount,
    )
    assert gifts.occasion.name == "Tết Giáp Thìn 2024"
    named = gifts.beneficiaries.aggregate(n=Count("pk"), amount=Sum("amount"))
    assert named == {"n": gifts.person_times, "amount": gifts.amount_total}


def test_small_first_half_of_2025_has_the_planned_figures(small):
    totals = welfare_totals(path=small.path, **H1_2025)
    assert program_figures(totals, Program.TET_CARE)[1:] == (SMALL.tet_2025.person_times, SMALL.tet_2025.amount)
    assert program_figures(totals, Program.WORKERS_MONTH)[1:] == tuple(vars(SMALL.workers_2025).values())
    assert program_figures(totals, Program.HARDSHIP)[1:] == tuple(vars(SMALL.hardship_2025).values())
    assert program_figures(totals, Program.MEAL)[:2] == (len(SMALL.meals_2025), sum(SMALL.meals_2025))
    assert totals.funds.social_raised == SMALL.social_fund_2025.raised
    by_status = dict(
        Shelter.objects.filter(federation=small, approved_on__year=2025).values_list("status").annotate(n=Count("pk"))
    )
    planned = SMALL.shelters_2025
    assert by_status == {
        ShelterStatus.HANDED_OVER: planned.handed_over,
        ShelterStatus.BUILDING: planned.building,
        ShelterStatus.APPROVED: planned.approved,
        ShelterStatus.CANCELLED: planned.cancelled,
    }
    assert totals.row(Program.SHELTER).activities == planned.handed_over
    assert totals.shelters_in_progress == planned.building + planned.approved
    assert not Activity.objects.filter(held_on__gt=ROLL_UNTIL).exists()
    assert set(Occasion.objects.filter(federation=small).values_list("name", flat=True)) == {
        "Tết Giáp Thìn 2024",
        "Tháng Công nhân 2024",
        "Tết Ất Tỵ 2025",
        "Tháng Công nhân 2025",
    }


def test_the_social_fund_balance_never_goes_below_zero(small):
    fund = Fund.objects.get(federation=small, kind=FundKind.SOCIAL)
    assert fund.name == "Quỹ Xã hội Công đoàn tỉnh"
    balance = 0
    entries = list(fund.entries.order_by("on", "pk"))
    assert {e.kind for e in entries} == {EntryKind.CONTRIBUTION, EntryKind.PAYOUT}
    for entry in entries:
        balance += entry.signed_amount
        assert entry.balance_after == balance >= 0, entry
    assert fund.balance == balance
    # What the fund paid is what the records it supported say came from it.
    paid = sum(e.amount for e in entries if e.kind == EntryKind.PAYOUT)
    from_fund = (
        Shelter.objects.filter(federation=small).aggregate(s=Sum("amount_social_fund"))["s"]
        + Activity.objects.filter(federation=small, union=None).aggregate(s=Sum("amount_social_fund"))["s"]
    )
    assert paid == from_fund > 0


def test_named_members_are_within_the_organizers_reach_and_person_times(small):
    activities = (
        Activity.objects.filter(federation=small).select_related("union").annotate(named=Count("beneficiaries"))
    )
    assert activities.filter(named__gt=0).exists()
    for activity in activities:
        assert activity.named <= activity.person_times, activity
        assert activity.union is None or activity.union.established_on <= activity.held_on
        for beneficiary in activity.beneficiaries.select_related("member__union"):
            assert member_in_reach(beneficiary.member, federation=small, union=activity.union), beneficiary
    for shelter in Shelter.objects.filter(federation=small).select_related("union", "member__union"):
        assert shelter.union is None or shelter.union.level == Level.SUPERIOR
        assert member_in_reach(shelter.member, federation=small, union=shelter.union), shelter
    # Some members got Tet gifts from two levels: fewer persons than named rows.
    tet = Beneficiary.objects.filter(activity__program=Program.TET_CARE, activity__held_on__year=2024)
    assert tet.values("member").distinct().count() < tet.count()


def test_every_record_passes_the_models_checks(small):
    for activity in Activity.objects.filter(federation=small):
        activity.full_clean(exclude=["created_by"])
    for shelter in Shelter.objects.filter(federation=small):
        shelter.full_clean(exclude=["created_by"])
        assert shelter.year == shelter.approved_on.year
    for entry in FundEntry.objects.filter(fund__federation=small):
        entry.full_clean(exclude=["created_by"])
    for occasion in Occasion.objects.filter(federation=small):
        occasion.full_clean()
        assert AuditLog.objects.filter(object_id=str(occasion.pk), object_repr=occasion.name).exists()


def test_seed_demo_prints_the_2024_welfare_figures(small):
    out = small.output
    assert f"Tet care {SMALL.tet_2024.person_times:,} person-times, {SMALL.tet_2024.amount:,} VND" in out
    assert f"Union Shelters handed over {SMALL.shelters_2024}, support {SMALL.shelter_support_2024:,} VND" in out
    assert f"Trade Union Meals {len(SMALL.meals_2024)} ({sum(SMALL.meals_2024):,} person-times)" in out
    assert f"social fund raised {SMALL.social_fund_2024.raised:,} VND" in out


def test_without_members_there_is_no_welfare(db, settings):
    settings.DEMO_PASSWORD = ""
    out = seed_demo(without_members=True)
    assert "welfare" not in out
    assert not Activity.objects.exists() and not Fund.objects.exists()


def _welfare_rows(seed):
    with transaction.atomic():
        seed_demo(seed=seed)
        rows = (
            list(
                Activity.objects.order_by("held_on", "title", "union__code", "person_times").values_list(
                    "union__code",
                    "program",
                    "occasion__name",
                    "title",
                    "held_on",
                    "person_times",
                    "amount_union_funds",
                    "amount_sponsors",
                    "amount_social_fund",
                    "amount_other",
                )
            ),
            sorted(
                Beneficiary.objects.values_list(
                    "activity__title", "activity__union__code", "member__citizen_id", "amount"
                )
            ),
            list(
                Shelter.objects.order_by("approved_on", "member__citizen_id").values_list(
                    "member__citizen_id",
                    "union__code",
                    "status",
                    "approved_on",
                    "handed_over_on",
                    "total_cost",
                    "amount_union_funds",
                    "amount_social_fund",
                )
            ),
            list(FundEntry.objects.order_by("on", "pk").values_list("kind", "on", "amount", "balance_after")),
        )
        transaction.set_rollback(True)
    return rows


def test_same_seed_gives_the_same_welfare(db, settings):
    settings.DEMO_PASSWORD = ""
    first = _welfare_rows(7)
    assert all(first)
    assert first == _welfare_rows(7)
    assert first != _welfare_rows(8)


@pytest.mark.slow
def test_province_welfare_has_the_seed_articles_figures(db, settings):
    settings.DEMO_PASSWORD = ""
    seed_demo(scale="province")
    federation = Federation.objects.get(code="LDLD-DLK")
    totals = welfare_totals(path=federation.path, **YEAR_2024)
    measures = welfare_measures(path=federation.path, **YEAR_2024)
    # Article 004: 127 Union Shelters, over 5.67 billion dong of support.
    assert measures["shelters_handed_over"] == 127
    assert 5_600_000_000 <= totals.row(Program.SHELTER).amount_total <= 5_800_000_000
    # Article 000: Tet 2024 for more than 128,000 people and 38 billion dong.
    assert measures["tet_care_person_times"] >= 128_000
    assert measures["tet_care_amount"] >= 38_000_000_000
    # Article 003: the federation's own 3,600 gifts worth over 2 billion.
    gifts = Activity.objects.get(federation=federation, union=None, program=Program.TET_CARE, held_on__year=2024)
    assert gifts.person_times >= 3_600 and gifts.amount_total >= 2_000_000_000
    assert gifts.beneficiaries.count() == gifts.person_times
    # Article 002: 7 Trade Union Meals for 1,352 members, 230 workers checked, 1.4 billion raised.
    assert (measures["union_meals"], totals.row(Program.MEAL).person_times) == (7, 1_352)
    assert totals.row(Program.HEALTH_CHECK).person_times == 230
    assert measures["social_fund_raised"] >= 1_400_000_000
    assert not FundEntry.objects.filter(balance_after__lt=0).exists()
    # Named beneficiaries: tens of thousands, not one per person-time.
    assert 10_000 <= Beneficiary.objects.count() <= 60_000
    assert totals.total.persons < totals.total.person_times
