"""Welfare records as workbooks (.xlsx): activities, Union Shelters, a fund's entries and the
totals of a scope and period.

Amounts and counts are number cells (grouped thousands) and dates real date cells (dd/mm/yyyy),
so the figures add up in Excel; text a spreadsheet would run as a formula is neutralized
(`members.exports.neutralize`). Each export reads its rows in one query, whatever their number.
"""

import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import xlsxwriter
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from members.exports import XLSX, neutralize
from members.models import Member

from .models import SOURCES, Activity, Beneficiary, EntryKind, Fund, FundEntry, Shelter
from .selectors import WelfareTotals

__all__ = ["XLSX", "activities_xlsx", "shelters_xlsx", "fund_entries_xlsx", "totals_xlsx"]

TEXT, DATE, MONEY, COUNT = "text", "date", "money", "count"
DATE_FORMAT = "dd/mm/yyyy"
NUMBER_FORMAT = "#,##0"


def _field(model, name: str):
    """A column header from the model field's (translated) name."""
    return model._meta.get_field(name).verbose_name


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translation, rendered (capitalized) in the language active when the file is made
    value: Callable[[Any], Any]
    kind: str = TEXT
    width: int = 14
    personal: bool = False  # personal data (§1): left out for roles that may not see it
    summed: bool = True  # number columns add up in the total row; a running balance does not


def _organizer_name(record) -> str:
    return record.organizer.name


def _organizer_code(record) -> str:
    return record.organizer.code


ACTIVITY_COLUMNS = [
    Column(_field(Activity, "held_on"), attrgetter("held_on"), DATE, 12),
    Column(_field(Activity, "program"), lambda a: a.get_program_display(), TEXT, 22),
    Column(_field(Activity, "occasion"), lambda a: a.occasion.name if a.occasion_id else "", TEXT, 22),
    Column(_field(Activity, "title"), attrgetter("title"), TEXT, 40),
    Column(gettext_lazy("Unit code"), _organizer_code, TEXT, 12),
    Column(_field(Activity, "union"), _organizer_name, TEXT, 36),
    Column(_field(Activity, "support_form"), lambda a: a.get_support_form_display(), TEXT, 18),
    Column(_field(Activity, "person_times"), attrgetter("person_times"), COUNT, 12),
    Column(gettext_lazy("named beneficiaries"), attrgetter("xlsx_named"), COUNT, 12),
    *[Column(_field(Activity, name), attrgetter(name), MONEY, 16) for name in SOURCES],
    Column(gettext_lazy("total (VND)"), attrgetter("amount_total"), MONEY, 16),
    Column(_field(Activity, "note"), attrgetter("note"), TEXT, 30),
]

SHELTER_COLUMNS = [
    Column(_field(Shelter, "approved_on"), attrgetter("approved_on"), DATE, 12),
    Column(_field(Shelter, "decision_number"), attrgetter("decision_number"), TEXT, 16),
    Column(_field(Shelter, "member"), lambda s: s.member.full_name, TEXT, 26),
    Column(_field(Member, "union"), lambda s: s.member.union.code, TEXT, 12),
    Column(_field(Shelter, "union"), _organizer_name, TEXT, 32),
    Column(gettext_lazy("kind"), lambda s: _("repair") if s.is_repair else _("new house"), TEXT, 12),
    Column(_field(Shelter, "address"), attrgetter("address"), TEXT, 32, personal=True),
    Column(_field(Shelter, "total_cost"), attrgetter("total_cost"), MONEY, 16),
    *[Column(_field(Shelter, name), attrgetter(name), MONEY, 16) for name in SOURCES],
    Column(gettext_lazy("support (VND)"), attrgetter("amount_total"), MONEY, 16),
    Column(_field(Shelter, "status"), lambda s: s.get_status_display(), TEXT, 14),
    Column(_field(Shelter, "started_on"), attrgetter("started_on"), DATE, 12),
    Column(_field(Shelter, "handed_over_on"), attrgetter("handed_over_on"), DATE, 12),
    Column(_field(Shelter, "cancelled_on"), attrgetter("cancelled_on"), DATE, 12),
    Column(_field(Shelter, "cancel_reason"), attrgetter("cancel_reason"), TEXT, 24),
    Column(_field(Shelter, "note"), attrgetter("note"), TEXT, 30),
]

FUND_ENTRY_COLUMNS = [
    Column(_field(FundEntry, "on"), attrgetter("on"), DATE, 12),
    Column(_field(FundEntry, "kind"), lambda e: e.get_kind_display(), TEXT, 14),
    Column(gettext_lazy("in (VND)"), lambda e: e.amount if e.kind == EntryKind.CONTRIBUTION else None, MONEY, 16),
    Column(gettext_lazy("out (VND)"), lambda e: e.amount if e.kind == EntryKind.PAYOUT else None, MONEY, 16),
    Column(_field(FundEntry, "balance_after"), attrgetter("balance_after"), MONEY, 18, summed=False),
    Column(_field(FundEntry, "counterparty"), attrgetter("counterparty"), TEXT, 30),
    Column(_field(FundEntry, "member"), lambda e: e.member.full_name if e.member_id else "", TEXT, 26),
    Column(_field(FundEntry, "note"), attrgetter("note"), TEXT, 30),
]

TOTALS_COLUMNS = [
    Column(gettext_lazy("program"), attrgetter("label"), TEXT, 30),
    Column(gettext_lazy("activities"), attrgetter("activities"), COUNT, 12),
    Column(gettext_lazy("person-times"), attrgetter("person_times"), COUNT, 12),
    Column(gettext_lazy("persons"), attrgetter("persons"), COUNT, 12),
    *[Column(_field(Activity, name), attrgetter(name), MONEY, 18) for name in SOURCES],
    Column(gettext_lazy("total (VND)"), attrgetter("amount_total"), MONEY, 18),
]


# --- querysets: everything a row shows, in one query -------------------------------------------


def _activities(queryset):
    named = (
        Beneficiary.objects.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.select_related("union", "federation", "occasion").annotate(
        xlsx_named=Coalesce(Subquery(named, output_field=IntegerField()), 0)
    )


def _shelters(queryset):
    return queryset.select_related("union", "federation", "member__union")


def _entries(queryset):
    return queryset.select_related("member")


# --- tables: the same rows for the workbooks and the admin's export ----------------------------


def _plain(column: Column, obj):
    """A cell for a plain table (CSV and friends): dates as dd/mm/yyyy, numbers as numbers,
    text neutralized."""
    value = column.value(obj)
    if value is None:
        return ""
    if column.kind == DATE:
        return value.strftime("%d/%m/%Y")
    if column.kind in (MONEY, COUNT):
        return value
    return neutralize(str(value))


def _table(columns: list[Column], objects: Iterable) -> tuple[list[str], Iterable[list]]:
    headers = [capfirst(str(c.header)) for c in columns]
    return headers, ([_plain(c, obj) for c in columns] for obj in objects)


def activities_table(queryset) -> tuple[list[str], Iterable[list]]:
    """(headers, rows) of the activities, as `activities_xlsx` lays them out."""
    return _table(ACTIVITY_COLUMNS, _activities(queryset).iterator(chunk_size=2000))


def shelters_table(queryset, *, personal_data: bool = True) -> tuple[list[str], Iterable[list]]:
    return _table(_shelter_columns(personal_data), _shelters(queryset).iterator(chunk_size=2000))


def _shelter_columns(personal_data: bool) -> list[Column]:
    if personal_data:
        return SHELTER_COLUMNS
    return [c for c in SHELTER_COLUMNS if not c.personal]


# --- workbooks ---------------------------------------------------------------------------------


class _Book:
    """One worksheet with the formats every welfare export shares."""

    def __init__(self, sheet_name: str):
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self.buffer,
            {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        # Sheet names are at most 31 characters, without []:*?/\.
        name = "".join(ch for ch in sheet_name if ch not in "[]:*?/\\")[:31] or "Sheet1"
        self.sheet = self.workbook.add_worksheet(name)
        add = self.workbook.add_format
        self.formats = {
            TEXT: None,
            DATE: add({"num_format": DATE_FORMAT}),
            MONEY: add({"num_format": NUMBER_FORMAT}),
            COUNT: add({"num_format": NUMBER_FORMAT}),
            "title": add({"bold": True, "font_size": 13}),
            "header": add({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "vcenter"}),
            "bold": add({"bold": True}),
            "total": add({"bold": True, "num_format": NUMBER_FORMAT, "top": 1}),
            "total_label": add({"bold": True, "top": 1}),
        }

    def cell(self, row: int, col: int, value, kind: str = TEXT, cell_format=None) -> None:
        if value is None or value == "":
            if cell_format is not None:
                self.sheet.write_blank(row, col, None, cell_format)
            return
        cell_format = cell_format or self.formats[kind]
        if kind == DATE:
            self.sheet.write_datetime(row, col, value, cell_format)
        elif kind in (MONEY, COUNT):
            self.sheet.write_number(row, col, value, cell_format)
        else:
            self.sheet.write_string(row, col, neutralize(str(value)), cell_format)

    def title(self, row: int, text: str) -> None:
        self.sheet.write_string(row, 0, neutralize(text), self.formats["title"])

    def table(self, row: int, columns: list[Column], objects: Iterable, *, number: bool = True, total: bool = True):
        """The header at `row`, one object a row below it (numbered "No." when `number`), and a
        total row summing the number columns. Returns the next free row."""
        offset = 1 if number else 0
        if number:
            self.sheet.write_string(row, 0, _("No."), self.formats["header"])
            self.sheet.set_column(0, 0, 6)
        for col, column in enumerate(columns, start=offset):
            self.sheet.write_string(row, col, capfirst(str(column.header)), self.formats["header"])
            self.sheet.set_column(col, col, column.width)
        self.sheet.freeze_panes(row + 1, 0)
        header_row = row
        sums = [0 if c.kind in (MONEY, COUNT) and c.summed else None for c in columns]
        for index, obj in enumerate(objects, start=1):
            row += 1
            if number:
                self.sheet.write_number(row, 0, index)
            for i, column in enumerate(columns):
                value = column.value(obj)
                self.cell(row, i + offset, value, column.kind)
                if sums[i] is not None and value:
                    sums[i] += value
        if row > header_row:
            self.sheet.autofilter(header_row, 0, row, len(columns) + offset - 1)
        if total:
            row += 1
            self.sheet.write_string(row, 0, _("Total"), self.formats["total_label"])
            for i, value in enumerate(sums):
                if i + offset == 0:
                    continue
                if value is None:
                    self.sheet.write_blank(row, i + offset, None, self.formats["total_label"])
                else:
                    self.sheet.write_number(row, i + offset, value, self.formats["total"])
        return row + 1

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


def activities_xlsx(queryset, *, title: str = "") -> bytes:
    """The activities of `queryset` (already scoped and filtered), in its order: a title row, the
    header, one activity a row, a total row."""
    book = _Book(_("Welfare activities"))
    book.title(0, title or _("Welfare activities"))
    book.table(2, ACTIVITY_COLUMNS, _activities(queryset).iterator(chunk_size=2000))
    return book.close()


def shelters_xlsx(queryset, *, title: str = "", personal_data: bool = True) -> bytes:
    """The Union Shelters of `queryset`; the house's address only with `personal_data`."""
    book = _Book(_("Union Shelters"))
    book.title(0, title or _("Union Shelters"))
    book.table(2, _shelter_columns(personal_data), _shelters(queryset).iterator(chunk_size=2000))
    return book.close()


def fund_entries_xlsx(fund: Fund, queryset) -> bytes:
    """A fund's contributions and payouts: the fund's name, holder and balance above the table."""
    book = _Book(_("Fund entries"))
    book.title(0, fund.name)
    book.cell(1, 0, capfirst(_field(Fund, "union")), cell_format=book.formats["bold"])
    book.cell(1, 1, fund.organizer.name)
    book.cell(2, 0, capfirst(_field(Fund, "balance")), cell_format=book.formats["bold"])
    book.cell(2, 1, fund.balance, MONEY)
    book.table(4, FUND_ENTRY_COLUMNS, _entries(queryset).iterator(chunk_size=2000))
    return book.close()


def totals_xlsx(totals: WelfareTotals, *, scope_name: str) -> bytes:
    """The welfare totals of a scope and period: one program a row, the total row (persons
    counted once across programs), then the funds."""
    book = _Book(_("Welfare totals"))
    book.title(0, _("Welfare totals: %(scope)s") % {"scope": scope_name})
    book.cell(1, 0, pgettext("start of a period", "From"), cell_format=book.formats["bold"])
    book.cell(1, 1, totals.start, DATE)
    book.cell(1, 2, pgettext("end of a period", "To"), cell_format=book.formats["bold"])
    book.cell(1, 3, totals.end, DATE)
    row = book.table(3, TOTALS_COLUMNS, totals.rows, number=False, total=False)
    book.cell(row, 0, _("Total"), cell_format=book.formats["total_label"])
    for col, column in enumerate(TOTALS_COLUMNS[1:], start=1):
        book.cell(row, col, column.value(totals.total), column.kind, book.formats["total"])
    row += 2
    book.cell(row, 0, _("Funds"), cell_format=book.formats["bold"])
    for label, value in (
        (_("Contributions received (VND)"), totals.funds.raised),
        (_("Payouts made (VND)"), totals.funds.paid),
        (_("Raised for the Trade Union Social Fund (VND)"), totals.funds.social_raised),
    ):
        row += 1
        book.cell(row, 0, label)
        book.cell(row, 1, value, MONEY)
    return book.close()


def filename(stem: str, day: datetime.date | None = None) -> str:
    """An ASCII file name with the day it was made: `hoat-dong-2025-03-01.xlsx`."""
    return f"{stem}-{(day or timezone.localdate()).isoformat()}.xlsx"
