"""Report years and quarters. A federation's report year starts on its own day (1 January by
default); quarters are the year's four three-month blocks from that day."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def cut(self, as_of: datetime.date | None) -> "Period":
        """The part of the period up to `as_of` (the whole period when `as_of` is later or None)."""
        if as_of is None or as_of >= self.end:
            return self
        return Period(self.start, max(as_of, self.start - datetime.timedelta(days=1)))


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def year_start(federation, year: int) -> datetime.date:
    return datetime.date(year, federation.year_start_month, federation.year_start_day)


def year_period(federation, year: int) -> Period:
    start = year_start(federation, year)
    return Period(start, add_months(start, 12) - datetime.timedelta(days=1))


def quarter_period(federation, year: int, quarter: int) -> Period:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter {quarter} is not 1-4")
    start = add_months(year_start(federation, year), 3 * (quarter - 1))
    return Period(start, add_months(start, 3) - datetime.timedelta(days=1))


def elapsed_quarters(federation, year: int, as_of: datetime.date | None) -> int:
    """How many of the year's quarters have ended by `as_of` (4 when None or after the year)."""
    if as_of is None:
        return 4
    return sum(1 for q in (1, 2, 3, 4) if quarter_period(federation, year, q).end <= as_of)


def report_year(federation, day: datetime.date) -> int:
    """The report year `day` falls in."""
    return day.year if day >= year_start(federation, day.year) else day.year - 1


def quarter_of(federation, day: datetime.date) -> tuple[int, int]:
    year = report_year(federation, day)
    for q in (1, 2, 3, 4):
        if day <= quarter_period(federation, year, q).end:
            return year, q
    raise AssertionError("unreachable")


def default_deadline(federation, year: int, quarter: int) -> datetime.date:
    """Returns are due `RETURN_DEADLINE_DAYS` days after the quarter ends, unless the federation
    set another day for that quarter."""
    return quarter_period(federation, year, quarter).end + datetime.timedelta(days=settings.RETURN_DEADLINE_DAYS)


def quarter_label(year: int, quarter: int) -> str:
    """ "Quý 3/2026" (in English "Q3/2026")."""
    return _("Q%(quarter)s/%(year)s") % {"quarter": quarter, "year": year}


def default_year(federation, years: list[int], today: datetime.date) -> int:
    """The latest of `years` (those with targets), not counting years still to come (next year's
    targets are set before it starts: dashboards stay on the running year meanwhile); else the
    running one."""
    current = report_year(federation, today)
    return next((y for y in years if y <= current), current)


def default_as_of(federation, year: int, today: datetime.date) -> datetime.date | None:
    """Today while the year runs; the whole year once it is over."""
    return today if today in year_period(federation, year) else None


def is_running(federation, year: int, as_of: datetime.date | None) -> bool:
    """The figures stop inside the year: targets to date and "on track" mean something."""
    return as_of is not None and as_of < year_period(federation, year).end


def latest_due_quarter(federation, day: datetime.date) -> tuple[int, int]:
    """The last quarter that had ended by `day` (its returns are owed): (year, quarter)."""
    year, quarter = quarter_of(federation, day)
    if day < quarter_period(federation, year, quarter).end:
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return year, quarter
