"""The list of members who received an activity's support, uploaded as .xlsx or .csv and
validated whole before anything is written (PRODUCT.md §4's rules where they apply).

The file is read by the roll import's reader (`members.importing.open_table`) with this list's
columns, so title blocks, merged cells, formulas, blank rows, several sheets, encodings and the
size limits behave exactly as they do for a roll. Columns (headers as in the template; the
English key, case and diacritics ignored, and the roll's aliases are accepted too):

| key | header | rule |
|---|---|---|
| `row_number` | STT | read and ignored (the template has it, so no warning) |
| `citizen_id` | Số CCCD | 12 digits; a 10/11-digit number is padded back when a member has that ID |
| `member_code` | Mã đoàn viên | the VGCL member code |
| `full_name` | Họ và tên | for the reader's eyes; compared with the member's name: a warning when it differs |
| `amount` | Số tiền | whole dong, optional: 500000, 500.000, 500,000 or "500.000 đ" |
| `note` | Ghi chú | optional text |

A file needs the citizen ID or the member code column, and each row one of them; when a row
gives both, they must be the same member's. Members are those of the activity's federation
(an active member first, else the latest record with that ID: a gift handed out in January
still counts for someone who retired in March) and must be on a roll within the organizing
union's subtree (anywhere in the federation for the federation's own activities).

Error codes: §4's `missing_column`, `no_header_row`, `unreadable_file`, `file_too_large`,
`too_many_rows`, `unsupported_encoding`, `missing_value`, `invalid_citizen_id`,
`duplicate_in_file`, `formula_not_allowed`; and `unknown_member`, `member_out_of_scope`,
`invalid_amount`, `member_mismatch` (the row's citizen ID and member code are two members').
Warnings: `ignored_column`, `citizen_id_zero_padded`, `name_mismatch`.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from federation.text import clean_text, fold
from members import validation as v
from members.importing import COLUMNS as ROLL_COLUMNS
from members.importing import Column, FileOutcome, FileRefused, Issue, Layout, blank, filled_rows, open_table
from members.models import Member, MemberStatus

from .models import Beneficiary
from .services import beneficiaries_add, member_in_reach

DEFAULT_MAX_ROWS = 20_000
# Members are looked up this many IDs or codes a query.
CHUNK = 5_000
# More than this for one person is a typo (a thousand billion dong).
MAX_AMOUNT = 10**12

_ROLL = {c.key: c for c in ROLL_COLUMNS}
COLUMNS = (
    Column("row_number", "STT", False, ("so thu tu", "tt")),
    _ROLL["citizen_id"],
    _ROLL["member_code"],
    _ROLL["full_name"],
    Column("amount", "Số tiền", False, ("so tien ho tro", "so tien (dong)", "muc ho tro", "tien ho tro", "gia tri",
                                       "thanh tien", "so tien nhan", "tien")),
    Column("note", "Ghi chú", False, ("noi dung", "ghi chu khac")),
)  # fmt: skip
IDENTIFIERS = ("citizen_id", "member_code")
_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}

LAYOUT = Layout(
    columns=COLUMNS,
    # A list may have the citizen ID column alone; a row naming the name or the amount without
    # an identifier is still the header, so that the file gets `missing_column`.
    anchors=frozenset({"citizen_id", "member_code", "full_name", "amount"}),
    min_known=1,
    wrong_type_message=gettext_lazy("Upload the list as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."),
    no_header_message=gettext_lazy("No sheet has a header row (Số CCCD or Mã đoàn viên, ...) in its first 30 rows."),
    no_header_csv_message=gettext_lazy("No header row (Số CCCD or Mã đoàn viên, ...) in the first 30 rows."),
)


@dataclass
class RecipientsOutcome(FileOutcome):
    """`rows`: rows read (blank ones skipped); `added`: members linked by this file (in a check:
    who would be); `already`: members of the file already linked to the activity."""

    REPORTED: ClassVar[tuple[str, ...]] = ("added", "already")

    added: int = 0
    already: int = 0


def max_rows() -> int:
    return getattr(settings, "WELFARE_RECIPIENTS_MAX_ROWS", DEFAULT_MAX_ROWS)


def recipients_import(*, activity, path, filename: str, by, dry_run: bool = False, request=None) -> RecipientsOutcome:
    """Validate the file at `path` against `activity` and, with no errors and not `dry_run`,
    link every listed member in one transaction (through `services.beneficiaries_add`).
    The caller has checked that `by` may change the activity."""
    outcome = RecipientsOutcome()
    limit = max_rows()
    try:
        table = open_table(Path(path), filename, layout=LAYOUT, max_rows=limit)
    except FileRefused as exc:
        outcome.errors.append(exc.issue)
        return outcome
    outcome.warnings.extend(table.warnings)
    present = {key for key in table.keys if key}
    if present.isdisjoint(IDENTIFIERS):
        message = _("The file needs the column “Số CCCD” or the column “Mã đoàn viên”.")
        outcome.errors.append(Issue("missing_column", message, table.sheet))
        return outcome
    try:
        lines = filled_rows(table, READ_KEYS, limit, outcome, _Line)
    except FileRefused as exc:  # a CSV record that cannot be read, far down the file
        outcome.errors[:] = [exc.issue]
        return outcome
    if outcome.errors:
        return outcome
    outcome.rows = len(lines)
    check = _Check(table.sheet, outcome, "citizen_id" if "citizen_id" in present else "member_code")
    for line in lines:
        check.parse(line)
    check.resolve(lines, activity)
    if outcome.errors:
        outcome.errors.sort(key=lambda e: (e.row or 0, _ORDER.get(e.column, 99)))
        outcome.warnings.sort(key=lambda w: w.row or 0)
        return outcome
    outcome.warnings.sort(key=lambda w: w.row or 0)
    rows = [(line.member, line.amount, line.note) for line in lines]
    if dry_run:
        linked = _linked(activity, [line.member.pk for line in lines])
        outcome.status, outcome.added, outcome.already = "valid", len(lines) - linked, linked
        return outcome
    try:
        with transaction.atomic():
            outcome.added, outcome.already = beneficiaries_add(activity=activity, rows=rows, by=by, request=request)
    except ValidationError:
        # A member moved out of reach between the check and the write: nothing was written.
        message = _("A member of the list has just moved out of the organizing union: check the file again.")
        outcome.errors.append(Issue("member_out_of_scope", message, table.sheet))
        outcome.added = outcome.already = 0
        return outcome
    outcome.status = "imported"
    return outcome


@dataclass
class _Line:
    """One row of the file that is not blank: its cells by key, then what they say."""

    number: int
    cells: dict
    formulas: set[str]
    citizen_id: str | None = None
    padded: str | None = None  # a 10/11-digit ID, padded back, to be confirmed by a member
    code: str | None = None
    name: str = ""
    amount: int | None = None
    note: str = ""
    member: Member | None = None


READ_KEYS = ("citizen_id", "member_code", "full_name", "amount", "note")


class _Check:
    """Checks the rows, cell by cell, then against the members on file."""

    def __init__(self, sheet, outcome: RecipientsOutcome, id_column: str):
        self.sheet = sheet
        self.outcome = outcome
        self.id_column = id_column  # where a row's missing identifier is reported

    def fail(self, line: _Line, code: str, message: str, column: str) -> None:
        self.outcome.errors.append(Issue(code, message, self.sheet, line.number, column))

    def warn(self, line: _Line, code: str, message: str, column: str) -> None:
        self.outcome.warnings.append(Issue(code, message, self.sheet, line.number, column))

    def parse(self, line: _Line) -> None:
        cells = line.cells
        for key in sorted(line.formulas, key=_ORDER.get):
            self.fail(line, "formula_not_allowed", _("A formula without a computed value."), key)
        identified = False
        if "citizen_id" not in line.formulas and not blank(raw := cells.get("citizen_id")):
            identified = True
            try:
                line.citizen_id, _padded = v.parse_citizen_id(raw)
            except v.Invalid as exc:
                padded = v.zero_padded_citizen_id(raw) if exc.code == "invalid_citizen_id" else None
                if padded is None:
                    self.fail(line, exc.code, exc.message, "citizen_id")
                line.padded = padded
        if "member_code" not in line.formulas and not blank(raw := cells.get("member_code")):
            identified = True
            try:
                line.code = v.parse_text(raw, limit=64)
            except v.Invalid as exc:
                self.fail(line, exc.code, exc.message, "member_code")
        if not identified and not line.formulas & set(IDENTIFIERS):
            self.fail(line, "missing_value", _("Enter the citizen ID or the member code."), self.id_column)
        if "full_name" not in line.formulas:
            name = clean_text(v.as_text(cells.get("full_name")))
            if name.startswith(v.FORMULA_PREFIXES):
                self.fail(line, "formula_not_allowed", _("A cell may not start with = + - or @."), "full_name")
            else:
                line.name = name
        if "amount" not in line.formulas:
            try:
                line.amount = parse_amount(cells.get("amount"))
            except v.Invalid as exc:
                self.fail(line, exc.code, exc.message, "amount")
        if "note" not in line.formulas:
            try:
                line.note = v.parse_text(cells.get("note"))
            except v.Invalid as exc:
                self.fail(line, exc.code, exc.message, "note")

    def resolve(self, lines: list[_Line], activity) -> None:
        """Find each row's member (a query per 5,000 IDs and per 5,000 codes), check it is
        within the organizer's reach, and that no member is listed twice."""
        members = Member.objects.filter(federation_id=activity.federation_id)
        by_id = members_by(members, "citizen_id", {x for line in lines for x in (line.citizen_id, line.padded) if x})
        by_code = members_by(members, "member_code", {line.code for line in lines if line.code})
        federation, union = activity.federation, activity.union
        first_row: dict[int, tuple[_Line, str]] = {}
        flagged: set[int] = set()
        for line in lines:
            found = None
            if line.citizen_id:
                found = by_id.get(line.citizen_id)
                if found is None:
                    self.fail(line, "unknown_member", _("No member of the federation has this citizen ID."),
                              "citizen_id")  # fmt: skip
            elif line.padded:
                found = by_id.get(line.padded)
                if found is None or not v.citizen_id_agrees(line.padded, found.gender, found.date_of_birth):
                    self.fail(line, "invalid_citizen_id", _("A citizen ID has 12 digits."), "citizen_id")
                    found = None
                else:
                    message = _("Leading zeros of the citizen ID were restored.")
                    self.warn(line, "citizen_id_zero_padded", message, "citizen_id")
            if line.code:
                by_this_code = by_code.get(line.code)
                if by_this_code is None:
                    self.fail(line, "unknown_member", _("No member of the federation has this member code."),
                              "member_code")  # fmt: skip
                elif found is not None and found.pk != by_this_code.pk:
                    message = _("The citizen ID and the member code are two different members'.")
                    self.fail(line, "member_mismatch", message, "member_code")
                    found = None
                elif found is None and not (line.citizen_id or line.padded):
                    found = by_this_code
            if found is None:
                continue
            column = "citizen_id" if line.citizen_id or line.padded else "member_code"
            if not member_in_reach(found, federation=federation, union=union):
                message = _("This member is not on a roll within the union that organized the activity.")
                self.fail(line, "member_out_of_scope", message, column)
                continue
            line.member = found
            if line.name and fold(line.name) != fold(found.full_name):
                message = _("The name differs from the name on file for this member: check the row.")
                self.warn(line, "name_mismatch", message, "full_name")
            first, first_column = first_row.setdefault(found.pk, (line, column))
            if first is not line:
                message = _("The same member is on rows %(first)s and %(row)s.") % {
                    "first": first.number,
                    "row": line.number,
                }
                self.fail(line, "duplicate_in_file", message, column)
                if first.number not in flagged:
                    flagged.add(first.number)
                    self.fail(first, "duplicate_in_file", message, first_column)


def members_by(members, field_name: str, values: set[str]) -> dict[str, Member]:
    """value -> the member of `members` with that citizen ID or member code: the active one,
    else the latest to leave (a gift recorded in January still finds who retired in March)."""
    found: dict[str, Member] = {}
    values = sorted(values)
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        for member in members.filter(**{f"{field_name}__in": chunk}).select_related("union"):
            key = getattr(member, field_name)
            other = found.get(key)
            if other is None or _preference(member) > _preference(other):
                found[key] = member
    return found


def _preference(member: Member) -> tuple:
    return (member.status == MemberStatus.ACTIVE, member.left_on or datetime.date.min, member.pk)


def _linked(activity, member_ids: list[int]) -> int:
    count = 0
    for start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[start : start + CHUNK]
        count += Beneficiary.objects.filter(activity=activity, member_id__in=chunk).count()
    return count


# --- amounts -----------------------------------------------------------------------------------

_CURRENCY = re.compile(r"\s*(?:vnd|dong|d)\.?$")
_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*")
_DECIMAL = re.compile(r"\d[\d.,]*[.,]\d+")


def parse_amount(value) -> int | None:
    """Whole dong, or None for a blank cell: a number cell, or text with grouped thousands
    (500.000, 500,000, 500 000) and an optional "đ", "đồng" or "VND"."""
    not_a_number = _("Not an amount: write a whole number of dong, e.g. 500000.")
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise v.Invalid("invalid_amount", not_a_number)
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise v.Invalid("invalid_amount", _("An amount is a whole number of dong, without decimals."))
        number = int(value)
    elif isinstance(value, str):
        text = clean_text(v.as_text(value))
        if not text:
            return None
        folded = _CURRENCY.sub("", fold(text)).replace(" ", "")
        negative = folded.startswith("-") and folded[1:2].isdigit()
        if negative:
            folded = folded[1:]
        elif text.startswith(v.FORMULA_PREFIXES):
            raise v.Invalid("formula_not_allowed", _("A cell may not start with = + - or @."))
        if folded.isascii() and folded.isdigit():
            number = int(folded)
        elif _GROUPED.fullmatch(folded):
            number = int(re.sub(r"[.,]", "", folded))
        elif _DECIMAL.fullmatch(folded):
            raise v.Invalid("invalid_amount", _("An amount is a whole number of dong, without decimals."))
        else:
            raise v.Invalid("invalid_amount", not_a_number)
        number = -number if negative else number
    else:  # a date or a time cell
        raise v.Invalid("invalid_amount", not_a_number)
    if number < 0:
        raise v.Invalid("invalid_amount", _("An amount cannot be negative."))
    if number > MAX_AMOUNT:
        raise v.Invalid("invalid_amount", not_a_number)
    return number


# --- the template ------------------------------------------------------------------------------

TEMPLATE_KEYS = ("row_number", "citizen_id", "member_code", "full_name", "amount", "note")
TEMPLATE_HELP = {
    "row_number": gettext_lazy("Optional: the row's number. Not read."),
    "citizen_id": gettext_lazy("12 digits, typed as text so Excel keeps the leading zeros. This or the member code."),
    "member_code": gettext_lazy("The member code given by the General Confederation. This or the citizen ID."),
    "full_name": gettext_lazy("Optional, to help you read the list; a name unlike the member's is a warning."),
    "amount": gettext_lazy("Optional: what the member received, in whole dong, e.g. 500000."),
    "note": gettext_lazy("Optional: free text, e.g. gift and cash."),
}  # fmt: skip
_HEADERS = {c.key: c.header for c in COLUMNS}


def template_xlsx() -> bytes:
    """The empty list of recipients, with a sheet of instructions."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_("Recipients"))
    bold = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    text = workbook.add_format({"num_format": "@"})
    money = workbook.add_format({"num_format": "#,##0"})
    widths = {"row_number": 6, "citizen_id": 16, "member_code": 16, "full_name": 30, "amount": 14, "note": 40}
    for col, key in enumerate(TEMPLATE_KEYS):
        sheet.write_string(0, col, _HEADERS[key], bold)
        sheet.set_column(col, col, widths[key], money if key == "amount" else text)
    sheet.freeze_panes(1, 0)
    help_sheet = workbook.add_worksheet(_("Instructions"))
    help_sheet.set_column(0, 0, 20)
    help_sheet.set_column(1, 1, 90)
    help_sheet.write_row(0, 0, [_("Column"), _("How to fill it")], bold)
    for row, key in enumerate(TEMPLATE_KEYS, start=1):
        help_sheet.write_row(row, 0, [_HEADERS[key], str(TEMPLATE_HELP[key])])
    workbook.close()
    return buffer.getvalue()


def template_csv() -> bytes:
    """The template's header as CSV, UTF-8 with a BOM so that Excel shows the Vietnamese."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_HEADERS[key] for key in TEMPLATE_KEYS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
