"""Units (§2) loaded from a file: a `.xlsx` or `.csv` list of unions, validated whole before
anything is written, then created or updated through `services.union_create` /
`services.union_update` in one transaction (tree paths, positions and the audit trail as for
a unit created on screen), or nothing at all.

The file is read by the roll import's reader (`members.importing.open_table`) with this file's
columns, so title blocks, merged cells, formulas, blank rows, several sheets (the first with a
header row, never "the active one"), encodings and the size limits behave as for a roll.
Columns (headers as in the list below; the English key, case and diacritics ignored):

| key | header | rule |
|---|---|---|
| `row_number` | STT | read and ignored |
| `code` | Mã đơn vị | required; letters, digits, `. _ -`; kept as text (leading zeros stay) |
| `name` | Tên đơn vị | required |
| `level` | Cấp | cơ sở / grassroots, cấp trên trực tiếp / superior; guessed from the kind when blank |
| `kind` | Loại hình | a `Kind`: its key, or its label in Vietnamese or English |
| `sector` | Khu vực | a `Sector` likewise; required for a grassroots union, none for a superior one |
| `parent_code` | Mã đơn vị cấp trên | a direct-superior union (stored or in the file); empty: the federation |
| `tax_code` | Mã số thuế | 10 digits or 10-3; a 9-digit number gets its leading zero back (a warning) |
| `worker_count` | Số lao động | a whole number |
| `established_on` | Ngày thành lập | dd/mm/yyyy, yyyy-mm-dd or a real date; never month-first |
| `address` | Địa chỉ | text |

Keyed on the code: a code new to the federation creates a unit, a code it has updates that
unit's own data (reported `updated` or `unchanged`), provided the unit is in the importer's
scope. Moving a unit or changing its level is a reorganization (§7), never an import.
Columns absent from the file leave the stored values as they are.

Error codes: §4's `missing_column`, `no_header_row`, `unreadable_file`, `file_too_large`,
`too_many_rows`, `unsupported_encoding`, `missing_value`, `invalid_date`, `date_in_future`,
`duplicate_in_file`, `unknown_union`, `union_out_of_scope`, `union_closed`,
`formula_not_allowed`; and `invalid_code`, `invalid_level`, `invalid_kind`, `invalid_sector`,
`level_mismatch` (a kind or sector of the other level, a direct-superior union given a parent),
`parent_not_superior`, `parent_change_not_allowed`, `level_change_not_allowed`,
`invalid_tax_code`, `invalid_number`, `value_too_long`, `invalid_value` (the database refused a
row at write time: nothing was written). Warnings: `ignored_column`, `tax_code_zero_padded`.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from federation.models import Cap
from federation.text import clean_text, fold
from members import validation as v
from members.importing import Column, FileOutcome, FileRefused, Issue, Layout, filled_rows, open_table

from . import services
from .forms import TAX_CODE
from .models import ENTERPRISE_SECTORS, GRASSROOTS_KINDS, SUPERIOR_KINDS, Kind, Level, Sector, Status, Union

DEFAULT_MAX_ROWS = 5_000
CHUNK = 5_000
# More workers than this at one employer is a typo.
MAX_WORKERS = 10_000_000
CODE = re.compile(r"[A-Z0-9Đ._-]+")
CODE_LENGTH = Union._meta.get_field("code").max_length
NAME_LENGTH = Union._meta.get_field("name").max_length

COLUMNS = (
    Column("row_number", "STT", False, ("so thu tu", "tt")),
    Column("code", "Mã đơn vị", True, ("ma cong doan", "ma don vi cong doan", "unit code", "union code")),
    Column("name", "Tên đơn vị", True, ("ten cong doan", "ten don vi cong doan", "ten cong doan co so",
                                         "unit name", "union name")),
    Column("level", "Cấp", False, ("cap don vi", "cap cong doan")),
    Column("kind", "Loại hình", False, ("loai hinh don vi", "loai don vi", "loai")),
    Column("sector", "Khu vực", False, ("khu vuc kinh te", "linh vuc")),
    Column("parent_code", "Mã đơn vị cấp trên", False, ("ma cap tren", "ma cong doan cap tren",
                                                        "ma cap tren truc tiep", "parent")),
    Column("tax_code", "Mã số thuế", False, ("mst", "ma so thue doanh nghiep")),
    Column("worker_count", "Số lao động", False, ("so cong nhan lao dong", "so cnld", "tong so lao dong",
                                                   "workers")),
    Column("established_on", "Ngày thành lập", False, ("established",)),
    Column("address", "Địa chỉ", False, ("dia chi tru so",)),
)  # fmt: skip
REQUIRED = [c.key for c in COLUMNS if c.required]
READ_KEYS = tuple(c.key for c in COLUMNS if c.key != "row_number")
_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}
HEADERS = {c.key: c.header for c in COLUMNS}
# The unit's own data a file sets (`services.EDITABLE_FIELDS` but the code, its key, and the ward).
DATA_FIELDS = ("name", "kind", "sector", "tax_code", "worker_count", "address", "established_on")

LAYOUT = Layout(
    columns=COLUMNS,
    anchors=frozenset({"code", "name"}),
    min_known=2,
    wrong_type_message=gettext_lazy(
        "Upload the units as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."
    ),
    no_header_message=gettext_lazy("No sheet has a header row (Mã đơn vị, Tên đơn vị, ...) in its first 30 rows."),
    no_header_csv_message=gettext_lazy("No header row (Mã đơn vị, Tên đơn vị, ...) in the first 30 rows."),
)


@dataclass
class UnitsOutcome(FileOutcome):
    """`rows`: rows read (blank ones skipped); `created`, `updated`, `unchanged`: units (in a
    check: what would be)."""

    REPORTED: ClassVar[tuple[str, ...]] = ("created", "updated", "unchanged")

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def max_rows() -> int:
    return getattr(settings, "UNION_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def unions_import(*, federation, path, filename: str, by, dry_run: bool = False, request=None) -> UnitsOutcome:
    """Validate the unit file at `path` for `federation` and, with no errors and not `dry_run`,
    write it in one transaction. `by` needs the right to manage the structure of that
    federation; what it may touch is its own subtree (`Union.objects.editable_by`)."""
    if not by.can(Cap.MANAGE_STRUCTURE) or not (by.is_superuser or by.federation_id == federation.pk):
        raise PermissionDenied
    outcome = UnitsOutcome()
    limit = max_rows()
    try:
        table = open_table(Path(path), filename, layout=LAYOUT, max_rows=limit)
    except FileRefused as exc:
        outcome.errors.append(exc.issue)
        return outcome
    outcome.warnings.extend(table.warnings)
    present = {key for key in table.keys if key}
    for key in REQUIRED:
        if key not in present:
            message = _("The column “%(header)s” is missing.") % {"header": HEADERS[key]}
            outcome.errors.append(Issue("missing_column", message, table.sheet))
    if outcome.errors:
        return outcome
    try:
        rows = filled_rows(table, READ_KEYS, limit, outcome, _Row)
    except FileRefused as exc:  # a CSV record that cannot be read, far down the file
        outcome.errors[:] = [exc.issue]
        return outcome
    if outcome.errors:
        return outcome
    outcome.rows = len(rows)
    check = _Check(table.sheet, outcome, federation=federation, by=by, present=present)
    for row in rows:
        check.parse(row)
    check.resolve(rows)
    outcome.warnings.sort(key=lambda w: w.row or 0)
    if outcome.errors:
        outcome.errors.sort(key=lambda e: (e.row or 0, _ORDER.get(e.column, 99)))
        return outcome
    creates = [row for row in rows if row.existing is None]
    updates = [(row, row.changes()) for row in rows if row.existing is not None]
    outcome.created = len(creates)
    outcome.updated = sum(1 for _row, changes in updates if changes)
    outcome.unchanged = len(updates) - outcome.updated
    if dry_run:
        outcome.status = "valid"
        return outcome
    if _write(federation, creates, updates, by=by, request=request, outcome=outcome, sheet=table.sheet):
        outcome.status = "imported"
    else:
        outcome.created = outcome.updated = outcome.unchanged = 0
    return outcome


def _write(federation, creates, updates, *, by, request, outcome: UnitsOutcome, sheet) -> bool:
    """Everything in one transaction: direct-superior units first, so that a grassroots unit
    whose parent is on a later row of the file finds it created."""
    current = None
    try:
        with transaction.atomic():
            made: dict[int, Union] = {}
            for current in sorted(creates, key=lambda row: (row.level != Level.SUPERIOR, row.number)):
                parent = made[current.parent_row.number] if current.parent_row is not None else current.parent
                fields = {name: current.values.get(name, _default(name)) for name in DATA_FIELDS}
                made[current.number] = services.union_create(
                    federation=federation,
                    parent=parent,
                    by=by,
                    request=request,
                    code=current.code,
                    level=current.level,
                    **fields,
                )
            for current, changes in updates:
                if changes:
                    services.union_update(union=current.existing, by=by, request=request, **changes)
    except ValidationError as exc:
        # Something changed between the check and the write (another user's unit with the same
        # code, a parent closed meanwhile): the transaction is rolled back, nothing is written.
        column = None
        if hasattr(exc, "error_dict"):
            name = next(iter(exc.error_dict))
            column = "parent_code" if name == "parent" else name if name in _ORDER else None
        outcome.errors.append(Issue("invalid_value", " ".join(exc.messages), sheet, current.number, column))
        return False
    except IntegrityError:
        message = _("The database refused this row (another user may have just changed the same units): nothing "
                    "was written. Upload the file again.")  # fmt: skip
        outcome.errors.append(Issue("invalid_value", message, sheet, current.number, None))
        return False
    return True


def _default(name: str):
    return Union._meta.get_field(name).get_default()


# --- reading -----------------------------------------------------------------------------------


@dataclass
class _Row:
    """One row of the file that is not blank: its cells by key, then what they say."""

    number: int
    cells: dict
    formulas: set[str]
    code: str = ""
    level: str | None = None
    parent_code: str | None = None  # None: no parent column (or a bad cell); "": under the federation
    values: dict = field(default_factory=dict)  # model field -> value, for the columns present
    existing: Union | None = None  # the federation's unit with this code
    parent: Union | None = None  # a stored parent
    parent_row: "_Row | None" = None  # a parent created by this file
    failed: set[str] = field(default_factory=set)  # columns with an error

    def changes(self) -> dict:
        """The fields whose value in the file differs from the stored unit's."""
        return {name: value for name, value in self.values.items() if getattr(self.existing, name) != value}


# --- cells -------------------------------------------------------------------------------------


def _formula() -> v.Invalid:
    return v.Invalid("formula_not_allowed", _("A cell may not start with = + - or @."))


def _text(value) -> str:
    text = clean_text(v.as_text(value))
    if text.startswith(v.FORMULA_PREFIXES):
        raise _formula()
    return text


def parse_code(value) -> str:
    """A unit code as `Union.clean` stores it: trimmed, upper case, a number cell without ".0"."""
    code = _text(value).upper()
    if not code:
        raise v.Invalid("missing_value", _("Enter the unit's code."))
    if len(code) > CODE_LENGTH or not CODE.fullmatch(code):
        raise v.Invalid(
            "invalid_code",
            _("A code has at most %(n)s letters, digits, dots, dashes or underscores.") % {"n": CODE_LENGTH},
        )
    return code


def parse_name(value) -> str:
    name = _text(value)
    if not name:
        raise v.Invalid("missing_value", _("Enter the unit's name."))
    if len(name) > NAME_LENGTH:
        raise v.Invalid("value_too_long", _("A name has at most %(n)s characters.") % {"n": NAME_LENGTH})
    return name


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _choice_key(text: str) -> str:
    return _NOT_ALNUM.sub(" ", fold(text)).strip()


LEVEL_WORDS = {
    Level.GRASSROOTS: ("co so", "cdcs", "cong doan co so", "grassroots", "grassroots union"),
    Level.SUPERIOR: ("cap tren truc tiep", "cap tren", "cap tren truc tiep co so", "cong doan cap tren truc tiep",
                     "superior", "direct superior", "direct superior union"),
}  # fmt: skip


@functools.cache
def _choice_lookup(choices, language_codes: tuple[str, ...]) -> dict[str, str]:
    """Folded key, key with spaces and label in every language -> the choice's value."""
    lookup = {}
    for choice in choices:
        lookup[_choice_key(choice.value)] = choice.value
        for code in language_codes:
            with translation.override(code):
                lookup[_choice_key(str(choice.label))] = choice.value
    for value, words in LEVEL_WORDS.items() if choices is Level else ():
        for word in words:
            lookup[_choice_key(word)] = value
    return lookup


def _choice(choices, value, code: str, message: str) -> str | None:
    text = _text(value)
    if not text:
        return None
    languages = tuple(language for language, _name in settings.LANGUAGES)
    found = _choice_lookup(choices, languages).get(_choice_key(text))
    if found is None:
        raise v.Invalid(code, message)
    return found


def parse_level(value) -> str | None:
    return _choice(Level, value, "invalid_level", _("The level is “cơ sở” or “cấp trên trực tiếp”."))


def parse_kind(value) -> str | None:
    return _choice(Kind, value, "invalid_kind", _("Not one of the kinds of unit (see the template)."))


def parse_sector(value) -> str | None:
    return _choice(Sector, value, "invalid_sector", _("Not one of the sectors (see the template)."))


def parse_parent_code(value) -> str:
    """The parent's code, or "" for a unit directly under the federation."""
    text = _text(value)
    return text.upper()


_GROUPED = re.compile(r"\d{1,3}([.,\s])\d{3}(?:\1\d{3})*")


def parse_worker_count(value) -> int | None:
    """A whole number of workers: a number cell, or text with grouped thousands (1.200)."""
    message = _("Write the number of workers as a whole number, e.g. 250.")
    if value is None:
        return None
    if isinstance(value, (bool, datetime.date, datetime.time, datetime.timedelta)):
        raise v.Invalid("invalid_number", message)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            raise v.Invalid("invalid_number", message)
        number = int(value)
    else:
        text = clean_text(v.as_text(value))
        if not text:
            return None
        if text.startswith("-") and text[1:].strip().isdigit():
            raise v.Invalid("invalid_number", _("A number of workers cannot be negative."))
        if text.startswith(v.FORMULA_PREFIXES):
            raise _formula()
        if text.isascii() and text.isdigit():
            number = int(text)
        elif _GROUPED.fullmatch(text):
            number = int(re.sub(r"\D", "", text))
        else:
            raise v.Invalid("invalid_number", message)
    if number < 0:
        raise v.Invalid("invalid_number", _("A number of workers cannot be negative."))
    if number > MAX_WORKERS:
        raise v.Invalid("invalid_number", message)
    return number


def parse_tax_code(value) -> tuple[str, bool]:
    """(the tax code as text, padded): 10 digits, or 10 digits, a dash and 3. A number cell (or
    a CSV saved by Excel) loses the leading zero of codes such as 0101234567: 9 digits get it
    back, with a warning."""
    message = _("A tax code has 10 digits, or 10 digits, a dash and 3 digits.")
    if value is None:
        return "", False
    if isinstance(value, (bool, datetime.date, datetime.time, datetime.timedelta)):
        raise v.Invalid("invalid_tax_code", message)
    if isinstance(value, float):
        if not value.is_integer():
            raise v.Invalid("invalid_tax_code", message)
        value = int(value)
    text = _text(value).replace(" ", "").replace(".", "")
    padded = False
    head, dash, branch = text.partition("-")
    if len(head) == 9 and head.isascii() and head.isdigit():
        text, padded = "0" + text, True
    if text and not TAX_CODE.fullmatch(text):
        raise v.Invalid("invalid_tax_code", message)
    return text, padded


def parse_established_on(value, *, today: datetime.date) -> datetime.date | None:
    if value.__class__ is str and value.strip().startswith(v.FORMULA_PREFIXES):
        raise _formula()
    day = v.parse_date(value, required=False)
    if day is not None and day > today:
        raise v.Invalid("date_in_future", _("The date is in the future."))
    return day


def parse_address(value) -> str:
    return v.parse_text(value, limit=Union._meta.get_field("address").max_length)


# --- checking ----------------------------------------------------------------------------------


class _Check:
    """Checks the rows cell by cell, then against each other and the stored units."""

    def __init__(self, sheet, outcome: UnitsOutcome, *, federation, by, present: set[str]):
        self.sheet = sheet
        self.outcome = outcome
        self.federation = federation
        self.by = by
        self.present = present
        self.today = timezone.localdate()
        # What the importer may touch (filled by `_stored`, through the scoping functions): a
        # federation role the whole federation, an officer the units below its own union.
        self.editable: set[int] = set()
        self.visible: set[int] = set()
        self.top_level = by.is_superuser or not by.union_id

    def fail(self, row: _Row, code: str, message: str, column: str) -> None:
        if column in row.failed:
            return  # one error a cell: what the cell said is already wrong
        row.failed.add(column)
        self.outcome.errors.append(Issue(code, message, self.sheet, row.number, column))

    def warn(self, row: _Row, code: str, message: str, column: str) -> None:
        self.outcome.warnings.append(Issue(code, message, self.sheet, row.number, column))

    def parse(self, row: _Row) -> None:
        cells = row.cells
        for key in sorted(row.formulas, key=_ORDER.get):
            self.fail(row, "formula_not_allowed", _("A formula without a computed value."), key)

        def cell(key: str, parse):
            if key not in self.present or key in row.formulas:
                return _ABSENT
            try:
                return parse(cells.get(key))
            except v.Invalid as exc:
                self.fail(row, exc.code, exc.message, key)
                return _ABSENT

        code = cell("code", parse_code)
        row.code = code if code is not _ABSENT else ""
        level = cell("level", parse_level)
        row.level = level if level is not _ABSENT else None
        if (parent_code := cell("parent_code", parse_parent_code)) is not _ABSENT:
            row.parent_code = parent_code
        for key, parse in (
            ("name", parse_name),
            ("kind", parse_kind),
            ("sector", parse_sector),
            ("worker_count", parse_worker_count),
            ("established_on", functools.partial(parse_established_on, today=self.today)),
            ("address", parse_address),
        ):
            value = cell(key, parse)
            if value is not _ABSENT:
                row.values[key] = "" if value is None and key in ("kind", "sector") else value
        tax = cell("tax_code", parse_tax_code)
        if tax is not _ABSENT:
            row.values["tax_code"], padded = tax
            if padded:
                message = _("The leading zero of the tax code was restored: %(code)s.") % {"code": tax[0]}
                self.warn(row, "tax_code_zero_padded", message, "tax_code")

    def resolve(self, rows: list[_Row]) -> None:
        first_row: dict[str, _Row] = {}
        flagged: set[int] = set()
        for row in rows:
            if not row.code:
                continue
            first = first_row.setdefault(row.code, row)
            if first is not row:
                message = _("The same unit code is on rows %(first)s and %(row)s.") % {
                    "first": first.number,
                    "row": row.number,
                }
                self.fail(row, "duplicate_in_file", message, "code")
                if first.number not in flagged:
                    flagged.add(first.number)
                    self.fail(first, "duplicate_in_file", message, "code")
        codes = {row.code for row in rows if row.code} | {row.parent_code for row in rows if row.parent_code}
        stored = self._stored(codes)
        # Every row's level first: a parent on a later row of the file is known by its level.
        checked = [row for row in rows if row.code and self._check_unit(row, stored)]
        for row in checked:
            self._check_parent(row, stored, first_row)
            self._check_data(row)

    def _stored(self, codes: set[str]) -> dict[str, Union]:
        """The federation's units with these codes (in scope or not: a code is unique in the
        federation, so one outside the importer's reach is refused, never created twice)."""
        found = {}
        codes = sorted(codes)
        for start in range(0, len(codes), CHUNK):
            chunk = codes[start : start + CHUNK]
            named = {"federation": self.federation, "code__in": chunk}
            found.update((union.code, union) for union in Union.objects.filter(**named).select_related("parent"))
            self.visible.update(Union.objects.visible_to(self.by).filter(**named).values_list("pk", flat=True))
            self.editable.update(Union.objects.editable_by(self.by).filter(**named).values_list("pk", flat=True))
        return found

    def _check_unit(self, row: _Row, stored: dict[str, Union]) -> bool:
        """The stored unit the row updates, if any, and the row's level; False when the row
        names a unit the importer may not touch (nothing more to say about it)."""
        existing = row.existing = stored.get(row.code)
        if existing is not None:
            if existing.pk not in self.editable:
                message = _("The unit %(code)s is outside your part of the federation.") % {"code": row.code}
                self.fail(row, "union_out_of_scope", message, "code")
                return False
            if row.level is not None and row.level != existing.level:
                message = _("The level of an existing unit is changed by a reorganization, not by an import.")
                self.fail(row, "level_change_not_allowed", message, "level")
            row.level = existing.level
        self._check_level(row)
        return True

    def _check_level(self, row: _Row) -> None:
        kind = row.values.get("kind")
        if row.level is None:
            # A blank level is told from the kind, else from a parent (only grassroots units have one).
            if kind:
                row.level = Level.SUPERIOR if kind in SUPERIOR_KINDS else Level.GRASSROOTS
            elif row.parent_code:
                row.level = Level.GRASSROOTS
            elif "kind" not in row.failed:
                self.fail(row, "missing_value", _("Enter the level: “cơ sở” or “cấp trên trực tiếp”."), "level")
                return
        if kind and row.level == Level.SUPERIOR and kind not in SUPERIOR_KINDS:
            self.fail(row, "level_mismatch", _("This kind is for grassroots unions."), "kind")
        if kind and row.level == Level.GRASSROOTS and kind not in GRASSROOTS_KINDS:
            self.fail(row, "level_mismatch", _("This kind is for direct-superior unions."), "kind")
        if row.level == Level.SUPERIOR and row.values.get("sector"):
            self.fail(row, "level_mismatch", _("A direct-superior union has no sector."), "sector")

    def _check_parent(self, row: _Row, stored: dict[str, Union], file_rows: dict[str, "_Row"]) -> None:
        existing = row.existing
        if existing is not None:
            current = existing.parent.code if existing.parent_id else ""
            # No parent column: the unit stays where it is.
            if row.parent_code is not None and row.parent_code != current:
                message = _("Moving a unit to another parent is a reorganization, not an import.")
                self.fail(row, "parent_change_not_allowed", message, "parent_code")
            return
        if not row.parent_code:
            if not self.top_level:
                message = _("Only the federation can place units directly under it: enter the parent's code.")
                self.fail(row, "union_out_of_scope", message, "parent_code")
            return
        if row.level == Level.SUPERIOR:
            message = _("A direct-superior union sits directly under the federation: leave its parent empty.")
            self.fail(row, "level_mismatch", message, "parent_code")
            return
        code = row.parent_code
        in_file = file_rows.get(code)
        parent = stored.get(code)
        if in_file is row:
            self.fail(row, "parent_not_superior", _not_superior(code), "parent_code")
            return
        if in_file is not None and parent is None:
            # A unit created by this file, on any row: direct-superior units are created first.
            if in_file.level is not None and in_file.level != Level.SUPERIOR:
                self.fail(row, "parent_not_superior", _not_superior(code), "parent_code")
            row.parent_row = in_file
            return
        if parent is None:
            message = _("No unit of the federation has the code %(code)s.") % {"code": code}
            self.fail(row, "unknown_union", message, "parent_code")
            return
        if parent.pk not in self.visible:
            message = _("The unit %(code)s is outside your part of the federation.") % {"code": code}
            self.fail(row, "union_out_of_scope", message, "parent_code")
        elif parent.level != Level.SUPERIOR:
            self.fail(row, "parent_not_superior", _not_superior(code), "parent_code")
        elif parent.status != Status.ACTIVE:
            message = _("The unit %(code)s is closed: it cannot receive new units.") % {"code": code}
            self.fail(row, "union_closed", message, "parent_code")
        else:
            row.parent = parent

    def _check_data(self, row: _Row) -> None:
        """The unit form's rules, on the unit as the file leaves it. A stored unit is checked
        only when the file changes its kind, sector or tax code: a row that repeats what is
        stored is never refused for data the file does not touch."""
        existing = row.existing
        values = row.values
        if existing is not None and not any(
            name in values and getattr(existing, name) != values[name] for name in ("kind", "sector", "tax_code")
        ):
            return

        def effective(name):
            if name in values:
                return values[name]
            return getattr(existing, name) if existing is not None else _default(name)

        kind, sector, tax_code = effective("kind"), effective("sector"), effective("tax_code")
        if not kind:
            self.fail(row, "missing_value", _("Enter the kind of unit."), "kind")
        if row.level == Level.GRASSROOTS and not sector:
            self.fail(row, "missing_value", _("Choose the sector of a grassroots union."), "sector")
        if sector in ENTERPRISE_SECTORS and kind == Kind.ENTERPRISE and not tax_code:
            self.fail(row, "missing_value", _("Enter the enterprise's tax code."), "tax_code")


_ABSENT = object()


def _not_superior(code: str) -> str:
    return _("%(code)s is not a direct-superior union: only those have units under them.") % {"code": code}
