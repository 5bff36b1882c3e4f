"""Access-matrix rows of the reorganization screens (joined into tests/test_access.py).

Reorganizations span a federation: its federation-level users read them (staff and leaders read
only: 403 on writes), its administrator prepares, applies and discards them; union-level users
and other federations get 404."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from unions.models import Lineage, Reorganization
from unions.reorg.drafts import draft_apply, draft_create
from unions.reorg.plan import Decision, Row

# URL-name prefixes answered as API calls: none, these are pages.
API_PREFIXES: tuple[str, ...] = ()


def u(name, *attrs, query=""):
    """URL of `name` with the cast's objects `attrs`, and a query string (a function of the cast)."""

    def url(c):
        return reverse(name, args=[getattr(c, a).pk for a in attrs]) + (query(c) if query else "")

    return url


def fed(c):
    return f"?federation={c.fed.pk}"


# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    # the federation's reorganizations
    ("unions:reorganizations", "anon", "GET", u("unions:reorganizations"), 302, None),
    ("unions:reorganizations", "admin", "GET", u("unions:reorganizations"), 200, None),
    ("unions:reorganizations", "staff", "GET", u("unions:reorganizations"), 200, None),
    ("unions:reorganizations", "leader", "GET", u("unions:reorganizations"), 200, None),
    ("unions:reorganizations", "other_admin", "GET", u("unions:reorganizations"), 200, None),
    ("unions:reorganizations", "other_admin", "GET", u("unions:reorganizations", query=fed), 404, None),
    ("unions:reorganizations", "officer", "GET", u("unions:reorganizations"), 404, None),
    ("unions:reorganizations", "chair_a", "GET", u("unions:reorganizations"), 404, None),
    # preparing one operation
    ("unions:reorganization_create", "anon", "GET", u("unions:reorganization_create"), 302, None),
    ("unions:reorganization_create", "admin", "GET", u("unions:reorganization_create"), 200, None),
    ("unions:reorganization_create", "staff", "GET", u("unions:reorganization_create"), 403, None),
    ("unions:reorganization_create", "leader", "GET", u("unions:reorganization_create"), 403, None),
    ("unions:reorganization_create", "officer", "GET", u("unions:reorganization_create"), 404, None),
    ("unions:reorganization_create", "chair_a", "GET", u("unions:reorganization_create"), 404, None),
    ("unions:reorganization_create", "other_admin", "GET", u("unions:reorganization_create", query=fed), 404, None),
    ("unions:reorganization_create", "admin", "POST", u("unions:reorganization_create"), 302, "reorg-move"),
    ("unions:reorganization_create", "staff", "POST", u("unions:reorganization_create"), 403, "reorg-move"),
    ("unions:reorganization_create", "leader", "POST", u("unions:reorganization_create"), 403, "reorg-move"),
    ("unions:reorganization_create", "officer", "POST", u("unions:reorganization_create"), 404, "reorg-move"),
    ("unions:reorganization_create", "other_admin", "POST", u("unions:reorganization_create", query=fed), 404,
     "reorg-move"),
    # a plan file
    ("unions:reorganization_upload", "anon", "GET", u("unions:reorganization_upload"), 302, None),
    ("unions:reorganization_upload", "admin", "GET", u("unions:reorganization_upload"), 200, None),
    ("unions:reorganization_upload", "staff", "GET", u("unions:reorganization_upload"), 403, None),
    ("unions:reorganization_upload", "leader", "GET", u("unions:reorganization_upload"), 403, None),
    ("unions:reorganization_upload", "officer", "GET", u("unions:reorganization_upload"), 404, None),
    ("unions:reorganization_upload", "admin", "POST", u("unions:reorganization_upload"), 302, "reorg-file"),
    ("unions:reorganization_upload", "staff", "POST", u("unions:reorganization_upload"), 403, "reorg-file"),
    ("unions:reorganization_upload", "leader", "POST", u("unions:reorganization_upload"), 403, "reorg-file"),
    ("unions:reorganization_upload", "chair_a", "POST", u("unions:reorganization_upload"), 404, "reorg-file"),
    ("unions:reorganization_upload", "other_admin", "POST", u("unions:reorganization_upload", query=fed), 404,
     "reorg-file"),
    # the plan template
    ("unions:reorganization_template", "anon", "GET", u("unions:reorganization_template"), 302, None),
    ("unions:reorganization_template", "admin", "GET", u("unions:reorganization_template"), 200, None),
    ("unions:reorganization_template", "leader", "GET", u("unions:reorganization_template"), 200, None),
    ("unions:reorganization_template", "officer", "GET", u("unions:reorganization_template"), 404, None),
    ("unions:reorganization_template", "chair_a", "GET", u("unions:reorganization_template"), 404, None),
    # one reorganization: the preview of a draft, what an applied one did
    ("unions:reorganization_detail", "anon", "GET", u("unions:reorganization_detail", "reorg_draft"), 302, None),
    ("unions:reorganization_detail", "admin", "GET", u("unions:reorganization_detail", "reorg_draft"), 200, None),
    ("unions:reorganization_detail", "admin", "GET", u("unions:reorganization_detail", "reorg_applied"), 200, None),
    ("unions:reorganization_detail", "staff", "GET", u("unions:reorganization_detail", "reorg_draft"), 200, None),
    ("unions:reorganization_detail", "leader", "GET", u("unions:reorganization_detail", "reorg_applied"), 200, None),
    ("unions:reorganization_detail", "officer", "GET", u("unions:reorganization_detail", "reorg_draft"), 404, None),
    ("unions:reorganization_detail", "chair_a", "GET", u("unions:reorganization_detail", "reorg_applied"), 404, None),
    ("unions:reorganization_detail", "other_admin", "GET", u("unions:reorganization_detail", "reorg_draft"), 404,
     None),
    # applying
    ("unions:reorganization_apply", "anon", "POST", u("unions:reorganization_apply", "reorg_draft"), 302,
     "reorg-confirm"),
    ("unions:reorganization_apply", "admin", "POST", u("unions:reorganization_apply", "reorg_draft"), 302,
     "reorg-confirm"),
    ("unions:reorganization_apply", "staff", "POST", u("unions:reorganization_apply", "reorg_draft"), 403,
     "reorg-confirm"),
    ("unions:reorganization_apply", "leader", "POST", u("unions:reorganization_apply", "reorg_draft"), 403,
     "reorg-confirm"),
    ("unions:reorganization_apply", "officer", "POST", u("unions:reorganization_apply", "reorg_draft"), 404,
     "reorg-confirm"),
    ("unions:reorganization_apply", "chair_a", "POST", u("unions:reorganization_apply", "reorg_draft"), 404,
     "reorg-confirm"),
    ("unions:reorganization_apply", "other_admin", "POST", u("unions:reorganization_apply", "reorg_draft"), 404,
     "reorg-confirm"),
    ("unions:reorganization_apply", "admin", "GET", u("unions:reorganization_apply", "reorg_draft"), 405, None),
    # discarding
    ("unions:reorganization_discard", "anon", "POST", u("unions:reorganization_discard", "reorg_draft"), 302, None),
    ("unions:reorganization_discard", "admin", "POST", u("unions:reorganization_discard", "reorg_draft"), 302, None),
    ("unions:reorganization_discard", "staff", "POST", u("unions:reorganization_discard", "reorg_draft"), 403, None),
    ("unions:reorganization_discard", "leader", "POST", u("unions:reorganization_discard", "reorg_draft"), 403, None),
    ("unions:reorganization_discard", "officer", "POST", u("unions:reorganization_discard", "reorg_draft"), 404,
     None),
    ("unions:reorganization_discard", "other_admin", "POST", u("unions:reorganization_discard", "reorg_draft"), 404,
     None),
]  # fmt: skip

PLAN = (
    "Thao tác,Mã đơn vị,Đơn vị tiếp nhận,Số quyết định,Ngày quyết định,Ngày hiệu lực,Lý do\r\n"
    "hợp nhất,A2,A,46/QĐ-LĐLĐ,20/06/2025,01/07/2025,Sắp xếp tổ chức\r\n"
)

# payload key -> function of the cast giving the request body
PAYLOADS: dict = {
    "reorg-move": lambda c: {
        "decision_number": "47/QĐ-LĐLĐ",
        "decision_date": "20/06/2025",
        "effective_on": "01/07/2025",
        "reason": "Sắp xếp tổ chức",
        "operation": "move",
        "unit": "B",
        "new_parent": "H01",
    },
    "reorg-file": lambda c: {"file": SimpleUploadedFile("ke-hoach.csv", PLAN.encode("utf-8"), content_type="text/csv")},
    "reorg-confirm": lambda c: {"confirm": "on"},
}


def setup(cast) -> None:
    """A draft (move A2 under H02) and an applied reorganization (rename G0) of the cast's
    federation."""
    decision = Decision(
        number="45/QĐ-LĐLĐ", date=datetime.date(2025, 6, 20), effective_on=datetime.date(2025, 7, 1), reason="Sắp xếp"
    )
    cast.reorg_draft = draft_create(
        federation=cast.fed, decision=decision, rows=[Row(number=1, operation="move", unit="A2", new_parent="H02")],
        by=cast.admin,
    )  # fmt: skip
    cast.reorg_applied = draft_create(
        federation=cast.fed, decision=decision,
        rows=[Row(number=1, operation="rename", unit="G0", new_name="Công đoàn Tổng công ty Cà phê")], by=cast.admin,
    )  # fmt: skip
    outcome = draft_apply(cast.reorg_applied, by=cast.admin)
    assert outcome.applied, [e.message for e in outcome.errors]


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return (
        sorted(Reorganization.objects.values_list("pk", "status", "decision_number")),
        Lineage.objects.count(),
    )
