"""Access-matrix rows of the returns pages and endpoints (joined into tests/test_access.py).

`setup` gives the cast, for Q3/2026: A's return submitted (ret_a), B's submitted (ret_b), A2's
approved (ret_a2), E1's locked (ret_e1); A's return of Q2/2026 as a draft with its workers
(ret_a_draft); and Q4/2025 closed.
"""

from django.urls import reverse

from reports.models import QuarterlyReturn, ReportingQuarter
from reports.services import returns as services

# URL-name prefixes answered as API calls (JSON bodies, 401 for anonymous users)
API_PREFIXES: tuple[str, ...] = ("return-", "quarter-")


def u(name, *attrs):
    return lambda c: reverse(name, args=[getattr(c, a).pk for a in attrs])


def q(name, query, *attrs):
    return lambda c: reverse(name, args=[getattr(c, a).pk for a in attrs]) + query(c)


def quarter_url(name, fed, year, quarter):
    return lambda c: reverse(name, args=[getattr(c, fed).pk, year, quarter])


def api_quarter(name, key, query=""):
    return lambda c: reverse(name, args=[key]) + query


OPEN_A = lambda c: f"?union={c.a.pk}&year=2026&quarter=1"  # noqa: E731 - nothing opened yet
OPEN_A_Q3 = lambda c: f"?union={c.a.pk}&year=2026&quarter=3"  # noqa: E731 - ret_a exists
OTHER_FED = "?federation=LDLD-DLK"

# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    # the list
    ("reports:returns", "anon", "GET", u("reports:returns"), 302, None),
    ("reports:returns", "admin", "GET", u("reports:returns"), 200, None),
    ("reports:returns", "leader", "GET", u("reports:returns"), 200, None),
    ("reports:returns", "officer", "GET", u("reports:returns"), 200, None),
    ("reports:returns", "chair_a", "GET", u("reports:returns"), 200, None),
    ("reports:returns", "other_admin", "GET", u("reports:returns"), 200, None),
    # opening (the chair's link)
    ("reports:return_open", "anon", "GET", q("reports:return_open", OPEN_A), 302, None),
    ("reports:return_open", "chair_a", "GET", q("reports:return_open", OPEN_A), 200, None),
    ("reports:return_open", "chair_a", "GET", q("reports:return_open", OPEN_A_Q3), 302, None),
    ("reports:return_open", "admin", "GET", q("reports:return_open", OPEN_A), 200, None),
    ("reports:return_open", "leader", "GET", q("reports:return_open", OPEN_A), 403, None),
    ("reports:return_open", "officer", "GET", q("reports:return_open", OPEN_A), 403, None),
    ("reports:return_open", "chair_b", "GET", q("reports:return_open", OPEN_A), 404, None),
    ("reports:return_open", "other_admin", "GET", q("reports:return_open", OPEN_A), 404, None),
    ("reports:return_open", "chair_a", "POST", q("reports:return_open", OPEN_A), 302, None),
    ("reports:return_open", "leader", "POST", q("reports:return_open", OPEN_A), 403, None),
    ("reports:return_open", "officer", "POST", q("reports:return_open", OPEN_A), 403, None),
    ("reports:return_open", "chair_b", "POST", q("reports:return_open", OPEN_A), 404, None),
    # the return
    ("reports:return_detail", "anon", "GET", u("reports:return_detail", "ret_a"), 302, None),
    ("reports:return_detail", "chair_a", "GET", u("reports:return_detail", "ret_a"), 200, None),
    ("reports:return_detail", "chair_a", "GET", u("reports:return_detail", "ret_a_draft"), 200, None),
    ("reports:return_detail", "officer", "GET", u("reports:return_detail", "ret_a"), 200, None),
    ("reports:return_detail", "staff", "GET", u("reports:return_detail", "ret_b"), 200, None),
    ("reports:return_detail", "leader", "GET", u("reports:return_detail", "ret_a"), 200, None),
    ("reports:return_detail", "admin", "GET", u("reports:return_detail", "ret_e1"), 200, None),
    ("reports:return_detail", "chair_b", "GET", u("reports:return_detail", "ret_a"), 404, None),
    ("reports:return_detail", "officer", "GET", u("reports:return_detail", "ret_b"), 404, None),
    ("reports:return_detail", "other_admin", "GET", u("reports:return_detail", "ret_a"), 404, None),
    # saving and submitting
    ("reports:return_save", "chair_a", "GET", u("reports:return_save", "ret_a_draft"), 405, None),
    ("reports:return_save", "chair_a", "POST", u("reports:return_save", "ret_a_draft"), 302, "ret-form"),
    ("reports:return_save", "leader", "POST", u("reports:return_save", "ret_a_draft"), 403, "ret-form"),
    ("reports:return_save", "officer", "POST", u("reports:return_save", "ret_a_draft"), 403, "ret-form"),
    ("reports:return_save", "chair_b", "POST", u("reports:return_save", "ret_a_draft"), 404, "ret-form"),
    ("reports:return_save", "other_admin", "POST", u("reports:return_save", "ret_a_draft"), 404, "ret-form"),
    ("reports:return_submit", "chair_a", "POST", u("reports:return_submit", "ret_a_draft"), 302, "ret-form"),
    ("reports:return_submit", "leader", "POST", u("reports:return_submit", "ret_a_draft"), 403, "ret-form"),
    ("reports:return_submit", "officer", "POST", u("reports:return_submit", "ret_a_draft"), 403, "ret-form"),
    ("reports:return_submit", "chair_b", "POST", u("reports:return_submit", "ret_a_draft"), 404, "ret-form"),
    # decisions of the superior
    ("reports:return_approve", "officer", "POST", u("reports:return_approve", "ret_a"), 302, "ret-version-a"),
    ("reports:return_approve", "staff", "POST", u("reports:return_approve", "ret_a"), 302, "ret-version-a"),
    ("reports:return_approve", "chair_a", "POST", u("reports:return_approve", "ret_a"), 403, "ret-version-a"),
    ("reports:return_approve", "leader", "POST", u("reports:return_approve", "ret_a"), 403, "ret-version-a"),
    ("reports:return_approve", "officer", "POST", u("reports:return_approve", "ret_b"), 404, "ret-version-b"),
    ("reports:return_approve", "chair_b", "POST", u("reports:return_approve", "ret_a"), 404, "ret-version-a"),
    ("reports:return_approve", "other_admin", "POST", u("reports:return_approve", "ret_a"), 404, "ret-version-a"),
    ("reports:return_send_back", "officer", "POST", u("reports:return_send_back", "ret_a"), 302, "ret-back"),
    ("reports:return_send_back", "chair_a", "POST", u("reports:return_send_back", "ret_a"), 403, "ret-back"),
    ("reports:return_send_back", "leader", "POST", u("reports:return_send_back", "ret_a"), 403, "ret-back"),
    ("reports:return_send_back", "officer", "POST", u("reports:return_send_back", "ret_b"), 404, "ret-back"),
    ("reports:return_send_back", "chair_b", "POST", u("reports:return_send_back", "ret_a"), 404, "ret-back"),
    # locking and reopening
    ("reports:return_lock", "admin", "POST", u("reports:return_lock", "ret_a2"), 302, None),
    ("reports:return_lock", "staff", "POST", u("reports:return_lock", "ret_a2"), 403, None),
    ("reports:return_lock", "officer", "POST", u("reports:return_lock", "ret_a2"), 403, None),
    ("reports:return_lock", "leader", "POST", u("reports:return_lock", "ret_a2"), 403, None),
    ("reports:return_lock", "chair_b", "POST", u("reports:return_lock", "ret_a2"), 404, None),
    ("reports:return_lock", "other_admin", "POST", u("reports:return_lock", "ret_a2"), 404, None),
    ("reports:return_reopen", "admin", "POST", u("reports:return_reopen", "ret_e1"), 302, "ret-reason"),
    ("reports:return_reopen", "staff", "POST", u("reports:return_reopen", "ret_e1"), 403, "ret-reason"),
    ("reports:return_reopen", "leader", "POST", u("reports:return_reopen", "ret_e1"), 403, "ret-reason"),
    ("reports:return_reopen", "officer", "POST", u("reports:return_reopen", "ret_e1"), 404, "ret-reason"),
    ("reports:return_reopen", "other_admin", "POST", u("reports:return_reopen", "ret_e1"), 404, "ret-reason"),
    # quarters
    ("reports:quarters", "anon", "GET", u("reports:quarters"), 302, None),
    ("reports:quarters", "admin", "GET", u("reports:quarters"), 200, None),
    ("reports:quarters", "staff", "GET", q("reports:quarters", lambda c: "?year=2025"), 200, None),
    ("reports:quarters", "leader", "GET", u("reports:quarters"), 403, None),
    ("reports:quarters", "officer", "GET", u("reports:quarters"), 403, None),
    ("reports:quarters", "chair_a", "GET", u("reports:quarters"), 403, None),
    ("reports:quarters", "admin", "GET", q("reports:quarters", lambda c: f"?federation={c.other_fed.pk}"), 404, None),
    ("reports:quarters", "other_admin", "GET", q("reports:quarters", lambda c: f"?federation={c.fed.pk}"), 404, None),
    ("reports:quarter_deadline", "admin", "POST", quarter_url("reports:quarter_deadline", "fed", 2026, 3), 302,
     "ret-deadline"),
    ("reports:quarter_deadline", "staff", "POST", quarter_url("reports:quarter_deadline", "fed", 2026, 3), 403,
     "ret-deadline"),
    ("reports:quarter_deadline", "leader", "POST", quarter_url("reports:quarter_deadline", "fed", 2026, 3), 403,
     "ret-deadline"),
    ("reports:quarter_deadline", "other_admin", "POST", quarter_url("reports:quarter_deadline", "fed", 2026, 3), 404,
     "ret-deadline"),
    ("reports:quarter_deadline", "admin", "POST", quarter_url("reports:quarter_deadline", "other_fed", 2026, 3), 404,
     "ret-deadline"),
    ("reports:quarter_close", "admin", "GET", quarter_url("reports:quarter_close", "fed", 2026, 3), 405, None),
    ("reports:quarter_close", "admin", "POST", quarter_url("reports:quarter_close", "fed", 2026, 3), 302, None),
    ("reports:quarter_close", "staff", "POST", quarter_url("reports:quarter_close", "fed", 2026, 3), 403, None),
    ("reports:quarter_close", "leader", "POST", quarter_url("reports:quarter_close", "fed", 2026, 3), 403, None),
    ("reports:quarter_close", "chair_a", "POST", quarter_url("reports:quarter_close", "fed", 2026, 3), 403, None),
    ("reports:quarter_close", "other_admin", "POST", quarter_url("reports:quarter_close", "fed", 2026, 3), 404, None),
    ("reports:quarter_close", "admin", "POST", quarter_url("reports:quarter_close", "fed", 2026, 5), 404, None),
    ("reports:quarter_reopen", "admin", "POST", quarter_url("reports:quarter_reopen", "fed", 2025, 4), 302,
     "ret-q-reason"),
    ("reports:quarter_reopen", "staff", "POST", quarter_url("reports:quarter_reopen", "fed", 2025, 4), 403,
     "ret-q-reason"),
    ("reports:quarter_reopen", "leader", "POST", quarter_url("reports:quarter_reopen", "fed", 2025, 4), 403,
     "ret-q-reason"),
    ("reports:quarter_reopen", "other_admin", "POST", quarter_url("reports:quarter_reopen", "fed", 2025, 4), 404,
     "ret-q-reason"),
    # completeness
    ("reports:completeness", "anon", "GET", u("reports:completeness"), 302, None),
    ("reports:completeness", "admin", "GET", u("reports:completeness"), 200, None),
    ("reports:completeness", "leader", "GET", u("reports:completeness"), 200, None),
    ("reports:completeness", "officer", "GET", u("reports:completeness"), 200, None),
    ("reports:completeness", "chair_a", "GET", u("reports:completeness"), 200, None),
    ("reports:completeness", "staff", "GET", q("reports:completeness", lambda c: f"?union={c.d2.pk}&year=2026"), 200,
     None),
    ("reports:completeness", "officer", "GET", q("reports:completeness", lambda c: f"?union={c.d2.pk}"), 404, None),
    ("reports:completeness", "chair_a", "GET", q("reports:completeness", lambda c: f"?union={c.d1.pk}"), 404, None),
    ("reports:completeness", "other_admin", "GET", q("reports:completeness", lambda c: f"?union={c.d1.pk}"), 404,
     None),
    # API: returns
    ("return-list", "anon", "GET", u("return-list"), 401, None),
    ("return-list", "leader", "GET", u("return-list"), 200, None),
    ("return-list", "officer", "GET", q("return-list", lambda c: "?year=2026&quarter=3&status=submitted"), 200, None),
    ("return-list", "chair_a", "GET", u("return-list"), 200, None),
    ("return-list", "chair_a", "POST", u("return-list"), 201, "ret-api-open"),
    ("return-list", "admin", "POST", u("return-list"), 201, "ret-api-open"),
    ("return-list", "leader", "POST", u("return-list"), 403, "ret-api-open"),
    ("return-list", "officer", "POST", u("return-list"), 403, "ret-api-open"),
    ("return-list", "chair_b", "POST", u("return-list"), 404, "ret-api-open"),
    ("return-list", "other_admin", "POST", u("return-list"), 404, "ret-api-open"),
    ("return-detail", "anon", "GET", u("return-detail", "ret_a"), 401, None),
    ("return-detail", "chair_a", "GET", u("return-detail", "ret_a"), 200, None),
    ("return-detail", "leader", "GET", u("return-detail", "ret_a"), 200, None),
    ("return-detail", "officer", "GET", u("return-detail", "ret_a"), 200, None),
    ("return-detail", "chair_b", "GET", u("return-detail", "ret_a"), 404, None),
    ("return-detail", "officer", "GET", u("return-detail", "ret_b"), 404, None),
    ("return-detail", "other_admin", "GET", u("return-detail", "ret_a"), 404, None),
    ("return-detail", "chair_a", "PATCH", u("return-detail", "ret_a_draft"), 200, "ret-api-patch"),
    ("return-detail", "chair_a", "PATCH", u("return-detail", "ret_a_draft"), 409, "ret-api-stale"),
    ("return-detail", "leader", "PATCH", u("return-detail", "ret_a_draft"), 403, "ret-api-patch"),
    ("return-detail", "officer", "PATCH", u("return-detail", "ret_a_draft"), 403, "ret-api-patch"),
    ("return-detail", "chair_b", "PATCH", u("return-detail", "ret_a_draft"), 404, "ret-api-patch"),
    ("return-submit", "chair_a", "POST", u("return-submit", "ret_a_draft"), 200, "ret-api-version-draft"),
    ("return-submit", "leader", "POST", u("return-submit", "ret_a_draft"), 403, "ret-api-version-draft"),
    ("return-submit", "officer", "POST", u("return-submit", "ret_a_draft"), 403, "ret-api-version-draft"),
    ("return-submit", "chair_b", "POST", u("return-submit", "ret_a_draft"), 404, "ret-api-version-draft"),
    ("return-approve", "officer", "POST", u("return-approve", "ret_a"), 200, "ret-api-version-a"),
    ("return-approve", "chair_a", "POST", u("return-approve", "ret_a"), 403, "ret-api-version-a"),
    ("return-approve", "leader", "POST", u("return-approve", "ret_a"), 403, "ret-api-version-a"),
    ("return-approve", "officer", "POST", u("return-approve", "ret_b"), 404, "ret-api-version-a"),
    ("return-approve", "other_admin", "POST", u("return-approve", "ret_a"), 404, "ret-api-version-a"),
    ("return-return", "officer", "POST", u("return-return", "ret_a"), 200, "ret-api-back"),
    ("return-return", "chair_a", "POST", u("return-return", "ret_a"), 403, "ret-api-back"),
    ("return-return", "leader", "POST", u("return-return", "ret_a"), 403, "ret-api-back"),
    ("return-return", "chair_b", "POST", u("return-return", "ret_a"), 404, "ret-api-back"),
    ("return-lock", "admin", "POST", u("return-lock", "ret_a2"), 200, None),
    ("return-lock", "staff", "POST", u("return-lock", "ret_a2"), 403, None),
    ("return-lock", "leader", "POST", u("return-lock", "ret_a2"), 403, None),
    ("return-lock", "other_admin", "POST", u("return-lock", "ret_a2"), 404, None),
    ("return-reopen", "admin", "POST", u("return-reopen", "ret_e1"), 200, "ret-api-reason"),
    ("return-reopen", "staff", "POST", u("return-reopen", "ret_e1"), 403, "ret-api-reason"),
    ("return-reopen", "leader", "POST", u("return-reopen", "ret_e1"), 403, "ret-api-reason"),
    ("return-reopen", "other_admin", "POST", u("return-reopen", "ret_e1"), 404, "ret-api-reason"),
    # API: quarters
    ("quarter-list", "anon", "GET", u("quarter-list"), 401, None),
    ("quarter-list", "admin", "GET", u("quarter-list"), 200, None),
    ("quarter-list", "staff", "GET", q("quarter-list", lambda c: "?year=2025"), 200, None),
    ("quarter-list", "leader", "GET", u("quarter-list"), 403, None),
    ("quarter-list", "chair_a", "GET", u("quarter-list"), 403, None),
    ("quarter-list", "other_admin", "GET", q("quarter-list", lambda c: OTHER_FED), 404, None),
    ("quarter-deadline", "admin", "POST", api_quarter("quarter-deadline", "2026-3"), 200, "ret-api-deadline"),
    ("quarter-deadline", "staff", "POST", api_quarter("quarter-deadline", "2026-3"), 403, "ret-api-deadline"),
    ("quarter-deadline", "leader", "POST", api_quarter("quarter-deadline", "2026-3"), 403, "ret-api-deadline"),
    ("quarter-deadline", "other_admin", "POST", api_quarter("quarter-deadline", "2026-3", OTHER_FED), 404,
     "ret-api-deadline"),
    ("quarter-close", "admin", "POST", api_quarter("quarter-close", "2026-3"), 200, None),
    ("quarter-close", "staff", "POST", api_quarter("quarter-close", "2026-3"), 403, None),
    ("quarter-close", "leader", "POST", api_quarter("quarter-close", "2026-3"), 403, None),
    ("quarter-close", "other_admin", "POST", api_quarter("quarter-close", "2026-3", OTHER_FED), 404, None),
    ("quarter-reopen", "admin", "POST", api_quarter("quarter-reopen", "2025-4"), 200, "ret-api-reason"),
    ("quarter-reopen", "staff", "POST", api_quarter("quarter-reopen", "2025-4"), 403, "ret-api-reason"),
    ("quarter-reopen", "other_admin", "POST", api_quarter("quarter-reopen", "2025-4", OTHER_FED), 404,
     "ret-api-reason"),
]  # fmt: skip

# payload key -> function of the cast giving the request body
PAYLOADS: dict = {
    "ret-form": lambda c: {
        "version": c.ret_a_draft.version,
        "workers_total": "40",
        "workers_female": "20",
        "annual_conference_on": "15/01/2026",
        "dialogues": "2",
        "remarks": "Ổn định",
    },
    "ret-version-a": lambda c: {"version": c.ret_a.version},
    "ret-version-b": lambda c: {"version": c.ret_b.version},
    "ret-back": lambda c: {"version": c.ret_a.version, "comment": "Số lao động nữ chưa đúng"},
    "ret-reason": lambda c: {"reason": "Sai số lao động"},
    "ret-deadline": lambda c: {"q3-deadline": "20/10/2026"},
    "ret-q-reason": lambda c: {"q4-reason": "Bổ sung số liệu"},
    "ret-api-open": lambda c: {"unit": "A", "year": 2026, "quarter": 1},
    "ret-api-patch": lambda c: {"version": c.ret_a_draft.version, "workers_total": 45, "dialogues": 3},
    "ret-api-stale": lambda c: {"version": c.ret_a_draft.version - 1, "workers_total": 45},
    "ret-api-version-draft": lambda c: {"version": c.ret_a_draft.version},
    "ret-api-version-a": lambda c: {"version": c.ret_a.version},
    "ret-api-back": lambda c: {"version": c.ret_a.version, "comment": "Số lao động nữ chưa đúng"},
    "ret-api-reason": lambda c: {"reason": "Sai số lao động"},
    "ret-api-deadline": lambda c: {"deadline": "2026-10-20"},
}


def _submitted(c, union, by, workers):
    ret = services.return_open(union=union, year=2026, quarter=3, by=by)
    return services.return_submit(ret=ret, version=ret.version, by=by, data={"workers_total": workers})


def setup(cast) -> None:
    """Add the objects these rows need to the shared cast."""
    c = cast
    c.ret_a = _submitted(c, c.a, c.chair_a, 40)
    c.ret_b = _submitted(c, c.b, c.chair_b, 500)
    c.ret_a2 = _submitted(c, c.a2, c.admin, 260)
    c.ret_a2 = services.return_approve(ret=c.ret_a2, version=c.ret_a2.version, by=c.officer)
    c.ret_e1 = _submitted(c, c.e1, c.admin, 120)
    c.ret_e1 = services.return_approve(ret=c.ret_e1, version=c.ret_e1.version, by=c.staff)
    c.ret_e1 = services.return_lock(ret=c.ret_e1, by=c.admin)
    draft = services.return_open(union=c.a, year=2026, quarter=2, by=c.chair_a)
    c.ret_a_draft = services.return_save(ret=draft, data={"workers_total": 40}, version=1, by=c.chair_a)
    services.quarter_close(federation=c.fed, year=2025, quarter=4, by=c.admin)


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return (
        sorted(QuarterlyReturn.objects.values_list("pk", "status", "version", "workers_total", "comment")),
        sorted(ReportingQuarter.objects.values_list("federation_id", "year", "quarter", "deadline", "closed_at")),
    )
