"""Member roll screens. Reads go through members.selectors, writes through members.services;
every view starts from an access helper, so anything outside the user's subtree answers 404."""

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation.forms import attach_errors, posted
from federation.models import AuditLog, Cap
from federation.selectors import object_history
from federation.services import audit_access, query_filters
from federation.views import attachment
from unions.models import Level, Status, Union

from . import exports, selectors, services
from .forms import (
    CitizenIdLookupForm,
    DeceaseForm,
    ImportForm,
    LeaveForm,
    MemberForm,
    PartyForm,
    ReadmitForm,
    RefuseForm,
    TransferForm,
    UnionChoiceField,
    filterable,
    period_default,
)
from .importing import COLUMNS
from .models import ExportStatus, ImportStatus, Member, MemberImport, MemberStatus, TransferStatus

PAGE_SIZE = 50

# Shown only to roles that keep rolls (PRODUCT.md §1); others see the citizen ID masked.
PERSONAL_FIELDS = frozenset(
    {
        "citizen_id",
        "date_of_birth",
        "phone",
        "ethnicity",
        "religion",
        "is_party_member",
        "party_introduced_on",
        "party_admitted_on",
        "email",
        "address",
    }
)


# --- access helpers and small reads ----------------------------------------------------------


# --- the roll ------------------------------------------------------------------------------


def _filtered_members(request):
    """The list's members for the request's filters: (members, form, scope union, personal)."""
    return selectors.filter_roll(request.user, request.GET)


@login_required
@require_GET
def member_list(request):
    """Members of the user's scope, filtered and searched, with the period's roll counts."""
    user = request.user
    members, form, scope_union, personal, unions = _filtered_members(request)
    filters = form.cleaned_data
    status = filters.get("status", MemberStatus.ACTIVE)
    page = selectors.page_of(members, request.GET.get("page"), PAGE_SIZE)

    federation = scope_union.federation if scope_union else user.federation
    start, end = period_default(federation)
    start, end = filters.get("start") or start, filters.get("end") or end
    if start > end:
        start = end
    path = scope_union.path if scope_union else (user.scope_path or "")
    ctx = {
        "form": form,
        "page": page,
        "personal": personal,
        "scope_union": scope_union,
        "scope_name": scope_union.name if scope_union else (user.unit.name if user.unit else ""),
        "show_union_filter": len(unions) > 1,
        "roll": selectors.roll_counts(path=path, start=start, end=end, cached=True),
        "roll_start": start,
        "roll_end": end,
        "can_manage": user.can(Cap.MANAGE_MEMBERS),
        "can_admit": selectors.managed_unions(user).exists(),
        "admit_union": scope_union
        if scope_union
        and scope_union.level == Level.GRASSROOTS
        and scope_union.is_active
        and selectors.keeps_roll_of(user, scope_union)
        else None,
        "inbox_count": selectors.transfer_inbox(user).count(),
        "status": status,
        "lookup_form": CitizenIdLookupForm() if personal else None,
    }
    return render(request, "members/list.html", ctx)


@login_required
@require_POST
def lookup(request):
    """Find by citizen ID (posted): the member's page, or back to the list with a message."""
    if not request.user.can(Cap.VIEW_PERSONAL_DATA):
        raise PermissionDenied
    form = CitizenIdLookupForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["citizen_id"]))
        return redirect("members:list")
    member = selectors.find_member_by_citizen_id(request.user, form.cleaned_data["citizen_id"])
    audit_access(request, AuditLog.Action.SEARCH, Member, {"results": int(member is not None)})  # never the ID
    if member is None:
        messages.error(request, _("No member with this citizen ID in your scope."))
        return redirect("members:list")
    return redirect(member)


@login_required
@require_GET
def detail(request, pk):
    member = selectors.get_member_for_user(request.user, pk)
    personal = request.user.can(Cap.VIEW_PERSONAL_DATA)
    if personal:
        audit_access(request, AuditLog.Action.VIEW, member)
    ctx = {
        "member": member,
        "personal": personal,
        "movements": selectors.member_movements(member),
        "pending": member.transfers.filter(status=TransferStatus.PENDING)
        .select_related("to_union", "requested_by")
        .first(),
        "history": object_history(member, hide=frozenset() if personal else frozenset(PERSONAL_FIELDS)),
        "can_manage": request.user.can(Cap.MANAGE_MEMBERS),
    }
    return render(request, "members/detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def admit(request):
    """Admit a new member: to `?union=<pk>`, to a chair's own union, or to a union picked here."""
    user = request.user
    union_pk = request.GET.get("union", "")
    if union_pk.isdigit():
        union = selectors.get_admit_union_for_user(user, int(union_pk))
    elif not user.can(Cap.MANAGE_MEMBERS):
        raise PermissionDenied
    elif user.union_id and user.union.level == Level.GRASSROOTS:
        union = selectors.get_admit_union_for_user(user, user.union_id)
    else:
        union = None
    choices = selectors.managed_unions(user)
    union_field = None
    if union is None:
        union_field = UnionChoiceField(label=_("Grassroots union"), queryset=choices, empty_label="—")
        filterable(union_field.widget)
    federation = union.federation if union else user.federation
    form = MemberForm(posted(request), federation=federation, union_field=union_field)
    if request.method == "POST" and form.is_valid():
        target = union or form.cleaned_data["union"]
        try:
            member = services.member_admit(union=target, by=user, request=request, **form.member_data())
        except ValidationError as exc:
            attach_errors(form, exc, {"on": "joined_on"})
        else:
            messages.success(
                request, _("%(name)s was admitted to %(union)s.") % {"name": member.full_name, "union": target.name}
            )
            return redirect(member)
    return render(request, "members/form.html", {"form": form, "union": union})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    member = selectors.get_rw_member_for_user(request.user, pk)
    # The form writes into its instance while validating: give it a copy, so the service
    # still sees the stored values and records what changed.
    form = MemberForm(posted(request), instance=copy.copy(member), federation=member.federation)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(member=member, by=request.user, request=request, **form.member_data())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": member.full_name})
            return redirect(member)
    return render(request, "members/form.html", {"form": form, "member": member, "union": member.union})


def _action_page(request, member, form, *, title, submit, danger=False, intro=""):
    return render(
        request,
        "members/action.html",
        {"member": member, "form": form, "title": title, "submit": submit, "danger": danger, "intro": intro},
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, pk):
    member = selectors.get_rw_member_for_user(request.user, pk)
    form = LeaveForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.member_leave(
                member=member,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has left the union.") % {"name": member.full_name})
            return redirect(member)
    return _action_page(
        request,
        member,
        form,
        title=_("Record a departure"),
        submit=_("Record the departure"),
        danger=True,
        intro=_("The member leaves the roll of %(union)s on this date. A pending transfer is cancelled.")
        % {"union": member.union.name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def decease(request, pk):
    member = selectors.get_rw_member_for_user(request.user, pk)
    form = DeceaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.member_decease(member=member, on=form.cleaned_data["on"], by=request.user, request=request)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The death of %(name)s was recorded.") % {"name": member.full_name})
            return redirect(member)
    return _action_page(request, member, form, title=_("Record a death"), submit=_("Record the death"), danger=True)


@login_required
@require_http_methods(["GET", "POST"])
def readmit(request, pk):
    member = selectors.get_rw_member_for_user(request.user, pk)
    unions = selectors.managed_unions(request.user)
    initial = {"union": member.union_id} if unions.filter(pk=member.union_id).exists() else {}
    form = ReadmitForm(posted(request), unions=unions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_readmit(
                member=member,
                union=form.cleaned_data["union"],
                on=form.cleaned_data["on"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was readmitted.") % {"name": member.full_name})
            return redirect(member)
    return _action_page(request, member, form, title=_("Readmit"), submit=_("Readmit"))


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request, pk):
    """Ask another grassroots union of the federation to take the member. When the user also
    keeps the receiving union, the transfer is done at once (PRODUCT.md §3)."""
    member = selectors.get_rw_member_for_user(request.user, pk)
    unions = (
        Union.objects.filter(federation=member.federation_id, level=Level.GRASSROOTS, status=Status.ACTIVE)
        .exclude(pk=member.union_id)
        .order_by("search_text")
    )
    form = TransferForm(posted(request), unions=unions)
    if request.method == "POST" and form.is_valid():
        to_union = form.cleaned_data["to_union"]
        try:
            transfer_ = services.transfer_request(
                member=member,
                to_union=to_union,
                effective_on=form.cleaned_data["effective_on"],
                note=form.cleaned_data["note"],
                by=request.user,
                request=request,
            )
            direct = transfer_.status == TransferStatus.ACCEPTED
        except ValidationError as exc:
            attach_errors(form, exc, {"on": "effective_on", "union": "to_union"})
        else:
            if direct:
                message = _("%(name)s now belongs to %(union)s.")
            else:
                message = _("The transfer of %(name)s is waiting for %(union)s to accept it.")
            messages.success(request, message % {"name": member.full_name, "union": to_union.name})
            return redirect(member)
    return _action_page(
        request,
        member,
        form,
        title=_("Transfer to another union"),
        submit=_("Request the transfer"),
        intro=_("The receiving union accepts or refuses the request; until then the member stays in %(union)s.")
        % {"union": member.union.name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def party(request, pk):
    member = selectors.get_rw_member_for_user(request.user, pk)
    form = PartyForm(posted(request), member=member)
    if request.method == "POST" and form.is_valid():
        changes = form.changes
        try:
            services.party_record(
                member=member,
                introduced_on=changes["introduced_on"],
                admitted_on=changes["admitted_on"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            member.refresh_from_db()
            attach_errors(form, exc)
        else:
            messages.success(request, _("The Party dates of %(name)s were saved.") % {"name": member.full_name})
            return redirect(member)
    return _action_page(
        request,
        member,
        form,
        title=_("Party introduction and admission"),
        submit=_("Save"),
        intro=_("Outstanding members introduced to the Party, and their admission."),
    )


# --- transfers -----------------------------------------------------------------------------


@login_required
@require_GET
def transfers(request):
    """Transfers waiting for the user's unions to accept them, and the user's own requests."""
    if not request.user.can(Cap.MANAGE_MEMBERS):
        raise PermissionDenied
    return render(
        request,
        "members/transfers.html",
        {
            "inbox": selectors.transfer_inbox(request.user),
            "outgoing": selectors.outgoing_transfers(request.user),
            "refuse_form": RefuseForm(),
        },
    )


@login_required
@require_POST
def transfer_accept(request, pk):
    transfer_ = selectors.get_inbox_transfer_for_user(request.user, pk)
    try:
        services.transfer_accept(transfer=transfer_, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s now belongs to %(union)s.")
            % {"name": transfer_.member.full_name, "union": transfer_.to_union.name},
        )
    return redirect("members:transfers")


@login_required
@require_POST
def transfer_refuse(request, pk):
    transfer_ = selectors.get_inbox_transfer_for_user(request.user, pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect("members:transfers")
    try:
        services.transfer_refuse(transfer=transfer_, by=request.user, note=form.cleaned_data["note"], request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The transfer of %(name)s was refused.") % {"name": transfer_.member.full_name})
    return redirect("members:transfers")


# --- roll files: template, export, import ----------------------------------------------------


@login_required
@require_GET
def template(request):
    """The empty import template (.xlsx with instructions, or .csv)."""
    if request.GET.get("format") == "csv":
        return attachment(exports.template_csv(), "mau-danh-sach-doan-vien.csv", "text/csv; charset=utf-8")
    return attachment(exports.template_xlsx(), "mau-danh-sach-doan-vien.xlsx", exports.XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def export(request):
    """The roll of the list's scope and filters, in the template's columns: downloaded at once up
    to ROLL_EXPORT_INLINE_ROWS rows; above, a page offers to prepare it in the background (POST)."""
    if not request.user.can(Cap.VIEW_PERSONAL_DATA):
        raise PermissionDenied
    members, _form, scope_union, _personal, _unions = _filtered_members(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    if request.method == "POST":
        try:
            job = services.roll_export_create(user=request.user, params=request.GET, fmt=fmt, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('members:list')}?{request.GET.urlencode()}")
        services.roll_export_enqueue(job)
        return redirect(job)
    rows = members.count()
    if rows > settings.ROLL_EXPORT_INLINE_ROWS:
        return render(request, "members/export_large.html", {"rows": rows, "format": fmt})
    details = {"filters": query_filters(request.GET), "format": request.GET.get("format") or "xlsx"}
    audit_access(request, AuditLog.Action.EXPORT, Member, {**details, "rows": rows})
    return attachment(*exports.roll_file(members, unit=scope_union or request.user.unit, fmt=fmt))


@login_required
@require_GET
def roll_export(request, pk):
    """A prepared export: waiting, being prepared, ready to download, or failed."""
    job = selectors.get_export_for_user(request.user, pk)
    return render(request, "members/roll_export.html", {"job": job})


@login_required
@require_GET
def roll_export_status(request, pk):
    """The export's state, polled while it is prepared; once it has finished, the page reloads."""
    job = selectors.get_export_for_user(request.user, pk)
    response = render(request, "members/_roll_export_state.html", {"job": job})
    if not job.running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def roll_export_download(request, pk):
    """The prepared file, streamed; recorded like an export made at once."""
    job = selectors.get_export_for_user(request.user, pk)
    if not request.user.can(Cap.VIEW_PERSONAL_DATA):
        raise PermissionDenied
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    details = {"filters": query_filters(job.params.get("filters", {})), "format": job.params.get("format", "xlsx")}
    audit_access(request, AuditLog.Action.EXPORT, Member, {**details, "rows": job.rows, "export": job.pk})
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    """Upload a roll, and the list of earlier imports."""
    user = request.user
    can_upload = user.can(Cap.MANAGE_MEMBERS) and user.federation_id is not None
    unions = selectors.managed_unions(user)
    form = ImportForm(request.POST or None, request.FILES or None, unions=unions, fixed_union=_own_grassroots(user))
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            batch = services.member_import_create(
                file=upload,
                filename=upload.name,
                federation=user.federation,
                scope_path=user.scope_path,
                union=form.cleaned_data.get("union"),
                dry_run=form.cleaned_data["dry_run"],
                by=user,
                request=request,
            )
            services.member_import_enqueue(batch)
            return redirect(batch)
    history = Paginator(MemberImport.objects.visible_to(user).select_related("union", "uploaded_by"), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "members/imports.html",
        {
            "form": form,
            "can_upload": can_upload,
            "page": history,
            "max_mb": settings.MEMBER_IMPORT["MAX_UPLOAD_BYTES"] // 1_000_000,
            "max_rows": settings.MEMBER_IMPORT["MAX_ROWS"],
        },
    )


def _own_grassroots(user):
    return user.union if user.union_id and user.union.level == Level.GRASSROOTS else None


def _import_context(request, batch):
    errors = batch.errors
    headers = {c.key: c.header for c in COLUMNS}
    return {
        "batch": batch,
        "result": services.import_result(batch),
        "errors": [{**e, "label": headers.get(e.get("column"), e.get("column"))} for e in errors[:ERRORS_SHOWN]],
        "more_errors": max(len(errors) - ERRORS_SHOWN, 0),
        "running": batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "can_confirm": batch.status == ImportStatus.VALID and request.user.can(Cap.MANAGE_MEMBERS),
        "can_undo": batch.status == ImportStatus.IMPORTED and request.user.can(Cap.UNDO_IMPORTS),
        "personal": request.user.can(Cap.VIEW_PERSONAL_DATA),
    }


ERRORS_SHOWN = 500


@login_required
@require_GET
def import_detail(request, pk):
    batch = selectors.get_import_for_user(request.user, pk)
    return render(request, "members/import_detail.html", _import_context(request, batch))


@login_required
@require_GET
def import_status(request, pk):
    """The progress bar, polled while the job runs; once it has finished, the page reloads."""
    batch = selectors.get_import_for_user(request.user, pk)
    ctx = _import_context(request, batch)
    response = render(request, "members/_import_progress.html", ctx)
    if not ctx["running"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def import_errors(request, pk):
    """The uploaded workbook with an added error column: the roll as uploaded, so only for the
    roles that see personal data."""
    batch = selectors.get_import_for_user(request.user, pk)
    if not request.user.can(Cap.VIEW_PERSONAL_DATA):
        raise PermissionDenied
    if not batch.errors:
        raise Http404
    audit_access(request, AuditLog.Action.EXPORT, batch, {"rows": batch.rows, "what": "errors"})
    stem = batch.filename.rsplit(".", 1)[0]
    return attachment(exports.annotated_workbook(batch), f"{stem}-loi.xlsx", exports.XLSX)


@login_required
@require_POST
def import_confirm(request, pk):
    """Write a file that a dry run found valid: a new import of the same file."""
    batch = selectors.get_import_for_user(request.user, pk)
    if not request.user.can(Cap.MANAGE_MEMBERS):
        raise PermissionDenied
    if batch.status != ImportStatus.VALID:
        messages.error(request, _("Only a checked file without errors can be imported."))
        return redirect(batch)
    with batch.file.open("rb") as fh:
        real = services.member_import_create(
            file=File(fh),
            filename=batch.filename,
            federation=batch.federation,
            scope_path=batch.scope_path,
            union=batch.union,
            dry_run=False,
            by=request.user,
            request=request,
        )
    services.member_import_enqueue(real)
    return redirect(real)


@login_required
@require_POST
def import_undo(request, pk):
    batch = selectors.get_import_for_user(request.user, pk)
    if not request.user.can(Cap.UNDO_IMPORTS):
        raise PermissionDenied
    try:
        services.member_import_undo(batch=batch, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The import was undone."))
    return redirect(batch)
