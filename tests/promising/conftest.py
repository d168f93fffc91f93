"""Fixtures for delivery promises: a Berlin depot with a van and a driver shift every day of
the next week (08:00-16:00: four 2-hour slots), stock on a shelf, a destination 5 km away."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.services import stock_receive
from tests.factories import (
    DriverFactory,
    LocationFactory,
    ProductFactory,
    ShiftFactory,
    SupplierFactory,
    UserFactory,
    VehicleFactory,
    WarehouseFactory,
)

DESTINATION = {"lat": 52.5450, "lon": 13.4500}  # about 4 km north-east of the depot


def berlin_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def today():
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo("Europe/Berlin")).date()


@pytest.fixture
def depot(db):
    return WarehouseFactory(
        code="PRM", latitude=Decimal("52.520000"), longitude=Decimal("13.405000")
    )


@pytest.fixture
def shelf(depot):
    return LocationFactory(warehouse=depot, code="A-01-01")


@pytest.fixture
def week_of_shifts(depot, today):
    van = VehicleFactory(depot=depot)
    driver = DriverFactory()
    return [
        ShiftFactory(
            vehicle=van,
            driver=driver,
            date=today + dt.timedelta(days=n),
            start_time=dt.time(8),
            end_time=dt.time(16),
        )
        for n in range(-1, 12)
    ]


@pytest.fixture
def mug(db):
    return ProductFactory(sku="MUG-1", name="Mug")


@pytest.fixture
def lamp(db):
    return ProductFactory(sku="LAMP-1", name="Lamp")


@pytest.fixture
def receive(shelf):
    def _receive(product, quantity):
        return stock_receive(product=product, location=shelf, quantity=quantity)

    return _receive


@pytest.fixture
def purchase(depot):
    """`purchase(product, quantity, promised=date, status="sent")`: an open purchase order."""
    from purchasing.models import PurchaseOrder, PurchaseOrderLine

    requester = UserFactory(username="buyer")
    counter = iter(range(1, 1000))

    def _purchase(product, quantity, *, promised, supplier=None, status="sent"):
        supplier = supplier or SupplierFactory()
        po = PurchaseOrder.objects.create(
            reference=f"PO-T-{next(counter):04d}",
            supplier=supplier,
            warehouse=depot,
            requester=requester,
            justification="test",
            status=status,
            promised_date=promised,
            sent_at=timezone.now(),
        )
        PurchaseOrderLine.objects.create(
            purchase_order=po,
            product=product,
            quantity=quantity,
            unit_cost=Decimal("1"),
            list_unit_cost=Decimal("1"),
            quantity_max=quantity,
        )
        return po

    return _purchase


@pytest.fixture
def late_supplier(depot, purchase, lamp):
    """A supplier whose two delivered orders each came 2 days after the date it promised."""
    supplier = SupplierFactory(code="LATE")
    for weeks in (3, 5):
        promised = timezone.localdate() - dt.timedelta(weeks=weeks)
        po = purchase(lamp, 1, promised=promised, supplier=supplier, status="received")
        received = timezone.now() - dt.timedelta(weeks=weeks) + dt.timedelta(days=2)
        po.sent_at = received - dt.timedelta(days=9)
        po.received_at = received
        po.save(update_fields=["sent_at", "received_at"])
        po.lines.update(quantity_received=1)
    return supplier


@pytest.fixture
def dispatch_location(depot):
    """Where picked goods wait for the van (order_pick needs one)."""
    return LocationFactory(warehouse=depot, code="D-01", kind="dispatch")
