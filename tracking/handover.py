"""Reads for handover at the door: what the driver app shows about a stop's PIN and cash on
delivery (never the PIN or its hash), and the end-of-day cash reconciliation per driver.

Reconciliation, per driver, day (the plan's date) and currency:
- expected: the COD amounts of the driver's stops delivered that day;
- collected: what the driver recorded at the door, by cash and by card;
- handed in: the cash staff counted from the driver (tracking.CashHandIn), if counted yet;
- differences: collected minus expected, and handed in minus cash collected; a row with a
  difference or with cash not yet counted is flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from orders.models import CodCollection, DeliveryPin
from orders.services import PIN_MAX_ATTEMPTS
from routing.models import Driver, Stop, StopStatus
from tracking.models import CashHandIn

P = DeliveryPin.State
ZERO = Decimal("0.00")


def handover_display(order) -> dict:
    """The handover facts the driver sees for `order` (loaded with delivery_pin and
    cod_collection when possible): PIN needed and its state, attempts left, COD to collect."""
    pin = getattr(order, "delivery_pin", None) if order.requires_pin else None
    state = pin.state if pin else (P.PENDING if order.requires_pin else "")
    collection = getattr(order, "cod_collection", None) if order.cod_amount else None
    return {
        "requires_pin": order.requires_pin,
        "pin_state": state,
        "pin_state_label": P(state).label if state else "",
        "pin_needed": order.requires_pin and state in (P.PENDING, P.SENT, P.FAILED),
        "pin_locked": state == P.LOCKED,
        "pin_failed": state == P.FAILED,
        "pin_overridden": state == P.OVERRIDDEN,
        "attempts_left": PIN_MAX_ATTEMPTS - (pin.failed_attempts if pin else 0),
        "cod_amount": order.cod_amount,
        "cod_currency": order.cod_currency,
        "cod_collection": collection,
    }


def order_handover_record(*, order) -> dict:
    """For staff on the order page: the PIN's state and every entry (never the PIN or its
    hash), and the cash-on-delivery amount with what was collected."""
    return {
        "pin": DeliveryPin.objects.filter(order=order).select_related("overridden_by").first(),
        "attempts": list(order.pin_attempts.select_related("user").order_by("checked_at")),
        "collection": CodCollection.objects.filter(order=order)
        .select_related("collected_by")
        .first(),
    }


@dataclass
class CashRow:
    driver: Driver
    currency: str
    expected: Decimal = ZERO
    cash: Decimal = ZERO
    card: Decimal = ZERO
    orders: int = 0
    open_orders: int = 0
    handed_in: Decimal | None = None
    references: list[str] = field(default_factory=list)

    @property
    def collected(self) -> Decimal:
        return self.cash + self.card

    @property
    def collected_difference(self) -> Decimal:
        return self.collected - self.expected

    @property
    def cash_difference(self) -> Decimal | None:
        return None if self.handed_in is None else self.handed_in - self.cash

    @property
    def is_flagged(self) -> bool:
        return bool(self.collected_difference) or self.cash_difference != ZERO


def cash_reconciliation(*, date: dt.date) -> list[CashRow]:
    """One row per driver and currency with COD stops on `date` (see the module docstring)."""
    stops = (
        Stop.objects.filter(
            plan__date=date,
            route__driver__isnull=False,
            order__cod_amount__isnull=False,
            ret__isnull=True,  # a return's pickup collects no payment
        )
        .select_related("route__driver__user", "order__cod_collection")
        .order_by("route__driver__user__username", "order__reference")
    )
    rows: dict[tuple[int, str], CashRow] = {}
    for stop in stops:
        order, driver = stop.order, stop.route.driver
        row = rows.setdefault(
            (driver.pk, order.cod_currency), CashRow(driver=driver, currency=order.cod_currency)
        )
        row.orders += 1
        if stop.status != StopStatus.DELIVERED:
            row.open_orders += stop.status not in (StopStatus.FAILED, StopStatus.SKIPPED)
            continue
        row.expected += order.cod_amount
        row.references.append(order.reference)
        collection = getattr(order, "cod_collection", None)
        if collection is not None:
            if collection.method == collection.Method.CASH:
                row.cash += collection.amount
            else:
                row.card += collection.amount
    for handin in CashHandIn.objects.filter(date=date, driver_id__in={k[0] for k in rows}):
        row = rows.get((handin.driver_id, handin.currency))
        if row is not None:
            row.handed_in = handin.amount
    return sorted(rows.values(), key=lambda r: (r.driver.user.username, r.currency))
