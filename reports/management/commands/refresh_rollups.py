import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation.models import Federation
from reports import rollup


class Command(BaseCommand):
    help = (
        "Rebuild the pre-aggregated dashboard figures (reports/rollup.py): of one federation, or of "
        "every federation whose records changed since its last rebuild (or never built)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--federation", help="code of a federation to rebuild (default: every stale one)")

    def handle(self, *args, federation=None, **options):
        started = time.monotonic()
        if federation:
            found = Federation.objects.filter(code=federation).first()
            if found is None:
                raise CommandError(_("No federation has the code %(code)s.") % {"code": federation})
            result = rollup.refresh(found.pk)
            if result is None:
                raise CommandError(_("%(code)s is being rebuilt by another worker.") % {"code": federation})
            done = [result]
        else:
            done = rollup.refresh_all()
        for result in done:
            self.stdout.write(
                _("%(code)s: %(rows)s rows in %(seconds).2f s")
                % {"code": result.federation.code, "rows": result.rows, "seconds": result.seconds}
            )
        self.stdout.write(
            _("%(n)s federation(s) rebuilt in %(seconds).2f s")
            % {"n": len(done), "seconds": time.monotonic() - started}
        )
