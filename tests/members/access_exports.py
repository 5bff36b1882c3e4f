"""Access-matrix rows of large roll exports (joined into tests/test_access.py).

Preparing a file is the list's download (roles that see personal data; leaders 403); an export
belongs to its requester alone: anyone else, the requester's superiors included, gets 404."""

from django.urls import reverse

from members import services
from members.models import RollExport

# URL-name prefixes answered as API calls: none, these are pages.
API_PREFIXES: tuple[str, ...] = ()


def u(name, *attrs, query=""):
    """URL of `name` with the cast's objects `attrs`, and a query string."""

    def url(c):
        return reverse(name, args=[getattr(c, a).pk for a in attrs]) + (query(c) if query else "")

    return url


def union_b(c):
    return f"?union={c.b.pk}&format=csv"


# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    # preparing a file (the list's download, posted)
    ("members:export", "anon", "POST", u("members:export"), 302, None),
    ("members:export", "chair_a", "POST", u("members:export", query=lambda c: "?format=csv"), 302, None),
    ("members:export", "leader", "POST", u("members:export"), 403, None),
    ("members:export", "officer", "POST", u("members:export", query=union_b), 404, None),
    # its state, and the fragment polled while it is prepared
    ("members:roll_export", "anon", "GET", u("members:roll_export", "export_a"), 302, None),
    ("members:roll_export", "chair_a", "GET", u("members:roll_export", "export_a"), 200, None),
    ("members:roll_export", "leader", "GET", u("members:roll_export", "export_a"), 404, None),
    ("members:roll_export", "officer", "GET", u("members:roll_export", "export_a"), 404, None),
    ("members:roll_export", "admin", "GET", u("members:roll_export", "export_a"), 404, None),
    ("members:roll_export", "chair_b", "GET", u("members:roll_export", "export_a"), 404, None),
    ("members:roll_export", "other_admin", "GET", u("members:roll_export", "export_a"), 404, None),
    ("members:roll_export_status", "anon", "GET", u("members:roll_export_status", "export_a"), 302, None),
    ("members:roll_export_status", "chair_a", "GET", u("members:roll_export_status", "export_a"), 200, None),
    ("members:roll_export_status", "leader", "GET", u("members:roll_export_status", "export_a"), 404, None),
    ("members:roll_export_status", "officer", "GET", u("members:roll_export_status", "export_a"), 404, None),
    ("members:roll_export_status", "other_admin", "GET", u("members:roll_export_status", "export_a"), 404, None),
    # the file
    ("members:roll_export_download", "anon", "GET", u("members:roll_export_download", "export_a"), 302, None),
    ("members:roll_export_download", "chair_a", "GET", u("members:roll_export_download", "export_a"), 200, None),
    ("members:roll_export_download", "leader", "GET", u("members:roll_export_download", "export_a"), 404, None),
    ("members:roll_export_download", "officer", "GET", u("members:roll_export_download", "export_a"), 404, None),
    ("members:roll_export_download", "staff", "GET", u("members:roll_export_download", "export_a"), 404, None),
    ("members:roll_export_download", "other_admin", "GET", u("members:roll_export_download", "export_a"), 404,
     None),
    ("members:roll_export_download", "chair_a", "POST", u("members:roll_export_download", "export_a"), 405, None),
]  # fmt: skip

PAYLOADS: dict = {}


def setup(cast) -> None:
    """A finished export of union A's roll, asked for by A's chair."""
    cast.export_a = services.roll_export_create(user=cast.chair_a, params={}, fmt="csv")
    services.roll_export_run(export_id=cast.export_a.pk)


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return (sorted(RollExport.objects.values_list("pk", "status", "requested_by_id")),)
