from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_member_import(batch_id: int) -> str:
    """Validate (and write) one uploaded roll. Safe to run twice: only a queued import (or one
    whose run died) is claimed, by one run at a time."""
    return services.member_import_run(batch_id=batch_id).status


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_roll_export(export_id: int) -> str:
    """Build the file of one large roll export. Safe to run twice: a finished export is left as it is."""
    return services.roll_export_run(export_id=export_id).status


@shared_task
def reconcile_import_jobs() -> dict:
    """Re-run the import and export jobs whose worker died, re-send those the broker lost and clear
    old export files (Celery beat; the name is kept for the beat entry). The counts of both kinds."""
    counts = services.jobs_reconcile()
    return {name: counts["imports"][name] + counts["exports"][name] for name in ("requeued", "resent", "failed")}
