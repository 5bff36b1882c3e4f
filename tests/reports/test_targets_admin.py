"""The reports admin: for the federation administrator, scoped to its federation, nothing deleted,
targets, hand-entered values and deadlines written through the services, returns read-only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from federation.models import AuditLog
from reports.models import Indicator, IndicatorSource, IndicatorValue, ReportingQuarter, Target
from reports.services.targets import indicator_value_set, target_set

from ..conftest import client_for
from .conftest import reported_return

D = datetime.date


@pytest.fixture
def r(cast):
    c = cast
    c.admitted = Indicator.objects.get(code="members_admitted")
    c.manual = Indicator.objects.create(
        code="collective_agreements", name_vi="Thỏa ước lao động tập thể", name_en="Collective agreements",
        unit="unions", measure="count", source=IndicatorSource.MANUAL, position=500,
    )  # fmt: skip
    c.tg = target_set(federation=c.fed, union=c.a, indicator=c.admitted, year=2024, value=4, by=c.admin)
    c.tg_x = target_set(federation=c.other_fed, union=c.x, indicator=c.admitted, year=2024, value=7, by=c.other_admin)
    c.value = indicator_value_set(federation=c.fed, union=c.a, indicator=c.manual, year=2024, quarter=1, value=2,
                                  by=c.admin)  # fmt: skip
    c.ret = reported_return(c.a, 2024, 1, members_closing=10, workers_total=40)
    c.quarter = ReportingQuarter.objects.create(federation=c.fed, year=2024, quarter=1, deadline=D(2024, 4, 15))
    c.quarter_x = ReportingQuarter.objects.create(federation=c.other_fed, year=2024, quarter=1, deadline=D(2024, 4, 20))
    return c


def _formset(prefix: str, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(initial), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


def test_admin_pages_load_for_the_federation_admin(r):
    client = client_for(r.admin)
    objects = {"target": r.tg, "indicatorvalue": r.value, "reportingquarter": r.quarter, "quarterlyreturn": r.ret,
               "indicator": r.admitted}  # fmt: skip
    for model, obj in objects.items():
        assert client.get(reverse(f"admin:reports_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:reports_{model}_change", args=[obj.pk])).status_code == 200, model
    for model in ("target", "indicatorvalue", "reportingquarter"):
        assert client.get(reverse(f"admin:reports_{model}_add")).status_code == 200, model
    assert client.get(reverse("admin:reports_quarterlyreturn_add")).status_code == 403
    assert client.get(reverse("admin:reports_indicator_add")).status_code == 403  # the catalogue is shared


def test_other_roles_stay_out(r):
    for who in (r.staff, r.officer, r.leader, r.chair_a):
        response = client_for(who).get(reverse("admin:reports_target_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_admin_lists_only_its_federation(r):
    client = client_for(r.admin)
    body = client.get(reverse("admin:reports_target_changelist")).content.decode()
    assert r.a.name in body and r.x.name not in body
    assert client.get(reverse("admin:reports_target_change", args=[r.tg_x.pk])).status_code == 302
    rows = client.get(reverse("admin:reports_reportingquarter_changelist")).context["cl"].result_list
    assert list(rows) == [r.quarter]


def test_nothing_is_deleted_from_the_admin(r):
    client = client_for(r.admin)
    for model, obj in (("target", r.tg), ("indicator", r.admitted), ("quarterlyreturn", r.ret)):
        assert client.get(reverse(f"admin:reports_{model}_delete", args=[obj.pk])).status_code == 403, model
    assert Target.objects.filter(pk=r.tg.pk).exists()


def test_a_target_set_in_the_admin_goes_through_the_service(r):
    response = client_for(r.admin).post(
        reverse("admin:reports_target_add"),
        {"federation": r.fed.pk, "union": r.b.pk, "indicator": r.admitted.pk, "year": "2024", "value": "25",
         "document_number": "9/KH", "document_date": "15/01/2024", "issuer": "", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    target = Target.objects.get(union=r.b)
    assert (target.value, target.issuer, target.revisions.count()) == (25, "superior", 1)
    assert AuditLog.objects.filter(object_id=str(target.pk), content_type__model="target", action="create").exists()


def _change(r, **data):
    form = {"value": "4", "document_number": "", "document_date": "", "issuer": "superior", "note": "", "reason": "",
            **_formset("revisions", 1), "revisions-0-id": str(r.tg.revisions.get().pk),
            "revisions-0-target": str(r.tg.pk), **data}  # fmt: skip
    return client_for(r.admin).post(reverse("admin:reports_target_change", args=[r.tg.pk]), form)


def test_a_revision_in_the_admin_needs_its_reason_and_keeps_the_old_value(r):
    response = _change(r, value="6")
    assert response.status_code == 200
    assert "reason" in response.context["adminform"].form.errors
    r.tg.refresh_from_db()
    assert (r.tg.value, r.tg.version) == (4, 1)

    response = _change(r, value="6", reason="Bổ sung")
    assert response.status_code == 302
    r.tg.refresh_from_db()
    assert (r.tg.value, r.tg.version, r.tg.revisions.count()) == (6, 2, 2)


def test_hand_entered_values_and_deadlines_go_through_their_services(r):
    client = client_for(r.admin)
    response = client.post(
        reverse("admin:reports_indicatorvalue_add"),
        {"indicator": r.manual.pk, "federation": r.fed.pk, "union": r.a.pk, "year": "2024", "quarter": "2",
         "value": "3"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = IndicatorValue.objects.get(quarter=2)
    assert (entry.ends_on, entry.value, entry.entered_by) == (D(2024, 6, 30), Decimal(3), r.admin)
    response = client.post(
        reverse("admin:reports_reportingquarter_change", args=[r.quarter.pk]), {"deadline": "01/03/2024"}
    )
    assert response.status_code == 200  # before the quarter ends: the service refuses it
    assert "deadline" in response.context["adminform"].form.errors
    response = client.post(
        reverse("admin:reports_reportingquarter_change", args=[r.quarter.pk]), {"deadline": "20/04/2024"}
    )
    assert response.status_code == 302
    r.quarter.refresh_from_db()
    assert r.quarter.deadline == D(2024, 4, 20)
