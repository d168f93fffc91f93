"""Creating customer orders and customers, and giving an order its location (typed in or
geocoded)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize

from core.exceptions import (
    Conflict,
    ValidationFailed,
)
from core.references import reference_next
from inventory.models import Warehouse
from orders.models import (
    Customer,
    CustomerOrder,
    OrderEvent,
    OrderLine,
    Priority,
)
from orders.services.cleaning import (
    coordinates_clean,
    external_ref_check,
    order_lines_clean,
    skills_clean,
    warehouse_clean,
    windows_clean,
)
from orders.services.common import (
    EDITABLE_STATUSES,
    S,
    acting_user,
    order_event_add,
    order_lock,
    order_sync,
)
from orders.services.handover import handover_terms_clean
from orders.services.promises import promise_bind, promise_take
from partners.models import Partner


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
    warehouse: Warehouse | None,
    address: str,
    window_start: datetime | None,
    window_end: datetime | None,
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
    requires_pin: bool | None = None,
    cod_amount=None,
    cod_currency: str = "",
    delivery_option: str = "",
    user=None,
    now: datetime | None = None,
) -> CustomerOrder:
    """Create a new order with its lines; nothing is written unless every field is valid.

    `lines` are dicts `{product: Product, quantity: int, unit_price: Decimal = 0}` (the same
    product twice is merged). Coordinates are optional: without them the geocoder is asked
    (after commit, by a task) or, with none configured, the order is held as needing a location.
    A partner's duplicate `external_ref` raises Conflict (409) naming the existing order.

    With `delivery_option` (an option held for the caller, see orders.services.promises) the
    order keeps that promise: its warehouse, date and window come from the option (a different
    warehouse or window given is refused naming the field), the destination too when no
    coordinates are given, and the hold becomes this order's.
    """
    promise = None
    delivery_option = (delivery_option or "").strip()
    if delivery_option:
        promise = promise_take(option_id=delivery_option, partner=partner, lines=lines)
        if warehouse is not None and warehouse.pk != promise.warehouse.pk:
            raise ValidationFailed(
                f"The delivery option ships from {promise.warehouse.code}.", field="warehouse"
            )
        for name, given, promised in (
            ("window_start", window_start, promise.window_start),
            ("window_end", window_end, promise.window_end),
        ):
            if given is not None and given != promised:
                raise ValidationFailed(
                    "The delivery option sets the window; leave it out.", field=name
                )
        warehouse = promise.warehouse
        window_start, window_end = promise.window_start, promise.window_end
        if latitude is None and longitude is None:
            latitude, longitude = promise.latitude, promise.longitude
    warehouse = warehouse_clean(warehouse)
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
    clean_lines = order_lines_clean(lines)
    skills = skills_clean(required_skills)
    if priority not in Priority.values:
        raise ValidationFailed("Unknown priority.", field="priority")
    if isinstance(service_time_s, bool) or not isinstance(service_time_s, int):
        raise ValidationFailed("Service time is a whole number of seconds.", field="service_time_s")
    if not 0 <= service_time_s <= 4 * 3600:
        raise ValidationFailed("Service time is 0 to 14400 seconds.", field="service_time_s")
    external_ref = (external_ref or "").strip()
    if len(external_ref) > 100:
        raise ValidationFailed("At most 100 characters.", field="external_ref")
    external_ref_check(partner, external_ref)
    requires_pin, cod_amount, cod_currency = handover_terms_clean(
        partner=partner,
        requires_pin=requires_pin,
        cod_amount=cod_amount,
        cod_currency=cod_currency,
        currency=currency,
    )
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
                requires_pin=requires_pin,
                cod_amount=cod_amount,
                cod_currency=cod_currency,
                delivery_option=promise.option_id if promise else "",
                promised_date=promise.date if promise else None,
                promised_window_start=promise.window_start if promise else None,
                promised_window_end=promise.window_end if promise else None,
                created_by=acting_user(user),
            )
    except IntegrityError:
        # A concurrent request created the same partner reference between check and insert.
        external_ref_check(partner, external_ref)
        raise
    OrderLine.objects.bulk_create(
        [
            OrderLine(order=order, product=product, quantity=quantity, unit_price=price)
            for product, quantity, price in clean_lines
        ]
    )
    message = f"Order created with {len(clean_lines)} line{pluralize(len(clean_lines))}."
    data = {}
    if promise is not None:
        promise_bind(option_id=promise.option_id, order=order)
        message += f" Delivery promised on {promise.date.isoformat()}."
        data = {
            "delivery_option": promise.option_id,
            "promised_date": promise.date.isoformat(),
            "promised_window_start": promise.window_start.isoformat(),
            "promised_window_end": promise.window_end.isoformat(),
        }
    order_event_add(
        order=order, type=OrderEvent.Type.CREATED, message=message, data=data, user=user
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
    locked = order_lock(order)
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
    return order_sync(order, locked)


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
        locked = order_lock(order)
        if not locked.needs_location:
            return order_sync(order, locked)
        locked.location_note = (
            "The geocoder could not find this address: check it or set the point on the map."
        )
        locked.save(update_fields=["location_note", "updated_at"])
        order_event_add(
            order=locked, type=OrderEvent.Type.LOCATION_NEEDED, message=locked.location_note
        )
        return order_sync(order, locked)
