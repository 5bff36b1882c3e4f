"""Import jobs against real failures (issue part 7), on PostgreSQL and Redis with real Celery
workers: a worker killed with SIGKILL in the middle of a 100,000-row import leaves nothing or
everything and the job ends imported or failed, never stuck; jobs queued when Redis lost its
data are finished by the reconciler. Each test runs its own worker (prefork, one process) on a
queue and a Redis database of its own, so killing it and flushing Redis touch nothing else."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings as django_settings
from django.core.files import File
from django.db import connection

from config.celery import app as celery_app
from federation import demo
from members import services
from members.importing import COLUMNS
from members.models import ImportStatus, Member, MemberImport, Movement
from unions.models import Level, Union

from ..conftest import _database_url

ROOT = Path(__file__).resolve().parents[2]
ROWS = 100_000
FINISHED = (ImportStatus.IMPORTED, ImportStatus.FAILED)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not django_settings.REDIS_URL,
        reason="killing a real worker needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
    ),
]


def _own_redis_url() -> str:
    """The Redis server of REDIS_URL, another database (db + 8 + the pytest-xdist worker's
    number, modulo 16), flushed by these tests."""
    parts = urlsplit(django_settings.REDIS_URL)
    db = int(parts.path.strip("/") or 0) + 8 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    return urlunsplit(parts._replace(path=f"/{db % 16}"))


@pytest.fixture
def broker(settings, tmp_path):
    """Send tasks to a queue and Redis database of our own, as a worker started by `Worker` reads them."""
    url, queue = _own_redis_url(), f"kill-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    settings.MEDIA_ROOT = tmp_path / "media"
    saved = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    celery_app.conf.broker_url, celery_app.conf.task_default_queue = url, queue
    celery_app.conf.task_always_eager = False
    _reset_pools()
    redis.Redis.from_url(url).flushdb()
    try:
        yield {"url": url, "queue": queue, "media": settings.MEDIA_ROOT}
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_default_queue = saved
        celery_app.conf.task_always_eager = True
        _reset_pools()
        redis.Redis.from_url(url).flushdb()


def _reset_pools():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    """`celery worker -P prefork -c 1` in a process group of its own, on the test database."""

    def __init__(self, broker):
        self.broker = broker
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(django_settings.DATABASES["default"]),
            "REDIS_URL": self.broker["url"],
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(self.broker["media"]),
            "JOB_HEARTBEAT_SECONDS": "0.2",
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", "1"]
        command += ["--loglevel=WARNING", "-Q", self.broker["queue"], "-n", f"{self.broker['queue']}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        return self

    def kill(self):
        """SIGKILL the worker and its pool process at once (the whole process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.kill()


@pytest.fixture
def workers(broker):
    started = []

    def start():
        started.append(Worker(broker).start())
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def roll_file(cast, path: Path, rows: int) -> Path:
    """A valid roll of `rows` people in the cast's grassroots unions, drawn as the demo draws its
    members (bench/import_roll.py's generator), in the template's columns."""
    Union.objects.filter(federation=cast.fed, level=Level.GRASSROOTS).update(worker_count=rows)
    people = demo.template_people(cast.fed, rows, seed=7)
    assert len(people) == rows
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in COLUMNS])
        for p in people:
            writer.writerow(
                [
                    p.full_name,
                    "Nữ" if p.gender == "female" else "Nam",
                    p.born.strftime("%d/%m/%Y"),
                    p.citizen_id,
                    p.joined_on.strftime("%d/%m/%Y"),
                    p.unit.code,
                    p.ethnicity,
                    p.religion,
                    p.job_title,
                    p.union_position,
                    "x" if p.is_party_member else "",
                    p.phone,
                    p.email,
                    p.member_code,
                    p.address,
                ]
            )
    return path


def upload(cast, path: Path) -> MemberImport:
    with path.open("rb") as fh:
        batch = services.member_import_create(
            file=File(fh), filename=path.name, federation=cast.fed, scope_path=cast.fed.path, by=cast.staff
        )
    services.member_import_enqueue(batch)  # sent at once: these tests commit as they go
    return batch


def wait_for(check, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)
    return result


def job(batch) -> MemberImport:
    return MemberImport.objects.get(pk=batch.pk)


def written() -> tuple[int, int]:
    return Member.objects.count(), Movement.objects.count()


@pytest.mark.parametrize("at", [10, 50, 90])
def test_a_worker_killed_mid_import_leaves_nothing_or_everything(cast, tmp_path, settings, workers, at):
    started = time.monotonic()
    path = roll_file(cast, tmp_path / "roll.csv", ROWS)
    generated = time.monotonic()
    batch = upload(cast, path)
    first = workers()

    seen = wait_for(lambda: (j := job(batch)).status in FINISHED or j.progress >= at and j, seconds=180, what=f"{at} %")
    first.kill()
    killed = time.monotonic()

    assert seen is not True, "the import ended before the kill"
    assert (seen.status, seen.attempts) == (ImportStatus.RUNNING, 1)
    at_kill = job(batch)
    if at_kill.status == ImportStatus.IMPORTED:  # killed after the commit: everything is there
        assert written() == (ROWS, ROWS)
    else:
        assert at_kill.status == ImportStatus.RUNNING and written() == (0, 0)

    # The run is dead: its heartbeat stops. A new worker, and the reconciler (Celery beat's job).
    settings.JOB_STALE_SECONDS = 2
    time.sleep(settings.JOB_STALE_SECONDS + 0.5)
    workers()
    counts = services.member_import_reconcile()
    assert counts["requeued"] == (at_kill.status == ImportStatus.RUNNING)

    final = wait_for(lambda: (j := job(batch)).status in FINISHED and j, seconds=180, what="the job's end")
    ended = time.monotonic()

    if final.status == ImportStatus.IMPORTED:
        assert (final.created, final.progress) == (ROWS, 100)
        assert written() == (ROWS, ROWS)
        assert Member.objects.filter(created_by_import=batch).count() == ROWS
    else:
        assert written() == (0, 0)
    assert final.status == ImportStatus.IMPORTED  # one kill, three attempts allowed: it is retried
    assert final.attempts == (2 if at_kill.status == ImportStatus.RUNNING else 1)
    print(
        f"\nkill at {at} % (progress {seen.progress} %): roll {generated - started:.1f} s, "
        f"killed after {killed - generated:.1f} s, retried to {final.status} in {ended - killed:.1f} s"
    )


def test_jobs_queued_when_redis_loses_its_data_are_finished_by_the_reconciler(
    cast, tmp_path, settings, workers, broker
):
    from .files import make_csv, person

    batches = [upload(cast, make_csv(tmp_path / f"roll{i}.csv", [person(10 * i + n) for n in range(3)]))
               for i in range(3)]  # fmt: skip
    client = redis.Redis.from_url(broker["url"])
    assert client.llen(broker["queue"]) == 3  # queued, no worker running
    client.flushdb()

    workers()
    time.sleep(2)
    assert {job(b).status for b in batches} == {ImportStatus.QUEUED}  # the messages are gone
    settings.JOB_REQUEUE_SECONDS = 0
    assert services.member_import_reconcile() == {"requeued": 0, "resent": 3, "failed": 0}

    finished = wait_for(lambda: all(job(b).status in FINISHED for b in batches), seconds=60, what="the jobs")
    assert finished
    assert [job(b).status for b in batches] == [ImportStatus.IMPORTED] * 3
    assert written() == (9, 9)
