"""Suppliers, purchase orders, approvals, receipts.

The tables keep the `orders_` names they had before purchasing became its own app (the move
changed no data), history tables included.

Invariants the database enforces (services rely on them too):

* `SupplierProduct`: one price row per (supplier, product); at most one preferred supplier per
  product (partial unique index); pack size and minimum order quantity at least 1.
* `PurchaseOrderLine`: quantity > 0; 0 <= received; received + cancelled <= `quantity_max`
  where `quantity_max` is the ordered quantity plus the over-receipt tolerance in force when the
  line was written (so over-receipt beyond tolerance is refused by PostgreSQL, not only Python).
* `Approval`: one decision per (purchase order, revision): two approvers acting at once cannot
  both decide.
* `PurchaseOrder.justification` is never empty.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel

__all__ = [
    "Approval",
    "PurchaseOrder",
    "PurchaseOrderEvent",
    "PurchaseOrderLine",
    "Receipt",
    "ReceiptLine",
    "Supplier",
    "SupplierProduct",
]

supplier_code_validator = RegexValidator(
    r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$", "Capital letters and digits, parts separated by '-'."
)
currency_validator = RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as EUR.")


class Supplier(TimeStampedModel):
    code = models.CharField(max_length=40, unique=True, validators=[supplier_code_validator])
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    lead_time_days = models.PositiveIntegerField(default=7)
    payment_terms = models.CharField(max_length=100, blank=True, default="30 days net")
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(table_name="orders_historicalsupplier")

    class Meta:
        db_table = "orders_supplier"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class SupplierProduct(TimeStampedModel):
    """What a supplier sells us: its SKU, price, pack size, minimum order and lead time."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="prices")
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="supplier_prices"
    )
    supplier_sku = models.CharField(max_length=64, blank=True)
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )
    pack_size = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    min_order_qty = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    lead_time_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the supplier's default lead time."
    )
    is_preferred = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(table_name="orders_historicalsupplierproduct")

    class Meta:
        db_table = "orders_supplierproduct"
        ordering = ["product_id", "unit_cost"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "product"], name="uniq_supplier_product"),
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_preferred=True),
                name="uniq_preferred_supplier_per_product",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="supplierproduct_cost_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(pack_size__gte=1), name="supplierproduct_pack_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(min_order_qty__gte=1), name="supplierproduct_moq_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code}: {self.product_id} @ {self.unit_cost}"

    @property
    def effective_lead_time_days(self) -> int:
        if self.lead_time_days is not None:
            return self.lead_time_days
        return self.supplier.lead_time_days


class PurchaseOrder(TimeStampedModel):
    """A purchase order; `revision` counts approved versions (amendments add one)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SENT = "sent", "Sent"
        CONFIRMED = "confirmed", "Confirmed"
        PARTIALLY_RECEIVED = "partially_received", "Partially received"
        RECEIVED = "received", "Received"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        REORDER = "reorder", "Reorder suggestion"

    reference = models.CharField(max_length=32, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="purchase_orders"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    last_amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who changed the current revision (may not approve it either).",
    )
    justification = models.TextField()
    expected_date = models.DateField(null=True, blank=True)
    promised_date = models.DateField(null=True, blank=True)
    supplier_reference = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    revision = models.PositiveIntegerField(default=1)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    approved_total = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Total of the last approved revision (amendments compare against it).",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    history = HistoricalRecords(table_name="orders_historicalpurchaseorder")

    class Meta:
        db_table = "orders_purchaseorder"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(justification=""), name="purchaseorder_justification_required"
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gte=0), name="purchaseorder_total_gte_0"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expected_date"], name="po_status_expected_idx"),
            models.Index(fields=["supplier", "status"], name="po_supplier_status_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def due_date(self):
        """The date the goods are due: the supplier's promise, else what we asked for."""
        return self.promised_date or self.expected_date


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="purchase_lines"
    )
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4)
    list_unit_cost = models.DecimalField(
        max_digits=12, decimal_places=4, help_text="The supplier's price when the line was written."
    )
    expected_date = models.DateField(null=True, blank=True)
    quantity_received = models.PositiveIntegerField(default=0)
    quantity_cancelled = models.PositiveIntegerField(default=0)
    quantity_max = models.PositiveIntegerField(
        help_text="Ordered quantity plus the over-receipt tolerance; the receiving ceiling."
    )

    history = HistoricalRecords(table_name="orders_historicalpurchaseorderline")

    class Meta:
        db_table = "orders_purchaseorderline"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="poline_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="poline_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity_max__gte=F("quantity")), name="poline_max_gte_quantity"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0), name="poline_received_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_max") - F("quantity_cancelled")),
                name="poline_received_within_tolerance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}: {self.quantity} x {self.product_id}"

    @property
    def quantity_open(self) -> int:
        """Units still expected (the backorder): ordered - received - cancelled, never below 0."""
        return max(self.quantity - self.quantity_received - self.quantity_cancelled, 0)

    @property
    def line_total(self) -> Decimal:
        return (Decimal(self.quantity) * self.unit_cost).quantize(Decimal("0.01"))


class Approval(models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="approvals"
    )
    revision = models.PositiveIntegerField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchase_approvals",
        help_text="Empty for an automatic approval below the threshold.",
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    is_automatic = models.BooleanField(default=False)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        db_table = "orders_approval"
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order", "revision"], name="uniq_approval_per_revision"
            ),
            models.CheckConstraint(
                condition=Q(is_automatic=True) | Q(approver__isnull=False),
                name="approval_manual_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} r{self.revision}: {self.decision}"


class PurchaseOrderEvent(models.Model):
    """The PO's timeline: one row per lifecycle step, amendment or receipt, with who and why."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=PurchaseOrder.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "orders_purchaseorderevent"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} {self.kind}"

    @property
    def label(self) -> str:
        return self.kind.replace("_", " ").capitalize()


class Receipt(models.Model):
    """A goods receipt (GRN) against one purchase order."""

    reference = models.CharField(max_length=32, unique=True)
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    delivery_note = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        db_table = "orders_receipt"
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return self.reference


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines"
    )
    quantity = models.PositiveIntegerField()
    condition = models.CharField(max_length=12, default="good")
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lot_code = models.CharField(max_length=64, blank=True)
    expires_at = models.DateField(null=True, blank=True)
    stock = models.ForeignKey("inventory.Stock", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "orders_receiptline"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receiptline_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.quantity} x line {self.po_line_id}"
