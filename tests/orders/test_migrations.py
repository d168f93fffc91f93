"""Moving purchasing and forecasting out of the orders app changes no data: a database holding
rows at the release before the move (orders owning suppliers, purchase orders, receipts and
forecasts) migrates to the new layout and every row, history row and permission is still there,
read through the new apps' models.

The test migrates the test database back to the pre-move migrations, writes rows through the
historical models of that state, migrates forward to the latest migrations and reads them back.
It leaves the database at the latest migrations (also when it fails) for the tests after it.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The last migrations of the release before the move. Apps created by the move (and partners,
# which moved out of core at the same time) are unapplied entirely.
PRE_MOVE = [
    ("core", "0003_partner_integration"),
    ("orders", "0004_forecast_sigma_span"),
    ("purchasing", None),
    ("forecasting", None),
    ("partners", None),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.migrate(targets)


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _rows_before_the_move(old):
    """One of everything that moves, through the models as they were at the release."""
    model = old.get_model
    now = timezone.now()
    buyer = model("auth", "User").objects.create(username="mig-buyer")
    boss = model("auth", "User").objects.create(username="mig-boss")
    warehouse = model("inventory", "Warehouse").objects.create(
        code="MIG", name="Migration", latitude=Decimal("52.5"), longitude=Decimal("13.4")
    )
    dock = model("inventory", "Location").objects.create(warehouse=warehouse, code="DOCK")
    product = model("inventory", "Product").objects.create(sku="MIG-1", name="Widget")
    stock = model("inventory", "Stock").objects.create(
        product=product, location=dock, on_hand=4, received_at=now
    )
    supplier = model("orders", "Supplier").objects.create(code="MIG-SUP", name="Supplier")
    model("orders", "HistoricalSupplier").objects.create(
        id=supplier.pk,
        code=supplier.code,
        name=supplier.name,
        created_at=now,
        updated_at=now,
        history_date=now,
        history_type="+",
        history_user=buyer,
    )
    model("orders", "SupplierProduct").objects.create(
        supplier=supplier, product=product, unit_cost=Decimal("2.5000"), is_preferred=True
    )
    po = model("orders", "PurchaseOrder").objects.create(
        reference="PO-2026-990001",
        supplier=supplier,
        warehouse=warehouse,
        requester=buyer,
        justification="Stock for the move",
        status="partially_received",
        total_amount=Decimal("25.00"),
    )
    for history_type, status in (("+", "draft"), ("~", "partially_received")):
        model("orders", "HistoricalPurchaseOrder").objects.create(
            id=po.pk,
            reference=po.reference,
            supplier=supplier,
            warehouse=warehouse,
            requester=buyer,
            justification=po.justification,
            status=status,
            total_amount=po.total_amount,
            created_at=now,
            updated_at=now,
            history_date=now,
            history_type=history_type,
            history_user=buyer,
        )
    line = model("orders", "PurchaseOrderLine").objects.create(
        purchase_order=po,
        product=product,
        quantity=10,
        unit_cost=Decimal("2.5000"),
        list_unit_cost=Decimal("2.5000"),
        quantity_received=4,
        quantity_max=10,
    )
    model("orders", "Approval").objects.create(
        purchase_order=po,
        revision=1,
        approver=boss,
        decision="approved",
        amount=po.total_amount,
        decided_at=now,
    )
    model("orders", "PurchaseOrderEvent").objects.create(
        purchase_order=po, kind="approved", status="approved", user=boss, created_at=now
    )
    receipt = model("orders", "Receipt").objects.create(
        reference="GRN-2026-990001", purchase_order=po, received_by=buyer, received_at=now
    )
    model("orders", "ReceiptLine").objects.create(
        receipt=receipt, po_line=line, quantity=4, location=dock, stock=stock
    )
    model("orders", "Forecast").objects.create(
        warehouse=warehouse,
        product=product,
        metric="demand",
        start_date=date(2026, 12, 1),
        model_name="mean",
        demand_class="smooth",
        point=[1.0, 2.0],
        lo80=[0.0, 1.0],
        hi80=[2.0, 3.0],
        lo95=[0.0, 0.5],
        hi95=[2.5, 3.5],
        computed_at=now,
    )
    customer = model("orders", "Customer").objects.create(name="Ada")
    order = model("orders", "CustomerOrder").objects.create(
        reference="ORD-2026-990001",
        customer=customer,
        warehouse=warehouse,
        address="Main street 1",
        window_start=now,
        window_end=now + timedelta(hours=2),
        tracking_token="t" * 32,
    )
    model("orders", "OrderLine").objects.create(order=order, product=product, quantity=2)
    # Staff were granted the purchasing permissions while they were orders' permissions.
    content_types = model("contenttypes", "ContentType").objects
    supplier_type, _ = content_types.get_or_create(app_label="orders", model="supplier")
    history_type, _ = content_types.get_or_create(app_label="orders", model="historicalsupplier")
    grant, _ = model("auth", "Permission").objects.get_or_create(
        content_type=supplier_type, codename="change_supplier", defaults={"name": "Can change"}
    )
    boss.user_permissions.add(grant)
    return {"po": po.pk, "supplier_type": supplier_type.pk, "history_type": history_type.pk}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_existing_database_moves_to_the_new_apps_without_losing_a_row():
    try:
        old = _migrate(PRE_MOVE).apps
        ids = _rows_before_the_move(old)
        _migrate(_latest())
    finally:
        _migrate(_latest())

    from forecasting.models import Forecast
    from orders.models import CustomerOrder
    from purchasing.models import (
        Approval,
        PurchaseOrderEvent,
        Receipt,
        Supplier,
        SupplierProduct,
    )
    from purchasing.selectors import purchase_order_detail

    po = purchase_order_detail(reference="PO-2026-990001")
    assert po.pk == ids["po"]
    assert (po.status, po.supplier.code, po.warehouse.code) == (
        "partially_received",
        "MIG-SUP",
        "MIG",
    )
    [line] = po.lines.all()
    assert (line.product.sku, line.quantity, line.quantity_received, line.quantity_open) == (
        "MIG-1",
        10,
        4,
        6,
    )
    assert Approval.objects.get(purchase_order=po).approver.username == "mig-boss"
    assert PurchaseOrderEvent.objects.filter(purchase_order=po, kind="approved").count() == 1
    receipt = Receipt.objects.get(reference="GRN-2026-990001")
    assert [(rl.po_line_id, rl.quantity, rl.location.code) for rl in receipt.lines.all()] == [
        (line.pk, 4, "DOCK")
    ]
    assert SupplierProduct.objects.get(supplier__code="MIG-SUP").is_preferred is True
    # simple_history's rows are read through the moved models' history managers.
    assert [h.status for h in po.history.order_by("history_id")] == ["draft", "partially_received"]
    assert Supplier.objects.get(code="MIG-SUP").history.get().history_user.username == "mig-buyer"
    forecast = Forecast.objects.get(product__sku="MIG-1")
    assert (forecast.point, forecast.warehouse.code) == ([1.0, 2.0], "MIG")
    order = CustomerOrder.objects.get(reference="ORD-2026-990001")
    assert (order.customer.name, order.lines.get().quantity) == ("Ada", 2)
    # The content types moved with their models (same rows), so old grants still apply.
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=ids["supplier_type"]).app_label == "purchasing"
    assert ContentType.objects.get(pk=ids["history_type"]).app_label == "purchasing"
    assert not ContentType.objects.filter(app_label="orders", model="supplier").exists()
    boss = User.objects.get(username="mig-boss")
    assert boss.has_perm("purchasing.change_supplier")
    assert Permission.objects.get(codename="change_supplier").content_type.model_class() is Supplier
