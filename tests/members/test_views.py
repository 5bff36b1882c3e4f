"""The member roll screens (PRODUCT.md §1, §3, §8): what each role sees, and what is in the
database after each form."""

import datetime
import re

import pytest
from django.urls import reverse

from federation.models import AuditLog
from members import services
from members.models import Member, MemberStatus, Movement, TransferRequest, TransferStatus

from ..conftest import client_for
from ..factories import citizen_id, member

D = datetime.date


NEW_MEMBER = {
    "full_name": "  Lê   Thị Thu ",
    "gender": "female",
    "date_of_birth": "03/04/1992",
    "citizen_id": "066 192 009 999",
    "joined_on": "01/02/2020",
    "ethnicity": "Ê Đê",
    "phone": "+84 912 345 678",
    "email": "Thu.Le@Example.VN",
    "job_title": "Giáo viên",
}


def text(response) -> str:
    """The page as a person reads it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def admit_form(client, union=None, **changes):
    url = reverse("members:admit") + (f"?union={union.pk}" if union else "")
    return client.post(url, {**NEW_MEMBER, **changes})


# --- admitting and editing ----------------------------------------------------------------


def test_chair_admits_a_member_in_its_own_union(cast):
    response = admit_form(client_for(cast.chair_a))

    person = Member.objects.get(citizen_id="066192009999")
    assert response.status_code == 302 and response.url == person.get_absolute_url()
    assert person.union == cast.a and person.federation == cast.fed and person.status == MemberStatus.ACTIVE
    assert person.full_name == "Lê Thị Thu"
    assert person.phone == "0912345678" and person.email == "thu.le@example.vn" and person.ethnicity == "Ê Đê"
    assert person.date_of_birth == D(1992, 4, 3)  # day-first
    movement = Movement.objects.get(member=person)
    assert (movement.kind, movement.union, movement.date, movement.created_by) == (
        "admitted",
        cast.a,
        D(2020, 2, 1),
        cast.chair_a,
    )
    page = text(client_for(cast.chair_a).get(person.get_absolute_url()))
    assert "Lê Thị Thu" in page and "066192009999" in page and "03/04/1992" in page
    assert "Kết nạp" in page and "01/02/2020" in page


def test_officer_picks_the_union_when_admitting(cast):
    client = client_for(cast.officer)
    form = client.get(reverse("members:admit")).context["form"]
    assert list(form.fields["union"].queryset) == sorted([cast.a, cast.a2], key=lambda u: u.search_text)

    response = client.post(reverse("members:admit"), {**NEW_MEMBER, "union": cast.a2.pk})

    assert response.status_code == 302
    assert Member.objects.get(citizen_id="066192009999").union == cast.a2
    refused = client.post(reverse("members:admit"), {**NEW_MEMBER, "citizen_id": citizen_id(), "union": cast.b.pk})
    assert refused.status_code == 200 and "union" in refused.context["form"].errors


def test_admit_form_puts_each_message_on_its_field_in_vietnamese(cast):
    response = admit_form(
        client_for(cast.chair_a),
        full_name="=HYPERLINK()",
        citizen_id="066092009999",  # digit 4 says male, the form says female
        phone="12345",
        joined_on="01/02/2001",  # aged 8
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["citizen_id"] == ["Số CCCD không khớp với giới tính hoặc năm sinh."]
    assert errors["phone"] == ["Số điện thoại gồm số 0 và 9 chữ số, ví dụ 0912345678."]
    assert errors["full_name"] == ["Ô dữ liệu không được bắt đầu bằng = + - hoặc @."]
    assert errors["joined_on"] == ["Đoàn viên phải đủ 15 tuổi khi vào Công đoàn."]
    assert "Số CCCD không khớp với giới tính hoặc năm sinh." in response.content.decode()
    assert not Member.objects.filter(union=cast.a).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("06619200999", "Số CCCD gồm 12 chữ số."),
        ("999192009999", "Ba chữ số đầu không phải là mã tỉnh."),
        ("066193009999", "Số CCCD không khớp với giới tính hoặc năm sinh."),  # born in the 1900s
        ("066196009999", "Số CCCD không khớp với giới tính hoặc năm sinh."),  # born in 1992, not 1996
    ],
)
def test_citizen_id_is_checked_against_gender_and_birth_year(cast, value, message):
    response = admit_form(client_for(cast.chair_a), citizen_id=value)
    assert response.context["form"].errors["citizen_id"] == [message]


def test_admit_refuses_a_citizen_id_active_elsewhere_in_the_federation(roll_cast):
    c = roll_cast
    response = admit_form(client_for(c.chair_a), citizen_id=c.m_b.citizen_id, date_of_birth="01/02/1995")
    assert response.context["form"].errors["citizen_id"] == ["Số CCCD này đang là đoàn viên của liên đoàn."]
    assert Member.objects.filter(citizen_id=c.m_b.citizen_id).count() == 1
    # Another federation's member with the same ID is no obstacle.
    ok = admit_form(client_for(c.other_admin), union=c.x, citizen_id=c.m_b.citizen_id, date_of_birth="01/02/1995")
    assert ok.status_code == 302


def test_edit_saves_and_records_what_changed(roll_cast):
    c = roll_cast
    url = reverse("members:edit", args=[c.m_a.pk])
    form = client_for(c.chair_a).get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data.update(date_of_birth="17/05/1990", joined_on="02/03/2015", job_title="Hiệu phó", phone="0987654321")

    response = client_for(c.chair_a).post(url, data)

    assert response.status_code == 302
    c.m_a.refresh_from_db()
    assert c.m_a.job_title == "Hiệu phó" and c.m_a.phone == "0987654321"
    entry = AuditLog.objects.filter(object_id=str(c.m_a.pk), action="update").get()
    assert entry.actor == c.chair_a and entry.changes == {"job_title": ["", "Hiệu phó"], "phone": ["", "0987654321"]}
    page = text(client_for(c.chair_a).get(c.m_a.get_absolute_url()))
    assert "Nghề nghiệp, chức vụ: — → thành Hiệu phó" in page  # "thành" is for screen readers
    assert "Số điện thoại: — → thành 0987654321" in page


# --- leaving, death, readmission ------------------------------------------------------------


def test_leave_with_a_reason_takes_the_member_off_the_roll(roll_cast):
    c = roll_cast
    response = client_for(c.chair_a).post(
        reverse("members:leave", args=[c.m_a.pk]), {"on": "30/06/2025", "reason": "retired", "note": "Đủ tuổi"}
    )

    assert response.status_code == 302
    c.m_a.refresh_from_db()
    assert c.m_a.status == MemberStatus.LEFT and c.m_a.left_on == D(2025, 6, 30)
    left = Movement.objects.get(member=c.m_a, kind="left")
    assert (left.union, left.date, left.reason, left.note) == (c.a, D(2025, 6, 30), "retired", "Đủ tuổi")
    active = text(client_for(c.chair_a).get(reverse("members:list")))
    assert "Nguyễn Văn An" not in active
    former = text(client_for(c.chair_a).get(reverse("members:list"), {"status": "left"}))
    assert "Nguyễn Văn An" in former and "Đã ra khỏi tổ chức" in former


def test_leave_before_the_last_movement_is_refused_on_the_date_field(roll_cast):
    c = roll_cast
    response = client_for(c.chair_a).post(
        reverse("members:leave", args=[c.m_a.pk]), {"on": "01/01/2010", "reason": "resigned"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["on"] == ["Ngày này trước biến động gần nhất của đoàn viên (02/03/2015)."]
    c.m_a.refresh_from_db()
    assert c.m_a.status == MemberStatus.ACTIVE


def test_leave_needs_a_reason(roll_cast):
    c = roll_cast
    response = client_for(c.chair_a).post(reverse("members:leave", args=[c.m_a.pk]), {"on": "30/06/2025"})
    assert response.context["form"].errors["reason"] == ["Trường này là bắt buộc."]


def test_death_and_readmission(roll_cast):
    c = roll_cast
    client = client_for(c.chair_a)
    client.post(reverse("members:leave", args=[c.m_a.pk]), {"on": "30/06/2024", "reason": "job_ended"})

    response = client.post(reverse("members:readmit", args=[c.m_a.pk]), {"union": c.a.pk, "on": "01/03/2025"})

    assert response.status_code == 302
    c.m_a.refresh_from_db()
    assert c.m_a.status == MemberStatus.ACTIVE and c.m_a.left_on is None
    assert list(c.m_a.movements.values_list("kind", flat=True)) == ["admitted", "left", "readmitted"]

    client.post(reverse("members:decease", args=[c.m_a.pk]), {"on": "05/04/2025"})
    c.m_a.refresh_from_db()
    assert c.m_a.status == MemberStatus.DECEASED and c.m_a.left_on == D(2025, 4, 5)
    page = text(client.get(c.m_a.get_absolute_url()))
    assert "Từ trần" in page and reverse("members:readmit", args=[c.m_a.pk]) not in page


# --- transfers -----------------------------------------------------------------------------


def test_transfer_requested_by_chair_a_and_accepted_by_chair_b(roll_cast):
    c = roll_cast
    response = client_for(c.chair_a).post(
        reverse("members:transfer", args=[c.m_a.pk]), {"to_union": c.b.pk, "effective_on": "01/09/2025"}
    )

    assert response.status_code == 302
    transfer = TransferRequest.objects.get(member=c.m_a)
    assert (transfer.status, transfer.from_union, transfer.to_union) == (TransferStatus.PENDING, c.a, c.b)
    c.m_a.refresh_from_db()
    assert c.m_a.union == c.a  # still on A's roll until B accepts
    assert "Đang chờ chuyển sinh hoạt" in text(client_for(c.chair_a).get(c.m_a.get_absolute_url()))
    sent = text(client_for(c.chair_a).get(reverse("members:transfers")))
    assert "Nguyễn Văn An" in sent

    inbox = client_for(c.chair_b).get(reverse("members:transfers"))
    assert list(inbox.context["inbox"]) == [transfer]
    assert "Nguyễn Văn An" in text(inbox) and "01/09/2025" in text(inbox)

    accepted = client_for(c.chair_b).post(reverse("members:transfer_accept", args=[transfer.pk]))

    assert accepted.status_code == 302 and accepted.url == reverse("members:transfers")
    c.m_a.refresh_from_db()
    transfer.refresh_from_db()
    assert c.m_a.union == c.b and c.m_a.status == MemberStatus.ACTIVE
    assert transfer.status == TransferStatus.ACCEPTED and transfer.decided_by == c.chair_b
    moves = list(c.m_a.movements.order_by("pk").values_list("kind", "union__code", "other_union__code", "date"))
    assert moves[1:] == [
        ("transferred_out", "A", "B", D(2025, 9, 1)),
        ("transferred_in", "B", "A", D(2025, 9, 1)),
    ]
    assert client_for(c.chair_b).get(c.m_a.get_absolute_url()).status_code == 200
    assert client_for(c.chair_a).get(c.m_a.get_absolute_url()).status_code == 404
    assert list(client_for(c.chair_b).get(reverse("members:transfers")).context["inbox"]) == []


def test_chair_a_cannot_accept_its_own_outgoing_request(roll_cast):
    c = roll_cast
    transfer = services.transfer_request(member=c.m_a, to_union=c.b, effective_on=D(2025, 9, 1), by=c.chair_a)

    response = client_for(c.chair_a).post(reverse("members:transfer_accept", args=[transfer.pk]))

    assert response.status_code == 404
    transfer.refresh_from_db()
    c.m_a.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING and c.m_a.union == c.a
    assert list(client_for(c.chair_a).get(reverse("members:transfers")).context["inbox"]) == []


def test_receiving_chair_refuses_with_a_reason(roll_cast):
    c = roll_cast
    transfer = services.transfer_request(member=c.m_a, to_union=c.b, effective_on=D(2025, 9, 1), by=c.chair_a)
    url = reverse("members:transfer_refuse", args=[transfer.pk])

    without_reason = client_for(c.chair_b).post(url, {"note": "  "}, follow=True)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING
    assert "Hãy ghi lý do từ chối." in text(without_reason)

    response = client_for(c.chair_b).post(url, {"note": "Người lao động chưa về làm việc"})

    assert response.status_code == 302
    transfer.refresh_from_db()
    c.m_a.refresh_from_db()
    assert transfer.status == TransferStatus.REFUSED and transfer.decision_note == "Người lao động chưa về làm việc"
    assert transfer.decided_by == c.chair_b
    assert c.m_a.union == c.a and list(c.m_a.movements.values_list("kind", flat=True)) == ["admitted"]


def test_officer_holding_both_unions_transfers_at_once(roll_cast):
    c = roll_cast
    response = client_for(c.officer).post(
        reverse("members:transfer", args=[c.m_a.pk]), {"to_union": c.a2.pk, "effective_on": "01/09/2025"}
    )
    assert response.status_code == 302
    c.m_a.refresh_from_db()
    assert c.m_a.union == c.a2
    assert TransferRequest.objects.get(member=c.m_a).status == TransferStatus.ACCEPTED


def test_transfer_offers_the_federations_open_grassroots_unions(roll_cast):
    c = roll_cast
    form = client_for(c.chair_a).get(reverse("members:transfer", args=[c.m_a.pk])).context["form"]
    offered = set(form.fields["to_union"].queryset)
    assert offered == {c.a2, c.b, c.e1, c.g0}  # not A itself, no superior union, not Lào Cai's X


# --- the Party pipeline ----------------------------------------------------------------------


def test_party_introduction_then_admission(roll_cast):
    c = roll_cast
    url = reverse("members:party", args=[c.m_a.pk])
    client_for(c.chair_a).post(url, {"introduced_on": "15/03/2025"})
    c.m_a.refresh_from_db()
    assert c.m_a.party_introduced_on == D(2025, 3, 15) and not c.m_a.is_party_member

    refused = client_for(c.chair_a).post(url, {"introduced_on": "15/03/2025", "admitted_on": "01/03/2025"})
    assert refused.context["form"].errors["admitted_on"] == ["Ngày kết nạp Đảng phải sau ngày giới thiệu."]

    client_for(c.chair_a).post(url, {"introduced_on": "15/03/2025", "admitted_on": "19/05/2025"})
    c.m_a.refresh_from_db()
    assert c.m_a.party_admitted_on == D(2025, 5, 19) and c.m_a.is_party_member
    listed = client_for(c.chair_a).get(reverse("members:list"), {"party": "member"})
    assert [m.pk for m in listed.context["page"].object_list] == [c.m_a.pk]


def test_party_dates_cannot_be_removed_or_lie_in_the_future(roll_cast):
    c = roll_cast
    url = reverse("members:party", args=[c.m_a.pk])
    future = client_for(c.chair_a).post(url, {"introduced_on": "01/01/2999"})
    assert future.context["form"].errors["introduced_on"] == ["Ngày ở tương lai."]
    empty = client_for(c.chair_a).post(url, {})
    assert empty.context["form"].non_field_errors()


# --- what the leader sees ------------------------------------------------------------------


def test_leader_sees_masked_citizen_ids_and_no_birth_date(roll_cast):
    c = roll_cast
    services.member_update(member=c.m_a, by=c.chair_a, phone="0912345678", religion="Phật giáo")

    listing = client_for(c.leader).get(reverse("members:list"))
    page = text(listing)
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" in page
    assert "0660******34" in page and "0661******21" in page
    assert "066090001234" not in page and "17/05/1990" not in page
    assert "party" not in listing.context["form"].fields

    detail = client_for(c.leader).get(c.m_a.get_absolute_url())
    page = text(detail)
    assert "0660******34" in page
    for hidden in ("066090001234", "17/05/1990", "0912345678", "Phật giáo", "Dân tộc", "Đảng viên"):
        assert hidden not in page, hidden
    assert reverse("members:edit", args=[c.m_a.pk]) not in page
    # The change history leaves the personal fields out as well.
    assert "Số điện thoại" not in page and "Tôn giáo" not in page


def test_leader_cannot_search_by_citizen_id_digits(roll_cast):
    c = roll_cast
    response = client_for(c.leader).get(reverse("members:list"), {"q": "1234"})
    assert "q" in response.context["form"].errors
    assert response.context["page"].paginator.count == 2  # the search was not applied


def test_chair_sees_full_citizen_ids_and_birth_dates(roll_cast):
    page = text(client_for(roll_cast.chair_a).get(reverse("members:list")))
    assert "066090001234" in page and "17/05/1990" in page


# --- search, order, filters ----------------------------------------------------------------


def test_search_without_diacritics_finds_vietnamese_names(roll_cast):
    c = roll_cast
    member(c.a, full_name="Nguyễn Thị Vân Anh", gender="female")

    response = client_for(c.admin).get(reverse("members:list"), {"q": "nguyen van"})

    names = [m.full_name for m in response.context["page"].object_list]
    assert names == ["Nguyễn Văn An", "Nguyễn Thị Vân Anh"]
    assert "Trần Thị Bình" not in text(response)


def test_find_by_citizen_id_is_posted_not_searched(roll_cast):
    """A citizen ID is looked up by the posted form (tests/members/test_personal_data.py); in the
    search address it is refused and the list is left whole."""
    c = roll_cast
    client = client_for(c.admin)
    found = client.post(reverse("members:lookup"), {"citizen_id": "066.195.004.321"})
    assert found.status_code == 302 and found.url == c.m_b.get_absolute_url()
    refused = client.get(reverse("members:list"), {"q": "1234"})
    assert "q" in refused.context["form"].errors
    assert refused.context["page"].paginator.count == 2


def test_members_are_listed_by_given_name_in_vietnamese_order(cast):
    for name in ("Nguyễn Văn Bình", "Trần Văn An", "Lê Thị Ánh", "Phạm Anh", "Đỗ Văn Đức", "Hồ Thị Dung"):
        member(cast.a, full_name=name)

    response = client_for(cast.chair_a).get(reverse("members:list"))

    names = [m.full_name for m in response.context["page"].object_list]
    assert names == ["Trần Văn An", "Phạm Anh", "Lê Thị Ánh", "Nguyễn Văn Bình", "Hồ Thị Dung", "Đỗ Văn Đức"]
    body = response.content.decode()
    assert body.index("Trần Văn An") < body.index("Phạm Anh") < body.index("Nguyễn Văn Bình")


def test_list_is_scoped_and_filtered(roll_cast):
    c = roll_cast
    member(c.a2, full_name="Vũ Thị Hà", gender="female", date_of_birth=D(1993, 3, 3))

    officer = client_for(c.officer).get(reverse("members:list"))
    assert {m.full_name for m in officer.context["page"].object_list} == {"Nguyễn Văn An", "Vũ Thị Hà"}
    by_union = client_for(c.officer).get(reverse("members:list"), {"union": c.a2.pk})
    assert [m.full_name for m in by_union.context["page"].object_list] == ["Vũ Thị Hà"]
    women = client_for(c.admin).get(reverse("members:list"), {"gender": "female"})
    assert {m.full_name for m in women.context["page"].object_list} == {"Trần Thị Bình", "Vũ Thị Hà"}
    district = client_for(c.admin).get(reverse("members:list"), {"union": c.d1.pk})
    assert {m.full_name for m in district.context["page"].object_list} == {"Nguyễn Văn An", "Vũ Thị Hà"}
    chair = client_for(c.chair_a).get(reverse("members:list"))
    assert [m.full_name for m in chair.context["page"].object_list] == ["Nguyễn Văn An"]
    assert not chair.context["show_union_filter"]


def test_list_pages_by_fifty(cast):
    for n in range(51):
        member(cast.a, full_name="Phạm Văn Tư", citizen_id=citizen_id(serial=500 + n))
    response = client_for(cast.chair_a).get(reverse("members:list"))
    assert len(response.context["page"].object_list) == 50
    assert "51 đoàn viên" in text(response)
    second = client_for(cast.chair_a).get(reverse("members:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 1


# --- roll counts ---------------------------------------------------------------------------


def _year_of_movements(c):
    """Union A through 2024: opening 4, +1 admitted, +1 readmitted, +1 transferred in,
    -1 transferred out, -1 left, -1 deceased: closing 4."""
    member(c.a, full_name="Bùi Văn Một", joined_on=D(2024, 2, 1))
    leaver = member(c.a, full_name="Bùi Văn Hai", joined_on=D(2020, 1, 1))
    services.member_leave(member=leaver, on=D(2024, 3, 1), reason="resigned", by=None)
    incoming = member(c.b, full_name="Bùi Văn Ba", joined_on=D(2019, 1, 1))
    t = services.transfer_request(member=incoming, to_union=c.a, effective_on=D(2024, 4, 1), by=None)
    services.transfer_accept(transfer=t, by=None)
    outgoing = member(c.a, full_name="Bùi Văn Bốn", joined_on=D(2021, 1, 1))
    t = services.transfer_request(member=outgoing, to_union=c.a2, effective_on=D(2024, 5, 1), by=None)
    services.transfer_accept(transfer=t, by=None)
    dead = member(c.a, full_name="Bùi Văn Năm", joined_on=D(2022, 1, 1))
    services.member_decease(member=dead, on=D(2024, 6, 1), by=None)
    back = member(c.a, full_name="Bùi Văn Sáu", joined_on=D(2010, 1, 1))
    services.member_leave(member=back, on=D(2012, 1, 1), reason="job_ended", by=None)
    services.member_readmit(member=back, union=c.a, on=D(2024, 7, 1), by=None)


def test_roll_counts_add_up_on_the_list_page(roll_cast):
    c = roll_cast
    _year_of_movements(c)

    response = client_for(c.chair_a).get(reverse("members:list"), {"start": "01/01/2024", "end": "31/12/2024"})

    roll = response.context["roll"]
    assert (roll.opening, roll.admitted, roll.readmitted, roll.transferred_in) == (4, 1, 1, 1)
    assert (roll.transferred_out, roll.left, roll.deceased, roll.closing) == (1, 1, 1, 4)
    assert (
        roll.opening
        + roll.admitted
        + roll.readmitted
        + roll.transferred_in
        - roll.transferred_out
        - (roll.left + roll.deceased)
        == roll.closing
    )
    body = response.content.decode()
    for key, value in {"opening": 4, "admitted": 1, "transferred_out": 1, "closing": 4}.items():
        assert re.search(rf'data-count="{key}">(<span aria-hidden="true">.</span>)?{value}<', body), key
    assert "01/01/2024 – 31/12/2024" in text(response)
    # The closing figure is today's roll when the period ends today.
    today = client_for(c.chair_a).get(reverse("members:list"))
    assert today.context["roll"].closing == Member.objects.filter(union=c.a, status="active").count() == 4
    assert today.context["roll_start"] == D(today.context["roll_end"].year, 1, 1)


def test_union_page_shows_its_roll_counts_and_the_tree_its_members(roll_cast):
    c = roll_cast
    _year_of_movements(c)

    response = client_for(c.officer).get(reverse("unions:detail", args=[c.a.pk]))

    assert response.context["roll"].closing == 4
    page = text(response)
    assert "Biến động đoàn viên" in page and "Cuối kỳ" in page
    assert f'href="{reverse("members:list")}?union={c.a.pk}"' in response.content.decode()
    assert reverse("members:admit") + f"?union={c.a.pk}" in response.content.decode()
    leader = client_for(c.leader).get(reverse("unions:detail", args=[c.a.pk])).content.decode()
    assert reverse("members:admit") not in leader

    tree = client_for(c.officer).get(reverse("unions:tree"))
    rows = text(tree)
    assert "5 đoàn viên" in rows  # D1: A's four and A2's one (transferred in)
