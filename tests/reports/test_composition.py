"""The dashboards' member composition: ethnic minorities, members with a religion and Party
members per unit below the node, with counts from 1 to 4 shown as "<5" (and no share) for every
role, the roles that see personal data included."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports.composition import member_composition
from reports.privacy import suppress_small, suppressed_share

from ..conftest import client_for
from ..factories import member


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (12, 12)])
def test_suppress_small(n, shown):
    assert suppress_small(n) == shown
    assert (suppressed_share(n, 20) is None) == (n < 5)


@pytest.fixture
def c(cast):
    """A: 7 members, 6 of the Ê Đê people, 3 with a religion, none in the Party. A2: 6 members,
    2 Gia Rai, 5 Party members, religion "Không" (none). B: 1 Kinh member. One former member of A
    (Ê Đê, in the Party) who no longer counts."""
    for i in range(7):
        member(cast.a, ethnicity="Ê Đê" if i < 6 else "Kinh", religion="Tin Lành" if i < 3 else "")
    for i in range(6):
        member(cast.a2, ethnicity="Gia Rai" if i < 2 else "Kinh", religion="Không", is_party_member=i < 5)
    member(cast.b, ethnicity="Kinh")
    gone = member(cast.a, ethnicity="Ê Đê", is_party_member=True)
    gone.status = "left"
    gone.left_on = gone.joined_on.replace(year=2024)
    gone.save(update_fields=["status", "left_on"])
    return cast


def _shown(row):
    return row.members, row.minority.shown, row.religious.shown, row.party.shown


def test_federation_node_groups_by_unit_below_it(c, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        composition = member_composition(federation=c.fed, union=None)
    rows = {row.unit.code: _shown(row) for row in composition.rows}
    assert rows == {"H01": (13, 8, "<5", 5), "H02": (1, 0, 0, 0), "N01": (0, 0, 0, 0), "G0": (0, 0, 0, 0)}
    assert _shown(composition.total) == (14, 8, "<5", 5)
    d1 = next(r for r in composition.rows if r.unit == c.d1)
    assert str(d1.minority.share) == "61.5" and d1.religious.share is None


def test_district_node_and_grassroots_node(c):
    rows = {r.unit.code: _shown(r) for r in member_composition(federation=c.fed, union=c.d1).rows}
    assert rows == {"A": (7, 6, "<5", 0), "A2": (6, "<5", 0, 5)}
    own = member_composition(federation=c.fed, union=c.a).rows
    assert [(r.unit, _shown(r)) for r in own] == [(c.a, (7, 6, "<5", 0))]


def _cells(html, code):
    row = re.search(rf'<tr[^>]*data-composition="{code}">(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


@pytest.mark.parametrize("who", ["leader", "admin"])  # suppressed for the roles that see personal data too
def test_dashboard_card_suppresses_small_counts(c, who):
    client = client_for(getattr(c, who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        html = client.get(reverse("reports:unit", args=[c.d1.pk])).content.decode()
    assert "Member composition" in html
    assert _cells(html, "A") == ["7", "6 85.7%", "&lt;5", "0"]
    assert _cells(html, "A2") == ["6", "&lt;5", "0", "5 83.3%"]
    assert _cells(html, "total") == ["13", "8 61.5%", "&lt;5", "5 38.5%"]
    assert "42.9%" not in html  # the share of A's 3 members with a religion is not shown either
