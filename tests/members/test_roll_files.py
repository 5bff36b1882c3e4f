"""The roll as files on screen: template, export (and its re-import), upload, progress, result,
annotated workbook, confirm and undo."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import ImportStatus, Member, MemberImport

from ..conftest import client_for
from ..factories import member

HEADER = "Họ và tên,Giới tính,Ngày sinh,Số CCCD,Ngày vào Công đoàn\r\n"
GOOD = "Nguyễn Văn An,Nam,03/04/1985,066085001234,01/02/2010\r\n"
BAD = "Trần Thị Bình,Nữ,22/07/1990,066090001235,15/03/2015\r\n"  # 4th digit says a man


def csv_file(*rows, name="roll.csv"):
    return SimpleUploadedFile(name, (HEADER + "".join(rows)).encode("utf-8"), content_type="text/csv")


def upload(client, capture, *rows, dry_run=False):
    data = {"file": csv_file(*rows)}
    if dry_run:
        data["dry_run"] = "on"
    with capture(execute=True):
        return client.post(reverse("members:import"), data)


def test_template_has_the_columns_of_the_spec(cast):
    response = client_for(cast.chair_a).get(reverse("members:template"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["Họ và tên", "Giới tính", "Ngày sinh", "Số CCCD", "Ngày vào Công đoàn", "Mã CĐCS"]
    assert len(headers) == 15
    csv = client_for(cast.chair_a).get(reverse("members:template") + "?format=csv").content.decode("utf-8-sig")
    assert csv.startswith("Họ và tên,Giới tính,Ngày sinh,Số CCCD")


def test_dry_run_then_import_from_the_screen(cast, django_capture_on_commit_callbacks):
    client = client_for(cast.chair_a)
    response = upload(client, django_capture_on_commit_callbacks, GOOD, dry_run=True)
    batch = MemberImport.objects.get()
    assert response.url == batch.get_absolute_url()
    assert batch.status == ImportStatus.VALID and not Member.objects.exists()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "Import these rows" in page or "Nhập các dòng này" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:import_confirm", args=[batch.pk]))
    real = MemberImport.objects.exclude(pk=batch.pk).get()
    assert response.url == real.get_absolute_url() and real.status == ImportStatus.IMPORTED
    assert list(Member.objects.values_list("full_name", "union__code")) == [("Nguyễn Văn An", "A")]
    assert real.sha256 == batch.sha256


def test_errors_are_listed_and_marked_in_the_workbook(cast, django_capture_on_commit_callbacks):
    client = client_for(cast.chair_a)
    upload(client, django_capture_on_commit_callbacks, GOOD, BAD)
    batch = MemberImport.objects.get()
    assert batch.status == ImportStatus.INVALID and not Member.objects.exists()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "citizen_id_mismatch" in page and "Số CCCD không khớp với giới tính hoặc năm sinh." in page
    workbook = client.get(reverse("members:import_errors", args=[batch.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    assert sheet.cell(row=1, column=6).value == "Lỗi"
    assert sheet.cell(row=3, column=1).value == "Trần Thị Bình"
    assert "Số CCCD" in sheet.cell(row=3, column=6).value and sheet.cell(row=2, column=6).value is None


def test_progress_is_polled_until_the_job_ends(cast):
    batch = MemberImport.objects.create(
        federation=cast.fed, scope_path=cast.a.path, union=cast.a, filename="roll.csv", sha256="0" * 64
    )
    response = client_for(cast.chair_a).get(reverse("members:import_status", args=[batch.pk]))
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "<progress" in body and "HX-Refresh" not in response
    batch.status, batch.progress = ImportStatus.IMPORTED, 100
    batch.save()
    response = client_for(cast.chair_a).get(reverse("members:import_status", args=[batch.pk]))
    assert response["HX-Refresh"] == "true" and "every 1s" not in response.content.decode()


def test_staff_undoes_an_import_from_the_screen(cast, django_capture_on_commit_callbacks):
    upload(client_for(cast.chair_a), django_capture_on_commit_callbacks, GOOD)
    batch = MemberImport.objects.get()
    response = client_for(cast.staff).post(reverse("members:import_undo", args=[batch.pk]), follow=True)
    assert "Đã hoàn tác lần nhập." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UNDONE and not Member.objects.exists()


def test_export_imports_back_unchanged(cast, django_capture_on_commit_callbacks):
    member(cast.a, full_name="Nguyễn Văn An", ethnicity="Ê Đê", phone="0912345678", is_party_member=True)
    member(cast.a, full_name="Trần Thị Bình", gender="female", job_title="Giáo viên")
    client = client_for(cast.chair_a)
    for fmt in ("xlsx", "csv"):
        content = client.get(reverse("members:export") + f"?format={fmt}").content
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("members:import"), {"file": SimpleUploadedFile(f"roll.{fmt}", content)})
        batch = MemberImport.objects.latest("uploaded_at")
        assert (batch.status, batch.rows, batch.created, batch.updated, batch.unchanged) == (
            ImportStatus.IMPORTED,
            2,
            0,
            0,
            2,
        ), batch.errors


def test_export_neutralizes_formula_text(cast):
    someone = member(cast.a, full_name="Nguyễn Văn An")
    Member.objects.filter(pk=someone.pk).update(job_title='=HYPERLINK("http://x","y")', address="@SUM(A1)")
    content = client_for(cast.chair_a).get(reverse("members:export") + "?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in content and "'@SUM(A1)" in content
    sheet = openpyxl.load_workbook(io.BytesIO(client_for(cast.chair_a).get(reverse("members:export")).content))
    values = [c.value for row in sheet.worksheets[0].iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x","y")' in values


def test_export_is_the_scope_and_the_leader_gets_none(cast):
    member(cast.a, full_name="Nguyễn Văn An")
    member(cast.b, full_name="Lê Văn Cường")
    content = client_for(cast.chair_a).get(reverse("members:export") + "?format=csv").content.decode("utf-8-sig")
    assert "Nguyễn Văn An" in content and "Lê Văn Cường" not in content
    assert client_for(cast.leader).get(reverse("members:export")).status_code == 403


def test_admin_import_goes_to_the_one_engine_and_export_is_scoped(cast):
    member(cast.a, full_name="Nguyễn Văn An")
    client = client_for(cast.admin)
    response = client.get(reverse("admin:members_member_import"))
    assert response.status_code == 302 and response.url == reverse("members:import")
    response = client.post(reverse("admin:members_member_export"), {"format": "0", "resource": ""})
    assert response.status_code in (200, 302)


def test_an_unexpected_failure_ends_failed_with_nothing_written(cast, monkeypatch, django_capture_on_commit_callbacks):
    from members import importing

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "apply", broken)
    upload(client_for(cast.chair_a), django_capture_on_commit_callbacks, GOOD)
    batch = MemberImport.objects.get()
    assert batch.status == ImportStatus.FAILED and batch.progress == 100
    assert batch.errors[0]["row"] is None and not Member.objects.exists()


def test_undo_is_refused_once_a_created_member_is_being_transferred(cast, django_capture_on_commit_callbacks):
    import datetime

    from django.core.exceptions import ValidationError

    from members import services

    upload(client_for(cast.chair_a), django_capture_on_commit_callbacks, GOOD)
    batch = MemberImport.objects.get()
    services.transfer_request(
        member=Member.objects.get(), to_union=cast.b, effective_on=datetime.date(2024, 1, 1), by=cast.chair_a
    )
    with pytest.raises(ValidationError):
        services.member_import_undo(batch=batch, by=cast.staff)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED and Member.objects.count() == 1
