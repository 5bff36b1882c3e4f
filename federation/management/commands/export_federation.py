import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation.backup import BackupError, export_federation


class Command(BaseCommand):
    help = (
        "Export one federation completely (units, members, welfare, reports, accounts, audit trail, "
        "uploaded files) to a zip file that restore_federation loads into another database."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the federation's code")
        parser.add_argument("--output", required=True, help="the zip file to write")

    def handle(self, *args, code, output, **options):
        started = time.perf_counter()
        try:
            manifest = export_federation(code=code, output=Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for section in manifest["sections"]:
            self.stdout.write(f"  {section['model']:<28} {section['count']:>9}")
        self.stdout.write(
            _("Exported %(code)s to %(file)s: %(rows)s rows, %(files)s files, in %(seconds).1f s.")
            % {
                "code": manifest["federation"],
                "file": output,
                "rows": sum(s["count"] for s in manifest["sections"]),
                "files": len(manifest["media"]),
                "seconds": time.perf_counter() - started,
            }
        )
        if manifest["media_missing"]:
            self.stderr.write(
                _("%(n)s uploaded files were missing and are not in the backup: %(names)s")
                % {"n": len(manifest["media_missing"]), "names": ", ".join(manifest["media_missing"][:5])}
            )
