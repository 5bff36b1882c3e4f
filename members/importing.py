"""The member roll import of §4: read a `.xlsx` or `.csv`, validate every row, then write the
whole file in one transaction, or nothing.

The same engine serves the upload screen (through a Celery task), the API and
`manage.py import_members`. Reading (`open_table`) refuses files before parsing them when they
are too large, of the wrong kind or in an unknown encoding; `validate` checks every row against
§3/§4 and the database with a constant number of queries; `write` applies the result.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.text import fold
from unions.models import Level, Status, Union

from . import validation as v
from .models import MOVEMENT_DELTA, Member, MemberStatus, Movement, MovementKind


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


# The template's columns, in order (§4). Headers match without case or diacritics; the English
# key and the aliases are accepted too.
COLUMNS = (
    Column("full_name", "Họ và tên", True, ("ho ten", "ho va ten doan vien", "name")),
    Column("gender", "Giới tính", True, ("gioi", "sex")),
    Column("date_of_birth", "Ngày sinh", True, ("ngay thang nam sinh", "birth date", "dob")),
    Column("citizen_id", "Số CCCD", True, ("cccd", "so cccd/cmnd", "so can cuoc", "can cuoc cong dan", "so dinh danh")),
    Column("joined_on", "Ngày vào Công đoàn", True, ("ngay vao cd", "ngay ket nap", "joined")),
    Column("union_code", "Mã CĐCS", False, ("ma cong doan co so", "ma don vi", "union")),
    Column("ethnicity", "Dân tộc", False, ("ethnic",)),
    Column("religion", "Tôn giáo", False, ()),
    Column("job_title", "Nghề nghiệp, chức vụ", False, ("nghe nghiep", "chuc vu", "job")),
    Column("union_position", "Chức vụ Công đoàn", False, ("chuc vu cd",)),
    Column("is_party_member", "Đảng viên", False, ("dang vien", "party member")),
    Column("phone", "Số điện thoại", False, ("dien thoai", "sdt", "so dt")),
    Column("email", "Email", False, ("e-mail", "thu dien tu")),
    Column("member_code", "Mã đoàn viên", False, ("ma dv", "ma so doan vien")),
    Column("address", "Địa chỉ", False, ("dia chi thuong tru", "noi o")),
)  # fmt: skip
REQUIRED = [c.key for c in COLUMNS if c.required]
MEMBER_FIELDS = [c.key for c in COLUMNS if c.key not in ("union_code",)]


def _header_key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", re.sub(r"[^\w\s/-]", "", fold(text))).strip()


HEADER_LOOKUP = {}
for _c in COLUMNS:
    for _name in (_c.header, _c.key, _c.key.replace("_", " "), *_c.aliases):
        HEADER_LOOKUP[_header_key(_name)] = _c.key


@dataclass
class Issue:
    code: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code, "message": self.message}


class FileRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.issue = Issue(code, message)


@dataclass
class Table:
    sheet: str | None
    header_row: int
    keys: list[str | None]
    rows: Iterator[tuple[int, list]]
    warnings: list[Issue] = field(default_factory=list)
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    total: int = 0  # rows in the sheet, for the progress bar


# --- reading -----------------------------------------------------------------------------------


def open_table(path: Path, filename: str) -> Table:
    """The header and rows of the first sheet that has a header; refuses bad files early."""
    limits = settings.MEMBER_IMPORT
    size = path.stat().st_size
    if size > limits["MAX_UPLOAD_BYTES"]:
        raise FileRefused(
            "file_too_large",
            _("The file is larger than %(mb)s MB.") % {"mb": limits["MAX_UPLOAD_BYTES"] // 1_000_000},
        )
    suffix = Path(filename).suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8)
    is_zip = head.startswith(b"PK\x03\x04")
    if suffix == ".xlsx":
        if not is_zip:
            raise FileRefused("unreadable_file", _("This file is not an Excel .xlsx workbook."))
        return _open_xlsx(path, size, limits)
    if suffix == ".csv":
        if is_zip or head.startswith(b"\xd0\xcf\x11\xe0"):
            raise FileRefused("unreadable_file", _("This file is not a CSV file."))
        return _open_csv(path)
    raise FileRefused(
        "unreadable_file", _("Upload the roll as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted.")
    )


def _check_zip(path: Path, size: int, limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
        expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused("unreadable_file", _("The workbook cannot be read.")) from exc
    if "xl/workbook.xml" not in archive.namelist():
        raise FileRefused("unreadable_file", _("This file is not an Excel .xlsx workbook."))
    if any(name.endswith("vbaProject.bin") for name in archive.namelist()):
        raise FileRefused("unreadable_file", _("Workbooks with macros (.xlsm) are not accepted."))
    if expanded > limits["MAX_XLSX_EXPANDED_BYTES"] or expanded > limits["MAX_XLSX_RATIO"] * max(size, 1):
        raise FileRefused("file_too_large", _("The workbook expands to more data than allowed."))
    return archive


def _open_xlsx(path: Path, size: int, limits) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

    archive = _check_zip(path, size, limits)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        for index, name in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)
            rows = sheet.iter_rows()
            head = []
            for row in rows:
                head.append(row)
                if len(head) >= 30:
                    break
            found = _find_header(head)
            if found is None:
                continue
            header_index, keys, warnings = found
            start_row = sheet.start[0] if sheet.start else 0
            formulas = _empty_formula_cells(archive, index, start_row)

            def numbered(head=head, rows=rows, header_index=header_index, start_row=start_row):
                number = start_row
                for row in head:
                    number += 1
                    if number > start_row + header_index + 1:
                        yield number, row
                for row in rows:
                    number += 1
                    yield number, row

            for w in warnings:
                w.sheet = name
            total = max(sheet.height - header_index - 1, 0)
            return Table(name, start_row + header_index + 1, keys, numbered(), warnings, formulas, total)
    except CalamineError as exc:
        raise FileRefused("unreadable_file", _("The workbook cannot be read.")) from exc
    raise FileRefused("no_header_row", _("No sheet has a header row (Họ và tên, Số CCCD, ...) in its first 30 rows."))


_SHEET_XML = re.compile(rb'<sheet [^>]*r:id="([^"]+)"')
_CELL_FORMULA = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:(?!</c>).)*?<f[ >/](?:(?!</c>).)*?</c>', re.S)


def _empty_formula_cells(archive: zipfile.ZipFile, sheet_index: int, start_row: int) -> set[tuple[int, int]]:
    """(row, column) of formula cells without a computed value: calamine reads those as empty,
    and §4 wants them refused, not taken as blank."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
        rid = _SHEET_XML.findall(workbook)[sheet_index]
        target = re.search(rb'Id="' + re.escape(rid) + rb'"[^>]*Target="([^"]+)"', rels) or re.search(
            rb'Target="([^"]+)"[^>]*Id="' + re.escape(rid) + rb'"', rels
        )
        name = target.group(1).decode().lstrip("/")
        name = name if name.startswith("xl/") else "xl/" + name
        xml = archive.read(name)
    except (KeyError, IndexError, AttributeError):
        return set()
    if b"<f" not in xml:
        return set()
    cells = set()
    for match in _CELL_FORMULA.finditer(xml):
        body = match.group(0)
        if re.search(rb"<v>[^<]+</v>", body):
            continue
        letters, row = match.group(1).decode(), int(match.group(2))
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        cells.add((row, col - 1))
    return cells


def _open_csv(path: Path) -> Table:
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        text = raw[3:].decode("utf-8", errors="strict") if _utf8(raw[3:]) else None
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            text = None
    else:
        text = raw.decode("utf-8") if _utf8(raw) else None
    if text is None:
        raise FileRefused(
            "unsupported_encoding",
            _("The file is not UTF-8. In Excel, save it as “CSV UTF-8 (Comma delimited)” and upload it again."),
        )
    lines = text.splitlines()
    sample = "\n".join(lines[:30])
    delimiter = max((",", ";", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    head = []
    for row in reader:
        head.append(row)
        if len(head) >= 30:
            break
    found = _find_header(head)
    if found is None:
        raise FileRefused("no_header_row", _("No header row (Họ và tên, Số CCCD, ...) in the first 30 rows."))
    header_index, keys, warnings = found

    def numbered():
        for number, row in enumerate(head, start=1):
            if number > header_index + 1:
                yield number, row
        yield from enumerate(reader, start=len(head) + 1)

    return Table(None, header_index + 1, keys, numbered(), warnings, total=max(len(lines) - header_index - 1, 0))


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _find_header(rows: list[list]) -> tuple[int, list[str | None], list[Issue]] | None:
    for index, row in enumerate(rows):
        keys = [HEADER_LOOKUP.get(_header_key(str(cell))) if cell not in (None, "") else None for cell in row]
        known = {k for k in keys if k}
        if len(known) >= 3 and ("full_name" in known or "citizen_id" in known):
            warnings, seen = [], set()
            for col, (cell, key) in enumerate(zip(row, keys, strict=False)):
                if key in seen:
                    keys[col] = None
                    key = None
                if key:
                    seen.add(key)
                elif cell not in (None, ""):
                    warnings.append(
                        Issue(
                            "ignored_column",
                            _("Column “%(name)s” is not in the template: ignored.") % {"name": cell},
                            row=index + 1,
                            column=str(cell),
                        )
                    )
            return index, keys, warnings
    return None


# --- validating --------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    data: dict
    union_id: int
    padded: bool = False


@dataclass
class Outcome:
    status: str = "invalid"
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    changes: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class Scope:
    """Where the rows may go: the federation, the uploader's subtree, and a fixed union when the
    upload is for one grassroots union."""

    federation_id: int
    path: str
    union: Union | None = None


_EMPTY = (None, "")


def validate(
    table: Table, scope: Scope, *, today: datetime.date | None = None, progress: Callable[[int], None] | None = None
) -> tuple[list[Row], Outcome]:
    today = today or timezone.localdate()
    outcome = Outcome(warnings=list(table.warnings))
    errors = outcome.errors
    sheet = table.sheet
    keys = table.keys
    present = set(filter(None, keys))
    missing = [k for k in REQUIRED if k not in present]
    if "union_code" not in present and scope.union is None:
        missing.append("union_code")
    for key in missing:
        header = next(c.header for c in COLUMNS if c.key == key)
        errors.append(Issue("missing_column", _("The column “%(header)s” is missing.") % {"header": header}, sheet))
    if missing:
        return [], outcome

    unions = {
        code: (pk, path, level, status)
        for pk, code, path, level, status in Union.objects.filter(federation_id=scope.federation_id).values_list(
            "pk", "code", "path", "level", "status"
        )
    }
    index = [(col, key) for col, key in enumerate(keys) if key]
    formulas = table.formula_cells
    max_rows = settings.MEMBER_IMPORT["MAX_ROWS"]
    clean_rows: list[Row] = []
    first_row_of_id: dict[str, int] = {}
    first_row_of_code: dict[str, int] = {}
    count = 0
    for number, cells in table.rows:
        values = {}
        blank = True
        for col, key in index:
            value = cells[col] if col < len(cells) else None
            if isinstance(value, str):
                value = value.strip().replace("\u00a0", " ").strip()
            if value not in _EMPTY:
                blank = False
            values[key] = value
        if blank and not any((number, col) in formulas for col, _k in index):
            continue
        count += 1
        if count > max_rows:
            errors.append(
                Issue("too_many_rows", _("The file has more than %(n)s rows.") % {"n": f"{max_rows:,}"}, sheet)
            )
            outcome.rows = count - 1
            return [], outcome
        if progress and count % 5000 == 0:
            progress(count)
        row_errors: list[Issue] = []

        def fail(column, exc, number=number, row_errors=row_errors):
            row_errors.append(Issue(exc.code, exc.message, sheet, number, column))

        for col, key in index:
            if (number, col) in formulas:
                fail(key, v.Invalid("formula_not_allowed", _("A formula without a computed value.")))
                values[key] = None
        data = {}
        for key, parser in _PARSERS:
            if key not in values:
                continue
            value = values[key]
            if isinstance(value, str) and value.startswith(v.FORMULA_PREFIXES) and key != "phone":
                fail(key, v.Invalid("formula_not_allowed", _("A cell may not start with = + - or @.")))
                continue
            try:
                data[key] = parser(value)
            except v.Invalid as exc:
                fail(key, exc)
        born, joined = data.get("date_of_birth"), data.get("joined_on")
        if born and born > today:
            fail("date_of_birth", v.Invalid("date_in_future", _("The date is in the future.")))
        if joined:
            if joined > today:
                fail("joined_on", v.Invalid("date_in_future", _("The date is in the future.")))
            elif born and v.age_on(born, joined) < 15:
                fail("joined_on", v.Invalid("too_young", _("A member joins at 15 or older.")))
        padded = False
        try:
            data["citizen_id"], padded = v.parse_citizen_id(
                values.get("citizen_id"), gender=data.get("gender"), born=born
            )
        except v.Invalid as exc:
            fail("citizen_id", exc)
        union_id = _resolve_union(values.get("union_code"), scope, unions, fail)
        cid = data.get("citizen_id")
        if cid:
            first = first_row_of_id.setdefault(cid, number)
            if first != number:
                message = _("The same citizen ID is on rows %(first)s and %(row)s.") % {"first": first, "row": number}
                fail("citizen_id", v.Invalid("duplicate_in_file", message))
                errors.append(Issue("duplicate_in_file", message, sheet, first, "citizen_id"))
        code = data.get("member_code")
        if code:
            first = first_row_of_code.setdefault(code, number)
            if first != number:
                message = _("The same member code is on rows %(first)s and %(row)s.") % {"first": first, "row": number}
                fail("member_code", v.Invalid("duplicate_member_code", message))
        if padded:
            outcome.warnings.append(
                Issue(
                    "citizen_id_zero_padded",
                    _("Leading zeros of the citizen ID were restored."),
                    sheet,
                    number,
                    "citizen_id",
                )
            )
        if row_errors:
            errors.extend(row_errors)
        elif union_id is not None:
            clean_rows.append(Row(number, data, union_id, padded))
    outcome.rows = count
    _check_against_database(clean_rows, scope, outcome, sheet)
    errors.sort(key=lambda e: (e.row or 0, MEMBER_FIELDS.index(e.column) if e.column in MEMBER_FIELDS else 99))
    return clean_rows, outcome


_PARSERS = (
    ("full_name", v.parse_full_name),
    ("gender", v.parse_gender),
    ("date_of_birth", v.parse_date),
    ("joined_on", v.parse_date),
    ("ethnicity", v.parse_ethnicity),
    ("religion", lambda x: v.parse_text(x, limit=100)),
    ("job_title", v.parse_text),
    ("union_position", v.parse_text),
    ("is_party_member", v.parse_flag),
    ("phone", v.parse_phone),
    ("email", v.parse_email),
    ("member_code", lambda x: v.parse_text(x, limit=32)),
    ("address", v.parse_text),
)


def _resolve_union(raw, scope: Scope, unions: dict, fail) -> int | None:
    if scope.union is not None and raw in _EMPTY:
        return scope.union.pk
    code = str(raw or "").strip().upper()
    if not code:
        fail("union_code", v.Invalid("missing_value", _("Enter the grassroots union's code.")))
        return None
    found = unions.get(code)
    if found is None:
        fail("union_code", v.Invalid("unknown_union", _("No union has the code %(code)s.") % {"code": code}))
        return None
    pk, path, level, status = found
    if not path.startswith(scope.path) or (scope.union is not None and pk != scope.union.pk):
        fail(
            "union_code",
            v.Invalid("union_out_of_scope", _("The union %(code)s is outside your unit.") % {"code": code}),
        )
        return None
    if level != Level.GRASSROOTS:
        fail("union_code", v.Invalid("union_not_grassroots", _("%(code)s is not a grassroots union.") % {"code": code}))
        return None
    if status != Status.ACTIVE:
        fail("union_code", v.Invalid("union_closed", _("The union %(code)s is closed.") % {"code": code}))
        return None
    return pk


def _check_against_database(rows: list[Row], scope: Scope, outcome: Outcome, sheet) -> None:
    """member_in_other_union and duplicate_member_code against the stored roll (two queries)."""
    ids = {r.data["citizen_id"] for r in rows}
    active = {}
    for chunk in _chunks(sorted(ids), 5000):
        for cid, union_id, union_code in Member.objects.filter(
            federation_id=scope.federation_id, status=MemberStatus.ACTIVE, citizen_id__in=chunk
        ).values_list("citizen_id", "union_id", "union__code"):
            active[cid] = (union_id, union_code)
    codes = {r.data["member_code"] for r in rows if r.data.get("member_code")}
    taken = {}
    for chunk in _chunks(sorted(codes), 5000):
        taken.update(Member.objects.filter(member_code__in=chunk).values_list("member_code", "citizen_id"))
    keep = []
    for row in rows:
        cid, code = row.data["citizen_id"], row.data.get("member_code")
        row_ok = True
        if cid in active and active[cid][0] != row.union_id:
            message = _("This person is an active member of union %(code)s: use a transfer.") % {"code": active[cid][1]}
            outcome.errors.append(Issue("member_in_other_union", message, sheet, row.number, "citizen_id"))
            row_ok = False
        if code and code in taken and taken[code] != cid:
            message = _("Another member has this member code.")
            outcome.errors.append(Issue("duplicate_member_code", message, sheet, row.number, "member_code"))
            row_ok = False
        if row_ok:
            keep.append(row)
    rows[:] = keep


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- writing -----------------------------------------------------------------------------------


@dataclass
class Plan:
    creates: list[Row]
    updates: list[Member]
    changed_fields: set[str]


def plan(rows: list[Row], scope: Scope, outcome: Outcome, *, present: set[str]) -> Plan:
    """Sort valid rows into new members and changed or unchanged existing ones (a dry run stops
    here). Fields whose column is absent from the file are left as they are."""
    existing = {}
    fields = [f for f in MEMBER_FIELDS if f in present and f != "citizen_id"]
    for chunk in _chunks([r.data["citizen_id"] for r in rows], 5000):
        for member in Member.objects.filter(
            federation_id=scope.federation_id, status=MemberStatus.ACTIVE, citizen_id__in=chunk
        ).only("pk", "citizen_id", "union_id", *fields):
            existing[member.citizen_id] = member
    result = Plan([], [], set())
    for row in rows:
        member = existing.get(row.data["citizen_id"])
        if member is None:
            result.creates.append(row)
            continue
        before = {}
        for name in fields:
            new = row.data.get(name, False if name == "is_party_member" else "")
            old = getattr(member, name)
            if old != new:
                before[name] = old.isoformat() if isinstance(old, datetime.date) else old
                setattr(member, name, new)
        if before:
            outcome.changes[str(member.pk)] = before
            result.changed_fields.update(before)
            result.updates.append(member)
        else:
            outcome.unchanged += 1
    outcome.created, outcome.updated = len(result.creates), len(result.updates)
    return result


def apply(todo: Plan, scope: Scope, *, batch=None, by=None) -> None:
    """Write a plan: new members, each with an `admitted` movement on its join date, and the
    changed fields of existing ones. The caller holds the transaction."""
    now = timezone.now()
    new_members = []
    for row in todo.creates:
        d = row.data
        search_text, sort_name = Member.derived_names(d["full_name"])
        new_members.append(
            Member(
                federation_id=scope.federation_id,
                union_id=row.union_id,
                **{k: d[k] for k in MEMBER_FIELDS if k in d},
                search_text=search_text,
                sort_name=sort_name,
                created_by_import=batch,
            )
        )
    Member.objects.bulk_create(new_members, batch_size=2000)
    Movement.objects.bulk_create(
        (
            Movement(
                member_id=m.pk,
                union_id=m.union_id,
                kind=MovementKind.ADMITTED,
                delta=MOVEMENT_DELTA[MovementKind.ADMITTED],
                date=m.joined_on,
                import_batch=batch,
                created_by=by,
            )
            for m in new_members
        ),
        batch_size=2000,
    )
    if todo.updates:
        names = set(todo.changed_fields)
        if "full_name" in names:
            names |= {"search_text", "sort_name"}
        for member in todo.updates:
            member.search_text, member.sort_name = Member.derived_names(member.full_name)
            member.updated_at = now
        Member.objects.bulk_update(todo.updates, [*sorted(names), "updated_at"], batch_size=1000)
