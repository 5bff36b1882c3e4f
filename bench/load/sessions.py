"""Signed-in sessions for the benchmarks, made without the sign-in pages: a session as
`django.contrib.auth.login` leaves it, and for a two-factor role also marked verified by the
user's authenticator, as `django_otp.login` does after the one-time code (what
federation/two_factor/ checks). Nothing else is written: no last-login date, no audit entry.

Whatever is created here is listed in a `Made` and removed by `Made.remove()`, so a benchmark
leaves a database it did not load as it found it.
"""

from dataclasses import dataclass, field


@dataclass
class Made:
    """Session keys and authenticator ids created for a run."""

    session_keys: list[str] = field(default_factory=list)
    device_ids: list[int] = field(default_factory=list)

    def remove(self) -> None:
        from django.contrib.sessions.models import Session
        from django_otp.plugins.otp_totp.models import TOTPDevice

        Session.objects.filter(session_key__in=self.session_keys).delete()
        TOTPDevice.objects.filter(pk__in=self.device_ids).delete()
        self.session_keys.clear()
        self.device_ids.clear()


def open_session(user, made: Made) -> str:
    """The key of a new session signed in as `user` (verified by its authenticator when its role
    asks for one: the first confirmed device, or one created for the run)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from federation.two_factor.policy import requires_two_factor
    from federation.two_factor.services import confirmed_device

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if requires_two_factor(user):
        device = confirmed_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            made.device_ids.append(device.pk)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    made.session_keys.append(store.session_key)
    return store.session_key
