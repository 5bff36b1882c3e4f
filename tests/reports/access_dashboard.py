"""Access-matrix rows of the dashboard pages and endpoints (joined into tests/test_access.py).

Everything here is read-only: every role with the reports capability reads its own subtree
(the leader included), anything outside it answers 404, and writes are not allowed (405)."""

import datetime
from decimal import Decimal

from django.urls import reverse

from reports.models import Indicator, Issuer, Target

# URL-name prefixes answered as API calls (JSON bodies, 401 for anonymous users)
API_PREFIXES: tuple[str, ...] = ("report-",)


def _page(name, attr=None, query=""):
    def url(c):
        return reverse(name, args=[getattr(c, attr).pk] if attr else []) + query

    return url


def _export(attr=None):
    return lambda c: reverse("reports:export") + (f"?unit={getattr(c, attr).pk}" if attr else "")


def _api(name, query=""):
    return lambda c: reverse(name) + query


# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    # the dashboard of the user's own unit
    ("reports:dashboard", "anon", "GET", _page("reports:dashboard"), 302, None),
    ("reports:dashboard", "admin", "GET", _page("reports:dashboard"), 200, None),
    ("reports:dashboard", "leader", "GET", _page("reports:dashboard"), 200, None),
    ("reports:dashboard", "officer", "GET", _page("reports:dashboard"), 200, None),
    ("reports:dashboard", "chair_a", "GET", _page("reports:dashboard"), 200, None),
    ("reports:dashboard", "other_admin", "GET", _page("reports:dashboard"), 200, None),
    ("reports:dashboard", "leader", "POST", _page("reports:dashboard"), 405, None),
    # drill-down: any union of the subtree
    ("reports:unit", "anon", "GET", _page("reports:unit", "d1"), 302, None),
    ("reports:unit", "leader", "GET", _page("reports:unit", "d1"), 200, None),
    ("reports:unit", "staff", "GET", _page("reports:unit", "b"), 200, None),
    ("reports:unit", "officer", "GET", _page("reports:unit", "d1"), 200, None),
    ("reports:unit", "officer", "GET", _page("reports:unit", "a"), 200, None),
    ("reports:unit", "chair_a", "GET", _page("reports:unit", "a"), 200, None),
    ("reports:unit", "officer", "GET", _page("reports:unit", "b"), 404, None),
    ("reports:unit", "officer", "GET", _page("reports:unit", "d2"), 404, None),
    ("reports:unit", "chair_a", "GET", _page("reports:unit", "d1"), 404, None),
    ("reports:unit", "chair_b", "GET", _page("reports:unit", "a"), 404, None),
    ("reports:unit", "other_admin", "GET", _page("reports:unit", "d1"), 404, None),
    ("reports:unit", "leader", "POST", _page("reports:unit", "d1"), 405, None),
    # the workbook
    ("reports:export", "anon", "GET", _export(), 302, None),
    ("reports:export", "leader", "GET", _export(), 200, None),
    ("reports:export", "leader", "GET", _export("d1"), 200, None),
    ("reports:export", "officer", "GET", _export("a"), 200, None),
    ("reports:export", "chair_a", "GET", _export(), 200, None),
    ("reports:export", "officer", "GET", _export("b"), 404, None),
    ("reports:export", "chair_b", "GET", _export("a"), 404, None),
    ("reports:export", "other_admin", "GET", _export("d1"), 404, None),
    ("reports:export", "leader", "POST", _export(), 405, None),
    # the API
    ("report-achievement", "anon", "GET", _api("report-achievement"), 401, None),
    ("report-achievement", "leader", "GET", _api("report-achievement", "?children=1"), 200, None),
    ("report-achievement", "officer", "GET", _api("report-achievement", "?unit=A"), 200, None),
    ("report-achievement", "chair_a", "GET", _api("report-achievement"), 200, None),
    ("report-achievement", "officer", "GET", _api("report-achievement", "?unit=B"), 404, None),
    ("report-achievement", "officer", "GET", _api("report-achievement", "?unit=LDLD-DLK"), 404, None),
    ("report-achievement", "chair_b", "GET", _api("report-achievement", "?unit=A"), 404, None),
    ("report-achievement", "other_admin", "GET", _api("report-achievement", "?unit=A"), 404, None),
    ("report-achievement", "leader", "GET", _api("report-achievement", "?year=abc"), 400, None),
    ("report-achievement", "leader", "POST", _api("report-achievement"), 405, "api-report"),
    ("report-completeness", "anon", "GET", _api("report-completeness"), 401, None),
    ("report-completeness", "leader", "GET", _api("report-completeness", "?year=2024&quarter=4"), 200, None),
    ("report-completeness", "officer", "GET", _api("report-completeness", "?unit=A"), 200, None),
    ("report-completeness", "chair_a", "GET", _api("report-completeness"), 200, None),
    ("report-completeness", "officer", "GET", _api("report-completeness", "?unit=H02"), 404, None),
    ("report-completeness", "chair_b", "GET", _api("report-completeness", "?unit=A"), 404, None),
    ("report-completeness", "other_admin", "GET", _api("report-completeness", "?unit=A"), 404, None),
    ("report-completeness", "leader", "GET", _api("report-completeness", "?quarter=9"), 400, None),
    ("report-completeness", "leader", "POST", _api("report-completeness"), 405, "api-report"),
]

# payload key -> function of the cast giving the request body
PAYLOADS: dict = {"api-report": lambda c: {"unit": "LDLD-DLK", "year": 2024}}


def setup(cast) -> None:
    """Targets of the federation and of D1 for 2024, so the pages have figures to show (kept if
    another area's setup made them already)."""
    meals = Indicator.objects.get(code="union_meals")
    for union, value in ((None, 10), (cast.d1, 4)):
        Target.objects.get_or_create(
            federation=cast.fed,
            union=union,
            indicator=meals,
            year=2024,
            defaults={
                "value": Decimal(value),
                "issuer": Issuer.FEDERATION,
                "document_date": datetime.date(2024, 1, 10),
            },
        )


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return (sorted(Target.objects.values_list("pk", "value", "version")),)
