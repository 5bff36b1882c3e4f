"""The target screens (PRODUCT.md §6, §8): what each role sees and may do, and what is in the
database after each form. Vietnamese is the default language: pages are checked on their data
(grouped numbers 8.450, percentages 125,00, dates 15/01/2024); messages in English where the
test is about a message."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports.models import Indicator, Target
from reports.services.targets import target_set
from tests.factories import member

from ..conftest import client_for

D = datetime.date


def text(response) -> str:
    """The page as a person reads it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _no_cached_figures(settings):
    settings.REPORTS_CACHE_SECONDS = 0


@pytest.fixture
def t(cast):
    """Targets for 2024: the federation's 8.450 new members allocated 3.000 + 2.500 + 1.500 + 1.000
    (450 short), D1's 3.000 allocated to A (4) and A2; five members admitted in A in 2024."""
    c = cast
    c.admitted = Indicator.objects.get(code="members_admitted")
    c.meals = Indicator.objects.get(code="union_meals")

    def put(union, value, indicator=None):
        return target_set(federation=c.fed, union=union, indicator=indicator or c.admitted, year=2024, value=value,
                          document_number="125/KH-LĐLĐ", document_date=D(2024, 1, 15), by=c.admin)  # fmt: skip

    c.t_fed = put(None, 8450)
    c.t_d1 = put(c.d1, 3000)
    put(c.d2, 2500)
    put(c.edu, 1500)
    put(c.g0, 1000)
    c.t_a = put(c.a, 4)
    c.t_a2 = put(c.a2, 2996)
    c.t_b = put(c.b, 2500)
    c.meals_fed = put(None, 100, c.meals)
    for _ in range(5):
        member(c.a, joined_on=D(2024, 3, 1))
    return c


def test_federation_page_shows_its_targets_achievement_and_allocation_check(t):
    response = client_for(t.admin).get(reverse("reports:targets") + "?year=2024")
    assert response.status_code == 200
    page = text(response)
    assert "8.450" in page and "Liên đoàn Lao động tỉnh Đắk Lắk" in page
    row = next(r for r in response.context["rows"] if r.indicator.code == "members_admitted")
    assert (row.target.value, row.actual, row.percent) == (Decimal(8450), Decimal(5), Decimal("0.06"))
    check = next(a for a in response.context["allocations"] if a["indicator"] == t.admitted)["check"]
    assert (check.allocated, check.shortfall, check.status) == (8000, 450, "short")
    assert 'data-check="short"' in response.content.decode()
    assert reverse("reports:target_create") in response.content.decode()
    assert reverse("reports:target_allocate") in response.content.decode()


def test_the_sum_check_reads_as_a_sentence(t):
    page = text(english(t.admin).get(reverse("reports:targets") + "?year=2024"))
    assert "Allocated 8,000 ≠ target 8,450 (short by 450)" in page
    assert "Not allocated yet (target 100)" in page


def test_officer_sees_its_union_and_allocation_chair_sees_its_own(t):
    response = client_for(t.officer).get(reverse("reports:targets") + "?year=2024")
    assert response.status_code == 200
    assert response.context["union"] == t.d1
    check = next(a for a in response.context["allocations"] if a["indicator"] == t.admitted)["check"]
    assert (check.target, check.allocated, check.status) == (3000, 3000, "adds_up")
    assert response.context["can_allocate"] and response.context["can_set"]  # for the units below D1

    response = client_for(t.chair_a).get(reverse("reports:targets") + "?year=2024")
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert (row.target.value, row.actual, row.percent, row.rating) == (4, 5, Decimal("125.00"), "exceeded")
    assert "125,00" in text(response)
    assert not response.context["can_set"] and not response.context["allocations"]
    assert reverse("reports:target_create") not in response.content.decode()


def test_a_unit_outside_the_scope_is_not_found(t):
    assert client_for(t.officer).get(reverse("reports:targets") + f"?union={t.b.pk}").status_code == 404
    assert client_for(t.chair_b).get(reverse("reports:targets") + f"?union={t.a.pk}").status_code == 404
    assert client_for(t.other_admin).get(reverse("reports:target_detail", args=[t.t_a.pk])).status_code == 404
    assert client_for(t.officer).get(reverse("reports:target_detail", args=[t.t_b.pk])).status_code == 404


def test_detail_shows_value_revisions_and_history(t):
    response = client_for(t.leader).get(reverse("reports:target_detail", args=[t.t_fed.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "8.450" in page and "125/KH-LĐLĐ" in page and "15/01/2024" in page
    assert response.context["check"].status == "short"
    assert len(response.context["history"]) == 1
    assert reverse("reports:target_edit", args=[t.t_fed.pk]) not in response.content.decode()  # read-only


def test_staff_sets_a_target_through_the_form(t):
    client = client_for(t.staff)
    assert client.get(reverse("reports:target_create") + f"?union={t.b.pk}&year=2025").status_code == 200
    response = client.post(
        reverse("reports:target_create"),
        {"unit": t.b.pk, "indicator": t.admitted.pk, "year": "2025", "value": "1.250", "document_number": "9/KH",
         "document_date": "20/01/2025", "issuer": ""},
    )  # fmt: skip
    target = Target.objects.get(union=t.b, year=2025)
    assert response.status_code == 302 and response.url == target.get_absolute_url()
    assert (target.value, target.document_date, target.issuer) == (Decimal(1250), D(2025, 1, 20), "superior")

    response = client.post(
        reverse("reports:target_create"),
        {"unit": "federation", "indicator": t.meals.pk, "year": "2025", "value": "120"},
    )
    assert response.status_code == 302
    assert Target.objects.get(union__isnull=True, indicator=t.meals, year=2025).value == 120


def test_form_errors_are_in_the_users_language_and_nothing_is_written(t):
    before = Target.objects.count()
    response = english(t.staff).post(
        reverse("reports:target_create"),
        {"unit": t.b.pk, "indicator": t.admitted.pk, "year": "2025", "value": "12,5"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"value": ["Enter a whole number, without decimals."]}
    response = english(t.staff).post(
        reverse("reports:target_create"),
        {"unit": t.b.pk, "indicator": t.admitted.pk, "year": "2024", "value": "10"},
    )
    assert "This unit already has a target for this indicator and year: open it to revise it." in text(response)
    response = client_for(t.staff).post(
        reverse("reports:target_create"), {"unit": t.b.pk, "indicator": t.admitted.pk, "year": "2025", "value": "-4"}
    )
    assert "value" in response.context["form"].errors
    assert response.context["form"].errors["value"] != ["A target cannot be negative."]  # Vietnamese by default
    assert Target.objects.count() == before


def test_officer_form_offers_the_units_below_its_union_only(t):
    response = client_for(t.officer).get(reverse("reports:target_create"))
    assert response.status_code == 200
    choices = {str(v) for v, _label in response.context["form"].fields["unit"].choices if not isinstance(_label, list)}
    for group in response.context["form"].fields["unit"].choices:
        if isinstance(group[1], list):
            choices |= {str(v) for v, _label in group[1]}
    assert str(t.a.pk) in choices and str(t.a2.pk) in choices
    assert str(t.d1.pk) not in choices and str(t.b.pk) not in choices and "federation" not in choices
    response = client_for(t.officer).post(
        reverse("reports:target_create"), {"unit": t.b.pk, "indicator": t.meals.pk, "year": "2024", "value": "1"}
    )
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert not Target.objects.filter(union=t.b, indicator=t.meals).exists()
    assert client_for(t.officer).get(reverse("reports:target_create") + f"?union={t.b.pk}").status_code == 404
    assert client_for(t.officer).get(reverse("reports:target_create") + f"?union={t.d1.pk}").status_code == 403


def test_read_only_roles_get_403_on_every_write(t):
    for who in (t.leader, t.chair_a):
        client = client_for(who)
        assert client.get(reverse("reports:target_create")).status_code == 403
        assert client.get(reverse("reports:target_edit", args=[t.t_a.pk])).status_code == 403
        assert (
            client.post(reverse("reports:target_edit", args=[t.t_a.pk]), {"value": "9", "version": "1"}).status_code
            == 403
        )
        assert client.get(reverse("reports:target_allocate") + f"?parent={t.d1.pk}").status_code == 403
    assert client_for(t.officer).get(reverse("reports:target_edit", args=[t.t_d1.pk])).status_code == 403
    t.t_a.refresh_from_db()
    assert t.t_a.value == 4


def test_revising_through_the_form_keeps_the_revision_and_refuses_a_stale_save(t):
    client = client_for(t.officer)
    url = reverse("reports:target_edit", args=[t.t_a.pk])
    assert client.get(url).status_code == 200
    data = {"value": "6", "document_number": "15/KH-H01", "document_date": "01/07/2024", "issuer": "superior",
            "reason": "Bổ sung chỉ tiêu", "version": "1"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    t.t_a.refresh_from_db()
    assert (t.t_a.value, t.t_a.version, t.t_a.revisions.count()) == (6, 2, 2)

    response = english(t.admin).post(url, {**data, "value": "7"})  # still on version 1
    assert response.status_code == 200
    assert f"This target was changed by {t.officer.display_name} at" in text(response)
    t.t_a.refresh_from_db()
    assert t.t_a.value == 6


def test_allocation_page_saves_the_table_and_shows_the_running_sum_data(t):
    client = client_for(t.officer)
    url = reverse("reports:target_allocate") + "?indicator=members_admitted&year=2024"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["parent"] == t.d1 and response.context["parent_target"] == t.t_d1
    live = json.loads(re.search(r'id="allocation-data"[^>]*>(.*?)</script>', response.content.decode()).group(1))
    assert live["target"] == "3000.00" and live["additive"] is True
    assert "3.000" in text(response)  # the total of the current allocation

    form = {f"u_{t.a.pk}": "1.000", f"v_{t.a.pk}": "1", f"u_{t.a2.pk}": "2.000", f"v_{t.a2.pk}": "1",
            "reason": "Phân bổ lại", "document_number": "20/KH-H01", "document_date": "01/03/2024"}  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302
    assert {t.union.code: t.value for t in Target.objects.filter(union__parent=t.d1)} == {"A": 1000, "A2": 2000}

    # A wrong row: nothing written, the error is on that row.
    response = english(t.officer).post(url, {**form, f"u_{t.a.pk}": "-5", f"v_{t.a.pk}": "2", f"v_{t.a2.pk}": "2"})
    assert response.status_code == 200
    with translation.override("en"):  # the form's messages are lazy: read them in English
        assert response.context["form"].errors[f"u_{t.a.pk}"] == ["A target cannot be negative."]
    assert Target.objects.get(union=t.a).value == 1000


def test_allocation_page_is_not_found_outside_the_scope(t):
    assert client_for(t.officer).get(reverse("reports:target_allocate") + f"?parent={t.d2.pk}").status_code == 404
    assert client_for(t.other_admin).get(reverse("reports:target_allocate") + f"?parent={t.d1.pk}").status_code == 404
    response = client_for(t.admin).get(reverse("reports:target_allocate") + "?indicator=union_meals&year=2024")
    assert response.status_code == 200
    assert [u.code for u, *_rest in response.context["form"].rows()] == ["G0", "H01", "H02", "N01"]
