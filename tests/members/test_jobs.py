"""Import jobs own their state (issue part 6): one run at a time claims a job, a dead run's job
is taken over or failed, a lost one is sent again, and running a job twice changes nothing more."""

import datetime
import io

import pytest
from django.conf import settings as django_settings
from django.core.files import File
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from federation.models import AuditLog
from members import services, tasks
from members.models import ImportStatus, Member, MemberImport, Movement

from .files import make_csv, person, woman


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sent(monkeypatch):
    """The ids the code sent to the queue (instead of running them)."""
    ids = []
    monkeypatch.setattr(tasks.run_member_import, "delay", lambda pk: ids.append(pk))
    return ids


def upload(cast, tmp_path, rows=None, name="roll.csv") -> MemberImport:
    path = make_csv(tmp_path / name, rows or [person(1), woman(2)])
    with path.open("rb") as fh:
        return services.member_import_create(
            file=File(fh), filename=name, federation=cast.fed, scope_path=cast.fed.path, by=cast.staff
        )


def ago(seconds: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def state(batch: MemberImport) -> tuple:
    batch.refresh_from_db()
    return batch.status, batch.attempts, Member.objects.count(), Movement.objects.count()


def import_audits() -> int:
    return AuditLog.objects.filter(content_type__model="memberimport").count()


def test_running_a_job_twice_changes_nothing_more(cast, tmp_path):
    batch = upload(cast, tmp_path)
    services.member_import_run(batch_id=batch.pk)
    first = state(batch), list(Member.objects.values().order_by("pk")), import_audits()
    assert first[0] == (ImportStatus.IMPORTED, 1, 2, 2)

    again = services.member_import_run(batch_id=batch.pk)

    assert again.status == ImportStatus.IMPORTED
    assert (state(batch), list(Member.objects.values().order_by("pk")), import_audits()) == first


def test_a_live_run_is_never_taken_over(cast, tmp_path):
    batch = upload(cast, tmp_path)
    MemberImport.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, attempts=1, heartbeat_at=ago(5))

    services.member_import_run(batch_id=batch.pk)  # a duplicate message, while the first run works

    assert state(batch) == (ImportStatus.RUNNING, 1, 0, 0)


def test_a_redelivered_task_takes_over_a_dead_run(cast, tmp_path, settings):
    batch = upload(cast, tmp_path)
    stale = ago(settings.JOB_STALE_SECONDS + 1)
    MemberImport.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, attempts=1, heartbeat_at=stale)

    tasks.run_member_import(batch.pk)

    assert state(batch) == (ImportStatus.IMPORTED, 2, 2, 2)


def test_a_run_that_lost_its_job_writes_nothing(cast, tmp_path, monkeypatch):
    batch = upload(cast, tmp_path)
    audits = import_audits()
    apply = services.importing.apply

    def apply_then_lose(*args, **kwargs):
        apply(*args, **kwargs)  # the members are written...
        # ...but meanwhile the run was judged dead and the job given to another run.
        MemberImport.objects.filter(pk=batch.pk).update(attempts=2)

    monkeypatch.setattr(services.importing, "apply", apply_then_lose)

    result = services.member_import_run(batch_id=batch.pk)

    assert result.status == ImportStatus.RUNNING  # left to the run that owns it
    assert (Member.objects.count(), Movement.objects.count(), import_audits()) == (0, 0, audits)


def test_the_reconciler_queues_a_dead_run_again_and_it_imports(
    cast, tmp_path, settings, sent, django_capture_on_commit_callbacks
):
    batch = upload(cast, tmp_path)
    live = upload(cast, tmp_path, [person(3)], name="live.csv")
    dead_since = ago(settings.JOB_STALE_SECONDS + 1)
    MemberImport.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, attempts=1, heartbeat_at=dead_since)
    MemberImport.objects.filter(pk=live.pk).update(status=ImportStatus.RUNNING, attempts=1, heartbeat_at=ago(5))

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.member_import_reconcile()

    assert counts == {"requeued": 1, "resent": 0, "failed": 0}
    assert sent == [batch.pk]
    assert state(batch)[:2] == (ImportStatus.QUEUED, 1)
    assert state(live)[:2] == (ImportStatus.RUNNING, 1)
    tasks.run_member_import(batch.pk)
    assert state(batch) == (ImportStatus.IMPORTED, 2, 2, 2)


def test_after_the_last_attempt_the_job_fails_with_nothing_written(cast, tmp_path, settings, sent):
    batch = upload(cast, tmp_path)
    dead_since = ago(settings.JOB_STALE_SECONDS + 1)
    MemberImport.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, attempts=settings.JOB_MAX_ATTEMPTS, heartbeat_at=dead_since
    )

    with translation.override("en"):
        counts = services.member_import_reconcile()

    assert counts == {"requeued": 0, "resent": 0, "failed": 1} and sent == []
    assert state(batch) == (ImportStatus.FAILED, settings.JOB_MAX_ATTEMPTS, 0, 0)
    [error] = batch.errors
    assert error["code"] == "interrupted"
    assert error["message"].startswith("The import was interrupted 3 times")
    assert services.import_result(batch)["status"] == "invalid"


def test_a_redelivered_task_after_the_last_attempt_fails_the_job(cast, tmp_path, settings):
    batch = upload(cast, tmp_path)
    dead_since = ago(settings.JOB_STALE_SECONDS + 1)
    MemberImport.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, attempts=settings.JOB_MAX_ATTEMPTS, heartbeat_at=dead_since
    )

    tasks.run_member_import(batch.pk)

    assert state(batch) == (ImportStatus.FAILED, settings.JOB_MAX_ATTEMPTS, 0, 0)


def test_the_reconciler_sends_again_a_job_the_queue_lost(
    cast, tmp_path, settings, sent, django_capture_on_commit_callbacks
):
    lost = upload(cast, tmp_path)
    fresh = upload(cast, tmp_path, [person(3)], name="fresh.csv")
    MemberImport.objects.filter(pk=lost.pk).update(queued_at=ago(settings.JOB_REQUEUE_SECONDS + 1))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.member_import_reconcile() == {"requeued": 0, "resent": 1, "failed": 0}
    assert sent == [lost.pk]
    # Sent again only after another JOB_REQUEUE_SECONDS.
    assert services.member_import_reconcile() == {"requeued": 0, "resent": 0, "failed": 0}
    assert sent == [lost.pk]
    tasks.run_member_import(lost.pk)
    tasks.run_member_import(lost.pk)  # the first message, delivered after all
    assert state(lost) == (ImportStatus.IMPORTED, 1, 2, 2)
    assert state(fresh)[:2] == (ImportStatus.QUEUED, 0)


@pytest.mark.django_db(transaction=True)
def test_jobs_are_sent_only_when_the_transaction_commits(cast, tmp_path, settings, sent):
    batch = upload(cast, tmp_path)
    MemberImport.objects.filter(pk=batch.pk).update(queued_at=ago(settings.JOB_REQUEUE_SECONDS + 1))
    with transaction.atomic():
        services.member_import_enqueue(batch)
        services.member_import_reconcile()
        assert sent == []
    assert sent == [batch.pk, batch.pk]


def test_the_reconciler_runs_every_minute_and_from_the_command_line(
    cast, tmp_path, settings, sent, django_capture_on_commit_callbacks
):
    assert django_settings.CELERY_BEAT_SCHEDULE["reconcile-import-jobs"] == {
        "task": "members.tasks.reconcile_import_jobs",
        "schedule": 60,
    }
    batch = upload(cast, tmp_path)
    MemberImport.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, attempts=1, heartbeat_at=ago(settings.JOB_STALE_SECONDS + 1)
    )
    out = io.StringIO()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile_jobs", stdout=out)
    assert out.getvalue().splitlines() == [
        "Imports queued again: 1; sent again: 0; failed: 0.",
        "Exports queued again: 0; sent again: 0; failed: 0; files deleted: 0.",
    ]
    assert sent == [batch.pk]
    assert tasks.reconcile_import_jobs() == {"requeued": 0, "resent": 0, "failed": 0}


@pytest.mark.django_db(transaction=True)
def test_progress_and_heartbeat_are_kept_while_the_run_works(cast, tmp_path, settings, monkeypatch):
    """The heartbeat (and on PostgreSQL the progress through the write transaction) is written
    while the run works: what the reconciler and the progress bar read."""
    settings.JOB_HEARTBEAT_SECONDS = 1
    batch = upload(cast, tmp_path, [person(n) for n in range(1, 40)])
    seen = []
    apply = services.importing.apply

    def watched(*args, progress, **kwargs):
        def report(share):
            progress(share)
            seen.append(share)

        apply(*args, progress=report, **kwargs)

    monkeypatch.setattr(services.importing, "apply", watched)
    before = timezone.now()

    services.member_import_run(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.progress, Member.objects.count()) == (ImportStatus.IMPORTED, 100, 39)
    assert batch.heartbeat_at >= before
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
