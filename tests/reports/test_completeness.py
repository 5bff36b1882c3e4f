"""Who owes a quarter's return, who reported on time or late, for any scope."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.completeness import Standing, completeness, deadline_for
from reports.models import ReportingQuarter, ReturnStatus
from tests.factories import UnionFactory

from .conftest import reported_return

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def q1(cast):
    """Q1 2024: A reported on time, B late, E1 only drafted, A2 and G0 nothing; a union closed
    in February owes nothing, one established in May neither."""
    reported_return(cast.a, 2024, 1, submitted_on=D(2024, 4, 8))
    reported_return(cast.b, 2024, 1, submitted_on=D(2024, 4, 20), status=ReturnStatus.SUBMITTED)
    reported_return(cast.e1, 2024, 1, status=ReturnStatus.DRAFT)
    UnionFactory(parent=cast.d1, code="GONE", established_on=D(2010, 1, 1), closed_on=D(2024, 2, 1), status="closed")
    UnionFactory(parent=cast.d1, code="LATER", established_on=D(2024, 5, 1))
    return cast


def test_deadline_defaults_to_ten_days_after_the_quarter_and_can_be_set(cast):
    assert deadline_for(cast.fed, 2024, 1) == D(2024, 4, 10)
    ReportingQuarter.objects.create(federation=cast.fed, year=2024, quarter=1, deadline=D(2024, 4, 25))
    assert deadline_for(cast.fed, 2024, 1) == D(2024, 4, 25)


def test_federation_tally_and_lists(q1):
    result = completeness(q1.fed, path=q1.fed.path, year=2024, quarter=1, today=D(2024, 5, 1))
    t = result.total
    assert (t.owing, t.reported, t.on_time, t.late, t.approved, t.not_reported, t.overdue) == (5, 2, 1, 1, 1, 3, 3)
    assert str(t.rate) == "40.00"
    assert sorted(u.code for u in result.not_reported()) == ["A2", "E1", "G0"]
    assert [u.code for u in result.late()] == ["B"]
    by_child = result.by_child()
    assert by_child[q1.d1.path].owing == 2 and by_child[q1.d1.path].reported == 1
    assert by_child[q1.g0.path].overdue == 1


def test_before_the_deadline_nothing_is_overdue_and_a_later_deadline_makes_b_on_time(q1):
    ReportingQuarter.objects.create(federation=q1.fed, year=2024, quarter=1, deadline=D(2024, 4, 30))
    result = completeness(q1.fed, path=q1.d2.path, year=2024, quarter=1, today=D(2024, 4, 25))
    assert [(u.code, u.standing) for u in result.units] == [("B", Standing.ON_TIME)]
    result = completeness(q1.fed, path=q1.fed.path, year=2024, quarter=1, today=D(2024, 4, 25))
    assert result.total.overdue == 0 and result.total.not_reported == 3


def test_two_queries_and_a_third_for_the_deadline_whatever_the_units(q1):
    with CaptureQueriesContext(connection) as ctx:
        completeness(q1.fed, path=q1.fed.path, year=2024, quarter=1, today=D(2024, 5, 1))
    assert len(ctx.captured_queries) == 3
