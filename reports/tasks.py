"""Background work of the reports app."""

from celery import shared_task

from .services.returns import return_reminders_send


@shared_task
def send_return_reminders() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): remind chairs of returns due or late. Running it twice
    sends nothing more: each reminder is recorded before it goes out."""
    return return_reminders_send()


@shared_task
def warm_dashboards() -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): compute the figures the leadership opens — each
    federation's report for its default year, and each of its direct children's — so that they
    are in the cache (reports/cache.py) before anyone asks. Returns how many were computed."""
    from django.utils import timezone

    from federation.models import Federation
    from unions.models import Union

    from .achievement import tree_report
    from .periods import default_as_of, default_year
    from .targets import target_years

    today = timezone.localdate()
    computed = 0
    for federation in Federation.objects.filter(closed_on__isnull=True):
        year = default_year(federation, target_years(federation, None), today)
        as_of = default_as_of(federation, year, today)
        tree_report(federation=federation, year=year, as_of=as_of)
        computed += 1
        for union in Union.objects.filter(federation=federation, parent=None, level="superior", status="active"):
            tree_report(federation=federation, union=union, year=year, as_of=as_of)
            computed += 1
    return computed


@shared_task
def refresh_rollups() -> int:
    """Every ROLLUP_REFRESH_SECONDS (CELERY_BEAT_SCHEDULE), and soon after a write
    (reports/cache.py): rebuild the pre-aggregated figures of each federation whose records
    changed (reports/rollup.py). Two workers never rebuild the same federation: the second skips
    it. Returns how many were rebuilt."""
    from .rollup import refresh_all

    return len(refresh_all())
