import datetime

from django.utils import timezone

from reports.models import QuarterlyReturn, ReturnStatus
from reports.periods import quarter_period


def reported_return(union, year, quarter, *, status=ReturnStatus.APPROVED, submitted_on=None, **fields):
    """A quarterly return written straight to the database (the workflow has its own tests)."""
    end = quarter_period(union.federation, year, quarter).end
    submitted = submitted_on or end + datetime.timedelta(days=5)
    at = timezone.make_aware(datetime.datetime.combine(submitted, datetime.time(9)))
    return QuarterlyReturn.objects.create(
        federation=union.federation,
        union=union,
        year=year,
        quarter=quarter,
        ends_on=end,
        status=status,
        first_submitted_at=None if status == ReturnStatus.DRAFT else at,
        submitted_at=None if status == ReturnStatus.DRAFT else at,
        **fields,
    )
