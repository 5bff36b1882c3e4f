from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from members import services


class Command(BaseCommand):
    help = (
        "Put background jobs back on track (Celery beat does it every minute): imports and exports whose "
        "worker died are queued again (failed after JOB_MAX_ATTEMPTS runs), those the queue lost are sent "
        "again, export files older than ROLL_EXPORT_KEEP_DAYS are deleted."
    )

    def handle(self, *args, **options):
        counts = services.jobs_reconcile()
        self.stdout.write(
            _("Imports queued again: %(requeued)s; sent again: %(resent)s; failed: %(failed)s.") % counts["imports"]
        )
        exported = _(
            "Exports queued again: %(requeued)s; sent again: %(resent)s; failed: %(failed)s; "
            "files deleted: %(expired)s."
        )
        self.stdout.write(exported % counts["exports"])
