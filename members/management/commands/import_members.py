import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from federation.models import Federation
from members import services
from unions.models import Level, Union


class Command(BaseCommand):
    help = (
        "Import a member roll (.xlsx or .csv in the template's columns): every row is checked "
        "first; with no errors the whole file is written in one transaction, otherwise nothing."
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
            raise CommandError(f"No such file: {path}", returncode=2)
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
            raise SystemExit(1)

    def _scope(self, union_code, federation_code):
        if union_code:
            unions = list(Union.objects.filter(code=union_code.strip().upper()).select_related("federation")[:2])
            if len(unions) != 1:
                problem = "No union has" if not unions else "Several federations have a union with"
                raise CommandError(f"{problem} the code {union_code}.", returncode=2)
            union = unions[0]
            if union.level != Level.GRASSROOTS:
                raise CommandError(f"{union.code} is not a grassroots union.", returncode=2)
            return union.federation, union
        federations = Federation.objects.all()
        if federation_code:
            federations = federations.filter(code__iexact=federation_code.strip())
        found = list(federations[:2])
        if len(found) != 1:
            if federation_code:
                raise CommandError(f"No federation has the code {federation_code}.", returncode=2)
            raise CommandError("Give --union CODE or --federation CODE.", returncode=2)
        return found[0], None

    def _report(self, result):
        self.stdout.write(
            f"{result['status']}: {result['rows']} rows, {result['created']} created, "
            f"{result['updated']} updated, {result['unchanged']} unchanged"
        )
        for kind, issues in (("warning", result["warnings"]), ("error", result["errors"])):
            for issue in issues:
                where = f"{issue['sheet'] or ''}!{issue['row'] or ''} {issue['column'] or ''}".strip(" !")
                self.stdout.write(f"  {kind} {issue['code']} {where}: {issue['message']}")
