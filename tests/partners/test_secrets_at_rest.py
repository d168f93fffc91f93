"""Webhook signing secrets are encrypted at rest (core.crypto, WEBHOOK_SECRET_KEYS): the column
never holds the secret, deliveries still verify with `standardwebhooks` after a key rotation,
and the migration encrypts secrets written before it."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from core.crypto import secrets_reencrypt
from partners.models import WebhookEndpoint
from partners.services.webhooks.endpoints import webhook_endpoint_create
from partners.services.webhooks.signing import request_headers
from tests.factories import PartnerFactory

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
pytestmark = pytest.mark.usefixtures("allow_loopback")  # no DNS here: skip the target check

SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="


def _raw(endpoint) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret, previous_secret FROM core_webhookendpoint WHERE id = %s",
            [endpoint.pk],
        )
        return cursor.fetchone()


def _verified(endpoint, secret: str) -> dict:
    body = b'{"type":"order.delivered","data":{}}'
    headers = request_headers(endpoint=endpoint, msg_id="msg_1", body=body, now=timezone.now())
    return Webhook(secret).verify(body, headers)


@pytest.mark.django_db
def test_secret_is_encrypted_in_the_database_and_plain_in_python(settings):
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    endpoint, secret = webhook_endpoint_create(
        partner=PartnerFactory(), url="https://hooks.example.com/x"
    )
    stored, _previous = _raw(endpoint)
    assert secret.startswith("whsec_") and secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    assert Fernet(OLD_KEY.encode()).decrypt(stored.encode()).decode() == secret
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret


@pytest.mark.django_db
def test_rotating_the_key_keeps_deliveries_signed_correctly(settings):
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    endpoint, secret = webhook_endpoint_create(
        partner=PartnerFactory(), url="https://hooks.example.com/x"
    )
    # New key in front: rows written with the old one still open and still sign.
    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY, OLD_KEY]
    assert _verified(WebhookEndpoint.objects.get(pk=endpoint.pk), secret)["type"] == (
        "order.delivered"
    )
    assert secrets_reencrypt(WebhookEndpoint, "secret", "previous_secret") == 1
    Fernet(NEW_KEY.encode()).decrypt(_raw(endpoint)[0].encode())  # now under the new key
    # The old key retired: everything still verifies with the partner's unchanged secret.
    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY]
    assert _verified(WebhookEndpoint.objects.get(pk=endpoint.pk), secret)
    # A key set that opens nothing fails loudly instead of signing with garbage.
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    with pytest.raises(ImproperlyConfigured):
        WebhookEndpoint.objects.get(pk=endpoint.pk)


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_secrets(settings):
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    before = [("partners", "0003_optimizations_scopes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    partner = old.get_model("partners", "Partner").objects.create(code="legacy", name="Legacy")
    row = old.get_model("partners", "WebhookEndpoint").objects.create(
        public_id="we_legacy", partner=partner, url="https://hooks.example.com/l", secret=SECRET
    )
    assert _raw(row)[0] == SECRET
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    stored, previous = _raw(row)
    assert SECRET not in stored and previous == ""
    endpoint = WebhookEndpoint.objects.get(pk=row.pk)
    assert endpoint.secret == SECRET
    assert _verified(endpoint, SECRET)
