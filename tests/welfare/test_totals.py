"""Welfare totals by scope and period, on a hand-built example."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from welfare import selectors, services
from welfare.models import Program, ShelterStatus

from ..conftest import add_members
from ..factories import member

D = datetime.date


@pytest.fixture
def welfare(cast):
    add_members(cast)
    c = cast
    c.m_a2 = member(c.a, full_name="Phạm Thị Hoa", gender="female", date_of_birth=D(1991, 3, 3))
    c.tet = services.occasion_create(federation=c.fed, name="Tết Ất Tỵ 2025", starts_on=D(2025, 1, 1),
                                     ends_on=D(2025, 2, 15), by=c.admin)  # fmt: skip
    # The federation gives 3 gifts (two of them to A's members), A gives 10 (both of its members
    # named), the district D1 5 cash gifts; B 4 gifts; all for Tet.
    c.fed_gifts = services.activity_create(
        federation=c.fed, program=Program.TET_CARE, occasion=c.tet, title="Quà Tết của Liên đoàn",
        held_on=D(2025, 1, 20), person_times=3, amount_union_funds=1_500_000, amount_sponsors=600_000, by=c.admin,
    )  # fmt: skip
    services.beneficiaries_add(activity=c.fed_gifts, rows=[(c.m_a, 500_000, ""), (c.m_a2, 500_000, "")], by=c.admin)
    c.a_gifts = services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, occasion=c.tet, title="Quà Tết CĐCS",
        held_on=D(2025, 1, 22), person_times=10, amount_union_funds=3_000_000, amount_social_fund=1_000_000,
        by=c.chair_a,
    )  # fmt: skip
    services.beneficiaries_add(activity=c.a_gifts, rows=[(c.m_a, None, ""), (c.m_a2, None, "")], by=c.chair_a)
    services.activity_create(
        federation=c.fed, union=c.d1, program=Program.TET_CARE, title="Tiền Tết", held_on=D(2025, 1, 25),
        person_times=5, amount_other=2_500_000, by=c.officer,
    )  # fmt: skip
    services.activity_create(
        federation=c.fed, union=c.b, program=Program.TET_CARE, title="Quà Tết", held_on=D(2025, 1, 26),
        person_times=4, amount_sponsors=800_000, by=c.chair_b,
    )  # fmt: skip
    services.activity_create(
        federation=c.fed, union=c.a, program=Program.MEAL, title="Bữa cơm Công đoàn", held_on=D(2025, 5, 1),
        person_times=40, amount_union_funds=4_000_000, amount_sponsors=6_000_000, by=c.chair_a,
    )  # fmt: skip
    c.house = services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=120_000_000, approved_on=D(2025, 2, 1),
        amount_union_funds=50_000_000, amount_sponsors=20_000_000, by=c.officer,
    )  # fmt: skip
    services.shelter_advance(shelter=c.house, to=ShelterStatus.BUILDING, on=D(2025, 3, 1), by=c.officer)
    services.shelter_advance(shelter=c.house, to=ShelterStatus.HANDED_OVER, on=D(2025, 6, 15), by=c.officer)
    return c


def test_federation_totals_count_person_times_and_distinct_persons(welfare):
    c = welfare
    totals = selectors.welfare_totals(path=c.fed.path, start=D(2025, 1, 1), end=D(2025, 12, 31))
    tet = totals.row(Program.TET_CARE)
    assert (tet.activities, tet.person_times, tet.persons) == (4, 22, 2)
    assert (tet.amount_union_funds, tet.amount_sponsors, tet.amount_social_fund, tet.amount_other) == (
        4_500_000, 1_400_000, 1_000_000, 2_500_000,
    )  # fmt: skip
    assert tet.amount_total == 9_400_000
    shelter = totals.row(Program.SHELTER)
    assert (shelter.activities, shelter.persons, shelter.amount_total) == (1, 1, 70_000_000)
    assert totals.row(Program.MEAL).activities == 1
    # m_a: two Tet gifts and a house; m_a2: two Tet gifts: two persons in all.
    assert totals.total.persons == 2
    assert totals.total.person_times == 22 + 40 + 1
    assert totals.total.amount_total == 9_400_000 + 10_000_000 + 70_000_000


def test_district_scope_leaves_out_the_federation_and_other_districts(welfare):
    c = welfare
    totals = selectors.welfare_totals(path=c.d1.path, start=D(2025, 1, 1), end=D(2025, 12, 31))
    tet = totals.row(Program.TET_CARE)
    assert (tet.activities, tet.person_times, tet.persons, tet.amount_total) == (2, 15, 2, 6_500_000)
    assert (
        selectors.welfare_totals(path=c.b.path, start=D(2025, 1, 1), end=D(2025, 12, 31))
        .row(Program.TET_CARE)
        .person_times
        == 4
    )


def test_period_cuts_by_date_and_shelters_count_when_handed_over(welfare):
    c = welfare
    totals = selectors.welfare_totals(path=c.fed.path, start=D(2025, 1, 1), end=D(2025, 3, 31))
    assert totals.row(Program.SHELTER).activities == 0
    assert totals.shelters_in_progress == 0
    assert totals.row(Program.MEAL).activities == 0
    months = selectors.monthly_totals(path=c.fed.path, year=2025)
    assert [m.person_times for m in months][:6] == [22, 0, 0, 0, 40, 1]


def test_totals_take_a_constant_number_of_queries(welfare, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        selectors.welfare_totals(path=welfare.fed.path, start=D(2025, 1, 1), end=D(2025, 12, 31))


def test_second_new_house_for_a_member_in_a_year_is_refused_unless_repair(welfare):
    c = welfare
    with pytest.raises(ValidationError) as exc:
        services.shelter_create(federation=c.fed, union=c.d1, member=c.m_a, total_cost=1_000_000,
                                approved_on=D(2025, 8, 1), by=c.officer)  # fmt: skip
    assert "đã có một Mái ấm Công đoàn trong năm" in str(exc.value)
    repair = services.shelter_create(federation=c.fed, union=c.d1, member=c.m_a, total_cost=1_000_000,
                                     approved_on=D(2025, 8, 1), is_repair=True, by=c.officer)  # fmt: skip
    assert repair.status == ShelterStatus.APPROVED


def test_fund_payout_beyond_the_balance_is_refused(welfare):
    c = welfare
    fund = services.fund_create(federation=c.fed, name="Quỹ Xã hội Công đoàn", kind="social", by=c.admin)
    services.fund_contribute(fund=fund, amount=1_000_000, on=D(2025, 1, 5), counterparty="Công ty A", by=c.admin)
    services.fund_pay(fund=fund, amount=400_000, on=D(2025, 1, 6), member=c.m_b, by=c.admin)
    with pytest.raises(ValidationError) as exc:
        services.fund_pay(fund=fund, amount=700_000, on=D(2025, 1, 7), by=c.admin)
    assert "600.000" in str(exc.value)
    fund.refresh_from_db()
    assert fund.balance == 600_000
    assert list(fund.entries.values_list("balance_after", flat=True)) == [600_000, 1_000_000]
    totals = selectors.welfare_totals(path=c.fed.path, start=D(2025, 1, 1), end=D(2025, 12, 31))
    assert (totals.funds.raised, totals.funds.paid, totals.funds.social_raised) == (1_000_000, 400_000, 1_000_000)


def test_second_new_house_is_refused_on_the_member_field(welfare):
    c = welfare
    with pytest.raises(ValidationError) as exc:
        services.shelter_create(federation=c.fed, union=c.d1, member=c.m_a, total_cost=1_000_000,
                                approved_on=D(2025, 8, 1), by=c.officer)  # fmt: skip
    assert list(exc.value.message_dict) == ["member"]


def test_activity_history_labels_the_linked_members(welfare):
    from federation.selectors import object_history

    lines = [line for entry in object_history(welfare.a_gifts) for line in entry.lines]
    assert any(line.name == "beneficiaries" and line.after == "2" for line in lines)


def test_welfare_pages_open_on_the_latest_year_with_records(welfare):
    c = welfare
    assert selectors.default_year(path=c.fed.path, today=D(2026, 11, 22)) == 2025
    assert selectors.default_year(path=c.b.path, today=D(2025, 3, 1)) == 2025
    assert selectors.default_year(path=c.a2.path, today=D(2026, 11, 22)) == 2026
    # Records after `today` (typed ahead) do not move the page into the future.
    assert selectors.default_year(path=c.fed.path, today=D(2024, 12, 31)) == 2024


def test_linking_members_checks_their_unions_in_a_constant_number_of_queries(welfare, django_assert_max_num_queries):
    c = welfare
    extra = [member(c.a, full_name=f"Đoàn Viên Số {i}") for i in range(12)]
    plain = list(type(c.m_a).objects.filter(pk__in=[m.pk for m in extra]))  # unions not loaded
    activity = services.activity_create(federation=c.fed, union=c.d1, program=Program.HARDSHIP, title="Thăm hỏi",
                                        held_on=D(2025, 3, 1), person_times=1, by=c.officer)  # fmt: skip
    with django_assert_max_num_queries(10):
        added, already = services.beneficiaries_add(
            activity=activity, rows=[(m, None, "") for m in plain], by=c.officer
        )
    assert (added, already) == (12, 0)
    activity.refresh_from_db()
    assert activity.person_times == 12
    with pytest.raises(ValidationError):
        services.beneficiaries_add(activity=activity, rows=[(c.m_b, None, "")], by=c.officer)  # B is not under D1
