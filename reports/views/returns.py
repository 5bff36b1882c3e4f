"""Quarterly return screens (PRODUCT.md §6): the list, the return itself (phone-first for
chairs), the quarters of a year (deadlines, closing) and completeness. Reads go through
reports.returns, writes through reports.services.returns; every view starts from an access
helper, so a return outside the user's subtree answers 404 and a read-only role gets 403."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation.forms import attach_errors
from federation.models import Cap
from federation.selectors import object_history
from unions.models import Level, Union
from unions.selectors import default_federation_for_user, get_federation_for_user, get_union_for_user

from .. import returns as selectors
from ..completeness import completeness as completeness_of
from ..completeness import deadline_for
from ..forms.returns import (
    DeadlineForm,
    OpenForm,
    QuarterPickForm,
    ReasonForm,
    ReturnFilterForm,
    ReturnForm,
    SendBackForm,
    VersionForm,
)
from ..models import EDITABLE_STATUSES, ROLL_FIELDS, TYPED_FIELDS, QuarterlyReturn, ReturnStatus
from ..periods import quarter_label, quarter_period, report_year
from ..services import returns as services

PAGE_SIZE = 50


# --- small helpers -------------------------------------------------------------------------------


def _reader(user) -> None:
    if not user.can(Cap.VIEW_REPORTS):
        raise PermissionDenied


def _years(federation, today=None) -> list[int]:
    """The report years the pickers offer: this one and the four before."""
    this = report_year(federation, today or timezone.localdate()) if federation else timezone.localdate().year
    return list(range(this, this - 5, -1))


def _shown(value) -> str:
    """A typed value as people read it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "d/m/Y")
    return str(value)


def _field_label(name: str) -> str:
    return str(capfirst(QuarterlyReturn._meta.get_field(name).verbose_name))


def _open_query(union_id, year, quarter) -> str:
    return urlencode({"union": union_id, "year": year, "quarter": quarter})


# --- the list ------------------------------------------------------------------------------------


def _chair_box(user):
    """For a chair: the return due now (to open or to continue)."""
    union = user.union if user.union_id else None
    if union is None or union.level != Level.GRASSROOTS or not selectors.can_fill(user, union):
        return None
    year, quarter = selectors.due_quarter(union.federation)
    ret = QuarterlyReturn.objects.filter(union=union, year=year, quarter=quarter).first()
    return {
        "union": union,
        "year": year,
        "quarter": quarter,
        "label": quarter_label(year, quarter),
        "deadline": deadline_for(union.federation, year, quarter),
        "ret": ret,
        "owes": ret is not None or selectors.owes(union, year, quarter),
        "closed": selectors.quarter_is_closed(union.federation, year, quarter),
    }


@login_required
@require_GET
def returns_list(request):
    user = request.user
    _reader(user)
    federation = user.federation
    form = ReturnFilterForm(request.GET, years=_years(federation))
    form.is_valid()
    data = form.cleaned_data
    found = selectors.returns_for(
        user,
        year=data.get("year"),
        quarter=data.get("quarter"),
        status=data.get("status", ""),
        query=data.get("q", ""),
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": page,
        "chair": _chair_box(user),
        "can_see_quarters": selectors.may_see_quarters(user),
        "filtered": any(request.GET.get(k) for k in ("year", "quarter", "status", "q")),
    }
    return render(request, "reports/returns/list.html", ctx)


# --- opening a return ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def return_open(request):
    """The page a chair's link leads to (`?union=&year=&quarter=`, by default the chair's own
    union and the quarter due now): the return if it exists, else a button that opens it."""
    user = request.user
    # The link's query names the return; a form posted to it may name it as well.
    params = {**request.GET.dict(), **(request.POST.dict() if request.method == "POST" else {})}
    defaults = {}
    if user.union_id:
        year, quarter = selectors.due_quarter(user.union.federation)
        defaults = {"union": user.union_id, "year": year, "quarter": quarter}
    form = OpenForm({**defaults, **{k: v for k, v in params.items() if k in ("union", "year", "quarter") and v}})
    if not form.is_valid():
        raise Http404
    union = get_union_for_user(user, form.cleaned_data["union"])
    if not selectors.can_fill(user, union):
        raise PermissionDenied
    year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    existing = QuarterlyReturn.objects.filter(union=union, year=year, quarter=quarter).first()
    if existing is not None:
        return redirect(existing)
    error = None
    if request.method == "POST":
        try:
            ret = services.return_open(union=union, year=year, quarter=quarter, by=user, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, _("The return of %(quarter)s was opened.") % {"quarter": quarter_label(year, quarter)}
            )
            return redirect(ret)
    period = quarter_period(union.federation, year, quarter)
    ctx = {
        "union": union,
        "year": year,
        "quarter": quarter,
        "label": quarter_label(year, quarter),
        "period": period,
        "deadline": deadline_for(union.federation, year, quarter),
        "form": form,
        "error": error,
    }
    return render(request, "reports/returns/open.html", ctx)


# --- the return ----------------------------------------------------------------------------------


def _detail(request, ret, *, form=None, send_back_form=None, reason_form=None, errors=(), conflict=None):
    user = request.user
    closed = selectors.quarter_is_closed(ret.federation, ret.year, ret.quarter)
    editable = ret.status in EDITABLE_STATUSES and not closed
    can_fill = selectors.can_submit(user, ret)
    live = ret.status in EDITABLE_STATUSES
    counts = selectors.live_counts(ret.union, ret.year, ret.quarter) if live else None
    count_rows = [(_field_label(n), counts[n] if live else getattr(ret, n)) for n in ROLL_FIELDS]
    deadline = deadline_for(ret.federation, ret.year, ret.quarter)
    first = ret.first_submitted_at
    decide = selectors.can_decide(user, ret) and ret.status == ReturnStatus.SUBMITTED and not closed
    lockable = selectors.can_lock(user, ret) and not closed
    show_form = form is not None or (can_fill and editable)
    if show_form and form is None:
        form = ReturnForm(initial=ReturnForm.initial_for(ret))
    if form is not None and not (can_fill and editable):
        # Kept to show what the user typed, but no longer writable.
        for field in form.fields.values():
            field.widget.attrs["disabled"] = True
    ctx = {
        "ret": ret,
        "label": quarter_label(ret.year, ret.quarter),
        "period": quarter_period(ret.federation, ret.year, ret.quarter),
        "deadline": deadline,
        "late": first is not None and timezone.localtime(first).date() > deadline,
        "closed": closed,
        "live": live,
        "count_rows": count_rows,
        "typed_rows": [(_field_label(n), _shown(getattr(ret, n))) for n in TYPED_FIELDS if n != "remarks"],
        "form": form,
        "can_edit": can_fill and editable,
        "can_decide": decide,
        "version_form": VersionForm(initial={"version": ret.version}),
        "send_back_form": send_back_form or SendBackForm(initial={"version": ret.version}),
        "can_lock": lockable and ret.status == ReturnStatus.APPROVED,
        "can_reopen": lockable and ret.status == ReturnStatus.LOCKED,
        "reason_form": reason_form or ReasonForm(),
        "errors": list(errors),
        "conflict": conflict,
        "history": object_history(ret),
        "can_see_quarters": selectors.may_see_quarters(user),
    }
    return render(request, "reports/returns/detail.html", ctx)


@login_required
@require_GET
def return_detail(request, pk):
    ret = selectors.get_return_for_user(request.user, pk)
    return _detail(request, ret)


def _conflict_rows(current, cleaned: dict) -> list:
    """(label, saved now, typed) for the typed fields where the user's input differs."""
    return [
        (_field_label(n), _shown(getattr(current, n)), _shown(cleaned.get(n)))
        for n in TYPED_FIELDS
        if getattr(current, n) != cleaned.get(n)
    ]


def _write(request, pk, *, submit: bool):
    user = request.user
    ret = selectors.get_rw_return_for_user(user, pk, may=selectors.can_submit)
    form = ReturnForm(request.POST)
    if form.is_valid():
        data, version = form.typed_data(), form.cleaned_data["version"]
        write = services.return_submit if submit else services.return_save
        try:
            saved = write(ret=ret, data=data, version=version, by=user, request=request)
        except services.ReturnConflict as exc:
            # The user's input stays on the page; the version moves on, so saving again is a
            # deliberate choice made after seeing what is saved now.
            current = exc.current
            kept = request.POST.copy()
            kept["version"] = str(current.version)
            rows = _conflict_rows(current, form.cleaned_data)
            form = ReturnForm(kept)
            form.is_valid()
            return _detail(request, current, form=form, errors=exc.messages, conflict=rows)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            if submit:
                label = quarter_label(saved.year, saved.quarter)
                messages.success(request, _("The return of %(quarter)s was submitted.") % {"quarter": label})
            else:
                messages.success(request, _("The draft was saved."))
            return redirect(saved)
    ret.refresh_from_db()
    return _detail(request, ret, form=form, errors=form.non_field_errors())


@login_required
@require_POST
def return_save(request, pk):
    return _write(request, pk, submit=False)


@login_required
@require_POST
def return_submit(request, pk):
    return _write(request, pk, submit=True)


def _decision(request, ret, form, write, done: str, **forms):
    """Run a decision's service for a valid form; back to the page with the message, or the
    page again with what went wrong."""
    errors = []
    if form.is_valid():
        try:
            saved = write(form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
            errors = [m for field, msgs in form.errors.items() if field in ("__all__", "version") for m in msgs]
        else:
            messages.success(request, done)
            return redirect(saved)
    else:
        errors = [m for field, msgs in form.errors.items() if field in ("__all__", "version") for m in msgs]
    ret.refresh_from_db()
    return _detail(request, ret, errors=errors, **forms)


@login_required
@require_POST
def return_approve(request, pk):
    user = request.user
    ret = selectors.get_rw_return_for_user(user, pk, may=selectors.can_decide)
    return _decision(
        request,
        ret,
        VersionForm(request.POST),
        lambda d: services.return_approve(ret=ret, version=d["version"], by=user, request=request),
        _("The return was approved."),
    )


@login_required
@require_POST
def return_send_back(request, pk):
    user = request.user
    ret = selectors.get_rw_return_for_user(user, pk, may=selectors.can_decide)
    form = SendBackForm(request.POST)
    return _decision(
        request,
        ret,
        form,
        lambda d: services.return_send_back(
            ret=ret, comment=d["comment"], version=d["version"], by=user, request=request
        ),
        _("The return was sent back to the union for correction."),
        send_back_form=form,
    )


@login_required
@require_POST
def return_lock(request, pk):
    user = request.user
    ret = selectors.get_rw_return_for_user(user, pk, may=selectors.can_lock)
    return _decision(
        request,
        ret,
        VersionForm({"version": ret.version}),
        lambda d: services.return_lock(ret=ret, by=user, request=request),
        _("The return was locked."),
    )


@login_required
@require_POST
def return_reopen(request, pk):
    user = request.user
    ret = selectors.get_rw_return_for_user(user, pk, may=selectors.can_lock)
    form = ReasonForm(request.POST)
    return _decision(
        request,
        ret,
        form,
        lambda d: services.return_reopen(ret=ret, reason=d["reason"], by=user, request=request),
        _("The return was reopened and sent back to the union."),
        reason_form=form,
    )


# --- quarters ------------------------------------------------------------------------------------


def _federation(request, pk=None):
    """The federation of `pk` (or `?federation=`), 404 unless the user sees it; by default the
    user's own."""
    pk = pk if pk is not None else request.GET.get("federation", "")
    if isinstance(pk, int) or (isinstance(pk, str) and pk.isdigit()):
        return get_federation_for_user(request.user, int(pk))
    return default_federation_for_user(request.user)


def _quarters_page(request, federation, year, *, failed=None):
    lines = selectors.quarters_of_year(federation, year)
    can_manage = selectors.may_manage_quarters(request.user)
    for line in lines:
        bound = failed if failed and failed["quarter"] == line.quarter else {}
        line.deadline_form = bound.get("deadline_form") or DeadlineForm(
            initial={"deadline": line.deadline}, prefix=f"q{line.quarter}"
        )
        line.reason_form = bound.get("reason_form") or ReasonForm(prefix=f"q{line.quarter}")
        line.errors = bound.get("errors", [])
    this = report_year(federation, timezone.localdate())
    ctx = {
        "federation": federation,
        "year": year,
        "years": list(range(this + 1, this - 5, -1)),
        "lines": lines,
        "can_manage": can_manage,
        "federation_query": f"&federation={federation.pk}" if request.user.federation_id != federation.pk else "",
    }
    return render(request, "reports/returns/quarters.html", ctx)


@login_required
@require_GET
def quarters(request):
    federation = _federation(request)
    if not selectors.may_see_quarters(request.user):
        raise PermissionDenied
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
    if year is None:
        year = selectors.due_quarter(federation)[0]
    return _quarters_page(request, federation, year)


def _quarter_action(request, federation_pk, year, quarter, form, write, done: str, key: str):
    federation = _federation(request, federation_pk)
    if not selectors.may_manage_quarters(request.user):
        raise PermissionDenied
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= 2100:
        raise Http404
    if form.is_valid():
        try:
            write(federation, form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, done % {"quarter": quarter_label(year, quarter)})
            url = reverse("reports:quarters") + "?" + urlencode({"year": year})
            if request.user.federation_id != federation.pk:
                url += f"&federation={federation.pk}"
            return redirect(url)
    errors = list(form.non_field_errors())
    return _quarters_page(request, federation, year, failed={"quarter": quarter, key: form, "errors": errors})


@login_required
@require_POST
def quarter_deadline(request, federation, year, quarter):
    user = request.user
    return _quarter_action(
        request,
        federation,
        year,
        quarter,
        DeadlineForm(request.POST, prefix=f"q{quarter}"),
        lambda fed, d: services.quarter_set_deadline(
            federation=fed, year=year, quarter=quarter, deadline=d["deadline"], by=user, request=request
        ),
        _("The deadline of %(quarter)s was set."),
        "deadline_form",
    )


@login_required
@require_POST
def quarter_close(request, federation, year, quarter):
    user = request.user
    return _quarter_action(
        request,
        federation,
        year,
        quarter,
        forms.Form(request.POST),
        lambda fed, d: services.quarter_close(federation=fed, year=year, quarter=quarter, by=user, request=request),
        _("%(quarter)s was closed: its returns are locked."),
        "close_form",
    )


@login_required
@require_POST
def quarter_reopen(request, federation, year, quarter):
    user = request.user
    return _quarter_action(
        request,
        federation,
        year,
        quarter,
        ReasonForm(request.POST, prefix=f"q{quarter}"),
        lambda fed, d: services.quarter_reopen(
            federation=fed, year=year, quarter=quarter, reason=d["reason"], by=user, request=request
        ),
        _("%(quarter)s was reopened: its returns are back to where they were."),
        "reason_form",
    )


# --- completeness --------------------------------------------------------------------------------


@login_required
@require_GET
def completeness(request):
    """Who owes the quarter's return, who reported (on time, late), who has not: for the user's
    subtree or a unit in it, and for each unit one level down."""
    user = request.user
    _reader(user)
    union_pk = request.GET.get("union", "")
    union = get_union_for_user(user, int(union_pk)) if union_pk.isdigit() else None
    if union is None and user.union_id:
        union = user.union
    federation = union.federation if union is not None else default_federation_for_user(user)
    scope_path = union.path if union is not None else federation.path
    due_year, due_q = selectors.due_quarter(federation)
    unions = list(
        Union.objects.visible_to(user)
        .filter(federation=federation, level=Level.SUPERIOR)
        .only("pk", "code", "name", "path")
        .order_by("search_text")
    )
    own_name = user.union.name if user.union_id else federation.name
    form = QuarterPickForm(
        {"year": due_year, "quarter": due_q, **{k: v for k, v in request.GET.items() if v}},
        years=_years(federation),
        unions=unions if unions else None,
        scope_label=own_name,
    )
    if form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    else:
        year, quarter = due_year, due_q
    result = completeness_of(federation, path=scope_path, year=year, quarter=quarter)
    tallies = result.by_child()
    units = Union.objects.visible_to(request.user).filter(path__in=list(tallies))
    names = {u.path: u for u in units.only("pk", "code", "name", "path", "level")}
    children = sorted(
        ((names[p], t) for p, t in tallies.items() if p in names), key=lambda pair: pair[0].name.casefold()
    )

    def link(unit):
        if unit.return_id:
            return reverse("reports:return_detail", args=[unit.return_id])
        return reverse("reports:return_open") + "?" + _open_query(unit.union_id, year, quarter)

    def chair_link(unit):
        return request.build_absolute_uri(
            reverse("reports:return_open") + "?" + _open_query(unit.union_id, year, quarter)
        )

    ctx = {
        "form": form,
        "result": result,
        "label": quarter_label(year, quarter),
        "scope_name": union.name if union is not None else federation.name,
        "scope_union": union,
        # Units one level down, when some of them have units of their own below.
        "children": children if any(unit.level == Level.SUPERIOR for unit, _tally in children) else [],
        "not_reported": [(u, link(u), chair_link(u)) for u in result.not_reported()],
        "late": [(u, link(u)) for u in result.late()],
        "show_union_filter": bool(unions),
        "can_see_quarters": selectors.may_see_quarters(user),
    }
    return render(request, "reports/returns/completeness.html", ctx)


# Everything about returns lives under returns/ (the navigation marks "Quarterly returns" there).
QUARTER = "returns/quarters/<int:federation>/<int:year>/<int:quarter>/"
urlpatterns = [
    path("returns/", returns_list, name="returns"),
    path("returns/open/", return_open, name="return_open"),
    path("returns/<int:pk>/", return_detail, name="return_detail"),
    path("returns/<int:pk>/save/", return_save, name="return_save"),
    path("returns/<int:pk>/submit/", return_submit, name="return_submit"),
    path("returns/<int:pk>/approve/", return_approve, name="return_approve"),
    path("returns/<int:pk>/return/", return_send_back, name="return_send_back"),
    path("returns/<int:pk>/lock/", return_lock, name="return_lock"),
    path("returns/<int:pk>/reopen/", return_reopen, name="return_reopen"),
    path("returns/quarters/", quarters, name="quarters"),
    path(f"{QUARTER}deadline/", quarter_deadline, name="quarter_deadline"),
    path(f"{QUARTER}close/", quarter_close, name="quarter_close"),
    path(f"{QUARTER}reopen/", quarter_reopen, name="quarter_reopen"),
    path("returns/completeness/", completeness, name="completeness"),
]
