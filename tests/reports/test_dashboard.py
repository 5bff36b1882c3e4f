"""The achievement dashboards: what a leader, an officer and a chair see, in Vietnamese figures;
the year, as-of day and structure switches; drill-down within the subtree (404 outside); the
role-aware home; and a number of queries that does not grow with the number of units."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports.models import Indicator, Issuer, Target, TargetRevision
from tests.conftest import client_for
from tests.factories import FederationFactory, UnionFactory, UserFactory, member, superior
from unions import services as union_services
from welfare import services as welfare_services
from welfare.models import Program

from .conftest import reported_return

D = datetime.date


@pytest.fixture(autouse=True)
def _no_cached_figures(settings):
    # Figures are cached until a commit moves the stamp on; test transactions never commit.
    settings.REPORTS_CACHE_SECONDS = 0


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def set_target(federation, union, code, value, year=2024):
    """A target written straight to the database, with its first revision."""
    target = Target.objects.create(
        federation=federation,
        union=union,
        indicator=Indicator.objects.get(code=code),
        year=year,
        value=Decimal(value),
        issuer=Issuer.FEDERATION,
        document_number="01/NQ-LĐLĐ",
        document_date=D(year, 1, 10),
    )
    TargetRevision.objects.create(target=target, number=1, value=target.value, issuer=target.issuer)
    return target


def report_cast(cast):
    """2024 in the cast's federation: members admitted in A (10/03) and A2 (05/08), Tet gifts of
    12.044.000 ₫ by A (25/01). Targets: the federation 3 admissions (2 done: 66,67 %) and
    10.000.000 ₫ of Tet care (120,44 %); D1 2 admissions (100 %), D2 1 (0 %)."""
    c = cast
    c.m1 = member(c.a, joined_on=D(2024, 3, 10))
    c.m2 = member(c.a2, joined_on=D(2024, 8, 5))
    welfare_services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, title="Quà Tết Giáp Thìn", held_on=D(2024, 1, 25),
        person_times=10, amount_union_funds=12_044_000, by=c.admin,
    )  # fmt: skip
    set_target(c.fed, None, "members_admitted", 3)
    set_target(c.fed, None, "tet_care_amount", 10_000_000)
    set_target(c.fed, c.d1, "members_admitted", 2)
    set_target(c.fed, c.d2, "members_admitted", 1)
    return c


@pytest.fixture
def t(cast):
    return report_cast(cast)


def body(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def text(html: str) -> str:
    """The page's words, tags and extra spaces taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def ranking_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)"', html)


# --- what the federation's dashboard shows --------------------------------------------------------


def test_leader_sees_the_headline_the_targets_and_vietnamese_figures(t):
    html = body(client_for(t.leader).get(reverse("reports:dashboard")))
    page = text(html)
    assert "1/2" in page  # 1 of 2 targets achieved or exceeded
    assert "120,44%" in page and "12.044.000" in page and "10.000.000" in page
    assert "66,67%" in page
    assert "rating-exceeded" in html and "rating-not_achieved" in html
    # 2024 is over: no "target to date" column
    assert 'data-figure="on_track"' not in html


def test_headline_and_ratings_in_english(t):
    page = text(body(english(t.leader).get(reverse("reports:dashboard"))))
    assert "Target achievement, 2024" in page
    assert "1/2 targets achieved or exceeded" in page
    assert "1 exceeded, 0 achieved" in page
    assert "Exceeded" in page and "Not achieved" in page
    assert "whole year, 01/01/2024 – 31/12/2024" in page


def test_ranking_lists_the_units_below_best_first_with_links_to_their_dashboards(t):
    html = body(client_for(t.leader).get(reverse("reports:dashboard")))
    # D1 100 %, D2 0 %, then the units without a target on the indicator
    assert ranking_rows(html)[:2] == ["H01", "H02"]
    assert set(ranking_rows(html)) == {"H01", "H02", "N01", "G0"}
    assert reverse("reports:unit", args=[t.d1.pk]) in html
    section = html[html.index('data-unit="H01"') :]
    assert "1/1" in text(section[: section.index("</tr>")])


def test_as_of_cuts_the_figures_and_shows_the_target_to_date(t):
    html = body(english(t.leader).get(reverse("reports:dashboard"), {"year": 2024, "as_of": "30/06/2024"}))
    page = text(html)
    # by 30/06 only A's member: 1/3 = 33,33 % (33.33 in English); the Tet money is all there
    assert "33.33%" in page and "120.44%" in page
    assert "figures up to 30/06/2024" in page
    assert "Target to date" in page
    assert "1/2 targets on track" in page  # Tet care ahead of its 5.000.000, admissions behind 1,5
    row = html[html.index('data-indicator="members_admitted"') :]
    row = row[: row.index("</tr>")]
    assert "1.5" in text(row) and "track-no" in row


def test_the_year_defaults_to_the_latest_with_targets_and_can_be_changed(t):
    set_target(t.fed, None, "members_admitted", 5, year=2023)
    page = text(body(english(t.leader).get(reverse("reports:dashboard"))))
    assert "Target achievement, 2024" in page
    page = text(body(english(t.leader).get(reverse("reports:dashboard"), {"year": 2023})))
    assert "Target achievement, 2023" in page and "0/1 targets achieved or exceeded" in page


def test_the_running_year_runs_to_today_with_targets_to_date(cast):
    today = timezone.localdate()
    set_target(cast.fed, None, "members_admitted", 4, year=today.year)
    page = text(body(english(cast.leader).get(reverse("reports:dashboard"))))
    assert f"Target achievement, {today.year}" in page
    assert f"figures up to {today:%d/%m/%Y}" in page and "Target to date" in page


def test_a_wrong_date_is_shown_and_the_default_used(t):
    html = body(english(t.leader).get(reverse("reports:dashboard"), {"year": 2024, "as_of": "31/02/2024"}))
    assert "Enter a valid date" in html
    assert "1/2 targets achieved or exceeded" in text(html)
    html = body(english(t.leader).get(reverse("reports:dashboard"), {"year": 2024, "as_of": "01/06/2023"}))
    assert "This day comes before the report year 2024 starts." in html


def test_structure_switch_counts_a_moved_union_where_it_stood(t):
    # A moved from D1 to D2 in 2025: today's structure puts its 2024 admission under D2.
    union_services.union_move(union=t.a, new_parent=t.d2, effective_on=D(2025, 2, 1), by=None)
    today = body(client_for(t.leader).get(reverse("reports:dashboard")))
    then = body(client_for(t.leader).get(reverse("reports:dashboard"), {"structure": "period_end"}))
    # today: D1 has A2 only (1/2 = 50 %), D2 has A (1/1 = 100 %)
    assert ranking_rows(today)[:2] == ["H02", "H01"]
    assert "50,00%" in text(today)
    # at the end of 2024: D1 had both (100 %), D2 none (0 %)
    assert ranking_rows(then)[:2] == ["H01", "H02"]
    assert "50,00%" not in text(then)
    assert 'value="period_end" selected' in then


def test_progress_chart_has_its_table_by_month(t):
    html = body(english(t.leader).get(reverse("reports:dashboard")))
    assert 'id="progress-chart-data"' in html and 'data-chart="progress"' in html
    months = html[html.index('class="table table-sm mb-0 report-table month-table"') :]
    months = text(months[: months.index("</table>")])
    assert "01/2024" in months and "12/2024" in months
    # cumulative: 1 from March, 2 from August; the target line reaches 3 in December
    assert "03/2024 1 0.75" in months and "08/2024 2 2" in months and "12/2024 2 3" in months


def test_progress_stops_at_the_as_of_day(t):
    html = body(english(t.leader).get(reverse("reports:dashboard"), {"year": 2024, "as_of": "15/08/2024"}))
    months = html[html.index("month-table") :]
    months = text(months[: months.index("</table>")])
    # the last month is cut at the day; the target line is the month's share of the year
    assert "08/2024 (to 15/08) 2 2" in months and "09/2024" not in months


def test_indicator_picker_changes_the_chart_and_the_ranking(t):
    html = body(english(t.leader).get(reverse("reports:dashboard"), {"indicator": "tet_care_amount"}))
    assert '<option value="tet_care_amount" selected>' in html
    months = html[html.index("month-table") :]
    assert "12,044,000" in text(months[: months.index("</table>")])
    # no unit below has a target on Tet care: the ranking falls back to k/n
    assert "% on: Tet care (VND)" in text(html)


def test_completeness_box_shows_the_latest_due_quarter(t):
    reported_return(t.a, 2024, 4)
    reported_return(t.b, 2024, 4, submitted_on=D(2025, 3, 1))  # late
    html = body(english(t.leader).get(reverse("reports:dashboard")))
    assert "Quarterly returns, Q4/2024" in text(html)
    assert 'data-figure="owing">5<' in html  # A, A2, B, E1, G0
    assert 'data-figure="late">1<' in html and 'data-figure="not_reported">3<' in html
    html = body(client_for(t.leader).get(reverse("reports:unit", args=[t.d1.pk])))
    assert f"{reverse('reports:completeness')}?year=2024&amp;quarter=4&amp;union={t.d1.pk}" in html


def test_no_targets_says_so(cast):
    html = body(english(cast.leader).get(reverse("reports:dashboard")))
    assert "No targets have been set for this unit for" in html
    assert "ranking-table" in html  # the units below are still listed, without targets


def test_export_button_keeps_the_parameters(t):
    html = body(client_for(t.leader).get(reverse("reports:unit", args=[t.d1.pk]), {"as_of": "30/06/2024"}))
    assert f"{reverse('reports:export')}?unit={t.d1.pk}&amp;year=2024&amp;as_of=30%2F06%2F2024" in html


# --- drill-down and who sees what ------------------------------------------------------------------


def test_drill_down_to_a_district_shows_its_targets_and_its_unions(t):
    html = body(english(t.leader).get(reverse("reports:unit", args=[t.d1.pk])))
    page = text(html)
    assert t.d1.name in page and "1/1 targets achieved or exceeded" in page
    assert set(ranking_rows(html)) == {"A", "A2"}
    assert reverse("reports:unit", args=[t.a.pk]) in html
    # breadcrumbs: the federation (linked to the leader's own dashboard), then the district
    crumbs = html[html.index('class="breadcrumb') : html.index("</ol>")]
    assert t.fed.name in crumbs and reverse("reports:dashboard") in crumbs


def test_officer_lands_on_its_district_and_may_open_its_unions_only(t):
    html = body(english(t.officer).get(reverse("reports:dashboard")))
    assert t.d1.name in html and "1/1 targets achieved or exceeded" in text(html)
    assert t.d2.name not in html and t.g0.name not in html
    assert client_for(t.officer).get(reverse("reports:unit", args=[t.a.pk])).status_code == 200
    assert client_for(t.officer).get(reverse("reports:unit", args=[t.b.pk])).status_code == 404
    assert client_for(t.officer).get(reverse("reports:unit", args=[t.d2.pk])).status_code == 404


def test_officer_breadcrumbs_do_not_link_above_its_district(t):
    html = body(client_for(t.officer).get(reverse("reports:unit", args=[t.a.pk])))
    crumbs = html[html.index('class="breadcrumb') : html.index("</ol>")]
    assert t.fed.name in crumbs and reverse("reports:dashboard") in crumbs  # D1 is the officer's own
    assert "reports/unit/" not in crumbs.split(t.d1.name)[0]


@pytest.mark.parametrize("who", ["chair_b", "other_admin"])
def test_a_union_out_of_scope_is_404(t, who):
    response = client_for(getattr(t, who)).get(reverse("reports:unit", args=[t.a.pk]))
    assert response.status_code == 404
    assert t.a.name not in response.content.decode()


def test_chair_sees_its_own_union_without_a_ranking(t):
    set_target(t.fed, t.a, "members_admitted", 1)
    html = body(english(t.chair_a).get(reverse("reports:dashboard")))
    assert t.a.name in html and "1/1 targets achieved or exceeded" in text(html)
    assert "ranking-table" not in html


def test_other_federation_sees_only_its_own(t):
    html = body(english(t.other_admin).get(reverse("reports:dashboard")))
    assert t.other_fed.name in html and t.fed.name not in html
    assert "No targets have been set" in html


def test_pages_are_read_only(t):
    assert client_for(t.admin).post(reverse("reports:dashboard")).status_code == 405
    assert client_for(t.leader).post(reverse("reports:unit", args=[t.d1.pk])).status_code == 405


# --- home -------------------------------------------------------------------------------------------


def test_leader_lands_on_the_dashboard(cast):
    assert client_for(cast.leader).get(reverse("home")).url == reverse("reports:dashboard")


def test_chair_still_lands_on_its_union_and_staff_on_the_tree(cast):
    assert client_for(cast.chair_a).get(reverse("home")).url == reverse("unions:detail", args=[cast.a.pk])
    assert client_for(cast.staff).get(reverse("home")).url == reverse("unions:tree")
    assert client_for(cast.officer).get(reverse("home")).url == reverse("unions:tree")


# --- queries ----------------------------------------------------------------------------------------


def tree_of_districts(federation, n: int):
    """`n` direct-superior unions, each with a grassroots union, a member admitted in 2024, a
    target and a return."""
    for i in range(n):
        district = superior(federation=federation, code=f"Q{i:02d}", name=f"Liên đoàn Lao động xã Số {i}")
        union = UnionFactory(parent=district, code=f"Q{i:02d}-1")
        member(union, joined_on=D(2024, 4, 1))
        set_target(federation, district, "members_admitted", 1)
        reported_return(union, 2024, 4)


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"as_of": "30/06/2024", "structure": "period_end"}])
def test_dashboard_queries_do_not_grow_with_the_units(cast, params):
    small, large = FederationFactory(code="NHO"), FederationFactory(code="LON")
    tree_of_districts(small, 3)
    tree_of_districts(large, 30)
    set_target(small, None, "members_total", 10)
    set_target(large, None, "members_total", 10)
    counts = []
    for federation in (small, large):
        client = client_for(UserFactory(role="leader", federation=federation))
        client.get(reverse("reports:dashboard"))  # the session, warmed up
        counts.append(_queries(client, reverse("reports:dashboard"), {"year": 2024, **params}))
    assert counts[0] == counts[1]
    html = body(client.get(reverse("reports:dashboard"), {"year": 2024}))
    assert len(ranking_rows(html)) == 30
