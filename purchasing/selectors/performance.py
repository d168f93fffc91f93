"""Supplier performance: on-time, in-full and OTIF rates, lead times and price variance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from purchasing.models import PurchaseOrder, Supplier

Status = PurchaseOrder.Status
HUNDRED = Decimal(100)


@dataclass
class SupplierPerformance:
    supplier: Supplier
    orders: int = 0
    on_time: int = 0
    in_full: int = 0
    otif: int = 0
    with_due_date: int = 0
    lead_time_days: list[int] = field(default_factory=list)
    promised_lead_time_days: list[int] = field(default_factory=list)
    delay_days: list[int] = field(default_factory=list)
    paid: Decimal = Decimal("0")
    list_value: Decimal = Decimal("0")

    @staticmethod
    def _rate(part: int, whole: int) -> Decimal | None:
        return (Decimal(part) * HUNDRED / whole).quantize(Decimal("0.1")) if whole else None

    @staticmethod
    def _avg(values: list[int]) -> Decimal | None:
        return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1")) if values else None

    @property
    def on_time_rate(self) -> Decimal | None:
        """% of delivered orders completed on or before the promised (else expected) date."""
        return self._rate(self.on_time, self.with_due_date)

    @property
    def in_full_rate(self) -> Decimal | None:
        """% of delivered orders where every line arrived in the ordered quantity."""
        return self._rate(self.in_full, self.orders)

    @property
    def otif_rate(self) -> Decimal | None:
        return self._rate(self.otif, self.with_due_date)

    @property
    def avg_lead_time_days(self) -> Decimal | None:
        """Days from sending the order to the delivery that completed it."""
        return self._avg(self.lead_time_days)

    @property
    def avg_promised_lead_time_days(self) -> Decimal | None:
        return self._avg(self.promised_lead_time_days)

    @property
    def avg_delay_days(self) -> Decimal | None:
        """Lead-time accuracy: actual minus promised lead time, averaged (positive = late)."""
        return self._avg(self.delay_days)

    @property
    def price_variance_pct(self) -> Decimal | None:
        """What we paid against the supplier's list price when ordering, in % (+ = dearer)."""
        if not self.list_value:
            return None
        return ((self.paid - self.list_value) * HUNDRED / self.list_value).quantize(Decimal("0.01"))


def suppliers_performance(
    *,
    suppliers=None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[int, SupplierPerformance]:
    """Performance per supplier id over orders delivered (received or closed) whose completing
    delivery fell in [date_from, date_to] (local dates; open ends allowed).

    Per order: on time = completed on or before the due date (promised, else expected; orders
    with neither are left out of the on-time and OTIF rates); in full = every line received at
    least its ordered quantity (a cancelled remainder is not in full); lead time = completion
    date minus sent date, promised lead time = due date minus sent date.
    """
    qs = PurchaseOrder.objects.filter(
        status__in=(Status.RECEIVED, Status.CLOSED), received_at__isnull=False
    ).prefetch_related("lines")
    if suppliers is not None:
        qs = qs.filter(supplier__in=suppliers)
    supplier_rows = {
        s.pk: s for s in (suppliers if suppliers is not None else Supplier.objects.all())
    }
    if date_from:
        qs = qs.filter(received_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(received_at__date__lte=date_to)
    result = {pk: SupplierPerformance(supplier=s) for pk, s in supplier_rows.items()}
    for po in qs:
        perf = result.get(po.supplier_id)
        if perf is None:
            continue
        done = timezone.localdate(po.received_at)
        lines = list(po.lines.all())
        perf.orders += 1
        in_full = all(line.quantity_received >= line.quantity for line in lines)
        perf.in_full += in_full
        due = po.due_date
        if due is not None:
            perf.with_due_date += 1
            on_time = done <= due
            perf.on_time += on_time
            perf.otif += on_time and in_full
        if po.sent_at:
            sent = timezone.localdate(po.sent_at)
            perf.lead_time_days.append((done - sent).days)
            if due is not None:
                perf.promised_lead_time_days.append((due - sent).days)
                perf.delay_days.append((done - due).days)
        for line in lines:
            qty = Decimal(line.quantity_received or line.quantity)
            perf.paid += qty * line.unit_cost
            perf.list_value += qty * line.list_unit_cost
    return result


def supplier_performance(
    *, supplier: Supplier, date_from: date | None = None, date_to: date | None = None
) -> SupplierPerformance:
    return suppliers_performance(suppliers=[supplier], date_from=date_from, date_to=date_to)[
        supplier.pk
    ]
