"""Time the welfare reads on the province demo: totals by program for a scope and a year, the
twelve months of the chart, and the overview page as a leader, a district officer and a chair
open it.

    .venv/bin/python bench/welfare_totals.py [--runs N]

Loads `seed_demo --scale province` into a temporary SQLite file unless DATABASE_URL is set
(the demo is then loaded there if it is missing).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def timed(function, runs: int) -> tuple[float, float, int]:
    """(median ms, worst ms, queries of one run)."""
    from django.db import connection

    # Counted by a wrapper: the test client's requests reset `connection.queries`.
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    workdir = None
    if not os.environ.get("DATABASE_URL"):
        workdir = tempfile.TemporaryDirectory(prefix="bench-welfare-")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"

    import django

    django.setup()

    from datetime import date

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from federation import demo
    from federation.models import User
    from welfare.models import Activity, Beneficiary
    from welfare.selectors import monthly_totals, welfare_totals

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if demo.demo_federation() is None:
        started = time.perf_counter()
        call_command("seed_demo", scale="province", password="bench-pass-2025", stdout=StringIO())
        print(f"seed_demo --scale province: {time.perf_counter() - started:.1f} s")
    federation = demo.demo_federation()
    district, grassroots = demo.demo_units(federation)
    print(
        f"data: {Activity.objects.filter(federation=federation).count():,} activities, "
        f"{Beneficiary.objects.filter(activity__federation=federation).count():,} named beneficiaries"
    )
    year = (date(2024, 1, 1), date(2024, 12, 31))
    print(f"{'read':<46} {'median':>9} {'worst':>9} {'queries':>8}")
    for label, path in (
        ("federation", federation.path),
        (f"district {district.code}", district.path),
        (f"grassroots {grassroots.code}", grassroots.path),
    ):
        rows = [
            (f"welfare_totals, {label}, 2024", lambda p=path: welfare_totals(path=p, start=year[0], end=year[1])),
            (f"monthly_totals, {label}, 2024", lambda p=path: monthly_totals(path=p, year=2024)),
        ]
        for name, function in rows:
            median, worst, queries = timed(function, args.runs)
            print(f"{name:<46} {median:>7.1f}ms {worst:>7.1f}ms {queries:>8}")
    for username in ("demo_leader", "demo_officer", "demo_chair"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        url = reverse("welfare:overview") + "?start=01/01/2024&end=31/12/2024"
        assert client.get(url).status_code == 200
        median, worst, queries = timed(lambda c=client, u=url: c.get(u), args.runs)
        print(f"{'overview page, ' + username:<46} {median:>7.1f}ms {worst:>7.1f}ms {queries:>8}")
    if workdir is not None:
        connection.close()
        workdir.cleanup()


if __name__ == "__main__":
    main()
