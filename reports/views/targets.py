"""Target screens (PRODUCT.md §6, §8): a unit's targets with their allocation to the child units,
setting and revising a target, and allocating one indicator to the child units in one table.

Every view starts from an access helper: a unit or target outside the user's subtree answers
404, a read-only role (leader, chair) 403 on writes. Reads go through reports.targets and
reports.achievement, writes through reports.services.targets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from federation.forms import posted, write_or_errors
from federation.models import Cap
from federation.selectors import object_history
from unions.models import Level
from unions.selectors import default_federation_for_user, filter_unions, get_union_for_user

from .. import targets as selectors
from ..achievement import unit_report
from ..forms.targets import (
    AllocationForm,
    AllocationPickForm,
    TargetEditForm,
    TargetFilterForm,
    TargetForm,
    show_number,
    target_initial,
)
from ..models import Indicator, Target
from ..periods import report_year
from ..services import targets as services

# --- small helpers -------------------------------------------------------------------------------


def _viewer(user):
    """Targets are read by every role that sees reports."""
    if not user.can(Cap.VIEW_REPORTS):
        raise PermissionDenied


def _union_param(request, name="union"):
    """The union named by `?<name>=<pk>`, 404 unless the user may see it; None without one."""
    pk = request.GET.get(name, "")
    return get_union_for_user(request.user, int(pk)) if pk.isdigit() else None


def _federation(user, union=None):
    return union.federation if union is not None else default_federation_for_user(user)


def _this_year(federation) -> int:
    return report_year(federation, timezone.localdate())


def _years(federation, user, shown: int) -> list[int]:
    """Years with targets in the user's scope, the years around this one and the one shown,
    newest first."""
    this = _this_year(federation)
    years = set(Target.objects.visible_to(user).filter(federation=federation).values_list("year", flat=True))
    return sorted(years | {this - 1, this, this + 1, shown}, reverse=True)


def _year_param(request, federation) -> int:
    value = request.GET.get("year", "")
    if value.isdigit() and services.MIN_YEAR <= int(value) <= services.MAX_YEAR:
        return int(value)
    return _this_year(federation)


def _list_url(year, union=None) -> str:
    query = {"year": year}
    if union is not None:
        query["union"] = union.pk
    return reverse("reports:targets") + "?" + urlencode(query)


def _may(check, *args) -> bool:
    try:
        check(*args)
    except (PermissionDenied, Http404):
        return False
    return True


# --- the list --------------------------------------------------------------------------------------


@login_required
@require_GET
def targets(request):
    """A unit's targets for a year (the user's own unit, or `?union=` in its subtree) with how
    far each is achieved, and, per indicator, what was allocated to the units one level below."""
    _viewer(request.user)
    user = request.user
    union = _union_param(request) or (user.union if user.union_id else None)
    federation = _federation(user, union)
    year = _year_param(request, federation)
    unions = filter_unions(user)
    own_label = user.unit.name if user.unit is not None else federation.name
    form = TargetFilterForm(
        {"year": year, "union": union.pk if union is not None and union.pk != user.union_id else ""},
        years=_years(federation, user, year),
        unions=unions,
        scope_label=own_label,
    )
    form.is_valid()

    report = unit_report(federation=federation, union=union, year=year)
    allocated = selectors.child_targets(federation=federation, parent=union, year=year)
    holding = {uid for given in allocated.values() for uid in given}
    # The units below today: the open ones, and closed ones still holding a target this year.
    kids = {
        u.pk: u for u in selectors.child_units(federation=federation, parent=union) if u.is_active or u.pk in holding
    }
    checks = {a.indicator.pk: a for a in selectors.allocation_check(federation=federation, parent=union, year=year)}
    own = {row.indicator.pk: row for row in report.targeted}
    allocations = []
    for indicator in Indicator.objects.filter(is_active=True):
        given = allocated.get(indicator.pk, {})
        if indicator.pk not in own and not given:
            continue
        allocations.append(
            {
                "indicator": indicator,
                "target": own[indicator.pk].target if indicator.pk in own else None,
                "check": checks.get(indicator.pk),
                "children": [(kids.get(uid) or t.union, t) for uid, t in given.items()],
            }
        )
    ctx = {
        "form": form,
        "show_union_filter": len(unions) > 1,
        "federation": federation,
        "union": union,
        "unit_name": union.name if union is not None else federation.name,
        "year": year,
        "report": report,
        "rows": report.targeted,
        "has_children": bool(kids),
        "children_count": len(kids),
        "allocations": allocations if kids else [],
        "can_set": selectors.may_manage_targets(user),
        "can_allocate": bool(kids) and _may(selectors.check_allocation_access, user, federation, union),
        "create_query": urlencode({"year": year, **({"union": union.pk} if union is not None else {})}),
    }
    return render(request, "reports/targets/list.html", ctx)


# --- one target ------------------------------------------------------------------------------------


@login_required
@require_GET
def target_detail(request, pk):
    target = selectors.get_target_for_user(request.user, pk)
    user = request.user
    report = unit_report(federation=target.federation, union=target.union, year=target.year)
    row = report.row(target.indicator.code)
    check = None
    has_children = selectors.child_units(federation=target.federation, parent=target.union).exists()
    if has_children and target.indicator.is_additive:
        checks = selectors.allocation_check(federation=target.federation, parent=target.union, year=target.year)
        check = next((a for a in checks if a.indicator.pk == target.indicator_id), None)
    ctx = {
        "target": target,
        "unit_name": target.organizer.name,
        "row": row,
        "check": check,
        "has_children": has_children,
        "revisions": target.revisions.select_related("changed_by").order_by("-number"),
        "can_edit": selectors.can_set_target(user, target.federation, target.union),
        "can_allocate": has_children and _may(selectors.check_allocation_access, user, target.federation, target.union),
        "list_url": _list_url(target.year, target.union),
        "history": object_history(target),
    }
    return render(request, "reports/targets/detail.html", ctx)


def _form_page(request, form, *, title, submit, cancel_url, crumbs, subtitle="", intro=""):
    return render(
        request,
        "reports/targets/form.html",
        {
            "form": form,
            "title": title,
            "subtitle": subtitle,
            "intro": intro,
            "submit": submit,
            "cancel_url": cancel_url,
            "crumbs": crumbs,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_create(request):
    """Set a target: `?union=`, `?indicator=` (a code) and `?year=` preselect the form."""
    user = request.user
    if not selectors.may_manage_targets(user):
        raise PermissionDenied
    union = _union_param(request)
    federation = _federation(user, union)
    if union is not None:
        selectors.check_target_access(user, federation, union)
    allow_federation, unions = selectors.settable_units(user, federation)
    if not allow_federation and not unions:
        raise PermissionDenied
    initial = {"year": _year_param(request, federation)}
    if union is not None:
        initial["unit"] = str(union.pk)
    elif len(unions) == 1 and not allow_federation:
        initial["unit"] = str(unions[0].pk)
    indicator = Indicator.objects.filter(code=request.GET.get("indicator", ""), is_active=True).first()
    if indicator is not None:
        initial["indicator"] = indicator.pk
    form = TargetForm(
        posted(request), federation=federation, unions=unions, allow_federation=allow_federation, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = write_or_errors(
            form,
            lambda: services.target_set(
                federation=federation, union=data["unit"], indicator=data["indicator"], year=data["year"],
                value=data["value"], note=data.get("note") or "", by=user, request=request, **form.document_data(),
            ),
            {"union": "unit"},
        )  # fmt: skip
        if target is not None:
            messages.success(
                request,
                _("The target “%(indicator)s” %(year)s of %(unit)s was set: %(value)s.")
                % {
                    "indicator": target.indicator.name,
                    "year": target.year,
                    "unit": target.organizer.name,
                    "value": show_number(target.value),
                },
            )
            return redirect(target)
    list_url = _list_url(initial["year"], union)
    return _form_page(
        request,
        form,
        title=_("Set a target"),
        submit=_("Set the target"),
        cancel_url=list_url,
        crumbs=[(list_url, _("Targets"))],
        intro=_("Whole numbers are typed with or without grouping (8.450); percentages with up to two decimals."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request, pk):
    """Revise a target: a new value is a new revision, with the document and the reason."""
    target = selectors.get_rw_target_for_user(request.user, pk)
    form = TargetEditForm(posted(request), initial=target_initial(target))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        revised = write_or_errors(
            form,
            lambda: services.target_revise(
                target=target, value=data["value"], note=data.get("note") or "", reason=data.get("reason") or "",
                version=data["version"], by=request.user, request=request, **form.document_data(),
            ),
        )  # fmt: skip
        if revised is not None:
            messages.success(
                request,
                _("The target was saved: %(value)s.") % {"value": show_number(revised.value)},
            )
            return redirect(revised)
    return _form_page(
        request,
        form,
        title=_("Revise the target"),
        subtitle=f"{target.indicator.name} · {target.year} · {target.organizer.name}",
        submit=_("Save"),
        cancel_url=target.get_absolute_url(),
        crumbs=[
            (_list_url(target.year, target.union), _("Targets")),
            (target.get_absolute_url(), target.indicator.name),
        ],
        intro=_("Each new value is kept as a revision with its document and reason."),
    )


# --- allocating to the child units ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def target_allocate(request):
    """One indicator's targets for the units one level below `?parent=` (the federation itself
    when absent; an officer's own union by default), in one table saved in one transaction."""
    user = request.user
    if not selectors.may_manage_targets(user):
        raise PermissionDenied
    parent = _union_param(request, "parent")
    if parent is None and user.union_id:
        parent = user.union
    federation = _federation(user, parent)
    selectors.check_allocation_access(user, federation, parent)
    if parent is not None and parent.level != Level.SUPERIOR:
        raise Http404
    year = _year_param(request, federation)
    indicators = Indicator.objects.filter(is_active=True)
    indicator = indicators.filter(code=request.GET.get("indicator", "")).first() or indicators.first()
    if indicator is None:
        raise Http404
    pick = AllocationPickForm(
        {"indicator": indicator.code, "year": year}, indicators=indicators, years=_years(federation, user, year)
    )
    pick.is_valid()
    current = selectors.child_targets(federation=federation, parent=parent, year=year).get(indicator.pk, {})
    children = [
        u for u in selectors.child_units(federation=federation, parent=parent) if u.is_active or u.pk in current
    ]
    parent_target = selectors.unit_targets(federation=federation, union=parent, year=year).get(indicator.pk)
    form = AllocationForm(posted(request), children=children, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            written = services.targets_allocate(
                federation=federation, parent=parent, indicator=indicator, year=year, values=form.values(),
                versions=form.versions(), reason=form.cleaned_data.get("reason") or "", by=user, request=request,
                **form.document_data(),
            )  # fmt: skip
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(form.field_for(key), errors)
        else:
            messages.success(
                request,
                _("The allocation was saved: %(n)s targets set or revised.") % {"n": len(written)},
            )
            return redirect(_list_url(year, parent))
    total = sum((t.value for t in current.values()), start=0)
    unit_name = parent.name if parent is not None else federation.name
    live = {
        "target": str(parent_target.value) if parent_target is not None else None,
        "additive": indicator.is_additive,
        "messages": {
            "adds_up": _("Allocated %(sum)s = target %(target)s"),
            "short": _("Allocated %(sum)s ≠ target %(target)s (short by %(gap)s)"),
            "over": _("Allocated %(sum)s ≠ target %(target)s (over by %(gap)s)"),
            "no_target": _("Allocated %(sum)s (no target of its own)"),
        },
    }
    ctx = {
        "form": form,
        "pick": pick,
        "parent": parent,
        "unit_name": unit_name,
        "federation": federation,
        "indicator": indicator,
        "year": year,
        "parent_target": parent_target,
        "total": total,
        "live": live,
        "list_url": _list_url(year, parent),
        "has_errors": bool(form.errors),
    }
    return render(request, "reports/targets/allocate.html", ctx)


urlpatterns = [
    path("targets/", targets, name="targets"),
    path("targets/new/", target_create, name="target_create"),
    path("targets/allocate/", target_allocate, name="target_allocate"),
    path("targets/<int:pk>/", target_detail, name="target_detail"),
    path("targets/<int:pk>/edit/", target_edit, name="target_edit"),
]
