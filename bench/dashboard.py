"""Time the achievement dashboards on the province demo, on PostgreSQL: the leadership dashboard
(the whole federation with its ranking of direct-superior unions), one district's drill-down,
the officer's and the chair's own dashboards, and the report selector alone; with the number of
SQL queries of each. Goals (issue 5): ≤ 150 ms server time, and a query count that does not
grow with the number of units (compare the federation and the district).

    .venv/bin/python bench/dashboard.py --server postgres://postgres@127.0.0.1:5432 [--runs N] [--keep]

With --server a database of its own is created there (and dropped after, unless --keep); or
set DATABASE_URL to a PostgreSQL database (the demo is loaded into it if missing).
"""

import argparse
import os
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pgdatabase import database  # noqa: E402  (bench/ is the script's own directory)
from welfare_totals import timed  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

OWN_DATABASE = "lddl_bench_dashboard"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", help="a PostgreSQL server URL: create (and drop) a database of our own there")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    with database(args.server, OWN_DATABASE, keep=args.keep, bench="bench/dashboard.py") as url:
        os.environ["DATABASE_URL"] = url
        run(args.runs)


def run(runs: int) -> None:
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command, get_commands
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from federation import demo
    from federation.models import User
    from reports.achievement import tree_report
    from reports.models import QuarterlyReturn, Target
    from unions.models import Union

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if demo.demo_federation() is None:
        started = time.perf_counter()
        call_command("seed_demo", scale="province", password="bench-pass-2025", stdout=StringIO())
        print(f"seed_demo --scale province: {time.perf_counter() - started:.1f} s")
    federation = demo.demo_federation()
    if "refresh_rollups" in get_commands():
        # What Celery beat does a minute after the load: the pre-aggregated figures (reports/rollup.py).
        started = time.perf_counter()
        call_command("refresh_rollups", stdout=StringIO())
        print(f"refresh_rollups: {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    district, _grassroots = demo.demo_units(federation)
    print(
        f"data: {Union.objects.filter(federation=federation).count():,} units, "
        f"{demo.active_members(federation):,} members, "
        f"{Target.objects.filter(federation=federation).count():,} targets, "
        f"{QuarterlyReturn.objects.filter(federation=federation).count():,} returns"
    )
    print(f"{'read':<52} {'median':>9} {'worst':>9} {'queries':>8}")

    def line(name, function):
        median, worst, queries = timed(function, runs)
        print(f"{name:<52} {median:>7.1f}ms {worst:>7.1f}ms {queries:>8}")

    def report(union=None):
        return lambda: tree_report(federation=federation, union=union, year=2024)

    pages = [
        ("dashboard page, demo_leader (federation)", "demo_leader", reverse("reports:dashboard")),
        (f"drill-down page, district {district.code}", "demo_leader", reverse("reports:unit", args=[district.pk])),
        ("dashboard page, demo_officer", "demo_officer", reverse("reports:dashboard")),
        ("dashboard page, demo_chair", "demo_chair", reverse("reports:dashboard")),
    ]
    # Signed in as after the sign-in pages, two-factor roles verified (bench/load/sessions.py).
    sys.path.insert(0, str(ROOT / "bench" / "load"))
    from sessions import Made, open_session

    made = Made()
    clients = {}
    for _name, username, _url in pages:
        clients[username] = Client()
        user = User.objects.get(username=username)
        clients[username].cookies[settings.SESSION_COOKIE_NAME] = open_session(user, made)
    # Cold: every read computes its figures (REPORTS_CACHE_SECONDS=0); cached: the figures come
    # from the cache, as they do between two writes (reports/cache.py).
    for label, seconds in (("cold", 0), ("cached", 600)):
        settings.REPORTS_CACHE_SECONDS = seconds
        print(f"-- {label}")
        line("tree_report, federation, 2024", report())
        line(f"tree_report, district {district.code}, 2024", report(district))
        for name, username, url in pages:
            client = clients[username]
            url += "?year=2024"
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            line(name, lambda c=client, u=url: c.get(u))
    made.remove()


if __name__ == "__main__":
    main()
