"""Shared pieces of the purchasing API: access rules, lookups that answer 404 or 422 naming the
field, and the serializers several operations share (a purchase order, its lines, suppliers)."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from core.exceptions import NotFound, ValidationFailed
from core.permissions import HasScope
from core.roles import Role
from inventory.models import Product
from purchasing.models import PurchaseOrder, Supplier
from purchasing.selectors import (
    purchase_order_detail,
)
from purchasing.services import (
    TRANSITIONS,
)

READ_ROLES = [Role.PURCHASING, Role.APPROVER, Role.WAREHOUSE]


class PurchasingAccess:
    """Staff only: partner keys have no purchasing scope, so `required_scopes` is empty."""

    permission_classes = [HasScope]
    required_scopes: dict = {}
    allowed_roles = [Role.PURCHASING]


class ReadAccess(PurchasingAccess):
    allowed_roles = READ_ROLES


def po_get(reference: str) -> PurchaseOrder:
    po = PurchaseOrder.objects.filter(reference=reference).first()
    if po is None:
        raise NotFound(f"No purchase order {reference}.")
    return po


def supplier_get(code: str) -> Supplier:
    supplier = Supplier.objects.filter(code=code).first()
    if supplier is None:
        raise NotFound(f"No supplier {code}.")
    return supplier


def products_by_sku(lines: list[dict], *, field: str = "product") -> list[dict]:
    skus = {line[field] for line in lines if line.get(field)}
    found = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    errors = [
        {
            "field": f"lines[{i}].{field}",
            "code": "not_found",
            "message": f"Unknown product {line[field]}.",
        }
        for i, line in enumerate(lines)
        if line[field] not in found
    ]
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return [{**line, "product": found[line[field]]} for line in lines]


def po_response(reference: str, *, code=status.HTTP_200_OK) -> Response:
    po = purchase_order_detail(reference=reference)
    return Response(PurchaseOrderDetailOutput(po).data, status=code)


class PurchaseLineInput(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    product = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit_cost = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=0, required=False, allow_null=True
    )
    expected_date = serializers.DateField(required=False, allow_null=True)


class ReceiveLineInput(serializers.Serializer):
    line = serializers.IntegerField(required=False, allow_null=True)
    sku = serializers.CharField(required=False, allow_blank=True, max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    condition = serializers.ChoiceField(choices=["good", "damaged", "quarantined"], default="good")
    location = serializers.CharField(required=False, allow_blank=True, max_length=40)
    lot_code = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    expires_at = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if not attrs.get("line") and not attrs.get("sku"):
            raise serializers.ValidationError({"line": "Give the order line id or a SKU/barcode."})
        return attrs


class PurchaseLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4)
    list_unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    expected_date = serializers.DateField(allow_null=True)
    quantity_received = serializers.IntegerField()
    quantity_cancelled = serializers.IntegerField()
    quantity_open = serializers.IntegerField()


class PurchaseOrderOutput(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    revision = serializers.IntegerField()
    supplier = serializers.CharField(source="supplier.code")
    supplier_name = serializers.CharField(source="supplier.name")
    warehouse = serializers.CharField(source="warehouse.code")
    requester = serializers.CharField(source="requester.username")
    justification = serializers.CharField()
    source = serializers.CharField()
    expected_date = serializers.DateField(allow_null=True)
    promised_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    supplier_reference = serializers.CharField()
    currency = serializers.CharField()
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    allowed_states = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    lines = PurchaseLineOutput(many=True)

    def get_allowed_states(self, po) -> list[str]:
        return sorted(TRANSITIONS.get(po.status, set()))


class PurchaseOrderDetailOutput(PurchaseOrderOutput):
    approvals = inline_serializer(
        "PurchaseApprovalOutput",
        {
            "revision": serializers.IntegerField(),
            "decision": serializers.CharField(),
            "approver": serializers.CharField(source="approver.username", allow_null=True),
            "is_automatic": serializers.BooleanField(),
            "amount": serializers.DecimalField(max_digits=14, decimal_places=2),
            "comment": serializers.CharField(),
            "decided_at": serializers.DateTimeField(),
        },
        many=True,
    )
    timeline = inline_serializer(
        "PurchaseEventOutput",
        {
            "kind": serializers.CharField(),
            "status": serializers.CharField(),
            "user": serializers.CharField(source="user.username", allow_null=True),
            "message": serializers.CharField(),
            "data": serializers.JSONField(),
            "created_at": serializers.DateTimeField(),
        },
        many=True,
        source="events",
    )
    receipts = inline_serializer(
        "PurchaseReceiptOutput",
        {
            "reference": serializers.CharField(),
            "received_at": serializers.DateTimeField(),
            "received_by": serializers.CharField(source="received_by.username"),
            "delivery_note": serializers.CharField(),
            "lines": inline_serializer(
                "PurchaseReceiptLineOutput",
                {
                    "line": serializers.IntegerField(source="po_line_id"),
                    "product": serializers.CharField(source="po_line.product.sku"),
                    "quantity": serializers.IntegerField(),
                    "condition": serializers.CharField(),
                    "location": serializers.CharField(source="location.code"),
                    "lot_code": serializers.CharField(),
                    "expires_at": serializers.DateField(allow_null=True),
                },
                many=True,
            ),
        },
        many=True,
    )


class SupplierOutput(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = [
            "code", "name", "contact_name", "contact_email", "contact_phone", "address",
            "lead_time_days", "payment_terms", "currency", "is_active",
        ]  # fmt: skip


class SupplierProductOutput(serializers.Serializer):
    product = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    supplier_sku = serializers.CharField()
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4)
    pack_size = serializers.IntegerField()
    min_order_qty = serializers.IntegerField()
    lead_time_days = serializers.IntegerField(allow_null=True)
    effective_lead_time_days = serializers.IntegerField()
    is_preferred = serializers.BooleanField()
    is_active = serializers.BooleanField()
