"""Purchasing fixtures: warehouse MAIN with receiving dock, shelf and quarantine; supplier ACME
(selling WID-1 at 10.00 and GAD-1 at 25.00) and supplier BOLT; `make_po` goes through the
services, `po_in(status)` walks an order to any state the way users would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
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
)
from tests.conftest import make_user
from tests.factories import (
    LocationFactory,
    ProductFactory,
    SupplierFactory,
    SupplierProductFactory,
    WarehouseFactory,
)


@pytest.fixture(autouse=True)
def _purchasing_settings(settings):
    settings.PURCHASE_APPROVAL_THRESHOLD = Decimal("1000.00")
    settings.PURCHASE_RECEIPT_TOLERANCE_PCT = Decimal("0")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Users are made in nearly every test; the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def wh(db):
    return WarehouseFactory(code="MAIN", name="Main warehouse", address="Hafenstr. 1")


@pytest.fixture
def dock(wh):
    return LocationFactory(warehouse=wh, code="RCV-01", kind="receiving")


@pytest.fixture
def shelf_b(wh):
    return LocationFactory(warehouse=wh, code="B-01-01", kind="storage")


@pytest.fixture
def quarantine_loc(wh):
    return LocationFactory(warehouse=wh, code="Q-01", kind="quarantine")


@pytest.fixture
def acme(db):
    return SupplierFactory(code="ACME", name="Acme Supplies", lead_time_days=5)


@pytest.fixture
def bolt(db):
    return SupplierFactory(code="BOLT", name="Bolt Trading", lead_time_days=2)


@pytest.fixture
def widget(db):
    return ProductFactory(sku="WID-1", name="Widget", barcode="4006381333931")


@pytest.fixture
def gadget(db):
    return ProductFactory(sku="GAD-1", name="Gadget")


@pytest.fixture
def prices(acme, widget, gadget):
    return {
        "widget": SupplierProductFactory(
            supplier=acme, product=widget, unit_cost=Decimal("10.00"), supplier_sku="AC-W"
        ),
        "gadget": SupplierProductFactory(supplier=acme, product=gadget, unit_cost=Decimal("25.00")),
    }


@pytest.fixture
def requester(db):
    return make_user(Role.PURCHASING, username="petra", email="petra@example.com")


@pytest.fixture
def approver2(db):
    return make_user(Role.APPROVER, username="otto")


@pytest.fixture
def make_po(wh, acme, prices, requester):
    def _make(lines=None, **kwargs):
        lines = lines if lines is not None else [(prices["widget"].product, 10)]
        params = {
            "supplier": acme,
            "warehouse": wh,
            "requester": requester,
            "justification": "Restock for the spring campaign",
            "expected_date": timezone.localdate() + timedelta(days=10),
            "lines": [
                {"product": p, "quantity": q, **({"unit_cost": c[0]} if c else {})}
                for p, q, *c in lines
            ],
        }
        params.update(kwargs)
        return purchase_order_create(**params)

    return _make


@pytest.fixture
def big_lines(widget):
    """150 widgets at 10.00 = 1500.00, above the 1000.00 approval threshold."""
    return [(widget, 150)]


@pytest.fixture
def po_in(make_po, requester, approver, big_lines, dock, quarantine_loc):
    """An order above the threshold walked to `status` by the services."""

    def _walk(status, lines=None):
        po = make_po(lines or big_lines)
        if status == "draft":
            return po
        po = purchase_order_submit(po=po, user=requester)
        if status == "submitted":
            return po
        if status == "rejected":
            return purchase_order_reject(po=po, approver=approver, comment="Too many")
        po = purchase_order_approve(po=po, approver=approver)
        if status == "approved":
            return po
        po = purchase_order_send(po=po, user=requester)
        if status == "sent":
            return po
        if status == "cancelled":
            return purchase_order_cancel(po=po, user=requester, reason="Not needed")
        po = purchase_order_confirm(
            po=po, user=requester, promised_date=timezone.localdate() + timedelta(days=7)
        )
        if status == "confirmed":
            return po
        line = po.lines.first()
        half = line.quantity // 2
        purchase_order_receive(po=po, user=requester, lines=[{"line": line, "quantity": half}])
        po.refresh_from_db()
        if status == "partially_received":
            return po
        purchase_order_receive(
            po=po, user=requester, lines=[{"line": line, "quantity": line.quantity - half}]
        )
        po.refresh_from_db()
        if status == "received":
            return po
        return purchase_order_close(po=po, user=requester)

    return _walk
