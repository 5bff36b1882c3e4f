"""The plan file's template: the columns to fill (`plan.COLUMNS`), a sheet of examples of each
operation and one saying how to fill each column."""

import io

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import plan

FILENAME = "mau-ke-hoach-sap-xep.xlsx"

EXAMPLES = (
    ("thành lập", "H09", "", "Công đoàn khu vực Buôn Hồ", "", "regional_union", "", "", ""),
    ("thành lập", "CS120", "H09", "Công đoàn Công ty TNHH Cà phê Buôn Hồ", "", "enterprise", "non_state_enterprise",
     "", ""),
    ("đổi tên", "H02", "", "Liên đoàn Lao động xã Ea Kar mới", "H02M", "", "", "", ""),
    ("chuyển", "CS001", "H09", "", "", "", "", "", ""),
    ("hợp nhất", "CS002", "", "", "", "", "", "CS003", ""),
    ("chia tách", "CS004", "", "", "", "", "", "CS005", "066090001234 066195004321"),
    ("giải thể", "CS006", "", "", "", "", "", "CS007", ""),
    ("giải thể", "CS008", "", "", "", "", "", "", ""),
    ("đổi loại hình", "CS009", "", "", "", "cooperative", "cooperative", "", ""),
)  # fmt: skip
TEMPLATE_HELP = {
    "row_number": gettext_lazy("Optional: the row's number in the decision."),
    "operation": gettext_lazy(
        "Required. thành lập (establish), đổi tên (rename), chuyển (move), hợp nhất (merge), chia tách (split), "
        "giải thể (dissolve), đổi loại hình (change kind or sector), hợp nhất liên đoàn (merge federations)."
    ),
    "unit": gettext_lazy("Required. The unit acted on; to establish a unit: its new code."),
    "new_parent": gettext_lazy("Establish, move: the direct-superior union it goes under; empty: the federation."),
    "new_name": gettext_lazy("Establish: required. Rename: the new name."),
    "new_code": gettext_lazy("Rename: the new code."),
    "kind": gettext_lazy("Establish (required), change kind: the kind of unit."),
    "sector": gettext_lazy("Establish, change kind: the sector of a grassroots union."),
    "target": gettext_lazy(
        "Merge and split: required. Dissolve: where its members or units go (empty if it has none)."
    ),
    "members": gettext_lazy("Split: the citizen IDs of the members who go, separated by spaces or commas."),
    "decision_number": gettext_lazy("On the first row: the decision's number."),
    "decision_date": gettext_lazy("On the first row: dd/mm/yyyy."),
    "effective_on": gettext_lazy("On the first row: dd/mm/yyyy, not in the future."),
    "reason": gettext_lazy("On the first row: what the decision says."),
}


def plan_template_xlsx() -> bytes:
    """The empty plan (`plan.COLUMNS`' headers), a sheet of examples and one of instructions."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    text = workbook.add_format({"num_format": "@"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    widths = {"new_name": 36, "members": 30, "reason": 36, "operation": 18}

    def headers(sheet):
        for col, column in enumerate(plan.COLUMNS):
            sheet.write_string(0, col, column.header, bold)
            sheet.set_column(col, col, widths.get(column.key, 16), text)
        sheet.freeze_panes(1, 0)

    sheet = workbook.add_worksheet(_("Plan"))
    headers(sheet)
    examples = workbook.add_worksheet(_("Examples"))
    headers(examples)
    decision = ("123/QĐ-LĐLĐ", "20/06/2025", "01/07/2025", "Sắp xếp tổ chức công đoàn theo đơn vị hành chính mới")
    for index, example in enumerate(EXAMPLES, start=1):
        cells = (str(index), *example, *(decision if index == 1 else ("", "", "", "")))
        for col, value in enumerate(cells):
            examples.write_string(index, col, value)
    note = _(
        "Examples only: fill the first sheet. The codes are made up. The decision is written once, on the first row."
    )
    examples.write_string(len(EXAMPLES) + 2, 0, note)
    help_sheet = workbook.add_worksheet(_("Instructions"))
    help_sheet.set_column(0, 0, 26)
    help_sheet.set_column(1, 1, 90, wrap)
    help_sheet.write_row(0, 0, [_("Column"), _("How to fill it")], bold)
    for row, column in enumerate(plan.COLUMNS, start=1):
        help_sheet.write_row(row, 0, [column.header, str(TEMPLATE_HELP[column.key])])
    workbook.close()
    return buffer.getvalue()
