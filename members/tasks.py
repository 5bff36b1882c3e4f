from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_member_import(batch_id: int) -> str:
    """Validate (and write) one uploaded roll. Safe to run twice: only a queued import (or one
    whose run died) is claimed, by one run at a time."""
    return services.member_import_run(batch_id=batch_id).status


@shared_task
def reconcile_import_jobs() -> dict:
    """Re-run the import jobs whose worker died and re-send those the broker lost (Celery beat)."""
    return services.member_import_reconcile()
