"""Access-matrix rows of the account pages (joined into tests/test_access.py): changing one's
password, and the two-step sign-in pages.

Every signed-in user changes their own password. The matrix's clients of the two-factor roles
are verified already (tests/conftest.py `client_for`), so the two-factor pages send everyone on
(302), and the QR code has no authenticator being set up to show (404); what an unverified
session sees is in tests/federation/test_two_factor.py."""

from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..conftest import PASSWORD

# URL-name prefixes answered as API calls: none, these are pages.
API_PREFIXES: tuple[str, ...] = ()


def u(name):
    return lambda c: reverse(name)


ROLES = ("admin", "staff", "leader", "officer", "chair_a", "other_admin")

# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = [
    ("password_change", "anon", "GET", u("password_change"), 302, None),
    ("password_change", "anon", "POST", u("password_change"), 302, "pw-change"),
    *[("password_change", who, "GET", u("password_change"), 200, None) for who in ROLES],
    *[("password_change", who, "POST", u("password_change"), 302, "pw-change") for who in ("admin", "chair_a")],
    ("password_change", "officer", "POST", u("password_change"), 200, "pw-wrong"),
    *[
        (name, who, "GET", u(name), 302, None)
        for name in ("two_factor_setup", "two_factor_verify", "two_factor_backup_codes")
        for who in ("anon", "admin", "leader", "chair_a")
    ],
    ("two_factor_verify", "admin", "POST", u("two_factor_verify"), 302, "otp-code"),
    ("two_factor_setup", "staff", "POST", u("two_factor_setup"), 302, "otp-code"),
    ("two_factor_qr", "anon", "GET", u("two_factor_qr"), 302, None),
    ("two_factor_qr", "admin", "GET", u("two_factor_qr"), 404, None),
    ("two_factor_qr", "chair_a", "GET", u("two_factor_qr"), 404, None),
    ("two_factor_qr", "admin", "POST", u("two_factor_qr"), 405, None),
]

NEW_PASSWORD = "một mật khẩu mới thật dài"

# payload key -> function of the cast giving the request body
PAYLOADS: dict = {
    "pw-change": lambda c: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    "pw-wrong": lambda c: {
        "old_password": "not the old one",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    },
    "otp-code": lambda c: {"code": "123456"},
}


def setup(cast) -> None:
    """Nothing to add: the cast's users and their clients are enough."""


def snapshot() -> tuple:
    """What a refused write must leave unchanged: the authenticators and backup codes."""
    return (
        sorted(TOTPDevice.objects.values_list("user_id", "confirmed")),
        sorted(StaticDevice.objects.values_list("user_id", flat=True)),
    )
