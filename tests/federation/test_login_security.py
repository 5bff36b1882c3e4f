"""Signing in: failed passwords lock out one username from one address (django-axes), and the
password rules (NIST SP 800-63B-4: length by role, no composition rules, no breached passwords)."""

import datetime
import html

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from federation.services import client_ip

from ..conftest import PASSWORD, client_for

OFFICE = "203.113.10.7"  # a district office: several people behind one address
HOME = "14.160.2.33"
LOCKED = "Too many failed sign-ins for this account from this address"


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sign_in(username, password, ip=OFFICE, client=None, url=None, **extra):
    client = client or english()
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(username, times, ip=OFFICE, **extra):
    for _ in range(times):
        response = sign_in(username, "not the password at all", ip=ip, **extra)
    return response


def test_five_wrong_passwords_lock_that_username_from_that_address(cast):
    for attempt in range(4):
        response = sign_in("officer", f"wrong password {attempt}")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    response = sign_in("officer", "wrong password 5")
    assert response.status_code == 429
    response = sign_in("officer", PASSWORD)  # even the right password is refused now
    page = html.unescape(response.content.decode())
    assert response.status_code == 429
    assert LOCKED in page and "Try again in 15 minutes or ask your federation's administrator." in page
    assert 'name="password"' in page and 'value="officer"' in page  # the login page again, not a bare page
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_same_username_from_another_address_still_signs_in(cast):
    fail("officer", 5)
    assert sign_in("officer", PASSWORD, ip=OFFICE).status_code == 429
    assert sign_in("officer", PASSWORD, ip=HOME).status_code == 302


def test_a_colleague_at_the_same_address_still_signs_in(cast):
    fail("officer", 5)
    assert sign_in("chair_a", PASSWORD, ip=OFFICE).status_code == 302


def test_after_the_cool_off_the_account_signs_in_again(cast):
    fail("officer", 5)
    assert sign_in("officer", PASSWORD).status_code == 429
    # 16 minutes later
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= datetime.timedelta(minutes=16)
        attempt.save(update_fields=["attempt_time"])
    assert sign_in("officer", PASSWORD).status_code == 302


def test_the_limit_and_cool_off_come_from_settings(cast, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_COOLOFF_MINUTES = 30
    fail("officer", 2)
    response = sign_in("officer", PASSWORD)
    assert response.status_code == 429 and "Try again in 30 minutes" in response.content.decode()


def test_a_successful_sign_in_clears_the_count(cast):
    fail("officer", 4)
    assert sign_in("officer", PASSWORD).status_code == 302
    fail("officer", 4)
    assert sign_in("officer", PASSWORD).status_code == 302


def test_axes_reset_username_lifts_the_lock(cast):
    fail("officer", 5)
    assert sign_in("officer", PASSWORD).status_code == 429
    call_command("axes_reset_username", "officer")
    assert sign_in("officer", PASSWORD).status_code == 302


def test_the_admin_site_login_is_covered_too(cast):
    admin_login = reverse("admin:login")
    for _ in range(5):
        sign_in("admin", "not the password", url=admin_login)
    response = sign_in("admin", PASSWORD, url=admin_login)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert sign_in("admin", PASSWORD).status_code == 429  # the same lock on the main login page


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for forged in range(5):  # whatever the client writes on the left does not count
        sign_in("officer", "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.{forged}, {OFFICE}")
    assert sign_in("officer", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=OFFICE).status_code == 429
    assert sign_in("officer", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=HOME).status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(rf.get("/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR="1.2.3.4")) == OFFICE
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {HOME}, 10.0.0.1")
    assert client_ip(request) == HOME
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="")) == "10.0.0.2"


# Password rules (checked in English: the messages are translated)


def check(password, user):
    with translation.override("en"):
        validate_password(password, user)


def test_a_password_alone_needs_15_characters(cast):
    with pytest.raises(ValidationError, match="at least 15 characters"):
        check("mười bốn kí tự", cast.chair_a)  # 14
    check("mười lăm kí tự!", cast.chair_a)
    check("mười lăm kí tự!", cast.officer)
    with pytest.raises(ValidationError, match="at least 15"):
        check("tám kí tự", None)  # no account yet: the stricter rule


def test_with_a_one_time_code_8_characters_are_enough(cast):
    for user in (cast.admin, cast.staff, cast.leader):
        check("cà phê 8", user)
        with pytest.raises(ValidationError, match="at least 8 characters"):
            check("cà phê7", user)


def test_at_most_128_characters_and_no_composition_rules(cast):
    with pytest.raises(ValidationError, match="at most 128"):
        check("a" * 60 + " " + "b" * 68, cast.chair_a)
    check("x" * 50 + " " + "y" * 77, cast.chair_a)  # 128
    check("chỉ toàn chữ thường thôi", cast.chair_a)  # no digits, capitals or symbols needed
    check("284619305729461", cast.chair_a)  # digits only are allowed too


def test_breached_and_similar_passwords_are_refused(cast):
    with pytest.raises(ValidationError, match="data breaches"):
        check("1q2w3e4r5t6y7u8i9o0p", cast.chair_a)
    with pytest.raises(ValidationError, match="data breaches"):
        check("password", cast.admin)
    cast.chair_a.full_name = "Nguyễn Thị Hoa Phượng"
    with pytest.raises(ValidationError, match="too similar"):
        check("nguyễn thị hoa phượng", cast.chair_a)


def test_help_texts_say_the_rules(db):
    with translation.override("en"):
        texts = " ".join(password_validators_help_texts())
    assert "At least 15 characters, or 8 if your account also signs in with a one-time code" in texts
    assert "passwords found in data breaches" in texts


def test_change_password_page(cast):
    client = client_for(cast.chair_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "At least 15 characters" in page.content.decode()
    assert f'href="{reverse("password_change")}"' in client.get(reverse("unions:tree")).content.decode()  # user menu
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "ngắn quá", "new_password2": "ngắn quá"},
    )
    assert response.status_code == 200 and "at least 15 characters" in response.content.decode()
    new = "trời hôm nay đẹp lắm"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True
    )
    assert response.redirect_chain and response.status_code == 200  # still signed in
    assert "Your password has been changed." in response.content.decode()
    cast.chair_a.refresh_from_db()
    assert cast.chair_a.check_password(new)


def test_change_password_needs_the_old_one_and_a_sign_in(cast):
    assert Client().get(reverse("password_change")).status_code == 302
    client = client_for(cast.admin)
    new = "cà phê sữa"
    response = client.post(
        reverse("password_change"), {"old_password": "wrong old one", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    cast.admin.refresh_from_db()
    assert cast.admin.check_password(PASSWORD)
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 302  # 10 characters are enough with a one-time code
    cast.admin.refresh_from_db()
    assert cast.admin.check_password(new)
