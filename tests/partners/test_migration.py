"""A database at the release before the move (partner models in the core app) migrates to the
partners app without losing a row: tables, foreign keys, content types and API keys survive."""

import hashlib

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import OutboxEvent
from orders.models import Customer
from partners.models import (
    ApiKey,
    Partner,
    PartnerAccess,
    PartnerMembership,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

# The last migration with the partner models in core; unapplying every partners migration also
# unapplies what depends on them (orders.0007, core.0004: the state-only halves of the move).
BEFORE_MOVE = [("core", "0003_partner_integration"), ("partners", None)]
RAW_KEY = "wb_1e9ac700_a-key-issued-before-the-partners-app-existed"
SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection)  # a fresh loader sees what is applied now


def _seed_before_move(old):
    """Rows as the previous release wrote them, through its historical models."""
    OldUser = old.get_model("auth", "User")
    staff = OldUser.objects.create(username="legacy-staff")
    member = OldUser.objects.create(username="legacy-portal-user")
    partner = old.get_model("core", "Partner").objects.create(
        code="legacy", name="Legacy Shop", contact_email="ops@legacy.example"
    )
    old.get_model("core", "ApiKey").objects.create(
        partner=partner,
        name="Shop backend",
        prefix="1e9ac700",
        key_hash=hashlib.sha256(RAW_KEY.encode()).hexdigest(),
        scopes=["orders:read", "webhooks:manage"],
        created_by=staff,
    )
    old.get_model("core", "PartnerMembership").objects.create(
        user=member, partner=partner, role="admin"
    )
    old.get_model("core", "PartnerAccess").objects.create(
        partner=partner, allowed_scopes=["orders:read", "orders:write", "webhooks:manage"]
    )
    event = old.get_model("core", "OutboxEvent").objects.create(
        type="order.created", payload={"reference": "ORD-LEGACY"}, partner=partner
    )
    endpoint = old.get_model("core", "WebhookEndpoint").objects.create(
        public_id="ep_legacy",
        partner=partner,
        url="https://legacy.example/hooks",
        secret=SECRET,
        event_types=["order.created", "order.delivered"],
        created_by=staff,
    )
    delivery = old.get_model("core", "WebhookDelivery").objects.create(
        msg_id="msg_legacy",
        endpoint=endpoint,
        event=event,
        status="succeeded",
        attempts_count=1,
        delivered_at=timezone.now(),
    )
    old.get_model("core", "WebhookAttempt").objects.create(
        delivery=delivery,
        number=1,
        url=endpoint.url,
        started_at=timezone.now(),
        duration_ms=42,
        request_headers={"webhook-id": "msg_legacy"},
        response_status=200,
        response_body="ok",
    )
    old.get_model("orders", "Customer").objects.create(partner=partner, name="Legacy customer")


def test_a_database_with_partner_data_migrates_to_the_partners_app_without_losing_rows():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor = _migrate(BEFORE_MOVE)
        applied = list(executor.loader.applied_migrations)
        assert ("partners", "0001_initial") not in applied
        old = executor.loader.project_state(applied).apps
        assert {m._meta.db_table for m in old.get_app_config("core").get_models()} >= {
            "core_partner",
            "core_apikey",
            "core_webhookattempt",
        }
        _seed_before_move(old)
        # Permissions were granted on the old content type; the grant must follow the model.
        partner_type = ContentType.objects.get(app_label="core", model="partner")
        editors = Group.objects.create(name="partner editors")
        editors.permissions.add(partner_type.permission_set.get(codename="change_partner"))
    finally:
        _migrate(latest)  # leave the test database as every other test expects it

    partner = Partner.objects.get(code="legacy")
    assert (partner.name, partner.contact_email) == ("Legacy Shop", "ops@legacy.example")
    key = ApiKey.objects.get(prefix="1e9ac700")
    assert key.partner == partner and key.scopes == ["orders:read", "webhooks:manage"]
    assert key.created_by == User.objects.get(username="legacy-staff")
    membership = PartnerMembership.objects.get(user__username="legacy-portal-user")
    assert membership.partner == partner and membership.is_admin
    assert PartnerAccess.objects.get(partner=partner).allowed_scopes == [
        "orders:read",
        "orders:write",
        "webhooks:manage",
    ]
    endpoint = WebhookEndpoint.objects.get(public_id="ep_legacy")
    assert endpoint.partner == partner and endpoint.secret == SECRET
    assert endpoint.event_types == ["order.created", "order.delivered"]
    delivery = WebhookDelivery.objects.get(msg_id="msg_legacy")
    assert delivery.endpoint == endpoint and delivery.status == "succeeded"
    assert delivery.event == OutboxEvent.objects.get(partner=partner, type="order.created")
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.response_status, attempt.duration_ms) == (1, 200, 42)
    assert Customer.objects.get(name="Legacy customer").partner == partner
    assert list(partner.events.values_list("type", flat=True)) == ["order.created"]

    # The content type was relabelled, not recreated: same id, same permission grants.
    assert not ContentType.objects.filter(app_label="core", model="partner").exists()
    moved_type = ContentType.objects.get_for_model(Partner)
    assert moved_type.pk == partner_type.pk and moved_type.app_label == "partners"
    assert Group.objects.get(name="partner editors").permissions.get().codename == (
        "change_partner"
    )

    # The key issued before the move still authenticates, and the delivery log still shows.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RAW_KEY}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {
        "kind": "partner",
        "name": "Shop backend",
        "partner": "legacy",
        "scopes": ["orders:read", "webhooks:manage"],
        "roles": [],
    }
    log = client.get("/api/v1/webhook-deliveries/msg_legacy/").json()
    assert log["endpoint"] == "ep_legacy" and log["attempts"][0]["response_status"] == 200
