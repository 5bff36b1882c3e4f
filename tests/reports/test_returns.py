"""The quarterly return workflow through its services (PRODUCT.md §6): draft → submitted →
approved or returned → locked; the checks and refusals with their messages; counts frozen from
the records; on time or late; closing and reopening a quarter."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from federation.models import AuditLog, Role
from members import services as member_services
from members.selectors import roll_counts
from reports import returns as selectors
from reports.completeness import Standing, completeness
from reports.models import QuarterlyReturn, ReportingQuarter, ReturnStatus
from reports.periods import quarter_period
from reports.services import returns as services

from ..factories import UnionFactory, UserFactory, member

D = datetime.date
Y, Q = 2026, 3  # a quarter that has ended (30/09/2026)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def messages_of(exc) -> str:
    return " ".join(exc.value.messages)


@pytest.fixture
def roll(cast):
    """A's roll through Q3/2026: three members before the quarter (one a woman), a woman admitted
    in it, a member who left in it, one who died in it, one transferred out to B in it."""
    c = cast
    c.m1 = member(c.a, full_name="Nguyễn Văn Một", joined_on=D(2020, 1, 1))
    c.m2 = member(c.a, full_name="Trần Thị Hai", gender="female", joined_on=D(2021, 1, 1))
    c.m3 = member(c.a, full_name="Lê Văn Ba", joined_on=D(2022, 1, 1))
    c.m4 = member(c.a, full_name="Phạm Thị Bốn", gender="female", joined_on=D(2026, 8, 1))
    c.m5 = member(c.a, full_name="Hoàng Văn Năm", joined_on=D(2019, 1, 1))
    member_services.member_leave(member=c.m5, on=D(2026, 8, 15), reason="resigned", by=None)
    c.m6 = member(c.a, full_name="Vũ Văn Sáu", joined_on=D(2019, 1, 1))
    member_services.member_decease(member=c.m6, on=D(2026, 9, 1), by=None)
    c.m7 = member(c.a, full_name="Đỗ Thị Bảy", gender="female", joined_on=D(2019, 1, 1))
    member_services.transfer_request(member=c.m7, to_union=c.b, effective_on=D(2026, 9, 10), by=c.admin)
    # A member admitted after the quarter does not count in it.
    member(c.a, full_name="Ngô Văn Tám", joined_on=D(2026, 10, 5))
    return c


def opened(c, union=None, *, by=None, year=Y, quarter=Q):
    return services.return_open(union=union or c.a, year=year, quarter=quarter, by=by or c.chair_a)


def filled(c, *, workers=40, female=20, **extra):
    ret = opened(c)
    data = {"workers_total": workers, "workers_female": female, **extra}
    return services.return_save(ret=ret, data=data, version=ret.version, by=c.chair_a)


def submitted(c, **kwargs):
    ret = filled(c, **kwargs)
    return services.return_submit(ret=ret, version=ret.version, by=c.chair_a)


# --- the workflow ------------------------------------------------------------------------------


def test_a_return_goes_from_draft_to_submitted_approved_and_locked(roll):
    c = roll
    ret = opened(c)
    assert (ret.status, ret.version, ret.ends_on) == (ReturnStatus.DRAFT, 1, D(2026, 9, 30))
    assert opened(c).pk == ret.pk  # opening again gives the same draft

    ret = services.return_save(
        ret=ret,
        data={"workers_total": 40, "workers_female": 22, "dialogues": 2, "collective_agreement": True,
              "annual_conference_on": D(2026, 1, 15), "remarks": "  Ổn định  "},
        version=1,
        by=c.chair_a,
    )  # fmt: skip
    assert (ret.version, ret.workers_total, ret.remarks, ret.collective_agreement) == (2, 40, "Ổn định", True)

    ret = services.return_submit(ret=ret, version=2, by=c.chair_a)
    assert (ret.status, ret.version, ret.submitted_by) == (ReturnStatus.SUBMITTED, 3, c.chair_a)
    assert ret.first_submitted_at == ret.submitted_at == ret.counts_at

    ret = services.return_approve(ret=ret, version=3, by=c.officer)
    assert (ret.status, ret.decided_by, ret.version) == (ReturnStatus.APPROVED, c.officer, 4)

    ret = services.return_lock(ret=ret, by=c.admin)
    ret.refresh_from_db()
    assert (ret.status, ret.status_before_lock, ret.version) == (ReturnStatus.LOCKED, ReturnStatus.APPROVED, 5)
    assert ret.locked_at is not None

    entries = AuditLog.objects.filter(object_id=str(ret.pk), content_type__model="quarterlyreturn")
    statuses = [e.changes["status"] for e in entries.order_by("at", "id") if "status" in e.changes]
    assert statuses == [[None, "draft"], ["draft", "submitted"], ["submitted", "approved"], ["approved", "locked"]]


def test_a_return_sent_back_with_a_comment_is_corrected_and_resubmitted(roll):
    c = roll
    ret = submitted(c)
    first = ret.first_submitted_at
    with pytest.raises(ValidationError) as exc:
        services.return_send_back(ret=ret, comment="  ", version=ret.version, by=c.officer)
    assert "Say what the union should correct." in messages_of(exc)

    ret = services.return_send_back(ret=ret, comment="Số lao động nữ chưa đúng", version=ret.version, by=c.officer)
    assert (ret.status, ret.comment) == (ReturnStatus.RETURNED, "Số lao động nữ chưa đúng")

    ret = services.return_save(ret=ret, data={"workers_female": 18}, version=ret.version, by=c.chair_a)
    ret = services.return_submit(ret=ret, version=ret.version, by=c.chair_a)
    assert ret.status == ReturnStatus.SUBMITTED
    assert ret.workers_female == 18
    assert ret.first_submitted_at == first  # first submission kept
    assert ret.submitted_at > first


def test_submitting_saves_the_typed_fields_given_with_it(roll):
    c = roll
    ret = opened(c)
    ret = services.return_submit(ret=ret, version=ret.version, by=c.chair_a, data={"workers_total": 50})
    assert (ret.status, ret.workers_total) == (ReturnStatus.SUBMITTED, 50)


def test_reopening_a_locked_return_needs_a_reason_and_sends_it_back(roll):
    c = roll
    ret = submitted(c)
    ret = services.return_approve(ret=ret, version=ret.version, by=c.staff)
    ret = services.return_lock(ret=ret, by=c.admin)
    with pytest.raises(ValidationError) as exc:
        services.return_reopen(ret=ret, reason="", by=c.admin)
    assert "Say why the return is reopened." in messages_of(exc)

    ret = services.return_reopen(ret=ret, reason="Sai số công nhân", by=c.admin)
    assert (ret.status, ret.comment, ret.locked_at, ret.status_before_lock) == (
        ReturnStatus.RETURNED, "Sai số công nhân", None, "",
    )  # fmt: skip
    entry = AuditLog.objects.filter(object_id=str(ret.pk), content_type__model="quarterlyreturn").first()
    assert entry.changes == {"status": ["locked", "returned"], "comment": ["", "Sai số công nhân"]}
    assert entry.actor == c.admin


# --- frozen counts -----------------------------------------------------------------------------


def test_submission_freezes_the_roll_counts_of_the_records(roll):
    c = roll
    period = quarter_period(c.fed, Y, Q)
    expected = roll_counts(path=c.a.path, start=period.start, end=period.end)

    ret = submitted(c)

    frozen = {
        "opening": ret.members_opening, "admitted": ret.members_admitted, "readmitted": ret.members_readmitted,
        "transferred_in": ret.members_transferred_in, "transferred_out": ret.members_transferred_out,
        "left": ret.members_left, "deceased": ret.members_deceased, "closing": ret.members_closing,
    }  # fmt: skip
    assert frozen == {k: getattr(expected, k) for k in frozen}
    # m1, m2, m3, m5, m6, m7 before; m4 admitted; m5 left, m6 died, m7 moved to B.
    assert frozen == {"opening": 6, "admitted": 1, "readmitted": 0, "transferred_in": 0, "transferred_out": 1,
                      "left": 1, "deceased": 1, "closing": 4}  # fmt: skip
    assert ret.members_female == 2  # m2 and m4 (m7 left for B)


def test_a_draft_shows_live_counts_and_a_submitted_return_keeps_its_frozen_ones(roll):
    c = roll
    ret = submitted(c)
    member(c.a, full_name="Mai Thị Muộn", gender="female", joined_on=D(2026, 9, 20))  # recorded afterwards

    assert selectors.live_counts(c.a, Y, Q)["members_closing"] == 5
    ret.refresh_from_db()
    assert ret.members_closing == 4


# --- refusals ----------------------------------------------------------------------------------


def test_submitting_without_workers_is_refused(roll):
    c = roll
    ret = opened(c)
    with pytest.raises(ValidationError) as exc:
        services.return_submit(ret=ret, version=ret.version, by=c.chair_a)
    assert exc.value.message_dict["workers_total"] == [
        "Enter the number of workers: a return cannot be submitted without it."
    ]
    ret.refresh_from_db()
    assert (ret.status, ret.version) == (ReturnStatus.DRAFT, 1)


def test_members_cannot_outnumber_workers(roll):
    c = roll
    ret = filled(c, workers=3, female=1)
    with pytest.raises(ValidationError) as exc:
        services.return_submit(ret=ret, version=ret.version, by=c.chair_a)
    assert exc.value.message_dict["workers_total"] == [
        "The roll has 4 members at the quarter's end but the return gives 3 workers: members cannot outnumber "
        "workers. Check the number of workers, or the member roll."
    ]
    assert QuarterlyReturn.objects.get(pk=ret.pk).status == ReturnStatus.DRAFT


def test_female_workers_cannot_outnumber_all_workers(roll):
    c = roll
    ret = opened(c)
    with pytest.raises(ValidationError) as exc:
        services.return_save(ret=ret, data={"workers_total": 40, "workers_female": 41}, version=1, by=c.chair_a)
    assert exc.value.message_dict["workers_female"] == ["Female workers (41) cannot outnumber all workers (40)."]
    ret.refresh_from_db()
    assert (ret.workers_total, ret.version) == (None, 1)


def test_typed_numbers_are_checked(roll):
    c = roll
    ret = opened(c)
    with pytest.raises(ValidationError) as exc:
        later = timezone.localdate() + datetime.timedelta(days=3)
        data = {"dialogues": 70000, "annual_conference_on": later}
        services.return_save(ret=ret, data=data, version=1, by=c.chair_a)
    assert set(exc.value.message_dict) == {"dialogues", "annual_conference_on"}
    assert exc.value.message_dict["annual_conference_on"] == ["The date cannot be in the future."]
    with pytest.raises(TypeError):
        services.return_save(ret=ret, data={"members_closing": 99}, version=1, by=c.chair_a)


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("save", "only a draft or a return sent back for correction can be changed or submitted"),
        ("submit", "only a draft or a return sent back for correction can be changed or submitted"),
    ],
)
def test_a_submitted_return_cannot_be_changed_or_submitted_again(roll, step, expected):
    c = roll
    ret = submitted(c)
    with pytest.raises(ValidationError) as exc:
        if step == "save":
            services.return_save(ret=ret, data={"dialogues": 3}, version=ret.version, by=c.chair_a)
        else:
            services.return_submit(ret=ret, version=ret.version, by=c.chair_a)
    assert f"This return is “Submitted”: {expected}." == messages_of(exc)


def test_only_a_submitted_return_is_approved_returned_or_locked(roll):
    c = roll
    ret = filled(c)
    with pytest.raises(ValidationError) as exc:
        services.return_approve(ret=ret, version=ret.version, by=c.officer)
    assert messages_of(exc) == "This return is “Draft”: only a submitted return can be approved or returned."
    with pytest.raises(ValidationError) as exc:
        services.return_send_back(ret=ret, comment="Sửa", version=ret.version, by=c.officer)
    assert messages_of(exc) == "This return is “Draft”: only a submitted return can be approved or returned."
    with pytest.raises(ValidationError) as exc:
        services.return_lock(ret=ret, by=c.admin)
    assert messages_of(exc) == "This return is “Draft”: only an approved return can be locked."
    with pytest.raises(ValidationError) as exc:
        services.return_reopen(ret=ret, reason="Vì sao", by=c.admin)
    assert messages_of(exc) == "This return is “Draft”: only a locked return can be reopened."


def test_only_the_direct_superior_or_the_federation_decides(roll):
    c = roll
    ret = submitted(c)
    other_officer = UserFactory(username="officer_d2", role=Role.SUPERIOR_OFFICER, federation=c.fed, union=c.d2)
    for user in (c.chair_a, other_officer, c.leader, c.other_admin):
        with pytest.raises(PermissionDenied) as exc:
            services.return_approve(ret=ret, version=ret.version, by=user)
        assert str(exc.value) == (
            "Only the union's direct superior or the federation approves or returns its quarterly return."
        )
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.return_lock(ret=ret, by=c.staff)
    assert services.return_approve(ret=ret, version=ret.version, by=c.staff).status == ReturnStatus.APPROVED


def test_a_chair_fills_only_the_return_of_its_own_union(roll):
    c = roll
    with pytest.raises(PermissionDenied):
        opened(c, by=c.chair_b)
    ret = opened(c)
    for user in (c.chair_b, c.officer, c.leader):
        with pytest.raises(PermissionDenied):
            services.return_save(ret=ret, data={"dialogues": 1}, version=1, by=user)
    assert QuarterlyReturn.objects.get(pk=ret.pk).version == 1


def test_opening_is_refused_for_unions_that_do_not_owe_the_return(cast):
    c = cast
    late_born = UnionFactory(parent=c.d1, code="NEW", name="Công đoàn Công ty Mới", established_on=D(2026, 10, 1))
    with pytest.raises(ValidationError) as exc:
        services.return_open(union=late_born, year=Y, quarter=Q, by=c.admin)
    assert messages_of(exc) == (
        "Công đoàn Công ty Mới does not owe the return of Q3/2026: it was not open on 30/09/2026, the quarter's end."
    )
    with pytest.raises(ValidationError) as exc:
        services.return_open(union=c.d1, year=Y, quarter=Q, by=c.admin)
    assert messages_of(exc) == "Only grassroots unions make quarterly returns."
    future = timezone.localdate().year + 1
    with pytest.raises(ValidationError) as exc:
        services.return_open(union=c.a, year=future, quarter=4, by=c.chair_a)
    assert messages_of(exc) == f"Q4/{future} has not begun yet."
    assert not QuarterlyReturn.objects.exists()


def test_a_return_cannot_be_submitted_before_its_quarter_ends(cast):
    c = cast
    today = timezone.localdate()
    year, quarter = selectors.due_quarter(c.fed, today)
    year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)  # the current quarter
    ret = services.return_open(union=c.a, year=year, quarter=quarter, by=c.chair_a)
    with pytest.raises(ValidationError) as exc:
        services.return_submit(ret=ret, version=1, by=c.chair_a, data={"workers_total": 40})
    end = quarter_period(c.fed, year, quarter).end
    assert messages_of(exc) == (
        f"Q{quarter}/{year} ends on {end:%d/%m/%Y}: its return can be submitted from the next day."
    )


# --- versions ----------------------------------------------------------------------------------


def test_a_save_on_an_older_version_is_refused_and_says_who_saved_and_when(roll):
    c = roll
    c.chair_a.full_name = "Nguyễn Thị Chủ Tịch"
    c.chair_a.save()
    ret = opened(c)
    services.return_save(ret=ret, data={"workers_total": 40}, version=1, by=c.chair_a)

    with pytest.raises(services.ReturnConflict) as exc:
        services.return_save(ret=ret, data={"workers_total": 45}, version=1, by=c.admin)

    message = messages_of(exc)
    saved_at = AuditLog.objects.filter(object_id=str(ret.pk), content_type__model="quarterlyreturn").first().at
    assert message.startswith(f"Nguyễn Thị Chủ Tịch saved this return at {timezone.localtime(saved_at):%H:%M %d/%m/%Y}")
    assert "Nothing was overwritten" in message
    assert exc.value.current.version == 2
    ret.refresh_from_db()
    assert (ret.workers_total, ret.version) == (40, 2)


def test_a_decision_on_an_older_version_is_refused(roll):
    c = roll
    ret = submitted(c)
    stale = ret.version - 1
    with pytest.raises(services.ReturnConflict):
        services.return_approve(ret=ret, version=stale, by=c.officer)
    assert QuarterlyReturn.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED


# --- on time and late --------------------------------------------------------------------------


def test_a_return_is_on_time_or_late_against_the_deadline_set(roll):
    c = roll
    today = timezone.localdate()
    services.quarter_set_deadline(federation=c.fed, year=Y, quarter=Q, deadline=today + datetime.timedelta(days=5),
                                  by=c.admin)  # fmt: skip
    submitted(c)
    standing = {u.code: u.standing for u in completeness(c.fed, path=c.fed.path, year=Y, quarter=Q).units}
    assert standing["A"] == Standing.ON_TIME

    services.quarter_set_deadline(federation=c.fed, year=Y, quarter=Q, deadline=D(2026, 10, 15), by=c.admin)
    result = completeness(c.fed, path=c.fed.path, year=Y, quarter=Q)
    standing = {u.code: u.standing for u in result.units}
    assert standing["A"] == Standing.LATE
    assert standing["B"] == Standing.OVERDUE
    assert (result.total.late, result.total.overdue) == (1, len(result.units) - 1)


def test_a_deadline_comes_after_the_quarter_ends(cast):
    c = cast
    with pytest.raises(ValidationError) as exc:
        services.quarter_set_deadline(federation=c.fed, year=Y, quarter=Q, deadline=D(2026, 9, 30), by=c.admin)
    assert exc.value.message_dict["deadline"] == ["The deadline must come after the quarter ends (30/09/2026)."]
    with pytest.raises(PermissionDenied):
        services.quarter_set_deadline(federation=c.fed, year=Y, quarter=Q, deadline=D(2026, 10, 20), by=c.staff)
    assert not ReportingQuarter.objects.exists()


# --- closing and reopening a quarter -----------------------------------------------------------


def test_closing_a_quarter_locks_its_returns_and_reopening_restores_them(roll):
    c = roll
    ret_a = submitted(c)
    ret_b = services.return_open(union=c.b, year=Y, quarter=Q, by=c.chair_b)
    ret_b = services.return_submit(ret=ret_b, version=1, by=c.chair_b, data={"workers_total": 500})
    ret_b = services.return_approve(ret=ret_b, version=ret_b.version, by=c.staff)
    ret_e1 = services.return_open(union=c.e1, year=Y, quarter=Q, by=c.admin)  # a draft, never submitted
    other_quarter = services.return_open(union=c.a, year=Y, quarter=2, by=c.chair_a)

    row = services.quarter_close(federation=c.fed, year=Y, quarter=Q, by=c.admin)
    assert row.closed_by == c.admin

    status = dict(QuarterlyReturn.objects.values_list("pk", "status"))
    assert status[ret_a.pk] == status[ret_b.pk] == ReturnStatus.LOCKED
    assert status[ret_e1.pk] == ReturnStatus.DRAFT  # a locked return is a submitted one
    assert status[other_quarter.pk] == ReturnStatus.DRAFT

    # Nothing of the closed quarter can be opened, saved, submitted or decided.
    closed = "Q3/2026 is closed: its returns can no longer be changed."
    attempts = [
        lambda: services.return_open(union=c.a2, year=Y, quarter=Q, by=c.admin),
        lambda: services.return_save(ret=ret_e1, data={"dialogues": 1}, version=1, by=c.admin),
        lambda: services.return_submit(ret=ret_e1, version=1, by=c.admin, data={"workers_total": 120}),
        lambda: services.return_approve(ret=ret_a, version=ret_a.version + 1, by=c.officer),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert messages_of(exc) == closed
    assert not QuarterlyReturn.objects.filter(union=c.a2).exists()
    with pytest.raises(ValidationError) as exc:
        services.quarter_close(federation=c.fed, year=Y, quarter=Q, by=c.admin)
    assert messages_of(exc) == "Q3/2026 is closed already."

    with pytest.raises(ValidationError) as exc:
        services.quarter_reopen(federation=c.fed, year=Y, quarter=Q, reason=" ", by=c.admin)
    assert exc.value.message_dict["reason"] == ["Say why the quarter is reopened."]

    row = services.quarter_reopen(federation=c.fed, year=Y, quarter=Q, reason="Bổ sung số liệu", by=c.admin)
    assert (row.closed_at, row.reopen_reason) == (None, "Bổ sung số liệu")
    status = dict(QuarterlyReturn.objects.values_list("pk", "status"))
    assert status[ret_a.pk] == ReturnStatus.SUBMITTED
    assert status[ret_b.pk] == ReturnStatus.APPROVED
    assert QuarterlyReturn.objects.get(pk=ret_b.pk).status_before_lock == ""
    # Decisions can be taken again.
    ret_a.refresh_from_db()
    assert services.return_approve(ret=ret_a, version=ret_a.version, by=c.officer).status == ReturnStatus.APPROVED


def test_reopening_a_quarter_unlocks_returns_locked_before_its_closing_too(roll):
    c = roll
    ret = submitted(c)
    ret = services.return_approve(ret=ret, version=ret.version, by=c.officer)
    services.return_lock(ret=ret, by=c.admin)
    services.quarter_close(federation=c.fed, year=Y, quarter=Q, by=c.admin)
    with pytest.raises(ValidationError) as exc:
        services.return_reopen(ret=ret, reason="Sửa", by=c.admin)
    assert messages_of(exc) == "Q3/2026 is closed: reopen the quarter to change its returns."

    services.quarter_reopen(federation=c.fed, year=Y, quarter=Q, reason="Bổ sung", by=c.admin)

    ret.refresh_from_db()
    assert (ret.status, ret.status_before_lock, ret.locked_at) == (ReturnStatus.APPROVED, "", None)


def test_only_the_federation_admin_closes_quarters(cast):
    c = cast
    for user in (c.staff, c.officer, c.leader):
        with pytest.raises(PermissionDenied):
            services.quarter_close(federation=c.fed, year=Y, quarter=Q, by=user)
    assert not ReportingQuarter.objects.exists()
