"""The achievement dashboards (PRODUCT.md §6, §8): the user's own unit at /reports/, any union of
its subtree at /reports/unit/<pk>/, a federation at /reports/federation/<pk>/ (its own, or any
for those who read every federation: `User.reads_every_federation`), and the same report as a
workbook. The General Confederation's viewer lands on the national dashboard (`national.py`).

A page is one `tree_report` (the unit and each unit one level below it), one `series` for the
month-by-month chart and one `completeness` for the latest due quarter: a fixed number of
queries whatever the number of units.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from federation.models import Cap, Federation
from federation.views import attachment
from unions.models import Union
from unions.selectors import (
    default_federation_for_user,
    get_federation_for_reports,
    get_union_for_reports,
    get_union_for_user,
)

from ..achievement import Rating, Report, Row, Structure, TreeReport, tree_report
from ..cache import key as figures_key
from ..completeness import completeness
from ..composition import member_composition
from ..exports import XLSX, achievement_filename, achievement_xlsx
from ..forms.dashboard import DashboardForm, Params
from ..measures import series
from ..models import Measure
from ..periods import Period, add_months, is_running, latest_due_quarter, year_period
from ..targets import target_years

CENT = Decimal("0.01")
RANKING_CHART_LIMIT = 30  # bars; the table under the chart lists every unit


def figure(value):
    """A figure as the page shows it (grouped by `intcomma`): whole numbers without decimals."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value) -> float | None:
    """A figure for the chart's JSON."""
    return None if value is None else float(value)


# --- access --------------------------------------------------------------------------------------


def _report_scope(request, pk=None, *, federation_pk=None) -> tuple[Federation, Union | None]:
    """The access helper of the dashboards: the user may read reports, and the union `pk` (or
    the federation `federation_pk`), if given, is one it may read (else 404). Without either,
    the user's own unit: its union, or the federation itself (None)."""
    user = request.user
    if not user.can(Cap.VIEW_REPORTS):
        raise PermissionDenied
    if pk is not None:
        union = get_union_for_reports(user, pk)
        return union.federation, union
    if federation_pk is not None:
        return get_federation_for_reports(user, federation_pk), None
    if user.union_id:
        union = get_union_for_user(user, user.union_id)
        return union.federation, union
    return default_federation_for_user(user), None


def _params(request, federation, union) -> tuple[DashboardForm, Params]:
    today = timezone.localdate()
    form = DashboardForm(request.GET, federation=federation, years=target_years(federation, union), today=today)
    return form, form.params()


def _tree(federation, union, params: Params) -> TreeReport:
    return tree_report(
        federation=federation, union=union, year=params.year, as_of=params.as_of, structure=params.structure
    )


# --- what the page shows -------------------------------------------------------------------------


@dataclass
class Line:
    """A target row as the table shows it."""

    row: Row
    target: object
    actual: object
    percent: Decimal | None
    expected: object
    rating_label: str

    @property
    def indicator(self):
        return self.row.indicator


def target_lines(rows: list[Row]) -> list[Line]:
    return [
        Line(
            row=row,
            target=figure(row.target_value),
            actual=figure(row.actual),
            percent=row.percent,
            expected=figure(row.expected),
            rating_label=Rating(row.rating).label if row.rating else "",
        )
        for row in rows
    ]


@dataclass
class Rank:
    unit: Union | Federation  # a unit below, or a federation on the national dashboard
    report: Report
    row: Row | None
    url: str

    @property
    def percent(self):
        return self.row.percent if self.row else None

    @property
    def rating(self):
        return self.row.rating if self.row else None


def _share(report: Report) -> float:
    """The share of its targets a unit achieved (-1 without targets: those come last)."""
    return report.achieved_or_exceeded / report.targets if report.targets else -1.0


def ranked(entries, code: str, query: str, *, by: str = "code") -> list[Rank]:
    """(unit, report, url name) entries, best first: by their achievement on the chosen indicator
    (those without a target on it after the others), then by the share of their targets achieved,
    then by the unit's `by` (code, or name)."""
    ranks = []
    for unit, report, url_name in entries:
        row = report.row(code)
        row = row if row is not None and row.target is not None else None
        url = reverse(url_name, args=[unit.pk]) + (f"?{query}" if query else "")
        ranks.append(Rank(unit, report, row, url))
    ranks.sort(key=lambda r: (r.percent is None, -(r.percent or 0), -_share(r.report), getattr(r.unit, by)))
    return ranks


def ranking_context(ranks: list[Rank]) -> dict:
    """What the ranking's chart and table need (templates/reports/dashboard/_ranking.html)."""
    charted = ranks[:RANKING_CHART_LIMIT]
    return {
        "ranking": ranks,
        "ranking_chart": {
            "labels": [r.unit.code for r in charted],
            "names": [r.unit.name for r in charted],
            "percent": [_number(r.percent) for r in charted],
            "rating": [r.rating for r in charted],
            "name": _("Achievement (%)"),
        },
        "ranking_truncated": len(ranks) > len(charted),
        # Without a target on the indicator below, the chart would be empty: the table says it all.
        "ranking_charted": any(r.percent is not None for r in charted),
    }


@dataclass
class Month:
    label: str
    period: Period
    actual: object = None
    expected: object = None
    on_track: bool | None = None


def _months(federation, year: int, period: Period) -> list[Month]:
    """The year to the end of each month up to the report's last day (the last one cut there)."""
    full = year_period(federation, year)
    months = []
    for m in range(1, 13):
        start = add_months(full.start, m - 1)
        if start > period.end:
            break
        end = add_months(full.start, m) - datetime.timedelta(days=1)
        label = f"{start:%m/%Y}"
        if period.end < end:
            label = _("%(month)s (to %(day)s)") % {"month": label, "day": f"{period.end:%d/%m}"}
        months.append(Month(label, Period(full.start, min(end, period.end))))
    return months


def _progress(federation, report: Report, row: Row | None, structure: str) -> list[Month]:
    """The chosen indicator's value for the year to each month's end, beside its target pro-rated
    by month (a flow's share of the year, a stock's straight line from the year's opening)."""
    if row is None:
        return []
    months = _months(federation, report.year, report.period)
    if not months:
        return months
    indicator = row.indicator
    structure_on = report.period.end if structure == Structure.PERIOD_END else None
    periods = [m.period for m in months]
    stock = indicator.measure == Measure.STOCK and row.target is not None
    if stock:
        # The year's opening, in the same query.
        periods = [Period(periods[0].start, periods[0].start - datetime.timedelta(days=1)), *periods]
    values = [
        v[indicator.code] for v in series([indicator], path=report.path, periods=periods, structure_on=structure_on)
    ]
    opening = values.pop(0) if stock else None
    for number, (month, value) in enumerate(zip(months, values, strict=True), start=1):
        month.actual = value
        if row.target is None:
            continue
        target = row.target_value
        share = Decimal(number) / 12
        if indicator.is_flow:
            expected = target * share
        elif stock:
            expected = opening + (target - opening) * share
        else:
            expected = target
        month.expected = expected.quantize(CENT, rounding=ROUND_HALF_UP)
        month.on_track = value >= month.expected
    return months


def _crumbs(user, federation, union) -> list[tuple[str, str | None]]:
    """From the federation (the country first, for those who read every federation) down to
    the unit: each level linked when the user may open it."""
    nation = user.reads_every_federation
    own_path = "" if nation else (user.scope_path or "")
    levels: list[tuple[str, str | None, str]] = [(federation.name, None, federation.path)]
    if union is not None:
        if union.parent_id:
            levels.append((union.parent.name, union.parent_id, union.parent.path))
        levels.append((union.name, union.pk, union.path))
    crumbs = [(_("General Confederation"), reverse("reports:national"))] if nation else []
    for name, pk, unit_path in levels:
        if nation and pk is None:
            url = reverse("reports:federation", args=[federation.pk])
        elif (user.union_id and pk == user.union_id) or (not user.union_id and pk is None):
            url = reverse("reports:dashboard")
        elif pk is not None and unit_path.startswith(own_path):
            url = reverse("reports:unit", args=[pk])
        else:
            url = None
        crumbs.append((name, url))
    return crumbs


def _page(request, federation: Federation, union: Union | None):
    user = request.user
    today = timezone.localdate()
    form, params = _params(request, federation, union)
    tree = _tree(federation, union, params)
    report = tree.report
    running = is_running(federation, params.year, params.as_of)

    chosen = report.row(params.indicator)
    if chosen is None and report.targeted:
        chosen = report.targeted[0]
    code = chosen.indicator.code if chosen else params.indicator
    months = _progress(federation, report, chosen, params.structure)

    # Links down the tree and up the breadcrumbs keep the year, day, structure and indicator.
    query = urlencode({k: v for k, v in form.shown_data(params).items() if v != ""})
    ranks = ranked(((union, r, "reports:unit") for union, r in tree.children), code, query)

    due_year, due_quarter = latest_due_quarter(federation, min(today, report.period.end))
    standing = completeness(
        federation, path=union.path if union else federation.path, year=due_year, quarter=due_quarter, today=today
    )

    chart = {
        "labels": [m.label for m in months],
        "actual": [_number(m.actual) for m in months],
        "expected": [_number(m.expected) for m in months],
        "names": {"actual": _("Actual (cumulative)"), "expected": _("Target to date")},
    }
    ctx = {
        "federation": federation,
        "union": union,
        "unit": report.unit,
        "report": report,
        "form": form,
        "params": params,
        "query": query,
        "running": running,
        "lines": target_lines(report.targeted),
        "chosen": chosen,
        "chosen_code": code,
        "months": months,
        "chart": chart,
        **ranking_context(ranks),
        "standing": standing,
        "crumbs": _crumbs(user, federation, union),
        "structure_label": Structure(params.structure).label,
        "export_query": urlencode({**_export_unit(user, federation, union), **dict(form.shown_data(params))}),
        "composition": member_composition(federation=federation, union=union),
        **tables_cache(federation, union, query, today),
    }
    return render(request, "reports/dashboard/dashboard.html", ctx)


def tables_cache(federation, union, query: str, today) -> dict:
    """The `{% cache %}` arguments of a dashboard's per-unit tables (ranking, composition): a
    district's page lists hundreds of units, and rendering them is most of a cached page's time.
    The key holds the figures' stamp (reports/cache.py), so a committed write renders them anew;
    the page's parameters, the day and the language do too. Nothing in the tables depends on
    the reader: their links are to units of the page's own subtree."""
    unit = ("union", union.pk) if union is not None else ("federation", federation.pk)
    return {
        "tables_seconds": settings.REPORTS_CACHE_SECONDS,
        "tables_key": figures_key("dashboard-tables", unit, query, today, get_language()),
    }


def _export_unit(user, federation, union) -> dict:
    """What names the page's unit to the export: the union, or the federation for those who read
    every federation (the others' federation is their own, the default)."""
    if union is not None:
        return {"unit": union.pk}
    return {"federation": federation.pk} if user.reads_every_federation else {}


# --- views ---------------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    """The leadership dashboard of the user's own unit; the national dashboard for an account
    above the federations (the General Confederation's viewer)."""
    if request.user.scope_path is None and request.user.reads_every_federation:
        from .national import national_page

        return national_page(request)
    federation, union = _report_scope(request)
    return _page(request, federation, union)


@login_required
@require_GET
def federation_dashboard(request, pk):
    """A federation's own dashboard: the user's own federation, or any for those who read every
    federation (404 for the rest)."""
    federation, union = _report_scope(request, federation_pk=pk)
    return _page(request, federation, union)


@login_required
@require_GET
def unit_dashboard(request, pk):
    """The dashboard of a union of the user's subtree (404 outside it)."""
    federation, union = _report_scope(request, pk)
    return _page(request, federation, union)


@login_required
@require_GET
def export(request):
    """The dashboard's report as an .xlsx file: `?unit=<pk>` or `?federation=<pk>` (default: the
    user's own unit) and the dashboard's parameters."""
    pk, federation_pk = request.GET.get("unit", ""), request.GET.get("federation", "")
    if (pk and not pk.isdigit()) or (federation_pk and not federation_pk.isdigit()):
        raise Http404
    federation, union = _report_scope(
        request, int(pk) if pk else None, federation_pk=int(federation_pk) if federation_pk and not pk else None
    )
    _form, params = _params(request, federation, union)
    tree = _tree(federation, union, params)
    return attachment(achievement_xlsx(tree), achievement_filename(tree.report), XLSX)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("federation/<int:pk>/", federation_dashboard, name="federation"),
    path("unit/<int:pk>/", unit_dashboard, name="unit"),
    path("export/", export, name="export"),
]
