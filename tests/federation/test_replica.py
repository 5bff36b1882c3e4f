"""The dashboards read a replica; everything else, every write and every task reads the primary.

A second alias "replica" is added for each test: the same test database as "default" (as a test
mirror would be), so a page read through it shows the figures the cast wrote, and
CaptureQueriesContext on each connection says which one answered. Tests commit (transaction=True):
the replica is another connection and sees only committed rows, as a real one does.
"""

import copy
import logging

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext

from federation import replica
from federation.models import Federation
from reports import tasks as report_tasks
from reports.cache import figures_changed
from tests.conftest import add_members, client_for
from tests.federation.test_settings import PRODUCTION_ENV, run_django

pytestmark = pytest.mark.django_db(transaction=True)


def _add_alias(settings_dict: dict) -> None:
    connections.settings[replica.REPLICA] = settings_dict
    replica.reset_health()
    connection = connections[replica.REPLICA]

    # The test case refuses connections to aliases it was not told of when it started; this one is
    # added afterwards, so it connects as outside tests (errors wrapped as Django's).
    def ensure_connection():
        if connection.connection is None:
            with connection.wrap_database_errors:
                connection.connect()

    connection.ensure_connection = ensure_connection


def _drop_alias() -> None:
    if hasattr(connections._connections, replica.REPLICA):
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
    connections.settings.pop(replica.REPLICA, None)
    replica.reset_health()


@pytest.fixture
def replica_db(settings):
    """A "replica" alias on the test database itself, not lagging."""
    settings.REPLICA_MAX_LAG_SECONDS = 0  # no window after writes, unless a test asks for one
    default = copy.deepcopy(connections["default"].settings_dict)
    _add_alias({**default, "TEST": {**default["TEST"], "MIRROR": "default"}})
    yield connections[replica.REPLICA]
    _drop_alias()


@pytest.fixture
def broken_replica(settings):
    """A "replica" alias that cannot be opened (a replica that is down)."""
    settings.REPLICA_MAX_LAG_SECONDS = 0
    default = copy.deepcopy(connections["default"].settings_dict)
    _add_alias(
        {
            **default,
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": "/nonexistent-replica-dir/replica.sqlite3",
            "OPTIONS": {},
            "TEST": {**default["TEST"], "MIRROR": "default"},
        }
    )
    yield
    _drop_alias()


def _get(client, url):
    """The response, and the SQL each connection ran for it."""
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections[replica.REPLICA]) as on_replica,
    ):
        response = client.get(url)
    return response, [q["sql"] for q in on_default], [q["sql"] for q in on_replica]


def _touches(queries, table):
    return [sql for sql in queries if f'"{table}"' in sql]


def test_dashboard_is_read_from_the_replica(cast, replica_db):
    add_members(cast)
    response, on_default, on_replica = _get(client_for(cast.leader), "/reports/")
    assert response.status_code == 200
    assert cast.fed.name in response.content.decode()
    # The report's reads (units, members) came from the replica, and all of them are reads.
    assert _touches(on_replica, "unions_union") and _touches(on_replica, "members_member")
    assert all(sql.lstrip("( \n").upper().startswith(("SELECT", "WITH")) for sql in on_replica)
    # The primary served only the session and the account, loaded before the view.
    assert not _touches(on_default, "unions_union") and not _touches(on_default, "members_member")
    assert _touches(on_default, "django_session")


def test_a_drill_down_out_of_scope_still_answers_404_through_the_replica(cast, replica_db):
    response, _, on_replica = _get(client_for(cast.other_admin), f"/reports/unit/{cast.d1.pk}/")
    assert response.status_code == 404
    assert on_replica  # the scope was checked on the replica, and refused as on the primary


def test_reports_api_is_read_from_the_replica(cast, replica_db):
    add_members(cast)
    response, on_default, on_replica = _get(
        client_for(cast.leader), f"/api/v1/reports/achievement/?unit={cast.fed.code}&year=2024"
    )
    assert response.status_code == 200, response.content
    assert response.json()
    assert _touches(on_replica, "unions_union")
    assert not _touches(on_default, "unions_union")


def test_form_pages_and_other_pages_read_the_primary(cast, replica_db):
    client = client_for(cast.staff)
    for url in ("/reports/targets/", "/reports/returns/", "/units/", "/members/"):
        response, on_default, on_replica = _get(client, url)
        assert response.status_code == 200, url
        assert on_replica == [], url
        assert on_default, url


def test_a_post_to_a_dashboard_address_reads_the_primary(cast, replica_db):
    client = client_for(cast.leader)
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        response = client.post("/reports/", {})
    assert response.status_code == 405
    assert len(on_replica) == 0


def test_writes_and_reads_in_a_transaction_go_to_the_primary_even_when_reading_the_replica(cast, replica_db):
    with replica.replica_reads():
        assert router.db_for_read(Federation) == replica.REPLICA
        assert router.db_for_write(Federation) == "default"
        with (
            CaptureQueriesContext(connections["default"]) as on_default,
            CaptureQueriesContext(connections[replica.REPLICA]) as on_replica,
        ):
            Federation.objects.filter(pk=cast.fed.pk).update(name="Liên đoàn Lao động tỉnh Đắk Lắk (mới)")
            with transaction.atomic():
                assert Federation.objects.get(pk=cast.fed.pk).name.endswith("(mới)")
        assert len(on_replica) == 0
        assert len(on_default) >= 2
    assert router.db_for_read(Federation) == "default"


def test_without_a_replica_nothing_changes(cast):
    assert replica.REPLICA not in connections.databases
    with replica.replica_reads():
        assert router.db_for_read(Federation) == "default"
    response = client_for(cast.leader).get("/reports/")
    assert response.status_code == 200


def test_a_replica_that_is_down_is_put_aside_and_the_primary_answers(cast, broken_replica, caplog):
    add_members(cast)
    client = client_for(cast.leader)
    with caplog.at_level(logging.WARNING, logger="federation.replica"):
        for _ in range(2):
            with CaptureQueriesContext(connections["default"]) as on_default:
                response = client.get("/reports/")
            assert response.status_code == 200
            assert cast.fed.name in response.content.decode()
            assert _touches([q["sql"] for q in on_default], "unions_union")
    # One warning: the second request did not try the replica again (REPLICA_RETRY_SECONDS).
    warnings = [r for r in caplog.records if "read replica unavailable" in r.getMessage()]
    assert len(warnings) == 1


def test_a_replica_too_far_behind_is_not_read(cast, replica_db, settings, monkeypatch):
    settings.REPLICA_MAX_LAG_SECONDS = 5
    monkeypatch.setattr(replica, "figures_recently_changed", lambda: False)
    monkeypatch.setattr(replica, "_lag", lambda connection: 42.0)
    response, on_default, on_replica = _get(client_for(cast.leader), "/reports/")
    assert response.status_code == 200
    assert not _touches(on_replica, "unions_union")
    assert _touches(on_default, "unions_union")


def test_right_after_a_write_the_dashboards_read_the_primary(cast, replica_db, settings, monkeypatch):
    """Figures read from a replica that has not replayed a write yet would be cached under the new
    stamp; for REPLICA_MAX_LAG_SECONDS after a write, the primary answers instead."""
    settings.REPLICA_MAX_LAG_SECONDS = 30
    client = client_for(cast.leader)
    with transaction.atomic():
        figures_changed()
    now = 1_000_000.0
    monkeypatch.setattr(replica.time, "time", lambda: now)
    response, on_default, on_replica = _get(client, "/reports/")
    assert response.status_code == 200
    assert not _touches(on_replica, "unions_union") and _touches(on_default, "unions_union")

    now += 31  # the replica has had time to replay it
    response, on_default, on_replica = _get(client, "/reports/")
    assert response.status_code == 200
    assert _touches(on_replica, "unions_union") and not _touches(on_default, "unions_union")


@pytest.mark.parametrize("task_name", ["warm_dashboards", "refresh_rollups"])
def test_the_cache_warmer_and_the_rollup_refresh_use_the_primary(cast, replica_db, task_name):
    task = getattr(report_tasks, task_name, None)
    if task is None:
        pytest.skip(f"reports.tasks.{task_name} is not there yet")
    add_members(cast)
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections[replica.REPLICA]) as on_replica,
    ):
        task.apply()
    assert len(on_replica) == 0
    assert on_default


def test_the_replica_alias_takes_the_primarys_options():
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://lddl@db.internal:5432/lddl",
        "DATABASE_REPLICA_URL": "postgres://lddl@replica.internal:5432/lddl",
        "CONN_MAX_AGE": "120",
        "DISABLE_SERVER_SIDE_CURSORS": "1",
    }
    code = (
        "d = settings.DATABASES; r, p = d['replica'], d['default']; "
        "print(r['HOST'], r['CONN_MAX_AGE'], r['CONN_HEALTH_CHECKS'], r['DISABLE_SERVER_SIDE_CURSORS'], "
        "r['TEST']['MIRROR'], r['OPTIONS']['connect_timeout'], p['CONN_MAX_AGE'], p['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    result = run_django(code, env)
    assert result.stdout.split() == ["replica.internal", "120", "True", "True", "default", "3", "120", "True"], (
        result.stderr
    )
    result = run_django("print(sorted(settings.DATABASES))", {**PRODUCTION_ENV})
    assert result.stdout.strip() == "['default']", result.stderr
