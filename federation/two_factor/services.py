from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import AuditLog, Cap, User
from ..services import audit_log

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def pending_device(user) -> TOTPDevice:
    """The user's authenticator not yet confirmed (made once, so the QR code stays the same
    between page loads until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def two_factor_confirm(*, device: TOTPDevice, request=None) -> list[str]:
    """Confirm `device` (its code was checked) and give its user 10 new one-time backup codes,
    returned to be shown once; any other device of the user goes."""
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    audit_log(actor=user, obj=user, action=AuditLog.Action.UPDATE, changes={"two_factor": [False, True]},
              request=request)  # fmt: skip
    return codes


@transaction.atomic
def user_reset_two_factor(*, user: User, by: User, request=None) -> int:
    """Remove `user`'s authenticator and backup codes (a lost phone): at the next sign-in, or the
    next page of a session already open, the user sets up a new one. Only an account manager
    (federation administrator) of the user's federation may; returns how many devices went."""
    if not (by.can(Cap.MANAGE_USERS) and User.objects.visible_to(by).filter(pk=user.pk).exists()):
        raise PermissionDenied
    apps, backups = TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)
    removed = apps.count() + backups.count()
    apps.delete()
    backups.delete()
    audit_log(actor=by, obj=user, action=AuditLog.Action.UPDATE, changes={"two_factor": [removed > 0, False]},
              request=request)  # fmt: skip
    return removed
