from celery import shared_task


@shared_task
def ping() -> str:
    """Round trip through the broker and a worker: `celery -A config call federation.tasks.ping`."""
    return "pong"
