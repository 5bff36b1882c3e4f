from base64 import b32encode
from io import BytesIO

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..forms import posted
from .forms import ConfirmDeviceForm, VerifyForm
from .policy import is_verified, requires_two_factor
from .services import backup_device, confirmed_device, pending_device, two_factor_confirm

BACKUP_CODES_KEY = "two_factor_backup_codes"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_in(request, device) -> None:
    """Mark the session as verified by `device`, under a new session key."""
    request.session.cycle_key()
    otp_login(request, device)


def _throttled(device) -> bool:
    allowed, _details = device.verify_is_allowed()
    return not allowed


def secret_groups(device: TOTPDevice) -> list[str]:
    """The device's key as the app asks for it when typed by hand: base32, in groups of 4."""
    secret = b32encode(device.bin_key).decode()
    return [secret[i : i + 4] for i in range(0, len(secret), 4)]


@login_required
def setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), then confirm with its
    first code; 10 backup codes are shown once after that."""
    user = request.user
    if not requires_two_factor(user):
        return redirect(settings.LOGIN_REDIRECT_URL)
    if confirmed_device(user):
        return redirect(_next_url(request) if is_verified(user) else "two_factor_verify")
    device = pending_device(user)
    form = ConfirmDeviceForm(posted(request))
    if form.is_valid():
        if _throttled(device):
            form.add_error("code", _("Too many wrong codes: wait a minute, then type the newest code."))
        elif device.verify_token(form.cleaned_data["code"]):
            codes = two_factor_confirm(device=device, request=request)
            _signed_in(request, device)
            request.session[BACKUP_CODES_KEY] = codes
            request.session["two_factor_next"] = _next_url(request)
            return redirect("two_factor_backup_codes")
        else:
            form.add_error(
                "code", _("That code is not right. Check that the phone's clock is right, and type the newest code.")
            )
    context = {"form": form, "secret_groups": secret_groups(device), "next": _next_url(request)}
    return render(request, "federation/two_factor/setup.html", context)


@login_required
@require_GET
def qr_code(request):
    """The QR code of the authenticator being set up, as an SVG image (served from here: the
    Content-Security-Policy allows images from our own site only)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None or not requires_two_factor(request.user):
        raise Http404
    out = BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=6, border=2, light="#fff", xmldecl=False)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@login_required
@require_GET
def backup_codes(request):
    """The backup codes, once: they are taken out of the session as they are shown."""
    codes = request.session.pop(BACKUP_CODES_KEY, None)
    next_url = request.session.pop("two_factor_next", None) or resolve_url(settings.LOGIN_REDIRECT_URL)
    if not codes:
        return redirect(next_url)
    return render(request, "federation/two_factor/backup_codes.html", {"codes": codes, "next": next_url})


@login_required
def verify(request):
    """The second step of signing in: a code from the app, or a backup code (each works once)."""
    user = request.user
    if not requires_two_factor(user) or is_verified(user):
        return redirect(_next_url(request))
    app = confirmed_device(user)
    if app is None:
        return redirect("two_factor_setup")
    form = VerifyForm(posted(request))
    if form.is_valid():
        device = app if form.is_app_code else backup_device(user)
        if device is not None and _throttled(device):
            form.add_error("code", _("Too many wrong codes: wait a minute, then try again."))
        elif device is not None and verify_token(user, device.persistent_id, form.cleaned_data["code"]):
            _signed_in(request, device)
            return redirect(_next_url(request))
        else:
            form.add_error("code", _("That code is not right. Type the newest code from the app, or a backup code."))
    return render(request, "federation/two_factor/verify.html", {"form": form, "next": _next_url(request)})
