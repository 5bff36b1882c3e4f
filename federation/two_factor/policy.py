from django.conf import settings


def requires_two_factor(user) -> bool:
    """Whether `user` signs in with a one-time code after the password: the roles of
    `settings.TWO_FACTOR_ROLES` (federation administrators, staff and leaders) and superusers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in settings.TWO_FACTOR_ROLES)


def is_verified(user) -> bool:
    """Whether this session has been verified with a one-time code (django_otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def needs_verification(user) -> bool:
    return requires_two_factor(user) and not is_verified(user)
