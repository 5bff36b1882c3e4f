import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation.models import Federation
from members import services
from unions.models import Level, Union

# §4: 0 imported or valid, 1 invalid, 2 usage errors (argparse exits with 2 on its own).
EXIT_INVALID = 1
EXIT_USAGE = 2


class Command(BaseCommand):
    help = (
        "Import a member roll (.xlsx or .csv in the template's columns): every row is checked "
        "first; with no errors the whole file is written in one transaction, otherwise nothing. "
        "Exit code 0 when imported (or valid, with --dry-run), 1 when the file has errors, 2 for "
        "usage errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--union", help="code of the grassroots union every row belongs to")
        scope.add_argument("--federation", help="code of the federation (rows name their union in Mã CĐCS)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path}, returncode=EXIT_USAGE)
        federation, union = self._scope(opts["union"], opts["federation"])
        with path.open("rb") as fh:
            batch = services.member_import_create(
                file=File(fh),
                filename=path.name,
                federation=federation,
                scope_path=federation.path,
                union=union,
                dry_run=opts["dry_run"],
            )
        batch = services.member_import_run(batch_id=batch.pk)
        result = services.import_result(batch)
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self._report(result)
        if result["status"] == "invalid":
            raise SystemExit(EXIT_INVALID)

    def _scope(self, union_code, federation_code):
        if union_code:
            code = " ".join(union_code.split()).upper()
            unions = list(Union.objects.filter(code=code).select_related("federation")[:2])
            if not unions:
                raise CommandError(_("No union has the code %(code)s.") % {"code": code}, returncode=EXIT_USAGE)
            if len(unions) > 1:
                raise CommandError(
                    _("Several federations have a union with the code %(code)s.") % {"code": code},
                    returncode=EXIT_USAGE,
                )
            union = unions[0]
            if union.level != Level.GRASSROOTS:
                raise CommandError(
                    _("%(code)s is not a grassroots union.") % {"code": union.code}, returncode=EXIT_USAGE
                )
            return union.federation, union
        federations = Federation.objects.all()
        if federation_code:
            federations = federations.filter(code__iexact=federation_code.strip())
        found = list(federations[:2])
        if len(found) == 1:
            return found[0], None
        if federation_code:
            raise CommandError(
                _("No federation has the code %(code)s.") % {"code": federation_code}, returncode=EXIT_USAGE
            )
        raise CommandError(_("Give --union CODE or --federation CODE."), returncode=EXIT_USAGE)

    def _report(self, result):
        status = {
            "imported": _("Imported"),
            "valid": _("Valid: nothing written (dry run)"),
            "invalid": _("Not imported: the file has errors, nothing was written"),
        }[result["status"]]
        counts = _("%(rows)s rows, %(created)s new, %(updated)s updated, %(unchanged)s unchanged") % result
        self.stdout.write(f"{status}. {counts}.")
        for label, issues in ((_("warning"), result["warnings"]), (_("error"), result["errors"])):
            for issue in issues:
                where = "".join(f" {part}" for part in (issue["sheet"], issue["row"], issue["column"]) if part)
                self.stdout.write(f"  {label} {issue['code']}{where}: {issue['message']}")
