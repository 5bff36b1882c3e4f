import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation.backup import BackupError, restore_federation


class Command(BaseCommand):
    help = (
        "Restore a federation exported by export_federation into this database, which must not hold it "
        "(typically a fresh, migrated one). Everything is loaded in one transaction, or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the zip file written by export_federation")
        parser.add_argument("--dry-run", action="store_true", help="check and try the load, then write nothing")

    def handle(self, *args, file, dry_run=False, **options):
        started = time.perf_counter()
        try:
            outcome = restore_federation(path=Path(file), dry_run=dry_run)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for model, count in outcome.counts.items():
            self.stdout.write(f"  {model:<28} {count:>9}")
        if outcome.users_cleared or outcome.rows_skipped:
            self.stderr.write(
                _(
                    "%(cleared)s references to accounts outside the backup were left empty; "
                    "%(skipped)s rows that need such an account were left out."
                )
                % {"cleared": outcome.users_cleared, "skipped": outcome.rows_skipped}
            )
        values = {
            "code": outcome.manifest["federation"],
            "rows": sum(outcome.counts.values()),
            "files": len(outcome.manifest["media"]),
            "seconds": time.perf_counter() - started,
        }
        if dry_run:
            message = _("Dry run: %(code)s can be restored (%(rows)s rows, %(files)s files). Nothing was written.")
        else:
            message = _("Restored %(code)s: %(rows)s rows, %(files)s files, in %(seconds).1f s.")
        self.stdout.write(message % values)
