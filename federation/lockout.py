"""Locking out password guessing (django-axes, README "Security").

Failures are counted per username *and* address together (`AXES_LOCKOUT_PARAMETERS`): a district
office shares one address, so one person's mistakes must not lock out colleagues, and someone
guessing at one account from elsewhere does not lock its owner out either. After
`LOGIN_FAILURE_LIMIT` failures (5) that pair is refused for `LOGIN_COOLOFF_MINUTES` (15), even
with the right password; a successful sign-in clears the count.
"""

from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import ngettext

from .forms import LoginForm


def failure_limit(request, credentials) -> int:
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request) -> timedelta:
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def lockout_message() -> str:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    return ngettext(
        "Too many failed sign-ins for this account from this address. "
        "Try again in %(minutes)d minute or ask your federation's administrator.",
        "Too many failed sign-ins for this account from this address. "
        "Try again in %(minutes)d minutes or ask your federation's administrator.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the username kept and why it is refused (HTTP 429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    form.fields["username"].initial = username
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", ""), "locked_out": True}
    context["lockout_message"] = lockout_message()
    return render(request, "federation/login.html", context, status=429)
