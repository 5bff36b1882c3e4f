"""Access-matrix rows of the targets pages and endpoints (joined into tests/test_access.py)."""

from django.urls import reverse

from reports.models import Indicator, Target, TargetRevision
from reports.services.targets import target_set

# URL-name prefixes answered as API calls (JSON bodies, 401 for anonymous users)
API_PREFIXES: tuple[str, ...] = ("indicator-", "target-")


def u(name, *attrs, query=""):
    """URL of `name` with the cast's objects `attrs`, and a query string (a function of the cast)."""

    def url(c):
        return reverse(name, args=[getattr(c, a).pk for a in attrs]) + (query(c) if query else "")

    return url


def code(name, value):
    return lambda c: reverse(name, args=[value])


# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    # the targets of a unit and their allocation
    ("reports:targets", "anon", "GET", u("reports:targets"), 302, None),
    ("reports:targets", "admin", "GET", u("reports:targets", query=lambda c: "?year=2024"), 200, None),
    ("reports:targets", "leader", "GET", u("reports:targets"), 200, None),
    ("reports:targets", "officer", "GET", u("reports:targets"), 200, None),
    ("reports:targets", "chair_a", "GET", u("reports:targets"), 200, None),
    ("reports:targets", "officer", "GET", u("reports:targets", query=lambda c: f"?union={c.a.pk}"), 200, None),
    ("reports:targets", "officer", "GET", u("reports:targets", query=lambda c: f"?union={c.b.pk}"), 404, None),
    ("reports:targets", "chair_b", "GET", u("reports:targets", query=lambda c: f"?union={c.a.pk}"), 404, None),
    ("reports:targets", "other_admin", "GET", u("reports:targets", query=lambda c: f"?union={c.a.pk}"), 404, None),
    # setting a target
    ("reports:target_create", "anon", "GET", u("reports:target_create"), 302, None),
    ("reports:target_create", "admin", "GET", u("reports:target_create"), 200, None),
    ("reports:target_create", "staff", "GET", u("reports:target_create", query=lambda c: f"?union={c.b.pk}"), 200,
     None),
    ("reports:target_create", "officer", "GET", u("reports:target_create"), 200, None),
    ("reports:target_create", "leader", "GET", u("reports:target_create"), 403, None),
    ("reports:target_create", "chair_a", "GET", u("reports:target_create"), 403, None),
    ("reports:target_create", "officer", "GET", u("reports:target_create", query=lambda c: f"?union={c.d1.pk}"), 403,
     None),
    ("reports:target_create", "officer", "GET", u("reports:target_create", query=lambda c: f"?union={c.b.pk}"), 404,
     None),
    ("reports:target_create", "other_admin", "GET", u("reports:target_create", query=lambda c: f"?union={c.a.pk}"),
     404, None),
    ("reports:target_create", "admin", "POST", u("reports:target_create"), 302, "tg-create-b"),
    ("reports:target_create", "officer", "POST", u("reports:target_create"), 302, "tg-create-a"),
    ("reports:target_create", "leader", "POST", u("reports:target_create"), 403, "tg-create-a"),
    ("reports:target_create", "chair_a", "POST", u("reports:target_create"), 403, "tg-create-a"),
    ("reports:target_create", "officer", "POST", u("reports:target_create", query=lambda c: f"?union={c.b.pk}"), 404,
     "tg-create-b"),
    # one target
    ("reports:target_detail", "anon", "GET", u("reports:target_detail", "tg_a"), 302, None),
    ("reports:target_detail", "admin", "GET", u("reports:target_detail", "tg_fed"), 200, None),
    ("reports:target_detail", "leader", "GET", u("reports:target_detail", "tg_a"), 200, None),
    ("reports:target_detail", "officer", "GET", u("reports:target_detail", "tg_a"), 200, None),
    ("reports:target_detail", "officer", "GET", u("reports:target_detail", "tg_d1"), 200, None),
    ("reports:target_detail", "chair_a", "GET", u("reports:target_detail", "tg_a"), 200, None),
    ("reports:target_detail", "officer", "GET", u("reports:target_detail", "tg_b"), 404, None),
    ("reports:target_detail", "officer", "GET", u("reports:target_detail", "tg_fed"), 404, None),
    ("reports:target_detail", "chair_b", "GET", u("reports:target_detail", "tg_a"), 404, None),
    ("reports:target_detail", "chair_a", "GET", u("reports:target_detail", "tg_fed"), 404, None),
    ("reports:target_detail", "other_admin", "GET", u("reports:target_detail", "tg_a"), 404, None),
    # revising
    ("reports:target_edit", "anon", "GET", u("reports:target_edit", "tg_a"), 302, None),
    ("reports:target_edit", "admin", "GET", u("reports:target_edit", "tg_fed"), 200, None),
    ("reports:target_edit", "officer", "GET", u("reports:target_edit", "tg_a"), 200, None),
    ("reports:target_edit", "officer", "GET", u("reports:target_edit", "tg_d1"), 403, None),
    ("reports:target_edit", "leader", "GET", u("reports:target_edit", "tg_a"), 403, None),
    ("reports:target_edit", "chair_a", "GET", u("reports:target_edit", "tg_a"), 403, None),
    ("reports:target_edit", "officer", "GET", u("reports:target_edit", "tg_b"), 404, None),
    ("reports:target_edit", "other_admin", "GET", u("reports:target_edit", "tg_a"), 404, None),
    ("reports:target_edit", "admin", "POST", u("reports:target_edit", "tg_a"), 302, "tg-edit"),
    ("reports:target_edit", "officer", "POST", u("reports:target_edit", "tg_a"), 302, "tg-edit"),
    ("reports:target_edit", "officer", "POST", u("reports:target_edit", "tg_d1"), 403, "tg-edit"),
    ("reports:target_edit", "leader", "POST", u("reports:target_edit", "tg_a"), 403, "tg-edit"),
    ("reports:target_edit", "chair_a", "POST", u("reports:target_edit", "tg_a"), 403, "tg-edit"),
    ("reports:target_edit", "officer", "POST", u("reports:target_edit", "tg_b"), 404, "tg-edit"),
    ("reports:target_edit", "chair_b", "POST", u("reports:target_edit", "tg_a"), 404, "tg-edit"),
    # allocating to the child units
    ("reports:target_allocate", "anon", "GET", u("reports:target_allocate"), 302, None),
    ("reports:target_allocate", "admin", "GET", u("reports:target_allocate"), 200, None),
    ("reports:target_allocate", "admin", "GET", u("reports:target_allocate", query=lambda c: f"?parent={c.d2.pk}"),
     200, None),
    ("reports:target_allocate", "officer", "GET", u("reports:target_allocate"), 200, None),
    ("reports:target_allocate", "leader", "GET", u("reports:target_allocate"), 403, None),
    ("reports:target_allocate", "chair_a", "GET", u("reports:target_allocate"), 403, None),
    ("reports:target_allocate", "officer", "GET", u("reports:target_allocate", query=lambda c: f"?parent={c.d2.pk}"),
     404, None),
    ("reports:target_allocate", "other_admin", "GET",
     u("reports:target_allocate", query=lambda c: f"?parent={c.d1.pk}"), 404, None),
    ("reports:target_allocate", "officer", "POST", u("reports:target_allocate", query=lambda c: "?year=2024"), 302,
     "tg-alloc-d1"),
    ("reports:target_allocate", "leader", "POST", u("reports:target_allocate", query=lambda c: f"?parent={c.d1.pk}"),
     403, "tg-alloc-d1"),
    ("reports:target_allocate", "officer", "POST", u("reports:target_allocate", query=lambda c: f"?parent={c.d2.pk}"),
     404, "tg-alloc-d2"),
    # API: indicators
    ("indicator-list", "anon", "GET", u("indicator-list"), 401, None),
    ("indicator-list", "chair_a", "GET", u("indicator-list"), 200, None),
    ("indicator-list", "leader", "GET", u("indicator-list"), 200, None),
    ("indicator-list", "admin", "POST", u("indicator-list"), 405, "api-tg"),
    ("indicator-detail", "anon", "GET", code("indicator-detail", "members_admitted"), 401, None),
    ("indicator-detail", "chair_a", "GET", code("indicator-detail", "members_admitted"), 200, None),
    ("indicator-detail", "other_admin", "GET", code("indicator-detail", "members_per_worker"), 200, None),
    ("indicator-detail", "leader", "GET", code("indicator-detail", "no_such_indicator"), 404, None),
    # API: targets
    ("target-list", "anon", "GET", u("target-list"), 401, None),
    ("target-list", "leader", "GET", u("target-list"), 200, None),
    ("target-list", "officer", "GET", u("target-list", query=lambda c: "?year=2024&unit=A"), 200, None),
    ("target-list", "chair_a", "GET", u("target-list"), 200, None),
    ("target-list", "admin", "POST", u("target-list"), 201, "api-tg"),
    ("target-list", "staff", "POST", u("target-list"), 201, "api-tg-a2"),
    ("target-list", "officer", "POST", u("target-list"), 201, "api-tg-a2"),
    ("target-list", "leader", "POST", u("target-list"), 403, "api-tg"),
    ("target-list", "chair_a", "POST", u("target-list"), 403, "api-tg-a2"),
    ("target-list", "officer", "POST", u("target-list"), 403, "api-tg-h01"),
    ("target-list", "officer", "POST", u("target-list"), 404, "api-tg-b"),
    ("target-list", "officer", "POST", u("target-list"), 404, "api-tg"),
    ("target-list", "other_admin", "POST", u("target-list"), 404, "api-tg-a2"),
    ("target-detail", "anon", "GET", u("target-detail", "tg_a"), 401, None),
    ("target-detail", "leader", "GET", u("target-detail", "tg_a"), 200, None),
    ("target-detail", "officer", "GET", u("target-detail", "tg_a"), 200, None),
    ("target-detail", "chair_a", "GET", u("target-detail", "tg_a"), 200, None),
    ("target-detail", "officer", "GET", u("target-detail", "tg_b"), 404, None),
    ("target-detail", "chair_b", "GET", u("target-detail", "tg_a"), 404, None),
    ("target-detail", "other_admin", "GET", u("target-detail", "tg_a"), 404, None),
    ("target-detail", "officer", "PATCH", u("target-detail", "tg_a"), 200, "api-tg-edit"),
    ("target-detail", "admin", "PATCH", u("target-detail", "tg_fed"), 200, "api-tg-edit"),
    ("target-detail", "leader", "PATCH", u("target-detail", "tg_a"), 403, "api-tg-edit"),
    ("target-detail", "chair_a", "PATCH", u("target-detail", "tg_a"), 403, "api-tg-edit"),
    ("target-detail", "officer", "PATCH", u("target-detail", "tg_d1"), 403, "api-tg-edit"),
    ("target-detail", "chair_b", "PATCH", u("target-detail", "tg_a"), 404, "api-tg-edit"),
    ("target-detail", "other_admin", "PATCH", u("target-detail", "tg_fed"), 404, "api-tg-edit"),
    ("target-detail", "admin", "PATCH", u("target-detail", "tg_a"), 409, "api-tg-stale"),
    ("target-revisions", "anon", "GET", u("target-revisions", "tg_a"), 401, None),
    ("target-revisions", "leader", "GET", u("target-revisions", "tg_a"), 200, None),
    ("target-revisions", "chair_a", "GET", u("target-revisions", "tg_a"), 200, None),
    ("target-revisions", "officer", "GET", u("target-revisions", "tg_b"), 404, None),
    ("target-revisions", "other_admin", "GET", u("target-revisions", "tg_a"), 404, None),
    ("target-allocation", "anon", "GET", u("target-allocation"), 401, None),
    ("target-allocation", "leader", "GET", u("target-allocation", query=lambda c: "?year=2024"), 200, None),
    ("target-allocation", "officer", "GET", u("target-allocation"), 200, None),
    ("target-allocation", "chair_a", "GET", u("target-allocation"), 200, None),
    ("target-allocation", "officer", "GET", u("target-allocation", query=lambda c: "?unit=H02"), 404, None),
    ("target-allocation", "chair_a", "GET", u("target-allocation", query=lambda c: "?unit=H01"), 404, None),
    ("target-allocation", "other_admin", "GET", u("target-allocation", query=lambda c: "?unit=A"), 404, None),
]  # fmt: skip


def _admitted():
    return Indicator.objects.get(code="members_admitted")


def _api_body(unit):
    return lambda c: {
        "indicator": "members_admitted",
        "unit": unit,
        "year": 2025,
        "value": "12",
        "document_number": "9/KH",
        "document_date": "2025-01-20",
    }


# payload key -> function of the cast giving the request body
PAYLOADS: dict = {
    "tg-create-a": lambda c: {"unit": c.a.pk, "indicator": _admitted().pk, "year": "2025", "value": "1.250"},
    "tg-create-b": lambda c: {"unit": c.b.pk, "indicator": _admitted().pk, "year": "2025", "value": "1.250"},
    "tg-edit": lambda c: {"value": "7", "reason": "Bổ sung", "version": "1", "document_number": "15/KH"},
    "tg-alloc-d1": lambda c: {
        f"u_{c.a.pk}": "3",
        f"v_{c.a.pk}": "1",
        f"u_{c.a2.pk}": "2",
        "reason": "Phân bổ lại",
    },  # fmt: skip
    "tg-alloc-d2": lambda c: {f"u_{c.b.pk}": "3", f"v_{c.b.pk}": "1", "reason": "x"},
    "api-tg": lambda c: _api_body("LDLD-DLK")(c),
    "api-tg-a2": _api_body("A2"),
    "api-tg-b": _api_body("B"),
    "api-tg-h01": _api_body("H01"),
    "api-tg-edit": lambda c: {"value": "6", "reason": "Bổ sung", "version": 1},
    "api-tg-stale": lambda c: {"value": "6", "reason": "Bổ sung", "version": 7},
}


def setup(cast) -> None:
    """Add the objects these rows need to the shared cast: 2024 targets of new members for the
    federation (8.450), D1 (100), A (4) and B (5)."""
    admitted = _admitted()
    for name, union, value in (("tg_fed", None, 8450), ("tg_d1", cast.d1, 100), ("tg_a", cast.a, 4),
                               ("tg_b", cast.b, 5)):  # fmt: skip
        target = target_set(federation=cast.fed, union=union, indicator=admitted, year=2024, value=value,
                            by=cast.admin)  # fmt: skip
        setattr(cast, name, target)


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return (
        sorted(Target.objects.values_list("pk", "value", "version", "document_number")),
        TargetRevision.objects.count(),
    )
