"""Headers that keep personal data where it belongs: a Content-Security-Policy without inline
code, and no caching of anything sent to a signed-in user."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

from ..conftest import client_for

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_every_response_carries_the_content_security_policy(cast):
    for client, url in ((Client(), reverse("login")), (client_for(cast.admin), reverse("unions:tree"))):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_what_a_signed_in_user_is_sent_is_not_cached(roll_cast):
    c = roll_cast
    client = client_for(c.admin)
    for url in (reverse("members:detail", args=[c.m_a.pk]), "/api/v1/members/", reverse("members:export")):
        response = client.get(url)
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "no-store" in cache and "private" in cache, (url, cache)


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (inline_script, re.compile(r"\sstyle=\"", re.I), re.compile(r"\son[a-z]+=\"", re.I),
                        re.compile(r"<style", re.I)):  # fmt: skip
            found += [f"{template.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not found, found
