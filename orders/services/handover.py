"""Handing an order over at the door: the delivery PIN and cash on delivery (COD).

PIN rules:
- An order needs a PIN when created with `requires_pin=True`, or, when the request says
  nothing, when its partner's `requires_delivery_pin` is on.
- `pin_issue` makes a PIN of PIN_DIGITS digits with `secrets` when the order goes out for
  delivery and keeps only its Django password hash (salted, slow): the caller sends the PIN
  to the customer and forgets it. Staff, drivers and the API never see it or its hash.
- `pin_check` compares what the driver typed, in its own committed transaction so every
  attempt stays in the audit (`PinAttempt`: who, when typed, when checked, offline or not)
  even when the delivery is then refused. PIN_MAX_ATTEMPTS wrong PINs lock it ("locked, call
  dispatch"); a wrong PIN typed offline (checked when the phone reconnects) turns the delivery
  into "PIN failed". Both go on the order's timeline.
- `pin_override` lets a dispatcher release the PIN with a reason (timeline entry).

COD rules (`cod_collection_clean`, `cod_collect`): an order with `cod_amount` is delivered only
with the payment method (cash or card) and the amount collected; less than the amount is
refused (422 `cod_shortfall`; there is no partial collection: the driver fails the delivery
or calls dispatch), more is recorded as collected (the reconciliation shows the difference).
The collection publishes `order.cod_collected` (webhook) once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed
from orders.models import (
    CodCollection,
    CodMethod,
    CustomerOrder,
    DeliveryPin,
    OrderEvent,
    PinAttempt,
)
from orders.services.common import acting_user, order_event_add

PIN_DIGITS = 6
PIN_MAX_ATTEMPTS = 5
COD_MAX = Decimal("100000")
P = DeliveryPin.State


class PinLocked(Conflict):
    code = "pin_locked"
    title = "Delivery PIN locked"


class PinWrong(ValidationFailed):
    code = "pin_wrong"
    title = "Wrong delivery PIN"


def handover_terms_clean(
    *, partner, requires_pin: bool | None, cod_amount, cod_currency: str, currency: str
) -> tuple[bool, Decimal | None, str]:
    """The PIN requirement (None: the partner's default) and a valid COD amount/currency."""
    if requires_pin is None:
        requires_pin = bool(partner is not None and partner.requires_delivery_pin)
    if cod_amount in (None, ""):
        return bool(requires_pin), None, ""
    try:
        amount = Decimal(str(cod_amount))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Give the amount as a number.", field="cod_amount") from None
    if not amount.is_finite() or amount <= 0 or amount > COD_MAX:
        raise ValidationFailed(
            f"The amount to collect is more than 0 and at most {COD_MAX}.", field="cod_amount"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("At most two decimals.", field="cod_amount")
    code = (cod_currency or currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationFailed("A three-letter currency code, e.g. EUR.", field="cod_currency")
    return bool(requires_pin), amount, code


def _pin_row(order: CustomerOrder) -> DeliveryPin:
    DeliveryPin.objects.get_or_create(order=order)
    return DeliveryPin.objects.select_for_update().get(order=order)


@transaction.atomic
def pin_issue(*, order: CustomerOrder, sent_to: str = "", now: datetime | None = None) -> str:
    """A new PIN for an order that needs one and has none yet (else ""): only its hash is
    stored. Call it in the transaction that sends it, so a failed send issues none."""
    if not order.requires_pin:
        return ""
    row = _pin_row(order)
    if row.state != P.PENDING:
        return ""
    pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
    row.pin_hash = make_password(pin)
    row.state = P.SENT
    row.sent_at = now or timezone.now()
    row.sent_to = sent_to[:300]
    row.save(update_fields=["pin_hash", "state", "sent_at", "sent_to"])
    return pin


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    state: str
    attempts_left: int


@transaction.atomic
def _pin_check(*, order, pin, user, entered_at, entered_offline, now) -> PinCheck:
    row = _pin_row(order)
    if row.state in (P.VERIFIED, P.OVERRIDDEN):
        return PinCheck(True, row.state, PIN_MAX_ATTEMPTS - row.failed_attempts)
    if row.state == P.LOCKED:
        return PinCheck(False, row.state, 0)
    left = max(0, PIN_MAX_ATTEMPTS - row.failed_attempts)
    repeated = PinAttempt.objects.filter(order=order, entered_at=entered_at, is_correct=False)
    if entered_at and repeated.exists():
        # The same entry sent again (a retry after a lost response): counted once.
        return PinCheck(False, row.state, left)
    correct = bool(row.pin_hash) and check_password(pin, row.pin_hash)
    PinAttempt.objects.create(
        order=order,
        user=acting_user(user),
        entered_at=entered_at or now,
        checked_at=now,
        is_correct=correct,
        entered_offline=entered_offline,
    )
    if correct:
        row.state, row.verified_at = P.VERIFIED, now
        row.save(update_fields=["state", "verified_at"])
        return PinCheck(True, row.state, PIN_MAX_ATTEMPTS - row.failed_attempts)
    row.failed_attempts += 1
    if row.failed_attempts >= PIN_MAX_ATTEMPTS:
        row.state, row.locked_at = P.LOCKED, now
        order_event_add(
            order=order,
            type=OrderEvent.Type.PIN_LOCKED,
            message=f"Delivery PIN locked after {row.failed_attempts} wrong entries.",
            data={"failed_attempts": row.failed_attempts},
            user=user,
        )
    elif entered_offline:
        row.state = P.FAILED
        order_event_add(
            order=order,
            type=OrderEvent.Type.PIN_FAILED,
            message="The PIN the driver entered offline was wrong; the delivery is not recorded.",
            data={"failed_attempts": row.failed_attempts, "entered_at": entered_at},
            user=user,
        )
    row.save(update_fields=["state", "failed_attempts", "locked_at"])
    return PinCheck(False, row.state, max(0, PIN_MAX_ATTEMPTS - row.failed_attempts))


def pin_check(
    *,
    order: CustomerOrder,
    pin: str,
    user=None,
    entered_at: datetime | None = None,
    entered_offline: bool = False,
    now: datetime | None = None,
) -> DeliveryPin | None:
    """Check the PIN the driver typed before a delivery is recorded; None when the order needs
    none. The attempt is committed before anything is refused, so it is audited and counted
    (callers must not hold an open transaction). Raises PinLocked (409) once locked and
    PinWrong (422, field `pin`, with the attempts left) for a wrong or missing PIN."""
    if not order.requires_pin:
        return None
    now = now or timezone.now()
    row = DeliveryPin.objects.filter(order=order).first()
    open_states = (P.VERIFIED, P.OVERRIDDEN, P.LOCKED)
    pin = (pin or "").strip()
    if not pin and not (row and row.state in open_states):
        raise PinWrong("Ask the customer for the delivery PIN.", field="pin", code="required")
    well_formed = pin.isdigit() and len(pin) == PIN_DIGITS
    if pin and not well_formed and not (row and row.state in open_states):
        raise PinWrong(f"The PIN has {PIN_DIGITS} digits.", field="pin")
    result = _pin_check(
        order=order,
        pin=pin,
        user=user,
        entered_at=entered_at,
        entered_offline=entered_offline,
        now=now,
    )
    if result.state == P.LOCKED:
        raise PinLocked(
            "Delivery PIN locked after too many wrong entries: call dispatch.",
            field="pin",
            extra={"pin_state": result.state, "attempts_left": 0},
        )
    if not result.ok:
        detail = (
            "The PIN entered offline was wrong: PIN failed, the delivery is not recorded."
            if result.state == P.FAILED and entered_offline
            else f"Wrong PIN: {result.attempts_left} attempt(s) left."
        )
        raise PinWrong(
            detail,
            field="pin",
            code="pin_failed" if entered_offline else "pin_wrong",
            extra={"pin_state": result.state, "attempts_left": result.attempts_left},
        )
    return DeliveryPin.objects.get(order=order)


@transaction.atomic
def pin_override(*, order: CustomerOrder, user, reason: str) -> DeliveryPin:
    """A dispatcher releases the PIN (customer reached by phone, PIN lost, locked…): the driver
    may deliver without it. Needs a reason; recorded on the order's timeline."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the PIN is overridden.", field="reason", code="required")
    if not order.requires_pin:
        raise Conflict("This order needs no delivery PIN.", field="order", code="no_pin")
    row = _pin_row(order)
    if row.state in (P.VERIFIED, P.OVERRIDDEN):
        raise Conflict(
            f"The PIN is already {row.get_state_display().lower()}.",
            field="order",
            extra={"pin_state": row.state},
        )
    row.state = P.OVERRIDDEN
    row.overridden_at = timezone.now()
    row.overridden_by = acting_user(user)
    row.override_reason = reason[:300]
    row.save(update_fields=["state", "overridden_at", "overridden_by", "override_reason"])
    order_event_add(
        order=order,
        type=OrderEvent.Type.PIN_OVERRIDDEN,
        message=f"Delivery PIN overridden by dispatch: {reason[:300]}",
        data={"failed_attempts": row.failed_attempts},
        user=user,
    )
    return row


def pin_ready_check(*, order: CustomerOrder) -> None:
    """An order that needs a PIN is handed over only once the PIN was checked or released
    (409 `pin_required`)."""
    if not order.requires_pin:
        return
    state = DeliveryPin.objects.filter(order=order).values_list("state", flat=True).first()
    if state not in (P.VERIFIED, P.OVERRIDDEN):
        raise Conflict(
            "The customer's delivery PIN has not been checked: deliver it from the driver app, "
            "or release the PIN from the dispatch board first.",
            field="pin",
            code="pin_required",
            extra={"pin_state": state or P.PENDING},
        )


def handover_ready_check(*, order: CustomerOrder) -> None:
    """Before an order is marked delivered outside the driver app (the staff order page): its
    PIN was checked or released, and a cash-on-delivery payment was recorded (409)."""
    pin_ready_check(order=order)
    if order.cod_amount is not None and not CodCollection.objects.filter(order=order).exists():
        raise Conflict(
            f"{order.cod_amount} {order.cod_currency} is to be collected at the door: the "
            "driver records the payment in the driver app.",
            field="cod_amount",
            code="cod_not_collected",
        )


def cod_collection_clean(*, order: CustomerOrder, method: str, amount) -> tuple[str, Decimal]:
    """What the driver says was collected, checked against the order: the method and an amount
    not below `cod_amount`. Orders without COD take neither."""
    method = (method or "").strip()
    given = amount not in (None, "")
    if order.cod_amount is None:
        if method or given:
            raise ValidationFailed(
                "This order has no cash on delivery to collect.", field="cod_method"
            )
        return "", Decimal("0")
    if method not in CodMethod.values:
        raise ValidationFailed(
            f"Say how the customer paid {order.cod_amount} {order.cod_currency}: cash or card.",
            field="cod_method",
            code="required",
        )
    if not given:
        raise ValidationFailed("Enter the amount collected.", field="cod_amount", code="required")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Enter the amount as a number.", field="cod_amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("Enter the amount with at most two decimals.", field="cod_amount")
    if value < order.cod_amount:
        raise ValidationFailed(
            f"{value} is less than the {order.cod_amount} {order.cod_currency} to collect: "
            "collect the full amount, or record a failed delivery and call dispatch.",
            field="cod_amount",
            code="cod_shortfall",
            extra={"expected": str(order.cod_amount), "currency": order.cod_currency},
        )
    return method, value


def cod_collect(
    *, order: CustomerOrder, method: str, amount, user=None, at: datetime | None = None
) -> CodCollection | None:
    """Record the payment in the delivery's transaction and publish `order.cod_collected`.
    Once per order: a repeated call returns the first collection."""
    method, value = cod_collection_clean(order=order, method=method, amount=amount)
    if order.cod_amount is None:
        return None
    existing = CodCollection.objects.filter(order=order).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    collection = CodCollection.objects.create(
        order=order,
        method=method,
        amount=value,
        currency=order.cod_currency,
        collected_at=at,
        collected_by=acting_user(user),
    )
    order_event_add(
        order=order,
        type=OrderEvent.Type.COD_COLLECTED,
        message=f"Collected {value} {order.cod_currency} by {CodMethod(method).label.lower()}.",
        data={
            "cod_amount": str(order.cod_amount),
            "collected_amount": str(value),
            "currency": order.cod_currency,
            "method": method,
            "collected_at": at,
        },
        user=user,
        at=at,
    )
    return collection
