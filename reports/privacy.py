"""Small-number suppression for figures that break members down by ethnicity, religion or Party
membership (PRODUCT.md §1): a count from 1 to 4 could point at a person, so it is shown as "<5"
and its share is left out. Dashboards are aggregate views, so this holds for every role."""

from decimal import ROUND_HALF_UP, Decimal

SMALL_COUNT = 5  # counts below this (but above zero) are not shown
SUPPRESSED = "<5"


def is_small(n: int) -> bool:
    return 0 < n < SMALL_COUNT


def suppress_small(n: int) -> int | str:
    """The count as shown: "<5" for 1 to 4, the number itself otherwise (0 included)."""
    return SUPPRESSED if is_small(n) else n


def suppressed_share(n: int, total: int) -> Decimal | None:
    """The share of `n` in `total` in percent (one decimal), None when `n` is suppressed, zero
    or there is nothing to divide by."""
    if n < SMALL_COUNT or not total:
        return None
    return (Decimal(n) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
