"""Partners, their API keys and scope grants, portal memberships, webhook endpoints, deliveries
and attempts.

These models moved from core without moving data: each keeps its table (`core_partner`, …).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from core.crypto import EncryptedTextField
from core.models import OutboxEvent, TimeStampedModel


class Partner(TimeStampedModel):
    """A shop, marketplace or 3PL client integrating through the API."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    requires_delivery_pin = models.BooleanField(
        default=False,
        help_text="New orders need the customer's delivery PIN at the door unless the order says.",
    )

    class Meta:
        db_table = "core_partner"

    def __str__(self) -> str:
        return self.name


class ApiKey(TimeStampedModel):
    """A partner's API key. Only a SHA-256 of the key is stored; the prefix identifies it."""

    class Scope(models.TextChoices):
        ORDERS_READ = "orders:read", "Read orders"
        ORDERS_WRITE = "orders:write", "Create and change orders"
        STOCK_READ = "stock:read", "Read stock"
        STOCK_WRITE = "stock:write", "Change stock"
        ROUTES_READ = "routes:read", "Read routes"
        ROUTES_WRITE = "routes:write", "Plan routes"
        PINGS_WRITE = "pings:write", "Send position pings"
        WEBHOOKS_MANAGE = "webhooks:manage", "Manage webhooks"
        OPTIMIZATIONS_READ = "optimizations:read", "Read route optimisations"
        OPTIMIZATIONS_WRITE = "optimizations:write", "Submit route optimisations"
        DELIVERY_OPTIONS_READ = "delivery_options:read", "Ask for delivery options (promises)"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(models.CharField(max_length=32, choices=Scope.choices), default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        db_table = "core_apikey"

    def __str__(self) -> str:
        return f"{self.partner} · {self.name} ({self.prefix}…)"


class PartnerMembership(TimeStampedModel):
    """A user who signs in to the partner portal on behalf of exactly one partner."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin (manages keys and webhooks)"
        VIEWER = "viewer", "Viewer (read only)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        db_table = "core_partnermembership"

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class PartnerAccess(TimeStampedModel):
    """The API scopes staff granted a partner: keys the partner creates itself stay within them."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="access")
    allowed_scopes = ArrayField(
        models.CharField(max_length=32, choices=ApiKey.Scope.choices), default=list, blank=True
    )

    class Meta:
        db_table = "core_partneraccess"

    def __str__(self) -> str:
        return f"{self.partner}: {', '.join(self.allowed_scopes) or 'no scopes'}"


class WebhookEndpoint(TimeStampedModel):
    """A partner's HTTPS receiver for domain events (Standard Webhooks).

    The signing secret must be kept to sign, so it is stored (encrypted); it is shown to the
    partner once.
    During a rotation the previous secret keeps signing too until `previous_secret_expires_at`.
    """

    public_id = models.CharField(max_length=32, unique=True)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # Encrypted at rest (core.crypto, keys from WEBHOOK_SECRET_KEYS); plain `whsec_…` in Python.
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    event_types = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        db_table = "core_webhookendpoint"

    def __str__(self) -> str:
        return f"{self.partner} → {self.url}"

    def accepts(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(TimeStampedModel):
    """One event for one endpoint; `msg_id` is the `webhook-id` header, stable across retries."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    msg_id = models.CharField(max_length=40, unique=True)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "core_webhookdelivery"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="uniq_delivery_per_event"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the delivery log a partner sees (no secrets in it)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    url = models.URLField(max_length=2000)
    started_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    request_headers = models.JSONField(default=dict)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)  # first 4 KiB
    error = models.CharField(max_length=500, blank=True)
    is_manual = models.BooleanField(default=False)

    class Meta:
        db_table = "core_webhookattempt"
        ordering = ["delivery_id", "number"]

    def __str__(self) -> str:
        return f"{self.delivery.msg_id} #{self.number}: {self.response_status or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class AuditEntry(models.Model):
    """Who did what to a partner, its API keys, granted scopes or webhook endpoints, and when.

    Written in the same transaction as the change (partners.services.audit); never edited."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="The username when it happened.")
    action = models.CharField(max_length=64, help_text="e.g. api_key.revoke")
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
