"""FUZZ-1: schemathesis runs all its checks against the whole /api/v1/ schema, in-process (WSGI),
with a partner key holding every scope. Bounded: a few examples per operation, fixed seed.

Positive (schema-valid) requests may still meet a business rule the schema cannot express
(an expiry must lie in the future, a URL must resolve publicly): those answer 422 problem
details, so 422 is accepted for them alongside the library's defaults.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings

from core.api_keys import api_key_create
from core.models import ApiKey
from core.portal.services import partner_scopes_set
from tests.factories import PartnerFactory

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260101,
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            },
        },
    }
)


def load_schema():
    raw = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )
    schema = schemathesis.openapi.from_dict(raw, config=CONFIG)
    schema.app = get_wsgi_application()
    return schema


schema = load_schema()


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
    case.call_and_validate(headers={"Authorization": f"Bearer {partner_key}"})
