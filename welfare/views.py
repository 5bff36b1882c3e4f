"""Welfare screens (PRODUCT.md §5). Reads go through welfare.selectors, writes through
welfare.services; every view starts from an access helper, so a record outside the user's
subtree answers 404 and a read-only role gets 403 on writes."""

import datetime
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation.forms import posted, upload_on_disk, write_or_errors
from federation.models import AuditLog, Cap
from federation.selectors import object_history
from federation.services import audit_access
from federation.views import attachment
from members.models import Member
from unions.models import Level
from unions.selectors import filter_unions, get_union_for_user

from . import recipients, selectors, services
from .exports import XLSX
from .forms import (
    FEDERATION,
    ActivityFilterForm,
    ActivityForm,
    AdvanceForm,
    FundEntryForm,
    FundForm,
    OccasionForm,
    OrganizerField,
    OverviewForm,
    RecipientsForm,
    ShelterFilterForm,
    ShelterForm,
    activity_initial,
    shelter_initial,
)
from .models import SOURCES, Beneficiary, EntryKind, Program, Shelter, ShelterStatus

PAGE_SIZE = 50


# --- small helpers -------------------------------------------------------------------------------


def _union_param(request):
    """The union named by `?union=<pk>`, 404 unless the user may see it; None without one."""
    pk = request.GET.get("union", "")
    return get_union_for_user(request.user, int(pk)) if pk.isdigit() else None


def _viewer(user):
    """Welfare is read by every role that sees the tree."""
    if not user.can(Cap.VIEW_STRUCTURE):
        raise PermissionDenied


def _scope_union(request):
    """The access helper of the welfare pages and lists: the user may read welfare, and the
    union of `?union=<pk>` (if any) is one it may see (else 404)."""
    _viewer(request.user)
    return _union_param(request)


def _own_unit_name(user) -> str:
    unit = user.unit
    return unit.name if unit is not None else _("All federations")


def _organizer_field(user, *, shelters=False, initial_union=None):
    """Where the user may record: the federation itself (federation roles) or a visible open
    union (for shelters: a direct-superior one). 403 when nowhere."""
    allow_federation, unions = selectors.organizer_choices(user)
    if shelters:
        if not user.can(Cap.MANAGE_SHELTERS):
            raise PermissionDenied
        unions = unions.filter(level=Level.SUPERIOR)
    unions = list(unions.only("pk", "code", "name", "level", "path", "federation_id"))
    federation = user.federation if allow_federation and user.federation_id else None
    if federation is None and not unions:
        raise PermissionDenied
    field = OrganizerField(label=_("Organized by"), unions=unions, federation=federation)
    if initial_union is not None and str(initial_union.pk) in field.unions:
        field.initial = str(initial_union.pk)
    elif user.union_id and str(user.union_id) in field.unions:
        field.initial = str(user.union_id)
    elif federation is not None:
        field.initial = FEDERATION
    return field


def _create_organized(request, form, create, aliases=None, **data):
    """Create a record with the service `create`, organized where the form's `organizer` says
    (a union, or the federation itself); None with the service's errors on the form."""
    user = request.user
    union = form.cleaned_data["organizer"]
    federation = union.federation if union is not None else user.federation
    return write_or_errors(
        form,
        lambda: create(federation=federation, union=union, by=user, request=request, **data),
        {"union": "organizer", **(aliases or {})},
    )


def _form_page(request, form, *, title, submit, cancel_url, crumbs, subtitle="", intro=""):
    """The one create/edit page: the form's fieldsets in a card."""
    return render(
        request,
        "welfare/form.html",
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


# --- the overview --------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request):
    """A scope's welfare over a period: totals by program, funds, shelters, and a year by month."""
    scope_union = _scope_union(request)
    user = request.user
    if scope_union is None and user.union_id:
        scope_union = user.union
    path = scope_union.path if scope_union else (user.scope_path or "")
    unions = filter_unions(user)
    form = OverviewForm(request.GET, unions=unions, scope_label=_own_unit_name(user))
    form.is_valid()
    data = form.cleaned_data
    today = timezone.localdate()
    shown = today.year if data.get("start") or data.get("end") else selectors.default_year(path=path, today=today)
    start = data.get("start") or datetime.date(shown, 1, 1)
    end = data.get("end") or datetime.date(shown, 12, 31)
    if start > end:
        start, end = datetime.date(shown, 1, 1), datetime.date(shown, 12, 31)
    year = data.get("year") or end.year
    if not form.errors:
        # Show the period and year the page is about in the filter, not empty boxes.
        shown_filter = {**request.GET.dict(), "start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
        form = OverviewForm({**shown_filter, "year": year}, unions=unions, scope_label=_own_unit_name(user))
        form.is_valid()

    totals = selectors.welfare_totals(path=path, start=start, end=end)
    months = selectors.monthly_totals(path=path, year=year)
    union_query = {"union": scope_union.pk} if scope_union and scope_union.pk != user.union_id else {}
    period_query = {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
    for row in totals.rows:
        if row.program == Program.SHELTER:
            row.url = (
                reverse("welfare:shelters") + "?" + urlencode({**union_query, "status": ShelterStatus.HANDED_OVER})
            )
        else:
            row.url = (
                reverse("welfare:activities") + "?" + urlencode({**union_query, "program": row.program, **period_query})
            )
    allow_federation, organizer_unions = selectors.organizer_choices(user)
    chart = {
        "labels": [str(MONTHS_3[m.month]) for m in months],
        "activities": [m.activities for m in months],
        "person_times": [m.person_times for m in months],
        "amount": [m.amount for m in months],
        "names": {
            "activities": _("Activities"),
            "person_times": _("Person-times"),
            "amount": _("Support (VND)"),
        },
    }
    ctx = {
        "form": form,
        "scope_union": scope_union,
        "scope_name": scope_union.name if scope_union else _own_unit_name(user),
        "show_union_filter": len(unions) > 1,
        "totals": totals,
        "start": start,
        "end": end,
        "year": year,
        "months": months,
        "year_total": {
            "activities": sum(m.activities for m in months),
            "person_times": sum(m.person_times for m in months),
            "amount": sum(m.amount for m in months),
        },
        "chart": chart,
        "can_record": user.can(Cap.MANAGE_WELFARE)
        and (bool(allow_federation and user.federation_id) or organizer_unions.exists()),
        "can_shelters": user.can(Cap.MANAGE_SHELTERS),
        "union_query": urlencode(union_query),
    }
    return render(request, "welfare/overview.html", ctx)


# --- activities ----------------------------------------------------------------------------------


@login_required
@require_GET
def activities(request):
    scope_union = _scope_union(request)
    user = request.user
    unions = filter_unions(user)
    form = ActivityFilterForm(request.GET, unions=unions, occasions=selectors.occasions_for(user))
    form.is_valid()
    data = form.cleaned_data
    found = selectors.activities_for(
        user,
        path=scope_union.path if scope_union else None,
        program=data.get("program", ""),
        occasion=data.get("occasion"),
        start=data.get("start"),
        end=data.get("end"),
        query=data.get("q", ""),
    ).select_related("federation")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    allow_federation, organizer_unions = selectors.organizer_choices(user)
    ctx = {
        "form": form,
        "page": page,
        "scope_union": scope_union,
        "show_union_filter": len(unions) > 1,
        "can_record": user.can(Cap.MANAGE_WELFARE)
        and (bool(allow_federation and user.federation_id) or organizer_unions.exists()),
        "record_query": urlencode(
            {k: v for k, v in (("program", data.get("program")), ("union", scope_union and scope_union.pk)) if v}
        ),
    }
    return render(request, "welfare/activities.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    """Record an activity: `?program=` and `?union=` preselect the program and the organizer."""
    organizer = _organizer_field(request.user, initial_union=_union_param(request))
    user = request.user
    program = request.GET.get("program", "")
    form = ActivityForm(
        posted(request),
        occasions=selectors.occasions_for(user),
        organizer=organizer,
        initial={"program": program} if program in Program.values else {},
    )
    if request.method == "POST" and form.is_valid():
        activity = _create_organized(request, form, services.activity_create, **form.activity_data())
        if activity is not None:
            messages.success(request, _("The activity “%(title)s” was recorded.") % {"title": activity.title})
            return redirect(activity)
    return _form_page(
        request,
        form,
        title=_("Record an activity"),
        submit=_("Record"),
        cancel_url=reverse("welfare:activities"),
        crumbs=[(reverse("welfare:overview"), _("Welfare")), (reverse("welfare:activities"), _("Activities"))],
    )


def _activity_context(request, activity, *, upload_form=None):
    user = request.user
    beneficiaries = activity.beneficiaries.select_related("member__union").order_by("member__sort_name", "pk")
    can_edit = selectors.can_edit(user, activity)
    return {
        "activity": activity,
        "organizer_name": activity.organizer.name,
        "sources": [(activity._meta.get_field(name).verbose_name, getattr(activity, name)) for name in SOURCES],
        "page": Paginator(beneficiaries, PAGE_SIZE).get_page(request.GET.get("page")),
        "personal": user.can(Cap.VIEW_PERSONAL_DATA),
        "can_edit": can_edit,
        "upload_form": (upload_form or RecipientsForm()) if can_edit else None,
        "history": object_history(activity),
    }


@login_required
@require_GET
def activity_detail(request, pk):
    activity = selectors.get_activity_for_user(request.user, pk)
    return render(request, "welfare/activity_detail.html", _activity_context(request, activity))


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk):
    activity = selectors.get_rw_activity_for_user(request.user, pk)
    form = ActivityForm(
        posted(request), occasions=selectors.occasions_for(request.user), initial=activity_initial(activity)
    )
    if request.method == "POST" and form.is_valid():
        update = partial(services.activity_update, activity=activity, by=request.user, request=request)
        if write_or_errors(form, lambda: update(**form.activity_data())) is not None:
            messages.success(request, _("Changes to “%(title)s” were saved.") % {"title": activity.title})
            return redirect(activity)
    return _form_page(
        request,
        form,
        title=_("Edit the activity"),
        subtitle=activity.organizer.name,
        submit=_("Save"),
        cancel_url=activity.get_absolute_url(),
        crumbs=[(reverse("welfare:activities"), _("Activities")), (activity.get_absolute_url(), activity.title)],
    )


@login_required
@require_POST
def beneficiary_remove(request, pk, beneficiary_pk):
    activity = selectors.get_rw_activity_for_user(request.user, pk)
    beneficiary = get_object_or_404(
        Beneficiary.objects.select_related("member", "activity"), pk=beneficiary_pk, activity=activity
    )
    services.beneficiary_remove(beneficiary=beneficiary, by=request.user, request=request)
    messages.success(
        request, _("%(name)s was taken off the list of beneficiaries.") % {"name": beneficiary.member.full_name}
    )
    return redirect(activity)


@login_required
@require_POST
def activity_recipients(request, pk):
    """Upload the list of members who received the activity: checked whole, then linked."""
    activity = selectors.get_rw_activity_for_user(request.user, pk)
    form = RecipientsForm(request.POST, request.FILES)
    if not form.is_valid():
        ctx = _activity_context(request, activity, upload_form=form)
        return render(request, "welfare/activity_detail.html", ctx)
    upload = form.cleaned_data["file"]
    dry_run = form.cleaned_data["dry_run"]
    with upload_on_disk(upload, "recipients") as path:
        outcome = recipients.recipients_import(
            activity=activity, path=path, filename=upload.name, by=request.user, dry_run=dry_run, request=request
        )
    labels = {c.key: c.header for c in recipients.COLUMNS}
    activity.refresh_from_db(fields=["person_times"])
    return render(
        request,
        "welfare/recipients_result.html",
        {
            "activity": activity,
            "outcome": outcome,
            "filename": upload.name,
            "dry_run": dry_run,
            "errors": [(issue, labels.get(issue.column, issue.column)) for issue in outcome.errors],
            "warnings": [(issue, labels.get(issue.column, issue.column)) for issue in outcome.warnings],
            # A checked file is uploaded again to be written; a refused one is checked again.
            "upload_form": RecipientsForm(initial={"dry_run": outcome.status != "valid"}),
        },
    )


@login_required
@require_GET
def recipients_template(request):
    """The empty list of recipients (.xlsx, or .csv with `?format=csv`)."""
    _viewer(request.user)
    if request.GET.get("format") == "csv":
        return attachment(recipients.template_csv(), "mau-danh-sach-nguoi-nhan.csv", "text/csv; charset=utf-8")
    return attachment(recipients.template_xlsx(), "mau-danh-sach-nguoi-nhan.xlsx", XLSX)


# --- Union Shelters ------------------------------------------------------------------------------


@login_required
@require_GET
def shelters(request):
    scope_union = _scope_union(request)
    user = request.user
    unions = filter_unions(user)
    this_year = timezone.localdate().year
    years = {day.year for day in Shelter.objects.visible_to(user).dates("approved_on", "year")}
    years |= set(range(this_year - 5, this_year + 1))
    form = ShelterFilterForm(request.GET, unions=unions, years=sorted(years, reverse=True))
    form.is_valid()
    data = form.cleaned_data
    found = selectors.shelters_for(
        user,
        path=scope_union.path if scope_union else None,
        status=data.get("status", ""),
        year=data.get("year"),
    ).select_related("federation")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": page,
        "scope_union": scope_union,
        "show_union_filter": len(unions) > 1,
        "can_create": user.can(Cap.MANAGE_SHELTERS),
    }
    return render(request, "welfare/shelters.html", ctx)


def _members_for(user):
    return Member.objects.visible_to(user)


@login_required
@require_http_methods(["GET", "POST"])
def shelter_create(request):
    """Approve a Union Shelter for a member (by the federation or a direct-superior union)."""
    organizer = _organizer_field(request.user, shelters=True, initial_union=_union_param(request))
    user = request.user
    form = ShelterForm(posted(request), members=_members_for(user), organizer=organizer)
    if request.method == "POST" and form.is_valid():
        shelter = _create_organized(request, form, services.shelter_create, **form.shelter_data())
        if shelter is not None:
            messages.success(
                request, _("The Union Shelter for %(name)s was approved.") % {"name": shelter.member.full_name}
            )
            return redirect(shelter)
    return _form_page(
        request,
        form,
        title=_("Approve a Union Shelter"),
        submit=_("Approve"),
        cancel_url=reverse("welfare:shelters"),
        crumbs=[(reverse("welfare:overview"), _("Welfare")), (reverse("welfare:shelters"), _("Union Shelters"))],
        intro=_("The member is found by citizen ID or member code among the rolls you keep."),
    )


# Lazy: built once at import, read in each request's language.
ADVANCE_LABELS = {
    ShelterStatus.BUILDING: (gettext_lazy("Start building"), gettext_lazy("Building started on")),
    ShelterStatus.HANDED_OVER: (gettext_lazy("Hand over"), gettext_lazy("Handed over on")),
    ShelterStatus.CANCELLED: (gettext_lazy("Cancel"), gettext_lazy("Cancelled on")),
}


def _shelter_context(request, shelter, *, bound=None, advance_errors=()):
    user = request.user
    can_edit = selectors.can_edit(user, shelter)
    personal = user.can(Cap.VIEW_PERSONAL_DATA)
    forms = []
    if can_edit:
        for to in shelter.next_statuses:
            form = bound if bound is not None and bound.data.get("to") == to else AdvanceForm(to=to)
            form.fields["on"].label = ADVANCE_LABELS[to][1]
            forms.append({"to": to, "button": ADVANCE_LABELS[to][0], "form": form})
    steps = [
        (ShelterStatus.APPROVED.label, shelter.approved_on),
        (ShelterStatus.BUILDING.label, shelter.started_on),
        (ShelterStatus.HANDED_OVER.label, shelter.handed_over_on),
    ]
    return {
        "shelter": shelter,
        "organizer_name": shelter.organizer.name,
        "sources": [(shelter._meta.get_field(name).verbose_name, getattr(shelter, name)) for name in SOURCES],
        "steps": steps,
        "personal": personal,
        "can_edit": can_edit,
        "advance_forms": forms,
        "advance_errors": list(advance_errors),
        "history": object_history(shelter, hide=frozenset() if personal else frozenset({"address", "member"})),
    }


@login_required
@require_GET
def shelter_detail(request, pk):
    shelter = selectors.get_shelter_for_user(request.user, pk)
    if request.user.can(Cap.VIEW_PERSONAL_DATA):
        audit_access(request, AuditLog.Action.VIEW, shelter)  # the household's address
    return render(request, "welfare/shelter_detail.html", _shelter_context(request, shelter))


@login_required
@require_http_methods(["GET", "POST"])
def shelter_edit(request, pk):
    shelter = selectors.get_rw_shelter_for_user(request.user, pk)
    settled = shelter.status in (ShelterStatus.HANDED_OVER, ShelterStatus.CANCELLED)
    form = ShelterForm(
        posted(request),
        members=_members_for(request.user),
        current_member=shelter.member,
        initial=shelter_initial(shelter),
        fixed=settled,
    )
    if request.method == "POST" and form.is_valid():
        update = partial(services.shelter_update, shelter=shelter, by=request.user, request=request)
        if write_or_errors(form, lambda: update(**form.shelter_data())) is not None:
            messages.success(request, _("Changes to the Union Shelter were saved."))
            return redirect(shelter)
    return _form_page(
        request,
        form,
        title=_("Edit the Union Shelter"),
        subtitle=f"{shelter.member.full_name} · {shelter.organizer.name}",
        submit=_("Save"),
        cancel_url=shelter.get_absolute_url(),
        crumbs=[
            (reverse("welfare:shelters"), _("Union Shelters")),
            (shelter.get_absolute_url(), shelter.member.full_name),
        ],
        intro=_("A shelter handed over or cancelled keeps its member, kind and approval date.") if settled else "",
    )


@login_required
@require_POST
def shelter_advance(request, pk):
    """Start building, hand over or cancel; a refusal is shown on the shelter's page."""
    shelter = selectors.get_rw_shelter_for_user(request.user, pk)
    to = request.POST.get("to", "")
    form = AdvanceForm(request.POST, to=to if to in ShelterStatus.values else None)
    errors = []
    if form.is_valid():
        data = form.cleaned_data
        advanced = write_or_errors(
            form,
            lambda: services.shelter_advance(
                shelter=shelter, to=data["to"], on=data["on"], reason=data.get("reason", ""), by=request.user,
                request=request,
            ),
        )  # fmt: skip
        if advanced is not None:
            messages.success(
                request,
                _("The Union Shelter for %(name)s is now “%(status)s”.")
                % {"name": shelter.member.full_name, "status": ShelterStatus(to).label},
            )
            return redirect(shelter)
    shelter = selectors.get_shelter_for_user(request.user, pk)  # as it stands now
    if to not in shelter.next_statuses:
        # No form on the page for this step (any more): the messages go on top.
        errors = [
            *form.non_field_errors(),
            *(e for name, errs in form.errors.items() if name != "__all__" for e in errs),
        ]
        if not errors:
            errors = [_("This step is not possible for the shelter any more.")]
    ctx = _shelter_context(request, shelter, bound=form, advance_errors=errors)
    return render(request, "welfare/shelter_detail.html", ctx)


# --- funds ---------------------------------------------------------------------------------------


@login_required
@require_GET
def funds(request):
    _viewer(request.user)
    user = request.user
    found = selectors.funds_for(user).select_related("federation")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "welfare/funds.html", {"page": page, "can_create": user.can(Cap.MANAGE_WELFARE)})


@login_required
@require_http_methods(["GET", "POST"])
def fund_create(request):
    organizer = _organizer_field(request.user, initial_union=_union_param(request))
    form = FundForm(posted(request), organizer=organizer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fund = _create_organized(
            request, form, services.fund_create, aliases={"__all__": "name"},
            name=data["name"], kind=data["kind"], note=(data.get("note") or "").strip(),
        )  # fmt: skip
        if fund is not None:
            messages.success(request, _("The fund “%(name)s” was opened.") % {"name": fund.name})
            return redirect(fund)
    return _form_page(
        request,
        form,
        title=_("Open a fund"),
        submit=_("Open the fund"),
        cancel_url=reverse("welfare:funds"),
        crumbs=[(reverse("welfare:overview"), _("Welfare")), (reverse("welfare:funds"), _("Funds"))],
    )


def _fund_context(request, fund, *, bound=None):
    user = request.user
    can_edit = selectors.can_edit(user, fund)
    entries = fund.entries.select_related("member", "created_by").order_by("-pk")
    entry_forms = []
    if can_edit:
        members = _members_for(user)
        for kind in (EntryKind.CONTRIBUTION, EntryKind.PAYOUT):
            if bound is not None and bound.entry_kind == kind:
                entry_forms.append(bound)
            else:
                entry_forms.append(FundEntryForm(kind=kind, members=members))
    return {
        "fund": fund,
        "holder_name": fund.organizer.name,
        "page": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_edit": can_edit,
        "entry_forms": entry_forms,
        "open_kind": bound.entry_kind if bound is not None else "",
        "personal": user.can(Cap.VIEW_PERSONAL_DATA),
        "history": object_history(fund),
    }


@login_required
@require_GET
def fund_detail(request, pk):
    fund = selectors.get_fund_for_user(request.user, pk)
    return render(request, "welfare/fund_detail.html", _fund_context(request, fund))


@login_required
@require_POST
def fund_entry(request, pk):
    """Record a contribution to the fund or a payout from it."""
    fund = selectors.get_rw_fund_for_user(request.user, pk)
    kind = request.POST.get("kind")
    if kind not in EntryKind.values:
        kind = EntryKind.CONTRIBUTION
    form = FundEntryForm(request.POST, kind=kind, members=_members_for(request.user))
    if form.is_valid():
        data = form.cleaned_data
        common = {
            "fund": fund,
            "amount": data["amount"],
            "on": data["on"],
            "counterparty": data.get("counterparty") or "",
            "note": data.get("note") or "",
            "submission": data.get("submission"),
            "by": request.user,
            "request": request,
        }
        if kind == EntryKind.PAYOUT:
            entry = write_or_errors(form, lambda: services.fund_pay(member=data.get("member"), **common))
        else:
            entry = write_or_errors(form, lambda: services.fund_contribute(**common))
        if entry is not None:
            payout = kind == EntryKind.PAYOUT
            messages.success(request, _("The payout was recorded.") if payout else _("The contribution was recorded."))
            return redirect(fund)
    fund.refresh_from_db(fields=["balance"])
    return render(request, "welfare/fund_detail.html", _fund_context(request, fund, bound=form))


# --- occasions -----------------------------------------------------------------------------------


@login_required
@require_GET
def occasions(request):
    _viewer(request.user)
    user = request.user
    page = Paginator(selectors.occasions_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "welfare/occasions.html", {"page": page, "can_create": selectors.may_create_occasions(user)})


@login_required
@require_http_methods(["GET", "POST"])
def occasion_create(request):
    """Occasions and campaigns are the federation's: its own staff name them."""
    if not selectors.may_create_occasions(request.user):
        raise PermissionDenied
    form = OccasionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        occasion = write_or_errors(
            form,
            lambda: services.occasion_create(
                federation=request.user.federation, by=request.user, request=request, **form.cleaned_data
            ),
            {"__all__": "name"},
        )
        if occasion is not None:
            messages.success(request, _("The occasion “%(name)s” was added.") % {"name": occasion.name})
            return redirect(reverse("welfare:occasions"))
    return _form_page(
        request,
        form,
        title=_("New occasion"),
        submit=_("Add"),
        cancel_url=reverse("welfare:occasions"),
        crumbs=[(reverse("welfare:overview"), _("Welfare")), (reverse("welfare:occasions"), _("Occasions"))],
        intro=_("A campaign or occasion activities are recorded under, such as “Tết Bính Ngọ 2026”."),
    )
