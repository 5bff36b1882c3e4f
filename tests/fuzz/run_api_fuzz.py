"""Fuzz the API with Schemathesis, once per role and once without credentials (`make fuzz`).

A scratch database (PostgreSQL beside DATABASE_URL's when it is set, else an SQLite file) is
migrated and given the small demo (`seed_demo --scale small`); each demo account gets an API
token; gunicorn serves the app on a free loopback port. Schemathesis then sends every operation
of /api/schema/ generated requests, writes included (the data is scratch), as:

- anonymous: every answer is 401, never a 500;
- each role, from the least to the most powerful (the later runs see what the earlier wrote):
  no server error, every status code one the schema documents, every body as it documents.

Every run fuzzes (`--max-examples` cases per operation, valid and invalid); the federation admin's,
who reaches the most code, also gets the coverage phase (every boundary value of every parameter).

Prints operations, test cases and failures per run; exits 1 when any run failed. The scratch
database, the Redis database's keys (REDIS_URL) and the temporary files are removed afterwards.

    .venv/bin/python tests/fuzz/run_api_fuzz.py [--max-examples N] [--only anonymous,demo_chair]
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Least to most powerful: the federation admin, who may delete most, goes last.
RUNS = ("anonymous", "demo_chair", "demo_officer", "demo_leader", "demo_staff", "demo_admin")
ROLE_CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
ANONYMOUS_CHECKS = "not_a_server_error,anonymous_is_refused"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScratchDatabase:
    """A database of its own beside DATABASE_URL's (PostgreSQL), or an SQLite file in `folder`."""

    def __init__(self, base_url: str | None, folder: Path):
        self.server = None
        if base_url and base_url.startswith(("postgres://", "postgresql://")):
            parts = urlsplit(base_url)
            self.name = f"{parts.path.lstrip('/') or 'lddl'}_fuzz_{os.getpid()}"
            self.server = parts
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.name = str(folder / "fuzz.sqlite3")
            self.url = f"sqlite:///{self.name}"

    def _admin(self, sql: str) -> None:
        import psycopg2

        parts = self.server
        conn = psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname="postgres",
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create(self) -> None:
        if self.server:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.server:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {args[0]} failed")
    return done.stdout


TOKENS = """
import json
from rest_framework.authtoken.models import Token
from federation.demo import DEMO_ACCOUNTS
from federation.models import User
users = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
print(json.dumps({u.username: Token.objects.get_or_create(user=u)[0].key for u in users}))
"""


# Ids the chair may see (so every account may) and ids only the federation's accounts may see:
# the fuzzing draws path ids from them most of the time, so that writes reach real objects and
# the narrower roles meet objects out of their scope, not only ids that exist nowhere.
IDS = """
import json
from django.apps import apps
from federation.models import User
ids = {}
for name, label in SOURCES.items():
    manager = apps.get_model(label).objects
    found = set()
    for username in ("demo_chair", "demo_admin"):
        visible = manager.visible_to(User.objects.get(username=username)).order_by("pk")
        found |= set(visible.values_list("pk", flat=True)[:4])
    ids[name] = sorted(found)
print(json.dumps(ids))
"""
SOURCES = {
    "members": "members.Member",
    "movements": "members.Movement",
    "imports": "members.MemberImport",
    "activities": "welfare.Activity",
    "shelters": "welfare.Shelter",
    "funds": "welfare.Fund",
    "returns": "reports.QuarterlyReturn",
    "targets": "reports.Target",
    "unions": "unions.Union",
    "federations": "federation.Federation",
}


def write_config(path: Path, ids: dict) -> None:
    """tests/fuzz/schemathesis.toml, and a dictionary of real ids for each resource's `{id}`."""
    lines = [Path(__file__).with_name("schemathesis.toml").read_text()]
    for name, values in ids.items():
        if values:
            lines += [
                f"\n[dictionaries.{name}]\nvalues = {json.dumps(values)}\n",
                "[[operations]]",
                f"include-path-regex = '^/api/v1/{name}/[{{]id[}}]/'",
                f'parameters = {{ "path.id" = {{ dictionary = "{name}", probability = 0.8 }} }}',
            ]
    path.write_text("\n".join(lines) + "\n")


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before answering")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def summarize(report: Path) -> dict:
    """Operations, test cases and failures from Schemathesis's JSON run report."""
    data = json.loads(report.read_text())
    return {
        "operations": data["operations"]["tested"],
        "cases": data["test_cases"]["generated"],
        "failures": data["test_cases"]["unique_failures"] + len(data["errors"]),
    }


def fuzz(run: str, *, schema: Path, base: str, token: str | None, args, folder: Path, env: dict) -> dict:
    report = folder / f"{run}.json"
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(folder / "schemathesis.toml"),
        "run",
        str(schema),
        "--url",
        base,
        "--checks",
        ANONYMOUS_CHECKS if token is None else args.checks,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--phases",
        "examples,coverage,fuzzing" if run in args.coverage.split(",") else "examples,fuzzing",
        "--workers",
        str(args.workers),
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate",
        "true",
    ]
    run_env = dict(env)
    if token is None:
        # Well-formed requests only: a malformed id does not reach a view (the URL does not
        # resolve: 404), and what is refused is the credentials, not the data.
        run_env["SCHEMATHESIS_HOOKS"] = "tests.fuzz.hooks"
        command += ["--mode", "positive"]
    else:
        command += ["--header", f"Authorization: Token {token}"]
    print(f"\n=== Schemathesis: {run} ===", flush=True)
    started = time.monotonic()
    # In the scratch folder: Schemathesis and Hypothesis keep their caches in the working directory.
    done = subprocess.run(command, cwd=folder, env=run_env, check=False)
    outcome = summarize(report) if report.exists() else {}
    outcome["exit"] = done.returncode
    outcome["seconds"] = time.monotonic() - started
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", 8)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 1)))
    parser.add_argument(
        "--coverage",
        default="demo_admin",
        help="runs that also get the coverage phase (every boundary value: minutes, not seconds); default demo_admin",
    )
    # One worker: with two, Hypothesis's threads race in CPython 3.11's ast module now and then
    # ("AST constructor recursion depth mismatch"), a failure of the tool, not of the API.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--checks", default=ROLE_CHECKS, help=f"Schemathesis checks of the roles' runs ({ROLE_CHECKS})")
    parser.add_argument("--only", help="comma-separated runs among: " + ", ".join(RUNS))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and files (to look into)")
    args = parser.parse_args()
    runs = [r for r in RUNS if not args.only or r in args.only.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on a CI time-out too

    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="lddl-fuzz-"))
    database = ScratchDatabase(os.environ.get("DATABASE_URL"), folder)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database.url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        MEDIA_ROOT=str(folder / "media"),
        CELERY_TASK_ALWAYS_EAGER="1",
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    server = None
    log = folder / "server.log"
    results = {}
    try:
        database.create()
        print(f"Scratch database: {database.name}", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--scale", "small", f"--password={secrets.token_urlsafe(16)}")
        tokens = json.loads(manage(env, "shell", "-c", TOKENS).strip().splitlines()[-1])
        ids_code = f"SOURCES = {SOURCES!r}\n{IDS}"
        write_config(folder / "schemathesis.toml", json.loads(manage(env, "shell", "-c", ids_code).splitlines()[-1]))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("w") as out:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "2", "--timeout", "120", "--log-level", "warning"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{base}/healthz/", server)
        request = urllib.request.Request(
            f"{base}/api/schema/?format=json", headers={"Authorization": f"Token {tokens['demo_admin']}"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            schema = folder / "schema.json"
            schema.write_bytes(answer.read())
        for run in runs:
            token = None if run == "anonymous" else tokens[run]
            results[run] = fuzz(run, schema=schema, base=base, token=token, args=args, folder=folder, env=env)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        errors = [line for line in log.read_text().splitlines() if " ERROR " in line] if log.exists() else []
        if errors:
            print("\nServer errors logged (first 20):")
            print("\n".join(errors[:20]))
        if args.keep:
            print(f"Kept: {folder} and the database {database.name}")
        else:
            database.drop()
            if os.environ.get("REDIS_URL"):
                flush = ["redis-cli", "-u", os.environ["REDIS_URL"], "flushdb"]
                subprocess.run(flush, capture_output=True, check=False)
            shutil.rmtree(folder, ignore_errors=True)

    print("\n=== API fuzzing summary ===")
    print(f"{'run':<14} {'operations':>10} {'cases':>8} {'failures':>9} {'seconds':>8}")
    failed = False
    for run, outcome in results.items():
        print(
            f"{run:<14} {outcome.get('operations', '?'):>10} {outcome.get('cases', '?'):>8}"
            f" {outcome.get('failures', '?'):>9} {outcome['seconds']:>8.0f}"
        )
        failed = failed or outcome["exit"] != 0
    print(f"Total {time.monotonic() - started:.0f} s: {'FAILED' if failed else 'passed'}")
    return 1 if failed or len(results) != len(runs) else 0


if __name__ == "__main__":
    sys.exit(main())
