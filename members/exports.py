"""Rolls as files: the import template and the export of any scope, in the template's columns
(§4), so that an export imports back unchanged."""

import csv
import io

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .importing import COLUMNS
from .models import Member

# Text a spreadsheet would run as a formula is written with a leading apostrophe (§4).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FIELDS = [c.key for c in COLUMNS]


def neutralize(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _row(member: Member, union_code: str) -> list:
    values = {
        "full_name": member.full_name,
        "gender": "Nữ" if member.gender == "female" else "Nam",
        "date_of_birth": member.date_of_birth.strftime("%d/%m/%Y"),
        "citizen_id": member.citizen_id,
        "joined_on": member.joined_on.strftime("%d/%m/%Y"),
        "union_code": union_code,
        "ethnicity": member.ethnicity,
        "religion": member.religion,
        "job_title": member.job_title,
        "union_position": member.union_position,
        "is_party_member": "x" if member.is_party_member else "",
        "phone": member.phone,
        "email": member.email,
        "member_code": member.member_code,
        "address": member.address,
    }
    return [neutralize(values[key]) for key in EXPORT_FIELDS]


def roll_rows(queryset):
    """Template rows of the members, by union then name, streamed in chunks."""
    for member in queryset.select_related("union").order_by("union__code", "sort_name", "pk").iterator(chunk_size=5000):
        yield _row(member, member.union.code)


def roll_csv(queryset) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Vietnamese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(roll_rows(queryset))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def roll_xlsx(queryset, *, title: str = "") -> bytes:
    """The roll as a workbook: an optional title, the header row, one member a row; every cell
    text, so citizen IDs keep their leading zeros."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet(_("Members"))
    bold = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    text = workbook.add_format({"num_format": "@"})
    row = 0
    if title:
        sheet.write_string(0, 0, title, workbook.add_format({"bold": True, "font_size": 13}))
        row = 2
    for col, column in enumerate(COLUMNS):
        sheet.write_string(row, col, column.header, bold)
        sheet.set_column(col, col, 30 if column.key in ("full_name", "job_title", "address") else 14, text)
    sheet.freeze_panes(row + 1, 0)
    for values in roll_rows(queryset):
        row += 1
        for col, value in enumerate(values):
            sheet.write_string(row, col, value or "")
    workbook.close()
    return buffer.getvalue()


def roll_file(queryset, *, unit, fmt: str) -> tuple[bytes, str, str]:
    """The roll of `unit` (None: everyone's) as it is downloaded: (content, file name, type)."""
    from django.utils import timezone

    stem = f"doan-vien-{(unit.code if unit else 'all').lower()}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        return roll_csv(queryset), f"{stem}.csv", "text/csv; charset=utf-8"
    title = _("Members of %(unit)s on %(day)s") % {
        "unit": unit.name if unit else "",
        "day": timezone.localdate().strftime("%d/%m/%Y"),
    }
    return roll_xlsx(queryset, title=title), f"{stem}.xlsx", XLSX


def template_xlsx() -> bytes:
    """The empty import template, with a sample row and a sheet of instructions."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_("Members"))
    bold = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    text = workbook.add_format({"num_format": "@"})
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header, bold)
        sheet.set_column(col, col, 30 if column.key in ("full_name", "job_title", "address") else 16, text)
    sheet.freeze_panes(1, 0)
    help_sheet = workbook.add_worksheet(_("Instructions"))
    help_sheet.set_column(0, 0, 24)
    help_sheet.set_column(1, 1, 90)
    help_sheet.write_row(0, 0, [_("Column"), _("How to fill it")], bold)
    for row, column in enumerate(COLUMNS, start=1):
        help_sheet.write_row(row, 0, [column.header, str(TEMPLATE_HELP[column.key])])
    workbook.close()
    return buffer.getvalue()


def template_csv() -> bytes:
    return ("\ufeff" + ",".join(c.header for c in COLUMNS) + "\r\n").encode("utf-8")


TEMPLATE_HELP = {
    "full_name": gettext_lazy("Required. Letters, spaces and . ' - only."),
    "gender": gettext_lazy("Required. Nam or Nữ."),
    "date_of_birth": gettext_lazy("Required. dd/mm/yyyy, e.g. 22/07/1990."),
    "citizen_id": gettext_lazy("Required. 12 digits (type it as text so Excel keeps the leading zeros)."),
    "joined_on": gettext_lazy("Required. dd/mm/yyyy; not in the future, at 15 years old or later."),
    "union_code": gettext_lazy("The grassroots union's code; required when the file covers several unions."),
    "ethnicity": gettext_lazy("One of the 54 ethnic groups, e.g. Kinh, Ê Đê."),
    "religion": gettext_lazy("Free text."),
    "job_title": gettext_lazy("Free text."),
    "union_position": gettext_lazy("Free text, e.g. Chủ tịch, Ủy viên BCH."),
    "is_party_member": gettext_lazy("x if the member is a Party member, otherwise leave it blank."),
    "phone": gettext_lazy("0 and 9 digits, e.g. 0912345678."),
    "email": gettext_lazy("An e-mail address."),
    "member_code": gettext_lazy("The member code given by the General Confederation, if any."),
    "address": gettext_lazy("Free text."),
}


def annotated_workbook(batch) -> bytes:
    """The uploaded roll back as a workbook with an added error column, rows with errors
    highlighted, row numbers kept: fix it in Excel and upload it again."""
    from collections import defaultdict
    from pathlib import Path

    from .importing import FileRefused, open_table

    headers = {c.key: c.header for c in COLUMNS}
    problems = defaultdict(list)
    for issue in batch.errors:
        if issue.get("row"):
            label = headers.get(issue.get("column"), issue.get("column") or "")
            problems[issue["row"]].append(f"{label}: {issue['message']}" if label else issue["message"])
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet((batch.errors[0].get("sheet") if batch.errors else None) or _("Members"))
    bold = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
    flagged = workbook.add_format({"bg_color": "#F8D7DA"})
    error_text = workbook.add_format({"font_color": "#9C0006", "text_wrap": True})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    try:
        table = open_table(Path(batch.file.path), batch.filename)
    except FileRefused:
        workbook.close()
        return buffer.getvalue()
    width = len(table.keys)
    header_index = table.header_row - 1
    for col, key in enumerate(table.keys):
        sheet.write_string(header_index, col, headers.get(key, "") if key else "", bold)
    sheet.write_string(header_index, width, _("Errors"), bold)
    sheet.set_column(width, width, 60)
    sheet.freeze_panes(header_index + 1, 0)
    for number, cells in table.rows:
        row_format = flagged if number in problems else None
        for col, value in enumerate(cells[:width]):
            if value in (None, ""):
                continue
            if hasattr(value, "year"):
                sheet.write_datetime(number - 1, col, value, date_format)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(number - 1, col, value, row_format)
            else:
                sheet.write_string(number - 1, col, str(value), row_format)
        if number in problems:
            sheet.write_string(number - 1, width, "\n".join(problems[number]), error_text)
    workbook.close()
    return buffer.getvalue()
