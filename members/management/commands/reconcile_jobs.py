from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from members import services


class Command(BaseCommand):
    help = (
        "Put background jobs back on track (Celery beat does it every minute): imports whose worker "
        "died are queued again (failed after JOB_MAX_ATTEMPTS runs), imports the queue lost are sent again."
    )

    def handle(self, *args, **options):
        counts = services.member_import_reconcile()
        self.stdout.write(_("Imports queued again: %(requeued)s; sent again: %(resent)s; failed: %(failed)s.") % counts)
