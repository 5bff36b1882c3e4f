"""The quarterly return screens (PRODUCT.md §6, §8): what each role sees and may do, and what is
in the database afterwards. Pages are read in Vietnamese where the test is about figures (1.200,
22/07/2026), in English where it is about a message."""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from reports import returns as selectors
from reports.models import QuarterlyReturn, ReportingQuarter, ReturnStatus
from reports.services import returns as services

from ..conftest import client_for
from ..factories import UnionFactory, member

D = datetime.date
Y, Q = 2026, 3


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def detail_url(ret) -> str:
    return reverse("reports:return_detail", args=[ret.pk])


@pytest.fixture
def r(cast):
    """A with three members at the end of Q3/2026 (one a woman), and its draft for Q3/2026."""
    c = cast
    member(c.a, full_name="Nguyễn Văn Một", joined_on=D(2020, 1, 1))
    member(c.a, full_name="Trần Thị Hai", gender="female", joined_on=D(2021, 1, 1))
    member(c.a, full_name="Lê Văn Ba", joined_on=D(2026, 8, 1))
    c.draft = services.return_open(union=c.a, year=Y, quarter=Q, by=c.chair_a)
    return c


def form_data(ret, **fields):
    data = {"version": ret.version, "workers_total": "40", "workers_female": "20", "dialogues": "1",
            "occupational_accidents": "0", "work_stoppages": "0", "annual_conference_on": "15/01/2026"}  # fmt: skip
    return {"remarks": "", **data, **fields}


# --- the chair ---------------------------------------------------------------------------------


def test_the_chair_opens_the_due_return_from_a_big_button(cast):
    c = cast
    year, quarter = selectors.due_quarter(c.fed)
    client = english(c.chair_a)

    page = text(client.get(reverse("reports:returns")))
    assert f"Open the return of Q{quarter}/{year}" in page

    response = client.post(reverse("reports:return_open"), {"union": c.a.pk, "year": year, "quarter": quarter})
    ret = QuarterlyReturn.objects.get(union=c.a, year=year, quarter=quarter)
    assert response.status_code == 302 and response.url == detail_url(ret)
    assert ret.status == ReturnStatus.DRAFT

    page = text(client.get(reverse("reports:returns")))
    assert f"Continue the return of Q{quarter}/{year}" in page


def test_the_link_of_a_reminder_opens_the_return_after_a_click(cast):
    c = cast
    client = english(c.chair_a)
    url = reverse("reports:return_open") + f"?union={c.a.pk}&year={Y}&quarter={Q}"
    page = text(client.get(url))
    assert "Open the return of Q3/2026" in page and "Deadline 10/10/2026" in page
    assert not QuarterlyReturn.objects.exists()  # a GET opens nothing
    ret = services.return_open(union=c.a, year=Y, quarter=Q, by=c.chair_a)
    assert client.get(url).url == detail_url(ret)


def test_opening_a_return_the_union_does_not_owe_says_why(cast):
    c = cast
    c.chair_a.union = UnionFactory(parent=c.d1, code="NEW", name="CĐ Mới", established_on=D(2026, 10, 2))
    c.chair_a.save()
    response = english(c.chair_a).post(reverse("reports:return_open"), {"year": Y, "quarter": Q})
    assert response.status_code == 200
    assert "CĐ Mới does not owe the return of Q3/2026" in text(response)
    assert not QuarterlyReturn.objects.exists()


def test_a_draft_shows_live_counts_from_the_records_and_the_form(r):
    c = r
    response = client_for(c.chair_a).get(detail_url(c.draft))
    assert response.status_code == 200
    assert response.context["live"] is True
    assert [v for _label, v in response.context["count_rows"]][-2:] == [3, 1]  # closing, of whom women
    page = response.content.decode()
    assert 'name="version" value="1"' in page
    assert reverse("reports:return_submit", args=[c.draft.pk]) in page  # the Submit button


def test_the_chair_saves_a_draft_then_submits_it(r):
    c = r
    client = english(c.chair_a)
    response = client.post(reverse("reports:return_save", args=[c.draft.pk]), form_data(c.draft, workers_total="1.200"))
    assert response.status_code == 302
    c.draft.refresh_from_db()
    assert (c.draft.workers_total, c.draft.version, c.draft.annual_conference_on) == (1200, 2, D(2026, 1, 15))

    page = client_for(c.chair_a).get(detail_url(c.draft)).content.decode()
    assert 'value="1.200"' in page  # grouped the Vietnamese way

    response = client.post(reverse("reports:return_submit", args=[c.draft.pk]), form_data(c.draft, workers_total="45"))
    assert response.status_code == 302
    c.draft.refresh_from_db()
    assert (c.draft.status, c.draft.workers_total, c.draft.members_closing) == (ReturnStatus.SUBMITTED, 45, 3)
    page = text(client.get(detail_url(c.draft)))
    assert "Frozen at submission" in page and "Save draft" not in page


def test_a_refused_submission_keeps_what_the_chair_typed_and_says_why(r):
    c = r
    response = english(c.chair_a).post(
        reverse("reports:return_submit", args=[c.draft.pk]), form_data(c.draft, workers_total="2", remarks="Ghi chú")
    )
    assert response.status_code == 200
    page = text(response)
    assert "The roll has 3 members at the quarter's end but the return gives 2 workers" in page
    assert "Female workers (20) cannot outnumber all workers (2)." in page
    assert "Ghi chú" in response.content.decode()
    c.draft.refresh_from_db()
    assert (c.draft.status, c.draft.version, c.draft.workers_total) == (ReturnStatus.DRAFT, 1, None)


def test_a_save_on_an_older_version_keeps_the_input_and_explains(r):
    c = r
    c.chair_a.full_name = "Nguyễn Thị Chủ Tịch"
    c.chair_a.save()
    stale = form_data(c.draft, workers_total="48", remarks="Bản của tôi")
    english(c.chair_a).post(reverse("reports:return_save", args=[c.draft.pk]), form_data(c.draft, workers_total="40"))

    response = english(c.admin).post(reverse("reports:return_save", args=[c.draft.pk]), stale)

    assert response.status_code == 200
    page = text(response)
    assert "Nguyễn Thị Chủ Tịch saved this return at" in page
    assert "Nothing was overwritten and your changes were not saved" in page
    body = response.content.decode()
    assert 'value="48"' in body and "Bản của tôi" in body  # the input is kept
    assert 'name="version" value="2"' in body  # saving again is now a deliberate choice
    assert response.context["conflict"] == [("Workers", "40", "48"), ("Remarks", "—", "Bản của tôi")]
    c.draft.refresh_from_db()
    assert (c.draft.workers_total, c.draft.version, c.draft.remarks) == (40, 2, "")


# --- the superior and the federation -----------------------------------------------------------


def test_the_superior_approves_or_sends_back_with_a_comment(r):
    c = r
    ret = services.return_submit(ret=c.draft, version=1, by=c.chair_a, data={"workers_total": 40})
    client = english(c.officer)
    page = text(client.get(detail_url(ret)))
    assert "Approve" in page and "Send back for correction" in page

    response = client.post(reverse("reports:return_send_back", args=[ret.pk]), {"version": ret.version, "comment": ""})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    response = client.post(
        reverse("reports:return_send_back", args=[ret.pk]), {"version": ret.version, "comment": "Thiếu số liệu"}
    )
    assert response.status_code == 302
    ret.refresh_from_db()
    assert (ret.status, ret.comment, ret.decided_by) == (ReturnStatus.RETURNED, "Thiếu số liệu", c.officer)
    page = text(english(c.chair_a).get(detail_url(ret)))
    assert "Sent back for correction" in page and "Thiếu số liệu" in page and "Save draft" in page

    ret = services.return_submit(ret=ret, version=ret.version, by=c.chair_a)
    response = client.post(reverse("reports:return_approve", args=[ret.pk]), {"version": ret.version - 1})
    assert response.status_code == 200
    assert "Nothing was overwritten" in text(response)
    response = client.post(reverse("reports:return_approve", args=[ret.pk]), {"version": ret.version})
    assert response.status_code == 302
    assert QuarterlyReturn.objects.get(pk=ret.pk).status == ReturnStatus.APPROVED


def test_the_chair_and_the_leader_see_no_decision_buttons(r):
    c = r
    ret = services.return_submit(ret=c.draft, version=1, by=c.chair_a, data={"workers_total": 40})
    for user in (c.chair_a, c.leader):
        page = text(english(user).get(detail_url(ret)))
        assert "Approve" not in page and "Save draft" not in page
    assert english(c.leader).post(reverse("reports:return_approve", args=[ret.pk]), {"version": 3}).status_code == 403


def test_the_admin_locks_and_reopens_with_a_reason(r):
    c = r
    ret = services.return_submit(ret=c.draft, version=1, by=c.chair_a, data={"workers_total": 40})
    ret = services.return_approve(ret=ret, version=ret.version, by=c.officer)
    client = english(c.admin)
    assert client.post(reverse("reports:return_lock", args=[ret.pk])).status_code == 302
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.LOCKED

    response = client.post(reverse("reports:return_reopen", args=[ret.pk]), {"reason": ""})
    assert response.status_code == 200 and "This field is required." in text(response)
    response = client.post(reverse("reports:return_reopen", args=[ret.pk]), {"reason": "Sai số lao động"})
    assert response.status_code == 302
    ret.refresh_from_db()
    assert (ret.status, ret.comment) == (ReturnStatus.RETURNED, "Sai số lao động")
    page = text(client.get(detail_url(ret)))
    assert "Sai số lao động" in page  # in the history and as the comment


def test_a_chair_of_another_union_gets_404(r):
    c = r
    client = client_for(c.chair_b)
    assert client.get(detail_url(c.draft)).status_code == 404
    assert client.post(reverse("reports:return_save", args=[c.draft.pk]), form_data(c.draft)).status_code == 404
    assert QuarterlyReturn.objects.get(pk=c.draft.pk).version == 1


# --- the list ----------------------------------------------------------------------------------


def test_the_list_filters_and_finds_units_without_diacritics(r):
    c = r
    services.return_submit(ret=c.draft, version=1, by=c.chair_a, data={"workers_total": 40})
    services.return_open(union=c.b, year=Y, quarter=Q, by=c.chair_b)
    client = client_for(c.staff)

    found = client.get(reverse("reports:returns") + "?q=hoa phu").context["page"].object_list
    assert [ret.union.code for ret in found] == ["A"]
    found = client.get(reverse("reports:returns") + "?status=draft&year=2026&quarter=3").context["page"].object_list
    assert [ret.union.code for ret in found] == ["B"]
    found = client_for(c.officer).get(reverse("reports:returns")).context["page"].object_list
    assert [ret.union.code for ret in found] == ["A"]  # B is not under D1


# --- quarters ----------------------------------------------------------------------------------


def test_the_admin_sets_a_deadline_closes_and_reopens_a_quarter(r):
    c = r
    services.return_submit(ret=c.draft, version=1, by=c.chair_a, data={"workers_total": 40})
    client = english(c.admin)
    page = text(client.get(reverse("reports:quarters") + "?year=2026"))
    assert "Q3/2026" in page and "10/10/2026 (default)" in page

    url = reverse("reports:quarter_deadline", args=[c.fed.pk, Y, Q])
    response = client.post(url, {"q3-deadline": "30/09/2026"})
    assert response.status_code == 200
    assert "The deadline must come after the quarter ends (30/09/2026)." in text(response)
    assert client.post(url, {"q3-deadline": "20/10/2026"}).status_code == 302
    assert ReportingQuarter.objects.get(federation=c.fed, year=Y, quarter=Q).deadline == D(2026, 10, 20)

    assert client.post(reverse("reports:quarter_close", args=[c.fed.pk, Y, Q])).status_code == 302
    assert QuarterlyReturn.objects.get(pk=c.draft.pk).status == ReturnStatus.LOCKED
    page = text(client.get(reverse("reports:quarters") + "?year=2026"))
    assert "Reopen Q3/2026" in page

    url = reverse("reports:quarter_reopen", args=[c.fed.pk, Y, Q])
    assert "This field is required." in text(client.post(url, {"q3-reason": ""}))
    assert client.post(url, {"q3-reason": "Bổ sung"}).status_code == 302
    assert QuarterlyReturn.objects.get(pk=c.draft.pk).status == ReturnStatus.SUBMITTED


def test_staff_see_the_quarters_but_only_the_admin_manages_them(cast):
    c = cast
    page = text(english(c.staff).get(reverse("reports:quarters")))
    assert "Q1/" in page and "Close Q" not in page
    assert english(c.staff).post(reverse("reports:quarter_close", args=[c.fed.pk, Y, Q])).status_code == 403
    assert not ReportingQuarter.objects.exists()


# --- completeness ------------------------------------------------------------------------------


def test_completeness_tallies_the_scope_and_each_child_and_lists_who_has_not_reported(r):
    c = r
    services.quarter_set_deadline(federation=c.fed, year=Y, quarter=Q, deadline=D(2026, 10, 15), by=c.admin)
    services.return_submit(ret=c.draft, version=1, by=c.chair_a, data={"workers_total": 40})  # late: after 15/10
    response = english(c.staff).get(reverse("reports:completeness") + f"?year={Y}&quarter={Q}")
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.total.owing, result.total.reported, result.total.late, result.total.overdue) == (5, 1, 1, 4)
    children = {unit.code: (t.owing, t.reported) for unit, t in response.context["children"]}
    assert children == {"H01": (2, 1), "H02": (1, 0), "N01": (1, 0), "G0": (1, 0)}
    page = text(response)
    assert "4 units have not reported" in page and "1 unit reported late" in page
    chair_link = f"/reports/returns/open/?union={c.b.pk}&year={Y}&quarter={Q}"
    assert chair_link.replace("&", "&amp;") in response.content.decode()

    response = english(c.officer).get(reverse("reports:completeness") + f"?year={Y}&quarter={Q}")
    assert [u.code for u in response.context["result"].units] == ["A", "A2"]
    assert "Công đoàn Công ty Cổ phần Mía đường Ea Kar" not in response.content.decode()


def test_completeness_defaults_to_the_due_quarter(cast):
    response = client_for(cast.leader).get(reverse("reports:completeness"))
    year, quarter = selectors.due_quarter(cast.fed, timezone.localdate())
    assert (response.context["result"].year, response.context["result"].quarter) == (year, quarter)
