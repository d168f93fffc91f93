"""Handover at the door, tracking's part: the delivery PIN sent to the customer when the order
goes out for delivery (e-mail and SMS), the checks a driver's delivery must pass before it is
recorded (`stop_handover_check`), a dispatcher's PIN override, and the cash a driver hands in.

The rules themselves (hash, attempts, lock, shortfall) are orders' (orders.services.handover).
The PIN is generated inside the task that sends it and lives only in that task's memory and in
the messages: it is not in the Notification table (whose bodies are kept), the task arguments,
the logs (except the development console SMS provider's) or any page or API response.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from core.exceptions import ValidationFailed
from orders.models import CustomerOrder
from orders.services import cod_collection_clean, pin_check, pin_issue, pin_override
from routing.models import Driver, Stop, StopStatus
from tracking import clock
from tracking.display import window_text
from tracking.models import CashHandIn
from tracking.services.notifications import tracking_url
from tracking.sms import sms_send

logger = logging.getLogger(__name__)


def _mask_email(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""


def _mask_phone(number: str) -> str:
    digits = number.strip()
    return f"{digits[:3]}***{digits[-3:]}" if len(digits) > 6 else "***"


def delivery_pin_send(*, order_id: int) -> str:
    """Issue and send the PIN of an order that needs one (task body): e-mail to the order's
    contact (or customer) address and SMS to its phone through the configured provider. Sent at
    most once per order; a failure while sending rolls the PIN back, so the retry sends a
    fresh one. Without any address or phone the PIN stays unsent (dispatch can override)."""
    order = (
        CustomerOrder.objects.select_related("customer", "warehouse").filter(pk=order_id).first()
    )
    if order is None or not order.requires_pin:
        return "noop"
    email = order.contact_email or order.customer.email
    phone = order.contact_phone or order.customer.phone
    if not (email or phone):
        return "no_recipient"
    with transaction.atomic():
        sent_to = ", ".join(
            x for x in (_mask_email(email or ""), phone and _mask_phone(phone)) if x
        )
        pin = pin_issue(order=order, sent_to=sent_to, now=clock.now())
        if not pin:
            return "noop"
        ctx = {
            "order": order,
            "pin": pin,
            "name": order.contact_name or order.customer.name,
            "url": tracking_url(order),
            "window": window_text(order.window_start, order.window_end, order.warehouse.tzinfo),
        }
        if email:
            send_mail(
                f"Your delivery PIN for order {order.reference}",
                render_to_string("tracking/email/delivery_pin.txt", ctx),
                settings.DEFAULT_FROM_EMAIL,
                [email],
                fail_silently=False,
            )
        if phone:
            sms_send(
                to=phone,
                text=f"Waybill: your delivery PIN for {order.reference} is {pin}. "
                "Give it to the driver only at the door.",
            )
    return "sent"


def stop_handover_check(
    *,
    stop: Stop,
    user=None,
    pin: str = "",
    entered_offline: bool = False,
    at: dt.datetime | None = None,
    cod_method: str = "",
    cod_amount=None,
) -> None:
    """What a delivery needs before it is recorded, checked outside any transaction: the COD
    payment (method, no shortfall) first, then the PIN, whose attempt is committed (audited and
    counted) even when the delivery is then refused. A stop already delivered needs nothing
    (the retry of a lost response), nor does a return's pickup (nothing is handed over)."""
    if stop.status == StopStatus.DELIVERED or stop.is_pickup:
        return
    order = stop.order
    cod_collection_clean(order=order, method=cod_method, amount=cod_amount)
    pin_check(order=order, pin=pin, user=user, entered_at=at, entered_offline=entered_offline)


def stop_pin_override(*, stop: Stop, user, reason: str):
    """A dispatcher lets the driver deliver this stop without the PIN (with a reason)."""
    if stop.status in (StopStatus.DELIVERED, StopStatus.SKIPPED):
        raise ValidationFailed("This stop is already closed.", field="stop", code="closed")
    return pin_override(order=stop.order, user=user, reason=reason)


@transaction.atomic
def cash_handin_record(
    *, driver: Driver, date: dt.date, currency: str, amount, user=None, note: str = ""
) -> CashHandIn:
    """The cash staff counted from a driver at the end of `date` (replaces an earlier count)."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Enter the amount as a number.", field="amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("A non-negative amount with two decimals.", field="amount")
    if value > Decimal("1000000"):
        raise ValidationFailed("At most 1000000.", field="amount")
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationFailed("A three-letter currency code.", field="currency")
    row, _ = CashHandIn.objects.update_or_create(
        driver=driver,
        date=date,
        currency=currency,
        defaults={
            "amount": value,
            "note": (note or "")[:300],
            "recorded_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    return row
