"""Time the 2025 reorganizations on the province demo, on PostgreSQL: each plan of docs/plans/
previewed (run and rolled back) and applied, through `manage.py reorganize`, with the figures a
reorganization must not change checked before and after.

    .venv/bin/python bench/reorganize.py --server postgres://postgres@127.0.0.1:5432 [--keep]

With --server a database of its own is created there (and dropped after, unless --keep); or set
DATABASE_URL to an empty PostgreSQL database.
"""

import argparse
import json
import os
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pgdatabase import database  # noqa: E402  (bench/ is the script's own directory)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

OWN_DATABASE = "lddl_bench_reorganize"
PLANS = ("1-agencies-2025-03.csv", "2-merger-2025-07.csv", "3-districts-2025-07.csv")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", help="a PostgreSQL server URL: create (and drop) a database of our own there")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    with database(args.server, OWN_DATABASE, keep=args.keep, bench="bench/reorganize.py") as url:
        os.environ["DATABASE_URL"] = url
        try:
            run()
        finally:
            from django.db import connections

            connections.close_all()


def run() -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from federation import demo
    from members.models import Member

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if demo.demo_federation() is not None:
        sys.exit("The demo is already loaded: this benchmark needs an empty database.")
    started = time.perf_counter()
    call_command("seed_demo", scale="province", password="bench-pass-2025", stdout=StringIO())
    call_command("seed_demo", scale="small", neighbour=True, stdout=StringIO())
    print(f"seed_demo --scale province, then --scale small --neighbour: {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"members on file: {Member.objects.count():,}")
    print(f"{'plan':<28} {'rows':>5} {'preview':>9} {'apply':>9} {'units':>6} {'members':>8} {'totals kept':>12}")
    for plan in PLANS:
        path = str(ROOT / "docs" / "plans" / plan)
        timings, outcome = [], None
        for extra in (["--dry-run"], []):
            out = StringIO()
            started = time.perf_counter()
            call_command("reorganize", path, "--federation", "LDLD-DLK", "--json", *extra, stdout=out)
            timings.append(time.perf_counter() - started)
            outcome = json.loads(out.getvalue())
        assert outcome["status"] == "applied", outcome["errors"]
        units = sum(len(step["units"]) for step in outcome["steps"])
        members = sum(step["members"] for step in outcome["steps"])
        totals = outcome["totals"].items()
        changed = [key for key, (before, after) in totals if before != after and key != "active_units"]
        print(
            f"{plan:<28} {len(outcome['steps']):>5} {timings[0]:>8.2f}s {timings[1]:>8.2f}s {units:>6,} "
            f"{members:>8,} {'yes' if not changed else 'NO: ' + ', '.join(changed):>12}"
        )


if __name__ == "__main__":
    main()
