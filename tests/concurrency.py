"""Helpers of the tests that race writers against each other (PostgreSQL only)."""

import threading

import pytest
from django.db import connection, connections

# SQLite serializes writers, so these races cannot happen there.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (DATABASE_URL)"
)


def race(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at the same moment; the results (or errors)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each writer got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
