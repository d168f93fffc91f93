"""Tracking: position pings, stop events, proof of delivery, ETA history and errors,
notifications, ratings, customer delivery instructions.

Invariants the database enforces: one ping per vehicle and instant (duplicates are dropped on
insert); coordinates in range; one proof of delivery per stop; one ETA state per route and per
stop; one notification per (order, kind, key) — so "once per event" holds under retried tasks;
one rating per order, 1..5.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel


def _in_range(lat: str, lon: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{lat}__gte": -90, f"{lat}__lte": 90, f"{lon}__gte": -180})
        & Q(**{f"{lon}__lte": 180}),
        name=name,
    )


class PositionPing(models.Model):
    """Where a vehicle was at `time` (as the phone or telematics unit reported it)."""

    vehicle = models.ForeignKey("routing.Vehicle", on_delete=models.CASCADE, related_name="pings")
    route = models.ForeignKey(
        "routing.Route", on_delete=models.SET_NULL, null=True, blank=True, related_name="pings"
    )
    time = models.DateTimeField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    speed_kmh = models.FloatField(null=True, blank=True)
    heading_deg = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["vehicle", "-time"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle", "time"], name="uniq_ping_vehicle_time"),
            _in_range("latitude", "longitude", "ping_coordinates_in_range"),
        ]
        indexes = [
            # The unique constraint's index serves (vehicle, time) lookups; this one the pruning.
            models.Index(fields=["time"], name="ping_time_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.vehicle_id} @ {self.time:%H:%M:%S} ({self.latitude:.5f},{self.longitude:.5f})"
        )


class StopEvent(models.Model):
    """A driver's action on a stop, as it happened (the append-only log behind the stop status)."""

    class Type(models.TextChoices):
        ARRIVED = "arrived", "Arrived"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    stop = models.ForeignKey("routing.Stop", on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=10, choices=Type.choices)
    at = models.DateTimeField()
    reason = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=500, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # A stop is arrived at, and completed, once: a replayed action cannot add a second row.
            models.UniqueConstraint(fields=["stop", "type"], name="uniq_stop_event_type"),
        ]

    def __str__(self) -> str:
        return f"{self.stop_id} {self.type} @ {self.at:%H:%M}"


def pod_upload_to(instance: ProofOfDelivery, filename: str) -> str:
    # Random names: the file's URL is shown to the customer and must not be guessable.
    return f"pod/{instance.delivered_at:%Y/%m}/{filename}"


class ProofOfDelivery(models.Model):
    stop = models.OneToOneField("routing.Stop", on_delete=models.CASCADE, related_name="pod")
    order = models.ForeignKey(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="proofs_of_delivery"
    )
    photo = models.FileField(upload_to=pod_upload_to, blank=True)
    signature = models.FileField(upload_to=pod_upload_to, blank=True)
    recipient_name = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    delivered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"POD {self.order_id} @ {self.delivered_at:%Y-%m-%d %H:%M}"


class RouteEta(models.Model):
    """The ETA engine's state for a route: when it last ran, on which ping, with what
    correction. `signature` (stop ids, order, statuses) tells the sweep the route changed."""

    route = models.OneToOneField("routing.Route", on_delete=models.CASCADE, related_name="eta")
    computed_at = models.DateTimeField(null=True, blank=True)
    ping_time = models.DateTimeField(null=True, blank=True)
    computations = models.PositiveIntegerField(default=0)
    speed_ratio = models.FloatField(default=1.0)
    signature = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ETA state of route {self.route_id}"


class StopEta(models.Model):
    """Tracking-side facts about a stop's ETA that routing's Stop has no column for: the late-risk
    flag, the window last told to the customer (to notice a move), and when the stop became next."""

    stop = models.OneToOneField("routing.Stop", on_delete=models.CASCADE, related_name="eta_state")
    is_late_risk = models.BooleanField(default=False)
    notified_low = models.DateTimeField(null=True, blank=True)
    notified_high = models.DateTimeField(null=True, blank=True)
    is_next = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"ETA state of stop {self.stop_id}"


class EtaRecord(models.Model):
    """One ETA given for a stop (kept when it moved materially, see TRACKING_ETA_HISTORY_*).
    `error_s` (actual arrival - eta) is filled in when the stop is reached."""

    stop = models.ForeignKey("routing.Stop", on_delete=models.CASCADE, related_name="eta_history")
    computed_at = models.DateTimeField()
    eta = models.DateTimeField()
    eta_low = models.DateTimeField()
    eta_high = models.DateTimeField()
    horizon_s = models.IntegerField()
    error_s = models.IntegerField(null=True, blank=True)
    # The re-centring applied (eta = the model's arrival + shift_s), so the engine learns
    # from the model's own errors (error_s + shift_s), not from its corrected ones.
    shift_s = models.IntegerField(default=0)

    class Meta:
        ordering = ["stop", "computed_at"]
        indexes = [models.Index(fields=["stop", "computed_at"], name="etarecord_stop_time_idx")]

    def __str__(self) -> str:
        return f"{self.stop_id}: {self.eta:%H:%M} (given {self.computed_at:%H:%M})"


class EtaErrorSample(models.Model):
    """The error of the ETA a customer was shown at one moment before the arrival, once the
    truth was known: the data the ETA windows are cut from. When a stop is reached, the ETA in
    force every few minutes before (back to the first one given) becomes one sample, so each
    arrival weighs the same at every horizon; `horizon_s` is how far ahead that ETA was then."""

    stop = models.ForeignKey("routing.Stop", on_delete=models.CASCADE, related_name="+")
    horizon_s = models.IntegerField()
    error_s = models.IntegerField()
    shift_s = models.IntegerField(default=0)  # as on the EtaRecord it scores
    arrived_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["horizon_s"], name="etaerror_horizon_idx")]

    def __str__(self) -> str:
        return f"{self.horizon_s}s ahead: {self.error_s:+d}s"


class EtaWindow(models.Model):
    """The ETA window for one horizon bucket on one day, as offsets from the model's arrival:
    cut from the errors of arrivals before that day only (so a day's windows are out of sample
    for it) to hold `coverage` of them, or the prior when too few arrivals were measured at
    that horizon (`arrivals` below the minimum; `is_prior`). `horizon_s` is where the window
    holds (the mean horizon of its errors); the engine interpolates between buckets."""

    day = models.DateField()
    horizon_from_s = models.PositiveIntegerField()  # the bucket: from here to the next row's
    horizon_s = models.PositiveIntegerField()
    coverage = models.FloatField()
    low_s = models.IntegerField()
    high_s = models.IntegerField()
    centre_s = models.IntegerField(default=0)  # the median error
    samples = models.PositiveIntegerField(default=0)
    arrivals = models.PositiveIntegerField(default=0)
    is_prior = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "horizon_from_s"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "horizon_from_s"], name="uniq_eta_window_bucket"
            ),
            models.CheckConstraint(
                condition=Q(low_s__lte=F("high_s")), name="eta_window_low_le_high"
            ),
            models.CheckConstraint(
                condition=Q(coverage__gt=0, coverage__lt=1), name="eta_window_coverage_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.horizon_s // 60} min: {self.low_s:+d}..{self.high_s:+d} s"


class LegSample(models.Model):
    """Observed vs predicted travel time of one leg: the speed ratio the engine learns per
    route, driver and hour of day."""

    route = models.ForeignKey("routing.Route", on_delete=models.CASCADE, related_name="+")
    driver = models.ForeignKey(
        "routing.Driver", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stop = models.OneToOneField("routing.Stop", on_delete=models.CASCADE, related_name="+")
    hour = models.PositiveSmallIntegerField()
    predicted_s = models.PositiveIntegerField()
    actual_s = models.PositiveIntegerField()
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"leg to {self.stop_id}: {self.actual_s}s / {self.predicted_s}s"


class Notification(models.Model):
    """A message sent (or being sent) to a customer. Unique per (order, kind, key): the row is
    written in the transaction of the event, so a retried task can never send twice."""

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", "Order confirmed"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        ETA_CHANGED = "eta_changed", "ETA window moved"
        ARRIVING = "arriving", "Arriving soon"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Delivery failed"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        # Handed to the mail server; if the worker died before `sent`, it may or may not have
        # gone out, and it is never sent again (at most once).
        SENDING = "sending", "Sending (outcome unknown if it stays)"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (no address)"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=64, default="", blank=True)
    channel = models.CharField(max_length=10, default="email")
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "key"], name="uniq_notification_order_kind_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.key} ({self.status})"


class Rating(TimeStampedModel):
    order = models.OneToOneField(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.score}/5"


class DeliveryInstruction(TimeStampedModel):
    """What the customer asked the driver (gate code, leave with neighbour…), added on the
    tracking page; shown to the driver next to the order's own instructions."""

    order = models.OneToOneField(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="customer_instruction"
    )
    text = models.CharField(max_length=500)

    def __str__(self) -> str:
        return f"{self.order_id}: {self.text[:40]}"


class CashHandIn(TimeStampedModel):
    """The cash a driver handed in at the depot at the end of a day, as staff counted it (one
    figure per driver, day and currency; recounting replaces it)."""

    driver = models.ForeignKey("routing.Driver", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["driver", "date", "currency"], name="uniq_cash_handin_driver_day"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="cash_handin_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.driver_id} {self.date}: {self.amount} {self.currency}"
