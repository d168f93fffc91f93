"""Shared plumbing: timestamps, document numbers, idempotency records, the events outbox."""

from django.conf import settings
from django.db import models


def created_by_field() -> models.ForeignKey:
    """Who created a document: a user, forgotten (NULL) when the user is deleted, with no reverse
    accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )


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
    # The partner an event is addressed to (its webhooks); a lazy reference, so core imports
    # nothing from the partners app.
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
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


class FailedTask(models.Model):
    """Dead letter: a Celery task that failed for good (its retries used up, or no retry
    policy). Written by core.dead_letter; staff see it and may send it again."""

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255, db_index=True)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    retries = models.PositiveIntegerField(default=0, help_text="Retries before it gave up.")
    exception = models.TextField()
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resent_at = models.DateTimeField(null=True, blank=True)
    resent_task_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}]"
