# Suppliers, purchase orders, approvals and receipts now belong to the purchasing app
# (purchasing.0001 took over their state and their `orders_...` tables); this only drops them
# from orders' state, referencing models first. No table changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_forecast_moved_to_forecasting"),
        ("purchasing", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ReceiptLine"),
                migrations.DeleteModel(name="Receipt"),
                migrations.DeleteModel(name="Approval"),
                migrations.DeleteModel(name="PurchaseOrderEvent"),
                migrations.DeleteModel(name="HistoricalPurchaseOrderLine"),
                migrations.DeleteModel(name="PurchaseOrderLine"),
                migrations.DeleteModel(name="HistoricalPurchaseOrder"),
                migrations.DeleteModel(name="PurchaseOrder"),
                migrations.DeleteModel(name="HistoricalSupplierProduct"),
                migrations.DeleteModel(name="SupplierProduct"),
                migrations.DeleteModel(name="HistoricalSupplier"),
                migrations.DeleteModel(name="Supplier"),
            ],
        ),
    ]
