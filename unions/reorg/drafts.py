"""Prepared reorganizations: a plan stored as a draft (from the screen's form, a plan file or
the API), previewed as often as wanted, then applied once or discarded."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from federation.models import AuditLog
from federation.services import audit_log

from ..models import Reorganization
from ..selectors import may_reorganize
from .engine import Outcome, run_plan
from .plan import Decision, Row, row_from_dict


def draft_create(*, federation, decision: Decision, rows: list[Row], by, source: str = "", request=None):
    """Store a plan as a draft of `federation` (nothing in the tree changes)."""
    if not may_reorganize(by, federation):
        raise PermissionDenied
    reorganization = Reorganization.objects.create(
        federation=federation,
        decision_number=decision.number,
        decision_date=decision.date,
        effective_on=decision.effective_on,
        reason=decision.reason,
        rows=[row.as_dict() | {"number": row.number} for row in rows],
        source=source[:255],
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit_log(
        actor=by,
        obj=reorganization,
        action=AuditLog.Action.CREATE,
        changes={"status": [None, "draft"], "operations": [None, len(rows)]},
        request=request,
    )
    return reorganization


def draft_plan(reorganization: Reorganization) -> tuple[Decision, list[Row]]:
    """The decision and rows stored in a draft."""
    decision = Decision(
        number=reorganization.decision_number,
        date=reorganization.decision_date,
        effective_on=reorganization.effective_on,
        reason=reorganization.reason,
    )
    rows = []
    for index, data in enumerate(reorganization.rows, start=1):
        row, _problems = row_from_dict(data.get("number", index), data)
        if row is not None:
            rows.append(row)
    return decision, rows


def _check_draft(reorganization: Reorganization, by) -> None:
    if not may_reorganize(by, reorganization.federation):
        raise PermissionDenied
    if reorganization.status != Reorganization.Status.DRAFT:
        raise ValidationError(
            _("This reorganization was %(status)s: it can no longer change.")
            % {"status": reorganization.get_status_display().lower()},
            code="not_draft",
        )


def draft_preview(reorganization: Reorganization, *, by, request=None) -> Outcome:
    """What applying the draft would do now (the tree may have changed since it was prepared)."""
    if not may_reorganize(by, reorganization.federation):
        raise PermissionDenied
    decision, rows = draft_plan(reorganization)
    return run_plan(
        federation=reorganization.federation, decision=decision, rows=rows, by=by, apply=False,
        reorganization=Reorganization.objects.get(pk=reorganization.pk), request=request,
    )  # fmt: skip


def draft_apply(reorganization: Reorganization, *, by, request=None) -> Outcome:
    """Apply the draft in one transaction, or nothing (the outcome lists the problems)."""
    with transaction.atomic():
        locked = Reorganization.objects.select_for_update().get(pk=reorganization.pk)
        _check_draft(locked, by)
        decision, rows = draft_plan(locked)
        return run_plan(
            federation=locked.federation, decision=decision, rows=rows, by=by, apply=True, reorganization=locked,
            request=request,
        )  # fmt: skip


def draft_discard(reorganization: Reorganization, *, by, request=None) -> Reorganization:
    with transaction.atomic():
        locked = Reorganization.objects.select_for_update().get(pk=reorganization.pk)
        _check_draft(locked, by)
        locked.status = Reorganization.Status.DISCARDED
        locked.save(update_fields=["status"])
        audit_log(
            actor=by, obj=locked, action=AuditLog.Action.UPDATE, changes={"status": ["draft", "discarded"]},
            request=request,
        )  # fmt: skip
    return locked
