"""Shared plumbing: timestamps, document numbers, partners, API keys, idempotency, outbox."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DocumentSequence(models.Model):
    """Last number handed out per document prefix and year (see core.references)."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="uniq_document_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"


class Partner(TimeStampedModel):
    """A shop, marketplace or 3PL client integrating through the API."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

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

    def __str__(self) -> str:
        return f"{self.partner} · {self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """A claimed Idempotency-Key and the response it produced (core.idempotency)."""

    scope = models.CharField(max_length=64)  # "partner:<id>" or "user:<id>": keys never collide
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotency_scope_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change that caused it."""

    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_undispatched_idx",
                condition=models.Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"
