"""Holding a delivery option, handing it to the order created with it, and expiring holds.

Rules:
- Reserving re-checks the option under locks: one PostgreSQL advisory lock per depot day and
  per depot product, taken in a fixed order inside the transaction, so two reservations of the
  last unit or the last slot place run one after the other and the second sees the first's
  hold (409). The hold lasts PROMISING_HOLD_S.
- An order created with the hold's reference (`delivery_option`) takes it: it must be the same
  caller's, still held, and the order's lines within the items held; the hold becomes `used`
  and names the order. The order keeps the promised date and window (orders stores them).
- Holds past their expiry stop counting at once (every read filters on `expires_at`); the beat
  task `promising.tasks.reservations_expire` marks them expired.
"""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed
from core.references import reference_next
from inventory.models import Product, Warehouse
from orders.services.promises import PromiseTaken
from promising import conf
from promising.models import PromiseReservation, PromiseReservationLine
from promising.selectors import (
    Destination,
    Item,
    depot_days,
    depot_rules,
    option_unsign,
    slot_fits,
    stock_readiness,
)
from promising.selectors.quality import leg
from promising.selectors.quotes import quotes_forget

LOCK_NAMESPACE = zlib.crc32(b"promising") & 0x7FFF


def _lock(*keys: tuple[str, int, int]) -> None:
    """Transaction-scoped advisory locks, always taken in the same order (no deadlocks)."""
    with connection.cursor() as cursor:
        for kind, a, b in sorted(set(keys)):
            key = (LOCK_NAMESPACE << 48) | (zlib.crc32(kind.encode()) & 0xFF) << 40
            key |= (a & 0xFFFFF) << 20 | (b & 0xFFFFF)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def delivery_option_reserve(
    *, option_id: str, partner=None, now: dt.datetime | None = None
) -> PromiseReservation:
    """Hold an option's slot and stock for PROMISING_HOLD_S. Another caller's option is
    unknown (404); an option that no longer fits (stock or slot taken meanwhile) is 409 with
    the reason."""
    now = now or timezone.now()
    data = option_unsign(option_id)
    if data.get("p") != (partner.pk if partner is not None else None):
        from core.exceptions import NotFound

        raise NotFound("Unknown delivery option.", field="option_id")
    warehouse = Warehouse.objects.select_related("promise_settings").filter(code=data["w"]).first()
    if warehouse is None or not warehouse.is_active:
        raise Conflict("The depot of this option no longer delivers.", field="option_id")
    date = dt.date.fromisoformat(data["d"])
    start = dt.datetime.fromisoformat(data["s"])
    end = dt.datetime.fromisoformat(data["e"])
    products = Product.objects.in_bulk([pk for pk, _ in data["i"]])
    items = [
        Item(products[pk], quantity)
        for pk, quantity in data["i"]
        if pk in products and products[pk].is_active
    ]
    if len(items) != len(data["i"]):
        raise Conflict("A product of this option is no longer sold.", field="option_id")
    destination = Destination(Decimal(data["la"]), Decimal(data["lo"]))
    rules = depot_rules(warehouse)
    with transaction.atomic():
        _lock(
            ("slot", warehouse.pk, date.toordinal()),
            *(("stock", warehouse.pk, item.product.pk) for item in items),
        )
        today = now.astimezone(warehouse.tzinfo).date()
        readiness = stock_readiness(warehouse=warehouse, items=items, today=today, now=now)
        short = [r for r in readiness if r.ready_date is None or r.ready_date > date]
        if short:
            raise Conflict(
                "The stock for this option is no longer available; ask for options again.",
                field="option_id",
                code="stock_taken",
                extra={
                    "shortfall": [
                        {"sku": r.item.product.sku, "available": max(r.available_now, 0)}
                        for r in short
                    ]
                },
            )
        (day,) = depot_days(rules=rules, start=date, days=1, now=now)
        slot = next((s for s in day.slots if s.start == start and s.end == end), None)
        depart = day.first_start.astimezone(warehouse.tzinfo) if day.first_start else start
        _, leg_s = leg(rules, destination, depart.hour * 3600 + depart.minute * 60)
        if slot is None or not slot_fits(slot, day, leg_s=leg_s):
            raise Conflict(
                "This delivery slot is full now; ask for options again.",
                field="option_id",
                code="slot_taken",
            )
        reservation = PromiseReservation.objects.create(
            reference=reference_next(prefix="DO"),
            partner=partner,
            warehouse=warehouse,
            date=date,
            window_start=start,
            window_end=end,
            latitude=destination.latitude,
            longitude=destination.longitude,
            cost=Decimal(data["c"]),
            currency=data.get("cu", "EUR"),
            confidence=float(data["q"]),
            expires_at=now + dt.timedelta(seconds=conf.get("PROMISING_HOLD_S")),
        )
        warehouse_pk = warehouse.pk
        # Now for this transaction's own reads, and after commit for everyone's (a quote
        # computed meanwhile would otherwise keep the state before the hold).
        quotes_forget(warehouse_pk)
        transaction.on_commit(lambda: quotes_forget(warehouse_pk))
        PromiseReservationLine.objects.bulk_create(
            PromiseReservationLine(
                reservation=reservation, product=item.product, quantity=item.quantity
            )
            for item in items
        )
    return reservation


@transaction.atomic
def reservations_expire(*, now: dt.datetime | None = None) -> int:
    """Mark holds past their expiry as expired (they already stopped counting); safe to run
    twice. Returns how many expired."""
    now = now or timezone.now()
    expired = PromiseReservation.objects.filter(
        status=PromiseReservation.Status.HELD, expires_at__lte=now
    )
    depots = set(expired.values_list("warehouse_id", flat=True))
    count = expired.update(status=PromiseReservation.Status.EXPIRED, updated_at=now)
    for pk in depots:
        quotes_forget(pk)
        transaction.on_commit(lambda pk=pk: quotes_forget(pk))
    return count


class _PromiseProvider:
    """How orders take a hold (orders.services.promises); called inside order_create."""

    def take(self, *, option_id: str, partner, lines: list) -> PromiseTaken:
        now = timezone.now()
        reservation = (
            PromiseReservation.objects.select_for_update()
            .select_related("warehouse")
            .filter(reference=option_id)
            .first()
        )
        partner_pk = partner.pk if partner is not None else None
        if reservation is None or reservation.partner_id != partner_pk:
            raise ValidationFailed(
                "Unknown delivery option: reserve one first.",
                field="delivery_option",
                code="not_found",
            )
        if reservation.status == PromiseReservation.Status.USED:
            raise Conflict(
                f"This delivery option was used by order {reservation.order.reference}.",
                field="delivery_option",
                code="used",
            )
        if reservation.status != PromiseReservation.Status.HELD or reservation.expires_at <= now:
            raise Conflict(
                "This delivery option's hold has expired; ask for options again.",
                field="delivery_option",
                code="expired",
            )
        held = dict(reservation.lines.values_list("product_id", "quantity"))
        wanted: dict[int, int] = {}
        for line in lines:
            product = line.get("product")
            if isinstance(product, Product) and isinstance(line.get("quantity"), int):
                wanted[product.pk] = wanted.get(product.pk, 0) + line["quantity"]
        for index, line in enumerate(lines):
            product = line.get("product")
            if not isinstance(product, Product):
                continue  # order_create names unknown products itself
            if product.pk not in held:
                raise ValidationFailed(
                    "This product is not in the delivery option.",
                    field=f"lines[{index}].product",
                )
            if wanted[product.pk] > held[product.pk]:
                raise ValidationFailed(
                    f"The delivery option holds {held[product.pk]} of {product.sku}.",
                    field=f"lines[{index}].quantity",
                )
        return PromiseTaken(
            option_id=reservation.reference,
            warehouse=reservation.warehouse,
            date=reservation.date,
            window_start=reservation.window_start,
            window_end=reservation.window_end,
            latitude=reservation.latitude,
            longitude=reservation.longitude,
        )

    def bind(self, *, option_id: str, order) -> None:
        PromiseReservation.objects.filter(reference=option_id).update(
            status=PromiseReservation.Status.USED, order=order, updated_at=timezone.now()
        )


PROMISE_PROVIDER = _PromiseProvider()
