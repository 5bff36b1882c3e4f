"""The admin's unit import: django-import-export's button, our engine behind it. Federation
admins only, scoped to their federation, the whole file or nothing, and none of the library's
defaults (active sheet, month-first dates, lost leading zeros, partial commits)."""

import datetime

import pytest
from django.urls import reverse

from federation.models import AuditLog, Role
from unions.importing import HEADERS
from unions.models import Level, Union, UnionLink

from ..conftest import client_for
from ..factories import UserFactory, superior
from ..members.files import Sheet, make_csv, make_xlsx

D = datetime.date
IMPORT = reverse("admin:unions_union_import")


def unit(code, name=None, **fields) -> dict:
    return {
        "code": code,
        "name": name or f"Công đoàn Trường {code}",
        "level": "Công đoàn cơ sở",
        "kind": "Đơn vị sự nghiệp công lập",
        "sector": "Đơn vị sự nghiệp công lập",
        "parent_code": "H01",
        "tax_code": "",
        "established_on": "",
        **fields,
    }


def post(user, path, *, dry_run=False, **data):
    with path.open("rb") as fh:
        payload = {"file": fh, **data}
        if dry_run:
            payload["dry_run"] = "on"
        return client_for(user).post(IMPORT, payload)


def codes(response) -> list[tuple]:
    return [(i.code, i.row, i.column) for i in response.context["outcome"].errors]


def new_units():
    return set(Union.objects.exclude(code__in=["H01", "H02", "N01", "A", "A2", "B", "E1", "G0", "X"]).values_list(
        "federation__code", "code"))  # fmt: skip


def test_the_changelist_has_the_import_button_and_the_page_its_form(cast):
    client = client_for(cast.admin)
    body = client.get(reverse("admin:unions_union_changelist")).content.decode()
    assert IMPORT in body
    response = client.get(IMPORT)
    assert response.status_code == 200
    assert "admin/base_site.html" in [t.name for t in response.templates]
    form = response.context["form"]
    assert list(form.fields) == ["file", "dry_run"], "a federation admin imports into its own federation"
    assert form.fields["dry_run"].initial is True
    assert "Mã đơn vị cấp trên" in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "leader", "officer", "chair_a"])
def test_other_roles_are_sent_to_the_admin_login(cast, tmp_path, who):
    user = getattr(cast, who)
    response = client_for(user).get(IMPORT)
    assert response.status_code == 302 and "/admin/login/" in response.url
    response = post(user, make_csv(tmp_path / "units.csv", [unit("C1")], headers=HEADERS))
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert new_units() == set()


def test_a_good_file_is_written_through_the_services(cast, tmp_path):
    rows = [
        unit("C1", "Công đoàn Công ty TNHH Cà phê Ea Pốk", kind="Doanh nghiệp", sector="Doanh nghiệp ngoài nhà nước",
             parent_code="H03", tax_code="0101234567", established_on="03/04/1985"),
        {**unit("H03", "Liên đoàn Lao động xã Cư M'gar"), "level": "Cấp trên trực tiếp",
         "kind": "Liên đoàn Lao động cấp huyện", "sector": "", "parent_code": ""},
        unit("C2", parent_code="H01"),
    ]  # fmt: skip
    response = post(cast.admin, make_csv(tmp_path / "units.csv", rows, headers=HEADERS))
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert (outcome.status, outcome.created, outcome.errors) == ("imported", 3, [])
    body = response.content.decode()
    assert 'data-count="created">3<' in body

    h03 = Union.objects.get(federation=cast.fed, code="H03")
    c1 = Union.objects.get(federation=cast.fed, code="C1")
    c2 = Union.objects.get(federation=cast.fed, code="C2")
    assert (h03.level, h03.parent, h03.path) == (Level.SUPERIOR, None, f"{cast.fed.pk:08d}/{h03.pk:08d}/")
    assert (c1.parent, c1.path) == (h03, f"{h03.path}{c1.pk:08d}/")
    assert (c2.parent, c2.path) == (cast.d1, f"{cast.d1.path}{c2.pk:08d}/")
    assert (c1.tax_code, c1.established_on) == ("0101234567", D(1985, 4, 3))
    for union in (h03, c1, c2):
        link = UnionLink.objects.get(union=union, valid_to__isnull=True)
        assert (link.parent_id, link.path, link.federation_id) == (union.parent_id, union.path, cast.fed.pk)
        entry = AuditLog.objects.get(object_id=str(union.pk), action="create")
        assert (entry.actor, entry.federation_id, entry.ip) == (cast.admin, cast.fed.pk, "127.0.0.1")


def test_check_only_writes_nothing_and_offers_the_real_upload(cast, tmp_path):
    response = post(cast.admin, make_csv(tmp_path / "units.csv", [unit("C1")], headers=HEADERS), dry_run=True)
    outcome = response.context["outcome"]
    assert (outcome.status, outcome.created) == ("valid", 1)
    assert new_units() == set()
    assert response.context["form"].initial["dry_run"] is False


def test_another_federations_parent_is_unknown_and_nothing_is_written(cast, tmp_path):
    superior(federation=cast.other_fed, code="LC1")
    rows = [unit("C1"), unit("C2", parent_code="LC1"), unit("C3", parent_code="X")]
    response = post(cast.admin, make_csv(tmp_path / "units.csv", rows, headers=HEADERS))
    assert response.context["outcome"].status == "invalid"
    assert codes(response) == [("unknown_union", 3, "parent_code"), ("unknown_union", 4, "parent_code")]
    body = response.content.decode()
    assert "unknown_union" in body and "Mã đơn vị cấp trên" in body
    assert new_units() == {("LDLD-LCI", "LC1")}


def test_another_federations_unit_cannot_be_updated_from_here(cast, tmp_path):
    # X exists only in the other federation: here the row is a new unit, X stays as it was.
    rows = [unit("X", "Tên khác")]
    response = post(cast.admin, make_csv(tmp_path / "units.csv", rows, headers=HEADERS))
    assert response.context["outcome"].status == "imported"
    cast.x.refresh_from_db()
    assert (cast.x.name, cast.x.federation) == ("Công đoàn Công ty Thủy điện Yên Bái", cast.other_fed)
    assert Union.objects.get(federation=cast.fed, code="X").parent == cast.d1


# --- what django-import-export's own import would have done -------------------------------------


def test_not_the_active_sheet(cast, tmp_path):
    sheets = [
        Sheet(name="Hướng dẫn", lines=[["Danh sách đơn vị ở trang sau"]]),
        Sheet(rows=[unit("C1")], headers=HEADERS, name="Đơn vị"),
        Sheet(rows=[unit("OLD")], headers=HEADERS, name="Bản cũ"),
    ]
    response = post(cast.admin, make_xlsx(tmp_path / "units.xlsx", sheets=sheets, active=2))
    assert response.context["outcome"].status == "imported"
    assert new_units() == {("LDLD-DLK", "C1")}


def test_not_month_first(cast, tmp_path):
    rows = [unit("C1", established_on="03/04/1985"), unit("C2", established_on="04/13/2001")]
    response = post(cast.admin, make_xlsx(tmp_path / "units.xlsx", rows, headers=HEADERS))
    assert codes(response) == [("invalid_date", 3, "established_on")]
    assert new_units() == set()
    response = post(cast.admin, make_xlsx(tmp_path / "good.xlsx", rows[:1], headers=HEADERS))
    assert Union.objects.get(code="C1").established_on == D(1985, 4, 3)


def test_leading_zeros_are_kept(cast, tmp_path):
    rows = [
        unit("007", kind="Doanh nghiệp", sector="Doanh nghiệp nhà nước", tax_code="0101234567"),
        unit("008", kind="Doanh nghiệp", sector="Doanh nghiệp nhà nước", tax_code=201234567),
    ]
    response = post(cast.admin, make_xlsx(tmp_path / "units.xlsx", rows, headers=HEADERS))
    assert response.context["outcome"].status == "imported"
    stored = dict(Union.objects.filter(federation=cast.fed, code__in=["007", "008"]).values_list("code", "tax_code"))
    assert stored == {"007": "0101234567", "008": "0201234567"}
    assert "tax_code_zero_padded" in response.content.decode()


def test_no_partial_commit(cast, tmp_path):
    rows = [unit("C1"), unit("C2"), unit("C3", worker_count="-5"), unit("C1", "Lặp lại")]
    response = post(cast.admin, make_csv(tmp_path / "units.csv", rows, headers=HEADERS))
    assert codes(response) == [
        ("duplicate_in_file", 2, "code"),
        ("invalid_number", 4, "worker_count"),
        ("duplicate_in_file", 5, "code"),
    ]
    assert new_units() == set()
    assert not AuditLog.objects.filter(actor=cast.admin).exists()


def test_blank_trailing_rows_do_not_crash(cast, tmp_path):
    response = post(cast.admin, make_xlsx(tmp_path / "units.xlsx", [unit("C1")], headers=HEADERS, trailing_blank=20))
    outcome = response.context["outcome"]
    assert (outcome.status, outcome.rows, outcome.created) == ("imported", 1, 1)


def test_the_librarys_confirm_step_writes_nothing(cast, tmp_path):
    response = client_for(cast.admin).post(
        reverse("admin:unions_union_process_import"),
        {"import_file_name": "units.csv", "original_file_name": "units.csv", "format": "0", "resource": "0"},
    )
    assert response.status_code == 302 and response.url == IMPORT
    assert new_units() == set()


def test_a_file_of_another_kind_is_refused_by_the_form(cast, tmp_path):
    path = tmp_path / "units.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    response = post(cast.admin, path)
    assert response.status_code == 200 and "outcome" not in response.context
    assert "file" in response.context["form"].errors
    assert new_units() == set()


def test_a_superuser_chooses_the_federation(cast, tmp_path):
    root = UserFactory(username="root", role=Role.FEDERATION_ADMIN, federation=cast.fed, is_superuser=True)
    root.is_staff = True
    root.save()
    response = client_for(root).get(IMPORT)
    assert list(response.context["form"].fields) == ["federation", "file", "dry_run"]
    path = make_csv(tmp_path / "units.csv", [unit("C9")], headers=HEADERS)
    response = post(root, path)
    assert "federation" in response.context["form"].errors
    response = post(root, path, federation=str(cast.other_fed.pk))
    assert response.context["outcome"].status == "imported"
    made = Union.objects.get(code="C9")
    assert (made.federation, made.parent) == (cast.other_fed, cast.x1)  # H01 of that federation
