import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation.models import Federation, User
from unions.models import Operation
from unions.reorg.engine import Outcome, run_plan
from unions.reorg.plan import read_plan
from unions.selectors import may_reorganize


class Command(BaseCommand):
    help = (
        "Preview or apply a reorganization plan (.xlsx or .csv, one operation a row; PRODUCT.md §7) in one "
        "transaction: with any error nothing is changed. --dry-run previews only; --json prints the outcome "
        "as one JSON object. Exits non-zero when the plan has errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("plan_file", metavar="PLAN_FILE", help="the plan, .xlsx or .csv")
        parser.add_argument("--dry-run", action="store_true", help="preview only: change nothing")
        parser.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
        parser.add_argument(
            "--federation", help="code of the federation reorganized (default: the only open federation)"
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="the federation admin recorded as having done it (default: the system)",
        )

    def handle(self, *args, **opts):
        path = Path(opts["plan_file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        federation = self._federation(opts["federation"])
        by = self._user(opts["as_user"], federation)
        plan = read_plan(path, path.name)
        if plan.errors:
            outcome = Outcome(decision=plan.decision, errors=plan.errors)
        else:
            outcome = run_plan(
                federation=federation,
                decision=plan.decision,
                rows=plan.plan_rows,
                by=by,
                apply=not opts["dry_run"],
                source=path.name,
            )
        if opts["json"]:
            self.stdout.write(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._report(outcome)
        if not outcome.ok:
            raise CommandError(_("The plan has errors: nothing was changed."))

    def _federation(self, code):
        if code:
            federation = Federation.objects.filter(code__iexact=code.strip()).first()
            if federation is None:
                raise CommandError(_("No federation has the code %(code)s.") % {"code": code.strip()})
            if federation.closed_on is not None:
                raise CommandError(
                    _("The federation %(code)s closed on %(day)s.")
                    % {"code": federation.code, "day": federation.closed_on.strftime("%d/%m/%Y")}
                )
            return federation
        open_federations = list(Federation.objects.filter(closed_on__isnull=True).order_by("code"))
        if len(open_federations) == 1:
            return open_federations[0]
        if not open_federations:
            raise CommandError(_("There is no open federation to reorganize."))
        raise CommandError(
            _("Several federations are open: give --federation CODE (one of %(codes)s).")
            % {"codes": ", ".join(f.code for f in open_federations)}
        )

    def _user(self, username, federation):
        if not username:
            return None
        user = User.objects.filter(username=username.strip()).first()
        if user is None or not user.is_active:
            raise CommandError(_("No active user has the username %(username)s.") % {"username": username.strip()})
        if not may_reorganize(user, federation):
            raise CommandError(
                _("%(username)s may not reorganize the federation %(code)s: only its federation admin may.")
                % {"username": user.username, "code": federation.code}
            )
        return user

    def _report(self, outcome: Outcome):
        write = self.stdout.write
        decision = outcome.decision
        if decision is not None:
            write(
                _("Decision %(number)s of %(date)s, effective %(effective)s: %(reason)s")
                % {
                    "number": decision.number,
                    "date": decision.date.strftime("%d/%m/%Y"),
                    "effective": decision.effective_on.strftime("%d/%m/%Y"),
                    "reason": decision.reason,
                }
            )
        for step in outcome.steps:
            write("")
            write(
                _("Row %(row)s (%(operation)s): %(summary)s")
                % {"row": step.row, "operation": str(Operation(step.operation).label).lower(), "summary": step.summary}
            )
            write(
                "  "
                + _("members moved: %(members)s, units moved: %(units)s, targets passed on: %(targets)s")
                % {"members": step.members, "units": len(step.units), "targets": len(step.targets)}
            )
            for renamed in step.renamed:
                write("  " + _("code %(old)s becomes %(new)s") % {"old": renamed["from"], "new": renamed["to"]})
        if outcome.totals:
            write("")
            write(_("Totals (before → after):"))
            width = max(len(name) for name in outcome.totals)
            for name, (before, after) in outcome.totals.items():
                write(f"  {name.ljust(width)}  {_value(before)} → {_value(after)}")
        write("")
        if outcome.errors:
            write(_("Not applied: the plan has errors, nothing was changed."))
            for issue in outcome.errors:
                write("  " + _where(issue) + issue.message)
        elif outcome.applied:
            write(_("Applied: reorganization #%(number)s") % {"number": outcome.reorganization.pk})
        else:
            write(_("Preview only (--dry-run): nothing was changed"))


def _value(value) -> str:
    return "—" if value is None else str(value)


def _where(issue) -> str:
    """Where an issue is: "sheet, row 3, column unit: " (what is known of it)."""
    parts = []
    if issue.sheet:
        parts.append(_("sheet %(sheet)s") % {"sheet": issue.sheet})
    if issue.row:
        parts.append(_("row %(row)s") % {"row": issue.row})
    if issue.column:
        parts.append(_("column %(column)s") % {"column": issue.column})
    return ", ".join(parts) + ": " if parts else ""
