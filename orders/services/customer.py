"""Customer order services: every change of a customer order goes through these functions.

Lifecycle (ORDER_TRANSITIONS; an invalid move raises InvalidTransition → 409 with the current and
allowed states):

    new → confirmed → picked → packed → planned → out_for_delivery → delivered
                                         ↑  planned → packed (removed from a plan)
    out_for_delivery → failed → packed (rescheduled for a new attempt) | cancelled (back to stock)
    new/confirmed/picked/packed/planned → cancelled

Stock is held in inventory per order line under `demand_ref = "<order reference>#<line pk>"`:
confirm reserves (all lines or none, unless a partial confirmation is asked for), pick moves the
units to the warehouse's dispatch location, deliver ships them; cancel releases every reservation
and moves picked units back to where they were picked from (ledger `release` + `transfer`).

Every transition appends an `OrderEvent` and publishes `order.<event>` through core.events in the
same transaction. Routing calls order_plan/order_unplan/order_out_for_delivery; tracking calls
order_arriving/order_deliver/order_fail.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.events import publish
from core.exceptions import (
    Conflict,
    InsufficientStock,
    ValidationFailed,
    assert_transition,
)
from core.references import reference_next
from inventory.models import Location, Product, StockMove, Warehouse
from inventory.selectors import reservations_for_demand, stock_available
from inventory.services import (
    reservations_release,
    stock_pick,
    stock_reserve,
    stock_ship,
    stock_transfer,
)
from orders.models import (
    Customer,
    CustomerOrder,
    DeliveryAttempt,
    FailureReason,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Parcel,
    PickWave,
    Priority,
    VehicleSkill,
)
from orders.selectors import order_shortfall
from partners.models import Partner

S = OrderStatus
ORDER_TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.PICKED, S.CANCELLED},
    S.PICKED: {S.PACKED, S.CANCELLED},
    S.PACKED: {S.PLANNED, S.CANCELLED},
    S.PLANNED: {S.OUT_FOR_DELIVERY, S.PACKED, S.CANCELLED},
    S.OUT_FOR_DELIVERY: {S.DELIVERED, S.FAILED},
    S.FAILED: {S.PACKED, S.CANCELLED},
    S.DELIVERED: set(),
    S.CANCELLED: set(),
}
# Statuses in which the delivery window / location may still change.
EDITABLE_STATUSES = {S.NEW, S.CONFIRMED, S.PICKED, S.PACKED, S.FAILED}
MAX_LINES = 200
MAX_PARCELS = 50
PARCEL_MAX_WEIGHT_KG = Decimal("30")
PARCEL_MAX_VOLUME_M3 = Decimal("0.25")
# Used when product master data has no weight/volume, so a parcel is never weightless.
FALLBACK_UNIT_WEIGHT_KG = Decimal("0.5")
FALLBACK_UNIT_VOLUME_M3 = Decimal("0.003")


# --- helpers ------------------------------------------------------------------------------------


def _user(user):
    return user if getattr(user, "is_authenticated", False) and hasattr(user, "groups") else None


def order_event_add(
    *,
    order: CustomerOrder,
    type: str,
    message: str = "",
    data: dict | None = None,
    user=None,
    ret=None,
    at: datetime | None = None,
    publish_event: bool = True,
) -> OrderEvent:
    """Append to the order's timeline and, unless told not to, publish `order.<type>`."""
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    event = OrderEvent.objects.create(
        order=order,
        ret=ret,
        type=type,
        at=at or timezone.now(),
        message=message[:500],
        data=data,
        user=_user(user),
    )
    if publish_event:
        prefix = "return" if type.startswith("return_") else "order"
        name = type.removeprefix("return_") if prefix == "return" else type
        payload = {
            "order": order.reference,
            "external_ref": order.external_ref,
            "status": order.status,
            "at": event.at,
            "message": event.message,
            **(data or {}),
        }
        if ret is not None:
            payload.update({"return": ret.reference, "return_status": ret.status})
        publish(f"{prefix}.{name}", payload, partner=order.partner)
    return event


def _locked(order: CustomerOrder) -> CustomerOrder:
    """Lock the order row (serialises every transition of one order) and return it fresh."""
    return (
        CustomerOrder.objects.select_for_update(of=("self",))
        .select_related("warehouse", "partner", "customer")
        .get(pk=order.pk)
    )


def _sync(target: CustomerOrder, source: CustomerOrder) -> CustomerOrder:
    """Copy the fresh row into the caller's instance so both agree after a service call."""
    for field in CustomerOrder._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return source


def _move(order: CustomerOrder, target: str, **fields) -> None:
    assert_transition(ORDER_TRANSITIONS, current=order.status, target=target, what="order")
    order.status = target
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", "updated_at", *fields])


def _lines(order: CustomerOrder) -> list[OrderLine]:
    """Lines in product order: every multi-line stock operation locks in the same order."""
    lines = list(order.lines.select_related("product").order_by("product_id", "pk"))
    for line in lines:
        line.order = order
    return lines


def _decimal(value, *, field: str, places: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed("Enter a number.", field=field) from None
    if not number.is_finite():
        raise ValidationFailed("Enter a number.", field=field)
    return number


def coordinates_clean(latitude, longitude, *, prefix: str = "") -> tuple[Decimal, Decimal] | None:
    """Both or neither; in range; not the (0, 0) placeholder. Returns None when both empty."""
    lat = _decimal(latitude, field=f"{prefix}latitude", places="0.000001")
    lon = _decimal(longitude, field=f"{prefix}longitude", places="0.000001")
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        missing = f"{prefix}latitude" if lat is None else f"{prefix}longitude"
        raise ValidationFailed("Give both latitude and longitude, or neither.", field=missing)
    errors = []
    if not -90 <= lat <= 90:
        errors.append(
            {
                "field": f"{prefix}latitude",
                "code": "out_of_range",
                "message": "Latitude must be between -90 and 90.",
            }
        )
    if not -180 <= lon <= 180:
        errors.append(
            {
                "field": f"{prefix}longitude",
                "code": "out_of_range",
                "message": "Longitude must be between -180 and 180.",
            }
        )
    if not errors and lat == 0 and lon == 0:
        errors.append(
            {
                "field": f"{prefix}latitude",
                "code": "null_island",
                "message": "0,0 is not a delivery location; give the real coordinates.",
            }
        )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return lat, lon


def windows_clean(
    *,
    window_start: datetime | None,
    window_end: datetime | None,
    window2_start: datetime | None = None,
    window2_end: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Windows are aware datetimes, start < end, end in the future; a 2nd window follows the 1st."""
    now = now or timezone.now()
    for start_name, end_name, start, end, required in (
        ("window_start", "window_end", window_start, window_end, True),
        ("window2_start", "window2_end", window2_start, window2_end, False),
    ):
        if start is None and end is None and not required:
            continue
        if start is None or end is None:
            raise ValidationFailed(
                "A delivery window needs a start and an end.",
                field=start_name if start is None else end_name,
                code="required",
            )
        for name, value in ((start_name, start), (end_name, end)):
            if not isinstance(value, datetime) or timezone.is_naive(value):
                raise ValidationFailed(
                    "Give a date and time with a time zone offset.", field=name, code="invalid"
                )
        if start >= end:
            raise ValidationFailed(
                "The window must start before it ends.", field=end_name, code="window_order"
            )
        if end <= now:
            raise ValidationFailed(
                "The window must end in the future.", field=end_name, code="window_past"
            )
        if end - start > timedelta(days=2):
            raise ValidationFailed(
                "A delivery window is at most 48 hours long.", field=end_name, code="window_long"
            )
    if window2_start is not None and window2_start < window_end:
        raise ValidationFailed(
            "The second window must start after the first one ends.",
            field="window2_start",
            code="window_overlap",
        )


def _skills_clean(skills: Iterable[str] | None) -> list[str]:
    skills = list(skills or [])
    unknown = sorted({s for s in skills if s not in VehicleSkill.values})
    if unknown:
        raise ValidationFailed(
            f"Unknown vehicle skill(s): {', '.join(unknown)}; "
            f"use {', '.join(VehicleSkill.values)}.",
            field="required_skills",
        )
    return sorted(set(skills))


def _lines_clean(lines: list[dict]) -> list[tuple[Product, int, Decimal]]:
    if not lines:
        raise ValidationFailed("An order needs at least one line.", field="lines", code="required")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines per order.", field="lines")
    merged: dict[int, list] = {}
    errors = []
    for index, line in enumerate(lines):
        product = line.get("product")
        quantity = line.get("quantity")
        price = line.get("unit_price") or Decimal("0")
        if not isinstance(product, Product) or product.pk is None:
            errors.append(
                {
                    "field": f"lines[{index}].product",
                    "code": "not_found",
                    "message": "Unknown product.",
                }
            )
            continue
        if not product.is_active:
            errors.append(
                {
                    "field": f"lines[{index}].product",
                    "code": "inactive",
                    "message": f"Product {product.sku} is no longer sold.",
                }
            )
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            errors.append(
                {
                    "field": f"lines[{index}].quantity",
                    "code": "min_value",
                    "message": "The quantity must be a whole number above 0.",
                }
            )
            continue
        try:
            price = Decimal(str(price)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            price = Decimal("-1")
        if price < 0:
            errors.append(
                {
                    "field": f"lines[{index}].unit_price",
                    "code": "min_value",
                    "message": "The unit price cannot be negative.",
                }
            )
            continue
        if product.pk in merged:
            merged[product.pk][1] += quantity
        else:
            merged[product.pk] = [product, quantity, price]
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return [tuple(v) for v in merged.values()]


def _warehouse_clean(warehouse) -> Warehouse:
    if not isinstance(warehouse, Warehouse) or warehouse.pk is None or not warehouse.is_active:
        raise ValidationFailed(
            "Unknown or inactive warehouse.", field="warehouse", code="not_found"
        )
    return warehouse


def _existing_duplicate(partner: Partner | None, external_ref: str) -> None:
    if not partner or not external_ref:
        return
    existing = CustomerOrder.objects.filter(partner=partner, external_ref=external_ref).first()
    if existing is not None:
        raise Conflict(
            f"Order {existing.reference} already has the external reference '{external_ref}'.",
            field="external_ref",
            code="duplicate",
            extra={"existing_reference": existing.reference},
        )


# --- creation and location ----------------------------------------------------------------------


@transaction.atomic
def customer_create(
    *,
    name: str,
    email: str = "",
    phone: str = "",
    address: str = "",
    partner: Partner | None = None,
) -> Customer:
    """A customer; with an e-mail the same partner's existing customer is reused (updated)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("The customer needs a name.", field="customer.name", code="required")
    email = (email or "").strip().lower()
    if email:
        customer, created = Customer.objects.get_or_create(
            partner=partner,
            email=email,
            defaults={"name": name[:200], "phone": phone[:40], "address": address},
        )
        if not created and (customer.name, customer.phone) != (name, phone or customer.phone):
            customer.name, customer.phone = name[:200], phone[:40] or customer.phone
            customer.save(update_fields=["name", "phone", "updated_at"])
        return customer
    return Customer.objects.create(
        partner=partner, name=name[:200], phone=phone[:40], address=address
    )


@transaction.atomic
def order_create(
    *,
    warehouse: Warehouse,
    address: str,
    window_start: datetime,
    window_end: datetime,
    lines: list[dict],
    customer: Customer | None = None,
    customer_name: str = "",
    customer_email: str = "",
    customer_phone: str = "",
    latitude=None,
    longitude=None,
    window2_start: datetime | None = None,
    window2_end: datetime | None = None,
    partner: Partner | None = None,
    external_ref: str = "",
    service_time_s: int = 300,
    priority: int = Priority.NORMAL,
    required_skills: Iterable[str] | None = None,
    instructions: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    currency: str = "EUR",
    user=None,
    now: datetime | None = None,
) -> CustomerOrder:
    """Create a new order with its lines; nothing is written unless every field is valid.

    `lines` are dicts `{product: Product, quantity: int, unit_price: Decimal = 0}` (the same
    product twice is merged). Coordinates are optional: without them the geocoder is asked
    (after commit, by a task) or, with none configured, the order is held as needing a location.
    A partner's duplicate `external_ref` raises Conflict (409) naming the existing order.
    """
    warehouse = _warehouse_clean(warehouse)
    address = (address or "").strip()
    if not address:
        raise ValidationFailed("A delivery address is required.", field="address", code="required")
    coordinates = coordinates_clean(latitude, longitude)
    windows_clean(
        window_start=window_start,
        window_end=window_end,
        window2_start=window2_start,
        window2_end=window2_end,
        now=now,
    )
    clean_lines = _lines_clean(lines)
    skills = _skills_clean(required_skills)
    if priority not in Priority.values:
        raise ValidationFailed("Unknown priority.", field="priority")
    if isinstance(service_time_s, bool) or not isinstance(service_time_s, int):
        raise ValidationFailed("Service time is a whole number of seconds.", field="service_time_s")
    if not 0 <= service_time_s <= 4 * 3600:
        raise ValidationFailed("Service time is 0 to 14400 seconds.", field="service_time_s")
    external_ref = (external_ref or "").strip()
    if len(external_ref) > 100:
        raise ValidationFailed("At most 100 characters.", field="external_ref")
    _existing_duplicate(partner, external_ref)
    if customer is None:
        customer = customer_create(
            name=customer_name or contact_name,
            email=customer_email or contact_email,
            phone=customer_phone or contact_phone,
            address=address,
            partner=partner,
        )
    elif partner is not None and customer.partner_id != partner.pk:
        raise ValidationFailed("Unknown customer.", field="customer", code="not_found")

    from orders.geocoding import geocoder_configured

    if coordinates:
        note = ""
    elif geocoder_configured():
        note = "Waiting for the geocoder to locate this address."
    else:
        note = "No coordinates were given and no geocoder is configured: set the point on the map."
    try:
        with transaction.atomic():
            order = CustomerOrder.objects.create(
                reference=reference_next(prefix="ORD"),
                partner=partner,
                external_ref=external_ref,
                customer=customer,
                warehouse=warehouse,
                address=address,
                latitude=coordinates[0] if coordinates else None,
                longitude=coordinates[1] if coordinates else None,
                location_note=note,
                contact_name=(contact_name or customer.name)[:200],
                contact_phone=(contact_phone or customer.phone)[:40],
                contact_email=contact_email or customer.email,
                window_start=window_start,
                window_end=window_end,
                window2_start=window2_start,
                window2_end=window2_end,
                service_time_s=service_time_s,
                priority=priority,
                required_skills=skills,
                instructions=(instructions or "").strip(),
                tracking_token=secrets.token_urlsafe(24),
                currency=currency,
                created_by=_user(user),
            )
    except IntegrityError:
        # A concurrent request created the same partner reference between check and insert.
        _existing_duplicate(partner, external_ref)
        raise
    OrderLine.objects.bulk_create(
        [
            OrderLine(order=order, product=product, quantity=quantity, unit_price=price)
            for product, quantity, price in clean_lines
        ]
    )
    order_event_add(
        order=order,
        type=OrderEvent.Type.CREATED,
        message=f"Order created with {len(clean_lines)} line(s).",
        user=user,
    )
    if not coordinates:
        if geocoder_configured():
            from orders.tasks import order_geocode_task

            order_pk = order.pk
            transaction.on_commit(lambda: order_geocode_task.delay(order_pk))
        else:
            order_event_add(
                order=order, type=OrderEvent.Type.LOCATION_NEEDED, message=note, user=user
            )
    return order


@transaction.atomic
def order_location_set(
    *, order: CustomerOrder, latitude, longitude, user=None, source: str = "manual"
) -> CustomerOrder:
    """Set the delivery point (map picker or geocoder) while the order is not yet on its way."""
    coordinates = coordinates_clean(latitude, longitude)
    if coordinates is None:
        raise ValidationFailed("Give latitude and longitude.", field="latitude", code="required")
    locked = _locked(order)
    if locked.status not in EDITABLE_STATUSES | {S.PLANNED}:
        raise Conflict(
            f"The location of a {locked.get_status_display().lower()} order cannot change.",
            field="status",
            extra={"current_state": locked.status},
        )
    locked.latitude, locked.longitude = coordinates
    locked.location_note = ""
    locked.save(update_fields=["latitude", "longitude", "location_note", "updated_at"])
    order_event_add(
        order=locked,
        type=OrderEvent.Type.LOCATION_SET,
        message=f"Location set ({source}): {coordinates[0]}, {coordinates[1]}.",
        data={"latitude": coordinates[0], "longitude": coordinates[1], "source": source},
        user=user,
    )
    return _sync(order, locked)


def order_geocode(*, order: CustomerOrder) -> CustomerOrder:
    """Ask the geocoder for an order still needing a location; safe to run twice.

    GeocoderUnavailable propagates (the task retries); "not found" holds the order as needing
    a location with a message a dispatcher can act on.
    """
    from orders.geocoding import geocode

    if not order.needs_location:
        return order
    result = geocode(order.address)  # outside the transaction: never hold locks over HTTP
    if result is not None:
        return order_location_set(
            order=order, latitude=result.latitude, longitude=result.longitude, source="geocoder"
        )
    with transaction.atomic():
        locked = _locked(order)
        if not locked.needs_location:
            return _sync(order, locked)
        locked.location_note = (
            "The geocoder could not find this address: check it or set the point on the map."
        )
        locked.save(update_fields=["location_note", "updated_at"])
        order_event_add(
            order=locked, type=OrderEvent.Type.LOCATION_NEEDED, message=locked.location_note
        )
        return _sync(order, locked)


# --- confirmation (stock reservation) -----------------------------------------------------------


@transaction.atomic
def order_confirm(*, order: CustomerOrder, allow_partial: bool = False, user=None) -> CustomerOrder:
    """new → confirmed: reserve every line through inventory, all lines or none.

    All lines are reserved in one transaction (lines in product order, so concurrent orders
    lock stock rows in the same order); if any line is short, every reservation made so far is
    rolled back and InsufficientStock (409) lists each short line (`shortfall`). With
    `allow_partial=True` (asked for by a partner or dispatcher) each line reserves what is
    available; the order is confirmed as partial unless nothing at all could be reserved.
    """
    locked = _locked(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.CONFIRMED, what="order")
    lines = _lines(locked)
    reserved: dict[int, int] = {}
    try:
        with transaction.atomic():
            for line in lines:
                want = line.quantity - line.quantity_reserved
                if allow_partial:
                    want = _reserve_partial(
                        line=line, want=want, warehouse=locked.warehouse, user=user
                    )
                elif want > 0:
                    stock_reserve(
                        product=line.product,
                        warehouse=locked.warehouse,
                        quantity=want,
                        demand_ref=line.demand_ref,
                        demand_id=line.pk,
                        user=_user(user),
                    )
                reserved[line.pk] = line.quantity_reserved + want
    except InsufficientStock:
        shortfall = order_shortfall(order=locked)
        index = {line.pk: i for i, line in enumerate(locked.lines.order_by("pk"))}
        names = ", ".join(f"{s['product']} (short by {s['shortfall']})" for s in shortfall)
        raise InsufficientStock(
            f"Not enough stock to confirm {locked.reference}: {names or 'stock changed, retry'}. "
            "Nothing was reserved.",
            errors=[
                {
                    "field": f"lines[{index[s['line']]}].quantity",
                    "code": "insufficient_stock",
                    "message": f"{s['product']}: {s['requested']} requested, "
                    f"{s['available']} available.",
                }
                for s in shortfall
            ]
            or [{"field": "lines", "code": "insufficient_stock", "message": "Stock changed."}],
            extra={"shortfall": shortfall},
        ) from None
    total = sum(reserved.values())
    if total == 0:
        raise InsufficientStock(
            f"Nothing of {locked.reference} is in stock; it stays new.",
            field="lines",
            extra={"shortfall": order_shortfall(order=locked)},
        )
    for line in lines:
        line.quantity_reserved = reserved[line.pk]
    OrderLine.objects.bulk_update(lines, ["quantity_reserved"])
    is_partial = any(line.quantity_reserved < line.quantity for line in lines)
    _move(locked, S.CONFIRMED, is_partial=is_partial, confirmed_at=timezone.now())
    order_event_add(
        order=locked,
        type=OrderEvent.Type.CONFIRMED,
        message="Confirmed as a partial order." if is_partial else "Stock reserved for all lines.",
        data={
            "partial": is_partial,
            "lines": [
                {
                    "product": line.product.sku,
                    "ordered": line.quantity,
                    "reserved": line.quantity_reserved,
                }
                for line in lines
            ],
        },
        user=user,
    )
    return _sync(order, locked)


def _reserve_partial(*, line: OrderLine, want: int, warehouse: Warehouse, user) -> int:
    """Reserve up to `want`; retries when a concurrent writer takes stock between read and lock."""
    for _attempt in range(5):
        take = min(want, stock_available(product=line.product, warehouse=warehouse))
        if take <= 0:
            return 0
        try:
            with transaction.atomic():
                stock_reserve(
                    product=line.product,
                    warehouse=warehouse,
                    quantity=take,
                    demand_ref=line.demand_ref,
                    demand_id=line.pk,
                    user=_user(user),
                )
            return take
        except InsufficientStock:
            continue
    return 0


# --- picking and packing ------------------------------------------------------------------------


def dispatch_location(warehouse: Warehouse) -> Location:
    location = (
        Location.objects.filter(warehouse=warehouse, kind=Location.Kind.DISPATCH, is_active=True)
        .order_by("code")
        .first()
    )
    if location is None:
        raise ValidationFailed(
            f"Warehouse {warehouse.code} has no active dispatch location to pick into.",
            field="warehouse",
            code="no_dispatch_location",
        )
    return location


@transaction.atomic
def pick_wave_create(
    *, warehouse: Warehouse, orders: Iterable[CustomerOrder] | None = None, user=None
) -> PickWave:
    """Group confirmed, not yet waved orders of one warehouse into a pick wave (one pick list).

    Without `orders`, takes every such order, earliest window first.
    """
    warehouse = _warehouse_clean(warehouse)
    qs = CustomerOrder.objects.select_for_update(of=("self",)).filter(
        warehouse=warehouse, status=S.CONFIRMED, pick_wave__isnull=True
    )
    if orders is not None:
        qs = qs.filter(pk__in=[o.pk for o in orders])
    chosen = list(qs.order_by("window_start", "pk"))
    if not chosen:
        raise ValidationFailed(
            f"No confirmed orders waiting to be picked in {warehouse.code}.",
            field="orders",
            code="empty",
        )
    wave = PickWave.objects.create(
        reference=reference_next(prefix="WAVE"), warehouse=warehouse, created_by=_user(user)
    )
    CustomerOrder.objects.filter(pk__in=[o.pk for o in chosen]).update(
        pick_wave=wave, updated_at=timezone.now()
    )
    for order in chosen:
        order.pick_wave = wave
        order_event_add(
            order=order,
            type=OrderEvent.Type.WAVED,
            message=f"Added to pick wave {wave.reference}.",
            user=user,
            publish_event=False,
        )
    return wave


@transaction.atomic
def order_pick(
    *, order: CustomerOrder, user=None, to_location: Location | None = None
) -> CustomerOrder:
    """confirmed → picked: every reserved unit moves to the dispatch location, still reserved."""
    locked = _locked(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.PICKED, what="order")
    to_location = to_location or dispatch_location(locked.warehouse)
    lines = _lines(locked)
    for line in lines:
        if line.quantity_reserved <= 0:
            continue
        stock_pick(demand_ref=line.demand_ref, to_location=to_location, user=_user(user))
        line.quantity_picked = line.quantity_reserved
    OrderLine.objects.bulk_update(lines, ["quantity_picked"])
    _move(locked, S.PICKED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PICKED,
        message=f"Picked to {to_location}.",
        data={"units": sum(line.quantity_picked for line in lines)},
        user=user,
    )
    return _sync(order, locked)


@transaction.atomic
def pick_wave_complete(*, wave: PickWave, user=None) -> PickWave:
    """Pick every still-confirmed order of the wave, then close it (safe to repeat)."""
    wave = PickWave.objects.select_for_update().get(pk=wave.pk)
    for order in wave.orders.filter(status=S.CONFIRMED).order_by("pk"):
        order_pick(order=order, user=user)
    if wave.status != PickWave.Status.DONE:
        wave.status = PickWave.Status.DONE
        wave.completed_at = timezone.now()
        wave.save(update_fields=["status", "completed_at", "updated_at"])
    return wave


def parcels_default(*, order: CustomerOrder) -> list[dict]:
    """Parcels computed from product weight/volume, split at 30 kg or 0.25 m³ per parcel."""
    weight = Decimal("0")
    volume = Decimal("0")
    for line in order.lines.select_related("product"):
        units = line.quantity_picked or line.quantity_reserved
        weight += units * (line.product.weight_kg or FALLBACK_UNIT_WEIGHT_KG)
        volume += units * (line.product.volume_m3 or FALLBACK_UNIT_VOLUME_M3)
    if weight <= 0 or volume <= 0:
        weight = max(weight, FALLBACK_UNIT_WEIGHT_KG)
        volume = max(volume, FALLBACK_UNIT_VOLUME_M3)
    count = max(
        1,
        math.ceil(weight / PARCEL_MAX_WEIGHT_KG),
        math.ceil(volume / PARCEL_MAX_VOLUME_M3),
    )
    count = min(count, MAX_PARCELS)
    each_w = (weight / count).quantize(Decimal("0.001"))
    each_v = (volume / count).quantize(Decimal("0.000001"))
    return [
        {"weight_kg": max(each_w, Decimal("0.001")), "volume_m3": max(each_v, Decimal("0.000001"))}
        for _ in range(count)
    ]


def _parcels_clean(parcels: list[dict]) -> list[tuple[Decimal, Decimal]]:
    if not parcels:
        raise ValidationFailed("Give at least one parcel.", field="parcels", code="required")
    if len(parcels) > MAX_PARCELS:
        raise ValidationFailed(f"At most {MAX_PARCELS} parcels.", field="parcels")
    out = []
    for index, parcel in enumerate(parcels):
        weight = _decimal(
            parcel.get("weight_kg"), field=f"parcels[{index}].weight_kg", places="0.001"
        )
        volume = _decimal(
            parcel.get("volume_m3"), field=f"parcels[{index}].volume_m3", places="0.000001"
        )
        if weight is None or not Decimal("0") < weight <= Decimal("1000"):
            raise ValidationFailed(
                "Weight must be above 0 and at most 1000 kg.", field=f"parcels[{index}].weight_kg"
            )
        if volume is None or not Decimal("0") < volume <= Decimal("10"):
            raise ValidationFailed(
                "Volume must be above 0 and at most 10 m³.", field=f"parcels[{index}].volume_m3"
            )
        out.append((weight, volume))
    return out


@transaction.atomic
def order_pack(
    *, order: CustomerOrder, parcels: list[dict] | None = None, user=None
) -> CustomerOrder:
    """picked → packed: record parcels (weight, volume, label); default from product data."""
    locked = _locked(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.PACKED, what="order")
    clean = _parcels_clean(parcels if parcels is not None else parcels_default(order=locked))
    start = locked.parcels.count()
    Parcel.objects.bulk_create(
        [
            Parcel(
                order=locked,
                label_code=f"{locked.reference}-{start + i + 1:02d}",
                weight_kg=weight,
                volume_m3=volume,
            )
            for i, (weight, volume) in enumerate(clean)
        ]
    )
    _move(locked, S.PACKED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PACKED,
        message=f"Packed into {len(clean)} parcel(s).",
        data={
            "parcels": len(clean),
            "weight_kg": sum(w for w, _ in clean),
            "volume_m3": sum(v for _, v in clean),
        },
        user=user,
    )
    return _sync(order, locked)


# --- routing and delivery (called by routing and tracking) --------------------------------------


@transaction.atomic
def order_plan(*, order: CustomerOrder, user=None, route_ref: str = "") -> CustomerOrder:
    """packed → planned (put on a route). Already planned: unchanged. Needs a location (409)."""
    locked = _locked(order)
    if locked.status == S.PLANNED:
        return _sync(order, locked)
    if locked.needs_location:
        raise Conflict(
            f"{locked.reference} has no coordinates yet; set its location before planning.",
            field="latitude",
            code="needs_location",
        )
    _move(locked, S.PLANNED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PLANNED,
        message=f"Planned on route {route_ref}." if route_ref else "Planned on a route.",
        data={"route": route_ref} if route_ref else {},
        user=user,
    )
    return _sync(order, locked)


@transaction.atomic
def order_unplan(*, order: CustomerOrder, user=None, reason: str = "") -> CustomerOrder:
    """planned → packed (removed from a plan or route). Already packed: unchanged."""
    locked = _locked(order)
    if locked.status == S.PACKED:
        return _sync(order, locked)
    _move(locked, S.PACKED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.UNPLANNED,
        message=reason or "Removed from its route.",
        user=user,
    )
    return _sync(order, locked)


@transaction.atomic
def order_out_for_delivery(
    *, order: CustomerOrder, user=None, route_ref: str = ""
) -> CustomerOrder:
    """planned → out_for_delivery (the vehicle left with it). Repeated calls change nothing."""
    locked = _locked(order)
    if locked.status == S.OUT_FOR_DELIVERY:
        return _sync(order, locked)
    _move(locked, S.OUT_FOR_DELIVERY)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.OUT_FOR_DELIVERY,
        message="Out for delivery.",
        data={"route": route_ref} if route_ref else {},
        user=user,
    )
    return _sync(order, locked)


@transaction.atomic
def order_arriving(
    *, order: CustomerOrder, eta: datetime | None = None, user=None
) -> CustomerOrder:
    """Timeline entry "arriving" (the driver is next); the status stays out_for_delivery."""
    locked = _locked(order)
    if locked.status != S.OUT_FOR_DELIVERY:
        raise Conflict(
            f"{locked.reference} is not out for delivery.",
            field="status",
            extra={"current_state": locked.status},
        )
    order_event_add(
        order=locked,
        type=OrderEvent.Type.ARRIVING,
        message="The driver is on the way to you.",
        data={"eta": eta} if eta else {},
        user=user,
    )
    return _sync(order, locked)


@transaction.atomic
def order_deliver(
    *, order: CustomerOrder, at: datetime | None = None, user=None, note: str = ""
) -> CustomerOrder:
    """out_for_delivery → delivered: ships the picked stock (ledger `ship`), records the attempt.

    Delivering an already delivered order changes nothing (a retried call is harmless).
    """
    locked = _locked(order)
    if locked.status == S.DELIVERED:
        return _sync(order, locked)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.DELIVERED, what="order")
    at = at or timezone.now()
    lines = _lines(locked)
    for line in lines:
        if line.quantity_picked > 0:
            stock_ship(demand_ref=line.demand_ref, user=_user(user))
        line.quantity_delivered = line.quantity_picked
    OrderLine.objects.bulk_update(lines, ["quantity_delivered"])
    DeliveryAttempt.objects.create(
        order=locked,
        attempted_at=at,
        outcome=DeliveryAttempt.Outcome.DELIVERED,
        note=note[:500],
        recorded_by=_user(user),
    )
    _move(locked, S.DELIVERED, delivered_at=at)
    order_event_add(
        order=locked, type=OrderEvent.Type.DELIVERED, message="Delivered.", user=user, at=at
    )
    return _sync(order, locked)


@transaction.atomic
def order_fail(
    *, order: CustomerOrder, reason: str, at: datetime | None = None, user=None, note: str = ""
) -> CustomerOrder:
    """out_for_delivery → failed with a reason (FailureReason); the goods stay reserved."""
    if reason not in FailureReason.values:
        raise ValidationFailed(
            f"Unknown failure reason; use one of {', '.join(FailureReason.values)}.",
            field="reason",
        )
    locked = _locked(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.FAILED, what="order")
    at = at or timezone.now()
    DeliveryAttempt.objects.create(
        order=locked,
        attempted_at=at,
        outcome=DeliveryAttempt.Outcome.FAILED,
        failure_reason=reason,
        note=note[:500],
        recorded_by=_user(user),
    )
    _move(locked, S.FAILED)
    label = FailureReason(reason).label
    order_event_add(
        order=locked,
        type=OrderEvent.Type.FAILED,
        message=f"Delivery failed: {label}." + (f" {note}" if note else ""),
        data={"reason": reason},
        user=user,
        at=at,
    )
    return _sync(order, locked)


@transaction.atomic
def order_reschedule(
    *,
    order: CustomerOrder,
    window_start: datetime,
    window_end: datetime,
    window2_start: datetime | None = None,
    window2_end: datetime | None = None,
    user=None,
    reason: str = "",
) -> CustomerOrder:
    """Give an order new delivery window(s).

    A failed order goes back to packed for a new attempt; orders not yet planned just get the
    new window. A planned order must be taken off its route first (409); later states too.
    """
    windows_clean(
        window_start=window_start,
        window_end=window_end,
        window2_start=window2_start,
        window2_end=window2_end,
    )
    locked = _locked(order)
    if locked.status not in EDITABLE_STATUSES:
        raise Conflict(
            f"A {locked.get_status_display().lower()} order cannot be rescheduled"
            + (" until it is removed from its route." if locked.status == S.PLANNED else "."),
            field="status",
            code="invalid_transition",
            extra={
                "current_state": locked.status,
                "allowed_states": sorted(EDITABLE_STATUSES),
            },
        )
    previous = {"window_start": locked.window_start, "window_end": locked.window_end}
    locked.window_start, locked.window_end = window_start, window_end
    locked.window2_start, locked.window2_end = window2_start, window2_end
    fields = ["window_start", "window_end", "window2_start", "window2_end"]
    if locked.status == S.FAILED:
        _move(locked, S.PACKED, **{f: getattr(locked, f) for f in fields})
    else:
        locked.save(update_fields=[*fields, "updated_at"])
    order_event_add(
        order=locked,
        type=OrderEvent.Type.RESCHEDULED,
        message=reason or "New delivery window.",
        data={
            "previous": previous,
            "window_start": window_start,
            "window_end": window_end,
        },
        user=user,
    )
    return _sync(order, locked)


@transaction.atomic
def order_cancel(*, order: CustomerOrder, reason: str = "", user=None) -> CustomerOrder:
    """Cancel until the order is out for delivery (and after a failed attempt: back to stock).

    Every reservation is released; units already picked go back from the dispatch location to
    the location they were picked from (ledger `release` + `transfer`), all in one transaction.
    """
    locked = _locked(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.CANCELLED, what="order")
    lines = _lines(locked)
    released = 0
    restocked = 0
    for line in lines:
        if line.quantity_reserved <= 0:
            continue
        picked = [
            r
            for r in reservations_for_demand(demand_ref=line.demand_ref, active_only=True)
            if r.state == r.State.PICKED
        ]
        released += reservations_release(
            demand_ref=line.demand_ref, user=_user(user), reason=reason or "Order cancelled"
        )
        restocked += _put_back_picked(line=line, picked=picked, user=user, reason=reason)
        line.quantity_reserved = 0
        line.quantity_picked = 0
    OrderLine.objects.bulk_update(lines, ["quantity_reserved", "quantity_picked"])
    _move(locked, S.CANCELLED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.CANCELLED,
        message=reason or "Cancelled.",
        data={"released_units": released, "restocked_units": restocked},
        user=user,
    )
    return _sync(order, locked)


def _put_back_picked(*, line: OrderLine, picked: list, user, reason: str) -> int:
    """Move released, formerly picked units from the dispatch location back to their origin."""
    if not picked:
        return 0
    origins = {
        move.to_stock_id: move.from_location
        for move in StockMove.objects.filter(
            reference=line.demand_ref, kind=StockMove.Kind.PICK
        ).select_related("from_location__warehouse")
    }
    moved = 0
    for reservation in picked:
        origin = origins.get(reservation.stock_id)
        if origin is None or origin.pk == reservation.stock.location_id or not origin.is_active:
            continue  # nothing to move back to: the units stay free at the dispatch location
        stock_transfer(
            stock=reservation.stock,
            to_location=origin,
            quantity=reservation.quantity,
            user=_user(user),
            reason=f"Back to stock: {reason or 'order cancelled'}",
            reference=line.demand_ref,
        )
        moved += reservation.quantity
    return moved
