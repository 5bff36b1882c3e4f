"""Each Celery task goes to its queue (config/routers.py), and each queue has a worker (docker-compose.yml)."""

import json
import os
import shlex
import uuid
from pathlib import Path

import pytest
import yaml

from config.celery import app
from config.routers import task_queue

ROOT = Path(__file__).resolve().parents[2]

# Every task of the project and its queue: a new task fails the completeness test until its
# queue is decided (CELERY_QUEUE_ROUTES) and written here.
EXPECTED = {
    "members.tasks.run_member_import": "imports",
    "members.tasks.run_roll_export": "imports",
    "members.tasks.reconcile_import_jobs": "default",
    "reports.tasks.send_return_reminders": "reminders",
    "reports.tasks.warm_dashboards": "reports",
    "reports.tasks.refresh_rollups": "reports",
    "federation.tasks.ping": "default",
}
PROJECT_APPS = ("federation.", "unions.", "members.", "welfare.", "reports.")


@pytest.fixture
def routed(settings):
    """Routes as in production, also when this test process's real worker asked for one queue."""
    settings.CELERY_ONE_QUEUE = ""
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
    app.loader.import_default_modules()
    yield settings
    app.conf.task_default_queue = saved


def _queue_of(name: str) -> str:
    return app.amqp.router.route({}, name, task_type=app.tasks.get(name))["queue"].name


@pytest.mark.parametrize("name, queue", sorted(EXPECTED.items()))
def test_each_task_goes_to_its_queue(routed, name, queue):
    assert _queue_of(name) == queue


def test_every_task_of_the_project_has_a_decided_queue():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if name.startswith(PROJECT_APPS)}
    assert ours - set(EXPECTED) == set()


def test_every_periodic_task_is_a_known_task(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled - set(EXPECTED) == set()


def test_a_process_that_moves_its_default_queue_sends_everything_there(routed):
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = "kill-test-queue"
    try:
        assert {_queue_of(name) for name in EXPECTED} == {"kill-test-queue"}
    finally:
        app.conf.task_default_queue = saved


def test_one_queue_takes_every_task(routed):
    routed.CELERY_ONE_QUEUE = "tests-solo"
    assert {_queue_of(name) for name in EXPECTED} == {"tests-solo"}
    routed.CELERY_ONE_QUEUE = ""
    assert task_queue("federation.tasks.ping") is None  # the default queue
    assert app.conf.task_default_queue in ("default", "tests-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))


def _worker_queues(command: list[str]) -> set[str]:
    args = command if isinstance(command, list) else shlex.split(command)
    for flag in ("-Q", "--queues"):
        if flag in args:
            return set(args[args.index(flag) + 1].split(","))
    return {"default"}  # no -Q: the default queue only


def test_every_queue_has_a_worker_in_docker_compose(settings):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    workers = {
        name: _worker_queues(service["command"])
        for name, service in compose["services"].items()
        if "worker" in " ".join(service.get("command") or [])
    }
    consumed = set().union(*workers.values())
    assert set(settings.CELERY_QUEUE_ROUTES.values()) | {settings.CELERY_TASK_DEFAULT_QUEUE} <= consumed
    # Imports apart: the worker that takes them takes nothing else, and not more than two at once.
    imports = [name for name, queues in workers.items() if "imports" in queues]
    assert imports and all(workers[name] == {"imports"} for name in imports)
    for name in imports:
        concurrency = [a for a in compose["services"][name]["command"] if a.startswith("--concurrency=")]
        assert concurrency and int(concurrency[0].split("=")[1]) <= 2


def test_web_replicas_keep_no_local_state():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    replicas = web["deploy"]["replicas"]
    assert replicas >= 2
    # Each replica needs a host port of its own: a range at least as wide as the replicas.
    for mapping in web.get("ports", []):
        host = str(mapping).rsplit(":", 1)[0].rsplit(":", 1)[-1]
        first, _, last = host.partition("-")
        assert last and int(last) - int(first) + 1 >= replicas, mapping
    # Uploaded files on the shared volume; sessions in the database, cache and broker in Redis.
    assert any(str(v).startswith("media:") for v in web.get("volumes", []))
    assert web["environment"]["REDIS_URL"]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real broker)")
def test_a_sent_import_lands_on_the_imports_queue_of_the_broker(routed):
    """Through Redis, not only the router: the message is in the `imports` list, and nowhere else."""
    import redis

    from members.tasks import run_roll_export

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    task_id = f"queue-test-{uuid.uuid4()}"
    app.conf.task_always_eager = False
    try:
        run_roll_export.apply_async(args=[0], task_id=task_id)
    finally:
        app.conf.task_always_eager = True
    found = {}
    for queue in ("imports", "default", "reminders", "reports"):
        for raw in broker.lrange(queue, 0, -1):
            if json.loads(raw)["headers"].get("id") == task_id:
                found[queue] = raw
    for queue, raw in found.items():
        broker.lrem(queue, 0, raw)
    assert list(found) == ["imports"]
