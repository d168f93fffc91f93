"""FUZZ-1: schemathesis runs all its checks against the whole /api/v1/ schema, in-process (WSGI),
with a partner key holding every scope. Bounded: a few examples per operation, fixed seed.

Positive (schema-valid) requests may still meet a business rule the schema cannot express
(an expiry must lie in the future, a URL must resolve publicly): those answer 422 problem
details, so 422 is accepted for them alongside the library's defaults.
"""

import json
import re
from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings

from core.permissions import HasRole, HasScope
from partners.models import ApiKey
from partners.services.accounts import partner_scopes_set
from partners.services.api_keys import api_key_create
from tests.factories import PartnerFactory

SEED = 20260101
METHODS = ("get", "post", "put", "patch", "delete")


def partner_forbidden(path: str, method: str) -> bool:
    """True when no API key scope reaches the operation (staff or driver sessions only): the
    permission check answers 403 before the input is even parsed."""
    match = resolve(re.sub(r"\{[^}]+\}", "0", path))
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    permissions = getattr(view_class, "permission_classes", [])
    if HasScope in permissions:
        return method.upper() not in view_class().required_scopes
    return HasRole in permissions


def load_schema():
    raw = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )
    forbidden = sorted(
        f"{method.upper()} {path}"
        for path, item in raw["paths"].items()
        for method in item
        if method in METHODS and partner_forbidden(path, method)
    )
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
                },
            },
            # The coverage phase sends every boundary and type variant of every field (~400
            # requests for a product PUT). Where the key can never pass the permission check
            # they all meet the same 403, so those operations keep only the generated examples,
            # and the test asserts that 403 (PARTNER_FORBIDDEN) so a scope added later brings
            # the full coverage phase back instead of going unnoticed.
            "operations": [{"include-name": forbidden, "phases": {"coverage": {"enabled": False}}}],
        }
    )
    schema = schemathesis.openapi.from_dict(raw, config=config)
    schema.app = get_wsgi_application()
    return schema, frozenset(forbidden)


schema, PARTNER_FORBIDDEN = load_schema()


@pytest.fixture
def in_process_requests():
    """Like Django's test client: keep the test's DB connection open across WSGI requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def partner_key(db, settings, in_process_requests):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # generated hosts are never resolved
    settings.API_RATE_LIMIT = "100000/min"
    partner = PartnerFactory()
    partner_scopes_set(partner=partner, allowed_scopes=list(ApiKey.Scope.values))
    _key, raw = api_key_create(partner=partner, name="contract", scopes=list(ApiKey.Scope.values))
    return raw


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_honours_its_schema(case, partner_key):
    response = case.call_and_validate(headers={"Authorization": f"Bearer {partner_key}"})
    if case.operation.label in PARTNER_FORBIDDEN:
        assert stopped_before_the_view(response), (
            f"{case.operation.label} answered a partner key {response.status_code}: it is now "
            f"reachable with a scope, so partner_forbidden() must not skip its coverage phase"
        )


def stopped_before_the_view(response) -> bool:
    """Refused by authentication/permissions, or a URL that no route matches."""
    if response.status_code in (401, 403):
        return True
    path = unquote(urlsplit(response.request.url).path)
    try:
        resolve(path)
    except Resolver404:
        return response.status_code == 404
    return False
