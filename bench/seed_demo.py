"""Time `seed_demo --scale province` on a fresh database.

    .venv/bin/python bench/seed_demo.py

Uses a temporary SQLite file unless DATABASE_URL is set (the database must then be empty of
the demo federation, or the second, "already loaded" path is what gets timed).
"""

import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> None:
    workdir = None
    if not os.environ.get("DATABASE_URL"):
        workdir = tempfile.TemporaryDirectory(prefix="bench-seed-demo-")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from federation import demo
    from federation.models import AuditLog, User
    from unions.models import UnionLink

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.2f} s")

    out = StringIO()
    started = time.perf_counter()
    call_command("seed_demo", scale="province", stdout=out)
    elapsed = time.perf_counter() - started
    print(out.getvalue().split("\nDemo logins")[0])
    print(f"seed_demo --scale province: {elapsed:.2f} s (wall clock, accounts included)")

    started = time.perf_counter()
    call_command("seed_demo", scale="province", stdout=StringIO())
    print(f"seed_demo again (already loaded): {time.perf_counter() - started:.2f} s")

    federation = demo.demo_federation()
    counts = demo.tree_counts(federation)
    print(
        f"counts: {counts['superior']} direct-superior, {counts['grassroots']} grassroots "
        f"({counts['active']} active, {counts['closed']} closed), "
        f"{UnionLink.objects.filter(federation=federation).count()} positions, "
        f"{AuditLog.objects.filter(federation=federation).count()} audit entries, "
        f"{User.objects.filter(federation=federation).count()} accounts"
    )
    if workdir is not None:
        connection.close()
        workdir.cleanup()


if __name__ == "__main__":
    main()
