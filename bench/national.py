"""The main pages at national scale (34 federations, ~135,000 grassroots unions, ~11 million
members: `seed_demo --scale national`), on PostgreSQL, and a province's roll imported while all of
that is loaded. Goals (this 2-core machine, docs/performance.md "National scale"):

    federation dashboard ≤ 300 ms, national dashboard ≤ 1 s,
    member search by name, by citizen ID, a district's member list ≤ 150 ms,
    the unions API list ≤ 150 ms,
    125,000-row roll import with the national data loaded ≤ 1.5 × the same import at province scale.

    .venv/bin/python bench/national.py [--database-url postgres://postgres@127.0.0.1:5432/lddl_national]
        [--runs N] [--skip-import] [--no-explain] [--server postgres://postgres@127.0.0.1:5432]

The accounts come from the data: nat_leader (its federation is "the federation"), nat_officer
(its union is "the district"), nat_chair and nat_viewer (the national viewer); on the
province demo (a development run) the demo_* accounts, and no national viewer unless one exists.
Pages are requested in this process through Django's test client with production settings
(DEBUG off), each `--runs` times (median, worst, queries of one run); the dashboards cold
(REPORTS_CACHE_SECONDS=0) and cached, after `refresh_rollups` if that command exists. Then the
slowest queries of each page are printed with EXPLAIN (ANALYZE, BUFFERS).

The import: 125,000 rows drawn as bench/import_roll.py draws them (another seed; rows whose citizen
ID or member code the database already holds are left out, so every row creates a member) into the
first federation's grassroots unions, in a process of its own, then undone with the import's own
undo (members/services.py), which removes the members and their movements; the batch stays as
"undone" and the audit trail keeps its entries (it cannot be changed). The same import at province
scale runs in a database this script creates on `--server` and drops.

What this script writes to the database it reads: sessions and, for two-factor accounts without
one, an authenticator (both removed at the end), the audit entries the pages write themselves (a
member's page, a citizen-ID lookup), the rollups if `refresh_rollups` exists, and the import.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# Production settings (no query log, compiled templates), with a throwaway key; before anything
# from bench/ sets its own defaults.
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

NATIONAL_URL = "postgres://postgres@127.0.0.1:5432/lddl_national"
SERVER = "postgres://postgres@127.0.0.1:5432"
PROVINCE_DATABASE = "lddl_bench_national_province"
ROWS = 125_000
IMPORT_SEED = 20251123
IMPORT_RATIO_GOAL = 1.5
ACCOUNTS = {
    "nat": {"leader": "nat_leader", "officer": "nat_officer", "chair": "nat_chair", "viewer": "nat_viewer"},
    "demo": {"leader": "demo_leader", "officer": "demo_officer", "chair": "demo_chair", "viewer": "demo_viewer"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=NATIONAL_URL)
    parser.add_argument("--server", default=SERVER, help="where the province-scale import makes its database")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    if args.child == "import":
        print(json.dumps(child_import(args.rows)))
        return
    print(f"load (/proc/loadavg) at start: {_load()}")
    if not args.skip_pages:
        pages(args)
    if not args.skip_import:
        imports(args)
    print(f"load (/proc/loadavg) at end: {_load()}")


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


# --- pages -----------------------------------------------------------------------------------------


class Skip(Exception):
    """A page this database or this version of the code does not have."""


def setup():
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]


def accounts():
    """{role: User or None} for the national accounts, else the province demo's."""
    from federation.models import User

    kind = "nat" if User.objects.filter(username="nat_leader").exists() else "demo"
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS[kind].values())}
    return kind, {role: users.get(name) for role, name in ACCOUNTS[kind].items()}


def pages(args) -> None:
    setup()
    from django.conf import settings
    from django.core.management import call_command, get_commands
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    sys.path.insert(0, str(ROOT / "bench" / "load"))
    from sessions import Made, open_session
    from welfare_totals import timed

    from federation.models import Cap
    from members.models import Member, MemberStatus
    from unions.models import Level, Union

    kind, users = accounts()
    leader, officer, viewer = users["leader"], users["officer"], users["viewer"]
    federation, district = leader.federation, officer.union
    print(f"database: PostgreSQL {connection.settings_dict['NAME']} ({kind}_* accounts)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0].split(",")[0])
        cursor.execute(
            "SELECT relname, n_live_tup, coalesce(last_analyze, last_autoanalyze) FROM pg_stat_user_tables "
            "WHERE relname IN ('members_member', 'members_movement', 'unions_union') ORDER BY relname"
        )
        for name, rows, analyzed in cursor.fetchall():
            print(f"  {name}: ~{rows:,} rows, analyzed {analyzed or 'never'}")
    print(
        f"data: {federation.__class__.objects.count()} federations, {Union.objects.count():,} units "
        f"({Union.objects.filter(level=Level.GRASSROOTS).count():,} grassroots); "
        f"the federation {federation.code}: {Union.objects.filter(federation=federation).count():,} units, "
        f"{Member.objects.filter(federation=federation, status=MemberStatus.ACTIVE).count():,} active members; "
        f"the district {district.code}: "
        f"{Member.objects.filter(union__path__startswith=district.path, status=MemberStatus.ACTIVE).count():,}"
    )
    if "refresh_rollups" in get_commands():
        started = time.perf_counter()
        out = io.StringIO()
        call_command("refresh_rollups", stdout=out)
        last = out.getvalue().strip().splitlines()[-1:] or [""]
        print(f"refresh_rollups: {time.perf_counter() - started:.1f} s ({last[0]})")
    else:
        print("refresh_rollups: no such command (no pre-aggregated tables): skipped")

    made = Made()
    clients = {}
    for role, user in users.items():
        if user is not None:
            clients[role] = Client()
            clients[role].cookies[settings.SESSION_COOKIE_NAME] = open_session(user, made)
    try:
        member = (
            Member.objects.filter(union__path__startswith=district.path, status=MemberStatus.ACTIVE)
            .order_by("pk")
            .first()
        )
        given = member.full_name.split()[-1]
        people = {"leader": leader, "officer": officer, "viewer": viewer, "member": member, "given": given}
        rows = page_list(people, reverse, NoReverseMatch, Cap)
        measure(rows, clients, args, timed, settings, connection)
    finally:
        made.remove()


def page_list(ctx, reverse, no_reverse, cap) -> list[dict]:
    """Each page: label, client role, method, url (or Skip), data, goal in ms, cache-dependent."""
    leader, viewer, member, given = ctx["leader"], ctx["viewer"], ctx["member"], ctx["given"]

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except no_reverse:
            return Skip(f"no URL named {name} in this version")

    def viewer_only(target):
        return target if viewer is not None else Skip("no national viewer account in this database")

    def personal(user, target):
        return target if user.can(cap.VIEW_PERSONAL_DATA) else Skip(f"{user.username} may not see citizen IDs")

    year = "?year=2024"
    rows = [
        ("federation dashboard (leader)", "leader", "get", url("reports:dashboard", query=year), None, 300, True),
        ("national dashboard (viewer)", "viewer", "get", viewer_only(url("reports:dashboard", query=year)), None,
         1000, True),
        ("national page reports:national (viewer)", "viewer", "get",
         viewer_only(url("reports:national", query=year)), None, 1000, True),
        ("district member list (officer)", "officer", "get", url("members:list"), None, 150, False),
        (f"search by given name '{given}' (officer, district)", "officer", "get",
         url("members:list", query=f"?q={given}"), None, 150, False),
        ("search by full name (officer, district)", "officer", "get",
         url("members:list", query=f"?q={member.full_name}"), None, 150, False),
        (f"search by given name '{given}' (leader, federation)", "leader", "get",
         url("members:list", query=f"?q={given}"), None, 150, False),
        ("search by full name (leader, federation)", "leader", "get",
         url("members:list", query=f"?q={member.full_name}"), None, 150, False),
        ("citizen-ID lookup (officer)", "officer", "post", personal(ctx["officer"], url("members:lookup")),
         {"citizen_id": member.citizen_id}, 150, False),
        ("citizen-ID lookup (leader)", "leader", "post", personal(leader, url("members:lookup")),
         {"citizen_id": member.citizen_id}, 150, False),
        ("member page (officer)", "officer", "get", url("members:detail", member.pk), None, None, False),
        ("unions API list (leader)", "leader", "get", url("union-list"), None, 150, False),
    ]  # fmt: skip
    return [dict(zip(("label", "role", "method", "url", "data", "goal", "cached"), r, strict=True)) for r in rows]


def measure(rows, clients, args, timed, settings, connection) -> None:
    results = []

    def request(row):
        client = clients[row["role"]]
        if row["method"] == "post":
            return lambda: client.post(row["url"], row["data"])
        return lambda: client.get(row["url"])

    print(f"\n{'page':<58} {'state':<7} {'median':>9} {'worst':>9} {'queries':>7}  goal")
    for row in rows:
        if isinstance(row["url"], Skip):
            print(f"{row['label']:<58} skipped: {row['url']}")
            continue
        states = (("cold", 0), ("cached", 600)) if row["cached"] else (("-", settings.REPORTS_CACHE_SECONDS),)
        for state, seconds in states:
            settings.REPORTS_CACHE_SECONDS = seconds
            response = request(row)()
            expected = 302 if row["method"] == "post" else 200
            if response.status_code != expected:
                print(f"{row['label']:<58} {state:<7} answered {response.status_code}, not {expected}: skipped")
                break
            median, worst, queries = timed(request(row), args.runs)
            goal = row["goal"]
            verdict = "" if goal is None else f"{'met' if median <= goal else 'MISSED'} (≤ {goal} ms)"
            print(f"{row['label']:<58} {state:<7} {median:7.1f}ms {worst:7.1f}ms {queries:>7}  {verdict}")
            results.append((row, state, median))
        settings.REPORTS_CACHE_SECONDS = 600
    if not args.no_explain:
        settings.REPORTS_CACHE_SECONDS = 0
        for row in rows:
            if not isinstance(row["url"], Skip):
                explain(row["label"], request(row), connection)


def explain(label: str, function, connection, top: int = 2, floor_ms: float = 5.0) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the `top` slowest queries of one request (those over
    `floor_ms`), with their parameters inlined."""
    captured = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            captured.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(wrapper):
        function()
    slow = sorted((c for c in captured if c[0] >= floor_ms and c[1].lstrip().upper().startswith("SELECT")),
                  key=lambda c: -c[0])[:top]  # fmt: skip
    print(f"\n=== {label}: {len(captured)} queries, {sum(c[0] for c in captured):.1f} ms in SQL")
    for ms, sql, params in slow:
        with connection.cursor() as cursor:
            text = cursor.cursor.mogrify(sql, params).decode()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        print(f"--- {ms:.1f} ms: {text[:600]}{' …' if len(text) > 600 else ''}\n{plan}")


# --- the import --------------------------------------------------------------------------------------


def imports(args) -> None:
    """Our import of the same 125,000-row .csv at province scale (a database of its own) and with
    the national data loaded; the ratio against the goal."""
    import import_roll
    from pgdatabase import database

    figures = {}
    started = time.perf_counter()
    national = run_self("import", args)
    figures["national"] = national
    print(
        f"\nimport with the national data loaded ({national['federation']}, {national['rows']:,} rows, "
        f"{national['left_out']} drawn rows left out as already on file): {national['seconds']:.2f} s "
        f"(undo {national['undo_seconds']:.1f} s; step {time.perf_counter() - started:.0f} s in all)"
    )
    with database(args.server, PROVINCE_DATABASE, keep=False, bench="bench/national.py") as url:
        os.environ["DATABASE_URL"] = url
        with tempfile.TemporaryDirectory(prefix="bench-national-") as work:
            os.environ["MEDIA_ROOT"] = str(Path(work) / "media")
            prepared = import_roll.run_child("prepare", Path(work), limit=args.rows, seed=IMPORT_SEED)
            result = import_roll.run_child("ours", Path(work) / "roll.csv", expect=("created", args.rows))
        os.environ["DATABASE_URL"] = args.database_url
    print(prepared["report"])
    ratio = national["seconds"] / result["seconds"]
    verdict = "met" if ratio <= IMPORT_RATIO_GOAL else "MISSED"
    print(
        f"import at province scale (empty roll): {result['seconds']:.2f} s, peak RSS {result['rss_mb']:.0f} MB\n"
        f"national / province: {ratio:.2f}×  {verdict} (≤ {IMPORT_RATIO_GOAL}×)"
    )


def run_self(step: str, args) -> dict:
    command = [sys.executable, __file__, "--child", step, "--database-url", args.database_url, "--rows", str(args.rows)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"step {step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_import(rows: int) -> dict:
    """Draw the roll for the leader's federation, leave out what is already on file, import the
    .csv (timed as bench/import_roll.py times it: the command in this process), then undo it."""
    import resource

    setup()
    import import_roll
    from django.db import connection, transaction

    from federation import demo
    from members.models import Member, MemberImport
    from members.services import member_import_undo

    _kind, users = accounts()
    leader = users["leader"]
    federation = leader.federation
    with tempfile.TemporaryDirectory(prefix="bench-national-import-") as work:
        work = Path(work)
        os.environ["MEDIA_ROOT"] = str(work / "media")
        people = demo.template_people(federation, int(rows * 1.02) + 100, seed=IMPORT_SEED)
        for number, person in enumerate(people):
            person.member_code = f"BN{IMPORT_SEED}{number:07d}"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT citizen_id FROM members_member WHERE federation_id = %s AND status = 'active' "
                "AND citizen_id = ANY(%s)",
                [federation.pk, [p.citizen_id for p in people]],
            )
            taken = {cid for (cid,) in cursor.fetchall()}
            cursor.execute(
                "SELECT member_code FROM members_member WHERE member_code = ANY(%s)", [[p.member_code for p in people]]
            )
            taken_codes = {code for (code,) in cursor.fetchall()}
        fresh = [p for p in people if p.citizen_id not in taken and p.member_code not in taken_codes][:rows]
        if len(fresh) < rows:
            raise SystemExit(f"only {len(fresh)} rows not on file")
        path = work / "roll.csv"
        import_roll.write_csv(path, [import_roll.template_row(p) for p in fresh])
        before = Member.objects.count()
        started = time.perf_counter()
        result = _import(path, federation.code)
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if result["created"] != rows:
            raise SystemExit(f"import created {result['created']} of {rows}: {result}")
        batch = MemberImport.objects.filter(federation=federation).order_by("-pk").first()
        started = time.perf_counter()
        with transaction.atomic():
            member_import_undo(batch=batch, by=leader)
        undo = time.perf_counter() - started
        after = Member.objects.count()
        if after != before:
            raise SystemExit(f"the undo left {after - before} members")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE members_member")
            cursor.execute("VACUUM ANALYZE members_movement")
    return {
        "federation": federation.code,
        "rows": rows,
        "left_out": sum(1 for p in people if p.citizen_id in taken or p.member_code in taken_codes),
        "seconds": seconds,
        "undo_seconds": undo,
        "rss_mb": rss,
    }


def _import(path: Path, code: str) -> dict:
    import io
    from contextlib import suppress

    from django.core.management import call_command

    out = io.StringIO()
    with suppress(SystemExit):
        call_command("import_members", str(path), federation=code, json=True, stdout=out)
    result = json.loads(out.getvalue())
    if result["status"] != "imported":
        raise SystemExit(f"import {result['status']}: {result['errors'][:5]}")
    return result


if __name__ == "__main__":
    main()
