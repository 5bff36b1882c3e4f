"""The switch that sends the dashboards' reads to a read replica (docs/scaling.md, "Read replica").

Only the views named in `settings.REPLICA_VIEW_NAMES` (the achievement dashboards, their export,
the completeness report and the reports API), only for GET and HEAD, and only while the replica
is worth reading:
- it answers: a connection that fails puts the replica aside for REPLICA_RETRY_SECONDS, and the
  dashboards read the primary meanwhile (a warning in the log), so an outage of the replica costs
  the primary some load, never a page;
- it is behind by at most REPLICA_MAX_LAG_SECONDS (asked of PostgreSQL at most every
  REPLICA_CHECK_SECONDS in each process);
- the dashboards' records have not changed in the last REPLICA_MAX_LAG_SECONDS. Figures read
  just after a write could come from a replica that has not replayed it yet, and would then be
  cached under the new stamp (reports/cache.py) until the cache expires; read from the primary in
  that window, the figures after a write are always the written ones — also for the writer.

The session and the user are loaded by the middleware before this one, from the primary; the
switch covers the view and the rendering of its template only. `config.routers.ReplicaRouter`
does the routing, and keeps every write, and every read inside a transaction, on the primary.
"""

import logging
import time
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

from config.routers import REPLICA
from config.routers import reading_replica as _reading_replica

logger = logging.getLogger(__name__)

# Per process: when the replica may be tried again after a failure, and its lag when last asked.
_health = {"down_until": 0.0, "checked_at": float("-inf"), "lag": 0.0}

LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def replica_active() -> bool:
    """True inside `replica_reads()`: the router then sends reads to the replica."""
    return _reading_replica.get()


@contextmanager
def replica_reads():
    """Reads within the block go to the replica (when there is one); writes still go to the primary."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.databases


def reset_health() -> None:
    """Forget what this process knows of the replica (tests, and after a failover)."""
    _health.update(down_until=0.0, checked_at=float("-inf"), lag=0.0)


def _lag(connection) -> float:
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0] or 0)


def replica_usable() -> bool:
    """Whether the replica answers and is not too far behind (see the module's docstring)."""
    if not replica_configured():
        return False
    now = time.monotonic()
    if now < _health["down_until"]:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        if now - _health["checked_at"] >= settings.REPLICA_CHECK_SECONDS:
            _health.update(lag=_lag(connection), checked_at=now)
    except DatabaseError as exc:
        _health["down_until"] = now + settings.REPLICA_RETRY_SECONDS
        logger.warning(
            "read replica unavailable, dashboards read the primary for %s s: %s", settings.REPLICA_RETRY_SECONDS, exc
        )
        with suppress(DatabaseError):
            connection.close()
        return False
    if _health["lag"] > settings.REPLICA_MAX_LAG_SECONDS:
        logger.info("read replica %.1f s behind, dashboards read the primary", _health["lag"])
        return False
    return True


def figures_recently_changed() -> bool:
    """Whether the dashboards' records changed in the last REPLICA_MAX_LAG_SECONDS: the first time
    any process sees a figures stamp (reports/cache.py) is kept in the shared cache."""
    from reports.cache import stamp

    key = f"replica:stamp-seen:{stamp()}"
    now = time.time()
    cache.add(key, now, timeout=max(3600, 2 * settings.REPLICA_MAX_LAG_SECONDS))
    seen = cache.get(key, now)
    return now - seen < settings.REPLICA_MAX_LAG_SECONDS


def use_replica(request) -> bool:
    match = request.resolver_match
    return (
        request.method in ("GET", "HEAD")
        and match is not None
        and match.view_name in settings.REPLICA_VIEW_NAMES
        and replica_usable()
        and not figures_recently_changed()
    )


class ReplicaMiddleware:
    """Last in MIDDLEWARE: runs the dashboards' views within `replica_reads()`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        previous = _reading_replica.get()
        try:
            return self.get_response(request)
        finally:
            _reading_replica.set(previous)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if replica_configured() and use_replica(request):
            _reading_replica.set(True)
        return None
