"""Two-step sign-in (TOTP) for federation administrators, staff, leaders and superusers: setting
up an authenticator, the code after the password, backup codes, and what an unverified session
may reach."""

import re

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from federation.models import AuditLog, User
from federation.two_factor.services import user_reset_two_factor

from ..conftest import PASSWORD, client_for

SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")


def code_of(device) -> str:
    """The code the phone shows now, computed from the device's key."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def signed_in_with_password(user) -> Client:
    """A client past the password step only (English pages)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def entries_about(user):
    return AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


@pytest.mark.parametrize("who", ["admin", "staff", "leader"])
def test_without_an_authenticator_the_password_leads_to_setting_one_up(cast, who):
    client = signed_in_with_password(getattr(cast, who))
    response = client.get(reverse("unions:tree"))
    assert response.status_code == 302 and response.url == SETUP + "?next=%2Funits%2F"
    page = client.get(response.url)
    body = page.content.decode()
    assert page.status_code == 200 and "Set up two-step sign-in" in body
    device = TOTPDevice.objects.get(user=getattr(cast, who), confirmed=False)
    groups = page.context["secret_groups"]
    assert all(len(g) == 4 for g in groups) and "".join(groups) == re.search(r"secret=(\w+)", device.config_url)[1]
    assert f'src="{reverse("two_factor_qr")}"' in body and 'name="code"' in body
    assert client.get(SETUP).context["secret_groups"] == groups  # the same key until it is confirmed


def test_the_qr_code_is_an_svg_of_the_pending_authenticator(cast):
    client = signed_in_with_password(cast.admin)
    client.get(SETUP)
    response = client.get(reverse("two_factor_qr"))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<svg") and b"<script" not in response.content
    assert "no-store" in response["Cache-Control"]
    assert Client().get(reverse("two_factor_qr")).status_code == 302  # signed in only
    assert client_for(cast.chair_a).get(reverse("two_factor_qr")).status_code == 404


def test_a_wrong_code_is_refused_with_a_message(cast):
    client = signed_in_with_password(cast.admin)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.admin)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not StaticDevice.objects.filter(user=cast.admin).exists()
    response = client.post(SETUP, {"code": "12ab"})
    assert "Type the 6 digits the app shows." in response.content.decode()
    assert client.get(reverse("unions:tree")).status_code == 302  # still held


def test_a_right_code_confirms_and_shows_10_backup_codes_once(cast):
    client = signed_in_with_password(cast.admin)
    client.get(SETUP + "?next=/units/")
    device = TOTPDevice.objects.get(user=cast.admin)
    response = client.post(SETUP, {"code": code_of(device), "next": "/units/"})
    assert response.status_code == 302 and response.url == reverse("two_factor_backup_codes")
    device.refresh_from_db()
    assert device.confirmed
    page = client.get(response.url)
    codes = page.context["codes"]
    stored = set(StaticToken.objects.filter(device__user=cast.admin).values_list("token", flat=True))
    assert len(codes) == 10 and set(codes) == stored
    assert all(code in page.content.decode() for code in codes)
    assert 'href="/units/"' in page.content.decode()
    again = client.get(reverse("two_factor_backup_codes"))  # shown once only
    assert again.status_code == 302 and not any(code in again.content.decode() for code in codes)
    assert client.get(reverse("unions:tree")).status_code == 200  # verified
    assert client.get("/api/v1/unions/").status_code == 200
    assert entries_about(cast.admin).filter(changes={"two_factor": [False, True]}).exists()


def test_with_an_authenticator_the_password_leads_to_the_code(cast):
    device = enrolled(cast.staff)
    client = signed_in_with_password(cast.staff)
    response = client.get(reverse("members:list"))
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert client.get(SETUP).url == VERIFY  # no second authenticator
    response = client.post(VERIFY, {"code": code_of(device), "next": reverse("members:list")})
    assert response.status_code == 302 and response.url == reverse("members:list")
    assert client.get(reverse("members:list")).status_code == 200
    assert client.get(VERIFY).status_code == 302  # nothing more to verify


def test_a_wrong_code_on_the_verify_page_is_refused(cast):
    device = enrolled(cast.leader)
    client = signed_in_with_password(cast.leader)
    wrong = f"{(int(code_of(device)) + 7) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    # Guessing is slowed down: even the right code waits a moment after a wrong one.
    response = client.post(VERIFY, {"code": code_of(device)})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(reverse("unions:tree")).status_code == 302


def test_a_backup_code_works_once(cast):
    enrolled(cast.admin)
    backup = StaticDevice.objects.create(user=cast.admin, name="backup", confirmed=True)
    backup.token_set.create(token="abcd2345")
    backup.token_set.create(token="wxyz6789")
    client = signed_in_with_password(cast.admin)
    response = client.post(VERIFY, {"code": "ABCD 2345"})  # as printed, in capitals with a space
    assert response.status_code == 302
    assert client.get(reverse("unions:tree")).status_code == 200
    assert list(backup.token_set.values_list("token", flat=True)) == ["wxyz6789"]
    other = signed_in_with_password(cast.admin)
    response = other.post(VERIFY, {"code": "abcd2345"})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert other.get(reverse("unions:tree")).status_code == 302


def test_an_unverified_session_reaches_only_the_two_factor_pages(cast):
    enrolled(cast.admin)
    client = signed_in_with_password(cast.admin)
    for url in (reverse("home"), reverse("unions:tree"), reverse("password_change"), "/admin/", reverse("api-docs")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(VERIFY), url
    assert client.post(reverse("unions:create"), {}).url == VERIFY  # writes too, without a next
    response = client.get("/api/v1/unions/")
    assert response.status_code == 403 and "one-time code" in response.json()["detail"]
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "vi", "next": "/"}).status_code == 302
    assert client.get(VERIFY).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("unions:tree")).url.startswith(reverse("login"))


def test_api_tokens_are_not_asked_for_a_code(cast):
    token = Token.objects.create(user=cast.admin)
    response = Client().get("/api/v1/unions/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["officer", "chair_a"])
def test_chairs_and_officers_are_not_asked(cast, who):
    client = signed_in_with_password(getattr(cast, who))
    assert client.get(reverse("unions:tree")).status_code == 200
    assert client.get("/api/v1/unions/").status_code == 200
    assert client.get(SETUP).status_code == 302 and not TOTPDevice.objects.exists()


def test_superusers_are_asked_and_the_roles_are_a_setting(cast, settings):
    root = User.objects.create_superuser("root", password=PASSWORD)
    assert signed_in_with_password(root).get(reverse("unions:tree")).url.startswith(SETUP)
    settings.TWO_FACTOR_ROLES = ["leader"]
    assert signed_in_with_password(cast.admin).get(reverse("unions:tree")).status_code == 200
    assert signed_in_with_password(cast.leader).get(reverse("unions:tree")).status_code == 302


def test_an_administrator_resets_a_lost_phone(cast):
    session = client_for(cast.staff)  # verified with its authenticator
    assert session.get(reverse("unions:tree")).status_code == 200
    StaticDevice.objects.create(user=cast.staff, name="backup", confirmed=True).token_set.create(token="abcd2345")
    assert user_reset_two_factor(user=cast.staff, by=cast.admin) == 2
    assert not TOTPDevice.objects.filter(user=cast.staff).exists()
    assert not StaticDevice.objects.filter(user=cast.staff).exists()
    entry = entries_about(cast.staff).get(actor=cast.admin)
    assert entry.changes == {"two_factor": [True, False]} and entry.federation_id == cast.fed.pk
    assert session.get(reverse("unions:tree")).url.startswith(SETUP)  # the open session sets up anew


@pytest.mark.parametrize(("by", "user"), [("staff", "leader"), ("other_admin", "staff"), ("chair_a", "chair_a")])
def test_only_the_federation_administrator_resets(cast, by, user):
    enrolled(getattr(cast, user))
    with pytest.raises(PermissionDenied):
        user_reset_two_factor(user=getattr(cast, user), by=getattr(cast, by))
    assert TOTPDevice.objects.filter(user=getattr(cast, user)).exists()
    assert not entries_about(getattr(cast, user)).exists()


def test_the_admin_site_action_resets(cast):
    enrolled(cast.leader)
    client = client_for(cast.admin)
    response = client.post(
        reverse("admin:federation_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [cast.leader.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.leader).exists()
    assert entries_about(cast.leader).filter(actor=cast.admin).exists()
