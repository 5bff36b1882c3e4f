"""Load test: gunicorn (config/gunicorn.py, DEBUG off) on a loopback port, Redis as the cache, and
locust headless with a fixed number of users, spawn rate and duration on the main pages; then
p50/p95/p99 and errors per page against the goal (p95 ≤ 500 ms, no errors).

    .venv/bin/python bench/load/run.py [--database-url postgres://postgres@127.0.0.1:5432/lddl_national]
        [--users 50] [--spawn-rate 10] [--duration 120] [--wait 3,10] [--workers 5] [--port 8765]

Pages and accounts (found as bench/national.py finds them: nat_* accounts, or the province demo's
demo_*): the federation dashboard (leader), the national dashboard (viewer), the district's member
list (officer, pages 1-3), a search by name in it (officer, given names of its members), a member's
page (officer, 100 of its members) and the unions API list (leader, pages 1-2). The sessions are
made here before the start (bench/load/sessions.py) and removed at the end, with any authenticator
made for them; Redis db 15 (the cache) is emptied first, so the dashboards start cold.

Everything started here is stopped at the end, on failure too: locust after --duration plus a
minute at most, gunicorn's whole process group.
"""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

NATIONAL_URL = "postgres://postgres@127.0.0.1:5432/lddl_national"
REDIS_URL = "redis://127.0.0.1:6379/15"
GOAL_P95_MS = 500
SERVER_ENV = {
    "DEBUG": "0",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "load-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    # Static files are not part of the test: no collectstatic manifest needed.
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "LOG_LEVEL": "WARNING",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=NATIONAL_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=120, help="seconds")
    parser.add_argument("--wait", default="3,10", help="think time between a user's pages, min,max seconds")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads a worker (gthread when > 1)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    os.environ.update(SERVER_ENV)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url

    import django

    django.setup()
    from sessions import Made

    made = Made()
    server = None
    with tempfile.TemporaryDirectory(prefix="bench-load-") as work:
        work = Path(work)
        try:
            plan = make_plan(args, made)
            (work / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
            flush_cache(args.redis_url)
            print(f"load (/proc/loadavg) before: {_load()}")
            server = start_server(args, work)
            warm_up(args, plan)
            run_locust(args, work)
            print(f"load (/proc/loadavg) after: {_load()}")
            report(work / "load_stats.csv", plan, args)
        finally:
            if server is not None:
                stop(server)
                log = (work / "gunicorn.log").read_text(errors="replace").splitlines()
                errors = [line for line in log if " 500 " in line or "Traceback" in line or "[ERROR]" in line]
                print(f"gunicorn: {len(log)} log lines, {len(errors)} with errors")
                for line in errors[:10]:
                    print(f"  {line}")
            made.remove()
            print("sessions and authenticators made for the run: removed")


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def make_plan(args, made) -> dict:
    from django.conf import settings
    from django.urls import reverse
    from sessions import open_session

    from federation.models import User
    from members.models import Member, MemberStatus

    kind = "nat" if User.objects.filter(username="nat_leader").exists() else "demo"
    names = {"leader": f"{kind}_leader", "officer": f"{kind}_officer", "viewer": f"{kind}_viewer"}
    users = {u.username: u for u in User.objects.filter(username__in=names.values())}
    sessions = {role: open_session(users[name], made) for role, name in names.items() if name in users}
    district = users[names["officer"]].union
    members = list(
        Member.objects.filter(union__path__startswith=district.path, status=MemberStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "full_name")[:100]
    )
    given = sorted({name.split()[-1] for _pk, name in members})[:20]
    listing, dashboard, unions = reverse("members:list"), reverse("reports:dashboard"), reverse("union-list")
    pages = [
        ("federation dashboard (leader)", "leader", 2, [dashboard + "?year=2024"]),
        ("national dashboard (viewer)", "viewer", 1, [dashboard + "?year=2024"]),
        ("district member list (officer)", "officer", 3, [listing, listing + "?page=2", listing + "?page=3"]),
        ("member search by name (officer)", "officer", 3, [f"{listing}?{urlencode({'q': name})}" for name in given]),
        ("member page (officer)", "officer", 3, [reverse("members:detail", args=[pk]) for pk, _name in members]),
        ("unions API list (leader)", "leader", 2, [unions, unions + "?page=2"]),
    ]
    for name, role, _weight, _paths in pages:
        if role not in sessions:
            print(f"skipped: {name} (no {names[role]} account in this database)")
    low, high = (float(x) for x in args.wait.split(","))
    print(
        f"database {args.database_url.rsplit('/', 1)[-1]} ({kind}_* accounts), district {district.code}; "
        f"{args.users} users, spawn {args.spawn_rate}/s, {args.duration} s, think time {low:g}-{high:g} s; "
        f"gunicorn {args.workers} workers × {args.threads} threads"
    )
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "wait_seconds": [low, high],
        "pages": [{"name": n, "role": r, "weight": w, "paths": p} for n, r, w, p in pages if r in sessions and p],
    }


def flush_cache(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def start_server(args, work: Path) -> subprocess.Popen:
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{args.port}", "GUNICORN_WORKERS": str(args.workers)}
    command = [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "config/gunicorn.py"), "config.wsgi:application"]
    if args.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
    log = (work / "gunicorn.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start:\n{(work / 'gunicorn.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz/", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    raise SystemExit("gunicorn did not answer /healthz/ within 60 s")


def warm_up(args, plan: dict) -> None:
    """Each page's first address, twice per worker, one after the other: every worker has loaded its
    code and templates and the dashboards' figures are in the cache, as on a server that has been up
    for a while (reports.tasks.warm_dashboards refills them every 10 minutes there)."""
    started = time.perf_counter()
    for page in plan["pages"]:
        cookie = f"{plan['cookie_name']}={plan['sessions'][page['role']]}"
        for _ in range(2 * args.workers):
            address = f"http://127.0.0.1:{args.port}{page['paths'][0]}"
            request = urllib.request.Request(address, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
    print(f"warm-up: {time.perf_counter() - started:.1f} s")


def run_locust(args, work: Path) -> None:
    command = [
        str(ROOT / ".venv/bin/locust"),
        "-f", str(HERE / "locustfile.py"),
        "--headless",
        "--users", str(args.users),
        "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{args.duration}s",
        "--stop-timeout", "10",
        "--host", f"http://127.0.0.1:{args.port}",
        "--csv", str(work / "load"),
        "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {**os.environ, "LOAD_PLAN": str(work / "plan.json")}
    locust = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        locust.wait(timeout=args.duration + 60)
    except subprocess.TimeoutExpired:
        print("locust did not stop in time: killed")
    finally:
        stop(locust)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL after 15 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def report(path: Path, plan: dict, args) -> None:
    if not path.exists():
        raise SystemExit("locust wrote no statistics")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    print(f"\n{'page':<36} {'requests':>8} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  goal")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all pages"
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        p95 = float(row["95%"] or 0)
        ok = p95 <= GOAL_P95_MS and failures == 0
        print(
            f"{name:<36} {count:>8} {failures:>6} {row['50%']:>5}ms {row['95%']:>5}ms {row['99%']:>5}ms "
            f"{float(row['Max Response Time']):>5.0f}ms  {'met' if ok else 'MISSED'} (p95 ≤ {GOAL_P95_MS} ms, 0 errors)"
        )
        if name == "all pages":
            print(f"{'':<36} {float(row['Requests/s']):.1f} requests/s over {args.duration} s")
    failures = path.with_name("load_failures.csv")
    if failures.exists():
        for row in list(csv.DictReader(failures.open(encoding="utf-8")))[:10]:
            print(f"  failure: {row['Name']}: {row['Error']} ×{row['Occurrences']}")


if __name__ == "__main__":
    main()
