"""Purchasing API: `/api/v1/suppliers/`, `/api/v1/purchase-orders/` and their actions,
`/api/v1/reorder-suggestions/`.

Staff sessions only (partner keys get 403): reads for purchasing, approver and warehouse roles;
writes for purchasing; approve/reject for approvers; receive for purchasing and warehouse.
One class per operation: parse input (400 naming the field), call one service (403/409/422
naming the field), render the order. Every POST honours `Idempotency-Key`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound, ValidationFailed
from core.idempotency import idempotent
from core.permissions import HasScope
from core.roles import Role
from inventory.models import Location, Product, Warehouse
from orders.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierProduct
from orders.selectors.purchasing import (
    purchase_order_detail,
    purchase_order_line_for_code,
    purchase_order_list,
    reorder_suggestions,
    supplier_performance,
)
from orders.services.purchasing import (
    TRANSITIONS,
    purchase_order_amend,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_reject,
    purchase_order_send,
    purchase_order_submit,
    reorder_purchase_orders_create,
    supplier_product_set,
)

READ_ROLES = [Role.PURCHASING, Role.APPROVER, Role.WAREHOUSE]


class PurchasingAccess:
    """Staff only: partner keys have no purchasing scope, so `required_scopes` is empty."""

    permission_classes = [HasScope]
    required_scopes: dict = {}
    allowed_roles = [Role.PURCHASING]


class ReadAccess(PurchasingAccess):
    allowed_roles = READ_ROLES


# --- helpers ------------------------------------------------------------------------------------


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


def _products_by_sku(lines: list[dict], *, field: str = "product") -> list[dict]:
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


# --- output -------------------------------------------------------------------------------------


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


# --- suppliers ----------------------------------------------------------------------------------


class SupplierListCreateApi(PurchasingAccess, generics.ListCreateAPIView):
    """GET: suppliers (filter `active=1`, `q`). POST: create one (reference data)."""

    serializer_class = SupplierOutput

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()

    def get_queryset(self):
        qs = Supplier.objects.order_by("-id")
        params = self.request.query_params
        if params.get("active") in ("1", "true"):
            qs = qs.filter(is_active=True)
        if params.get("q"):
            qs = qs.filter(name__icontains=params["q"]) | qs.filter(code__icontains=params["q"])
        return qs

    @idempotent
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class SupplierDetailApi(PurchasingAccess, generics.RetrieveUpdateAPIView):
    serializer_class = SupplierOutput
    queryset = Supplier.objects.all()
    lookup_field = "code"
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()


class SupplierProductsApi(PurchasingAccess, APIView):
    """GET: what the supplier sells. POST: set a price (create or update; `is_preferred` makes
    it the product's preferred supplier)."""

    class InputSerializer(serializers.Serializer):
        product = serializers.CharField(max_length=64)
        supplier_sku = serializers.CharField(
            max_length=64, required=False, default="", allow_blank=True
        )
        unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)
        pack_size = serializers.IntegerField(min_value=1, default=1)
        min_order_qty = serializers.IntegerField(min_value=1, default=1)
        lead_time_days = serializers.IntegerField(
            min_value=0, required=False, allow_null=True, default=None
        )
        is_preferred = serializers.BooleanField(default=False)
        is_active = serializers.BooleanField(default=True)

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()

    @extend_schema(responses=SupplierProductOutput(many=True), operation_id="supplier_products")
    def get(self, request, code):
        supplier = supplier_get(code)
        rows = (
            SupplierProduct.objects.filter(supplier=supplier)
            .select_related("product", "supplier")
            .order_by("product__sku")
        )
        return Response(SupplierProductOutput(rows, many=True).data)

    @extend_schema(request=InputSerializer, responses=SupplierProductOutput)
    @idempotent
    def post(self, request, code):
        supplier = supplier_get(code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        product = Product.objects.filter(sku=fields.pop("product")).first()
        if product is None:
            raise ValidationFailed("Unknown product.", field="product", code="not_found")
        row = supplier_product_set(supplier=supplier, product=product, **fields)
        return Response(SupplierProductOutput(row).data, status=status.HTTP_201_CREATED)


class SupplierPerformanceApi(ReadAccess, APIView):
    """On-time, in-full and OTIF rates, lead time vs promised and price variance over orders
    delivered between `from` and `to` (YYYY-MM-DD, both optional)."""

    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField(required=False, allow_null=True, default=None)
        date_to = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(
        responses=inline_serializer(
            "SupplierPerformanceOutput",
            {
                "supplier": serializers.CharField(),
                "orders": serializers.IntegerField(),
                "on_time_rate": serializers.DecimalField(
                    max_digits=5, decimal_places=1, allow_null=True
                ),
                "in_full_rate": serializers.DecimalField(
                    max_digits=5, decimal_places=1, allow_null=True
                ),
                "otif_rate": serializers.DecimalField(
                    max_digits=5, decimal_places=1, allow_null=True
                ),
                "avg_lead_time_days": serializers.DecimalField(
                    max_digits=7, decimal_places=1, allow_null=True
                ),
                "avg_promised_lead_time_days": serializers.DecimalField(
                    max_digits=7, decimal_places=1, allow_null=True
                ),
                "avg_delay_days": serializers.DecimalField(
                    max_digits=7, decimal_places=1, allow_null=True
                ),
                "price_variance_pct": serializers.DecimalField(
                    max_digits=7, decimal_places=2, allow_null=True
                ),
            },
        )
    )
    def get(self, request, code):
        supplier = supplier_get(code)
        params = self.FilterSerializer(
            data={
                "date_from": request.query_params.get("from"),
                "date_to": request.query_params.get("to"),
            }
        )
        params.is_valid(raise_exception=True)
        perf = supplier_performance(supplier=supplier, **params.validated_data)
        return Response(
            {
                "supplier": supplier.code,
                "orders": perf.orders,
                **{
                    name: (str(value) if value is not None else None)
                    for name in (
                        "on_time_rate", "in_full_rate", "otif_rate", "avg_lead_time_days",
                        "avg_promised_lead_time_days", "avg_delay_days", "price_variance_pct",
                    )
                    for value in [getattr(perf, name)]
                },
            }
        )  # fmt: skip


# --- purchase orders ----------------------------------------------------------------------------


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


class PurchaseOrderListCreateApi(PurchasingAccess, generics.ListAPIView):
    """GET: orders newest first; filters `status`, `supplier` (code), `warehouse` (code),
    `from`/`to` (creation date), `overdue=1`, `q` (reference). POST: create a draft."""

    serializer_class = PurchaseOrderOutput

    class InputSerializer(serializers.Serializer):
        supplier = serializers.CharField(max_length=40)
        warehouse = serializers.CharField(max_length=10)
        justification = serializers.CharField(max_length=5000)
        expected_date = serializers.DateField(required=False, allow_null=True, default=None)
        lines = PurchaseLineInput(many=True, allow_empty=False)

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=PurchaseOrder.Status.choices, required=False)
        supplier = serializers.CharField(required=False)
        warehouse = serializers.CharField(required=False)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)
        overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
        search = serializers.CharField(required=False, default="")

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()

    def get_queryset(self):
        params = self.request.query_params
        raw = {
            key: params[name]
            for key, name in (
                ("status", "status"), ("supplier", "supplier"), ("warehouse", "warehouse"),
                ("date_from", "from"), ("date_to", "to"), ("overdue", "overdue"), ("search", "q"),
            )
            if params.get(name) not in (None, "")
        }  # fmt: skip
        filters = self.FilterSerializer(data=raw)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        if "supplier" in data:
            data["supplier"] = Supplier.objects.filter(code=data["supplier"]).first() or Supplier(
                pk=0
            )
        if "warehouse" in data:
            data["warehouse"] = Warehouse.objects.filter(
                code=data["warehouse"]
            ).first() or Warehouse(pk=0)
        return purchase_order_list(**data).prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("product"))
        )

    @extend_schema(request=InputSerializer, responses={201: PurchaseOrderDetailOutput})
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        supplier = Supplier.objects.filter(code=values["supplier"]).first()
        warehouse = Warehouse.objects.filter(code=values["warehouse"]).first()
        errors = []
        if supplier is None:
            errors.append(
                {
                    "field": "supplier",
                    "code": "not_found",
                    "message": f"Unknown supplier {values['supplier']}.",
                }
            )
        if warehouse is None:
            errors.append(
                {
                    "field": "warehouse",
                    "code": "not_found",
                    "message": f"Unknown warehouse {values['warehouse']}.",
                }
            )
        if errors:
            raise ValidationFailed(errors[0]["message"], errors=errors)
        po = purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            requester=request.user,
            justification=values["justification"],
            expected_date=values["expected_date"],
            lines=_products_by_sku([dict(line) for line in values["lines"]]),
        )
        return po_response(po.reference, code=status.HTTP_201_CREATED)


class PurchaseOrderDetailApi(ReadAccess, APIView):
    @extend_schema(responses=PurchaseOrderDetailOutput, operation_id="purchase_order_detail")
    def get(self, request, reference):
        po_get(reference)
        return po_response(reference)


class _ActionApi(PurchasingAccess, APIView):
    """POST /purchase-orders/<reference>/<action>/: parse, call the service, answer the order."""

    class InputSerializer(serializers.Serializer):
        pass

    def act(self, po, data, user):  # pragma: no cover - each action overrides it
        raise NotImplementedError

    @idempotent
    def post(self, request, reference):
        po = po_get(reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(po, dict(data.validated_data), request.user)
        return po_response(reference)


def _action(name, *, roles, input_fields=None, act, doc):
    api_name = f"PurchaseOrder{name.title()}Api"
    # Named as if nested in its view, so core.schema.AutoSchema gives each action its own
    # component (`PurchaseOrderApproveApiInput`) instead of eight colliding "Input" ones.
    input_cls = type(
        "InputSerializer",
        (serializers.Serializer,),
        {
            "__module__": __name__,
            "__qualname__": f"{api_name}.InputSerializer",
            **(input_fields or {}),
        },
    )

    @extend_schema(
        request=input_cls,
        responses=PurchaseOrderDetailOutput,
        operation_id=f"purchase_order_{name}",
    )
    def post(self, request, reference):
        return _ActionApi.post(self, request, reference)

    return type(
        api_name,
        (_ActionApi,),
        {
            "__doc__": doc,
            "allowed_roles": roles,
            "InputSerializer": input_cls,
            "act": lambda self, po, data, user: act(po, data, user),
            "post": post,
        },
    )


PurchaseOrderSubmitApi = _action(
    "submit",
    roles=[Role.PURCHASING],
    act=lambda po, data, user: purchase_order_submit(po=po, user=user),
    doc="Submit a draft: approved at once at or below the approval threshold, else waits.",
)
PurchaseOrderApproveApi = _action(
    "approve",
    roles=[Role.APPROVER],
    input_fields={
        "comment": serializers.CharField(
            required=False, default="", allow_blank=True, max_length=2000
        )
    },
    act=lambda po, data, user: purchase_order_approve(
        po=po, approver=user, comment=data["comment"]
    ),
    doc="Approve a submitted order (approver role; never the requester or the last amender: 403).",
)
PurchaseOrderRejectApi = _action(
    "reject",
    roles=[Role.APPROVER],
    input_fields={"comment": serializers.CharField(max_length=2000)},
    act=lambda po, data, user: purchase_order_reject(po=po, approver=user, comment=data["comment"]),
    doc="Reject a submitted order with a reason.",
)
PurchaseOrderSendApi = _action(
    "send",
    roles=[Role.PURCHASING],
    act=lambda po, data, user: purchase_order_send(po=po, user=user),
    doc="Send an approved order: the supplier is emailed the rendered order.",
)
PurchaseOrderConfirmApi = _action(
    "confirm",
    roles=[Role.PURCHASING],
    input_fields={
        "promised_date": serializers.DateField(),
        "supplier_reference": serializers.CharField(
            required=False, default="", allow_blank=True, max_length=100
        ),
    },
    act=lambda po, data, user: purchase_order_confirm(po=po, user=user, **data),
    doc="Record the supplier's confirmation and promised delivery date.",
)
PurchaseOrderCancelApi = _action(
    "cancel",
    roles=[Role.PURCHASING],
    input_fields={"reason": serializers.CharField(max_length=2000)},
    act=lambda po, data, user: purchase_order_cancel(po=po, user=user, reason=data["reason"]),
    doc="Cancel with a reason; after a partial receipt only the remainder is cancelled.",
)
PurchaseOrderCloseApi = _action(
    "close",
    roles=[Role.PURCHASING],
    act=lambda po, data, user: purchase_order_close(po=po, user=user),
    doc="Close a fully received order.",
)


def _amend(po, data, user):
    kwargs = {"reason": data.get("reason", "")}
    if "lines" in data:
        kwargs["lines"] = _products_by_sku([dict(line) for line in data["lines"]])
    if "expected_date" in data:
        kwargs["expected_date"] = data["expected_date"]
    if "justification" in data:
        kwargs["justification"] = data["justification"]
    return purchase_order_amend(po=po, user=user, **kwargs)


PurchaseOrderAmendApi = _action(
    "amend",
    roles=[Role.PURCHASING],
    input_fields={
        "lines": PurchaseLineInput(many=True, allow_empty=False, required=False),
        "expected_date": serializers.DateField(required=False, allow_null=True),
        "justification": serializers.CharField(required=False, max_length=5000),
        "reason": serializers.CharField(
            required=False, default="", allow_blank=True, max_length=2000
        ),
    },
    act=_amend,
    doc=(
        "Edit a draft/rejected order or amend an approved/sent/confirmed one: `lines` replaces "
        "the lines (give `id` to keep a line). An amendment needs `reason`, makes a new revision "
        "and goes back to approval when the amount goes up or is above the threshold."
    ),
)


def _receive(po, data, user):
    rows = []
    errors = []
    for i, row in enumerate(data["lines"]):
        line = None
        if row.get("line"):
            line = PurchaseOrderLine.objects.filter(pk=row["line"], purchase_order=po).first()
        elif row.get("sku"):
            line = purchase_order_line_for_code(po=po, code=row["sku"])
        if line is None:
            errors.append(
                {
                    "field": f"lines[{i}].line",
                    "code": "not_found",
                    "message": f"No line of {po.reference} matches "
                    f"{row.get('line') or row.get('sku')}.",
                }
            )
            continue
        location = None
        if row.get("location"):
            location = Location.objects.filter(
                warehouse_id=po.warehouse_id, code=row["location"]
            ).first()
            if location is None:
                errors.append(
                    {
                        "field": f"lines[{i}].location",
                        "code": "not_found",
                        "message": f"No location {row['location']} in this warehouse.",
                    }
                )
                continue
        rows.append({**row, "line": line, "location": location})
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return purchase_order_receive(
        po=po,
        user=user,
        lines=rows,
        delivery_note=data.get("delivery_note", ""),
        note=data.get("note", ""),
    )


PurchaseOrderReceiveApi = _action(
    "receive",
    roles=[Role.PURCHASING, Role.WAREHOUSE],
    input_fields={
        "delivery_note": serializers.CharField(
            required=False, default="", allow_blank=True, max_length=100
        ),
        "note": serializers.CharField(
            required=False, default="", allow_blank=True, max_length=2000
        ),
        "lines": ReceiveLineInput(many=True, allow_empty=False),
    },
    act=_receive,
    doc=(
        "Book a goods receipt: per line (`line` id or `sku`/barcode) a quantity, condition, "
        "location (default: receiving dock, quarantine for damaged goods), lot and expiry. "
        "More than ordered plus tolerance answers 422 and books nothing."
    ),
)


# --- reorder ------------------------------------------------------------------------------------


class ReorderSuggestionsApi(PurchasingAccess, APIView):
    """Products whose available + on-order quantity is below the reorder point."""

    @extend_schema(
        responses=inline_serializer(
            "ReorderSuggestionOutput",
            {
                "product": serializers.CharField(),
                "warehouse": serializers.CharField(),
                "available": serializers.IntegerField(),
                "on_order": serializers.IntegerField(),
                "reorder_point": serializers.IntegerField(),
                "quantity": serializers.IntegerField(),
                "supplier": serializers.CharField(allow_null=True),
                "unit_cost": serializers.DecimalField(
                    max_digits=12, decimal_places=4, allow_null=True
                ),
                "line_total": serializers.DecimalField(max_digits=14, decimal_places=2),
                "reason": serializers.CharField(),
            },
            many=True,
        ),
        operation_id="reorder_suggestions",
    )
    def get(self, request):
        return Response([_suggestion_data(s) for s in reorder_suggestions()])


def _suggestion_data(s) -> dict:
    return {
        "product": s.product.sku,
        "warehouse": s.warehouse.code,
        "available": s.available,
        "on_order": s.on_order,
        "reorder_point": s.reorder_point,
        "quantity": s.quantity,
        "supplier": s.supplier.code if s.supplier else None,
        "unit_cost": str(s.supplier_product.unit_cost) if s.supplier_product else None,
        "line_total": str(s.line_total),
        "reason": s.reason,
    }


class ReorderCreateOrdersApi(PurchasingAccess, APIView):
    """Create draft orders from the current suggestions, one per supplier and warehouse
    (`products`: optional list of SKUs to keep)."""

    class InputSerializer(serializers.Serializer):
        products = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    @extend_schema(request=InputSerializer, responses={201: PurchaseOrderOutput(many=True)})
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product_ids = None
        if "products" in data.validated_data:
            product_ids = set(
                Product.objects.filter(sku__in=data.validated_data["products"]).values_list(
                    "pk", flat=True
                )
            )
        orders = reorder_purchase_orders_create(user=request.user, product_ids=product_ids)
        rows = (
            purchase_order_list()
            .filter(pk__in=[o.pk for o in orders])
            .prefetch_related("lines__product")
        )
        return Response(PurchaseOrderOutput(rows, many=True).data, status=status.HTTP_201_CREATED)
