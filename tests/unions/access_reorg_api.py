"""Access-matrix rows of the reorganization endpoints (joined into tests/test_access.py).

The federation admin prepares, previews, applies and discards; the federation's staff and leader
read (200) but write nothing (403); union-level users and the other federation's admin get an
empty list and 404 on every plan of this federation; anonymous API calls 401."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from unions.models import Lineage, Reorganization, Union
from unions.reorg.drafts import draft_create
from unions.reorg.plan import Decision, Row

# URL-name prefixes answered as API calls (JSON bodies, 401 for anonymous users)
API_PREFIXES: tuple[str, ...] = ("reorganization-",)


def u(name, *attrs):
    """URL of `name` with the cast's objects `attrs` (a function of the cast)."""
    return lambda c: reverse(name, args=[getattr(c, a).pk for a in attrs])


L = "reorganization-list"
D = "reorganization-detail"
P = "reorganization-preview"
A = "reorganization-apply"
X = "reorganization-discard"

# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    # the list, and preparing a draft
    (L, "anon", "GET", u(L), 401, None),
    (L, "admin", "GET", u(L), 200, None),
    (L, "staff", "GET", u(L), 200, None),
    (L, "leader", "GET", u(L), 200, None),
    (L, "officer", "GET", u(L), 200, None),  # empty: a plan spans the federation
    (L, "chair_a", "GET", u(L), 200, None),
    (L, "other_admin", "GET", u(L), 200, None),
    (L, "anon", "POST", u(L), 401, "ro-plan"),
    (L, "admin", "POST", u(L), 201, "ro-plan"),
    (L, "admin", "POST", u(L), 201, "ro-file"),
    (L, "admin", "POST", u(L), 400, "ro-bad"),
    (L, "other_admin", "POST", u(L), 201, "ro-plan-lci"),
    (L, "staff", "POST", u(L), 403, "ro-plan"),
    (L, "leader", "POST", u(L), 403, "ro-plan"),
    (L, "leader", "POST", u(L), 403, "ro-file"),
    (L, "officer", "POST", u(L), 403, "ro-plan"),
    (L, "chair_a", "POST", u(L), 403, "ro-plan"),
    # one plan
    (D, "anon", "GET", u(D, "ro_draft"), 401, None),
    (D, "admin", "GET", u(D, "ro_draft"), 200, None),
    (D, "admin", "GET", u(D, "ro_applied"), 200, None),
    (D, "staff", "GET", u(D, "ro_draft"), 200, None),
    (D, "leader", "GET", u(D, "ro_applied"), 200, None),
    (D, "officer", "GET", u(D, "ro_draft"), 404, None),
    (D, "chair_a", "GET", u(D, "ro_applied"), 404, None),
    (D, "chair_b", "GET", u(D, "ro_draft"), 404, None),
    (D, "other_admin", "GET", u(D, "ro_draft"), 404, None),
    (D, "admin", "DELETE", u(D, "ro_draft"), 405, None),
    # its preview (runs the plan, rolled back: the federation admin's)
    (P, "anon", "GET", u(P, "ro_draft"), 401, None),
    (P, "admin", "GET", u(P, "ro_draft"), 200, None),
    (P, "admin", "GET", u(P, "ro_applied"), 409, None),
    (P, "staff", "GET", u(P, "ro_draft"), 403, None),
    (P, "leader", "GET", u(P, "ro_draft"), 403, None),
    (P, "officer", "GET", u(P, "ro_draft"), 404, None),
    (P, "chair_a", "GET", u(P, "ro_draft"), 404, None),
    (P, "other_admin", "GET", u(P, "ro_draft"), 404, None),
    # applying it
    (A, "anon", "POST", u(A, "ro_draft"), 401, None),
    (A, "admin", "POST", u(A, "ro_draft"), 200, None),
    (A, "admin", "POST", u(A, "ro_broken"), 400, None),
    (A, "admin", "POST", u(A, "ro_applied"), 409, None),
    (A, "staff", "POST", u(A, "ro_draft"), 403, None),
    (A, "leader", "POST", u(A, "ro_draft"), 403, None),
    (A, "officer", "POST", u(A, "ro_draft"), 404, None),
    (A, "chair_b", "POST", u(A, "ro_draft"), 404, None),
    (A, "other_admin", "POST", u(A, "ro_draft"), 404, None),
    # discarding it
    (X, "anon", "POST", u(X, "ro_draft"), 401, None),
    (X, "admin", "POST", u(X, "ro_draft"), 200, None),
    (X, "admin", "POST", u(X, "ro_applied"), 409, None),
    (X, "staff", "POST", u(X, "ro_draft"), 403, None),
    (X, "leader", "POST", u(X, "ro_draft"), 403, None),
    (X, "officer", "POST", u(X, "ro_draft"), 404, None),
    (X, "chair_a", "POST", u(X, "ro_draft"), 404, None),
    (X, "other_admin", "POST", u(X, "ro_draft"), 404, None),
]

DECISION = {
    "decision_number": "45/QĐ-LĐLĐ",
    "decision_date": "2025-06-20",
    "effective_on": "2025-07-01",
    "reason": "Sắp xếp tổ chức bộ máy",
}


def _plan_file():
    text = (
        "Thao tác,Mã đơn vị,Tên mới,Số quyết định,Ngày quyết định,Ngày hiệu lực,Lý do\r\n"
        "đổi tên,G0,Công đoàn Tổng công ty Cà phê,45/QĐ-LĐLĐ,20/06/2025,01/07/2025,Sắp xếp\r\n"
    )
    return SimpleUploadedFile("plan.csv", text.encode(), content_type="text/csv")


# payload key -> function of the cast giving the request body
PAYLOADS: dict = {
    "ro-plan": lambda c: {
        **DECISION,
        "operations": [{"operation": "rename", "unit": "G0", "new_name": "Công đoàn Tổng công ty Cà phê"}],
    },
    "ro-plan-lci": lambda c: {
        **DECISION,
        "operations": [{"operation": "rename", "unit": "X", "new_name": "Công đoàn Thủy điện Yên Bái"}],
    },
    "ro-file": lambda c: {"file": _plan_file()},
    "ro-bad": lambda c: {**DECISION, "decision_number": "", "operations": [{"operation": "explode"}]},
}


def setup(cast) -> None:
    """Add the objects these rows need to the shared cast: a draft renaming G0 (it applies), a
    draft naming a unit that does not exist (it no longer applies), and a plan already applied."""
    decision = Decision(
        number="45/QĐ-LĐLĐ",
        date=datetime.date(2025, 6, 20),
        effective_on=datetime.date(2025, 7, 1),
        reason="Sắp xếp tổ chức bộ máy",
    )
    rename = Row(number=1, operation="rename", unit="G0", new_name="Công đoàn Tổng công ty Cà phê")
    cast.ro_draft = draft_create(federation=cast.fed, decision=decision, rows=[rename], by=cast.admin)
    broken = Row(number=1, operation="rename", unit="NOPE", new_name="Không có")
    cast.ro_broken = draft_create(federation=cast.fed, decision=decision, rows=[broken], by=cast.admin)
    cast.ro_applied = Reorganization.objects.create(
        federation=cast.fed,
        decision_number="12/QĐ-LĐLĐ",
        decision_date=datetime.date(2025, 1, 10),
        effective_on=datetime.date(2025, 1, 15),
        reason="Đổi tên",
        rows=[{"operation": "rename", "unit": "E1", "new_name": "Công đoàn Trường THPT Chuyên Nguyễn Du"}],
        status=Reorganization.Status.APPLIED,
        created_by=cast.admin,
        applied_by=cast.admin,
        applied_at=timezone.now(),
    )


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return (
        sorted(Reorganization.objects.values_list("pk", "status", "federation_id")),
        Lineage.objects.count(),
        sorted(Union.objects.values_list("pk", "code", "name", "parent_id", "status")),
    )
