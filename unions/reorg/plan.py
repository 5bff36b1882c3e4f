"""A reorganization plan: the decision (number, date, effective date, reason) and its rows, one
operation each, from a form, the API or a `.xlsx`/`.csv` file.

A plan file has one row per operation (headers as below; the English key, case and diacritics
ignored). The decision's four columns may be filled on the first row only; a later row that
fills one with another value is refused (one plan, one decision).

- `operation` (Thao tác), every row: create, rename, move, merge, split, dissolve, change_kind,
  merge_federation, or their Vietnamese words (thành lập, đổi tên, chuyển, hợp nhất, chia tách,
  giải thể, đổi loại hình, hợp nhất liên đoàn);
- `unit` (Mã đơn vị), every row: the unit acted on; create: the new unit's code; merge_federation:
  the code of the federation merged in;
- `new_parent` (Mã đơn vị cấp trên mới), create and move: a direct-superior union; empty: the
  federation itself;
- `new_name` (Tên mới): create (required), rename; `new_code` (Mã mới): rename;
- `kind`, `sector` (Loại hình, Khu vực): create, change_kind;
- `target` (Đơn vị tiếp nhận): merge and split (required), dissolve (where its members or units
  go); merge_federation: the receiving federation (the plan's);
- `members` (Đoàn viên (số CCCD)): split: the citizen IDs of the members who go, separated by
  spaces, commas or semicolons;
- `decision_number`, `decision_date`, `effective_on`, `reason` (Số quyết định, Ngày quyết định,
  Ngày hiệu lực, Lý do): the decision.
"""

import datetime
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from federation.text import clean_text, fold
from members import validation as v
from members.importing import Column, FileOutcome, FileRefused, Issue, Layout, filled_rows, open_table

from ..importing import parse_kind, parse_sector
from ..importing import parse_parent_code as parse_code  # a unit's code, or empty
from ..models import Operation

MAX_ROWS = 2_000
REASON_LENGTH = 500

COLUMNS = (
    Column("row_number", "STT", False, ("so thu tu", "tt")),
    Column("operation", "Thao tác", True, ("thao tac", "nghiep vu", "hinh thuc", "op")),
    Column("unit", "Mã đơn vị", True, ("ma cong doan", "don vi", "unit code", "code", "source")),
    Column("new_parent", "Mã đơn vị cấp trên mới", False, ("cap tren moi", "ma cap tren moi", "parent",
                                                           "new parent code")),
    Column("new_name", "Tên mới", False, ("ten don vi moi", "ten", "name")),
    Column("new_code", "Mã mới", False, ("ma don vi moi",)),
    Column("kind", "Loại hình", False, ("loai hinh don vi",)),
    Column("sector", "Khu vực", False, ("khu vuc kinh te",)),
    Column("target", "Đơn vị tiếp nhận", False, ("ma don vi tiep nhan", "tiep nhan", "noi nhan", "destination",
                                                 "into")),
    Column("members", "Đoàn viên (số CCCD)", False, ("doan vien", "so cccd", "cccd", "citizen ids")),
    Column("decision_number", "Số quyết định", False, ("so qd", "quyet dinh", "decision")),
    Column("decision_date", "Ngày quyết định", False, ("ngay qd",)),
    Column("effective_on", "Ngày hiệu lực", False, ("hieu luc", "effective date", "effective")),
    Column("reason", "Lý do", False, ("ghi chu", "noi dung")),
)  # fmt: skip
ROW_KEYS = ("operation", "unit", "new_parent", "new_name", "new_code", "kind", "sector", "target", "members")
DECISION_KEYS = ("decision_number", "decision_date", "effective_on", "reason")
READ_KEYS = ROW_KEYS + DECISION_KEYS
HEADERS = {c.key: c.header for c in COLUMNS}

LAYOUT = Layout(
    columns=COLUMNS,
    anchors=frozenset({"operation", "unit"}),
    min_known=2,
    wrong_type_message=gettext_lazy("Upload the plan as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."),
    no_header_message=gettext_lazy("No sheet has a header row (Thao tác, Mã đơn vị, ...) in its first 30 rows."),
    no_header_csv_message=gettext_lazy("No header row (Thao tác, Mã đơn vị, ...) in the first 30 rows."),
)

# The words a plan may use for each operation, folded (no case, no diacritics).
OPERATION_WORDS = {
    Operation.CREATE: ("create", "thanh lap", "thanh lap moi", "establish", "new"),
    Operation.RENAME: ("rename", "doi ten"),
    Operation.MOVE: ("move", "chuyen", "dieu chuyen", "chuyen cap tren", "chuyen ve"),
    Operation.MERGE: ("merge", "hop nhat", "sap nhap", "sat nhap", "nhap"),
    Operation.SPLIT: ("split", "chia tach", "tach"),
    Operation.DISSOLVE: ("dissolve", "giai the", "close"),
    Operation.CHANGE_KIND: ("change_kind", "change kind", "doi loai hinh", "chuyen loai hinh"),
    Operation.MERGE_FEDERATION: ("merge_federation", "merge federation", "hop nhat lien doan", "sap nhap lien doan"),
}
_OPERATION_LOOKUP = {word: op for op, words in OPERATION_WORDS.items() for word in words}
_SEPARATORS = re.compile(r"[\s,;]+")


def parse_operation(value) -> str:
    text = fold(clean_text(v.as_text(value))).replace("-", " ")
    if not text:
        raise v.Invalid("missing_value", _("Enter the operation."))
    operation = _OPERATION_LOOKUP.get(text) or _OPERATION_LOOKUP.get(text.replace("_", " "))
    if operation is None:
        raise v.Invalid(
            "invalid_operation",
            _("Not an operation: write create, rename, move, merge, split, dissolve, change_kind or merge_federation."),
        )
    return operation.value


def parse_citizen_ids(value) -> list[str]:
    text = v.as_text(value).strip()
    return [part for part in _SEPARATORS.split(text) if part]


@dataclass
class Decision:
    """The decision a plan carries out."""

    number: str
    date: datetime.date
    effective_on: datetime.date
    reason: str

    def as_dict(self) -> dict:
        return {
            "decision_number": self.number,
            "decision_date": self.date.isoformat(),
            "effective_on": self.effective_on.isoformat(),
            "reason": self.reason,
        }


@dataclass
class Row:
    """One operation of a plan. `number`: its row in the file (or its place in the list)."""

    number: int
    operation: str
    unit: str = ""
    new_parent: str = ""
    new_name: str = ""
    new_code: str = ""
    kind: str = ""
    sector: str = ""
    target: str = ""
    members: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: val for k, val in asdict(self).items() if val not in ("", [], None)}


def decision_from(*, number, date, effective_on, reason) -> tuple[Decision | None, list[Issue]]:
    """The decision of a plan from its four fields (a form, the API, a plan file), or the
    problems with them, each keyed by its field."""
    number, reason = clean_text(number or ""), clean_text(reason or "")
    problems = _check_decision(number=number, date=date, effective_on=effective_on, reason=reason)
    if problems:
        return None, problems
    return Decision(number=number, date=date, effective_on=effective_on, reason=reason), []


def _check_decision(*, number: str, date, effective_on, reason: str) -> list[Issue]:
    today = timezone.localdate()
    problems = []
    if not number:
        problems.append(Issue("missing_value", _("Enter the decision number."), column="decision_number"))
    if date is None:
        problems.append(Issue("missing_value", _("Enter the decision date."), column="decision_date"))
    elif date > today:
        problems.append(Issue("date_in_future", _("The decision date is in the future."), column="decision_date"))
    if effective_on is None:
        problems.append(Issue("missing_value", _("Enter the date the decision takes effect."), column="effective_on"))
    elif effective_on > today:
        problems.append(
            Issue(
                "date_in_future",
                _("Apply a reorganization once it is in force: the effective date is in the future."),
                column="effective_on",
            )
        )
    if not reason:
        problems.append(Issue("missing_value", _("Enter the reason (what the decision says)."), column="reason"))
    elif len(reason) > REASON_LENGTH:
        problems.append(
            Issue(
                "value_too_long",
                _("The reason has at most %(n)s characters.") % {"n": REASON_LENGTH},
                column="reason",
            )
        )
    return problems


def row_from_dict(number: int, data: dict) -> tuple[Row | None, list[Issue]]:
    """A row from a mapping of the plan's keys (a form, the API, a stored draft)."""
    problems = []
    values = {}
    parsers = {
        "operation": parse_operation,
        "unit": parse_code,
        "new_parent": parse_code,
        "new_code": parse_code,
        "target": parse_code,
        "new_name": lambda value: clean_text(v.as_text(value)),
        "kind": lambda value: parse_kind(value) or "",
        "sector": lambda value: parse_sector(value) or "",
        "members": lambda value: value if isinstance(value, list) else parse_citizen_ids(value),
    }
    for key, parse in parsers.items():
        raw = data.get(key)
        if raw in (None, ""):
            continue
        try:
            values[key] = parse(raw)
        except v.Invalid as exc:
            problems.append(Issue(exc.code, exc.message, row=number, column=key))
    if "operation" not in values and not any(p.column == "operation" for p in problems):
        problems.append(Issue("missing_value", _("Enter the operation."), row=number, column="operation"))
    if not values.get("unit") and not any(p.column == "unit" for p in problems):
        problems.append(Issue("missing_value", _("Enter the unit's code."), row=number, column="unit"))
    if problems:
        return None, problems
    return Row(number=number, **values), []


@dataclass
class PlanFile(FileOutcome):
    """A plan read from a file: its decision and rows, or the problems that stop it."""

    decision: Decision | None = None
    plan_rows: list[Row] = field(default_factory=list)


class _Cells:
    def __init__(self, number, values, formulas):
        self.number, self.values, self.formulas = number, values, formulas


def read_plan(path: Path, filename: str) -> PlanFile:
    """Read and check a plan file whole: every problem with its row, or its decision and rows."""
    outcome = PlanFile()
    try:
        table = open_table(Path(path), filename, layout=LAYOUT, max_rows=MAX_ROWS)
    except FileRefused as exc:
        outcome.errors.append(exc.issue)
        return outcome
    present = {key for key in table.keys if key}
    for key in ("operation", "unit"):
        if key not in present:
            message = _("The column “%(header)s” is missing.") % {"header": HEADERS[key]}
            outcome.errors.append(Issue("missing_column", message, table.sheet))
    if outcome.errors:
        return outcome
    try:
        cells = filled_rows(table, READ_KEYS, MAX_ROWS, outcome, _Cells)
    except FileRefused as exc:
        outcome.errors[:] = [exc.issue]
        return outcome
    if outcome.errors:
        return outcome
    outcome.rows = len(cells)
    if not cells:
        outcome.errors.append(Issue("empty_file", _("The plan has no operations."), table.sheet))
        return outcome
    decision: dict = {}
    for row in cells:
        for key in row.formulas:
            outcome.errors.append(
                Issue("formula_not_allowed", _("A cell may not start with = + - or @."), table.sheet, row.number, key)
            )
        for key in DECISION_KEYS:
            raw = row.values.get(key)
            if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                value = v.parse_date(raw) if key in ("decision_date", "effective_on") else clean_text(v.as_text(raw))
            except v.Invalid as exc:
                outcome.errors.append(Issue(exc.code, exc.message, table.sheet, row.number, key))
                continue
            if key not in decision:
                decision[key] = value
            elif decision[key] != value:
                message = _("A plan carries out one decision: this row gives another %(what)s. Split the file.") % {
                    "what": HEADERS[key].lower()
                }
                outcome.errors.append(Issue("two_decisions", message, table.sheet, row.number, key))
        parsed, problems = row_from_dict(row.number, {k: row.values.get(k) for k in ROW_KEYS})
        for problem in problems:
            problem.sheet = table.sheet
        outcome.errors.extend(problems)
        if parsed is not None:
            outcome.plan_rows.append(parsed)
    outcome.decision, problems = decision_from(
        number=decision.get("decision_number"),
        date=decision.get("decision_date"),
        effective_on=decision.get("effective_on"),
        reason=decision.get("reason"),
    )
    for problem in problems:
        if not any(e.column == problem.column for e in outcome.errors):
            problem.sheet, problem.row = table.sheet, cells[0].number
            outcome.errors.append(problem)
    if outcome.errors:
        outcome.errors.sort(key=lambda e: (e.row or 0, READ_KEYS.index(e.column) if e.column in READ_KEYS else 99))
        outcome.plan_rows, outcome.decision = [], None
        return outcome
    outcome.status = "valid"
    return outcome
