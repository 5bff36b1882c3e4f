"""Running a reorganization plan (§7).

`run_plan` runs every row of a plan, in order, inside one transaction, through the same code
whether it previews or applies: a preview is the run rolled back, so what it shows is exactly
what applying would do. A row that fails is rolled back to its savepoint and reported with its
row number; the others still run, so one pass lists every problem. Any problem, and nothing is
written.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import AuditLog, Federation
from federation.services import audit_context, audit_log, audit_log_rows, client_ip
from federation.signals import records_changed
from members.importing import Issue
from members.models import Member, MemberStatus

from ..models import Lineage, Operation, Reorganization, Status, Union
from ..selectors import may_reorganize
from .plan import Decision, Row


@dataclass
class Step:
    """What one row did (or, in a preview, would do)."""

    row: int
    operation: str
    unit: str  # code
    unit_name: str
    summary: str = ""
    successor: str = ""  # code
    successor_name: str = ""
    units: list[dict] = field(default_factory=list)  # {"code", "name", "from", "to"}
    members: int = 0
    targets: list[dict] = field(default_factory=list)  # {"indicator", "year", "value", "to", "total"}
    returns: list[dict] = field(default_factory=list)  # {"quarter", "status", "to"}
    records: dict = field(default_factory=dict)  # welfare records passing on: {"activities": n, ...}
    accounts: list[dict] = field(default_factory=list)  # {"username", "to"} ("" to: deactivated)
    renamed: list[dict] = field(default_factory=list)  # {"from", "to"} codes (federation merger)
    closed: bool = False

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "operation": self.operation,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "summary": self.summary,
            "successor": self.successor,
            "successor_name": self.successor_name,
            "closed": self.closed,
            "members": self.members,
            "units": self.units,
            "targets": self.targets,
            "returns": self.returns,
            "records": self.records,
            "accounts": self.accounts,
            "renamed": self.renamed,
        }


@dataclass
class Outcome:
    """A plan's run: `applied` when written; otherwise the problems, or what it would do."""

    decision: Decision | None
    applied: bool = False
    errors: list[Issue] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    # The federation's figures before and after the run: a reorganization loses nothing.
    totals: dict = field(default_factory=dict)  # {name: [before, after]}
    reorganization: Reorganization | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        if self.errors:
            return "invalid"
        return "applied" if self.applied else "valid"

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "reorganization": self.reorganization.pk if self.applied and self.reorganization else None,
            **(self.decision.as_dict() if self.decision else {}),
            "steps": [s.as_dict() for s in self.steps],
            "totals": self.totals,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class Context:
    """What the operations share during one run."""

    federation: Federation
    decision: Decision
    reorganization: Reorganization
    by: object  # a User, or None for the system (the command line)
    request: object = None
    moved_ids: list = field(default_factory=list)  # units a federation merger moved

    @property
    def on(self) -> datetime.date:
        return self.decision.effective_on

    @property
    def user(self):
        return self.by if getattr(self.by, "pk", None) else None

    def unit(self, code: str, column: str, *, active: bool = True, purpose: str = "") -> Union:
        """The unit with `code` in the federation; an error on `column` if there is none, or if
        `active` and it is closed."""
        union = Union.objects.filter(federation=self.federation, code=code).first()
        if union is None:
            raise refuse(
                column, _("No unit has the code %(code)s in this federation.") % {"code": code}, "unknown_union"
            )
        if active and not union.is_active:
            message = _("%(unit)s closed on %(day)s: it cannot %(purpose)s.") % {
                "unit": union,
                "day": union.closed_on.strftime("%d/%m/%Y"),
                "purpose": purpose or _("be reorganized"),
            }
            raise refuse(column, message, "union_closed")
        return union

    def audit(self, obj, changes: dict, action=AuditLog.Action.UPDATE) -> None:
        changes = {**changes, "reorganization": [None, self.decision.number]}
        audit_log(actor=self.by, obj=obj, action=action, changes=changes, request=self.request)

    def audit_many(self, model, rows, changes: dict, action=AuditLog.Action.UPDATE) -> None:
        """One entry per object of `rows` ((id, text) pairs), written at once."""
        audit_log_rows(
            actor=self.by, model=model, action=action, federation_id=self.federation.pk,
            ip=client_ip(self.request), rows=[(pk, text, changes) for pk, text in rows],
        )  # fmt: skip

    def lineage(self, operation, union=None, successor=None, *, members=0, from_federation=None, **details):
        return Lineage.objects.create(
            reorganization=self.reorganization,
            operation=operation,
            federation=self.federation,
            from_federation=from_federation,
            union=union,
            successor=successor,
            effective_on=self.on,
            members=members,
            details=details,
        )


def refuse(column: str, message: str, code: str) -> ValidationError:
    """The error of an operation on one of the plan's columns, with its code."""
    return ValidationError({column: ValidationError(message, code=code)})


def totals(federation: Federation, year: int) -> dict:
    """The figures a reorganization must not change: active members and units, welfare records
    and money, and the year's targets (the federation's own, not yet passed on)."""
    from reports.models import Target
    from welfare.models import SOURCES, Activity, Fund, Shelter

    activities = Activity.objects.filter(federation=federation)
    money = activities.aggregate(**{name: Sum(name) for name in SOURCES})
    figures = {
        "active_members": Member.objects.filter(federation=federation, status=MemberStatus.ACTIVE).count(),
        "active_units": Union.objects.filter(federation=federation, status=Status.ACTIVE).count(),
        "activities": activities.count(),
        "activities_amount": sum(value or 0 for value in money.values()),
        "shelters": Shelter.objects.filter(federation=federation).count(),
        "funds_balance": Fund.objects.filter(federation=federation).aggregate(s=Sum("balance"))["s"] or 0,
    }
    targets = Target.objects.filter(federation=federation, year=year, union__isnull=True, passed_to__isnull=True)
    for code, value in targets.values_list("indicator__code", "value"):
        figures[f"target:{code}"] = str(value)
    return figures


def _sum_totals(federations, year) -> dict:
    combined: dict = {}
    for federation in federations:
        for key, value in totals(federation, year).items():
            if key.startswith("target:"):
                combined[key] = str(Decimal(combined.get(key, "0")) + Decimal(value))
            else:
                combined[key] = combined.get(key, 0) + value
    return combined


def run_plan(
    *,
    federation: Federation,
    decision: Decision,
    rows: list[Row],
    by,
    apply: bool,
    source: str = "",
    reorganization: Reorganization | None = None,
    request=None,
) -> Outcome:
    """Preview (`apply=False`) or apply a plan for `federation`. `reorganization`: the stored
    draft being applied (else one is made). Raises PermissionDenied for a user who may not
    reorganize the federation."""
    from reports.periods import report_year

    from .operations import OPERATIONS

    if not may_reorganize(by, federation):
        raise PermissionDenied
    outcome = Outcome(decision=decision)
    if not rows:
        outcome.errors.append(Issue("empty_plan", _("The plan has no operations.")))
        return outcome
    year = report_year(federation, decision.effective_on)
    merged = _federations_merged_in(rows)
    with transaction.atomic():
        made_here = reorganization is None
        if made_here:
            reorganization = Reorganization(federation=federation, created_by=by if getattr(by, "pk", None) else None)
        reorganization.decision_number = decision.number
        reorganization.decision_date = decision.date
        reorganization.effective_on = decision.effective_on
        reorganization.reason = decision.reason
        reorganization.rows = [row.as_dict() for row in rows]  # with their row numbers
        reorganization.source = reorganization.source or source
        reorganization.save()
        outcome.reorganization = reorganization
        ctx = Context(federation, decision, reorganization, by, request)
        involved = [federation, *Federation.objects.filter(code__in=merged, closed_on__isnull=True)]
        before = _sum_totals(involved, year)
        # Every entry the operations write (theirs and the tree services') names the decision.
        with audit_context(reorganization=decision.number):
            for row in rows:
                try:
                    with transaction.atomic():
                        outcome.steps.append(OPERATIONS[row.operation](ctx, row))
                except ValidationError as exc:
                    outcome.errors.extend(_issues(exc, row))
        after = _sum_totals([federation], year) if not outcome.errors else before
        outcome.totals = {key: [before.get(key), after.get(key)] for key in sorted({*before, *after})}
        if outcome.errors or not apply:
            transaction.set_rollback(True)
        else:
            reorganization.status = Reorganization.Status.APPLIED
            reorganization.applied_by = ctx.user
            reorganization.applied_at = timezone.now()
            reorganization.save(update_fields=["status", "applied_by", "applied_at"])
            audit_log(
                actor=by,
                obj=reorganization,
                action=AuditLog.Action.CREATE,
                changes={
                    "status": [None, "applied"],
                    "operations": [None, len(rows)],
                    "decision_number": [None, decision.number],
                },  # fmt: skip
                request=request,
            )
            records_changed.send(sender=Union)
            outcome.applied = True
    if made_here and not outcome.applied:
        reorganization.pk = None  # the run's own row was rolled back with it
    return outcome


def _federations_merged_in(rows: list[Row]) -> list[str]:
    return [row.unit for row in rows if row.operation == Operation.MERGE_FEDERATION]


def _issues(exc: ValidationError, row: Row) -> list[Issue]:
    issues = []
    if hasattr(exc, "error_dict"):
        for column, errors in exc.error_dict.items():
            for error in errors:
                message = error.message % error.params if error.params else error.message
                code = error.code or "invalid_value"
                issues.append(Issue(code, str(message), row=row.number, column=None if column == "__all__" else column))
    else:
        for error in exc.error_list:
            message = error.message % error.params if error.params else error.message
            issues.append(Issue(error.code or "invalid_value", str(message), row=row.number))
    return issues
