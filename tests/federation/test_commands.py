import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from federation.models import Role, User

# A sign-in comes with its request (the lockout backend counts by username and address).
SIGN_IN = RequestFactory().post("/accounts/login/")


def test_create_user_for_a_district_with_password_from_environment(cast, monkeypatch, capsys):
    monkeypatch.setenv("NEW_USER_PASSWORD", "mật khẩu rất dài 2024")
    call_command(
        "create_user", "can_bo_h02", "--role", "superior_officer", "--unit", "h02", "--full-name", "  Nguyễn  Văn An "
    )
    user = User.objects.get(username="can_bo_h02")
    assert (user.role, user.union, user.federation, user.full_name) == (
        Role.SUPERIOR_OFFICER,
        cast.d2,
        cast.fed,
        "Nguyễn Văn An",
    )
    out = capsys.readouterr().out
    assert "mật khẩu" not in out and "Password" not in out
    assert authenticate(SIGN_IN, username="can_bo_h02", password="mật khẩu rất dài 2024") == user


def test_create_user_generates_and_prints_a_password(cast, monkeypatch, capsys):
    monkeypatch.delenv("NEW_USER_PASSWORD", raising=False)
    call_command("create_user", "lanh_dao", "--role", "leader", "--unit", "LDLD-DLK")
    password = capsys.readouterr().out.split("Password: ")[1].strip()
    user = authenticate(SIGN_IN, username="lanh_dao", password=password)
    assert user is not None and user.union is None and user.federation == cast.fed


def test_create_user_federation_admin_gets_the_admin_site(cast, monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "mật khẩu rất dài 2024")
    call_command("create_user", "qtv", "--role", "federation_admin", "--unit", "LDLD-DLK")
    assert User.objects.get(username="qtv").is_staff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "grassroots_chair", "--unit", "H02"], "công đoàn cơ sở"),
        (["--role", "superior_officer", "--unit", "A"], "cấp trên trực tiếp"),
        (["--role", "leader", "--unit", "A"], "liên đoàn"),
        (["--role", "grassroots_chair", "--unit", "NOPE"], "NOPE"),
        (["--role", "superior_officer", "--unit", "H01"], "liên đoàn"),
    ],
    ids=[
        "chair-of-a-district",
        "officer-of-a-grassroots-union",
        "leader-of-a-union",
        "unknown-code",
        "code-in-two-federations",
    ],
)
def test_create_user_refuses_a_role_in_the_wrong_unit(cast, monkeypatch, args, message):
    monkeypatch.setenv("NEW_USER_PASSWORD", "mật khẩu rất dài 2024")
    with pytest.raises(CommandError) as excinfo:
        call_command("create_user", "sai", *args)
    assert message.lower() in str(excinfo.value).lower()
    assert not User.objects.filter(username="sai").exists()


def test_create_user_in_one_of_two_federations_by_name(cast, monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "mật khẩu rất dài 2024")
    call_command("create_user", "h01_lc", "--role", "superior_officer", "--unit", "H01", "--federation", "LDLD-LCI")
    assert User.objects.get(username="h01_lc").union == cast.x1


def test_create_user_refuses_a_weak_password(cast, monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("create_user", "yeu", "--role", "leader", "--unit", "LDLD-DLK")


def test_create_user_refuses_a_taken_username_in_vietnamese(cast, monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "mật khẩu rất dài 2024")
    with pytest.raises(CommandError, match="Tên đăng nhập officer đã có người dùng"):
        call_command("create_user", "officer", "--role", "leader", "--unit", "LDLD-DLK")
