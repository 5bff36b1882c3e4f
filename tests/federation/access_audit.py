"""Access-matrix rows of the audit trail page (joined into tests/test_access.py).

The trail is the federation administrator's: its own federation's entries (another federation's
administrator sees only theirs); the other federation roles may not read it (403), and the
union-level users, whose scope is a union, get 404. It is read only: no POST."""

from django.urls import reverse

from federation.models import AuditLog
from federation.services import ACCESS_ACTIONS

# URL-name prefixes answered as API calls: none, this is a page.
API_PREFIXES: tuple[str, ...] = ()


def u(name, query=""):
    return lambda c: reverse(name) + query


# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    ("audit_trail", "anon", "GET", u("audit_trail"), 302, None),
    ("audit_trail", "admin", "GET", u("audit_trail"), 200, None),
    ("audit_trail", "admin", "GET", u("audit_trail", "?action=update&start=01/01/2020&page=2"), 200, None),
    ("audit_trail", "other_admin", "GET", u("audit_trail"), 200, None),
    ("audit_trail", "staff", "GET", u("audit_trail"), 403, None),
    ("audit_trail", "leader", "GET", u("audit_trail"), 403, None),
    ("audit_trail", "officer", "GET", u("audit_trail"), 404, None),
    ("audit_trail", "chair_a", "GET", u("audit_trail"), 404, None),
    ("audit_trail", "admin", "POST", u("audit_trail"), 405, "audit-post"),
]

PAYLOADS: dict = {"audit-post": lambda c: {"action": "update"}}


def setup(cast) -> None:
    """Nothing to add: the cast's own writes are in the trail already."""


def snapshot() -> tuple:
    """The trail's record of changes: a refused write adds none. (A refused citizen-ID search
    is still recorded as a search: who looked for someone is kept even when nobody was found.)"""
    return (AuditLog.objects.exclude(action__in=ACCESS_ACTIONS).count(),)
