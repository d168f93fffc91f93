"""Purchasing demo data: six suppliers with prices for the inventory demo catalogue, a year of
delivered purchase orders (some late, some short, so supplier performance differs), and current
orders in every status. Everything goes through the services (receipts post real stock moves);
only timestamps of the historical orders are moved into the past afterwards.

Idempotent: skipped once supplier SUP-FRESH exists; needs the inventory demo (BER/HAM) first.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from inventory.models import Product, Warehouse
from inventory.selectors import warehouse_get_by_code
from purchasing.models import PurchaseOrder, PurchaseOrderEvent, Supplier
from purchasing.services import (
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_reject,
    purchase_order_send,
    purchase_order_submit,
    supplier_product_set,
)

# code, name, lead time, (on-time probability, in-full probability), price factor, city
SUPPLIERS = [
    ("SUP-FRESH", "Fresh Farm Foods", 3, (0.92, 0.95), "1.00", "Potsdam"),
    ("SUP-HOME", "Home & Living GmbH", 7, (0.80, 0.90), "0.97", "Leipzig"),
    ("SUP-TECH", "Kitchen Tech AG", 10, (0.55, 0.85), "0.92", "Munich"),
    ("SUP-BULK", "Bulk Wholesale", 14, (0.70, 0.60), "0.85", "Rotterdam"),
    ("SUP-LOCAL", "Local Makers", 2, (0.95, 0.98), "1.15", "Berlin"),
    ("SUP-DISC", "Discount Direct", 12, (0.45, 0.50), "0.80", "Poznań"),
]
FOOD_SKUS = {f"WB-{i:04d}" for i in range(1, 11)}
PACKS = [1, 1, 6, 12]


def seed_purchasing(*, stdout=None) -> bool:
    if Supplier.objects.filter(code="SUP-FRESH").exists():
        return False
    if not Warehouse.objects.filter(code="BER").exists():
        return False
    users = get_user_model().objects
    buyer = users.filter(username="purchasing").first()
    approver = users.filter(username="approver").first()
    receiver = users.filter(username="warehouse").first() or buyer
    if buyer is None or approver is None:
        return False
    with transaction.atomic():
        suppliers = _suppliers()
        _history(suppliers, buyer=buyer, approver=approver, receiver=receiver)
        _current(suppliers, buyer=buyer, approver=approver, receiver=receiver)
    if stdout is not None:
        stdout.write(
            f"Purchasing: {Supplier.objects.count()} suppliers, "
            f"{PurchaseOrder.objects.count()} purchase orders."
        )
    return True


def _suppliers() -> dict[str, tuple[Supplier, tuple[float, float]]]:
    rng = random.Random(6)
    result = {}
    for code, name, lead, profile, factor, city in SUPPLIERS:
        supplier = Supplier.objects.create(
            code=code,
            name=name,
            contact_name=f"{name.split()[0]} Sales",
            contact_email=f"orders@{code.lower().replace('sup-', '')}.example.com",
            contact_phone="+49 30 5550" + str(len(result)),
            address=f"Industriestraße {len(result) + 1}\n{city}",
            lead_time_days=lead,
        )
        result[code] = (supplier, profile, Decimal(factor))
    for product in Product.objects.order_by("sku"):
        food = product.sku in FOOD_SKUS
        codes = (
            ["SUP-FRESH", "SUP-LOCAL", "SUP-BULK"]
            if food
            else [
                "SUP-HOME",
                "SUP-TECH",
                "SUP-DISC",
                "SUP-BULK",
            ]
        )
        chosen = rng.sample(codes, k=min(len(codes), rng.choice([2, 3])))
        if (
            product.preferred_supplier_code in result
            and product.preferred_supplier_code not in chosen
        ):
            chosen.append(product.preferred_supplier_code)
        for code in chosen:
            supplier, _, factor = result[code]
            noise = Decimal(rng.randint(-5, 5)) / 100
            supplier_product_set(
                supplier=supplier,
                product=product,
                unit_cost=(product.unit_cost * (factor + noise)).quantize(Decimal("0.01")),
                pack_size=1 if food and code == "SUP-LOCAL" else rng.choice(PACKS),
                min_order_qty=rng.choice([1, 1, 12, 24]) if code in ("SUP-BULK", "SUP-DISC") else 1,
                supplier_sku=f"{code[4:7]}-{product.sku[3:]}",
                is_preferred=code == product.preferred_supplier_code,
            )
    return result


def _lines_for(supplier: Supplier, rng, count: int, *, big: bool = False, vary: bool = False):
    """`count` of the supplier's products in whole packs; `big` orders lines worth 600+ each
    (above the approval threshold together); `vary` pays a little off list price sometimes."""
    prices = list(supplier.prices.select_related("product").filter(is_active=True))
    lines = []
    for price in rng.sample(prices, k=min(count, len(prices))):
        quantity = max(price.min_order_qty, rng.randint(1, 4) * price.pack_size)
        if big:
            quantity = max(quantity, int(Decimal(600) / max(price.unit_cost, Decimal("0.01"))) + 1)
        quantity = -(-quantity // price.pack_size) * price.pack_size
        line = {"product": price.product, "quantity": quantity}
        if vary and rng.random() < 0.4:
            line["unit_cost"] = price.unit_cost * Decimal(rng.choice(["0.97", "1.04", "1.08"]))
        lines.append(line)
    return lines


def _at(day, hour=10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _backdate(po: PurchaseOrder, *, created, sent=None, confirmed=None) -> None:
    fields = {
        "created_at": _at(created, 9),
        "submitted_at": _at(created, 9),
        "approved_at": _at(created, 11),
    }
    if sent:
        fields["sent_at"] = _at(sent, 14)
    if confirmed:
        fields["confirmed_at"] = _at(confirmed, 15)
    PurchaseOrder.objects.filter(pk=po.pk).update(**fields)
    for kind, key in (
        ("created", "created_at"),
        ("submitted", "submitted_at"),
        ("approved", "approved_at"),
        ("approved_automatically", "approved_at"),
        ("sent", "sent_at"),
        ("confirmed", "confirmed_at"),
    ):
        if key in fields:
            PurchaseOrderEvent.objects.filter(purchase_order=po, kind=kind).update(
                created_at=fields[key]
            )
    po.refresh_from_db()


def _approve(po, *, buyer, approver):
    po = purchase_order_submit(po=po, user=buyer)
    if po.status == "submitted":
        po = purchase_order_approve(po=po, approver=approver, comment="Budget available.")
    return po


def _history(suppliers, *, buyer, approver, receiver) -> None:
    """Delivered orders over the past year; each supplier's profile decides late/short."""
    rng = random.Random(7)
    today = timezone.localdate()
    warehouses = list(Warehouse.objects.filter(code__in=["BER", "HAM"]).order_by("code"))
    for code, (supplier, (on_time_p, in_full_p), _) in suppliers.items():
        for n in range(6):
            created = today - timedelta(days=rng.randint(25, 330))
            po = purchase_order_create(
                supplier=supplier,
                warehouse=warehouses[n % len(warehouses)],
                requester=buyer,
                justification=f"Regular replenishment ({code}, batch {n + 1}).",
                lines=_lines_for(supplier, rng, rng.randint(1, 3), vary=True),
            )
            po = _approve(po, buyer=buyer, approver=approver)
            po = purchase_order_send(po=po, user=buyer)
            PurchaseOrder.objects.filter(pk=po.pk).update(
                sent_at=_at(created, 14),
                expected_date=created + timedelta(days=supplier.lead_time_days + 2),
            )
            po.refresh_from_db()
            promised = created + timedelta(days=supplier.lead_time_days)
            po = purchase_order_confirm(
                po=po,
                user=buyer,
                promised_date=promised,
                supplier_reference=f"SO-{rng.randint(10000, 99999)}",
            )
            late = rng.random() > on_time_p
            done = promised + timedelta(days=rng.randint(1, 6) if late else -rng.randint(0, 1))
            done = min(max(done, created + timedelta(days=1)), today - timedelta(days=1))
            short = rng.random() > in_full_p
            rows = []
            for line in po.lines.all():
                quantity = line.quantity
                if short and not rows:
                    quantity = max(1, int(quantity * rng.choice([0.5, 0.75, 0.9])))
                condition = "damaged" if rng.random() < 0.05 else "good"
                rows.append({"line": line, "quantity": quantity, "condition": condition})
            purchase_order_receive(
                po=po,
                user=receiver,
                lines=rows,
                received_at=_at(done, 8),
                delivery_note=f"DN-{rng.randint(1000, 9999)}",
            )
            po.refresh_from_db()
            if po.status == "partially_received":
                po = purchase_order_cancel(
                    po=po, user=buyer, reason="Supplier short; rest not needed."
                )
                PurchaseOrder.objects.filter(pk=po.pk).update(received_at=_at(done, 8))
            if rng.random() < 0.7:
                po = purchase_order_close(po=po, user=buyer)
            _backdate(po, created=created, sent=created, confirmed=created)


def _current(suppliers, *, buyer, approver, receiver) -> None:
    """Open orders in every status, including an overdue one."""
    rng = random.Random(8)
    today = timezone.localdate()
    ber = warehouse_get_by_code(code="BER")
    sup = {code: s for code, (s, _, _) in suppliers.items()}

    def new(code, *, big=False, note="Restock for next month's demand."):
        return purchase_order_create(
            supplier=sup[code],
            warehouse=ber,
            requester=buyer,
            justification=note,
            expected_date=today + timedelta(days=sup[code].lead_time_days + 3),
            lines=_lines_for(sup[code], rng, 2, big=big),
        )

    new("SUP-HOME")  # draft
    new("SUP-TECH", big=True, note="Christmas season stock of kitchenware.")
    po = new("SUP-BULK", big=True, note="Bulk buy for the price promotion.")
    purchase_order_submit(po=po, user=buyer)  # submitted, waits for the approver (if above)
    po = new("SUP-TECH", big=True, note="Second kitchenware batch.")
    po = purchase_order_submit(po=po, user=buyer)
    if po.status == "submitted":
        purchase_order_reject(po=po, approver=approver, comment="Wait for the first batch to sell.")
    _approve(new("SUP-LOCAL"), buyer=buyer, approver=approver)  # approved, not yet sent
    po = purchase_order_send(
        po=_approve(new("SUP-FRESH"), buyer=buyer, approver=approver), user=buyer
    )  # sent
    # sent two weeks ago and overdue
    po = purchase_order_send(
        po=_approve(new("SUP-DISC"), buyer=buyer, approver=approver), user=buyer
    )
    PurchaseOrder.objects.filter(pk=po.pk).update(
        sent_at=_at(today - timedelta(days=16)), expected_date=today - timedelta(days=3)
    )
    po.refresh_from_db()
    purchase_order_confirm(po=po, user=buyer, promised_date=today - timedelta(days=4))
    _backdate(
        po,
        created=today - timedelta(days=16),
        sent=today - timedelta(days=16),
        confirmed=today - timedelta(days=15),
    )
    po = purchase_order_send(
        po=_approve(new("SUP-HOME"), buyer=buyer, approver=approver), user=buyer
    )
    purchase_order_confirm(po=po, user=buyer, promised_date=today + timedelta(days=5))  # confirmed
    po = purchase_order_send(
        po=_approve(new("SUP-BULK"), buyer=buyer, approver=approver), user=buyer
    )
    line = po.lines.first()
    purchase_order_receive(
        po=po, user=receiver, lines=[{"line": line, "quantity": max(1, line.quantity // 2)}]
    )
    po = purchase_order_send(
        po=_approve(new("SUP-FRESH"), buyer=buyer, approver=approver), user=buyer
    )
    purchase_order_receive(
        po=po, user=receiver, lines=[{"line": ln, "quantity": ln.quantity} for ln in po.lines.all()]
    )
    po = new("SUP-LOCAL")
    purchase_order_cancel(po=po, user=buyer, reason="Duplicate of an earlier order.")
