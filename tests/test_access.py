"""Access matrix: every URL of the project × role × where the object stands.

Allowed roles get their page, read-only roles 403 on writes, and anything outside the user's
subtree answers 404 exactly as if it did not exist. `test_every_url_is_in_the_matrix` fails
when a URL is added without rows here.
"""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from unions.models import Union

from .conftest import client_for

UNION_PAYLOAD = {
    "code": "NEW1",
    "name": "Công đoàn Công ty TNHH Mới",
    "level": "grassroots",
    "kind": "enterprise",
    "sector": "non_state_enterprise",
    "tax_code": "6000123456",
    "worker_count": 30,
}


def form_payload(parent=None, **extra):
    data = {**UNION_PAYLOAD, **extra}
    if parent is not None:
        data["parent"] = parent.pk
    return data


def u(name, *attrs):
    """URL of `name` with the cast's objects `attrs` (resolved when the cast exists)."""
    return lambda c: reverse(name, args=[getattr(c, a).pk for a in attrs])


def q(name, query):
    return lambda c: reverse(name) + query(c)


# (url name, who, method, url, expected status, payload)
MATRIX = [
    # pages anyone may open
    ("login", "anon", "GET", u("login"), 200, None),
    ("login", "admin", "GET", u("login"), 302, None),
    ("logout", "chair_a", "POST", u("logout"), 302, None),
    ("healthz", "anon", "GET", u("healthz"), 200, None),
    ("set_language", "anon", "POST", u("set_language"), 302, {"language": "en"}),
    # home: everyone signed in is sent to their place
    ("home", "anon", "GET", u("home"), 302, None),
    ("home", "admin", "GET", u("home"), 302, None),
    ("home", "leader", "GET", u("home"), 302, None),
    ("home", "chair_a", "GET", u("home"), 302, None),
    # the tree
    ("unions:tree", "anon", "GET", u("unions:tree"), 302, None),
    ("unions:tree", "admin", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "leader", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "officer", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "chair_a", "GET", u("unions:tree"), 200, None),
    ("unions:tree", "admin", "GET", q("unions:tree", lambda c: f"?federation={c.other_fed.pk}"), 404, None),
    ("unions:children", "admin", "GET", u("unions:children", "d1"), 200, None),
    ("unions:children", "leader", "GET", u("unions:children", "d1"), 200, None),
    ("unions:children", "officer", "GET", u("unions:children", "d1"), 200, None),
    ("unions:children", "officer", "GET", u("unions:children", "d2"), 404, None),
    ("unions:children", "chair_a", "GET", u("unions:children", "d1"), 404, None),
    ("unions:children", "other_admin", "GET", u("unions:children", "d1"), 404, None),
    ("unions:children", "anon", "GET", u("unions:children", "d1"), 302, None),
    # a unit's page
    ("unions:detail", "anon", "GET", u("unions:detail", "a"), 302, None),
    ("unions:detail", "admin", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "staff", "GET", u("unions:detail", "b"), 200, None),
    ("unions:detail", "leader", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "d1"), 200, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "b"), 404, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "d2"), 404, None),
    ("unions:detail", "officer", "GET", u("unions:detail", "g0"), 404, None),
    ("unions:detail", "chair_a", "GET", u("unions:detail", "a"), 200, None),
    ("unions:detail", "chair_a", "GET", u("unions:detail", "a2"), 404, None),
    ("unions:detail", "chair_a", "GET", u("unions:detail", "d1"), 404, None),
    ("unions:detail", "chair_b", "GET", u("unions:detail", "a"), 404, None),
    ("unions:detail", "other_admin", "GET", u("unions:detail", "a"), 404, None),
    ("unions:detail", "admin", "GET", u("unions:detail", "x"), 404, None),
    # creating a unit
    ("unions:create", "anon", "GET", u("unions:create"), 302, None),
    ("unions:create", "admin", "GET", u("unions:create"), 200, None),
    ("unions:create", "staff", "GET", u("unions:create"), 200, None),
    ("unions:create", "officer", "GET", u("unions:create"), 200, None),
    ("unions:create", "leader", "GET", u("unions:create"), 403, None),
    ("unions:create", "chair_a", "GET", u("unions:create"), 403, None),
    ("unions:create", "officer", "GET", q("unions:create", lambda c: f"?parent={c.d2.pk}"), 404, None),
    ("unions:create", "other_admin", "GET", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 404, None),
    ("unions:create", "admin", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 302, "d1"),
    ("unions:create", "officer", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 302, "d1"),
    ("unions:create", "leader", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 403, "d1"),
    ("unions:create", "chair_a", "POST", q("unions:create", lambda c: f"?parent={c.d1.pk}"), 403, "d1"),
    ("unions:create", "officer", "POST", q("unions:create", lambda c: f"?parent={c.d2.pk}"), 404, "d2"),
    # editing a unit
    ("unions:edit", "anon", "GET", u("unions:edit", "a"), 302, None),
    ("unions:edit", "admin", "GET", u("unions:edit", "a"), 200, None),
    ("unions:edit", "staff", "GET", u("unions:edit", "d1"), 200, None),
    ("unions:edit", "officer", "GET", u("unions:edit", "a"), 200, None),
    ("unions:edit", "officer", "GET", u("unions:edit", "d1"), 403, None),
    ("unions:edit", "officer", "GET", u("unions:edit", "b"), 404, None),
    ("unions:edit", "leader", "GET", u("unions:edit", "a"), 403, None),
    ("unions:edit", "chair_a", "GET", u("unions:edit", "a"), 403, None),
    ("unions:edit", "chair_a", "GET", u("unions:edit", "b"), 404, None),
    ("unions:edit", "other_admin", "GET", u("unions:edit", "a"), 404, None),
    ("unions:edit", "admin", "POST", u("unions:edit", "a"), 302, "edit"),
    ("unions:edit", "officer", "POST", u("unions:edit", "a"), 302, "edit"),
    ("unions:edit", "leader", "POST", u("unions:edit", "a"), 403, "edit"),
    ("unions:edit", "chair_a", "POST", u("unions:edit", "a"), 403, "edit"),
    ("unions:edit", "officer", "POST", u("unions:edit", "b"), 404, "edit"),
    # API: federations
    ("api-root", "anon", "GET", u("api-root"), 401, None),
    ("api-root", "leader", "GET", u("api-root"), 200, None),
    ("federation-list", "anon", "GET", u("federation-list"), 401, None),
    ("federation-list", "chair_a", "GET", u("federation-list"), 200, None),
    ("federation-detail", "leader", "GET", u("federation-detail", "fed"), 200, None),
    ("federation-detail", "admin", "GET", u("federation-detail", "other_fed"), 404, None),
    ("federation-detail", "chair_b", "GET", u("federation-detail", "other_fed"), 404, None),
    # API: unions
    ("union-list", "anon", "GET", u("union-list"), 401, None),
    ("union-list", "admin", "GET", u("union-list"), 200, None),
    ("union-list", "leader", "GET", u("union-list"), 200, None),
    ("union-list", "officer", "GET", q("union-list", lambda c: "?under=H01"), 200, None),
    ("union-list", "officer", "GET", q("union-list", lambda c: "?under=H02"), 404, None),
    ("union-list", "chair_a", "GET", q("union-list", lambda c: "?under=H01"), 404, None),
    ("union-list", "admin", "POST", u("union-list"), 201, "api-d1"),
    ("union-list", "officer", "POST", u("union-list"), 201, "api-d1"),
    ("union-list", "leader", "POST", u("union-list"), 403, "api-d1"),
    ("union-list", "chair_a", "POST", u("union-list"), 403, "api-d1"),
    ("union-list", "officer", "POST", u("union-list"), 400, "api-d2"),
    ("union-list", "other_admin", "POST", u("union-list"), 400, "api-d2"),
    ("union-detail", "anon", "GET", u("union-detail", "a"), 401, None),
    ("union-detail", "admin", "GET", u("union-detail", "a"), 200, None),
    ("union-detail", "leader", "GET", u("union-detail", "a"), 200, None),
    ("union-detail", "officer", "GET", u("union-detail", "a"), 200, None),
    ("union-detail", "officer", "GET", u("union-detail", "b"), 404, None),
    ("union-detail", "chair_a", "GET", u("union-detail", "a2"), 404, None),
    ("union-detail", "other_admin", "GET", u("union-detail", "a"), 404, None),
    ("union-detail", "admin", "PATCH", u("union-detail", "a"), 200, "api-edit"),
    ("union-detail", "officer", "PATCH", u("union-detail", "a"), 200, "api-edit"),
    ("union-detail", "officer", "PATCH", u("union-detail", "d1"), 403, "api-edit"),
    ("union-detail", "leader", "PATCH", u("union-detail", "a"), 403, "api-edit"),
    ("union-detail", "chair_a", "PATCH", u("union-detail", "a"), 403, "api-edit"),
    ("union-detail", "officer", "PATCH", u("union-detail", "b"), 404, "api-edit"),
    ("union-detail", "other_admin", "PUT", u("union-detail", "a"), 404, "api-edit"),
    # API schema and docs: signed-in users only
    ("schema", "anon", "GET", u("schema"), 401, None),
    ("schema", "chair_a", "GET", u("schema"), 200, None),
    ("api-docs", "anon", "GET", u("api-docs"), 401, None),
    ("api-docs", "leader", "GET", u("api-docs"), 200, None),
]

# URL names that are not the application's own pages: the admin site (tested apart, in
# test_admin.py), and DRF's format-suffix duplicates of the same views.
NOT_IN_MATRIX_PREFIXES = ("admin:",)


def _payload(cast, kind):
    if kind is None:
        return None
    if kind in ("d1", "d2"):
        return form_payload(parent=getattr(cast, kind))
    if kind == "edit":
        return {
            "code": cast.a.code,
            "name": "Công đoàn Trường Tiểu học Hòa Phú (đổi tên)",
            "kind": cast.a.kind,
            "sector": cast.a.sector,
            "worker_count": 41,
        }
    if kind in ("api-d1", "api-d2"):
        return {**UNION_PAYLOAD, "parent": "H01" if kind == "api-d1" else "H02"}
    if kind == "api-edit":
        return {"worker_count": 41}
    return kind


def _request(client: Client, method, url, payload, api):
    if method == "GET":
        return client.get(url)
    if api:
        return client.generic(method, url, json.dumps(payload or {}), content_type="application/json")
    return client.post(url, payload or {})


@pytest.mark.parametrize(
    ("name", "who", "method", "url", "expected", "payload"),
    MATRIX,
    ids=[f"{row[0]}-{row[1]}-{row[2]}-{i}" for i, row in enumerate(MATRIX)],
)
def test_access(cast, name, who, method, url, expected, payload):
    client = Client() if who == "anon" else client_for(getattr(cast, who))
    api = name.startswith(("union-", "federation-", "api-", "schema"))
    before = {u.pk: (u.name, u.worker_count) for u in Union.objects.all()}
    response = _request(client, method, url(cast), _payload(cast, payload), api)
    assert response.status_code == expected, response.content[:500]
    if expected in (403, 404) and method != "GET":
        # A refused write changes nothing.
        assert {u.pk: (u.name, u.worker_count) for u in Union.objects.all()} == before
    if expected == 404 and who != "anon":
        # Nothing of what the user may not see shows through the 404.
        hidden = Union.objects.exclude(pk__in=Union.objects.visible_to(getattr(cast, who)))
        body = response.content.decode()
        assert not [u.name for u in hidden if u.name in body or u.code in body.split('"')]


def _url_names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield namespace + p.name


def test_every_url_is_in_the_matrix():
    names = {n for n in _url_names(get_resolver().url_patterns) if not n.startswith(NOT_IN_MATRIX_PREFIXES)}
    covered = {row[0] for row in MATRIX}
    assert names - covered == set(), "URLs without access rows"


def test_matrix_covers_allowed_read_only_and_out_of_scope_for_every_url():
    by_name = {}
    for name, _who, _method, _url, expected, _payload in MATRIX:
        by_name.setdefault(name, set()).add(expected)
    scoped = {"unions:children", "unions:detail", "unions:edit", "federation-detail", "union-detail"}
    for name in scoped:
        assert {200, 404} <= by_name[name], name
    for name in ("unions:create", "unions:edit", "union-list", "union-detail"):
        assert 403 in by_name[name], name
