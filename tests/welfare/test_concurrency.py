"""Funds and shelters under concurrent writes, on PostgreSQL (SQLite serializes writers, so
these races cannot happen there), and a payout submitted twice (on every database)."""

import datetime
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from welfare import services
from welfare.models import Fund, FundEntry, Shelter, ShelterStatus

from ..concurrency import postgresql_only, race
from ..conftest import add_members, client_for

D = datetime.date


@pytest.fixture
def fund(transactional_db, cast):
    fund = services.fund_create(federation=cast.fed, name="Quỹ Xã hội Công đoàn", kind="social", by=cast.admin)
    services.fund_contribute(fund=fund, amount=1_000_000, on=D(2025, 1, 2), by=cast.admin)
    return fund


@postgresql_only
def test_concurrent_payouts_never_overdraw_the_fund(cast, fund):
    results = race(10, lambda i: services.fund_pay(fund=fund, amount=150_000, on=D(2025, 2, 1), by=cast.admin))

    paid = [r for r in results if isinstance(r, FundEntry)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(paid), len(refused)) == (6, 4), results
    fund.refresh_from_db()
    assert fund.balance == 100_000
    assert sorted(e.balance_after for e in paid) == [100_000, 250_000, 400_000, 550_000, 700_000, 850_000]
    assert FundEntry.objects.filter(fund=fund, kind="payout").count() == 6


@postgresql_only
def test_concurrent_contributions_lose_no_update(cast, fund):
    results = race(12, lambda i: services.fund_contribute(fund=fund, amount=1_000 * (i + 1), on=D(2025, 2, 1),
                                                           by=cast.admin))  # fmt: skip

    assert all(isinstance(r, FundEntry) for r in results), results
    fund.refresh_from_db()
    assert fund.balance == 1_000_000 + 1_000 * sum(range(1, 13))
    assert Fund.objects.get(pk=fund.pk).entries.count() == 13


@postgresql_only
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


@postgresql_only
def test_a_payout_submitted_ten_times_at_once_is_recorded_once(cast, fund):
    submission = uuid.uuid4()

    def pay(i):
        return services.fund_pay(fund=fund, amount=150_000, on=D(2025, 2, 1), submission=submission, by=cast.admin)

    results = race(10, pay)

    assert all(isinstance(r, FundEntry) for r in results), results
    assert {r.pk for r in results} == {results[0].pk}
    assert FundEntry.objects.filter(fund=fund, kind="payout").count() == 1
    fund.refresh_from_db()
    assert fund.balance == 850_000


def test_the_payout_form_posted_twice_records_one_payout(cast, fund):
    client = client_for(cast.admin)
    page = client.get(fund.get_absolute_url()).content.decode()
    tokens = re.findall(r'name="submission" value="([0-9a-f-]{36})"', page)
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # the contribution's form and the payout's
    data = {"kind": "payout", "amount": "150.000", "on": "01/02/2025", "submission": tokens[1]}
    url = reverse("welfare:fund_entry", args=[fund.pk])

    first, second = client.post(url, data), client.post(url, data)  # a double click

    assert (first.status_code, second.status_code) == (302, 302)
    assert FundEntry.objects.filter(fund=fund, kind="payout").count() == 1
    fund.refresh_from_db()
    assert fund.balance == 850_000
    assert client.post(url, {**data, "submission": str(uuid.uuid4())}).status_code == 302  # another payout
    assert FundEntry.objects.filter(fund=fund, kind="payout").count() == 2


def test_an_api_payout_sent_twice_records_one_payout(cast, fund):
    api = APIClient()
    api.force_authenticate(cast.admin)
    body = {"amount": 150_000, "on": "2025-02-01", "submission": str(uuid.uuid4())}

    first = api.post(f"/api/v1/funds/{fund.pk}/pay/", body, format="json")
    second = api.post(f"/api/v1/funds/{fund.pk}/pay/", body, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert FundEntry.objects.filter(fund=fund, kind="payout").count() == 1
    fund.refresh_from_db()
    assert fund.balance == 850_000
