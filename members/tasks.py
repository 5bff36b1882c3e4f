from celery import shared_task

from . import services


@shared_task(acks_late=True)
def run_member_import(batch_id: int) -> str:
    """Validate (and write) one uploaded roll. Safe to run twice: only a queued import runs."""
    return services.member_import_run(batch_id=batch_id).status
