"""Dashboard figures kept in the cache until the records change.

Every write to a table the figures come from moves one stamp forward once its transaction
commits: ORM saves and deletes through signals (connected in `ReportsConfig.ready`), bulk
paths (imports, undo, moves, closures, shelter state changes, the demo) by calling
`figures_changed()` themselves. Cached figures are keyed by the stamp, so a read after a commit
never sees figures from before it. A lifetime bounds anything a future bulk path might forget,
and `reports.tasks.warm_dashboards` recomputes the leadership's figures in the background so
the first reader after a change rarely waits. A commit also asks, debounced, for the rebuild of
the pre-aggregated figures (reports/rollup.py), which know by themselves that they are stale.

The cache is per process without Redis (development, tests): there the stamp is too, which is
right for a single process. With REDIS_URL every process shares both.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

STAMP_KEY = "reports:figures-stamp"


def stamp() -> int:
    value = cache.get(STAMP_KEY)
    if value is None:
        cache.add(STAMP_KEY, 1, timeout=None)
        value = cache.get(STAMP_KEY, 1)
    return value


def _bump() -> None:
    try:
        cache.incr(STAMP_KEY)
    except ValueError:  # not there (evicted, or never read): any new value invalidates
        cache.set(STAMP_KEY, stamp() + 1, timeout=None)
    # The pre-aggregated figures know they are stale (database triggers): ask for their rebuild.
    from .rollup import request_refresh

    request_refresh()


def figures_changed() -> None:
    """Call after writing records the figures come from (once the transaction commits)."""
    transaction.on_commit(_bump)


def key(*parts) -> str:
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    return f"reports:figures:{stamp()}:{digest}"


def remember(parts: tuple, compute):
    """`compute()`'s result for `parts`, from the cache while the records stand unchanged."""
    if not settings.REPORTS_CACHE_SECONDS:
        return compute()
    name = key(*parts)
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, timeout=settings.REPORTS_CACHE_SECONDS)
    return value
