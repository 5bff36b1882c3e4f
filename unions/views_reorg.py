"""Reorganization screens (§7): the federation's reorganizations, preparing one (one operation
typed in, or a plan file), its preview, applying or discarding it, and the plan template.

A reorganization spans a federation: its federation-level users read them (staff and leaders
read only), only who `may_reorganize` prepares and applies; a union-level user gets 404, as for
anything outside its subtree. Every write goes through `unions.reorg.drafts`."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation.forms import posted, upload_on_disk
from federation.views import attachment
from members.exports import XLSX
from reports.forms.targets import show_number
from reports.models import Indicator, ReturnStatus

from . import selectors
from .forms_reorg import ApplyForm, PlanUploadForm, ReorganizationForm
from .models import Kind, Operation, Reorganization, Sector, Union
from .reorg import drafts, plan, template
from .reorg.engine import run_plan
from .selectors import get_reorganization_for_user, get_rw_reorganization_for_user, may_reorganize

TOTAL_LABELS = {
    "active_members": gettext_lazy("Active members"),
    "active_units": gettext_lazy("Active units"),
    "activities": gettext_lazy("Welfare activities"),
    "activities_amount": gettext_lazy("Amount of the welfare activities (dong)"),
    "shelters": gettext_lazy("Union Shelters"),
    "funds_balance": gettext_lazy("Fund balances (dong)"),
}
RECORD_LABELS = {
    "activities": gettext_lazy("Welfare activities"),
    "shelters": gettext_lazy("Union Shelters"),
    "funds": gettext_lazy("Funds"),
    "occasions": gettext_lazy("Occasions"),
    "returns": gettext_lazy("Quarterly returns"),
    "targets": gettext_lazy("Unit targets"),
    "units_below": gettext_lazy("Units below it (they move with it)"),
}

# --- access -------------------------------------------------------------------------------------


def _federation(request):
    """The federation whose reorganizations are shown: the user's own (a superuser names one with
    `?federation=`). A union-level user has none here: 404."""
    user = request.user
    if user.union_id:
        raise Http404
    pk = request.GET.get("federation", "")
    if pk.isdigit():
        return selectors.get_federation_for_user(user, int(pk))
    return selectors.default_federation_for_user(user)


def _writable_federation(request):
    federation = _federation(request)
    if not may_reorganize(request.user, federation):
        raise PermissionDenied
    return federation


# --- the list -----------------------------------------------------------------------------------


@login_required
@require_GET
def reorganizations(request):
    federation = _federation(request)
    found = (
        Reorganization.objects.visible_to(request.user)
        .filter(federation=federation)
        .select_related("created_by", "applied_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "unions/reorg/list.html",
        {
            "federation": federation,
            "page": page,
            "can_reorganize": may_reorganize(request.user, federation),
            "federation_query": _federation_query(request, federation),
        },
    )


def _federation_query(request, federation) -> str:
    """`?federation=` for a superuser's links, so they stay in the federation it chose."""
    return f"?federation={federation.pk}" if request.user.is_superuser else ""


# --- preparing ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reorganization_create(request):
    """One operation of a decision; a preview runs before the draft is stored, so what the engine
    refuses is shown on the form's fields."""
    federation = _writable_federation(request)
    initial = {}
    code = request.GET.get("unit", "").strip().upper()
    if code and Union.objects.filter(federation=federation, code=code).active().exists():
        initial["unit"] = code
    if request.GET.get("operation") in {op.value for op in Operation}:
        initial["operation"] = request.GET["operation"]
    form = ReorganizationForm(posted(request), federation=federation, initial=initial)
    if request.method == "POST" and form.is_valid():
        outcome = run_plan(
            federation=federation, decision=form.decision, rows=[form.row], by=request.user, apply=False,
            request=request,
        )  # fmt: skip
        if outcome.ok:
            reorganization = drafts.draft_create(
                federation=federation, decision=form.decision, rows=[form.row], by=request.user, request=request
            )
            messages.success(request, _("The reorganization was prepared. Check the preview, then apply it."))
            return redirect(reorganization)
        for issue in outcome.errors:
            form.add_issue(issue)
    return render(
        request,
        "unions/reorg/form.html",
        {"form": form, "federation": federation, "federation_query": _federation_query(request, federation)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reorganization_upload(request):
    """A plan file, read and checked whole; a readable one is stored as a draft, to preview."""
    federation = _writable_federation(request)
    form = PlanUploadForm(posted(request), request.FILES or None)
    errors = []
    filename = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        filename = upload.name
        with upload_on_disk(upload, "plan") as path:
            outcome = plan.read_plan(path, filename)
        if not outcome.errors:
            reorganization = drafts.draft_create(
                federation=federation, decision=outcome.decision, rows=outcome.plan_rows, by=request.user,
                source=filename, request=request,
            )  # fmt: skip
            messages.success(request, _("The plan was read. Check the preview, then apply it."))
            return redirect(reorganization)
        errors = [_issue_line(issue) for issue in outcome.errors]
    return render(
        request,
        "unions/reorg/upload.html",
        {
            "form": form,
            "federation": federation,
            "errors": errors,
            "show_sheet": any(e["sheet"] for e in errors),
            "filename": filename,
            "columns": plan.COLUMNS,
            "federation_query": _federation_query(request, federation),
        },
    )


def _issue_line(issue) -> dict:
    return {
        "sheet": issue.sheet or "",
        "row": issue.row,
        "column": plan.HEADERS.get(issue.column, issue.column or ""),
        "message": issue.message,
        "code": issue.code,
    }


@login_required
@require_GET
def reorganization_template(request):
    """The plan template: the columns to fill, then examples of each operation and what each
    column means, in sheets of their own (so the examples are never uploaded by mistake)."""
    _federation(request)
    return attachment(template.plan_template_xlsx(), template.FILENAME, XLSX)


# --- one reorganization -------------------------------------------------------------------------


@login_required
@require_GET
def reorganization_detail(request, pk):
    reorganization = get_reorganization_for_user(request.user, pk)
    federation = reorganization.federation
    can_change = reorganization.status == Reorganization.Status.DRAFT and may_reorganize(request.user, federation)
    preview = drafts.draft_preview(reorganization, by=request.user, request=request) if can_change else None
    ctx = {
        "reorganization": reorganization,
        "federation": federation,
        "operations": _operations(reorganization),
        "can_change": can_change,
        "preview": preview,
        "steps": [_step(step) for step in preview.steps] if preview is not None else [],
        "totals": _totals(preview.totals) if preview is not None and preview.ok else [],
        "errors": [_issue_line(issue) for issue in preview.errors] if preview is not None else [],
        "apply_form": ApplyForm(),
        "lineage": _lineage(reorganization) if reorganization.status == Reorganization.Status.APPLIED else [],
        "federation_query": _federation_query(request, federation),
    }
    return render(request, "unions/reorg/detail.html", ctx)


def _operations(reorganization: Reorganization) -> list[dict]:
    """The plan's rows as stored, with the names of the units they name."""
    codes = {row.get(key) for row in reorganization.rows for key in ("unit", "new_parent", "target") if row.get(key)}
    names = dict(Union.objects.filter(federation=reorganization.federation, code__in=codes).values_list("code", "name"))
    labels = dict(Operation.choices)
    lines = []
    for index, row in enumerate(reorganization.rows, start=1):
        operation = row.get("operation", "")
        lines.append(
            {
                "number": row.get("number", index),
                "operation": labels.get(operation, operation),
                "unit": row.get("unit", ""),
                "unit_name": names.get(row.get("unit"), "") if operation != Operation.CREATE else row.get("new_name"),
                "fields": [
                    (plan.HEADERS[key], _field_value(key, row[key], names))
                    for key in ("new_parent", "new_name", "new_code", "kind", "sector", "target", "members")
                    if row.get(key) and not (operation == Operation.CREATE and key == "new_name")
                ],
            }
        )
    return lines


def _field_value(key, value, names) -> str:
    if key in ("new_parent", "target"):
        return f"{value} — {names[value]}" if value in names else value
    if key == "kind":
        return str(dict(Kind.choices).get(value, value))
    if key == "sector":
        return str(dict(Sector.choices).get(value, value))
    if key == "members":
        return _("%(n)s citizen IDs") % {"n": len(value)} if isinstance(value, list) else str(value)
    return str(value)


def _step(step) -> dict:
    """A preview step made ready to show: numbers the reader's way, labels for the records."""
    statuses = dict(ReturnStatus.choices)
    return {
        "row": step.row,
        "operation": dict(Operation.choices).get(step.operation, step.operation),
        "summary": step.summary,
        "unit": step.unit,
        "unit_name": step.unit_name,
        "successor": step.successor,
        "successor_name": step.successor_name,
        "closed": step.closed,
        "members": step.members,
        "unit_groups": _by_route(step.units),
        "targets": [{**t, "value": show_number(t["value"]), "total": show_number(t["total"])} for t in step.targets],
        "returns": [{**r, "status": statuses.get(r["status"], r["status"])} for r in step.returns],
        "records": [(RECORD_LABELS.get(key, key), value) for key, value in step.records.items()],
        "accounts": step.accounts,
        "renamed": step.renamed,
    }


def _by_route(units: list[dict]) -> list[dict]:
    """Units moving, grouped by where they come from and go to (a dissolved union's units all
    take the same way)."""
    groups: dict[tuple, list] = {}
    for unit in units:
        groups.setdefault((unit["from"], unit["to"]), []).append(unit)
    return [{"from": src, "to": dst, "units": members} for (src, dst), members in groups.items()]


def _number(value) -> str:
    """A figure the reader's way ("8.450", "92,5" in Vietnamese)."""
    if value is None:
        return "—"
    try:
        return show_number(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _totals(totals: dict) -> list[dict]:
    """The federation's figures before and after; `changed` marks what the plan changes (active
    units close and open; nothing else may change)."""
    codes = [key.split(":", 1)[1] for key in totals if key.startswith("target:")]
    indicators = {i.code: i.name for i in Indicator.objects.filter(code__in=codes)}
    lines = []
    for key, (before, after) in totals.items():
        if key.startswith("target:"):
            code = key.split(":", 1)[1]
            label = _("Target: %(indicator)s") % {"indicator": indicators.get(code, code)}
        else:
            label = TOTAL_LABELS.get(key, key)
        lines.append(
            {
                "key": key,
                "label": label,
                "before": _number(before),
                "after": _number(after),
                "changed": before != after,
                "expected": key == "active_units",
            }
        )
    order = list(TOTAL_LABELS)
    lines.sort(key=lambda line: (order.index(line["key"]) if line["key"] in order else len(order), line["key"]))
    return lines


def _lineage(reorganization: Reorganization) -> list[dict]:
    rows = reorganization.lineage.select_related("union", "successor", "from_federation").order_by("pk")
    return lineage_entries(list(rows))


LINEAGE_LABELS = {
    "parent": gettext_lazy("Direct superior"),
    "name": gettext_lazy("Name"),
    "code": gettext_lazy("Code"),
    "kind": gettext_lazy("Kind"),
    "sector": gettext_lazy("Sector"),
    "units": gettext_lazy("Units moved"),
    "targets": gettext_lazy("Targets passed on"),
    "returns": gettext_lazy("Quarterly returns passed on"),
    "accounts": gettext_lazy("Accounts"),
    "records_activities": gettext_lazy("Welfare activities"),
    "records_shelters": gettext_lazy("Union Shelters"),
    "records_funds": gettext_lazy("Funds"),
    "records_units_below": gettext_lazy("Units below it"),
    "renamed": gettext_lazy("Codes renamed"),
}


def _lineage_value(key, value) -> str:
    if key == "kind":
        return str(dict(Kind.choices).get(value, value)) if value else "—"
    if key == "sector":
        return str(dict(Sector.choices).get(value, value)) if value else "—"
    return str(value) if value not in (None, "") else "—"


def _lineage_changes(details: dict) -> list[dict]:
    """A lineage row's details as lines: a change (`before` → `after`), a count, or a place."""
    lines = []
    for key, value in (details or {}).items():
        label = LINEAGE_LABELS.get(key, key)
        if isinstance(value, list) and len(value) == 2:
            before, after = (_lineage_value(key, v) for v in value)
            lines.append({"label": label, "before": before, "after": after})
        elif isinstance(value, dict):
            if value:
                lines.append({"label": label, "value": ", ".join(f"{old} → {new}" for old, new in value.items())})
        elif isinstance(value, int):
            if value:
                lines.append({"label": label, "count": value})
        elif value:
            lines.append({"label": label, "value": str(value)})
    return lines


def lineage_entries(rows, *, unit: Union | None = None, viewer=None) -> list[dict]:
    """Lineage rows made ready to show. On a unit's page (`unit`), each names the other unit and
    which way it went; `viewer`: links only to the units that user may open."""
    others = {r.union_id for r in rows} | {r.successor_id for r in rows}
    others.discard(None)
    visible = others
    if viewer is not None:
        visible = set(Union.objects.visible_to(viewer).filter(pk__in=others).values_list("pk", flat=True))
    entries = []
    for row in rows:
        entry = {
            "on": row.effective_on,
            "operation": row.operation,
            "operation_label": row.get_operation_display(),
            "reorganization": row.reorganization,
            "union": row.union,
            "successor": row.successor,
            "from_federation": row.from_federation,
            "members": row.members,
            "changes": _lineage_changes(row.details),
            "direction": "",
            "other": None,
        }
        if unit is not None:
            if row.union_id == unit.pk and row.successor_id not in (None, unit.pk):
                entry["direction"], entry["other"] = "out", row.successor
            elif row.successor_id == unit.pk and row.union_id not in (None, unit.pk):
                entry["direction"], entry["other"] = "in", row.union
        entry["union_link"] = row.union_id in visible
        entry["successor_link"] = row.successor_id in visible
        entry["other_link"] = entry["other"] is not None and entry["other"].pk in visible
        entries.append(entry)
    return entries


# --- applying, discarding -----------------------------------------------------------------------


@login_required
@require_POST
def reorganization_apply(request, pk):
    reorganization = get_rw_reorganization_for_user(request.user, pk)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["confirm"]))
        return redirect(reorganization)
    try:
        outcome = drafts.draft_apply(reorganization, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reorganization)
    if outcome.applied:
        messages.success(request, _("Reorganization applied."))
    else:
        count = len(outcome.errors)
        messages.error(
            request,
            ngettext(
                "The reorganization was not applied, nothing was written: %(n)s problem, listed below.",
                "The reorganization was not applied, nothing was written: %(n)s problems, listed below.",
                count,
            )
            % {"n": count},
        )
    return redirect(reorganization)


@login_required
@require_POST
def reorganization_discard(request, pk):
    reorganization = get_rw_reorganization_for_user(request.user, pk)
    try:
        drafts.draft_discard(reorganization, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The prepared reorganization was discarded."))
    return redirect(reorganization)
