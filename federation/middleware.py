import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
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
