"""ISO-1: walk EVERY /api/v1/ route with two partners' keys; another partner's id is a 404.

Routes come from the URL conf itself, so a new endpoint is walked automatically and fails here
until it is registered in tests/partners/isolation_registry.py (see its docstring).
"""

from __future__ import annotations

import re

import pytest
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver

from tests.partners.isolation_registry import (
    ROUTES,
    Collection,
    Item,
    NotTenantData,
    StaffOnly,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]

API_PREFIX = "api/v1/"
WRITE_METHODS = ("post", "put", "patch", "delete")
REGISTRY = "tests/partners/isolation_registry.py"


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def api_routes() -> dict[str, object]:
    found = {}
    for route, callback in _walk(get_resolver().url_patterns):
        if route.startswith(API_PREFIX) or route.startswith("^" + API_PREFIX):
            found.setdefault(route, callback)
    return found


def view_methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)  # DRF ViewSet routes
    if actions:
        return sorted(m for m in actions if m not in ("options", "head"))
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return ["get"]
    return [
        m
        for m in cls.http_method_names
        if m not in ("options", "head", "trace") and callable(getattr(cls, m, None))
    ]


def view_name(callback) -> str:
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    target = cls or callback
    return f"{target.__module__}.{target.__qualname__}"


_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")  # path("x/<str:ref>/")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)")  # re_path / DRF routers: (?P<pk>[^/.]+)


def route_params(route: str) -> list[tuple[str | None, str]]:
    return _PATH_PARAM.findall(route) + [(None, n) for n in _REGEX_PARAM.findall(route)]


def fill(route: str, kwargs: dict) -> str:
    """'api/v1/x/<str:ref>/' + {'ref': 'A'} → '/api/v1/x/A/' (also regex routes)."""

    def value(name):
        if name not in kwargs:
            pytest.fail(f"{route}: the registry's kwargs() gave no value for <{name}>")
        return str(kwargs[name])

    url = _PATH_PARAM.sub(lambda m: value(m.group(2)), route)
    url = _REGEX_PARAM.sub(lambda m: value(m.group(1)), url)
    return "/" + url.replace("^", "").replace("$", "")


def placeholder_kwargs(route: str) -> dict:
    return {
        name: "00000000-0000-0000-0000-000000000000" if conv == "uuid" else "1"
        for conv, name in route_params(route)
    }


def snapshot(obj) -> dict | None:
    model = type(obj)
    row = model._default_manager.filter(pk=obj.pk).first()
    return None if row is None else model_to_dict(row)


ALL_ROUTES = api_routes()


def test_the_walk_sees_the_api():
    assert "api/v1/me/" in ALL_ROUTES, "the URL conf walk found no /api/v1/ routes"


def test_every_registry_entry_is_a_real_route():
    stale = sorted(set(ROUTES) - set(ALL_ROUTES))
    assert not stale, (
        f"{REGISTRY} lists routes that no longer exist: {stale}. Remove or rename them."
    )


@pytest.mark.parametrize("route", sorted(ALL_ROUTES))
def test_partner_b_never_reaches_partner_a_objects(route, partner_api):
    callback = ALL_ROUTES[route]
    entry = ROUTES.get(route)
    methods = view_methods(callback)
    if entry is None:
        pytest.fail(
            f"\nThe API route '{route}' ({view_name(callback)}, methods {methods}) has no entry "
            f"in {REGISTRY}.\nEvery /api/v1/ route must declare how its objects belong to a "
            f"partner so this walk can prove partner B gets 404 on partner A's objects. Add e.g.\n"
            f'    "{route}": Item(make_thing, kwargs=lambda obj: {{...}}),   # detail/action\n'
            f'    "{route}": Collection(make_thing, row_id=lambda obj: obj.reference),  # list\n'
            f"or StaffOnly(reason) / NotTenantData(reason) for routes partners cannot use or "
            f"that hold no partner data. `make_thing(partner)` creates one object owned by "
            f"that partner.",
            pytrace=False,
        )
    client_a, client_b = partner_api(), partner_api()
    partner_a, partner_b = client_a.partner, client_b.partner

    if isinstance(entry, NotTenantData):
        assert entry.reason, f"{route}: say why it holds no partner data"
        if "get" in methods:
            assert client_b.get(fill(route, placeholder_kwargs(route))).status_code < 500
        return

    if isinstance(entry, StaffOnly):
        url = fill(route, placeholder_kwargs(route))
        for method in methods:
            response = getattr(client_b, method)(url, {}, format="json")
            assert response.status_code == 403, (
                f"{method.upper()} {url}: a partner key got {response.status_code}; "
                f"StaffOnly routes must refuse partner keys with 403"
            )
        return

    obj_a, obj_b = entry.make(partner_a), entry.make(partner_b)

    if isinstance(entry, Collection):
        url = fill(route, {})
        response = client_b.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        ids = {row["id"] for row in rows}
        assert entry.row_id(obj_b) in ids, f"{url}: B's own row is missing, check row_id()"
        assert entry.row_id(obj_a) not in ids, f"{url}: partner B sees partner A's row"
        return

    assert isinstance(entry, Item), f"{route}: unknown registry entry {entry!r}"
    url_a = fill(route, entry.kwargs(obj_a))
    if "get" in methods:
        control = client_a.get(url_a)
        assert control.status_code == 200, (
            f"control: partner A could not GET its own object at {url_a} "
            f"({control.status_code}); fix make()/kwargs() in the registry"
        )
    before = snapshot(obj_a)
    for method in methods:
        body = entry.body(obj_a) if method in WRITE_METHODS else None
        response = getattr(client_b, method)(url_a, body, format="json")
        assert response.status_code == 404, (
            f"{method.upper()} {url_a} with partner B's key answered {response.status_code} "
            f"instead of 404: {response.content[:300]!r}. Look the object up inside "
            f"request.user.partner's queryset before anything else."
        )
        assert snapshot(obj_a) == before, f"{method.upper()} {url_a} changed partner A's object"
