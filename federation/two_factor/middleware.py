from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied

from .policy import needs_verification
from .services import confirmed_device

PREFIX = "/accounts/two-factor/"


class TwoFactorMiddleware:
    """A signed-in user of a two-factor role whose session has not given a one-time code yet is
    sent to set up an authenticator (none confirmed yet) or to type a code, from every page but
    logging out, the two-factor pages themselves, static files, the health check and the
    language switch. The API is left to `VerifiedSessionAuthentication` (an unverified session
    gets 403 there); API tokens, issued by the administrator for integrations, are not asked."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open = self._api_docs = None

    def is_open(self, path: str) -> bool:
        if self._open is None:
            self._open = (PREFIX, settings.STATIC_URL, reverse("logout"), reverse("healthz"), reverse("set_language"))
            self._api_docs = reverse("api-docs")  # a page for people, under /api/
        return path.startswith(self._open) or (path.startswith("/api/") and not path.startswith(self._api_docs))

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not self.is_open(request.path_info) and needs_verification(user):
            name = "two_factor_verify" if confirmed_device(user) else "two_factor_setup"
            url = reverse(name)
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        return self.get_response(request)


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication for the API that refuses (403) a session still waiting for its
    one-time code."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and needs_verification(request._request.user):
            raise PermissionDenied(_("Finish signing in with your one-time code first."))
        return result
