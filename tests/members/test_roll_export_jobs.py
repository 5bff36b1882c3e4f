"""Large roll exports are background jobs that own their state (like imports): the list's
download above ROLL_EXPORT_INLINE_ROWS offers to prepare the file, a job builds it once, only its
requester sees and downloads it, and the reconciler re-sends, fails and clears old files."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from federation.models import AuditLog, Role
from members import services, tasks
from members.models import ExportStatus, RollExport

from ..conftest import add_members, client_for
from ..factories import UserFactory, member

EXPORT = reverse("members:export")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def c(cast, settings):
    add_members(cast)
    member(cast.a, full_name="=Lê Văn Công")
    settings.ROLL_EXPORT_INLINE_ROWS = 2  # the federation has 3 members, A has 2
    return cast


@pytest.fixture
def sent(monkeypatch):
    ids = []
    monkeypatch.setattr(tasks.run_roll_export, "delay", lambda pk: ids.append(pk))
    return ids


def exports_audited():
    return AuditLog.objects.filter(action=AuditLog.Action.EXPORT).order_by("pk")


def prepare(client, query, django_capture_on_commit_callbacks) -> RollExport:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT + query)
    job = RollExport.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:roll_export", args=[job.pk])
    return job


def test_a_small_list_downloads_at_once(c):
    response = client_for(c.chair_a).get(EXPORT + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="doan-vien-a-')
    assert b"066090001234" in response.content
    assert not RollExport.objects.exists()
    assert exports_audited().get().changes["rows"] == 2


def test_a_large_list_is_prepared_by_a_job_and_downloaded_by_its_requester(c, django_capture_on_commit_callbacks):
    client = client_for(c.staff)
    with translation.override("en"):
        page = client.get(EXPORT + "?status=active&format=xlsx")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "Chuẩn bị tệp" in page.content.decode() and "csrfmiddlewaretoken" in page.content.decode()
    assert not RollExport.objects.exists() and not exports_audited().exists()

    job = prepare(client, "?status=active&format=xlsx", django_capture_on_commit_callbacks)  # run eagerly

    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows, job.requested_by, job.federation) == (
        ExportStatus.DONE, 1, 3, c.staff, c.fed
    )  # fmt: skip
    assert job.params == {"filters": {"status": "active"}, "format": "xlsx"}
    assert job.file.name.startswith("exports/") and job.filename.endswith(".xlsx")
    status = client.get(reverse("members:roll_export", args=[job.pk])).content.decode()
    assert "Tệp đã sẵn sàng: 3 đoàn viên." in status
    assert reverse("members:roll_export_download", args=[job.pk]) in status
    assert "hx-get" not in status  # finished: no more polling

    response = client.get(reverse("members:roll_export_download", args=[job.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;") and job.filename in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert sorted(r[0] for r in cells[3:]) == ["'=Lê Văn Công", "Nguyễn Văn An", "Trần Thị Bình"]
    assert "066090001234" in {r[3] for r in cells[3:]}

    entry = exports_audited().get()
    assert (entry.actor, entry.changes["rows"], entry.changes["filters"], entry.changes["format"]) == (
        c.staff, 3, {"status": "active"}, "xlsx"
    )  # fmt: skip
    assert "066090001234" not in str(entry.changes) and "066195004321" not in str(entry.changes)


def test_the_job_keeps_the_list_filters_and_csv(c, django_capture_on_commit_callbacks, settings):
    settings.ROLL_EXPORT_INLINE_ROWS = 0
    client = client_for(c.officer)  # D1: only A's two members
    job = prepare(client, f"?union={c.a.pk}&gender=male&format=csv&page=2", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.params == {
        "filters": {"gender": "male", "union": str(c.a.pk)},
        "format": "csv",
    }
    body = b"".join(client.get(reverse("members:roll_export_download", args=[job.pk])).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(r[0] for r in rows[1:]) == ["'=Lê Văn Công", "Nguyễn Văn An"]


def test_a_queued_export_polls_and_a_digit_search_is_never_kept(c, sent, django_capture_on_commit_callbacks):
    client = client_for(c.staff)
    job = prepare(client, "?q=066090&format=csv", django_capture_on_commit_callbacks)
    assert sent == [job.pk] and job.status == ExportStatus.QUEUED
    assert job.params == {"filters": {}, "format": "csv"}
    page = client.get(reverse("members:roll_export", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 3s"' in page and reverse("members:roll_export_status", args=[job.pk]) in page
    assert "<script>" not in page
    assert client.get(reverse("members:roll_export_download", args=[job.pk])).status_code == 404
    fragment = client.get(reverse("members:roll_export_status", args=[job.pk]))
    assert "HX-Refresh" not in fragment and "hx-get" in fragment.content.decode()
    services.roll_export_run(export_id=job.pk)
    assert client.get(reverse("members:roll_export_status", args=[job.pk]))["HX-Refresh"] == "true"


def test_only_the_requester_sees_the_export(c, django_capture_on_commit_callbacks, settings):
    settings.ROLL_EXPORT_INLINE_ROWS = 0
    job = prepare(client_for(c.chair_a), "?format=csv", django_capture_on_commit_callbacks)
    twin = UserFactory(username="chair_a2", role=Role.GRASSROOTS_CHAIR, federation=c.fed, union=c.a)
    for user in (twin, c.admin, c.officer, c.leader, c.other_admin):
        client = client_for(user)
        for name in ("members:roll_export", "members:roll_export_status", "members:roll_export_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (user, name)
    assert not exports_audited().exists()


def test_the_leader_gets_no_export_large_or_small(c, django_capture_on_commit_callbacks):
    client = client_for(c.leader)
    assert client.get(EXPORT).status_code == 403  # above the threshold
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(EXPORT + "?format=csv").status_code == 403
    assert not RollExport.objects.exists()


def test_running_an_export_twice_changes_nothing_more(c, sent, settings, django_capture_on_commit_callbacks):
    job = prepare(client_for(c.staff), "?format=xlsx", django_capture_on_commit_callbacks)
    services.roll_export_run(export_id=job.pk)
    job.refresh_from_db()
    first = (job.status, job.attempts, job.file.name, job.finished_at, AuditLog.objects.count())
    assert first[:2] == (ExportStatus.DONE, 1)

    again = services.roll_export_run(export_id=job.pk)

    job.refresh_from_db()
    assert again.status == ExportStatus.DONE
    assert (job.status, job.attempts, job.file.name, job.finished_at, AuditLog.objects.count()) == first
    assert [f for f in (settings.MEDIA_ROOT / "exports").rglob("*") if f.is_file()] == [Path(job.file.path)]


def test_a_live_run_is_not_taken_over(c, sent, django_capture_on_commit_callbacks):
    job = prepare(client_for(c.staff), "?format=csv", django_capture_on_commit_callbacks)
    RollExport.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    services.roll_export_run(export_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == (ExportStatus.RUNNING, 1, "")


def ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


def test_the_reconciler_resends_a_stale_run_and_fails_one_over_attempts(
    c, sent, settings, django_capture_on_commit_callbacks
):
    client = client_for(c.staff)
    stale, spent = (prepare(client, "?format=csv", django_capture_on_commit_callbacks) for _ in range(2))
    sent.clear()
    RollExport.objects.filter(pk=stale.pk).update(
        status=ExportStatus.RUNNING, attempts=1, heartbeat_at=ago(settings.JOB_STALE_SECONDS + 1)
    )
    RollExport.objects.filter(pk=spent.pk).update(
        status=ExportStatus.RUNNING,
        attempts=settings.JOB_MAX_ATTEMPTS,
        heartbeat_at=ago(settings.JOB_STALE_SECONDS + 1),
    )
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        assert tasks.reconcile_import_jobs() == {"requeued": 1, "resent": 0, "failed": 1}
    assert sent == [stale.pk]
    stale.refresh_from_db(), spent.refresh_from_db()
    assert stale.status == ExportStatus.QUEUED and spent.status == ExportStatus.FAILED
    assert spent.error.startswith("Preparing the file was interrupted 3 times")
    with translation.override("en"):
        page = client.get(reverse("members:roll_export", args=[spent.pk])).content.decode()
    assert "Preparing the file was interrupted 3 times" in page

    services.roll_export_run(export_id=stale.pk)  # the re-sent message
    stale.refresh_from_db()
    assert (stale.status, stale.attempts, stale.rows) == (ExportStatus.DONE, 2, 3)


def test_the_reconciler_resends_a_lost_message_and_deletes_old_files(
    c, sent, settings, django_capture_on_commit_callbacks
):
    client = client_for(c.staff)
    old, lost = (prepare(client, "?format=csv", django_capture_on_commit_callbacks) for _ in range(2))
    services.roll_export_run(export_id=old.pk)
    old.refresh_from_db()
    path = old.file.path
    RollExport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=8))
    RollExport.objects.filter(pk=lost.pk).update(queued_at=ago(settings.JOB_REQUEUE_SECONDS + 1))
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.roll_export_reconcile()
    assert counts == {"requeued": 0, "resent": 1, "failed": 0, "expired": 1}
    assert sent == [lost.pk]
    old.refresh_from_db()
    assert (old.status, old.file.name, old.rows) == (ExportStatus.DONE, "", 3)
    assert not Path(path).exists()
    assert client.get(reverse("members:roll_export_download", args=[old.pk])).status_code == 404
    with translation.override("en"):
        assert "Tệp đã được xóa" in client.get(reverse("members:roll_export", args=[old.pk])).content.decode()
