"""Driver actions: start the route, arrive, deliver with proof, fail with a reason, skip.

Every action is idempotent at the service level (a stop already in the target state is
returned unchanged: no second event, no second email) and atomic: the stop status (routing's
`stop_status_set`), the StopEvent, the proof of delivery, the order transition (orders services,
which append the timeline and publish the domain event) and the ETA errors commit together.
After commit the route's ETAs are recomputed at once and the customer's page is refreshed
(tracking.subscriptions, on routing's `stop.status_changed` and orders' events).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets

from django.core.files.base import ContentFile
from django.db import transaction

from core.exceptions import Conflict, ValidationFailed
from orders.models import FailureReason, OrderStatus
from orders.services import (
    cod_collect,
    order_deliver,
    order_fail,
    order_out_for_delivery,
    pin_ready_check,
)
from routing.models import Route, Stop, StopStatus
from routing.services import stop_status_set
from routing.services.plans import route_ref
from tracking import clock, conf
from tracking.models import ProofOfDelivery, RouteEta, StopEvent
from tracking.services.eta import route_etas_refresh, stop_reached_record

# Magic numbers of the image types a phone produces; anything else is refused.
IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)


class BadUpload(ValidationFailed):
    """An uploaded file that is too large, empty or not an image: 400, naming the field."""

    status = 400
    code = "bad_upload"
    title = "Bad upload"


def _image_ext(head: bytes) -> str | None:
    for magic, ext in IMAGE_SIGNATURES:
        if head.startswith(magic):
            return ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def upload_clean(upload, *, field: str, max_bytes: int) -> ContentFile:
    """A JPEG/PNG/WebP of at most `max_bytes`, renamed to a random name."""
    size = getattr(upload, "size", None)
    if size is None or size == 0:
        raise BadUpload("The file is empty.", field=field)
    if size > max_bytes:
        raise BadUpload(f"The file is larger than {max_bytes // 1024} KiB.", field=field)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise BadUpload(f"The file is larger than {max_bytes // 1024} KiB.", field=field)
    ext = _image_ext(data[:16])
    if ext is None:
        raise BadUpload("Upload a JPEG, PNG or WebP image.", field=field, code="bad_type")
    return ContentFile(data, name=f"{secrets.token_urlsafe(18)}.{ext}")


def signature_from_data_url(value: str, *, field: str = "signature") -> ContentFile:
    """The canvas's `data:image/png;base64,...` as an image file."""
    header, _, payload = (value or "").partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise BadUpload("The signature must be a data:image/...;base64 URL.", field=field)
    max_bytes = conf.get("TRACKING_SIGNATURE_MAX_BYTES")
    if len(payload) > max_bytes * 4 // 3 + 4:
        raise BadUpload(f"The signature is larger than {max_bytes // 1024} KiB.", field=field)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadUpload("The signature is not valid base64.", field=field) from exc
    return upload_clean(ContentFile(data), field=field, max_bytes=max_bytes)


def _locked_stop(stop: Stop) -> Stop:
    return (
        Stop.objects.select_for_update(of=("self",))
        .select_related("order__warehouse", "order__customer", "route__vehicle__depot", "ret")
        .get(pk=stop.pk)
    )


def route_start(*, route: Route, user=None, now: dt.datetime | None = None) -> Route:
    """The driver leaves the depot: ETAs are computed, then every order still planned on the
    route goes out for delivery (orders service: timeline, `order.out_for_delivery` event and
    an email carrying the ETA window), and the first stop is announced as next. Repeatable."""
    now = now or clock.now()
    with transaction.atomic():
        state, _ = RouteEta.objects.get_or_create(route=route)
        state = RouteEta.objects.select_for_update().get(pk=state.pk)
        if state.started_at is None:
            state.started_at = now
            state.save(update_fields=["started_at"])
        route_etas_refresh(route_id=route.pk, now=now)
        stops = (
            Stop.objects.filter(route=route, status=StopStatus.PLANNED)
            .select_related("order", "route__plan", "route__vehicle")
            .order_by("sequence")
        )
        ref = route_ref(route)
        started = False
        for stop in stops:
            if stop.order.status == OrderStatus.PLANNED:
                order_out_for_delivery(order=stop.order, user=user, route_ref=ref)
                started = True
        if started:
            route_etas_refresh(route_id=route.pk, now=now)
    return route


def _ensure_started(stop: Stop, user, now: dt.datetime) -> None:
    """A driver who acts on a stop without pressing "start" has started the route."""
    if stop.order.status == OrderStatus.PLANNED:
        route_start(route=stop.route, user=user, now=now)
        stop.order.refresh_from_db(fields=["status"])


def _event(stop: Stop, type: str, *, at, user, reason="", note="", latitude=None, longitude=None):
    StopEvent.objects.get_or_create(
        stop=stop,
        type=type,
        defaults={
            "at": at,
            "reason": reason,
            "note": (note or "")[:500],
            "latitude": latitude,
            "longitude": longitude,
            "user": user if getattr(user, "is_authenticated", False) else None,
        },
    )


_LEAVE_EVENT = {
    StopStatus.DELIVERED: StopEvent.Type.DELIVERED,
    StopStatus.FAILED: StopEvent.Type.FAILED,
}


def _leave(stop: Stop, status: str, *, at, user, place=(None, None), **event) -> Stop:
    """Record the driver leaving the stop with `status` (routing's stop status; the arrival
    too when the driver never marked it) and its stop event (`place`: latitude, longitude;
    `event`: reason, note)."""
    reached_before = stop.arrived_at is not None
    stop = stop_status_set(stop=stop, status=status, at=at)
    stop = _locked_stop(stop)
    if not reached_before:
        stop_reached_record(stop=stop, arrived_at=stop.arrived_at)
    lat, lon = place
    _event(stop, _LEAVE_EVENT[status], at=at, user=user, latitude=lat, longitude=lon, **event)
    return stop


def _position(latitude, longitude) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("latitude and longitude must be numbers.", field="latitude") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed("The position is out of range.", field="latitude")
    return lat, lon


def stop_arrive(
    *, stop: Stop, user=None, at: dt.datetime | None = None, latitude=None, longitude=None
) -> Stop:
    """planned → arrived. Already arrived (or completed): unchanged."""
    at = at or clock.now()
    lat, lon = _position(latitude, longitude)
    with transaction.atomic():
        stop = _locked_stop(stop)
        if stop.status != StopStatus.PLANNED:
            return stop
        _ensure_started(stop, user, at)
        stop = stop_status_set(stop=stop, status=StopStatus.ARRIVED, at=at)
        stop = _locked_stop(stop)
        _event(stop, StopEvent.Type.ARRIVED, at=at, user=user, latitude=lat, longitude=lon)
        stop_reached_record(stop=stop, arrived_at=stop.arrived_at)
    return stop


def stop_deliver(
    *,
    stop: Stop,
    user=None,
    recipient_name: str = "",
    photo=None,
    signature=None,
    note: str = "",
    at: dt.datetime | None = None,
    latitude=None,
    longitude=None,
    cod_method: str = "",
    cod_amount=None,
) -> Stop:
    """Delivered, with proof: a recipient name, a photo and/or a signature (at least one).
    The order is delivered through the orders service (stock shipped, timeline, event, email).
    An order that needs a PIN must have passed `stop_handover_check` (or dispatch's override)
    first (409 `pin_required`); a cash-on-delivery order records the payment (orders'
    `cod_collect`, which refuses a shortfall). Already delivered: unchanged (the retry of a
    lost response)."""
    at = at or clock.now()
    lat, lon = _position(latitude, longitude)
    recipient_name = (recipient_name or "").strip()[:200]
    photo_file = (
        upload_clean(photo, field="photo", max_bytes=conf.get("TRACKING_POD_MAX_BYTES"))
        if photo
        else None
    )
    if isinstance(signature, str):
        signature_file = signature_from_data_url(signature) if signature else None
    elif signature:
        signature_file = upload_clean(
            signature, field="signature", max_bytes=conf.get("TRACKING_SIGNATURE_MAX_BYTES")
        )
    else:
        signature_file = None
    with transaction.atomic():
        stop = _locked_stop(stop)
        if stop.status == StopStatus.DELIVERED:
            return stop
        if stop.is_pickup:
            return _pickup_collect(stop, user=user, note=note, at=at, latitude=lat, longitude=lon)
        if not (recipient_name or photo_file or signature_file):
            raise ValidationFailed(
                "Proof of delivery needs the recipient's name, a photo or a signature.",
                field="recipient_name",
                code="required",
            )
        pin_ready_check(order=stop.order)
        _ensure_started(stop, user, at)
        stop = _leave(stop, StopStatus.DELIVERED, at=at, user=user, note=note, place=(lat, lon))
        pod = ProofOfDelivery(
            stop=stop,
            order=stop.order,
            recipient_name=recipient_name,
            latitude=lat,
            longitude=lon,
            delivered_at=at,
        )
        if photo_file:
            pod.photo.save(photo_file.name, photo_file, save=False)
        if signature_file:
            pod.signature.save(signature_file.name, signature_file, save=False)
        pod.save()
        cod_collect(order=stop.order, method=cod_method, amount=cod_amount, user=user, at=at)
        order_deliver(order=stop.order, at=at, user=user, note=note)
    return stop


def _pickup_collect(stop: Stop, *, user, note: str, at, latitude, longitude) -> Stop:
    """A return's items collected: no proof of delivery (nothing was delivered) and no order
    transition; routing's stop status puts the return in transit (orders' return services)."""
    return _leave(
        stop, StopStatus.DELIVERED, at=at, user=user, note=note, place=(latitude, longitude)
    )


def _reason_clean(reason: str) -> str:
    if reason not in FailureReason.values:
        raise ValidationFailed(
            f"Choose a reason: one of {', '.join(FailureReason.values)}.", field="reason"
        )
    return reason


def stop_fail(
    *,
    stop: Stop,
    reason: str,
    user=None,
    note: str = "",
    at: dt.datetime | None = None,
    latitude=None,
    longitude=None,
) -> Stop:
    """The delivery was attempted and failed for `reason` (orders FailureReason); the order
    becomes failed (its goods stay reserved for a new attempt). Already failed: unchanged."""
    at = at or clock.now()
    reason = _reason_clean(reason)
    lat, lon = _position(latitude, longitude)
    with transaction.atomic():
        stop = _locked_stop(stop)
        if stop.status == StopStatus.FAILED:
            return stop
        _ensure_started(stop, user, at)
        stop = _leave(
            stop, StopStatus.FAILED, at=at, user=user, reason=reason, note=note, place=(lat, lon)
        )
        if not stop.is_pickup:  # a failed pickup leaves the delivered order as it is
            order_fail(order=stop.order, reason=reason, at=at, user=user, note=note)
    return stop


def stop_skip(
    *, stop: Stop, reason: str = FailureReason.OUT_OF_TIME, user=None, note: str = "", at=None
) -> Stop:
    """The driver will not visit this stop on this route (not attempted): the stop is skipped
    and the order fails with `reason` so the dispatcher can reschedule it. Already skipped:
    unchanged; an arrived stop cannot be skipped (409; fail it instead)."""
    at = at or clock.now()
    reason = _reason_clean(reason)
    with transaction.atomic():
        stop = _locked_stop(stop)
        if stop.status == StopStatus.SKIPPED:
            return stop
        if stop.status == StopStatus.ARRIVED:
            raise Conflict(
                "The driver is at this stop: record a failed delivery instead of skipping.",
                field="status",
                extra={"current_state": stop.status},
            )
        _ensure_started(stop, user, at)
        stop = stop_status_set(stop=stop, status=StopStatus.SKIPPED, at=at)
        stop = _locked_stop(stop)
        _event(stop, StopEvent.Type.SKIPPED, at=at, user=user, reason=reason, note=note)
        if stop.is_pickup:
            return stop
        order_fail(
            order=stop.order,
            reason=reason,
            at=at,
            user=user,
            note=("Skipped by the driver. " + note).strip(),
        )
    return stop
