"""The national dashboard (PRODUCT.md §6, §8) of the General Confederation (Tổng Liên đoàn), which
assigns every provincial federation its yearly targets: per indicator the country's target (the
sum of the federations' own) against the actual, and the federations ranked by their achievement
of a chosen indicator, each a click away from its own dashboard (`dashboard.federation_dashboard`).

Figures only, no record: the page is one `national_report` (a fixed number of queries whatever
the number of federations). Who may open it: `User.reads_every_federation`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from ..achievement import NATIONAL_CALENDAR, NationalReport, Structure, national_report
from ..forms.dashboard import DashboardForm, Params
from ..models import Target
from ..periods import is_running
from .dashboard import ranked, ranking_context, target_lines


def national_years() -> list[int]:
    """The years any federation has its own target for, latest first (one query)."""
    years = Target.objects.filter(union__isnull=True).order_by().values_list("year", flat=True).distinct()
    return sorted(set(years), reverse=True)


def national_params(request) -> tuple[DashboardForm, Params]:
    """The national dashboard's filter: the calendar year (`NATIONAL_CALENDAR`) and the same
    defaults as a federation's dashboard."""
    form = DashboardForm(request.GET, federation=NATIONAL_CALENDAR, years=national_years(), today=timezone.localdate())
    return form, form.params()


def check_national(user) -> None:
    """Only accounts that read every federation; a federation's own users get 403 (they are
    signed in and read reports, just not the country's)."""
    if not user.reads_every_federation:
        raise PermissionDenied


def compute(params: Params) -> NationalReport:
    return national_report(year=params.year, as_of=params.as_of, structure=params.structure)


def national_page(request):
    """The national dashboard (also what /reports/ shows the General Confederation's viewer)."""
    check_national(request.user)
    form, params = national_params(request)
    national = compute(params)
    report = national.report
    chosen = report.row(params.indicator)
    if chosen is None or chosen.target is None:
        # The chosen indicator, else the first one the federations have targets on.
        targeted = [r.indicator.code for f in national.federations for r in f.targeted]
        code = params.indicator if params.indicator in targeted else (targeted[0] if targeted else params.indicator)
        chosen = report.row(code)
    code = chosen.indicator.code if chosen else params.indicator
    shown = {**form.shown_data(params), "indicator": code}
    query = urlencode({k: v for k, v in shown.items() if v != ""})
    # The federations, ranked as a dashboard ranks the units below it (ties by name).
    entries = ((f.federation, f, "reports:federation") for f in national.federations)
    ranks = ranked(entries, code, query, by="name")
    with_targets = [f for f in national.federations if f.targets]
    ctx = {
        "national": national,
        "report": report,
        "form": form,
        "params": params,
        "query": query,
        # the filter without the indicator: each target's row picks it for the ranking
        "base_query": urlencode({k: v for k, v in shown.items() if v != "" and k != "indicator"}),
        "running": is_running(NATIONAL_CALENDAR, params.year, params.as_of),
        "lines": target_lines(national.shown),
        "chosen": chosen,
        "chosen_code": code,
        **ranking_context(ranks),
        "federations": len(national.federations),
        "federations_with_targets": len(with_targets),
        "federations_without_targets": len(national.federations) - len(with_targets),
        "federations_met_all": sum(1 for f in with_targets if f.achieved_or_exceeded == f.targets),
        "structure_label": Structure(params.structure).label,
    }
    return render(request, "reports/national.html", ctx)


@login_required
@require_GET
def national(request):
    """The national dashboard at its own address (the viewer's /reports/ shows it too)."""
    return national_page(request)


urlpatterns = [path("national/", national, name="national")]
