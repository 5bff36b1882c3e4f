"""The member roll import of §4: read a `.xlsx` or `.csv`, validate every row, then write the
whole file in one transaction, or nothing.

The same engine serves the upload screen (through a Celery task), the API and
`manage.py import_members`. Reading (`open_table`) refuses files before parsing them when they
are too large, of the wrong kind or in an unknown encoding; `validate` checks every row against
§3/§4 and the database with a constant number of queries (on PostgreSQL; per 5,000 rows
elsewhere); `plan` sorts the valid rows into new, changed and unchanged members (a dry run
stops there); `apply` writes.

A province's roll is 125,000 rows, so the per-row work is kept small: rows are checked column
by column, cells of the columns that repeat (gender, dates, union, ethnicity, ...) are parsed
once per distinct value, new members are written with COPY on PostgreSQL (a prepared
INSERT run over all rows elsewhere) rather than through the ORM, and on a re-import the
members already on the roll are compared by a digest of their fields computed in SQL, their
fields being read only where it differs.
"""

import codecs
import contextlib
import csv
import datetime
import hashlib
import html
import itertools
import operator
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from federation.signals import records_changed
from federation.text import clean_text, fold
from unions.models import Level, Status, Union

from . import validation as v
from .models import MOVEMENT_DELTA, Member, MemberStatus, Movement, MovementKind


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


# The template's columns, in order (§4). Headers match without case, diacritics, punctuation or
# a bracketed note ("Giới tính (Nam/Nữ)"); the English key and the aliases are accepted too.
COLUMNS = (
    Column("full_name", "Họ và tên", True, ("ho ten", "ho va ten doan vien", "ten doan vien", "name")),
    Column("gender", "Giới tính", True, ("gioi", "nam/nu", "sex")),
    Column("date_of_birth", "Ngày sinh", True, ("ngay thang nam sinh", "ngay sinh dd/mm/yyyy", "birth date", "dob")),
    Column("citizen_id", "Số CCCD", True, ("cccd", "so cccd/cmnd", "so cmnd/cccd", "cccd/cmnd", "cmnd/cccd",
                                          "so can cuoc", "can cuoc cong dan", "so can cuoc cong dan", "so dinh danh",
                                          "so dinh danh ca nhan", "citizen id number", "id number")),
    Column("joined_on", "Ngày vào Công đoàn", True, ("ngay vao cd", "ngay vao cong doan", "ngay ket nap",
                                                   "ngay ket nap cong doan", "ngay gia nhap cong doan", "joined")),
    Column("union_code", "Mã CĐCS", False, ("ma cong doan co so", "ma cd co so", "ma don vi", "ma cong doan", "union")),
    Column("ethnicity", "Dân tộc", False, ("ethnic",)),
    Column("religion", "Tôn giáo", False, ()),
    Column("job_title", "Nghề nghiệp, chức vụ", False, ("nghe nghiep", "chuc vu", "nghe nghiep chuc vu chinh quyen",
                                                       "job")),
    Column("union_position", "Chức vụ Công đoàn", False, ("chuc vu cd", "chuc vu cong doan")),
    Column("is_party_member", "Đảng viên", False, ("dang vien", "la dang vien", "party member")),
    Column("phone", "Số điện thoại", False, ("dien thoai", "sdt", "so dt", "dien thoai di dong")),
    Column("email", "Email", False, ("e-mail", "thu dien tu")),
    Column("member_code", "Mã đoàn viên", False, ("ma dv", "ma so doan vien", "ma the doan vien")),
    Column("address", "Địa chỉ", False, ("dia chi thuong tru", "noi o", "noi o hien nay", "cho o")),
)  # fmt: skip
REQUIRED = [c.key for c in COLUMNS if c.required]
MEMBER_FIELDS = [c.key for c in COLUMNS if c.key not in ("union_code",)]
_COLUMN_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_PUNCTUATION = re.compile(r"[^\w\s/-]")
_SPACES = re.compile(r"[\s_]+")


def _header_key(text: str) -> str:
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", _BRACKETED.sub(" ", fold(text)))).strip()


def header_lookup(columns) -> dict[str, str]:
    """Header text (as `_header_key` folds it) -> column key, for the headers, keys and aliases."""
    lookup = {}
    for column in columns:
        for name in (column.header, column.key, column.key.replace("_", " "), *column.aliases):
            lookup[_header_key(name)] = column.key
    return lookup


HEADER_LOOKUP = header_lookup(COLUMNS)


@dataclass(frozen=True)
class Layout:
    """One kind of file `open_table` reads: its columns, and how its header row is told from a
    title block (the first row, of the first 30, naming at least `min_known` of the columns, one
    of them in `anchors`). The messages name what the file should be and look like."""

    columns: tuple[Column, ...]
    anchors: frozenset[str]
    min_known: int
    wrong_type_message: str
    no_header_message: str  # a workbook
    no_header_csv_message: str

    @cached_property
    def lookup(self) -> dict[str, str]:
        return header_lookup(self.columns)


# The member roll (§4): the default of `open_table`.
ROLL = Layout(
    columns=COLUMNS,
    anchors=frozenset({"full_name", "citizen_id"}),
    min_known=3,
    wrong_type_message=gettext_lazy("Upload the roll as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."),
    no_header_message=gettext_lazy("No sheet has a header row (Họ và tên, Số CCCD, ...) in its first 30 rows."),
    no_header_csv_message=gettext_lazy("No header row (Họ và tên, Số CCCD, ...) in the first 30 rows."),
)


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
    """The roll in a file: `keys` are the column keys of the header row (None for ignored
    columns); `rows` yields (row number as Excel shows it, cells), cells aligned with `keys`."""

    sheet: str | None
    header_row: int
    keys: list[str | None]
    rows: Iterator[tuple[int, list]]
    warnings: list[Issue] = field(default_factory=list)
    # (row number, index in cells) of formula cells without a computed value (read as empty).
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    total: int = 0  # rows below the header, for the progress bar


# --- reading -----------------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, and password-protected .xlsx
_BINARY_MAGIC = (_OLE, b"PK\x03\x04", b"PK\x05\x06", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!",
                 b"7z\xbc\xaf", b"\x1f\x8b", b"II*\x00", b"MM\x00*")  # fmt: skip


def open_table(path: Path, filename: str, *, layout: Layout = ROLL, max_rows: int | None = None) -> Table:
    """The header and rows of the first sheet that has a header; refuses bad files early.
    `layout` says which columns the file has (the member roll's by default); `max_rows` caps a
    CSV's rows before they are read (default: the roll import's limit). The other limits are the
    roll import's (`settings.MEMBER_IMPORT`)."""
    limits = settings.MEMBER_IMPORT
    if max_rows is None:
        max_rows = limits["MAX_ROWS"]
    size = path.stat().st_size
    if size > limits["MAX_UPLOAD_BYTES"]:
        raise FileRefused(
            "file_too_large",
            _("The file is larger than %(mb)s MB.") % {"mb": limits["MAX_UPLOAD_BYTES"] // 1_000_000},
        )
    suffix = Path(filename).suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8)
    if suffix == ".xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FileRefused("unreadable_file", _("This file is not an Excel .xlsx workbook."))
        _check_zip(path, size, limits)
        return _open_xlsx(path, layout)
    if suffix == ".csv":
        if head.startswith(_BINARY_MAGIC):
            raise FileRefused("unreadable_file", _("This file is not a CSV file."))
        return _open_csv(path, layout, max_rows)
    raise FileRefused("unreadable_file", str(layout.wrong_type_message))


def _check_zip(path: Path, size: int, limits) -> None:
    """Refuse, from the archive's directory alone, what is not a plain workbook or would expand
    too much (a zip bomb is refused without decompressing anything)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused("unreadable_file", _("The workbook cannot be read.")) from exc
    names = {info.filename.lower() for info in infos}
    if "xl/workbook.xml" not in names:
        raise FileRefused("unreadable_file", _("This file is not an Excel .xlsx workbook."))
    if any(name.endswith("vbaproject.bin") for name in names):
        raise FileRefused("unreadable_file", _("Workbooks with macros (.xlsm) are not accepted."))
    expanded = sum(info.file_size for info in infos)
    if expanded > limits["MAX_XLSX_EXPANDED_BYTES"] or expanded > limits["MAX_XLSX_RATIO"] * max(size, 1):
        raise FileRefused("file_too_large", _("The workbook expands to more data than allowed."))


def _open_xlsx(path: Path, layout: Layout = ROLL) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            workbook = CalamineWorkbook.from_path(str(path))
            for meta in workbook.sheets_metadata:
                # Sheets in tab order; a hidden sheet is not what the user sees as the roll.
                if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
                    continue
                part = parts.get(meta.name)
                formulas = _formula_cells_without_value(archive, part) if part else set()
                table = _sheet_table(workbook.get_sheet_by_name(meta.name), meta.name, formulas, layout)
                if table is not None:
                    return table
    except (CalamineError, zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError, ValueError) as exc:
        raise FileRefused("unreadable_file", _("The workbook cannot be read.")) from exc
    raise FileRefused("no_header_row", str(layout.no_header_message))


_XML_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\b([^>]*)>")
_XML_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the archive member holding its XML, from the workbook and its relations."""
    by_lower = {info.filename.lower(): info.filename for info in archive.infolist()}

    def attributes(xml: bytes, tag: str) -> list[dict[str, str]]:
        found = []
        for match in _XML_TAG.finditer(xml):
            if match[1].decode() == tag:
                pairs = _XML_ATTR.findall(match[2])
                found.append({k.decode().split(":")[-1]: html.unescape(val.decode("utf-8")) for k, val in pairs})
        return found

    workbook = archive.read(by_lower["xl/workbook.xml"])
    rels_name = by_lower.get("xl/_rels/workbook.xml.rels")
    targets = {}
    if rels_name:
        for rel in attributes(archive.read(rels_name), "Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = by_lower.get(target.lower())
    return {sheet["name"]: targets.get(sheet.get("id")) for sheet in attributes(workbook, "sheet") if "name" in sheet}


_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')


def _formula_cells_without_value(archive: zipfile.ZipFile, part: str) -> set[tuple[int, int]]:
    """(row, 0-based column) of the formula cells of a sheet that have no stored result: calamine
    reads those as empty, and §4 wants them refused, not taken as blank. Streams the sheet's XML
    (a formula on every row, as in an `STT` column, costs a fraction of a second)."""
    cells: set[tuple[int, int]] = set()
    with archive.open(part) as stream:
        first = stream.read(1 << 20)
        prefix = re.search(rb"<(\w+:)?sheetData[\s>/]", first)
        prefix = (prefix[1] or b"") if prefix else b""
        cell_open, cell_close = b"<" + prefix + b"c ", b"</" + prefix + b"c>"
        formula = re.compile(rb"<" + re.escape(prefix) + rb"f[\s>/]")
        value_open = b"<" + prefix + b"v>"
        buffer, chunk = b"", first
        while True:
            buffer += chunk
            if chunk:
                cut = buffer.rfind(cell_close)
                if cut < 0:
                    # No complete cell yet: keep from the last cell that opened.
                    start = buffer.rfind(cell_open)
                    buffer = buffer[start:] if start >= 0 else buffer[-16:]
                    chunk = stream.read(1 << 20)
                    continue
                cut += len(cell_close)
                segment, buffer = buffer[:cut], buffer[cut:]
            else:
                segment, buffer = buffer, b""
            if b"<" + prefix + b"f" in segment:
                for match in formula.finditer(segment):
                    start = segment.rfind(cell_open, 0, match.start())
                    end = segment.find(cell_close, match.start())
                    if start < 0 or end < 0:
                        continue
                    head_end = segment.find(b">", start)
                    head = segment[start:head_end]
                    value = segment.find(value_open, head_end, end)
                    after = value + len(value_open)
                    if b't="str"' in head or (value >= 0 and segment[after : after + 1] != b"<"):
                        continue  # a stored result (an empty text result included)
                    ref = _CELL_REF.search(head)
                    if ref:
                        column = 0
                        for letter in ref[1]:
                            column = column * 26 + letter - 64
                        cells.add((int(ref[2]), column - 1))
            if not chunk:
                return cells
            chunk = stream.read(1 << 20)


def _sheet_table(sheet, name: str, formulas: set[tuple[int, int]], layout: Layout = ROLL) -> Table | None:
    if sheet.start is None:
        return None  # an empty sheet
    rows = iter(sheet.iter_rows())
    first = next(rows, None)
    if first is None:
        return None
    (start_row, start_col), (end_row, end_col) = sheet.start, sheet.end
    # python-calamine yields rows from the sheet's first row but columns from its first used
    # column; work out both offsets rather than rely on either.
    row_offset = start_row if start_row and any(cell not in _EMPTY for cell in first) else 0
    col_offset = start_col if len(first) == end_col - start_col + 1 else 0
    head = [first]
    while row_offset + len(head) < 30:
        row = next(rows, None)
        if row is None:
            break
        head.append(row)
    found = _find_header(head, layout)
    if found is None:
        return None
    header_index, keys, warnings = found
    header_row = row_offset + header_index + 1
    for warning in warnings:
        warning.sheet, warning.row = name, header_row
    formula_cells = {(r, c - col_offset) for r, c in formulas if r > header_row and c >= col_offset}
    last_formula_row = max((r for r, _c in formula_cells), default=0)

    def numbered():
        number = row_offset
        for row in itertools.chain(head, rows):
            number += 1
            if number > header_row:
                yield number, row
        # Formula cells without a value below the last row calamine saw (it reads them as empty).
        for extra in range(number + 1, last_formula_row + 1):
            yield extra, []

    total = max(end_row + 1 - header_row, 0)
    return Table(name, header_row, keys, numbered(), warnings, formula_cells, total)


def _open_csv(path: Path, layout: Layout, max_rows: int) -> Table:
    text = _decode(path.read_bytes())
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line ends
    # str.splitlines also breaks at characters that are no line end to csv (U+2028, ...): when
    # the text has one, split at line ends only.
    lines = list(_lines(text)) if _OTHER_BREAKS.search(text) else text.splitlines(keepends=True)
    del text
    best = None
    for delimiter in (",", ";", "\t", "|"):
        head = []
        with contextlib.suppress(csv.Error):  # a broken record: reported when the rows are read
            head.extend(itertools.islice(csv.reader(lines, delimiter=delimiter), 30))
        found = _find_header(head, layout)
        # The delimiter that finds the most template columns in the header wins.
        if found is not None and (best is None or _known(found[1]) > _known(best[2][1])):
            best = (delimiter, head, found)
    if best is None:
        raise FileRefused("no_header_row", str(layout.no_header_csv_message))
    delimiter, head, (header_index, keys, warnings) = best
    header_row = header_index + 1
    for warning in warnings:
        warning.row = header_row
    # More lines than allowed rows: count the records that are not blank (cheap next to checking them).
    if len(lines) - header_row > max_rows and _filled(_records(lines, delimiter, header_row)) > max_rows:
        raise FileRefused("too_many_rows", _too_many_rows(max_rows))
    rows = _records(lines, delimiter, header_row)
    return Table(None, header_row, keys, rows, warnings, total=max(len(lines) - header_row, 1))


def _filled(records) -> int:
    return sum(1 for _number, row in records if any(cell.strip() for cell in row))


_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused, not guessed."""
    if raw.startswith(codecs.BOM_UTF8):
        body, encoding = raw[3:], "utf-8"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        body, encoding = raw, "utf-16"
    else:
        body, encoding = raw, "utf-8"
        if b"\x00" in raw[:65536]:
            sample = raw[:65536]
            if sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4:
                encoding = None  # UTF-16 without a BOM
            else:
                raise FileRefused("unreadable_file", _("This file is not a CSV file."))
    try:
        if encoding is None:
            raise UnicodeError
        text = body.decode(encoding)
    except UnicodeError:
        raise FileRefused(
            "unsupported_encoding",
            _("The file is not UTF-8. In Excel, save it as “CSV UTF-8 (Comma delimited)” and upload it again."),
        ) from None
    if "\x00" in text:
        raise FileRefused("unreadable_file", _("This file is not a CSV file."))
    return text


def _records(lines: list[str], delimiter: str, skip: int) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, fields) of each CSV record after the first `skip`."""
    reader = csv.reader(lines, delimiter=delimiter)
    number = skip
    try:
        for _row in itertools.islice(reader, skip):
            pass
        for number, row in enumerate(reader, start=skip + 1):  # noqa: B007 (number is reported below)
            yield number, row
    except csv.Error as exc:
        raise FileRefused(
            "unreadable_file", _("Row %(row)s of the file cannot be read: check its quotes.") % {"row": number + 1}
        ) from exc


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends, lazily (the csv module joins quoted line breaks)."""
    start, find = 0, text.find
    while True:
        end = find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _known(keys) -> int:
    return sum(1 for k in keys if k)


def _too_many_rows(max_rows: int) -> str:
    return _("The file has more than %(n)s rows.") % {"n": number_format(max_rows, force_grouping=True)}


_EMPTY = (None, "")


def blank(value) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def filled_rows(table: Table, keys, limit: int, outcome: "FileOutcome", make: Callable) -> list:
    """The rows of `table` with something in a column of `keys` (an STT alone makes a blank row),
    each as `make(number, {key: cell}, {keys of formula cells without a value})`; none, with
    `too_many_rows` on `outcome`, past `limit`. For the files read whole in the request (unit
    files, recipients lists); the roll streams its rows instead."""
    columns = [(col, key) for col, key in enumerate(table.keys) if key in keys]
    formula_cells: dict[int, set[str]] = {}
    for number, col in table.formula_cells:
        key = table.keys[col] if col < len(table.keys) else None
        if key in keys:
            formula_cells.setdefault(number, set()).add(key)
    rows = []
    for number, cells in table.rows:
        values = {key: cells[col] if col < len(cells) else None for col, key in columns}
        formulas = formula_cells.get(number, set())
        if not formulas and all(blank(value) for value in values.values()):
            continue
        rows.append(make(number, values, formulas))
        if len(rows) > limit:
            outcome.errors.append(Issue("too_many_rows", _too_many_rows(limit), table.sheet))
            return []
    return rows


def _find_header(rows: list[list], layout: Layout = ROLL) -> tuple[int, list[str | None], list[Issue]] | None:
    lookup = layout.lookup
    for index, row in enumerate(rows):
        keys = [lookup.get(_header_key(str(cell))) if cell not in _EMPTY else None for cell in row]
        known = {k for k in keys if k}
        if len(known) >= layout.min_known and not known.isdisjoint(layout.anchors):
            warnings, seen = [], set()
            for col, (cell, key) in enumerate(zip(row, keys, strict=False)):
                if key in seen:
                    keys[col] = key = None  # a second column for the same key: the first one counts
                if key:
                    seen.add(key)
                elif cell not in _EMPTY and str(cell).strip():
                    name = " ".join(str(cell).split())
                    warnings.append(
                        Issue(
                            "ignored_column",
                            _("Column “%(name)s” is not in the template: ignored.") % {"name": name},
                            column=name,
                        )
                    )
            return index, keys, warnings
    return None


# --- validating --------------------------------------------------------------------------------


@dataclass
class ValidRows:
    """The rows of a file that passed validation, kept column by column (a province's roll is
    125,000 rows: columns are what `plan` and `apply` work on). `columns[field][i]`, `unions[i]`
    and `numbers[i]` describe the i-th row read; `valid` lists the rows without errors, and
    `existing` maps those of members already active in the same union to (member id, the
    stored values of the compared fields), or to (member id, None) when those are known to be
    the row's own."""

    fields: list[str]
    numbers: list[int]
    unions: list
    columns: dict[str, list]
    valid: list[int]
    existing: dict[int, tuple[int, tuple]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.valid)

    @classmethod
    def none(cls) -> "ValidRows":
        return cls([], [], [], {}, [])


@dataclass
class FileOutcome:
    """What importing a file reports (§4's JSON): `status` ("imported"; "valid": a check without
    errors; "invalid": nothing written), the rows read, the counts named in `REPORTED`, then
    warnings and errors. The roll, unit and recipients imports each add their counts."""

    REPORTED: ClassVar[tuple[str, ...]] = ()

    status: str = "invalid"
    rows: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "rows": self.rows,
            **{name: getattr(self, name) for name in self.REPORTED},
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class Outcome(FileOutcome):
    REPORTED: ClassVar[tuple[str, ...]] = ("created", "updated", "unchanged")

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: dict = field(default_factory=dict)


@dataclass
class Scope:
    """Where the rows may go: the federation, the uploader's subtree, and a fixed union when the
    upload is for one grassroots union."""

    federation_id: int
    path: str
    union: Union | None = None


def fields_of(present) -> list[str]:
    """The member fields a file sets, in a fixed order (columns absent from it are left alone)."""
    return [f for f in MEMBER_FIELDS if f in present]


_PARSERS = {
    "full_name": v.parse_full_name,
    "gender": v.parse_gender,
    "date_of_birth": v.parse_date,
    "joined_on": v.parse_date,
    "ethnicity": v.parse_ethnicity,
    "religion": partial(v.parse_text, limit=100),
    "job_title": v.parse_text,
    "union_position": v.parse_text,
    "is_party_member": v.parse_flag,
    "phone": v.parse_phone,
    "email": v.parse_email,
    "member_code": partial(v.parse_text, limit=32),
    "address": v.parse_text,
}
# Columns whose values are mostly distinct: parsing them through a cache only costs memory.
_UNCACHED = {"phone", "email", "member_code"}
_Invalid = v.Invalid


def _formula_error() -> v.Invalid:
    return v.Invalid("formula_not_allowed", _("A cell may not start with = + - or @."))


@dataclass
class _Parser:
    """parse(cell) -> value, or the `Invalid` it raised (returned, not raised: cheaper over a
    whole column). `cache` maps each distinct cell to its result, when the column repeats."""

    parse: Callable
    cache: dict | None


def _cell_parser(key: str, parse: Callable) -> _Parser:
    """Text that starts like a formula is refused in every column, except a phone number's
    leading + (+84 912 345 678)."""
    prefixes = ("=", "-", "@") if key == "phone" else v.FORMULA_PREFIXES

    def attempt(value):
        if value.__class__ is str and value.lstrip().startswith(prefixes):
            return _formula_error()
        try:
            return parse(value)
        except _Invalid as exc:
            return exc

    if key in _UNCACHED:
        blank = attempt("")
        return _Parser(lambda value: blank if value is None or value == "" else attempt(value), None)
    return _cached(attempt)


def _cached(function: Callable) -> _Parser:
    cache: dict = {}

    def cached(value):
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = function(value)
            return result

    return _Parser(cached, cache)


def _union_problem(code: str, level: str, status: str) -> v.Invalid | None:
    if level != Level.GRASSROOTS:
        return v.Invalid("union_not_grassroots", _("%(code)s is not a grassroots union.") % {"code": code})
    if status != Status.ACTIVE:
        return v.Invalid("union_closed", _("The union %(code)s is closed.") % {"code": code})
    return None


def _union_parser(scope: Scope) -> _Parser:
    unions = {
        code: (pk, path, level, status)
        for pk, code, path, level, status in Union.objects.filter(federation_id=scope.federation_id).values_list(
            "pk", "code", "path", "level", "status"
        )
    }
    fixed = scope.union

    def resolve(raw):
        text = v.as_text(raw).strip()
        if not text:
            if fixed is not None:
                return fixed.pk
            return v.Invalid("missing_value", _("Enter the grassroots union's code."))
        if text.startswith(v.FORMULA_PREFIXES):
            return _formula_error()
        code = clean_text(text).upper()  # as `Union.save` stores codes
        found = unions.get(code)
        if found is None:
            return v.Invalid("unknown_union", _("No union has the code %(code)s.") % {"code": code})
        pk, path, level, status = found
        if not path.startswith(scope.path) or (fixed is not None and pk != fixed.pk):
            return v.Invalid("union_out_of_scope", _("The union %(code)s is outside your unit.") % {"code": code})
        return _union_problem(code, level, status) or pk

    return _cached(resolve)


def validate(
    table: Table, scope: Scope, *, today: datetime.date | None = None, progress: Callable[[int], None] | None = None
) -> tuple[ValidRows, Outcome]:
    """Check every row; the valid ones, and the outcome with every error and warning (sorted by
    row, then by column in template order).

    Rows are read first, then checked a column at a time: most columns repeat a few values
    (gender, dates, union, ethnicity), parsed once each; what depends on several columns (the
    citizen ID against gender and birth, dates against each other, duplicates) is one lean loop.
    """
    today = today or timezone.localdate()
    outcome = Outcome(warnings=list(table.warnings))
    errors = outcome.errors
    sheet = table.sheet
    present = {k for k in table.keys if k}
    missing = [k for k in REQUIRED if k not in present]
    if "union_code" not in present and scope.union is None:
        missing.append("union_code")
    for key in missing:
        header = next(c.header for c in COLUMNS if c.key == key)
        errors.append(Issue("missing_column", _("The column “%(header)s” is missing.") % {"header": header}, sheet))
    if scope.union is not None:
        problem = _union_problem(scope.union.code, scope.union.level, scope.union.status)
        if problem is not None:
            errors.append(Issue(problem.code, problem.message, sheet))
    if errors:
        return ValidRows.none(), outcome

    index = [(col, key) for col, key in enumerate(table.keys) if key]
    cols = [col for col, _key in index]
    keys = [key for _col, key in index]
    formula_cells: dict[int, list[int]] = {}  # row number -> positions in `keys`
    for number, col in table.formula_cells:
        if col in cols:
            formula_cells.setdefault(number, []).append(cols.index(col))

    # 1. Read: the cells of the mapped columns of every row that is not blank.
    width = max(cols) + 1
    pick = operator.itemgetter(*cols) if len(cols) > 1 else (lambda cells: (cells[cols[0]],))
    max_rows = settings.MEMBER_IMPORT["MAX_ROWS"]
    numbers: list[int] = []
    data: list[tuple] = []
    rows = iter(table.rows)
    while True:
        try:
            number, cells = next(rows)
        except StopIteration:
            break
        except FileRefused as exc:  # a CSV record that cannot be read, far down the file
            outcome.errors[:] = [exc.issue]
            return ValidRows.none(), outcome
        values = pick(cells) if len(cells) >= width else tuple(cells[c] if c < len(cells) else None for c in cols)
        for value in values:
            if value and not (value.__class__ is str and value.isspace()):
                break
        else:
            if number not in formula_cells:
                continue  # a blank row
        numbers.append(number)
        data.append(values)
        if len(numbers) > max_rows:
            errors.append(Issue("too_many_rows", _too_many_rows(max_rows), sheet))
            outcome.rows = max_rows
            return ValidRows.none(), outcome
        if progress is not None and len(numbers) % 10000 == 0:
            progress(len(numbers) // 2)
    count = outcome.rows = len(numbers)
    columns = list(zip(*data, strict=True)) if data else [()] * len(keys)
    del data
    bad = bytearray(count)  # 1 for a row with an error

    def fail(i: int, code: str, message: str, column: str) -> None:
        bad[i] = 1
        errors.append(Issue(code, message, sheet, numbers[i], column))

    skip: dict[int, set[int]] = {}  # position in `keys` -> rows whose cell is a formula without value
    if formula_cells:
        row_of = {number: i for i, number in enumerate(numbers)}
        formula_message = _("A formula without a computed value.")
        for number, positions in formula_cells.items():
            if number in row_of:
                for position in positions:
                    skip.setdefault(position, set()).add(row_of[number])
                    fail(row_of[number], "formula_not_allowed", formula_message, keys[position])

    # 2. Each column on its own.
    parsed: dict[str, list] = {}
    for position, key in enumerate(keys):
        if key == "citizen_id":
            continue
        parser = _union_parser(scope) if key == "union_code" else _cell_parser(key, _PARSERS[key])
        results = list(map(parser.parse, columns[position]))
        skipped = skip.get(position, ())
        if parser.cache is not None:
            wrong = {raw for raw, result in parser.cache.items() if result.__class__ is _Invalid}
            failed = [i for i, raw in enumerate(columns[position]) if raw in wrong] if wrong else ()
        else:
            failed = [i for i, result in enumerate(results) if result.__class__ is _Invalid]
        for i in failed:
            if i not in skipped:
                fail(i, results[i].code, results[i].message, key)
            results[i] = None
        for i in skipped:
            results[i] = None
        parsed[key] = results
        if progress is not None and count:
            progress(count // 2 + count * (position + 1) // (2 * len(keys)))

    # 3. What spans columns, row by row.
    future_message = _("The date is in the future.")
    young_message = _("A member joins at 15 or older.")
    padded_message = _("Leading zeros of the citizen ID were restored.")
    genders, borns, joins = parsed["gender"], parsed["date_of_birth"], parsed["joined_on"]
    raw_ids = columns[keys.index("citizen_id")]
    id_skipped = skip.get(keys.index("citizen_id"), ())
    codes = parsed.get("member_code")
    citizen_ids: list[str | None] = [None] * count
    provinces = v.PROVINCE_CODES_2024
    expected_digits = _memo(lambda gender_year: v.century_digit(*gender_year) + f"{gender_year[1] % 100:02d}")

    def flag_duplicates(values: list, column: str, code: str, text: str) -> None:
        """A value on several rows: an error on each later row, and one on the first."""
        first_row: dict = {}
        flagged: set[int] = set()
        for i, value in enumerate(values):
            if not value:
                continue
            first = first_row.setdefault(value, i)
            if first != i:
                message = text % {"first": numbers[first], "row": numbers[i]}
                fail(i, code, message, column)
                if first not in flagged:
                    flagged.add(first)
                    fail(first, code, message, column)

    for i in range(count):
        gender, born, joined = genders[i], borns[i], joins[i]
        if born is not None and born > today:
            fail(i, "date_in_future", future_message, "date_of_birth")
            born = None
        if joined is not None:
            if joined > today:
                fail(i, "date_in_future", future_message, "joined_on")
            elif born is not None and joined.year - born.year < 16 and v.age_on(born, joined) < 15:
                fail(i, "too_young", young_message, "joined_on")
        if i in id_skipped:
            continue
        raw = raw_ids[i]
        if (
            raw.__class__ is str
            and len(raw) == 12
            and raw.isascii()
            and raw.isdigit()
            and gender is not None
            and born is not None
            and raw[:3] in provinces
            and raw[3:6] == expected_digits((gender, born.year))
        ):
            cid = raw  # the common case, checked as `parse_citizen_id` would
        else:
            try:
                cid, padded = v.parse_citizen_id(raw, gender=gender, born=born)
            except _Invalid as exc:
                fail(i, exc.code, exc.message, "citizen_id")
                continue
            if padded:
                outcome.warnings.append(
                    Issue("citizen_id_zero_padded", padded_message, sheet, numbers[i], "citizen_id")
                )
        citizen_ids[i] = cid
    flag_duplicates(
        citizen_ids, "citizen_id", "duplicate_in_file", _("The same citizen ID is on rows %(first)s and %(row)s.")
    )
    if codes is not None:
        flag_duplicates(
            codes, "member_code", "duplicate_member_code", _("The same member code is on rows %(first)s and %(row)s.")
        )
    parsed["citizen_id"] = citizen_ids

    # 4. The valid rows.
    fields = fields_of(present)
    unions = parsed["union_code"] if "union_code" in parsed else [scope.union.pk] * count
    valid = list(itertools.compress(range(count), (not wrong for wrong in bad)))
    rows = ValidRows(fields, numbers, unions, {f: parsed[f] for f in fields}, valid)
    _check_against_database(rows, scope, outcome, sheet)
    errors.sort(key=lambda e: (e.row or 0, _COLUMN_ORDER.get(e.column, 99)))
    outcome.warnings.sort(key=lambda w: w.row or 0)
    return rows, outcome


def _check_against_database(rows: ValidRows, scope: Scope, outcome: Outcome, sheet) -> None:
    """member_in_other_union and duplicate_member_code against the stored roll, with a constant
    number of queries. Rows of members already active in the same union are noted in `existing`
    for `plan`, which then compares without asking again: with the member's stored values, or
    with None when those are known to be the row's own.

    A row is matched to the federation's active member with its citizen ID, wherever the member
    is (the ID is unique among them all: one outside the upload's scope is reported too, as
    `member_in_other_union`). On PostgreSQL that is one query, which returns an MD5 of each
    member's compared fields (`_digest_sql`) rather than the fields; the row's digest is
    computed from the same text (`_settle_digests`), and only the members whose digest differs
    are read in full (one more query), to be compared field by field. Elsewhere (SQLite, the
    default database of development and tests) the stored fields are read as before, 5,000
    citizen IDs a query: SQLite has no MD5, and one registered on its connections would run the
    same Python per row as comparing the fields does, saving neither time nor, at the sizes
    SQLite serves, memory worth a second way of writing the digest."""
    fields = rows.fields
    compared = [f for f in fields if f != "citizen_id"]
    citizen_ids = rows.columns["citizen_id"]
    digest = _digest_sql(compared) if connection.vendor == "postgresql" else None
    active = _active_members(list({citizen_ids[i] for i in rows.valid}), compared, scope, digest)
    codes = rows.columns.get("member_code")
    taken = {}
    if codes is not None:
        taken = _members_with_codes(list({codes[i] for i in rows.valid if codes[i]}))
    if not active and not taken:
        return
    keep, elsewhere = [], []  # elsewhere: (row, union id) of members active in another union
    for i in rows.valid:
        found = active.get(citizen_ids[i])
        member_id, row_ok = None, True
        if found is not None:
            pk, union_id, stored = found
            if union_id == rows.unions[i]:
                member_id = pk
                rows.existing[i] = (pk, stored)
            else:
                elsewhere.append((i, union_id))
                row_ok = False
        if taken and codes[i] and codes[i] in taken and taken[codes[i]] != member_id:
            message = _("Another member has this member code.")
            outcome.errors.append(Issue("duplicate_member_code", message, sheet, rows.numbers[i], "member_code"))
            row_ok = False
        if row_ok:
            keep.append(i)
        else:
            rows.existing.pop(i, None)
    rows.valid = keep
    del active
    if elsewhere:
        union_codes = dict(Union.objects.filter(pk__in={u for _i, u in elsewhere}).values_list("pk", "code"))
        for i, union_id in elsewhere:
            message = _("This person is an active member of union %(code)s: use a transfer.") % {
                "code": union_codes[union_id]
            }
            outcome.errors.append(Issue("member_in_other_union", message, sheet, rows.numbers[i], "citizen_id"))
    if digest is not None and rows.existing:
        _settle_digests(rows, compared)


def _active_members(citizen_ids: list[str], compared: list[str], scope: Scope, digest: str | None) -> dict:
    """citizen ID -> (member id, union id, stored) of the federation's active members with these
    IDs; `stored` is the digest of the compared fields when `digest` (its SQL) is given, else
    the tuple of their values."""
    if not citizen_ids:
        return {}
    quote = connection.ops.quote_name
    if digest is not None:
        columns = f", {digest}"
    else:
        columns = "".join(f", m.{quote(Member._meta.get_field(f).column)}" for f in compared)
    sql = (
        f"SELECT m.citizen_id, m.id, m.union_id{columns} FROM {quote(Member._meta.db_table)} m "
        "WHERE m.federation_id = %s AND m.status = %s AND m.citizen_id "
    )
    active = {}
    with connection.cursor() as cursor:
        if digest is not None:
            # One query for the whole file, the IDs as one text[] literal (parsed much faster than
            # as many parameters): PostgreSQL hashes them and scans the roll once.
            cursor.execute(sql + "= ANY(%s::text[])", [scope.federation_id, MemberStatus.ACTIVE, _array(citizen_ids)])
            for cid, pk, union_id, stored in cursor:
                active[cid] = (pk, union_id, stored)
            return active
        converters = _converters_from_db(compared)
        for chunk in _chunks(citizen_ids, 5000):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(sql + f"IN ({placeholders})", [scope.federation_id, MemberStatus.ACTIVE, *chunk])
            for cid, pk, union_id, *stored in cursor.fetchall():
                for i, convert in converters:
                    stored[i] = convert(stored[i])
                active[cid] = (pk, union_id, tuple(stored))
    return active


def _members_with_codes(codes: list[str]) -> dict[str, int]:
    """member code -> member id, of every member (any federation, any status) with one of these."""
    if not codes:
        return {}
    if connection.vendor != "postgresql":
        taken = {}
        for chunk in _chunks(codes, 5000):
            taken.update(Member.objects.filter(member_code__in=chunk).values_list("member_code", "pk"))
        return taken
    quote = connection.ops.quote_name
    column = quote(Member._meta.get_field("member_code").column)
    sql = f"SELECT {column}, id FROM {quote(Member._meta.db_table)} WHERE {column} = ANY(%s::text[])"
    with connection.cursor() as cursor:
        cursor.execute(sql, [_array(codes)])
        return dict(cursor.fetchall())


def _array(values: list[str]) -> str:
    """The text of a PostgreSQL array holding these strings: each quoted, `"` and `\\` escaped."""
    text = '","'.join(values)
    if "\\" in text or text.count('"') > 2 * (len(values) - 1):  # more quotes than the separators'
        text = '","'.join(value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return '{"' + text + '"}' if values else "{}"


# The digest of a member's compared fields (PostgreSQL): the MD5 of their texts, in the order of
# `compared`, joined by the unit separator U+001F. A text field is its own text; a date, its
# number of days from 1 January 2000; a flag, "t" or "f". A NULL makes the stored digest NULL;
# a row has no digest when one of its texts holds the separator (or a value is of a kind the
# field does not take). Equal digests then mean equal joined texts, short of an MD5 collision
# (which would need both texts chosen, one of them already stored, and would only skip
# rewriting a member with what it holds): both have exactly one separator fewer than fields,
# so neither side's fields hold one, the texts split back one way only, and the values are
# equal as `plan` compares them. A missing or unequal digest only sends the row to the exact
# field-by-field comparison: exactness never depends on both sides computing the same digest.
# MD5 rather than SHA-256: PostgreSQL 15 computes it in about a third of the time.
_SEPARATOR = "\x1f"
_DAY_ZERO = datetime.date(2000, 1, 1)


def _digest_sql(compared: list[str]) -> str | None:
    """The SQL of the digest of member `m`'s `compared` fields; None when one of them is of a
    kind the digest does not cover (the values are read then)."""
    if not compared:
        return None
    quote = connection.ops.quote_name
    texts = []
    for name in compared:
        model_field = Member._meta.get_field(name)
        column = f"m.{quote(model_field.column)}"
        kind = model_field.get_internal_type()
        if kind == "DateField":
            texts.append(f"({column} - DATE '{_DAY_ZERO.isoformat()}')::text")
        elif kind == "BooleanField":
            texts.append(f"CASE WHEN {column} THEN 't' WHEN NOT {column} THEN 'f' END")
        elif kind in _TEXT:
            texts.append(column)
        else:
            return None
    return "md5({})".format(f" || chr({ord(_SEPARATOR)}) || ".join(texts))


def _digest_texts(compared: list[str]) -> list[Callable[[tuple], list] | None]:
    """For each compared field: values -> their texts in the digest, as `_digest_sql` writes
    them (None for a value of a kind the field does not take); None for a text field, whose
    values are their own texts."""
    zero = _DAY_ZERO.toordinal()
    day = _memo(lambda value: str(value.toordinal() - zero) if value.__class__ is datetime.date else None)

    def days(values: tuple) -> list:
        return list(map(day, values))

    def flags(values: tuple) -> list:
        return [("t" if value else "f") if value.__class__ is bool else None for value in values]

    kinds = {"DateField": days, "BooleanField": flags}
    return [kinds.get(Member._meta.get_field(name).get_internal_type()) for name in compared]


def _settle_digests(rows: ValidRows, compared: list[str]) -> None:
    """Turn the digests in `rows.existing` into None where the row's own digest is the same, and
    into the member's stored values (read in one query) where it is not."""
    md5, separator, width = hashlib.md5, _SEPARATOR, len(compared) - 1
    encoders = list(zip(_digest_texts(compared), [rows.columns[name] for name in compared], strict=True))
    existing = rows.existing
    differ: dict[int, int] = {}  # member id -> row
    indices = list(existing)
    for start in range(0, len(indices), 5000):  # 5,000 rows at a time: their texts stay small
        chunk = indices[start : start + 5000]
        pick = operator.itemgetter(*chunk) if len(chunk) > 1 else (lambda column, i=chunk[0]: (column[i],))
        texts = [pick(column) if encode is None else encode(pick(column)) for encode, column in encoders]
        for i, parts in zip(chunk, zip(*texts, strict=True), strict=True):
            pk, stored = existing[i]
            try:
                text = separator.join(parts)
            except TypeError:  # a None among the texts: no digest
                text = None
            # A text holding the separator itself: no digest either (see above).
            if (
                text is not None
                and stored is not None
                and text.count(separator) == width
                and md5(text.encode("utf-8", "surrogatepass")).hexdigest() == stored
            ):
                existing[i] = (pk, None)
            else:
                differ[pk] = i
    if not differ:
        return
    quote = connection.ops.quote_name
    columns = "".join(f", {quote(Member._meta.get_field(f).column)}" for f in compared)
    sql = f"SELECT id{columns} FROM {quote(Member._meta.db_table)} WHERE id = ANY(%s::bigint[])"
    with connection.cursor() as cursor:
        cursor.execute(sql, ["{" + ",".join(map(str, differ)) + "}"])
        found = {pk: tuple(stored) for pk, *stored in cursor.fetchall()}
    for pk, i in differ.items():
        if pk in found:
            existing[i] = (pk, found[pk])
        else:  # deleted since the first query: a new member, as it would be found now
            del existing[i]


def _converters_from_db(names: list[str]) -> list[tuple[int, Callable]]:
    """Turn what the database driver returns for these fields into the values Django would give
    (SQLite returns dates as text and booleans as integers; psycopg returns Python values)."""
    converters = []
    if connection.vendor == "postgresql":
        return converters
    for i, name in enumerate(names):
        model_field = Member._meta.get_field(name)
        kind = model_field.get_internal_type()
        if kind == "DateField":
            converters.append(
                (i, _memo(lambda value: datetime.date.fromisoformat(value) if isinstance(value, str) else value))
            )
        elif kind == "BooleanField":
            converters.append((i, bool))
    return converters


def _memo(function: Callable) -> Callable:
    cache: dict = {}

    def cached(value):
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = function(value)
            return result

    return cached


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- writing -----------------------------------------------------------------------------------


@dataclass
class Plan:
    rows: ValidRows
    creates: list[int]  # indices of the rows of new members
    updates: list[Member]
    changed_fields: set[str]


def plan(rows: ValidRows, scope: Scope, outcome: Outcome, *, present: set[str]) -> Plan:
    """Sort valid rows into new members and changed or unchanged existing ones (a dry run stops
    here). Fields whose column is absent from the file are left as they are."""
    fields = rows.fields
    compared = [f for f in fields if f != "citizen_id"]
    columns = [rows.columns[f] for f in compared]
    result = Plan(rows, [i for i in rows.valid if i not in rows.existing], [], set())
    for i, (member_id, stored) in rows.existing.items():
        if stored is None:  # the same values: their digests agree (`_check_against_database`)
            outcome.unchanged += 1
            continue
        before = {}
        for name, column, old in zip(compared, columns, stored, strict=True):
            if old != column[i]:
                before[name] = old.isoformat() if isinstance(old, datetime.date) else old
        if before:
            outcome.changes[str(member_id)] = before
            result.changed_fields.update(before)
            result.updates.append(Member(pk=member_id, **{f: rows.columns[f][i] for f in fields}))
        else:
            outcome.unchanged += 1
    outcome.created, outcome.updated = len(result.creates), len(result.updates)
    return result


def apply(todo: Plan, scope: Scope, *, batch=None, by=None, progress: Callable[[float], None] | None = None) -> None:
    """Write a plan: new members, each with an `admitted` movement on its join date, and the
    changed fields of existing ones. The caller holds the transaction. `progress` is told the
    share of the rows written so far (0 to 1) as the writing goes."""
    progress = progress or (lambda share: None)
    now = timezone.now()
    records_changed.send(sender=Member)
    derived = _memo(Member.derived_names)  # full name -> (search text, sort key): names repeat
    if todo.creates:
        _create_members(todo, scope, batch=batch, by=by, now=now, derived=derived, progress=progress)
    if todo.updates:
        changed = set(todo.changed_fields)
        if "full_name" in changed:
            changed |= {"search_text", "sort_name"}
        for member in todo.updates:
            member.search_text, member.sort_name = derived(member.full_name)
            member.updated_at = now
        Member.objects.bulk_update(todo.updates, [*sorted(changed), "updated_at"], batch_size=1000)
    progress(1.0)


def _create_members(todo: Plan, scope: Scope, *, batch, by, now, derived, progress) -> None:
    rows, creates = todo.rows, todo.creates
    total = 2 * len(creates)  # a member and a movement each
    fields = rows.fields
    every = len(creates) == len(rows.numbers)  # every row read is a new member: a first import

    def pick(column: list) -> list:
        return column if every else [column[i] for i in creates]

    # Same for every new member, and per member; a field the file leaves out keeps its default.
    constants = {
        f.name: f.get_default() for f in Member._meta.concrete_fields if not f.primary_key and f.name not in fields
    }
    constants.update(
        federation=scope.federation_id,
        status=MemberStatus.ACTIVE,
        created_by_import=batch.pk if batch is not None else None,
        created_at=now,
        updated_at=now,
    )
    for name in ("union", "search_text", "sort_name"):
        constants.pop(name)
    variables = {"union": pick(rows.unions), **{f: pick(rows.columns[f]) for f in fields}}
    names = list(map(derived, variables["full_name"]))
    variables["search_text"] = [pair[0] for pair in names]
    variables["sort_name"] = [pair[1] for pair in names]
    del names
    if connection.vendor == "postgresql":
        ids = variables["id"] = _reserve_ids(Member, len(creates))
        _insert(Member, constants, variables, written=lambda n: progress(n / total))
    elif connection.vendor == "sqlite":
        first = _insert(Member, constants, variables, first_id=True, written=lambda n: progress(n / total))
        ids = range(first, first + len(creates))
    else:
        _insert(Member, constants, variables)
        found = {}
        for chunk in _chunks(variables["citizen_id"], 5000):
            found.update(
                Member.objects.filter(
                    federation_id=scope.federation_id, status=MemberStatus.ACTIVE, citizen_id__in=chunk
                ).values_list("citizen_id", "pk")
            )
        ids = [found[cid] for cid in variables["citizen_id"]]

    movement = {f.name: f.get_default() for f in Movement._meta.concrete_fields if not f.primary_key}
    movement.update(
        kind=MovementKind.ADMITTED,
        delta=MOVEMENT_DELTA[MovementKind.ADMITTED],
        import_batch=batch.pk if batch is not None else None,
        created_by=by.pk if by is not None else None,
        created_at=now,
    )
    for name in ("member", "union", "date"):
        movement.pop(name)
    half = len(creates)
    _insert(
        Movement,
        movement,
        {"member": ids, "union": variables["union"], "date": variables["joined_on"]},
        written=lambda n: progress((half + n) / total),
    )


def _reserve_ids(model, count: int) -> list[int]:
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count])
        return [row[0] for row in cursor.fetchall()]


def _insert(
    model, constants: dict, variables: dict[str, list], *, first_id: bool = False, written: Callable | None = None
) -> int | None:
    """Insert many rows at once: `constants` (field -> value) are the same in every row,
    `variables` (field -> one value per row) are not. COPY on PostgreSQL, a prepared INSERT run
    for every row elsewhere; every constraint of the table still applies. With `first_id`
    (SQLite), the first row goes alone and its id is returned: holding the write lock from then
    on, the other rows get the next ids in turn (AUTOINCREMENT neither reuses nor skips one)."""
    meta = model._meta
    # A constant NULL is the column's own default: leaving it out keeps COPY free of NULLs.
    constants = {name: value for name, value in constants.items() if value is not None}
    names = [*constants, *variables]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy_expert"):
            prefix = "\t".join(_copy_text(meta.get_field(name))([value])[0] for name, value in constants.items())
            texts = [_copy_text(meta.get_field(name))(values) for name, values in variables.items()]
            if prefix:
                texts.insert(0, itertools.repeat(prefix))
            lines = map("\t".join, zip(*texts, strict=False))  # strict=False: the prefix repeats forever
            sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
            raw.copy_expert(sql, _CopyStream(lines, written), size=1 << 20)
            return None
        head = [_adapter(meta.get_field(name))(value) for name, value in constants.items()]
        adapted = []
        for name, values in variables.items():
            adapt = _adapter(meta.get_field(name))
            adapted.append(values if adapt is _same else map(adapt, values))
        return _execute_many(cursor, meta.db_table, columns, len(names), head, adapted, first_id, written)


def _execute_many(cursor, table: str, columns: str, width: int, head: list, adapted: list, first_id, written=None):
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) VALUES ({', '.join(['%s'] * width)})"
    head = tuple(head)
    records = (head + values for values in zip(*adapted, strict=True))
    first = None
    if first_id:
        record = next(records, None)
        if record is None:
            return None
        cursor.execute(sql, record)
        first = cursor.lastrowid
    done = 0 if first is None else 1
    while chunk := list(itertools.islice(records, 5000)):
        cursor.executemany(sql, chunk)
        done += len(chunk)
        if written is not None:
            written(done)
    return first


class _CopyStream:
    """A file to read COPY's text from, written from `lines` as PostgreSQL reads it."""

    def __init__(self, lines: Iterator[str], written: Callable[[int], None] | None = None):
        self.lines = lines
        self.buffer = ""
        self.read_lines = 0  # handed to PostgreSQL so far (`written` is told, for the progress bar)
        self.written = written

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self.buffer) < size:
            chunk = list(itertools.islice(self.lines, 5000))
            if not chunk:
                break
            self.buffer += "\n".join(chunk) + "\n"
            self.read_lines += len(chunk)
            if self.written is not None:
                self.written(self.read_lines)
        if size < 0 or len(self.buffer) <= size:
            text, self.buffer = self.buffer, ""
        else:
            text, self.buffer = self.buffer[:size], self.buffer[size:]
        return text


def _copy_text(model_field) -> Callable[[list], list[str]]:
    """A column of values -> their text in COPY's default format. No value is NULL (constant
    NULLs are left out, every per-row value is set) and cells are cleaned of tabs and line
    breaks, so a backslash is the only character to escape."""
    kind = model_field.get_internal_type()
    if kind in ("DateField", "DateTimeField"):
        text = _memo(lambda value: value.isoformat())
        return lambda values: list(map(text, values))
    if kind == "BooleanField":
        return lambda values: ["t" if value else "f" for value in values]
    if kind in _TEXT:
        return lambda values: [v.replace("\\", "\\\\") for v in values] if "\\" in "".join(values) else values
    return lambda values: list(map(str, values))


_TEXT = {"CharField", "TextField", "EmailField", "SlugField", "URLField"}


def _adapter(model_field) -> Callable:
    """value -> what the backend's driver is given for this field (cached: dates repeat)."""
    kind = model_field.get_internal_type()
    if kind == "DateField":
        return _memo(connection.ops.adapt_datefield_value)
    if kind == "DateTimeField":
        return _memo(connection.ops.adapt_datetimefield_value)
    return _same


def _same(value):
    return value
