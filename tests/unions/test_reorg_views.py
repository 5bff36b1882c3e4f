"""The reorganization screens (§7): preparing one operation through the form, uploading a plan
file, the preview, applying once, discarding, the lineage on a unit's page, and who may do what."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import Indicator
from reports.services.targets import target_set
from unions import services
from unions.models import Lineage, Reorganization, Status, Union
from unions.reorg import plan
from unions.reorg.drafts import draft_create
from unions.reorg.plan import Decision, Row

from ..conftest import client_for

pytestmark = pytest.mark.django_db

DECISION = {
    "decision_number": "45/QĐ-LĐLĐ",
    "decision_date": "20/06/2025",
    "effective_on": "01/07/2025",
    "reason": "Sắp xếp theo địa giới hành chính mới",
}
PLAN_HEADER = "Thao tác,Mã đơn vị,Đơn vị tiếp nhận,Số quyết định,Ngày quyết định,Ngày hiệu lực,Lý do\r\n"


def english(user):
    from django.conf import settings

    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def draft(cast, *rows, by=None):
    decision = Decision(
        number="12/QĐ", date=datetime.date(2025, 6, 20), effective_on=datetime.date(2025, 7, 1), reason="Sắp xếp"
    )
    numbered = [Row(number=i, **row) for i, row in enumerate(rows, start=1)]
    return draft_create(federation=cast.fed, decision=decision, rows=numbered, by=by or cast.admin)


def plan_file(*lines, name="plan.csv"):
    return SimpleUploadedFile(name, (PLAN_HEADER + "".join(lines)).encode("utf-8"), content_type="text/csv")


# --- preparing through the form, previewing, applying ---------------------------------------------


def test_admin_prepares_a_move_previews_and_applies_it(cast):
    client = english(cast.admin)
    form = client.get(reverse("unions:reorganization_create"))
    assert form.status_code == 200
    page = form.content.decode()
    assert "A — Công đoàn Trường Tiểu học Hòa Phú" in page
    # every field is in the page (the script only hides those the operation does not use)
    assert all(f'name="{name}"' in page for name in ("unit", "code", "new_parent", "target", "members", "kind"))
    assert 'data-ops="merge split dissolve"' in page and "js/reorg.js" in page

    response = client.post(
        reverse("unions:reorganization_create"), {**DECISION, "operation": "move", "unit": "A", "new_parent": "H02"}
    )
    reorg = Reorganization.objects.get()
    assert response.status_code == 302 and response.url == reverse("unions:reorganization_detail", args=[reorg.pk])
    assert reorg.status == Reorganization.Status.DRAFT and reorg.decision_number == "45/QĐ-LĐLĐ"
    assert reorg.rows == [{"number": 1, "operation": "move", "unit": "A", "new_parent": "H02"}]
    assert reorg.effective_on == datetime.date(2025, 7, 1) and reorg.created_by == cast.admin
    cast.a.refresh_from_db()
    assert cast.a.parent == cast.d1  # a draft changes nothing

    preview = client.get(response.url)
    body = preview.content.decode()
    assert preview.status_code == 200 and preview.context["preview"].ok
    assert "Units moving" in body and "Liên đoàn Lao động xã Ea Kar (H02)" in body
    assert reverse("unions:reorganization_apply", args=[reorg.pk]) in body
    assert 'name="confirm"' in body

    applied = client.post(reverse("unions:reorganization_apply", args=[reorg.pk]), {"confirm": "on"})
    assert applied.status_code == 302 and "Reorganization applied." in said(applied)
    cast.a.refresh_from_db()
    reorg.refresh_from_db()
    assert cast.a.parent == cast.d2 and cast.a.path.startswith(cast.d2.path)
    assert reorg.status == Reorganization.Status.APPLIED and reorg.applied_by == cast.admin
    assert list(Lineage.objects.values_list("operation", "union__code", "successor__code")) == [("move", "A", "H02")]

    done = client.get(reverse("unions:reorganization_detail", args=[reorg.pk])).content.decode()
    assert "What was done" in done and reverse("unions:detail", args=[cast.d2.pk]) in done
    assert reverse("unions:reorganization_apply", args=[reorg.pk]) not in done

    unit_page = client.get(reverse("unions:detail", args=[cast.a.pk])).content.decode()
    assert "Lineage" in unit_page and "01/07/2025" in unit_page
    assert reverse("unions:reorganization_detail", args=[reorg.pk]) in unit_page
    assert reverse("unions:detail", args=[cast.d2.pk]) in unit_page
    # the new parent's page names the unit that came in
    parent_page = client.get(reverse("unions:detail", args=[cast.d2.pk])).content.decode()
    assert 'id="lineage"' in parent_page and cast.a.name in parent_page


def test_applying_needs_the_confirmation_box(cast):
    reorg = draft(cast, {"operation": "move", "unit": "A", "new_parent": "H02"})
    response = english(cast.admin).post(reverse("unions:reorganization_apply", args=[reorg.pk]), {})
    assert response.status_code == 302
    assert "Tick the box to confirm you have checked the preview." in said(response)
    reorg.refresh_from_db()
    cast.a.refresh_from_db()
    assert reorg.status == Reorganization.Status.DRAFT and cast.a.parent == cast.d1


def test_applying_twice_is_refused_the_second_time(cast):
    reorg = draft(cast, {"operation": "rename", "unit": "A", "new_name": "Công đoàn Trường Tiểu học Hòa Phú mới"})
    client = english(cast.admin)
    url = reverse("unions:reorganization_apply", args=[reorg.pk])
    assert "Reorganization applied." in said(client.post(url, {"confirm": "on"}))
    again = client.post(url, {"confirm": "on"})
    assert again.status_code == 302
    assert any("can no longer change" in m for m in said(again))
    assert Lineage.objects.count() == 1
    cast.a.refresh_from_db()
    assert cast.a.name == "Công đoàn Trường Tiểu học Hòa Phú mới"


def test_a_plan_that_no_longer_fits_the_tree_is_not_applied(cast):
    reorg = draft(cast, {"operation": "dissolve", "unit": "A2"})
    # Since it was prepared, someone moved a unit and A2 got a member: dissolving needs a destination.
    from ..factories import member

    member(cast.a2, full_name="Phạm Văn Dũng", citizen_id="066091002222", date_of_birth=datetime.date(1991, 1, 1))
    client = english(cast.admin)
    page = client.get(reverse("unions:reorganization_detail", args=[reorg.pk]))
    body = page.content.decode()
    assert "cannot be applied as it is" in body and "still has 1 members" in body
    assert reverse("unions:reorganization_apply", args=[reorg.pk]) not in body
    response = client.post(reverse("unions:reorganization_apply", args=[reorg.pk]), {"confirm": "on"})
    assert any("nothing was written" in m for m in said(response))
    cast.a2.refresh_from_db()
    reorg.refresh_from_db()
    assert cast.a2.status == Status.ACTIVE and reorg.status == Reorganization.Status.DRAFT


def test_discarding_a_draft(cast):
    reorg = draft(cast, {"operation": "move", "unit": "A", "new_parent": "H02"})
    client = english(cast.admin)
    response = client.post(reverse("unions:reorganization_discard", args=[reorg.pk]))
    assert response.status_code == 302 and "The prepared reorganization was discarded." in said(response)
    reorg.refresh_from_db()
    assert reorg.status == Reorganization.Status.DISCARDED
    body = client.get(reverse("unions:reorganization_detail", args=[reorg.pk])).content.decode()
    assert "was discarded" in body and 'name="confirm"' not in body
    refused = client.post(reverse("unions:reorganization_apply", args=[reorg.pk]), {"confirm": "on"})
    assert any("can no longer change" in m for m in said(refused))
    cast.a.refresh_from_db()
    assert cast.a.parent == cast.d1 and not Lineage.objects.exists()


# --- form errors ---------------------------------------------------------------------------------


def test_form_errors_are_in_vietnamese_by_default_and_the_input_is_kept(cast):
    response = client_for(cast.admin).post(
        reverse("unions:reorganization_create"),
        {**DECISION, "decision_number": "", "operation": "move", "unit": "", "new_parent": "H02"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["decision_number"] == ["Trường này là bắt buộc."]
    assert form.errors["unit"] == ["Hãy nhập mã đơn vị."]
    body = response.content.decode()
    assert "Sắp xếp theo địa giới hành chính mới" in body  # the reason typed is still there
    assert '<option value="H02" selected>' in body
    assert not Reorganization.objects.exists()


def test_form_errors_in_english_come_from_the_engine_onto_their_fields(cast):
    client = english(cast.admin)
    response = client.post(
        reverse("unions:reorganization_create"), {**DECISION, "operation": "move", "unit": "A", "new_parent": "H01"}
    )
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "is already under" in errors["new_parent"][0]
    future = client.post(
        reverse("unions:reorganization_create"),
        {**DECISION, "effective_on": "01/01/2099", "operation": "merge", "unit": "A"},
    )
    errors = future.context["form"].errors
    assert "the effective date is in the future" in errors["effective_on"][0]
    assert not Reorganization.objects.exists()


def test_establishing_a_unit_puts_the_code_error_on_the_new_code(cast):
    response = english(cast.admin).post(
        reverse("unions:reorganization_create"),
        {**DECISION, "operation": "create", "code": "A2", "new_name": "Công đoàn mới", "kind": "enterprise",
         "sector": "non_state_enterprise", "new_parent": "H01"},
    )  # fmt: skip
    assert "already taken" in response.context["form"].errors["code"][0]
    ok = english(cast.admin).post(
        reverse("unions:reorganization_create"),
        {**DECISION, "operation": "create", "code": "cs77", "new_name": "Công đoàn Công ty Mới", "kind": "enterprise",
         "sector": "non_state_enterprise", "new_parent": "H01", "target": "B"},
    )  # fmt: skip
    assert ok.status_code == 302
    # the receiving-unit field does not belong to an establishment: it is left out of the plan
    assert Reorganization.objects.get().rows == [
        {"number": 1, "operation": "create", "unit": "CS77", "new_parent": "H01", "new_name": "Công đoàn Công ty Mới",
         "kind": "enterprise", "sector": "non_state_enterprise"}
    ]  # fmt: skip


def test_closed_units_are_not_offered(cast):
    services.union_close(union=cast.a2, closed_on=datetime.date(2025, 1, 31), by=None)
    client = english(cast.admin)
    form = client.get(reverse("unions:reorganization_create")).context["form"]
    for name in ("unit", "target"):
        codes = [code for code, _label in form.fields[name].choices]
        assert "A" in codes and "A2" not in codes
    response = client.post(
        reverse("unions:reorganization_create"), {**DECISION, "operation": "merge", "unit": "A", "target": "A2"}
    )
    assert "target" in response.context["form"].errors
    assert "Select a valid choice. A2 is not one of the available choices." in response.content.decode()
    assert not Reorganization.objects.exists()


# --- plan files ----------------------------------------------------------------------------------


def test_a_plan_file_with_errors_lists_them_with_row_and_column_and_stores_nothing(cast):
    upload = plan_file(
        "giải thể,H01,H02,45/QĐ,20/06/2025,01/07/2025,Sắp xếp\r\n",
        "bay đi,A,,,,,\r\n",
    )
    response = english(cast.admin).post(reverse("unions:reorganization_upload"), {"file": upload})
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "Thao tác")]
    body = response.content.decode()
    assert "Not an operation" in body and "plan.csv: 1 error, nothing was stored" in body
    assert not Reorganization.objects.exists()


def test_a_valid_plan_file_becomes_a_draft_with_its_preview(cast):
    indicator = Indicator.objects.get(code="members_admitted")
    target_set(federation=cast.fed, union=cast.a, indicator=indicator, year=2025, value=1250, by=None)
    target_set(federation=cast.fed, union=cast.a2, indicator=indicator, year=2025, value=100, by=None)
    upload = plan_file(
        "hợp nhất,A,A2,45/QĐ,20/06/2025,01/07/2025,Sắp xếp\r\n",
        "giải thể,H01,H02,,,,\r\n",
        name="ke-hoach.csv",
    )
    response = client_for(cast.admin).post(reverse("unions:reorganization_upload"), {"file": upload})
    reorg = Reorganization.objects.get()
    assert response.status_code == 302 and response.url == reorg.get_absolute_url()
    assert reorg.source == "ke-hoach.csv" and len(reorg.rows) == 2 and reorg.status == "draft"

    page = client_for(cast.admin).get(response.url)
    body = page.content.decode()
    steps = page.context["steps"]
    assert [s["unit"] for s in steps] == ["A", "H01"]
    # the target passes on, with its new total grouped the Vietnamese way
    assert steps[0]["targets"][0]["value"] == "1.250" and steps[0]["targets"][0]["total"] == "1.350"
    assert "1.350" in body
    # dissolving H01 into H02: its remaining unit moves
    assert [[u["code"] for u in g["units"]] for g in steps[1]["unit_groups"]] == [["A2"]]
    totals = {t["key"]: t for t in page.context["totals"]}
    assert not totals["active_members"]["changed"] and totals["active_units"]["changed"]
    assert 'id="totals"' in body
    cast.a.refresh_from_db()
    assert cast.a.status == Status.ACTIVE


def test_the_plan_template_has_the_plan_columns_and_examples(cast):
    response = client_for(cast.admin).get(reverse("unions:reorganization_template"))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    first, examples = book.worksheets[0], book.worksheets[1]
    assert [c.value for c in first[1]] == [c.header for c in plan.COLUMNS]
    assert first.max_row == 1  # nothing to delete before filling it in
    operations = {row[1] for row in examples.iter_rows(min_row=2, values_only=True) if row[1]}
    assert {"thành lập", "đổi tên", "chuyển", "hợp nhất", "chia tách", "giải thể", "đổi loại hình"} <= operations


# --- the list, the unit page -----------------------------------------------------------------------


def test_the_list_shows_the_federations_reorganizations_newest_first(cast):
    first = draft(cast, {"operation": "move", "unit": "A", "new_parent": "H02"})
    second = draft(cast, {"operation": "rename", "unit": "B", "new_name": "Công đoàn Mía đường"}, {
        "operation": "move", "unit": "G0", "new_parent": "H01"})  # fmt: skip
    response = english(cast.admin).get(reverse("unions:reorganizations"))
    assert list(response.context["page"].object_list) == [second, first]
    body = response.content.decode()
    assert reverse("unions:reorganization_create") in body and reverse("unions:reorganization_upload") in body
    assert "12/QĐ" in body and "Prepared, not applied" in body


def test_a_merged_unit_says_where_it_went(cast):
    reorg = draft(cast, {"operation": "merge", "unit": "A2", "target": "A"})
    english(cast.admin).post(reverse("unions:reorganization_apply", args=[reorg.pk]), {"confirm": "on"})
    cast.a2.refresh_from_db()
    assert cast.a2.status == Status.CLOSED
    body = english(cast.admin).get(reverse("unions:detail", args=[cast.a2.pk])).content.decode()
    assert "Merged into" in body and reverse("unions:detail", args=[cast.a.pk]) in body
    assert "01/07/2025" in body
    # a closed unit is not reorganized any more
    assert reverse("unions:reorganization_create") not in body
    # the chair of A sees A's lineage, but not the reorganization (a federation's document)
    chair = english(cast.chair_a).get(reverse("unions:detail", args=[cast.a.pk])).content.decode()
    assert 'id="lineage"' in chair and "12/QĐ" in chair
    assert reverse("unions:reorganization_detail", args=[reorg.pk]) not in chair


def test_the_tree_and_the_unit_page_link_to_reorganizations(cast):
    tree = client_for(cast.admin).get(reverse("unions:tree")).content.decode()
    assert reverse("unions:reorganizations") in tree
    unit = client_for(cast.admin).get(reverse("unions:detail", args=[cast.a.pk])).content.decode()
    assert reverse("unions:reorganization_create") + f"?federation={cast.fed.pk}&amp;unit=A" in unit
    staff_page = client_for(cast.staff).get(reverse("unions:detail", args=[cast.a.pk])).content.decode()
    assert reverse("unions:reorganization_create") not in staff_page  # staff may not reorganize
    officer_tree = client_for(cast.officer).get(reverse("unions:tree")).content.decode()
    assert reverse("unions:reorganizations") not in officer_tree


# --- who may do what -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "leader"])
def test_read_only_roles_read_but_may_not_prepare_apply_or_discard(cast, who):
    reorg = draft(cast, {"operation": "move", "unit": "A", "new_parent": "H02"})
    client = english(getattr(cast, who))
    listing = client.get(reverse("unions:reorganizations"))
    assert listing.status_code == 200 and "12/QĐ" in listing.content.decode()
    assert reverse("unions:reorganization_create") not in listing.content.decode()
    page = client.get(reverse("unions:reorganization_detail", args=[reorg.pk]))
    assert page.status_code == 200 and 'name="confirm"' not in page.content.decode()
    assert "Only the federation's administrator" in page.content.decode()
    assert client.get(reverse("unions:reorganization_create")).status_code == 403
    assert client.post(reverse("unions:reorganization_create"), {**DECISION, "operation": "move"}).status_code == 403
    assert client.get(reverse("unions:reorganization_upload")).status_code == 403
    upload = plan_file("giải thể,H01,H02,45/QĐ,20/06/2025,01/07/2025,Sắp xếp\r\n")
    assert client.post(reverse("unions:reorganization_upload"), {"file": upload}).status_code == 403
    assert client.post(reverse("unions:reorganization_apply", args=[reorg.pk]), {"confirm": "on"}).status_code == 403
    assert client.post(reverse("unions:reorganization_discard", args=[reorg.pk])).status_code == 403
    reorg.refresh_from_db()
    assert reorg.status == Reorganization.Status.DRAFT and Reorganization.objects.count() == 1


@pytest.mark.parametrize("who", ["officer", "chair_a", "other_admin"])
def test_others_get_not_found(cast, who):
    reorg = draft(cast, {"operation": "move", "unit": "A", "new_parent": "H02"})
    client = client_for(getattr(cast, who))
    for name in ("unions:reorganization_detail", "unions:reorganization_apply", "unions:reorganization_discard"):
        method = client.get if name.endswith("detail") else client.post
        assert method(reverse(name, args=[reorg.pk])).status_code == 404, name
    if who != "other_admin":
        for name in ("unions:reorganizations", "unions:reorganization_create", "unions:reorganization_upload"):
            assert client.get(reverse(name)).status_code == 404, name
    else:
        # its own federation's list, without the other federation's plans
        listing = client.get(reverse("unions:reorganizations"))
        assert listing.status_code == 200 and "12/QĐ" not in listing.content.decode()
        query = f"?federation={cast.fed.pk}"
        assert client.get(reverse("unions:reorganization_create") + query).status_code == 404
    reorg.refresh_from_db()
    assert reorg.status == Reorganization.Status.DRAFT
    assert Union.objects.get(pk=cast.a.pk).parent_id == cast.d1.pk


def test_a_superuser_works_in_the_federation_it_names(cast):
    from federation.models import User

    root = User.objects.create_superuser("root", password="x")
    client = english(root)
    query = f"?federation={cast.other_fed.pk}"
    listing = client.get(reverse("unions:reorganizations") + query)
    assert listing.status_code == 200 and listing.context["federation"] == cast.other_fed
    assert reverse("unions:reorganization_create") + query in listing.content.decode()
    form = client.get(reverse("unions:reorganization_create") + query).context["form"]
    assert [code for code, _label in form.fields["unit"].choices] == ["", "H01", "X"]
    response = client.post(
        reverse("unions:reorganization_create") + query, {**DECISION, "operation": "rename", "unit": "X",
                                                          "new_name": "Công đoàn Thủy điện"},
    )  # fmt: skip
    reorg = Reorganization.objects.get()
    assert response.status_code == 302 and reorg.federation == cast.other_fed
