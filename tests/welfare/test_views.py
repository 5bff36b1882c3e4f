"""The welfare screens (PRODUCT.md §5, §8): what each role sees and may do, and what is in the
database after each form. Vietnamese is the default language: pages are checked on their data
(names, grouped numbers 1.500.000, dates 20/01/2025); messages in English where the test is
about a message."""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from welfare import services
from welfare.models import Activity, Beneficiary, Fund, FundEntry, Occasion, Program, Shelter, ShelterStatus

from ..conftest import add_members, client_for
from ..factories import member

D = datetime.date


def text(response) -> str:
    """The page as a person reads it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def w(cast):
    """The cast with Tet gifts of the federation, of A (both members of A named), of B; a Trade
    Union Meal of A; a house handed over to m_a and one approved for m_a2 (both by D1); a fund."""
    c = add_members(cast)
    c.m_a2 = member(c.a, full_name="Phạm Thị Hoa", gender="female", date_of_birth=D(1991, 3, 3))
    c.tet = services.occasion_create(federation=c.fed, name="Tết Ất Tỵ 2025", starts_on=D(2025, 1, 1),
                                     ends_on=D(2025, 2, 15), by=c.admin)  # fmt: skip
    c.fed_gifts = services.activity_create(
        federation=c.fed, program=Program.TET_CARE, occasion=c.tet, title="Quà Tết của Liên đoàn",
        held_on=D(2025, 1, 20), person_times=3, amount_union_funds=1_500_000, amount_sponsors=600_000, by=c.admin,
    )  # fmt: skip
    c.a_gifts = services.activity_create(
        federation=c.fed, union=c.a, program=Program.TET_CARE, occasion=c.tet, title="Quà Tết CĐCS Hòa Phú",
        held_on=D(2025, 1, 22), person_times=10, amount_union_funds=3_000_000, amount_social_fund=1_000_000,
        by=c.chair_a,
    )  # fmt: skip
    services.beneficiaries_add(activity=c.a_gifts, rows=[(c.m_a, 300_000, ""), (c.m_a2, None, "")], by=c.chair_a)
    c.b_gifts = services.activity_create(
        federation=c.fed, union=c.b, program=Program.TET_CARE, title="Quà Tết Mía đường", held_on=D(2025, 1, 26),
        person_times=4, amount_sponsors=800_000, by=c.chair_b,
    )  # fmt: skip
    c.a_meal = services.activity_create(
        federation=c.fed, union=c.a, program=Program.MEAL, title="Bữa cơm Công đoàn", held_on=D(2025, 5, 1),
        person_times=40, amount_union_funds=4_000_000, amount_sponsors=6_000_000, by=c.chair_a,
    )  # fmt: skip
    c.house = services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a, total_cost=120_000_000, approved_on=D(2025, 2, 1),
        amount_union_funds=50_000_000, amount_sponsors=20_000_000, address="Thôn 3, xã Hòa Phú", by=c.officer,
    )  # fmt: skip
    services.shelter_advance(shelter=c.house, to=ShelterStatus.BUILDING, on=D(2025, 3, 1), by=c.officer)
    services.shelter_advance(shelter=c.house, to=ShelterStatus.HANDED_OVER, on=D(2025, 6, 15), by=c.officer)
    c.pending = services.shelter_create(
        federation=c.fed, union=c.d1, member=c.m_a2, total_cost=80_000_000, approved_on=D(2025, 2, 10),
        amount_union_funds=40_000_000, by=c.officer,
    )  # fmt: skip
    c.fund = services.fund_create(federation=c.fed, name="Quỹ Xã hội Công đoàn tỉnh", kind="social", by=c.admin)
    services.fund_contribute(fund=c.fund, amount=1_000_000, on=D(2025, 1, 5), counterparty="Công ty A", by=c.admin)
    services.fund_pay(fund=c.fund, amount=400_000, on=D(2025, 1, 6), member=c.m_b, by=c.admin)
    return c


YEAR_2025 = "?start=01/01/2025&end=31/12/2025&year=2025"


# --- overview ------------------------------------------------------------------------------------


def test_federation_overview_shows_totals_by_program_fund_figures_and_months(w):
    response = client_for(w.admin).get(reverse("welfare:overview") + YEAR_2025)

    assert response.status_code == 200
    page = text(response)
    # Tet care: 3 activities, 17 person-times, 2 named, 1.500.000 + 3.000.000 union funds...
    tet = response.context["totals"].row(Program.TET_CARE)
    assert (tet.activities, tet.person_times, tet.persons, tet.amount_total) == (3, 17, 2, 6_900_000)
    assert "4.500.000" in page and "6.900.000" in page  # union funds, total of the Tet row
    assert "70.000.000" in page  # the house handed over
    assert "86.900.000" in page  # everything: 6.900.000 + 10.000.000 + 70.000.000
    assert "1.000.000" in page and "400.000" in page  # raised, paid out
    assert response.context["totals"].shelters_in_progress == 1
    chart = json.loads(re.search(r'id="welfare-chart-data"[^>]*>(.*?)</script>', response.content.decode()).group(1))
    assert chart["person_times"][:6] == [17, 0, 0, 0, 40, 1]
    assert len(chart["labels"]) == 12
    # The chart's table: May 2025, one meal, 40 person-times, 10.000.000.
    assert "05/2025 1 40 10.000.000" in page
    assert reverse("welfare:activity_create") in response.content.decode()


def test_overview_defaults_to_the_latest_year_with_records_and_the_chairs_own_union(w):
    response = client_for(w.chair_a).get(reverse("welfare:overview"))
    assert response.status_code == 200
    # The records are from 2025: the page opens on 2025 rather than on an empty current year.
    assert (response.context["start"], response.context["end"]) == (D(2025, 1, 1), D(2025, 12, 31))
    assert response.context["scope_union"] == w.a
    assert 'value="01/01/2025"' in response.content.decode()  # the filter shows the period shown
    response = client_for(w.chair_b).get(reverse("welfare:overview") + "?end=31/12/2030")
    today = timezone.localdate()
    assert (response.context["start"], response.context["end"]) == (D(today.year, 1, 1), D(2030, 12, 31))

    response = client_for(w.chair_a).get(reverse("welfare:overview") + YEAR_2025)
    rows = {r.program: r for r in response.context["totals"].rows}
    assert set(rows) == {Program.TET_CARE, Program.MEAL}  # not the federation's, B's or D1's records
    assert rows[Program.TET_CARE].amount_total == 4_000_000 and rows[Program.MEAL].person_times == 40
    assert "Công đoàn Trường Tiểu học Hòa Phú" in text(response)


def test_overview_of_a_union_below_the_user(w):
    response = client_for(w.officer).get(reverse("welfare:overview") + YEAR_2025 + f"&union={w.a.pk}")
    assert response.status_code == 200
    assert response.context["totals"].total.person_times == 50


def test_leader_reads_the_overview_without_write_buttons(w):
    response = client_for(w.leader).get(reverse("welfare:overview") + YEAR_2025)
    assert response.status_code == 200
    assert "86.900.000" in text(response)
    content = response.content.decode()
    assert reverse("welfare:activity_create") not in content and reverse("welfare:shelter_create") not in content


@pytest.mark.parametrize("who", ["chair_b", "other_admin"])
def test_overview_of_a_union_out_of_scope_is_404(w, who):
    response = client_for(getattr(w, who)).get(reverse("welfare:overview") + f"?union={w.a.pk}")
    assert response.status_code == 404


def test_union_page_links_to_its_welfare(w):
    response = client_for(w.chair_a).get(reverse("unions:detail", args=[w.a.pk]))
    assert f"{reverse('welfare:overview')}?union={w.a.pk}" in response.content.decode()


# --- activities ----------------------------------------------------------------------------------


def test_chair_lists_only_its_unions_activities(w):
    response = client_for(w.chair_a).get(reverse("welfare:activities"))
    page = text(response)
    assert "Quà Tết CĐCS Hòa Phú" in page and "Bữa cơm Công đoàn" in page
    assert "Quà Tết của Liên đoàn" not in page and "Quà Tết Mía đường" not in page
    assert "22/01/2025" in page and "4.000.000" in page


def test_activity_list_filters(w):
    client = client_for(w.admin)
    url = reverse("welfare:activities")
    titles = lambda response: {a.title for a in response.context["page"].object_list}  # noqa: E731
    assert titles(client.get(url)) == {
        "Quà Tết của Liên đoàn",
        "Quà Tết CĐCS Hòa Phú",
        "Quà Tết Mía đường",
        "Bữa cơm Công đoàn",
    }
    assert titles(client.get(url, {"program": "meal"})) == {"Bữa cơm Công đoàn"}
    assert titles(client.get(url, {"union": w.b.pk})) == {"Quà Tết Mía đường"}
    assert titles(client.get(url, {"union": w.d1.pk, "program": "tet_care"})) == {"Quà Tết CĐCS Hòa Phú"}
    assert titles(client.get(url, {"occasion": w.tet.pk})) == {"Quà Tết của Liên đoàn", "Quà Tết CĐCS Hòa Phú"}
    assert titles(client.get(url, {"start": "25/01/2025", "end": "30/04/2025"})) == {"Quà Tết Mía đường"}
    assert titles(client.get(url, {"q": "mía"})) == {"Quà Tết Mía đường"}
    assert titles(client.get(url, {"q": "qua tet mia duong"})) == {"Quà Tết Mía đường"}  # without diacritics


def test_leader_reads_the_list_without_a_record_button(w):
    response = client_for(w.leader).get(reverse("welfare:activities"))
    assert response.status_code == 200 and "Quà Tết Mía đường" in text(response)
    assert reverse("welfare:activity_create") not in response.content.decode()


def test_other_federation_sees_none_of_the_activities(w):
    response = client_for(w.other_admin).get(reverse("welfare:activities"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    assert client_for(w.chair_b).get(reverse("welfare:activities") + f"?union={w.a.pk}").status_code == 404


def test_activity_list_queries_do_not_grow_with_rows(w, django_assert_max_num_queries):
    client = client_for(w.admin)
    client.get(reverse("welfare:activities"))  # session, user
    for n in range(30):
        services.activity_create(federation=w.fed, union=w.a2 if n % 2 else None, program=Program.HARDSHIP,
                                 title=f"Thăm hỏi {n}", held_on=D(2025, 3, 1), person_times=1, by=w.admin)  # fmt: skip
    with django_assert_max_num_queries(9):
        response = client.get(reverse("welfare:activities"))
    assert response.context["page"].paginator.count == 34


NEW_ACTIVITY = {
    "program": "tet_care",
    "title": "  Quà   Tết cho công nhân khó khăn ",
    "held_on": "20/01/2025",
    "support_form": "gifts",
    "person_times": "25",
    "amount_union_funds": "1.500.000",
    "amount_sponsors": "2 000 000",
    "amount_social_fund": "",
    "amount_other": "0",
    "note": "",
}


def test_chair_records_an_activity_for_its_union_with_grouped_amounts(w):
    client = client_for(w.chair_a)
    form = client.get(reverse("welfare:activity_create") + "?program=meal").context["form"]
    assert form["program"].value() == "meal"
    assert list(form.fields["organizer"].unions) == [str(w.a.pk)]  # its own union only

    response = client.post(
        reverse("welfare:activity_create"), {**NEW_ACTIVITY, "organizer": w.a.pk, "occasion": w.tet.pk}
    )

    activity = Activity.objects.get(title="Quà Tết cho công nhân khó khăn")
    assert response.status_code == 302 and response.url == activity.get_absolute_url()
    assert (activity.federation, activity.union, activity.occasion, activity.created_by) == (
        w.fed,
        w.a,
        w.tet,
        w.chair_a,
    )
    assert (activity.amount_union_funds, activity.amount_sponsors, activity.amount_social_fund) == (
        1_500_000,
        2_000_000,
        0,
    )
    assert activity.person_times == 25 and activity.held_on == D(2025, 1, 20)
    page = text(client.get(activity.get_absolute_url()))
    assert "Quà Tết cho công nhân khó khăn" in page and "1.500.000" in page and "3.500.000" in page
    assert "20/01/2025" in page


def test_federation_records_an_activity_of_its_own(w):
    response = client_for(w.staff).post(reverse("welfare:activity_create"), {**NEW_ACTIVITY, "organizer": "federation"})
    assert response.status_code == 302
    activity = Activity.objects.get(title="Quà Tết cho công nhân khó khăn")
    assert activity.union is None and activity.federation == w.fed


def test_chair_cannot_record_for_another_union(w):
    response = client_for(w.chair_a).post(reverse("welfare:activity_create"), {**NEW_ACTIVITY, "organizer": w.b.pk})
    assert response.status_code == 200 and "organizer" in response.context["form"].errors
    response = client_for(w.chair_a).post(
        reverse("welfare:activity_create"), {**NEW_ACTIVITY, "organizer": "federation"}
    )
    assert "organizer" in response.context["form"].errors
    assert not Activity.objects.filter(title__contains="công nhân khó khăn").exists()
    # Naming a union it cannot see answers as if it did not exist.
    assert client_for(w.chair_b).get(reverse("welfare:activity_create") + f"?union={w.a.pk}").status_code == 404


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-500.000", "An amount cannot be negative."),
        ("1.500,50", "Enter the amount in whole dong, without decimals."),
        ("1.5", "Enter the amount in whole dong, without decimals."),
        ("một triệu", "Enter the amount in whole dong, for example 1.500.000."),
    ],
)
def test_amounts_must_be_whole_non_negative_dong(w, value, message):
    response = english(w.chair_a).post(
        reverse("welfare:activity_create"), {**NEW_ACTIVITY, "organizer": w.a.pk, "amount_sponsors": value}
    )
    assert response.status_code == 200
    with translation.override("en"):
        assert response.context["form"].errors["amount_sponsors"] == [message]
    assert message in text(response)
    assert not Activity.objects.filter(title__contains="công nhân khó khăn").exists()


def test_service_refusal_lands_on_the_field(w):
    future = (timezone.localdate() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    response = english(w.chair_a).post(
        reverse("welfare:activity_create"), {**NEW_ACTIVITY, "organizer": w.a.pk, "held_on": future}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["held_on"] == ["The date cannot be in the future."]
    assert not Activity.objects.filter(title__contains="công nhân khó khăn").exists()


@pytest.mark.parametrize("who", ["leader"])
def test_read_only_roles_cannot_record(w, who):
    client = client_for(getattr(w, who))
    assert client.get(reverse("welfare:activity_create")).status_code == 403
    response = client.post(reverse("welfare:activity_create"), {**NEW_ACTIVITY, "organizer": "federation"})
    assert response.status_code == 403
    assert not Activity.objects.filter(title__contains="công nhân khó khăn").exists()


def test_activity_page_shows_money_beneficiaries_and_history(w):
    response = client_for(w.chair_a).get(w.a_gifts.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    assert "Quà Tết CĐCS Hòa Phú" in page and "22/01/2025" in page and "Tết Ất Tỵ 2025" in page
    assert "3.000.000" in page and "1.000.000" in page and "4.000.000" in page
    assert "Nguyễn Văn An" in page and "Phạm Thị Hoa" in page and "300.000" in page
    assert "066090001234" in page  # a chair keeps the roll: full citizen IDs
    content = response.content.decode()
    assert reverse("members:detail", args=[w.m_a.pk]) in content
    assert reverse("welfare:activity_recipients", args=[w.a_gifts.pk]) in content
    assert len(response.context["history"]) == 2  # created, then members linked


def test_leader_reads_an_activity_with_masked_ids_and_no_buttons(w):
    response = client_for(w.leader).get(w.a_gifts.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    assert "Nguyễn Văn An" in page and "0660******34" in page and "066090001234" not in page
    content = response.content.decode()
    assert reverse("welfare:activity_edit", args=[w.a_gifts.pk]) not in content
    assert reverse("welfare:activity_recipients", args=[w.a_gifts.pk]) not in content


@pytest.mark.parametrize(("who", "status"), [("officer", 200), ("staff", 200), ("chair_b", 404), ("other_admin", 404)])
def test_who_sees_a_unions_activity(w, who, status):
    assert client_for(getattr(w, who)).get(w.a_gifts.get_absolute_url()).status_code == status


def test_chair_cannot_see_the_federations_activity(w):
    assert client_for(w.chair_a).get(w.fed_gifts.get_absolute_url()).status_code == 404


def test_edit_saves_and_records_what_changed(w):
    client = client_for(w.chair_a)
    url = reverse("welfare:activity_edit", args=[w.a_meal.pk])
    form = client.get(url).context["form"]
    assert form["amount_sponsors"].value() == 6_000_000
    assert 'value="6.000.000"' in client.get(url).content.decode()

    data = {
        **NEW_ACTIVITY,
        "program": "meal",
        "title": "Bữa cơm Công đoàn",
        "held_on": "01/05/2025",
        "person_times": "45",
        "amount_union_funds": "4.000.000",
        "amount_sponsors": "6.500.000",
        "amount_other": "",
    }
    response = client.post(url, data)

    assert response.status_code == 302
    w.a_meal.refresh_from_db()
    assert (w.a_meal.person_times, w.a_meal.amount_sponsors, w.a_meal.support_form) == (45, 6_500_000, "gifts")
    detail = client.get(w.a_meal.get_absolute_url())
    changed = {line.name: (line.before, line.after) for line in detail.context["history"][0].lines}
    assert changed["amount_sponsors"] == ("6.000.000", "6.500.000") and changed["person_times"] == ("40", "45")
    assert "6.500.000" in text(detail)


def test_person_times_cannot_fall_below_the_named_members(w):
    url = reverse("welfare:activity_edit", args=[w.a_gifts.pk])
    data = {**NEW_ACTIVITY, "title": "Quà Tết CĐCS Hòa Phú", "held_on": "22/01/2025", "person_times": "1"}
    response = english(w.chair_a).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["person_times"] == [
        "2 members are on the list of beneficiaries: person-times cannot be fewer."
    ]
    w.a_gifts.refresh_from_db()
    assert w.a_gifts.person_times == 10


@pytest.mark.parametrize(("who", "status"), [("officer", 200), ("leader", 403), ("chair_b", 404), ("other_admin", 404)])
def test_who_may_edit_an_activity(w, who, status):
    client = client_for(getattr(w, who))
    assert client.get(reverse("welfare:activity_edit", args=[w.a_gifts.pk])).status_code == status
    if status != 200:
        response = client.post(reverse("welfare:activity_edit", args=[w.a_gifts.pk]), {**NEW_ACTIVITY})
        assert response.status_code == status
        w.a_gifts.refresh_from_db()
        assert w.a_gifts.title == "Quà Tết CĐCS Hòa Phú"


def test_chair_takes_a_member_off_the_list(w):
    linked = Beneficiary.objects.get(activity=w.a_gifts, member=w.m_a2)
    url = reverse("welfare:beneficiary_remove", args=[w.a_gifts.pk, linked.pk])
    assert client_for(w.chair_a).get(url).status_code == 405

    response = client_for(w.chair_a).post(url)

    assert response.status_code == 302 and response.url == w.a_gifts.get_absolute_url()
    assert list(w.a_gifts.beneficiaries.values_list("member", flat=True)) == [w.m_a.pk]


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("chair_b", 404), ("other_admin", 404)])
def test_who_cannot_take_a_member_off_the_list(w, who, status):
    linked = Beneficiary.objects.get(activity=w.a_gifts, member=w.m_a2)
    url = reverse("welfare:beneficiary_remove", args=[w.a_gifts.pk, linked.pk])
    assert client_for(getattr(w, who)).post(url).status_code == status
    assert Beneficiary.objects.filter(pk=linked.pk).exists()


def test_beneficiary_of_another_activity_is_404(w):
    linked = Beneficiary.objects.get(activity=w.a_gifts, member=w.m_a)
    url = reverse("welfare:beneficiary_remove", args=[w.a_meal.pk, linked.pk])
    assert client_for(w.chair_a).post(url).status_code == 404
    assert Beneficiary.objects.filter(pk=linked.pk).exists()


# --- the list of recipients ----------------------------------------------------------------------


def csv_upload(*rows, header="Số CCCD"):
    body = "\r\n".join([header, *rows]) + "\r\n"
    return SimpleUploadedFile("nguoi-nhan.csv", body.encode("utf-8"), content_type="text/csv")


def test_uploaded_list_links_the_members(w):
    url = reverse("welfare:activity_recipients", args=[w.a_meal.pk])

    response = client_for(w.chair_a).post(url, {"file": csv_upload(w.m_a.citizen_id)})

    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert (outcome.status, outcome.rows, outcome.added) == ("imported", 1, 1)
    assert list(w.a_meal.beneficiaries.values_list("member", flat=True)) == [w.m_a.pk]
    assert "nguoi-nhan.csv" in text(response)


def test_checking_a_list_writes_nothing(w):
    url = reverse("welfare:activity_recipients", args=[w.a_meal.pk])
    response = client_for(w.chair_a).post(url, {"file": csv_upload(w.m_a.citizen_id), "dry_run": "on"})
    assert response.context["outcome"].status == "valid"
    assert not w.a_meal.beneficiaries.exists()


def test_unknown_citizen_id_shows_its_row_and_writes_nothing(w):
    url = reverse("welfare:activity_recipients", args=[w.a_meal.pk])

    response = client_for(w.chair_a).post(url, {"file": csv_upload(w.m_a.citizen_id, "066090009999")})

    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome.status == "invalid"
    assert [e.row for e in outcome.errors] == [3]
    table = re.search(r"<table.*?</table>", response.content.decode(), re.S).group(0)
    assert re.search(r"<td[^>]*>\s*3\s*</td>", table)
    assert outcome.errors[0].message in text(response)
    assert not w.a_meal.beneficiaries.exists()


def test_upload_without_a_file_stays_on_the_activity(w):
    url = reverse("welfare:activity_recipients", args=[w.a_meal.pk])
    response = client_for(w.chair_a).post(url, {"dry_run": "on"})
    assert response.status_code == 200
    assert "file" in response.context["upload_form"].errors
    assert not w.a_meal.beneficiaries.exists()


def test_upload_refuses_other_file_types(w):
    url = reverse("welfare:activity_recipients", args=[w.a_meal.pk])
    upload = SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0", content_type="application/vnd.ms-excel")
    response = english(w.chair_a).post(url, {"file": upload})
    with translation.override("en"):
        assert response.context["upload_form"].errors["file"] == [
            "Upload the list as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."
        ]


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("chair_b", 404), ("other_admin", 404)])
def test_who_cannot_upload_a_list(w, who, status):
    url = reverse("welfare:activity_recipients", args=[w.a_meal.pk])
    assert client_for(getattr(w, who)).post(url, {"file": csv_upload(w.m_a.citizen_id)}).status_code == status
    assert not w.a_meal.beneficiaries.exists()


@pytest.mark.parametrize(("fmt", "content_type"), [("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")])
def test_recipients_template_downloads(w, fmt, content_type):
    response = client_for(w.leader).get(reverse("welfare:recipients_template"), {"format": fmt})
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    assert "attachment" in response["Content-Disposition"]
    if fmt == "csv":
        assert "Số CCCD" in response.content.decode("utf-8-sig").splitlines()[0]


# --- Union Shelters ------------------------------------------------------------------------------


def test_officer_lists_its_districts_shelters(w):
    response = client_for(w.officer).get(reverse("welfare:shelters"))
    page = text(response)
    assert response.status_code == 200
    assert "Nguyễn Văn An" in page and "Phạm Thị Hoa" in page
    assert "01/02/2025" in page and "120.000.000" in page and "70.000.000" in page
    assert reverse("welfare:shelter_create") in response.content.decode()


def test_shelter_list_filters(w):
    client = client_for(w.admin)
    members = lambda response: {s.member.full_name for s in response.context["page"].object_list}  # noqa: E731
    assert members(client.get(reverse("welfare:shelters"), {"status": "handed_over"})) == {"Nguyễn Văn An"}
    assert members(client.get(reverse("welfare:shelters"), {"status": "approved"})) == {"Phạm Thị Hoa"}
    assert members(client.get(reverse("welfare:shelters"), {"year": "2024"})) == set()
    assert members(client.get(reverse("welfare:shelters"), {"union": w.d2.pk})) == set()


def test_chair_follows_the_house_of_its_member_but_cannot_approve(w):
    response = client_for(w.chair_a).get(reverse("welfare:shelters"))
    assert "Nguyễn Văn An" in text(response)
    assert reverse("welfare:shelter_create") not in response.content.decode()
    assert client_for(w.chair_a).get(w.house.get_absolute_url()).status_code == 200
    assert client_for(w.chair_a).get(reverse("welfare:shelter_create")).status_code == 403


def test_other_union_and_federation_do_not_see_the_shelters(w):
    assert client_for(w.chair_b).get(reverse("welfare:shelters")).context["page"].paginator.count == 0
    assert client_for(w.chair_b).get(w.house.get_absolute_url()).status_code == 404
    assert client_for(w.other_admin).get(w.house.get_absolute_url()).status_code == 404


def test_shelter_list_queries_do_not_grow_with_rows(w, django_assert_max_num_queries):
    client = client_for(w.admin)
    client.get(reverse("welfare:shelters"))
    for n in range(20):
        person = member(w.a2, full_name=f"Lê Văn Số {n}")
        services.shelter_create(federation=w.fed, union=w.d1 if n % 2 else None, member=person,
                                total_cost=50_000_000, approved_on=D(2025, 4, 1), by=w.admin)  # fmt: skip
    with django_assert_max_num_queries(9):
        response = client.get(reverse("welfare:shelters"))
    assert response.context["page"].paginator.count == 22


NEW_SHELTER = {
    "is_repair": "",
    "address": "Buôn Ky, phường Buôn Ma Thuột",
    "total_cost": "90.000.000",
    "decision_number": "15/QĐ-LĐLĐ",
    "approved_on": "10/03/2025",
    "amount_union_funds": "50.000.000",
    "amount_sponsors": "10.000.000",
}


def test_officer_approves_a_shelter_for_a_member_found_by_citizen_id(w):
    person = member(w.a2, full_name="Y Bhăm Niê", citizen_id="066088005555", date_of_birth=D(1988, 7, 7))
    client = client_for(w.officer)
    form = client.get(reverse("welfare:shelter_create")).context["form"]
    assert list(form.fields["organizer"].unions) == [str(w.d1.pk)]  # direct-superior unions only

    response = client.post(
        reverse("welfare:shelter_create"), {**NEW_SHELTER, "organizer": w.d1.pk, "member": "066 088 005 555"}
    )

    shelter = Shelter.objects.get(member=person)
    assert response.status_code == 302 and response.url == shelter.get_absolute_url()
    assert (shelter.union, shelter.status, shelter.total_cost, shelter.amount_total) == (
        w.d1,
        ShelterStatus.APPROVED,
        90_000_000,
        60_000_000,
    )
    assert (shelter.approved_on, shelter.year, shelter.created_by) == (D(2025, 3, 10), 2025, w.officer)
    page = text(client.get(shelter.get_absolute_url()))
    assert "Y Bhăm Niê" in page and "10/03/2025" in page and "60.000.000" in page and "15/QĐ-LĐLĐ" in page


def test_shelter_member_by_member_code(w):
    person = member(w.a2, full_name="H Hen Mlô", gender="female", date_of_birth=D(1990, 1, 1))
    person.member_code = "VGCL-000123"
    person.save(update_fields=["member_code"])
    response = client_for(w.staff).post(
        reverse("welfare:shelter_create"), {**NEW_SHELTER, "organizer": "federation", "member": "vgcl-000123"}
    )
    assert response.status_code == 302
    assert Shelter.objects.get(member=person).union is None


def test_shelter_member_out_of_reach_is_refused_on_the_member_field(w):
    response = english(w.officer).post(
        reverse("welfare:shelter_create"), {**NEW_SHELTER, "organizer": w.d1.pk, "member": w.m_b.citizen_id}
    )
    assert response.status_code == 200
    with translation.override("en"):
        assert response.context["form"].errors["member"] == [
            "No active member with this citizen ID or member code on the rolls you can see."
        ]
    assert not Shelter.objects.filter(member=w.m_b).exists()


def test_second_new_house_in_a_year_is_refused_with_the_services_message(w):
    response = english(w.officer).post(
        reverse("welfare:shelter_create"), {**NEW_SHELTER, "organizer": w.d1.pk, "member": w.m_a.citizen_id}
    )
    assert response.status_code == 200
    with translation.override("en"):
        assert "already has a Union Shelter this year" in " ".join(response.context["form"].errors["member"])
    assert "already has a Union Shelter this year" in text(response)
    assert Shelter.objects.filter(member=w.m_a).count() == 1


@pytest.mark.parametrize("who", ["leader", "chair_a"])
def test_roles_without_the_shelter_pipeline_cannot_approve(w, who):
    client = client_for(getattr(w, who))
    assert client.get(reverse("welfare:shelter_create")).status_code == 403
    data = {**NEW_SHELTER, "organizer": w.d1.pk, "member": w.m_a2.citizen_id, "is_repair": "on"}
    assert client.post(reverse("welfare:shelter_create"), data).status_code == 403
    assert Shelter.objects.count() == 2


def test_shelter_step_buttons_read_in_the_users_language(w):
    assert "Khởi công" in text(client_for(w.officer).get(w.pending.get_absolute_url()))
    english_page = text(english(w.officer).get(w.pending.get_absolute_url()))
    assert "Start building" in english_page and "Hand over" in english_page and "Khởi công" not in english_page


def test_shelter_page_offers_the_next_steps(w):
    response = client_for(w.officer).get(w.pending.get_absolute_url())
    assert response.status_code == 200
    assert [step["to"] for step in response.context["advance_forms"]] == ["building", "handed_over", "cancelled"]
    page = text(response)
    assert "Phạm Thị Hoa" in page and "10/02/2025" in page and "80.000.000" in page and "40.000.000" in page
    done = client_for(w.officer).get(w.house.get_absolute_url())
    assert done.context["advance_forms"] == []
    assert "15/06/2025" in text(done) and "01/03/2025" in text(done)


def test_leader_reads_a_shelter_without_the_address_or_buttons(w):
    response = client_for(w.leader).get(w.house.get_absolute_url())
    assert response.status_code == 200
    assert "Nguyễn Văn An" in text(response) and "Thôn 3" not in text(response)
    assert response.context["advance_forms"] == []
    assert reverse("welfare:shelter_edit", args=[w.house.pk]) not in response.content.decode()


def test_officer_moves_a_shelter_along_and_a_stale_step_is_refused(w):
    client = english(w.officer)
    url = reverse("welfare:shelter_advance", args=[w.pending.pk])

    response = client.post(url, {"to": "building", "on": "01/04/2025"})

    assert response.status_code == 302
    w.pending.refresh_from_db()
    assert (w.pending.status, w.pending.started_on) == (ShelterStatus.BUILDING, D(2025, 4, 1))

    # A second tab still shows "start building": the service's message, not a server error.
    stale = client.post(url, {"to": "building", "on": "02/04/2025"})
    assert stale.status_code == 200
    assert "A shelter that is “Building” cannot become “Building”." in text(stale)
    w.pending.refresh_from_db()
    assert w.pending.started_on == D(2025, 4, 1)

    handed = client.post(url, {"to": "handed_over", "on": "20/08/2025"})
    assert handed.status_code == 302
    w.pending.refresh_from_db()
    assert (w.pending.status, w.pending.handed_over_on) == (ShelterStatus.HANDED_OVER, D(2025, 8, 20))


def test_step_date_before_the_approval_is_refused_on_the_date(w):
    response = english(w.officer).post(
        reverse("welfare:shelter_advance", args=[w.pending.pk]), {"to": "building", "on": "01/01/2025"}
    )
    assert response.status_code == 200
    bound = next(s["form"] for s in response.context["advance_forms"] if s["to"] == "building")
    assert bound.errors["on"] == ["The date comes before the approval."]
    w.pending.refresh_from_db()
    assert w.pending.status == ShelterStatus.APPROVED


def test_cancelling_needs_a_reason(w):
    client = english(w.officer)
    url = reverse("welfare:shelter_advance", args=[w.pending.pk])
    response = client.post(url, {"to": "cancelled", "on": "01/04/2025", "reason": " "})
    assert response.status_code == 200
    bound = next(s["form"] for s in response.context["advance_forms"] if s["to"] == "cancelled")
    assert bound.errors["reason"] == ["Say why the shelter is cancelled."]
    w.pending.refresh_from_db()
    assert w.pending.status == ShelterStatus.APPROVED

    client.post(url, {"to": "cancelled", "on": "01/04/2025", "reason": "Gia đình chuyển đi"})
    w.pending.refresh_from_db()
    assert (w.pending.status, w.pending.cancel_reason) == (ShelterStatus.CANCELLED, "Gia đình chuyển đi")


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("chair_a", 403), ("chair_b", 404), ("other_admin", 404)])
def test_who_cannot_move_a_shelter(w, who, status):
    url = reverse("welfare:shelter_advance", args=[w.pending.pk])
    assert client_for(getattr(w, who)).post(url, {"to": "building", "on": "01/04/2025"}).status_code == status
    w.pending.refresh_from_db()
    assert w.pending.status == ShelterStatus.APPROVED


def test_officer_edits_a_shelter(w):
    client = client_for(w.officer)
    url = reverse("welfare:shelter_edit", args=[w.pending.pk])
    assert client.get(url).context["form"]["member"].value() == w.m_a2.citizen_id
    data = {
        **NEW_SHELTER,
        "member": w.m_a2.citizen_id,
        "approved_on": "10/02/2025",
        "total_cost": "85.000.000",
        "amount_union_funds": "40.000.000",
        "amount_sponsors": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    w.pending.refresh_from_db()
    assert (w.pending.total_cost, w.pending.amount_total, w.pending.decision_number) == (
        85_000_000,
        40_000_000,
        "15/QĐ-LĐLĐ",
    )
    detail = client.get(w.pending.get_absolute_url())
    changed = {line.name: (line.before, line.after) for line in detail.context["history"][0].lines}
    assert changed["total_cost"] == ("80.000.000", "85.000.000")
    assert "85.000.000" in text(detail)


def test_handed_over_shelter_keeps_its_member_but_takes_other_changes(w):
    client = client_for(w.officer)
    url = reverse("welfare:shelter_edit", args=[w.house.pk])
    data = {
        **NEW_SHELTER,
        "member": w.m_a2.citizen_id,  # ignored: the field is settled
        "approved_on": "01/01/2025",
        "total_cost": "120.000.000",
        "amount_union_funds": "50.000.000",
        "amount_sponsors": "20.000.000",
        "address": "Thôn 4, xã Hòa Phú",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    w.house.refresh_from_db()
    assert (w.house.member, w.house.approved_on, w.house.address) == (w.m_a, D(2025, 2, 1), "Thôn 4, xã Hòa Phú")


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("chair_a", 403), ("chair_b", 404), ("other_admin", 404)])
def test_who_cannot_edit_a_shelter(w, who, status):
    url = reverse("welfare:shelter_edit", args=[w.pending.pk])
    client = client_for(getattr(w, who))
    assert client.get(url).status_code == status
    assert client.post(url, {**NEW_SHELTER, "member": w.m_a2.citizen_id}).status_code == status
    w.pending.refresh_from_db()
    assert w.pending.total_cost == 80_000_000


# --- funds ---------------------------------------------------------------------------------------


def test_funds_list_shows_balances(w):
    response = client_for(w.leader).get(reverse("welfare:funds"))
    assert response.status_code == 200
    page = text(response)
    assert "Quỹ Xã hội Công đoàn tỉnh" in page and "600.000" in page
    assert reverse("welfare:fund_create") not in response.content.decode()
    assert client_for(w.other_admin).get(reverse("welfare:funds")).context["page"].paginator.count == 0


def test_funds_list_queries_do_not_grow_with_rows(w, django_assert_max_num_queries):
    client = client_for(w.admin)
    client.get(reverse("welfare:funds"))
    for n in range(15):
        services.fund_create(federation=w.fed, union=w.a if n % 2 else None, name=f"Quỹ {n}", kind="support",
                             by=w.admin)  # fmt: skip
    with django_assert_max_num_queries(6):
        response = client.get(reverse("welfare:funds"))
    assert response.context["page"].paginator.count == 16


def test_chair_opens_a_fund_for_its_union(w):
    response = client_for(w.chair_a).post(
        reverse("welfare:fund_create"), {"organizer": w.a.pk, "name": "Quỹ Tương trợ", "kind": "support"}
    )
    fund = Fund.objects.get(name="Quỹ Tương trợ")
    assert response.status_code == 302 and response.url == fund.get_absolute_url()
    assert (fund.union, fund.kind, fund.balance) == (w.a, "support", 0)


def test_fund_name_is_unique_in_the_federation(w):
    response = english(w.admin).post(
        reverse("welfare:fund_create"),
        {"organizer": "federation", "name": "Quỹ Xã hội Công đoàn tỉnh", "kind": "social"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["The federation already has a fund with this name."]
    assert Fund.objects.count() == 1


def test_leader_cannot_open_a_fund(w):
    assert client_for(w.leader).get(reverse("welfare:fund_create")).status_code == 403
    data = {"organizer": "federation", "name": "Quỹ mới", "kind": "support"}
    assert client_for(w.leader).post(reverse("welfare:fund_create"), data).status_code == 403
    assert not Fund.objects.filter(name="Quỹ mới").exists()


def test_fund_page_shows_entries_with_the_balance_after(w):
    response = client_for(w.admin).get(w.fund.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    assert "Công ty A" in page and "Trần Thị Bình" in page and "06/01/2025" in page
    assert "+1.000.000" in page and "−400.000" in page and "600.000" in page
    assert [f.entry_kind for f in response.context["entry_forms"]] == ["contribution", "payout"]


def test_contribution_and_payout(w):
    client = client_for(w.admin)
    url = reverse("welfare:fund_entry", args=[w.fund.pk])

    response = client.post(
        url, {"kind": "contribution", "amount": "2.500.000", "on": "01/02/2025", "counterparty": "Công ty B"}
    )

    assert response.status_code == 302 and response.url == w.fund.get_absolute_url()
    w.fund.refresh_from_db()
    assert w.fund.balance == 3_100_000
    response = client.post(
        url, {"kind": "payout", "amount": "1.100.000", "on": "02/02/2025", "member": w.m_a.citizen_id}
    )
    assert response.status_code == 302
    w.fund.refresh_from_db()
    entry = w.fund.entries.order_by("-pk").first()
    assert (w.fund.balance, entry.member, entry.balance_after, entry.created_by) == (
        2_000_000,
        w.m_a,
        2_000_000,
        w.admin,
    )


def test_payout_above_the_balance_is_refused_and_writes_nothing(w):
    response = client_for(w.admin).post(
        reverse("welfare:fund_entry", args=[w.fund.pk]), {"kind": "payout", "amount": "700.000", "on": "07/01/2025"}
    )
    assert response.status_code == 200
    [message] = response.context["entry_forms"][1].errors["amount"]
    assert "600.000" in message and "700.000" in message  # the balance and the amount, grouped
    assert message in text(response)
    w.fund.refresh_from_db()
    assert w.fund.balance == 600_000 and FundEntry.objects.filter(fund=w.fund).count() == 2


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("chair_a", 404), ("other_admin", 404)])
def test_who_cannot_record_fund_entries(w, who, status):
    url = reverse("welfare:fund_entry", args=[w.fund.pk])
    data = {"kind": "contribution", "amount": "100.000", "on": "01/02/2025"}
    assert client_for(getattr(w, who)).post(url, data).status_code == status
    assert FundEntry.objects.filter(fund=w.fund).count() == 2


def test_unions_fund_is_not_seen_outside_its_subtree(w):
    fund = services.fund_create(federation=w.fed, union=w.a, name="Quỹ Tương trợ A", kind="support", by=w.chair_a)
    assert client_for(w.chair_a).get(fund.get_absolute_url()).status_code == 200
    assert client_for(w.officer).get(fund.get_absolute_url()).status_code == 200
    assert client_for(w.chair_b).get(fund.get_absolute_url()).status_code == 404
    assert client_for(w.other_admin).get(fund.get_absolute_url()).status_code == 404
    # The chair sees its own fund, not the federation's.
    assert client_for(w.chair_a).get(w.fund.get_absolute_url()).status_code == 404


# --- occasions -----------------------------------------------------------------------------------


def test_staff_adds_an_occasion(w):
    response = client_for(w.staff).post(
        reverse("welfare:occasion_create"),
        {"name": "Tháng Công nhân 2025", "starts_on": "01/05/2025", "ends_on": "31/05/2025"},
    )
    assert response.status_code == 302
    occasion = Occasion.objects.get(name="Tháng Công nhân 2025")
    assert (occasion.federation, occasion.starts_on, occasion.ends_on) == (w.fed, D(2025, 5, 1), D(2025, 5, 31))
    page = text(client_for(w.chair_a).get(reverse("welfare:occasions")))
    assert "Tháng Công nhân 2025" in page and "01/05/2025 – 31/05/2025" in page


def test_occasion_dates_and_names_are_checked(w):
    client = english(w.admin)
    response = client.post(
        reverse("welfare:occasion_create"),
        {"name": "Tết Ất Tỵ 2025", "starts_on": "01/01/2025", "ends_on": "15/02/2025"},
    )
    assert response.context["form"].errors["name"] == ["The federation already has an occasion with this name."]
    response = client.post(
        reverse("welfare:occasion_create"), {"name": "Tết 2026", "starts_on": "15/02/2026", "ends_on": "01/01/2026"}
    )
    assert response.context["form"].errors["ends_on"] == ["The end comes before the start."]
    assert Occasion.objects.count() == 1


@pytest.mark.parametrize("who", ["leader", "officer", "chair_a"])
def test_only_federation_staff_add_occasions(w, who):
    client = client_for(getattr(w, who))
    assert client.get(reverse("welfare:occasions")).status_code == 200
    assert client.get(reverse("welfare:occasion_create")).status_code == 403
    data = {"name": "Tháng Công nhân 2025", "starts_on": "01/05/2025", "ends_on": "31/05/2025"}
    assert client.post(reverse("welfare:occasion_create"), data).status_code == 403
    assert not Occasion.objects.filter(name="Tháng Công nhân 2025").exists()


def test_other_federation_does_not_see_the_occasions(w):
    response = client_for(w.other_admin).get(reverse("welfare:occasions"))
    assert "Tết Ất Tỵ 2025" not in text(response)
    # ... nor can it file an activity under one.
    data = {**NEW_ACTIVITY, "organizer": "federation", "occasion": w.tet.pk}
    response = client_for(w.other_admin).post(reverse("welfare:activity_create"), data)
    assert response.status_code == 200 and "occasion" in response.context["form"].errors
