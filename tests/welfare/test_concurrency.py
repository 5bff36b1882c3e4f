"""Funds and shelters under concurrent writes, on PostgreSQL (SQLite serializes writers, so
these races cannot happen there)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from welfare import services
from welfare.models import Fund, FundEntry, Shelter, ShelterStatus

from ..concurrency import postgresql_only, race
from ..conftest import add_members

D = datetime.date

pytestmark = postgresql_only


@pytest.fixture
def fund(transactional_db, cast):
    fund = services.fund_create(federation=cast.fed, name="Quỹ Xã hội Công đoàn", kind="social", by=cast.admin)
    services.fund_contribute(fund=fund, amount=1_000_000, on=D(2025, 1, 2), by=cast.admin)
    return fund


def test_concurrent_payouts_never_overdraw_the_fund(cast, fund):
    results = race(10, lambda i: services.fund_pay(fund=fund, amount=150_000, on=D(2025, 2, 1), by=cast.admin))

    paid = [r for r in results if isinstance(r, FundEntry)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(paid), len(refused)) == (6, 4), results
    fund.refresh_from_db()
    assert fund.balance == 100_000
    assert sorted(e.balance_after for e in paid) == [100_000, 250_000, 400_000, 550_000, 700_000, 850_000]
    assert FundEntry.objects.filter(fund=fund, kind="payout").count() == 6


def test_concurrent_contributions_lose_no_update(cast, fund):
    results = race(12, lambda i: services.fund_contribute(fund=fund, amount=1_000 * (i + 1), on=D(2025, 2, 1),
                                                           by=cast.admin))  # fmt: skip

    assert all(isinstance(r, FundEntry) for r in results), results
    fund.refresh_from_db()
    assert fund.balance == 1_000_000 + 1_000 * sum(range(1, 13))
    assert Fund.objects.get(pk=fund.pk).entries.count() == 13


def test_two_officers_handing_over_one_shelter_at_once_record_it_once(transactional_db, cast):
    add_members(cast)
    shelter = services.shelter_create(
        federation=cast.fed, union=cast.d1, member=cast.m_a, total_cost=90_000_000, approved_on=D(2025, 1, 10),
        amount_union_funds=40_000_000, by=cast.officer,
    )  # fmt: skip

    results = race(2, lambda i: services.shelter_advance(shelter=shelter, to=ShelterStatus.HANDED_OVER,
                                                         on=D(2025, 5, 1 + i), by=cast.officer))  # fmt: skip

    assert sum(isinstance(r, Shelter) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.HANDED_OVER
