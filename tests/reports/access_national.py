"""Access-matrix rows of the national dashboard and of a federation's dashboard (joined into
tests/test_access.py).

The General Confederation's viewer (`viewer`, added to the cast by `setup`) reads the national
page and endpoint and any federation's dashboard; a federation's own users read their own
federation's dashboard only (another's answers 404) and get 403 on the national ones, which
they may not read though they read reports. Everything is read-only (405 on writes). What the
viewer may not open anywhere else is in tests/reports/test_national.py."""

import datetime
from decimal import Decimal

from django.urls import reverse

from federation.models import Role, User
from reports.models import Indicator, Issuer, Target

from ..conftest import PASSWORD

# URL-name prefixes answered as API calls (JSON bodies, 401 for anonymous users)
API_PREFIXES: tuple[str, ...] = ("report-national",)


def _national(query=""):
    return lambda c: reverse("reports:national") + query


def _federation(attr, query=""):
    return lambda c: reverse("reports:federation", args=[getattr(c, attr).pk]) + query


def _api(query=""):
    return lambda c: reverse("report-national-list") + query


def _export(**names):
    return lambda c: reverse("reports:export") + "?" + "&".join(f"{k}={getattr(c, v).pk}" for k, v in names.items())


# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    # the national dashboard
    ("reports:national", "anon", "GET", _national(), 302, None),
    ("reports:national", "viewer", "GET", _national(), 200, None),
    ("reports:national", "viewer", "GET", _national("?year=2024&indicator=union_meals"), 200, None),
    ("reports:national", "leader", "GET", _national(), 403, None),
    ("reports:national", "admin", "GET", _national(), 403, None),
    ("reports:national", "officer", "GET", _national(), 403, None),
    ("reports:national", "other_admin", "GET", _national(), 403, None),
    ("reports:national", "viewer", "POST", _national(), 405, None),
    # the viewer's /reports/ is the national dashboard
    ("reports:dashboard", "viewer", "GET", lambda c: reverse("reports:dashboard"), 200, None),
    # a federation's own dashboard
    ("reports:federation", "anon", "GET", _federation("fed"), 302, None),
    ("reports:federation", "viewer", "GET", _federation("fed"), 200, None),
    ("reports:federation", "viewer", "GET", _federation("other_fed", "?year=2024"), 200, None),
    ("reports:federation", "leader", "GET", _federation("fed"), 200, None),
    ("reports:federation", "admin", "GET", _federation("fed"), 200, None),
    ("reports:federation", "leader", "GET", _federation("other_fed"), 404, None),
    ("reports:federation", "other_admin", "GET", _federation("fed"), 404, None),
    ("reports:federation", "officer", "GET", _federation("fed"), 404, None),
    ("reports:federation", "chair_a", "GET", _federation("fed"), 404, None),
    ("reports:federation", "leader", "POST", _federation("fed"), 405, None),
    # the workbook of any federation or union, for the viewer
    ("reports:export", "viewer", "GET", _export(federation="other_fed"), 200, None),
    ("reports:export", "viewer", "GET", _export(unit="a"), 200, None),
    ("reports:export", "viewer", "GET", lambda c: reverse("reports:export"), 404, None),
    ("reports:export", "other_admin", "GET", _export(federation="fed"), 404, None),
    # the API
    ("report-national-list", "anon", "GET", _api(), 401, None),
    ("report-national-list", "viewer", "GET", _api(), 200, None),
    ("report-national-list", "viewer", "GET", _api("?year=2024"), 200, None),
    ("report-national-list", "viewer", "GET", _api("?year=abc"), 400, None),
    ("report-national-list", "leader", "GET", _api(), 403, None),
    ("report-national-list", "other_admin", "GET", _api(), 403, None),
    ("report-national-list", "chair_a", "GET", _api(), 403, None),
    ("report-national-list", "viewer", "POST", _api(), 405, "api-national"),
    # the unit reports of the API name any unit for the viewer
    ("report-achievement", "viewer", "GET", lambda c: reverse("report-achievement") + "?unit=LDLD-LCI", 200, None),
    ("report-achievement", "viewer", "GET", lambda c: reverse("report-achievement") + "?unit=A", 200, None),
]

# payload key -> function of the cast giving the request body
PAYLOADS: dict = {"api-national": lambda c: {"year": 2024}}


def viewer() -> User:
    """The General Confederation's viewer: no federation, no union."""
    user = User(username="viewer", full_name="Ban Tổ chức Tổng Liên đoàn", role=Role.NATIONAL_VIEWER)
    user.set_password(PASSWORD)
    user.save()
    return user


def setup(cast) -> None:
    """The viewer, and 2024 targets of both federations (kept if another area made them)."""
    cast.viewer = viewer()
    meals = Indicator.objects.get(code="union_meals")
    for federation, value in ((cast.fed, 10), (cast.other_fed, 5)):
        Target.objects.get_or_create(
            federation=federation,
            union=None,
            indicator=meals,
            year=2024,
            defaults={"value": Decimal(value), "issuer": Issuer.VGCL, "document_date": datetime.date(2024, 1, 10)},
        )


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return (sorted(Target.objects.values_list("pk", "value", "version")),)
