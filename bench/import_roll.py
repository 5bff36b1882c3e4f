"""A province's roll (125,000 members) through our import, bare PostgreSQL COPY and
django-import-export, on PostgreSQL (issue 3, item 7; goals in docs/performance.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lddl_bench_roll .venv/bin/python bench/import_roll.py
    .venv/bin/python bench/import_roll.py --server postgres://postgres@127.0.0.1:5432

With DATABASE_URL the database must be PostgreSQL; it is migrated and gets the demo federation's
tree (`seed_demo --scale province --without-members`) if it has none. With --server the script
creates its own database (lddl_bench_import_roll, refused if it exists) and drops it at the end;
it touches no other database either way.

One run: generates a valid 125,000-row roll in the template's columns (unions of the demo
federation, people drawn as seed_demo draws members), writes it as .xlsx and .csv (UTF-8), then
times, each in its own process (wall clock of the work, peak RSS of the process):
  - our import of the .xlsx, then of the same file again (all unchanged); the members are deleted;
  - the same for the .csv;
  - bare COPY of the same rows into members_member (read the CSV, map the columns, COPY);
  - the write floor: ids from the sequence, members with their derived name columns and one
    `admitted` movement each, two COPYs and the commit (what our import has to write at least);
  - django-import-export's fastest bulk settings on the CSV (timed on 20,000 rows and extrapolated
    when the whole file would take more than a minute).
With --profile it also splits our import into reading, validating, planning, writing and
committing (with the peak RSS after each), times each field parser per row, and prints cProfile's
top functions for both files. --rows N runs it on a smaller roll.
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pgdatabase import database  # noqa: E402  (bench/ is the script's own directory)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production settings (DEBUG off: no query log), with a throwaway key.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")

ROWS = 125_000
OWN_DATABASE = "lddl_bench_import_roll"
IEXPORT_SAMPLE = 20_000
IEXPORT_LIMIT_SECONDS = 60
GOALS = {"xlsx": 8.0, "csv": 5.0, "again": 5.0, "rss": 400.0}  # seconds, seconds, seconds, MB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", help="a PostgreSQL server URL: create (and drop) a database of our own there")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="also split and profile our import")
    parser.add_argument("--keep", action="store_true", help="keep the files (and with --server, the database)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    else:
        parent(args)


# --- the orchestrating process -------------------------------------------------------------------


def parent(args) -> None:
    """Runs every step in a process of its own. This one never loads Django and stays small: on
    Linux a process's ru_maxrss starts from its parent's high-water mark (it is kept across the
    fork and the exec), so a big parent would inflate every child's peak RSS."""
    own = database(args.server, OWN_DATABASE, keep=args.keep, bench="bench/import_roll.py")
    with own as url, tempfile.TemporaryDirectory(prefix="bench-roll-") as work:
        work = Path(work)
        os.environ["DATABASE_URL"] = url
        os.environ["MEDIA_ROOT"] = str(work / "media")  # kept import files go here, not in the checkout
        prepared = run_child("prepare", work, limit=args.rows, seed=args.seed)
        print(prepared["report"])
        paths = {kind: work / f"roll.{kind}" for kind in ("xlsx", "csv")}
        figures = prepared["figures"]

        def run(label, step, path, goal=None, reset_after=True, **extra):
            result = run_child(step, path, **extra)
            figures.append({"label": label, "goal": goal, **result})
            if reset_after:
                reset()
            return result

        for kind in ("xlsx", "csv"):
            run(f"our import .{kind}", "ours", paths[kind], GOALS[kind], False, expect=("created", args.rows))
            run(
                f"our re-import .{kind} (all unchanged)",
                "ours",
                paths[kind],
                goal=GOALS["again"],
                expect=("unchanged", args.rows),
            )
        run("bare COPY members (read CSV, map, COPY)", "copy", paths["csv"])
        run("COPY members + admitted movements (the write floor)", "copy_full", paths["csv"])
        sample = run_child("iexport", paths["csv"], limit=min(IEXPORT_SAMPLE, args.rows))
        reset()
        estimate = sample["seconds"] * args.rows / sample["rows"]
        if estimate <= IEXPORT_LIMIT_SECONDS or sample["rows"] == args.rows:
            run("django-import-export bulk .csv", "iexport", paths["csv"])
        else:
            figures.append(
                {
                    **sample,
                    "label": f"django-import-export bulk .csv (ESTIMATE: {sample['rows']:,} rows timed, scaled)",
                    "seconds": estimate,
                    "detail": f"{sample['rows']:,} rows took {sample['seconds']:.2f} s; the whole file would take "
                    f"over {IEXPORT_LIMIT_SECONDS} s",
                }
            )
        print_table(figures, args.rows)
        if args.profile:
            for kind in ("xlsx", "csv"):
                print(run_child("phases", paths[kind])["report"])
                reset()
            print(run_child("parsers", paths["csv"])["report"])
            for kind in ("xlsx", "csv"):
                print(run_child("profile", paths[kind])["report"])
                reset()
        if args.keep:
            kept = ROOT / "artifacts" / "bench-import-roll"
            kept.mkdir(parents=True, exist_ok=True)
            for path in paths.values():
                path.replace(kept / path.name)
            print(f"files kept in {kept}")


def reset() -> None:
    run_child("reset", Path("."))


def child_prepare(work: Path, rows: int, seed: int) -> dict:
    """Migrate, load the demo federation's tree without members (unless the database has it),
    then draw the roll and write it as .xlsx and .csv."""
    import hashlib
    import secrets

    from django.core.management import call_command
    from django.db import connection

    from federation import demo
    from members.models import Member

    lines = [f"database: PostgreSQL {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}"]
    # The import engine changes: name the version measured.
    engine = ("members/importing.py", "members/validation.py", "members/services.py", "federation/text.py")
    digests = ", ".join(f"{name} {hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:10]}" for name in engine)
    lines.append(f"engine: {digests}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    federation = demo.demo_federation()
    if federation is None:
        call_command(
            "seed_demo",
            scale="province",
            without_members=True,
            password=secrets.token_urlsafe(16),
            stdout=io.StringIO(),
        )
        federation = demo.demo_federation()
    elif Member.objects.filter(federation=federation).exists():
        raise SystemExit(
            f"The demo federation {federation.code} already has members: use an empty database (or --server), "
            "the import must create every member."
        )
    lines.append(f"migrate + demo tree: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    people = demo.template_people(federation, rows, seed=seed)
    lines.append(f"drawn {len(people):,} people in {time.perf_counter() - started:.1f} s")
    figures = write_roll(people, work)
    return {"seconds": 0, "report": "\n".join(lines), "figures": figures}


def write_roll(people, work: Path) -> list[dict]:
    """The roll in the template's columns as .xlsx and .csv; figures of the writing."""
    lines = [template_row(p) for p in people]
    paths = {"xlsx": work / "roll.xlsx", "csv": work / "roll.csv"}
    figures = []
    for kind, writer in (("xlsx", write_xlsx), ("csv", write_csv)):
        started = time.perf_counter()
        writer(paths[kind], lines)
        size = paths[kind].stat().st_size
        figures.append(
            {"label": f"write .{kind} ({size / 1e6:.1f} MB)", "seconds": time.perf_counter() - started, "rss_mb": None}
        )
    return figures


def template_row(person) -> list[str]:
    """One row as the template and the export write it (§4): every cell text."""
    return [
        person.full_name,
        "Nữ" if person.gender == "female" else "Nam",
        person.born.strftime("%d/%m/%Y"),
        person.citizen_id,
        person.joined_on.strftime("%d/%m/%Y"),
        person.unit.code,
        person.ethnicity,
        person.religion,
        person.job_title,
        person.union_position,
        "x" if person.is_party_member else "",
        person.phone,
        person.email,
        person.member_code,
        person.address,
    ]


def write_csv(path: Path, lines: list[list[str]]) -> None:
    from members.importing import COLUMNS

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in COLUMNS])
        writer.writerows(lines)


def write_xlsx(path: Path, lines: list[list[str]]) -> None:
    """xlsxwriter in constant-memory mode (faster than openpyxl's write-only mode here), with
    the title block real rolls have above the header."""
    import xlsxwriter

    from members.importing import COLUMNS

    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet("Đoàn viên")
    bold = workbook.add_format({"bold": True})
    sheet.write_string(0, 0, "LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐẮK LẮK", bold)
    sheet.write_string(1, 0, "DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN", bold)
    sheet.write_row(3, 0, [c.header for c in COLUMNS], bold)
    for number, line in enumerate(lines, start=4):
        sheet.write_row(number, 0, line)
    workbook.close()


def run_child(step: str, path: Path, *, limit: int = 0, seed: int = 1, expect=None) -> dict:
    command = [sys.executable, __file__, "--child", step, "--file", str(path), "--limit", str(limit)]
    command += ["--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        sys.exit(f"step {step} on {path.name} failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if expect and result.get(expect[0]) != expect[1]:
        sys.exit(f"step {step} on {path.name}: expected {expect[0]} = {expect[1]}, got {result}")
    return result


def child_reset(_path, _limit) -> dict:
    """Delete the demo federation's members (their movements and transfers first), in SQL."""
    from django.db import connection, transaction

    federation = _federation()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        members = "SELECT id FROM members_member WHERE federation_id = %s"
        cursor.execute(f"DELETE FROM members_movement WHERE member_id IN ({members})", [federation.pk])
        cursor.execute(f"DELETE FROM members_transferrequest WHERE member_id IN ({members})", [federation.pk])
        cursor.execute("DELETE FROM members_member WHERE federation_id = %s", [federation.pk])
        deleted = cursor.rowcount
    # Each step starts from tables without dead rows, as on a fresh database.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE members_member")
        cursor.execute("VACUUM ANALYZE members_movement")
    return {"seconds": time.perf_counter() - started, "rows": deleted}


def print_table(figures: list[dict], rows: int) -> None:
    copy = next(f["seconds"] for f in figures if f["label"].startswith("bare COPY"))
    print(f"\n{rows:,} rows; seconds of work in each step's own process, peak RSS of that process")
    print(f"{'step':<72} {'seconds':>8} {'x COPY':>7} {'RSS MB':>7} {'HWM MB':>7}  goal")
    for f in figures:
        measured = f.get("rss_mb") is not None
        ratio = f"{f['seconds'] / copy:7.1f}" if measured else " " * 7
        rss = f"{f['rss_mb']:7.0f}" if measured else " " * 7
        hwm = f"{f['hwm_mb']:7.0f}" if measured and f.get("hwm_mb") else " " * 7
        goal = ""
        if f.get("goal"):
            ok = f["seconds"] <= f["goal"] and f["rss_mb"] <= GOALS["rss"]
            goal = f"{'met' if ok else 'MISSED'} (≤ {f['goal']:.0f} s, ≤ {GOALS['rss']:.0f} MB)"
        print(f"{f['label']:<72} {f['seconds']:8.2f} {ratio} {rss} {hwm}  {goal}")
        if f.get("detail"):
            print(f"    {f['detail']}")


# --- the measured processes -----------------------------------------------------------------------


def child(args) -> None:
    import django

    django.setup()
    path = Path(args.file)
    if args.child == "prepare":
        result = child_prepare(path, args.limit, args.seed)
        print(json.dumps(result, ensure_ascii=False))
        return
    step = {
        "reset": child_reset,
        "ours": child_ours,
        "copy": child_copy,
        "copy_full": child_copy_full,
        "iexport": child_iexport,
        "phases": child_phases,
        "parsers": child_parsers,
        "profile": child_profile,
    }[args.child]
    result = step(path, args.limit)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["hwm_mb"] = _vm_hwm()
    print(json.dumps(result, ensure_ascii=False))


def _vm_hwm() -> float | None:
    """The process's own high-water RSS (Linux), a cross-check of ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _federation():
    from federation import demo

    return demo.demo_federation()


def child_ours(path: Path, _limit) -> dict:
    """`manage.py import_members FILE --federation LDLD-DLK --json`, in this process (no Django
    start-up in the figure): keep the file, validate every row, write in one transaction."""
    started = time.perf_counter()
    result = _import_members(path)
    return {
        "seconds": time.perf_counter() - started,
        "rows": result["rows"],
        "created": result["created"],
        "updated": result["updated"],
        "unchanged": result["unchanged"],
    }


def _import_members(path: Path) -> dict:
    from django.core.management import call_command

    out = io.StringIO()
    with suppress(SystemExit):  # exit code 1: invalid, reported below
        call_command("import_members", str(path), federation=_federation().code, json=True, stdout=out)
    result = json.loads(out.getvalue())
    if result["status"] != "imported":
        raise SystemExit(f"import {result['status']}: {result['errors'][:5]}")
    return result


def _csv_rows(path: Path, limit: int = 0):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    return header, rows[:limit] if limit else rows


def _iso(text: str) -> str:
    return f"{text[6:10]}-{text[3:5]}-{text[0:2]}"


class _Stream:
    """A file-like object over an iterator of text lines, read by COPY in chunks, so the whole
    table is never in memory."""

    def __init__(self, lines):
        self.lines = lines
        self.buffer = ""

    def read(self, size: int = -1) -> str:
        parts, length = [self.buffer], len(self.buffer)
        for line in self.lines:
            parts.append(line)
            length += len(line)
            if 0 <= size <= length:
                break
        text = "".join(parts)
        if size < 0:
            self.buffer = ""
            return text
        self.buffer = text[size:]
        return text[:size]

    readline = read


def child_copy(path: Path, _limit) -> dict:
    """The floor: read the CSV, map it to members_member's columns (no checks, no derived
    columns), one COPY streamed from the file, commit."""
    from django.db import connection, transaction
    from django.utils import timezone

    federation = _federation()
    unions = dict(_union_ids(federation))
    now = timezone.now().isoformat()
    started = time.perf_counter()
    count = 0

    def lines():
        nonlocal count
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for r in reader:
                count += 1
                party = "t" if r[10] else "f"
                gender = "female" if r[1] == "Nữ" else "male"
                yield (
                    f"{federation.pk}\t{unions[r[5]]}\t{r[0]}\t{gender}\t{_iso(r[2])}\t{r[3]}\t{_iso(r[4])}\t{r[6]}\t"
                    f"{r[7]}\t{r[8]}\t{r[9]}\t{party}\t{r[11]}\t{r[12]}\t{r[13]}\t{r[14]}\tactive\t\t\t{now}\t{now}\n"
                )

    columns = (
        "federation_id, union_id, full_name, gender, date_of_birth, citizen_id, joined_on, ethnicity, religion, "
        "job_title, union_position, is_party_member, phone, email, member_code, address, status, search_text, "
        "sort_name, created_at, updated_at"
    )
    block = transaction.atomic()
    block.__enter__()
    with connection.cursor() as cursor:
        # `size` positionally: with DEBUG on, Django's CursorDebugWrapper.copy_expert takes no keywords.
        cursor.copy_expert(f"COPY members_member ({columns}) FROM STDIN", _Stream(lines()), 1 << 16)
    commit_started = time.perf_counter()
    block.__exit__(None, None, None)
    finished = time.perf_counter()
    detail = f"read + map + COPY {commit_started - started:.2f} s, commit {finished - commit_started:.2f} s"
    return {"seconds": finished - started, "rows": count, "detail": detail}


def _union_ids(federation):
    from unions.models import Union

    return Union.objects.filter(federation=federation).values_list("code", "pk")


def child_copy_full(path: Path, _limit) -> dict:
    """The least our import has to write, the way it writes it: ids reserved from the sequence,
    members with their search text and sort key and one `admitted` movement each (pointing to an
    import batch), two COPYs, commit. The Python preparation is timed apart from the database."""
    from django.db import connection, transaction
    from django.utils import timezone

    from members.models import Member, MemberImport

    federation = _federation()
    unions = dict(_union_ids(federation))
    batch = MemberImport.objects.create(
        federation=federation, scope_path=federation.path, filename=path.name, file=path.name, sha256="-"
    )
    now = timezone.now().isoformat()
    started = time.perf_counter()
    _header, rows = _csv_rows(path)
    names = {}  # full name -> (search text, sort key): names repeat
    for r in rows:
        if r[0] not in names:
            names[r[0]] = Member.derived_names(r[0])
    prepared = time.perf_counter()
    block = transaction.atomic()
    block.__enter__()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('members_member', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        reserved = time.perf_counter()
        members, movements = [], []
        for pk, r in zip(ids, rows, strict=True):
            search, sort = names[r[0]]
            party = "t" if r[10] else "f"
            gender = "female" if r[1] == "Nữ" else "male"
            union = unions[r[5]]
            members.append(
                f"{pk}\t{federation.pk}\t{union}\t{r[0]}\t{gender}\t{_iso(r[2])}\t{r[3]}\t{_iso(r[4])}\t{r[6]}\t"
                f"{r[7]}\t{r[8]}\t{r[9]}\t{party}\t{r[11]}\t{r[12]}\t{r[13]}\t{r[14]}\tactive\t{batch.pk}\t"
                f"{search}\t{sort}\t{now}\t{now}\n"
            )
            movements.append(f"{pk}\t{union}\tadmitted\t1\t{_iso(r[4])}\t\t\t{batch.pk}\t{now}\n")
        built = time.perf_counter()
        cursor.copy_expert(
            "COPY members_member (id, federation_id, union_id, full_name, gender, date_of_birth, citizen_id, "
            "joined_on, ethnicity, religion, job_title, union_position, is_party_member, phone, email, member_code, "
            "address, status, created_by_import_id, search_text, sort_name, created_at, updated_at) FROM STDIN",
            io.StringIO("".join(members)),
        )
        copied = time.perf_counter()
        cursor.copy_expert(
            "COPY members_movement (member_id, union_id, kind, delta, date, reason, note, import_batch_id, "
            "created_at) FROM STDIN",
            io.StringIO("".join(movements)),
        )
    written = time.perf_counter()
    block.__exit__(None, None, None)
    finished = time.perf_counter()
    database = (reserved - prepared) + (finished - built)
    detail = (
        f"Python: read {prepared - started:.2f} s (with names) + build {built - reserved:.2f} s; database "
        f"{database:.2f} s = ids {reserved - prepared:.2f} + COPY members {copied - built:.2f} + COPY movements "
        f"{written - copied:.2f} + commit {finished - written:.2f}"
    )
    return {"seconds": finished - started, "rows": len(rows), "detail": detail}


def child_iexport(path: Path, limit: int) -> dict:
    """django-import-export's fastest bulk settings, given what it needs to read our template (a
    field per column, day-first dates, Nam/Nữ, the union by its code through one dict) and the
    derived name columns the model's save() would set."""
    import tablib
    from import_export import fields, resources, widgets

    from members.importing import COLUMNS
    from members.models import Member

    federation = _federation()
    header = {c.key: c.header for c in COLUMNS}
    unions = dict(_union_ids(federation))

    class UnionCodeWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return unions[value.strip().upper()]

    class GenderWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return {"Nam": "male", "Nữ": "female"}[value.strip()]

    class FlagWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return bool(value and value.strip())

    def text(key):
        return fields.Field(attribute=key, column_name=header[key], widget=widgets.CharWidget())

    def day(key):
        return fields.Field(attribute=key, column_name=header[key], widget=widgets.DateWidget(format="%d/%m/%Y"))

    class MemberBulkResource(resources.ModelResource):
        full_name = text("full_name")
        gender = fields.Field(attribute="gender", column_name=header["gender"], widget=GenderWidget())
        date_of_birth = day("date_of_birth")
        citizen_id = text("citizen_id")
        joined_on = day("joined_on")
        union_id = fields.Field(attribute="union_id", column_name=header["union_code"], widget=UnionCodeWidget())
        ethnicity = text("ethnicity")
        religion = text("religion")
        job_title = text("job_title")
        union_position = text("union_position")
        is_party_member = fields.Field(
            attribute="is_party_member", column_name=header["is_party_member"], widget=FlagWidget()
        )
        phone = text("phone")
        email = text("email")
        member_code = text("member_code")
        address = text("address")

        class Meta:
            model = Member
            fields = (
                "full_name", "gender", "date_of_birth", "citizen_id", "joined_on", "union_id", "ethnicity",
                "religion", "job_title", "union_position", "is_party_member", "phone", "email", "member_code",
                "address",
            )  # fmt: skip
            import_id_fields = ("citizen_id",)
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            force_init_instance = True
            skip_unchanged = False

        def before_save_instance(self, instance, row, **kwargs):
            instance.federation_id = federation.pk
            instance.search_text, instance.sort_name = Member.derived_names(instance.full_name)

    started = time.perf_counter()
    text_data = path.read_text(encoding="utf-8-sig")
    if limit:
        text_data = "".join(text_data.splitlines(keepends=True)[: limit + 1])
    dataset = tablib.Dataset().load(text_data, format="csv")
    result = MemberBulkResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    seconds = time.perf_counter() - started
    created = Member.objects.filter(federation=federation).count()
    if result.has_errors() or result.has_validation_errors() or created != len(dataset):
        raise SystemExit(f"django-import-export: {created} created of {len(dataset)}")
    return {"seconds": seconds, "rows": len(dataset), "created": created}


def child_phases(path: Path, _limit) -> dict:
    """Our import split: reading alone, reading + validating (with its database checks), planning,
    writing and committing; the process's peak RSS after each."""
    from django.db import transaction

    from members import importing

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    federation = _federation()
    scope = importing.Scope(federation_id=federation.pk, path=federation.path)
    figures = [("start (Django loaded)", 0.0, peak())]
    started = time.perf_counter()
    table = importing.open_table(path, path.name)
    count = sum(1 for _ in table.rows)
    figures.append(("read only (open_table + iterate rows)", time.perf_counter() - started, peak()))
    del table
    started = time.perf_counter()
    table = importing.open_table(path, path.name)
    rows, outcome = importing.validate(table, scope)
    figures.append(("read + validate (and its 2 database checks)", time.perf_counter() - started, peak()))
    started = time.perf_counter()
    todo = importing.plan(rows, scope, outcome, present=set(filter(None, table.keys)))
    figures.append(("plan (existing members)", time.perf_counter() - started, peak()))
    block = transaction.atomic()
    block.__enter__()
    started = time.perf_counter()
    importing.apply(todo, scope)
    figures.append(("write (apply: members + movements)", time.perf_counter() - started, peak()))
    started = time.perf_counter()
    block.__exit__(None, None, None)
    figures.append(("commit (deferred foreign-key checks, WAL flush)", time.perf_counter() - started, peak()))
    lines = [f"\nour import of {path.name}, by phase ({count:,} rows, {len(outcome.errors)} errors):"]
    for label, seconds, rss in figures:
        lines.append(f"  {label:<50} {seconds:6.2f} s  {seconds / count * 1e6:6.1f} µs/row  peak RSS {rss:4.0f} MB")
    lines.append(f"  (validation alone ≈ {figures[2][1] - figures[1][1]:.2f} s)")
    return {"seconds": sum(f[1] for f in figures), "report": "\n".join(lines)}


def child_parsers(path: Path, _limit) -> dict:
    """Each field parser over its whole column, per row."""
    from members import validation as v
    from members.importing import _PARSERS, HEADER_LOOKUP, _header_key

    header, rows = _csv_rows(path)
    keys = [HEADER_LOOKUP[_header_key(h)] for h in header]
    columns = {key: [r[i] for r in rows] for i, key in enumerate(keys)}
    lines = [f"\nfield parsers over {len(rows):,} rows (µs per row):"]
    total = 0.0
    parsers = _PARSERS.items() if isinstance(_PARSERS, dict) else _PARSERS
    for key, parser in parsers:
        values = columns[key]
        started = time.perf_counter()
        for value in values:
            parser(value)
        spent = time.perf_counter() - started
        total += spent
        lines.append(f"  {key:<16} {spent / len(values) * 1e6:6.2f}")
    genders = [v.parse_gender(g) for g in columns["gender"]]
    born = [v.parse_date(d) for d in columns["date_of_birth"]]
    started = time.perf_counter()
    for cid, gender, day in zip(columns["citizen_id"], genders, born, strict=True):
        v.parse_citizen_id(cid, gender=gender, born=day)
    spent = time.perf_counter() - started
    total += spent
    lines.append(f"  {'citizen_id':<16} {spent / len(rows) * 1e6:6.2f}")
    started = time.perf_counter()
    for day in born:
        v.parse_date(day)
    lines.append(f"  (parse_date of a real date cell: {(time.perf_counter() - started) / len(rows) * 1e6:.2f})")
    started = time.perf_counter()
    for text in columns["date_of_birth"]:
        time.strptime(text, "%d/%m/%Y")
    lines.append(f"  (bare strptime of dd/mm/yyyy: {(time.perf_counter() - started) / len(rows) * 1e6:.2f})")
    started = time.perf_counter()
    for name in columns["full_name"]:
        v.clean_text(name)
    lines.append(f"  (clean_text of a name: {(time.perf_counter() - started) / len(rows) * 1e6:.2f})")
    lines.append(f"  all parsers: {total:.2f} s")
    return {"seconds": total, "report": "\n".join(lines)}


def child_profile(path: Path, _limit) -> dict:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    _import_members(path)
    profiler.disable()
    seconds = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    report = f"\ncProfile of our import of {path.name} ({seconds:.1f} s under the profiler):\n"
    return {"seconds": seconds, "report": report + out.getvalue()}


if __name__ == "__main__":
    main()
