"""The achievement report as a workbook (.xlsx), the way a federation sends it upward: a title
block, then the unit itself and each unit one level below it as rows, and for each targeted
indicator three columns (target, actual, %).

Everything comes from one `TreeReport`, so the file takes the same few queries whatever the
number of units. Figures are number cells (#,##0; percentages 0.00"%"), and text a spreadsheet
would run as a formula is neutralized (`members.exports.neutralize`).
"""

import datetime
import io
from decimal import Decimal

import xlsxwriter
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from members.exports import XLSX, neutralize

from .achievement import Report, Structure, TreeReport
from .models import IndicatorUnit
from .periods import year_period

__all__ = ["XLSX", "achievement_xlsx", "achievement_filename"]

NUMBER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
PERCENT_FORMAT = '0.00"%"'
FIRST_FIGURE_COLUMN = 5  # No., code, unit, achieved or exceeded, targets
HEADER_ROW = 7


def _indicators(tree: TreeReport) -> list:
    """The indicators with a target in the unit or in any of its children, in catalogue order."""
    reports = [tree.report, *(report for _union, report in tree.children)]
    targeted = {row.indicator.code for report in reports for row in report.targeted}
    return [row.indicator for row in tree.report.rows if row.indicator.code in targeted]


def _figure_format(formats: dict, indicator, value: Decimal):
    if indicator.unit == IndicatorUnit.PERCENT:
        return formats["percent"]
    return formats["number"] if value == value.to_integral_value() else formats["decimal"]


def _text(value) -> str:
    return neutralize(str(value))


def achievement_xlsx(tree: TreeReport, *, generated_at: datetime.datetime | None = None) -> bytes:
    """The report of `tree`'s unit and of each of its children, as an .xlsx file."""
    report = tree.report
    generated_at = timezone.localtime(generated_at or timezone.now())
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet(_("Targets %(year)s") % {"year": report.year})
    add = book.add_format
    formats = {
        "federation": add({"bold": True, "font_size": 11}),
        "title": add({"bold": True, "font_size": 14, "align": "center"}),
        "label": add({"italic": True}),
        "header": add(
            {
                "bold": True,
                "bg_color": "#DCE6F1",
                "border": 1,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        ),
        "text": add({"border": 1, "valign": "top", "text_wrap": True}),
        "own_text": add({"border": 1, "bold": True, "bg_color": "#F2F2F2", "valign": "top", "text_wrap": True}),
        "number": add({"border": 1, "num_format": NUMBER_FORMAT}),
        "decimal": add({"border": 1, "num_format": DECIMAL_FORMAT}),
        "percent": add({"border": 1, "num_format": PERCENT_FORMAT}),
        "blank": add({"border": 1}),
    }
    own = {
        key: add({"border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": fmt})
        for key, fmt in (("number", NUMBER_FORMAT), ("decimal", DECIMAL_FORMAT), ("percent", PERCENT_FORMAT))
    }
    own["blank"] = add({"border": 1, "bg_color": "#F2F2F2"})
    indicators = _indicators(tree)
    last_col = FIRST_FIGURE_COLUMN + 3 * len(indicators) - 1 if indicators else FIRST_FIGURE_COLUMN - 1

    # The title block.
    sheet.write_string(0, 0, _text(report.federation.name.upper()), formats["federation"])
    if report.union is not None:
        sheet.write_string(1, 0, _text(report.union.name), formats["federation"])
    sheet.merge_range(
        2, 0, 2, max(last_col, 8), _("REPORT ON THE ACHIEVEMENT OF TARGETS, YEAR %(year)s") % {"year": report.year},
        formats["title"],
    )  # fmt: skip
    year = year_period(report.federation, report.year)
    if report.as_of is not None and report.as_of < year.end:
        figures = _("Figures up to %(day)s") % {"day": f"{report.as_of:%d/%m/%Y}"}
    else:
        figures = _("Figures for the whole year (%(span)s)") % {"span": f"{year.start:%d/%m/%Y} – {year.end:%d/%m/%Y}"}
    sheet.write_string(3, 0, figures, formats["label"])
    sheet.write_string(4, 0, _("Structure: %(structure)s") % {"structure": Structure(report.structure).label})
    sheet.write_string(
        5, 0, _("Generated at %(time)s") % {"time": f"{generated_at:%H:%M %d/%m/%Y}"}, formats["label"]
    )  # fmt: skip

    # Two header rows: the indicator over its three columns, then target / actual / %.
    top, sub = HEADER_ROW, HEADER_ROW + 1
    for col, label, width in (
        (0, _("No."), 5),
        (1, _("Unit code"), 10),
        (2, _("Unit"), 36),
        (3, _("Targets achieved or exceeded"), 12),
        (4, _("Targets"), 9),
    ):
        sheet.merge_range(top, col, sub, col, label, formats["header"])
        sheet.set_column(col, col, width)
    for i, indicator in enumerate(indicators):
        col = FIRST_FIGURE_COLUMN + 3 * i
        name, unit = indicator.name, f"({indicator.get_unit_display()})"
        name = name if unit.lower() in name.lower() else f"{name} {unit}"
        sheet.merge_range(top, col, top, col + 2, _text(name), formats["header"])
        sheet.write_string(sub, col, _("Target"), formats["header"])
        sheet.write_string(sub, col + 1, _("Actual"), formats["header"])
        sheet.write_string(sub, col + 2, "%", formats["header"])
        sheet.set_column(col, col + 1, 12)
        sheet.set_column(col + 2, col + 2, 10)
    sheet.set_row(top, 48)

    def write_unit(row: int, number, unit_report: Report, fmt: dict, text_format) -> None:
        if number is None:
            sheet.write_blank(row, 0, None, text_format)
        else:
            sheet.write_number(row, 0, number, fmt["number"])
        sheet.write_string(row, 1, _text(unit_report.code), text_format)
        sheet.write_string(row, 2, _text(unit_report.unit.name), text_format)
        sheet.write_number(row, 3, unit_report.achieved_or_exceeded, fmt["number"])
        sheet.write_number(row, 4, unit_report.targets, fmt["number"])
        for i, indicator in enumerate(indicators):
            col = FIRST_FIGURE_COLUMN + 3 * i
            line = unit_report.row(indicator.code)
            if line is None or line.target is None:
                for offset in range(3):
                    sheet.write_blank(row, col + offset, None, fmt["blank"])
                continue
            sheet.write_number(row, col, line.target_value, _figure_format(fmt, indicator, line.target_value))
            sheet.write_number(row, col + 1, line.actual, _figure_format(fmt, indicator, line.actual))
            if line.percent is None:
                sheet.write_blank(row, col + 2, None, fmt["blank"])
            else:
                sheet.write_number(row, col + 2, line.percent, fmt["percent"])

    row = sub + 1
    write_unit(row, None, report, own, formats["own_text"])
    for number, (_union, child) in enumerate(tree.children, start=1):
        row += 1
        write_unit(row, number, child, formats, formats["text"])

    sheet.freeze_panes(sub + 1, 3)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(top, sub)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.set_footer("&C&P / &N")
    book.close()
    return buffer.getvalue()


def achievement_filename(report: Report, day: datetime.date | None = None) -> str:
    """An ASCII file name: `chi-tieu-2024-ldld-dlk-2026-11-22.xlsx`."""
    day = day or timezone.localdate()
    return f"chi-tieu-{report.year}-{slugify(report.code) or 'don-vi'}-{day.isoformat()}.xlsx"
