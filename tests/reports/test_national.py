"""The national dashboard of the General Confederation's viewer: the country's figures are the sum
of the federations' own reports (a rate from the summed figures), the federations are ranked by
achievement, the page shows Vietnamese figures, the number of queries does not grow with the
number of federations; the viewer opens every federation's dashboard and nothing but reports.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from federation.models import Federation, Role
from federation.services import user_create
from federation.two_factor.policy import requires_two_factor
from reports.achievement import national_report, tree_report
from tests import test_access
from tests.conftest import client_for
from tests.factories import FederationFactory, UnionFactory, superior
from unions.models import Union
from welfare import services as welfare_services
from welfare.models import Program

from .access_national import viewer as make_viewer
from .conftest import reported_return
from .test_dashboard import _no_cached_figures, body, english, set_target, text  # noqa: F401 (a fixture)

D = datetime.date
MEASURED = ("union_meals", "tet_care_person_times", "members_per_worker")


def activity(federation, union, program, person_times, by):
    return welfare_services.activity_create(
        federation=federation, union=union, program=program, title="Hoạt động", held_on=D(2024, 3, 1),
        person_times=person_times, by=by,
    )  # fmt: skip


@pytest.fixture
def n(cast):
    """2024 in both federations. Tet care person-times: Đắk Lắk 2.000 by A and 10 by the
    federation itself (target 1.500: 134 %), Lào Cai 700 by X (target 750: 93,33 %): the country
    2.710 of 2.250, 120,44 %. Trade Union Meals: one in A, target 1.000 and 234 (country 1.234).
    Members per worker (a rate): A 30 of 40, X 10 of 70; the country 40 of 110 = 36,36 %."""
    c = cast
    c.viewer = make_viewer()
    activity(c.fed, c.a, Program.TET_CARE, 2000, c.admin)
    activity(c.fed, None, Program.TET_CARE, 10, c.admin)
    activity(c.other_fed, c.x, Program.TET_CARE, 700, c.other_admin)
    activity(c.fed, c.a, Program.MEAL, 40, c.admin)
    reported_return(c.a, 2024, 4, members_closing=30, workers_total=40)
    reported_return(c.x, 2024, 4, members_closing=10, workers_total=70)
    for federation, meals, tet, rate in ((c.fed, 1000, 1500, 70), (c.other_fed, 234, 750, 20)):
        set_target(federation, None, "union_meals", meals)
        set_target(federation, None, "tet_care_person_times", tet)
        set_target(federation, None, "members_per_worker", rate)
    set_target(c.fed, c.d1, "union_meals", 600)  # an allocation: not a national figure
    return c


# --- the figures -------------------------------------------------------------------------------


def test_national_figures_are_the_sum_of_the_federations_reports(n):
    national = national_report(year=2024)
    own = {f.pk: tree_report(federation=f, year=2024, children=False).report for f in (n.fed, n.other_fed)}
    assert [r.federation for r in national.federations] == list(Federation.objects.filter(closed_on=None))
    for report in national.federations:
        if report.federation.pk not in own:
            assert report.targeted == [] and all(not r.actual for r in report.rows)  # the cast's others
            continue
        expected = own[report.federation.pk]
        for code in MEASURED:
            mine, theirs = report.row(code), expected.row(code)
            assert (mine.actual, mine.target_value, mine.percent, mine.rating) == (
                theirs.actual,
                theirs.target_value,
                theirs.percent,
                theirs.rating,
            ), (report.federation.code, code)
    country = national.report
    for code in ("union_meals", "tet_care_person_times"):
        row = country.row(code)
        assert row.actual == sum(r.row(code).actual for r in own.values())
        assert row.target_value == sum(r.row(code).target_value for r in own.values())
    tet = country.row("tet_care_person_times")
    assert (tet.actual, tet.target_value, tet.percent, tet.rating) == (2710, 2250, Decimal("120.44"), "exceeded")
    assert country.row("union_meals").target_value == 1234  # 1.000 + 234; D1's 600 is an allocation
    # A rate: from the summed figures (40 of 110), not the mean of 75 % and 14,29 %; no national target.
    rate = country.row("members_per_worker")
    assert rate.actual == Decimal("36.36") and rate.target is None
    assert {r.indicator.code for r in national.shown} == set(MEASURED)
    assert (country.achieved_or_exceeded, country.targets) == (1, 2)


def test_the_ranking_follows_the_chosen_indicator(n):
    third = FederationFactory(code="LDLD-AGG", name="Liên đoàn Lao động tỉnh An Giang", province_code=89)
    query = {"year": 2024, "indicator": "tet_care_person_times"}
    html = body(english(n.viewer).get(reverse("reports:national"), query))
    # Đắk Lắk 134 %, Lào Cai 93,33 %, then those without a target (not alphabetical)
    ranked = _ranked(html)
    assert ranked[:2] == [n.fed.code, n.other_fed.code] and third.code in ranked[2:]
    assert len(ranked) == Federation.objects.filter(closed_on=None).count()
    data = json.loads(html.split('id="ranking-chart-data"')[1].split(">", 1)[1].split("</script>")[0])
    assert data["labels"] == ranked
    assert data["percent"][:3] == [134.0, 93.33, None]
    # By meals Lào Cai (0 of 234) is below Đắk Lắk (1 of 1.000: 0,10 %).
    html = body(client_for(n.viewer).get(reverse("reports:national"), {"year": 2024, "indicator": "union_meals"}))
    assert _ranked(html)[:2] == [n.fed.code, n.other_fed.code]
    row = html.split(f'data-federation="{n.fed.code}"')[1].split("</tr>")[0]
    assert "1.000" in row and "0,10%" in row
    assert reverse("reports:federation", args=[n.fed.pk]) + "?year=2024" in row


def _ranked(html):
    import re

    return re.findall(r'<tr data-federation="([^"]+)"', html)


def test_the_page_shows_the_national_figures_in_vietnamese(n):
    html = body(client_for(n.viewer).get(reverse("reports:dashboard"), {"year": 2024}))
    tet = html.split('data-indicator="tet_care_person_times"')[1].split("</tr>")[0]
    assert ">2.250<" in tet and ">2.710<" in tet and "120,44%" in tet
    meals = html.split('data-indicator="union_meals"')[1].split("</tr>")[0]
    assert ">1.234<" in meals
    rate = html.split('data-indicator="members_per_worker"')[1].split("</tr>")[0]
    assert "36,36" in rate and "—" in rate
    assert "1/2" in text(html.split('data-figure="headline"')[1].split("</div>")[0])
    # no personal data, no record: no member, no union of the federations
    assert n.a.name not in html and n.x.name not in html


def test_the_viewer_drills_into_a_federation_and_below(n):
    client = english(n.viewer)
    html = body(client.get(reverse("reports:federation", args=[n.other_fed.pk]), {"year": 2024}))
    assert n.other_fed.name in html and reverse("reports:national") in html  # the crumb back up
    assert reverse("reports:unit", args=[n.x1.pk]) in html  # ranking of its units, linked
    html = body(client.get(reverse("reports:unit", args=[n.x1.pk]), {"year": 2024}))
    assert n.x1.name in html and reverse("reports:federation", args=[n.other_fed.pk]) in html
    body(client.get(reverse("reports:unit", args=[n.a.pk])))
    response = client.get(reverse("reports:export"), {"federation": n.other_fed.pk, "year": 2024})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("reports:unit", args=[999999])).status_code == 404
    assert client.get(reverse("reports:federation", args=[999999])).status_code == 404


def test_the_api_gives_the_same_figures(n):
    response = client_for(n.viewer).get(reverse("report-national-list"), {"year": 2024})
    assert response.status_code == 200
    data = response.json()
    federations = Federation.objects.filter(closed_on=None).count()
    assert (data["unit"], data["year"], data["federations"], data["achieved_or_exceeded"], data["targets"]) == (
        "VGCL",
        2024,
        federations,
        1,
        2,
    )
    rows = {r["indicator"]: r for r in data["rows"]}
    assert rows["tet_care_person_times"] == {
        "indicator": "tet_care_person_times",
        "target": "2250",
        "actual": "2710",
        "percent": "120.44",
        "rating": "exceeded",
        "expected": "2250",
        "on_track": True,
    }
    assert rows["members_per_worker"]["actual"] == "36.36" and rows["members_per_worker"]["target"] is None
    assert [f["unit"] for f in data["ranking"]][:2] == [n.fed.code, n.other_fed.code]  # 2/3, then 0/3
    assert len(data["ranking"]) == federations
    assert client_for(n.leader).get(reverse("report-national-list")).status_code == 403
    assert Client().get(reverse("report-national-list")).status_code == 401


def test_federation_users_may_not_read_the_country(n):
    for user in (n.leader, n.admin, n.other_admin, n.chair_a):
        assert client_for(user).get(reverse("reports:national")).status_code == 403
    assert client_for(n.leader).get(reverse("reports:federation", args=[n.other_fed.pk])).status_code == 404
    assert client_for(n.leader).get(reverse("reports:dashboard")).status_code == 200  # their own, as before
    response = Client().get(reverse("reports:national"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_queries_do_not_grow_with_the_number_of_federations(n):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            national_report(year=2024)
        return len(ctx.captured_queries)

    def page():
        with CaptureQueriesContext(connection) as ctx:
            body(client.get(reverse("reports:national"), {"year": 2024}))
        return len(ctx.captured_queries)

    client = client_for(n.viewer)
    before, before_page = count(), page()
    for i in range(3):
        federation = FederationFactory(code=f"LDLD-T{i}", name=f"Liên đoàn Lao động tỉnh Thử {i}", province_code=1 + i)
        district = superior(federation=federation, code="H01", name=f"Liên đoàn Lao động phường Thử {i}")
        union = UnionFactory(parent=district, code=f"T{i}", name=f"Công đoàn Công ty Thử {i}")
        activity(federation, union, Program.TET_CARE, 5, None)
        set_target(federation, None, "tet_care_person_times", 10)
    assert (count(), page()) == (before, before_page)


# --- the role ----------------------------------------------------------------------------------


def test_figures_reach_every_federation_records_none(n):
    """The one rule behind every report's access: `reported_to` (figures) beside `visible_to`
    (records)."""
    everything = set(Union.objects.values_list("pk", flat=True))
    assert set(Union.objects.reported_to(n.viewer).values_list("pk", flat=True)) == everything
    assert not Union.objects.visible_to(n.viewer).exists()
    assert set(Federation.objects.reported_to(n.viewer)) == set(Federation.objects.all())
    assert list(Federation.objects.reported_to(n.leader)) == [n.fed]
    assert not Federation.objects.reported_to(n.chair_a).exists()  # a union's users read their union
    assert set(Union.objects.reported_to(n.officer)) == set(Union.objects.visible_to(n.officer))


def test_the_viewer_has_no_place_and_signs_in_with_two_factors(n):
    assert n.viewer.federation_id is None and n.viewer.union_id is None and n.viewer.scope_path is None
    assert n.viewer.capabilities == {"view_reports"}
    assert requires_two_factor(n.viewer)
    User = get_user_model()
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.create(username="v2", role=Role.NATIONAL_VIEWER, federation=n.fed)
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.create(username="v3", role=Role.LEADER)  # a federation role still needs one
    # The service that opens accounts knows the role too: no federation, no union.
    opened = user_create(username="v4", role=Role.NATIONAL_VIEWER, federation=None, password="x" * 20)
    assert (opened.role, opened.federation_id, opened.union_id) == (Role.NATIONAL_VIEWER, None, None)
    with pytest.raises(ValidationError) as refused:
        user_create(username="v5", role=Role.NATIONAL_VIEWER, federation=n.fed)
    assert "federation" in refused.value.message_dict
    assert not User.objects.filter(username="v5").exists()


def test_the_viewer_lands_on_the_national_dashboard(n):
    response = client_for(n.viewer).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("reports:dashboard")


def test_the_menu_shows_the_viewer_the_dashboard_only(n):
    html = body(english(n.viewer).get(reverse("reports:national")))
    nav = html.split('id="mainnav"')[1].split("</ul>")[0]
    assert reverse("reports:dashboard") in nav
    for name in ("unions:tree", "members:list", "welfare:overview", "reports:targets", "reports:returns"):
        assert f'href="{reverse(name)}"' not in nav, name


# --- nothing but reports -----------------------------------------------------------------------

# What the viewer opens: the dashboards and their API, and its own account's pages.
REPORT_URLS = {"reports:dashboard", "reports:unit", "reports:federation", "reports:export", "reports:national"}
REPORT_URLS |= {"report-achievement", "report-completeness", "report-national-list"}
ACCOUNT_URLS = {"login", "logout", "home", "healthz", "set_language", "password_change"}
ACCOUNT_URLS |= {"schema", "api-docs"}  # the API's description: no record in it


@pytest.fixture
def matrix_cast(cast):
    """The access matrix's cast (tests/test_access.py), the viewer included."""
    return test_access.cast.__wrapped__(cast)


def test_the_viewer_reaches_nothing_but_reports(matrix_cast):
    """Every other address of the access matrix, read or write, is refused before its view runs
    (federation.middleware.NationalFenceMiddleware): 403, or 405 for a method the URL lacks."""
    c = matrix_cast
    client = client_for(c.viewer)
    seen, reached = set(), []
    for name, _who, method, url, _expected, payload in test_access.MATRIX:
        address = url(c)
        if name in ACCOUNT_URLS or name in REPORT_URLS or name.startswith("two_factor") or (method, address) in seen:
            continue
        seen.add((method, address))
        api = name.startswith(test_access.API_PREFIXES)
        response = test_access._request(client, method, address, test_access._payload(c, payload), api)
        test_access.assert_no_personal_data(response, c.viewer)
        if response.status_code not in (403, 405):
            reached.append((response.status_code, method, name, address))
    assert reached == []
    assert len(seen) > 150  # the whole matrix was walked


def test_a_superuser_opens_a_viewer_account_on_the_admin_site(cast):
    root = get_user_model().objects.create_superuser(username="root", password="x" * 20)
    password = "a-long-pass-phrase-2025"
    data = {"username": "tld_viewer", "usable_password": "true", "password1": password, "password2": password,
            "role": Role.NATIONAL_VIEWER, "federation": "", "union": ""}  # fmt: skip
    response = client_for(root).post(reverse("admin:federation_user_add"), data)
    assert response.status_code == 302, response.content[:2000]
    made = get_user_model().objects.get(username="tld_viewer")
    assert (made.role, made.federation_id, made.union_id, made.is_staff) == (Role.NATIONAL_VIEWER, None, None, False)
    # with a federation: refused, saying why
    response = client_for(root).post(
        reverse("admin:federation_user_add"), {**data, "username": "v2", "federation": cast.fed.pk}
    )
    assert response.status_code == 200 and not get_user_model().objects.filter(username="v2").exists()
    # a federation's administrator cannot give the role
    form = client_for(cast.admin).get(reverse("admin:federation_user_add")).content.decode()
    assert 'value="national_viewer"' not in form
