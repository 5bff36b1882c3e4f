"""Where work goes when there is more than one of something (docs/scaling.md).

`ReplicaRouter` (DATABASE_ROUTERS) sends reads to the "replica" alias only inside
`federation.replica.replica_reads()` — the dashboards' GET requests, switched on by
`federation.replica.ReplicaMiddleware` — and only when that alias exists (DATABASE_REPLICA_URL).
Every write, every read inside a transaction on the primary, every Celery task (the dashboards'
cache warmer and the rollup refresh included) and every other page use "default".

`route_task` (CELERY_TASK_ROUTES) sends each task to its queue by name, from
`settings.CELERY_QUEUE_ROUTES`, so a long member import never waits behind, nor delays, the
reminders and the dashboards' warm-up. With `CELERY_ONE_QUEUE` set, every task goes to that one
queue: a single worker that serves everything, and the test suite's worker per test process.
"""

from contextvars import ContextVar
from fnmatch import fnmatchcase

from django.conf import settings
from django.db import connections

REPLICA = "replica"
# Set by `federation.replica.replica_reads()` and its middleware; read here at every query.
reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


class ReplicaRouter:
    """Reads to the replica while `replica_reads()` is on and no transaction is open on the
    primary (a read inside a transaction must see that transaction's writes); None otherwise,
    which Django takes as "default"."""

    def db_for_read(self, model, **hints):
        if reading_replica.get() and REPLICA in connections.databases and not connections["default"].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # One database with a copy: objects read from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica gets its schema from the primary through replication, never from migrate.
        return False if db == REPLICA else None


def task_queue(name: str) -> str | None:
    """The queue of the task called `name`: the first pattern of CELERY_QUEUE_ROUTES that matches
    it, or None for the default queue (CELERY_TASK_DEFAULT_QUEUE)."""
    if settings.CELERY_ONE_QUEUE:
        return settings.CELERY_ONE_QUEUE
    for pattern, queue in settings.CELERY_QUEUE_ROUTES.items():
        if fnmatchcase(name, pattern):
            return queue
    return None


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): read at every send, so a changed setting takes effect.
    A process that points its default queue elsewhere at run time (`app.conf.task_default_queue`,
    as the tests' own workers do) sends everything there: its worker consumes that queue alone."""
    default = task.app.conf.task_default_queue if task is not None else settings.CELERY_TASK_DEFAULT_QUEUE
    if default not in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_ONE_QUEUE):
        return {"queue": default}
    queue = task_queue(name)
    return {"queue": queue} if queue else None
