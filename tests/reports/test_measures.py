"""Every measure kind on hand-built data: what each standard indicator counts, for which scope
and period, and in how many queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import services as member_services
from reports.measures import actuals, series
from reports.models import Indicator, IndicatorSource, IndicatorValue, Measure, ReturnStatus
from reports.periods import Period, quarter_period, year_period
from tests.factories import UnionFactory, member
from unions.models import Kind, Sector
from unions.services import union_move
from welfare import services as welfare

from .conftest import reported_return

pytestmark = pytest.mark.django_db

Y2024 = Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
D = datetime.date


def values(path, period=Y2024, codes=None, structure_on=None):
    indicators = Indicator.objects.all() if codes is None else Indicator.objects.filter(code__in=codes)
    return actuals(indicators, path=path, period=period, structure_on=structure_on).values()


@pytest.fixture
def roll(cast):
    """In A: two members from 2015, three admitted in 2024 (two women), one of whom left in 2024,
    one admitted in 2025; in B one admitted in 2024 and transferred to A in 2024."""
    old = [member(cast.a, joined_on=D(2015, 3, 2)) for _ in range(2)]
    new = [
        member(cast.a, joined_on=D(2024, 2, 1), gender="female"),
        member(cast.a, joined_on=D(2024, 5, 1), gender="female"),
        member(cast.a, joined_on=D(2024, 8, 1)),
    ]
    member_services.member_leave(member=new[2], on=D(2024, 10, 1), reason="resigned", by=None)
    member(cast.a, joined_on=D(2025, 1, 10))
    moving = member(cast.b, joined_on=D(2024, 3, 1))
    request = member_services.transfer_request(member=moving, to_union=cast.a, effective_on=D(2024, 6, 1), by=None)
    member_services.transfer_accept(transfer=request, by=None)
    return old, new, moving


def test_count_measures_rows_dated_in_the_period(cast, roll):
    fed = values(cast.fed.path, codes=["members_admitted"])
    assert fed["members_admitted"] == 4  # 3 in A, 1 in B; 2015 and 2025 admissions are outside
    assert values(cast.a.path, codes=["members_admitted"])["members_admitted"] == 3
    assert values(cast.d2.path, codes=["members_admitted"])["members_admitted"] == 1
    h1 = Period(D(2024, 1, 1), D(2024, 6, 30))
    assert values(cast.fed.path, h1, ["members_admitted"])["members_admitted"] == 3


def test_stock_and_net_change_follow_the_roll_and_transfers(cast, roll):
    fed = values(cast.fed.path, codes=["members_total", "members_female", "members_net_growth"])
    # on 31/12/2024: 2 old + 2 new women + the transferred member = 5 (the leaver is gone)
    assert fed["members_total"] == 5
    assert fed["members_female"] == 2
    assert fed["members_net_growth"] == 3  # 4 admitted - 1 left; the transfer nets out in the federation
    b = values(cast.b.path, codes=["members_total", "members_net_growth"])
    assert b == {"members_total": 0, "members_net_growth": 0}  # admitted then transferred out
    a = values(cast.a.path, codes=["members_total", "members_net_growth"])
    assert a == {"members_total": 5, "members_net_growth": 3}  # 3 admitted + 1 in - 1 left


def test_unions_and_party_counts(cast, roll):
    UnionFactory(parent=cast.d1, code="N24", kind=Kind.ENTERPRISE, worker_count=30, established_on=D(2024, 4, 1))
    UnionFactory(parent=cast.d1, code="S24", kind=Kind.ENTERPRISE, worker_count=12, established_on=D(2024, 9, 1))
    UnionFactory(parent=cast.d2, code="N23", kind=Kind.ENTERPRISE, worker_count=90, established_on=D(2023, 9, 1))
    old, new, _ = roll
    member_services.party_record(member=old[0], introduced_on=D(2024, 3, 1), by=None)
    member_services.party_record(member=old[1], introduced_on=D(2023, 3, 1), admitted_on=D(2024, 7, 1), by=None)
    got = values(
        cast.fed.path,
        codes=["grassroots_established", "grassroots_established_25plus", "party_introduced", "party_admitted"],
    )
    assert got == {
        "grassroots_established": 2,
        "grassroots_established_25plus": 1,
        "party_introduced": 1,
        "party_admitted": 1,
    }
    assert values(cast.d2.path, codes=["grassroots_established"])["grassroots_established"] == 0


@pytest.fixture
def welfare_year(cast, roll):
    old, _new, _ = roll
    tet = {"person_times": 10, "title": "Quà Tết", "program": "tet_care", "federation": cast.fed, "by": None}
    welfare.activity_create(union=None, held_on=D(2024, 2, 1), amount_sponsors=5_000_000, **tet)
    welfare.activity_create(
        union=cast.a, held_on=D(2024, 2, 2), amount_union_funds=1_000_000, amount_other=5 * 10**5, **tet
    )
    welfare.activity_create(union=cast.b, held_on=D(2025, 1, 20), amount_union_funds=9_000_000, **tet)
    welfare.activity_create(
        federation=cast.fed,
        union=cast.a,
        by=None,
        held_on=D(2024, 5, 1),
        program="meal",
        title="Bữa cơm",
        person_times=40,
    )
    shelter = welfare.shelter_create(
        federation=cast.fed, union=cast.d1, by=None, member=old[0], total_cost=80_000_000,
        approved_on=D(2024, 3, 1), amount_union_funds=50_000_000,
    )  # fmt: skip
    welfare.shelter_advance(shelter=shelter, to="building", on=D(2024, 4, 1), by=None)
    welfare.shelter_advance(shelter=shelter, to="handed_over", on=D(2024, 8, 1), by=None)
    social = welfare.fund_create(federation=cast.fed, union=None, name="Quỹ xã hội", kind="social", by=None)
    support = welfare.fund_create(federation=cast.fed, union=cast.a, name="Quỹ hỗ trợ", kind="support", by=None)
    welfare.fund_contribute(fund=social, amount=2_000_000, on=D(2024, 6, 1), by=None)
    welfare.fund_contribute(fund=support, amount=300_000, on=D(2024, 6, 1), by=None)


WELFARE = ["tet_care_person_times", "tet_care_amount", "union_meals", "shelters_handed_over", "social_fund_raised"]


def test_money_and_welfare_counts_take_the_federations_own_records_at_its_scope_only(cast, welfare_year):
    assert values(cast.fed.path, codes=WELFARE) == {
        "tet_care_person_times": 20,
        "tet_care_amount": 6_500_000,  # every source counts: 5,000,000 + 1,000,000 + 500,000
        "union_meals": 1,
        "shelters_handed_over": 1,
        "social_fund_raised": 2_000_000,  # the support fund's contribution is not the social fund's
    }
    assert values(cast.d1.path, codes=WELFARE) == {
        "tet_care_person_times": 10,
        "tet_care_amount": 1_500_000,
        "union_meals": 1,
        "shelters_handed_over": 1,
        "social_fund_raised": 0,
    }


def test_the_welfare_indicators_agree_with_the_welfare_totals(cast, welfare_year):
    from welfare.selectors import welfare_measures

    for path in (cast.fed.path, cast.d1.path, cast.a.path, cast.d2.path):
        expected = welfare_measures(path=path, start=Y2024.start, end=Y2024.end)
        assert values(path, codes=WELFARE) == expected, path


def test_ratios_from_the_returns(cast, roll):
    agency = UnionFactory(parent=cast.d2, code="AG", kind=Kind.AGENCY, sector=Sector.ADMINISTRATIVE_AGENCY)
    # agencies and public service units open at the end of 2024: A, E1 and AG; only A held its
    # conference (reported in two returns, counted once): 1 of 3
    reported_return(cast.a, 2024, 1, annual_conference_on=D(2024, 2, 20), members_closing=4, workers_total=40)
    reported_return(cast.a, 2024, 2, annual_conference_on=D(2024, 2, 20), members_closing=5, workers_total=40)
    reported_return(cast.b, 2024, 2, members_closing=300, workers_total=500)
    reported_return(cast.b, 2024, 3, status=ReturnStatus.DRAFT, members_closing=0, workers_total=10)
    reported_return(agency, 2024, 1, members_closing=9, workers_total=10)
    got = values(cast.fed.path, codes=["agency_conference_rate", "members_per_worker"])
    assert got["agency_conference_rate"] == Decimal("33.33")
    # each union's last reported return: A Q2 (5/40), B Q2 (300/500; the Q3 draft does not count), AG 9/10
    assert got["members_per_worker"] == Decimal("57.09")  # 314 / 550


def test_manual_indicators_sum_flows_and_take_the_last_stock(cast):
    flow = Indicator.objects.create(
        code="dialogues", name_vi="Đối thoại", name_en="Dialogues", unit="people", measure=Measure.COUNT,
        source=IndicatorSource.MANUAL,
    )  # fmt: skip
    level = Indicator.objects.create(
        code="coverage", name_vi="Độ phủ", name_en="Coverage", unit="percent", measure=Measure.STOCK,
        source=IndicatorSource.MANUAL,
    )  # fmt: skip
    for quarter, value in ((1, 3), (2, 4)):
        ends = quarter_period(cast.fed, 2024, quarter).end
        IndicatorValue.objects.create(indicator=flow, federation=cast.fed, union=cast.a, year=2024, quarter=quarter,
                                      ends_on=ends, value=value)  # fmt: skip
        IndicatorValue.objects.create(indicator=level, federation=cast.fed, union=cast.a, year=2024,
                                      quarter=quarter, ends_on=ends, value=value * 10)  # fmt: skip
    got = values(cast.fed.path, codes=["dialogues", "coverage"])
    assert got == {"dialogues": 7, "coverage": 40}
    q1 = quarter_period(cast.fed, 2024, 1)
    assert values(cast.fed.path, q1, ["dialogues", "coverage"]) == {"dialogues": 3, "coverage": 30}


def test_by_todays_structure_and_as_it_stood_agree_on_the_federation(cast, roll, welfare_year):
    union_move(union=cast.a, new_parent=cast.d2, effective_on=D(2025, 3, 1), by=None)
    cast.a.refresh_from_db()
    codes = ["members_admitted", "members_total", "tet_care_amount"]
    today = actuals(Indicator.objects.filter(code__in=codes), path=cast.fed.path, period=Y2024)
    stood = actuals(Indicator.objects.filter(code__in=codes), path=cast.fed.path, period=Y2024, structure_on=Y2024.end)
    assert today.values() == stood.values()
    d1_path, d2_path = cast.d1.path, cast.d2.path
    # A's 2024 admissions count under d2 today, under d1 as the tree stood at the end of 2024
    assert today.by_child(cast.fed.path)[d2_path]["members_admitted"] == 4
    assert stood.by_child(cast.fed.path)[d1_path]["members_admitted"] == 3
    assert stood.by_child(cast.fed.path)[d2_path]["members_admitted"] == 1
    assert today.by_child(cast.fed.path).get(d1_path, {}).get("members_admitted", 0) == 0


def test_one_query_per_table_whatever_the_number_of_units(cast, roll, welfare_year):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            figures = actuals(Indicator.objects.all(), path=cast.fed.path, period=Y2024)
            figures.by_child(cast.fed.path)
        return len(ctx.captured_queries)

    before = queries()
    for i in range(12):
        union = UnionFactory(parent=cast.d2, code=f"M{i}")
        member(union, joined_on=D(2024, 4, 1))
    assert queries() == before
    # movements, members, unions, shelters, activities, fund entries, returns; the indicators; the tree
    assert before == 9


def test_series_gives_cumulative_values_at_each_months_end(cast, roll):
    months = [Period(Y2024.start, D(2024, m, 28)) for m in (1, 2, 5, 12)]
    got = series(Indicator.objects.filter(code__in=["members_admitted", "members_total"]), path=cast.fed.path,
                 periods=months)  # fmt: skip
    assert [v["members_admitted"] for v in got] == [0, 1, 3, 4]
    assert [v["members_total"] for v in got] == [2, 3, 5, 5]  # the June transfer nets out


def test_year_period_follows_the_federations_report_year(cast):
    cast.fed.year_start_month = 7
    assert year_period(cast.fed, 2024) == Period(D(2024, 7, 1), D(2025, 6, 30))
    assert quarter_period(cast.fed, 2024, 3) == Period(D(2025, 1, 1), D(2025, 3, 31))
