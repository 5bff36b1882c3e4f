"""Sessions end after 30 minutes idle and 12 hours after signing in; a deactivated account is
signed out at once, on the screens and the API."""

from django.urls import reverse
from rest_framework.authtoken.models import Token

from federation import middleware

from ..conftest import client_for


def at(monkeypatch, seconds: int) -> None:
    monkeypatch.setattr(middleware, "_now", lambda: seconds)


def test_a_session_ends_after_30_minutes_without_a_request(cast, monkeypatch):
    at(monkeypatch, 1_000_000)
    client = client_for(cast.admin)
    assert client.get(reverse("unions:tree")).status_code == 200
    at(monkeypatch, 1_000_000 + 29 * 60)
    assert client.get(reverse("unions:tree")).status_code == 200  # still active: the clock restarts
    at(monkeypatch, 1_000_000 + 29 * 60 + 31 * 60)
    response = client.get(reverse("unions:tree"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    page = client.get(response.url)
    assert "Phiên làm việc đã kết thúc" in page.content.decode()
    assert client.get(reverse("unions:tree")).status_code == 302  # signed out for good


def test_a_session_ends_12_hours_after_signing_in_however_active(cast, monkeypatch):
    start = 2_000_000
    at(monkeypatch, start)
    client = client_for(cast.admin)
    for minutes in range(0, 12 * 60 + 1, 20):
        at(monkeypatch, start + minutes * 60)
        assert client.get(reverse("unions:tree")).status_code == 200, minutes
    at(monkeypatch, start + 12 * 3600 + 20 * 60)
    assert client.get(reverse("unions:tree")).status_code == 302


def test_an_expired_session_calls_the_api_as_nobody(cast, monkeypatch):
    at(monkeypatch, 3_000_000)
    client = client_for(cast.admin)
    assert client.get("/api/v1/unions/").status_code == 200
    at(monkeypatch, 3_000_000 + 31 * 60)
    assert client.get("/api/v1/unions/").status_code in (401, 403)


def test_deactivating_an_account_ends_its_sessions_and_tokens(cast):
    client = client_for(cast.officer)
    token = Token.objects.create(user=cast.officer)
    api = client_for(cast.officer)
    api.logout()
    assert client.get(reverse("unions:tree")).status_code == 200
    assert api.get("/api/v1/unions/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    cast.officer.is_active = False
    cast.officer.save(update_fields=["is_active"])
    assert client.get(reverse("unions:tree")).status_code == 302
    assert api.get("/api/v1/unions/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_signing_in_again_starts_the_12_hours_afresh(cast, monkeypatch):
    at(monkeypatch, 4_000_000)
    client = client_for(cast.admin)
    at(monkeypatch, 4_000_000 + 11 * 3600)
    client.force_login(cast.admin)  # signed in again, in the same session
    for minutes in range(11 * 60, 14 * 60, 20):  # past the first sign-in's 12 hours
        at(monkeypatch, 4_000_000 + minutes * 60)
        assert client.get(reverse("unions:tree")).status_code == 200, minutes
