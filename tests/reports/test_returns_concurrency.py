"""Quarterly returns under concurrent writers, on PostgreSQL (SQLite serializes writers, so these
races cannot happen there): every state change is a compare-and-set on the version."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

from federation.models import AuditLog
from reports.models import TYPED_FIELDS, QuarterlyReturn, ReturnStatus
from reports.services import returns as services

from ..concurrency import postgresql_only, race
from ..factories import member

D = datetime.date

pytestmark = postgresql_only


def audit(ret) -> list[dict]:
    entries = AuditLog.objects.filter(content_type__model="quarterlyreturn", object_id=str(ret.pk))
    return [e.changes for e in entries.order_by("at", "id")]


@pytest.fixture
def draft(transactional_db, cast):
    member(cast.a, full_name="Nguyễn Văn Một", joined_on=D(2020, 1, 1))
    ret = services.return_open(union=cast.a, year=2026, quarter=3, by=cast.chair_a)
    return services.return_save(ret=ret, data={"workers_total": 40}, version=1, by=cast.chair_a)


def test_twenty_saves_of_the_same_version_one_wins_the_others_are_told(cast, draft):
    seen = draft.version

    def save(i):
        with translation.override("en"):  # each thread has its own language: the messages read below
            return services.return_save(ret=draft, data={"workers_total": 41 + i}, version=seen, by=cast.chair_a)

    results = race(20, save)

    saved = [r for r in results if isinstance(r, QuarterlyReturn)]
    told = [r for r in results if isinstance(r, services.ReturnConflict)]
    assert (len(saved), len(told)) == (1, 19), results
    assert all("Nothing was overwritten" in " ".join(r.messages) for r in told)
    draft.refresh_from_db()
    assert (draft.version, draft.workers_total) == (seen + 1, saved[0].workers_total)
    assert len([c for c in audit(draft) if "workers_total" in c]) == 2  # the first save and the winner


def test_a_submission_racing_edits_of_the_same_version_leaves_no_edit_after_it(cast, draft):
    seen = draft.version

    def work(i):
        if i == 0:
            return services.return_submit(ret=draft, version=seen, by=cast.chair_a)
        return services.return_save(ret=draft, data={"dialogues": i}, version=seen, by=cast.chair_a)

    results = race(10, work)

    assert sum(isinstance(r, QuarterlyReturn) for r in results) == 1, results
    assert all(isinstance(r, QuarterlyReturn | ValidationError) for r in results), results
    draft.refresh_from_db()
    assert draft.version == seen + 1
    if draft.status == ReturnStatus.SUBMITTED:
        assert draft.dialogues == 0
    else:
        assert draft.dialogues in range(1, 10)


def test_an_approval_racing_edits_never_leaves_an_edit_committed_after_it(cast, draft):
    ret = services.return_submit(ret=draft, version=draft.version, by=cast.chair_a)
    ret = services.return_send_back(ret=ret, comment="Sửa số liệu", version=ret.version, by=cast.officer)
    ret = services.return_submit(ret=ret, version=ret.version, by=cast.chair_a)
    typed_before = {name: getattr(ret, name) for name in TYPED_FIELDS}
    seen = ret.version

    def work(i):
        if i == 0:
            return services.return_approve(ret=ret, version=seen, by=cast.officer)
        # A chair whose page was open on the version the officer saw, saving anyway.
        return services.return_save(ret=ret, data={"workers_total": 50 + i}, version=seen, by=cast.chair_a)

    results = race(12, work)

    assert isinstance(results[0], QuarterlyReturn), results[0]
    assert all(isinstance(r, ValidationError) for r in results[1:]), results
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED and ret.version == seen + 1
    assert {name: getattr(ret, name) for name in TYPED_FIELDS} == typed_before
    changes = audit(ret)
    approval = max(i for i, c in enumerate(changes) if c.get("status") == ["submitted", "approved"])
    assert not [c for c in changes[approval + 1 :] if set(c) & set(TYPED_FIELDS)]


def test_fifty_submissions_of_one_return_one_wins_the_others_are_told(cast, draft):
    seen = draft.version

    def submit(i):
        with translation.override("en"):
            return services.return_submit(ret=draft, data={"dialogues": i + 1}, version=seen, by=cast.chair_a)

    results = race(50, submit)

    won = [r for r in results if isinstance(r, QuarterlyReturn)]
    told = [r for r in results if isinstance(r, services.ReturnConflict)]
    assert (len(won), len(told)) == (1, 49), [r for r in results if not isinstance(r, QuarterlyReturn)][:3]
    assert all("Nothing was overwritten" in " ".join(r.messages) for r in told)
    draft.refresh_from_db()
    # No lost update: the return holds the winner's values, written once.
    assert (draft.status, draft.version, draft.dialogues) == (ReturnStatus.SUBMITTED, seen + 1, won[0].dialogues)
    assert len([c for c in audit(draft) if c.get("status") == ["draft", "submitted"]]) == 1


def test_an_edit_checked_before_an_approval_cannot_commit_after_it(cast, draft, monkeypatch):
    """The chair's save passed its checks on the draft, then stalled; meanwhile the return was
    submitted and approved. When the save goes on, it is refused: nothing lands after the
    approval took its lock."""
    checked, go_on = threading.Event(), threading.Event()
    check_workers = services._check_workers

    def stalling(values, **kwargs):
        check_workers(values, **kwargs)
        if threading.current_thread().name == "edit":
            checked.set()
            go_on.wait(30)

    monkeypatch.setattr(services, "_check_workers", stalling)
    seen = draft.version
    result = {}

    def edit():
        try:
            with translation.override("en"):
                result["edit"] = services.return_save(ret=draft, data={"workers_total": 99}, version=seen,
                                                      by=cast.chair_a)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - inspected below
            result["edit"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=edit, name="edit")
    thread.start()
    assert checked.wait(30)
    ret = services.return_submit(ret=draft, version=seen, by=cast.chair_a)
    ret = services.return_approve(ret=ret, version=ret.version, by=cast.officer)
    go_on.set()
    thread.join(30)

    assert isinstance(result["edit"], services.ReturnConflict), result
    assert "Nothing was overwritten" in " ".join(result["edit"].messages)
    draft.refresh_from_db()
    assert (draft.status, draft.version, draft.workers_total) == (ReturnStatus.APPROVED, seen + 2, 40)
    changes = audit(draft)
    approval = max(i for i, c in enumerate(changes) if c.get("status") == ["submitted", "approved"])
    assert not [c for c in changes[approval + 1 :] if set(c) & set(TYPED_FIELDS)]


def test_a_save_checked_before_the_quarter_closed_commits_before_the_close(cast, draft, monkeypatch):
    """A chair's save passed the "quarter open" check and stalled; the administrator closes the
    quarter meanwhile. Closing waits for the save, so nothing of the quarter commits after it."""
    checked, go_on = threading.Event(), threading.Event()
    check_workers = services._check_workers
    finished = []

    def stalling(values, **kwargs):
        check_workers(values, **kwargs)
        if threading.current_thread().name == "edit":
            checked.set()
            go_on.wait(30)

    monkeypatch.setattr(services, "_check_workers", stalling)

    def edit():
        try:
            services.return_save(ret=draft, data={"workers_total": 41}, version=draft.version, by=cast.chair_a)
            finished.append("save")
        finally:
            connections.close_all()

    def close():
        try:
            services.quarter_close(federation=cast.fed, year=2026, quarter=3, by=cast.admin)
            finished.append("close")
        finally:
            connections.close_all()

    editing = threading.Thread(target=edit, name="edit")
    editing.start()
    assert checked.wait(30)
    closing = threading.Thread(target=close, name="close")
    closing.start()
    closing.join(1.5)
    assert closing.is_alive(), "the close did not wait for the save already past its check"
    go_on.set()
    editing.join(30)
    closing.join(30)

    assert finished == ["save", "close"]
    draft.refresh_from_db()
    assert draft.workers_total == 41
    closed_at = AuditLog.objects.get(content_type__model="reportingquarter", action=AuditLog.Action.CLOSE).at
    saved_at = AuditLog.objects.filter(content_type__model="quarterlyreturn", object_id=str(draft.pk)).latest("at").at
    assert saved_at < closed_at
