import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _


class LanguageMiddleware:
    """Vietnamese unless the user chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so most
    browsers would open the site in English; our users expect Vietnamese first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


def content_security_policy(**overrides: str) -> str:
    """The policy of `settings.CONTENT_SECURITY_POLICY` as a header value, with `overrides`
    (directive names with underscores: style_src="...")."""
    policy = {**settings.CONTENT_SECURITY_POLICY, **{k.replace("_", "-"): v for k, v in overrides.items()}}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response (no inline scripts or styles anywhere: every
    script and style sheet is a file under /static/), and `Cache-Control: no-store` on whatever
    a signed-in user is sent: pages, API responses and downloads may hold personal data, which
    must not stay in a shared computer's or a proxy's cache."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"


def _now() -> int:
    return int(time.time())


def start_session_clock(sender, request, user, **kwargs) -> None:
    """Signing in (again) starts the session's 12 hours and its idle clock afresh."""
    if request is not None and hasattr(request, "session"):
        now = _now()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now


class SessionExpiryMiddleware:
    """A signed-in session ends after `SESSION_IDLE_SECONDS` without a request (30 minutes: a
    district office's shared computer left open) and `SESSION_MAX_SECONDS` after signing in
    (12 hours), however active. The last request's time is written at most once a minute, not on
    every request. Pages send the user to the login page with a message; API calls go on as an
    anonymous caller (401/403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now, session = _now(), request.session
            started = session.setdefault(SIGNED_IN_AT, now)
            seen = session.setdefault(LAST_SEEN, now)
            if now - seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_MAX_SECONDS:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Your session ended: sign in again."))
                    return redirect_to_login(request.get_full_path())
            elif now - seen >= 60:
                session[LAST_SEEN] = now
        return self.get_response(request)


class NationalFenceMiddleware:
    """The General Confederation's accounts (`NATIONAL_ROLES`) open the dashboards, their API and
    their own account's pages, and nothing else: every other address answers 403 before its view
    runs. Their `scope_path` is None, so no record would be visible to them anyway; the fence
    makes that a refusal instead of an empty page, whatever a future view forgets to check."""

    ALLOWED = frozenset(
        {
            # the dashboards (docs/reports.md, "National dashboard") and their API
            "reports:dashboard", "reports:national", "reports:federation", "reports:unit", "reports:export",
            "report-achievement", "report-completeness", "report-national-list", "schema", "api-docs",
            # the account itself
            "home", "login", "logout", "password_change", "set_language", "healthz",
        }
    )  # fmt: skip
    ALLOWED_PREFIXES = ("two_factor_",)  # two-step sign-in: setup, codes, verify

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.core.exceptions import PermissionDenied

        from .models import NATIONAL_ROLES

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_superuser or user.role not in NATIONAL_ROLES:
            return None
        match = request.resolver_match
        if match is None or match.view_name in self.ALLOWED or match.view_name.startswith(self.ALLOWED_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
        raise PermissionDenied
