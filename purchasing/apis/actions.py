"""Purchase order lifecycle API: `POST /api/v1/purchase-orders/<reference>/<action>/`, one class
per action. Each parses its input (400 naming the field), calls one service (403/409/422 naming
the field) and answers the order as `PurchaseOrderDetailOutput`; every POST honours
`Idempotency-Key`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from core.idempotency import idempotent
from core.roles import Role
from inventory.models import Location
from purchasing.apis.common import (
    PurchaseLineInput,
    PurchaseOrderDetailOutput,
    PurchasingAccess,
    ReceiveLineInput,
    po_get,
    po_response,
    products_by_sku,
)
from purchasing.models import PurchaseOrderLine
from purchasing.selectors import purchase_order_line_for_code
from purchasing.services import (
    purchase_order_amend,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_receive,
    purchase_order_reject,
    purchase_order_send,
    purchase_order_submit,
)


class PurchaseOrderActionApi(PurchasingAccess, APIView):
    """Base of the action APIs: parse `InputSerializer`, call `act`, answer the order."""

    class InputSerializer(serializers.Serializer):
        pass

    def act(self, po, data: dict, user):  # pragma: no cover - each action overrides it
        raise NotImplementedError

    @idempotent
    def post(self, request, reference):
        po = po_get(reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(po, dict(data.validated_data), request.user)
        return po_response(reference)


class PurchaseOrderSubmitApi(PurchaseOrderActionApi):
    """Submit a draft: approved at once at or below the approval threshold, else waits."""

    allowed_roles = [Role.PURCHASING]

    class InputSerializer(serializers.Serializer):
        pass

    def act(self, po, data, user):
        return purchase_order_submit(po=po, user=user)

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_submit",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderApproveApi(PurchaseOrderActionApi):
    """Approve a submitted order (approver role; never someone who requested, edited, submitted or amended it: 403 `separation_of_duties`)."""  # noqa: E501 (the operation's description in the schema)

    allowed_roles = [Role.APPROVER]

    class InputSerializer(serializers.Serializer):
        comment = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=2000
        )

    def act(self, po, data, user):
        return purchase_order_approve(po=po, approver=user, comment=data["comment"])

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_approve",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderRejectApi(PurchaseOrderActionApi):
    """Reject a submitted order with a reason."""

    allowed_roles = [Role.APPROVER]

    class InputSerializer(serializers.Serializer):
        comment = serializers.CharField(max_length=2000)

    def act(self, po, data, user):
        return purchase_order_reject(po=po, approver=user, comment=data["comment"])

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_reject",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderSendApi(PurchaseOrderActionApi):
    """Send an approved order: the supplier is emailed the rendered order."""

    allowed_roles = [Role.PURCHASING]

    class InputSerializer(serializers.Serializer):
        pass

    def act(self, po, data, user):
        return purchase_order_send(po=po, user=user)

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_send",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderConfirmApi(PurchaseOrderActionApi):
    """Record the supplier's confirmation and promised delivery date."""

    allowed_roles = [Role.PURCHASING]

    class InputSerializer(serializers.Serializer):
        promised_date = serializers.DateField()
        supplier_reference = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=100
        )

    def act(self, po, data, user):
        return purchase_order_confirm(po=po, user=user, **data)

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_confirm",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderAmendApi(PurchaseOrderActionApi):
    """Edit a draft/rejected order or amend an approved/sent/confirmed one: `lines` replaces the lines (give `id` to keep a line). An amendment needs `reason`, makes a new revision and goes back to approval when the amount goes up or is above the threshold."""  # noqa: E501 (one paragraph: it is the operation's description in the schema)

    allowed_roles = [Role.PURCHASING]

    class InputSerializer(serializers.Serializer):
        lines = PurchaseLineInput(many=True, allow_empty=False, required=False)
        expected_date = serializers.DateField(required=False, allow_null=True)
        justification = serializers.CharField(required=False, max_length=5000)
        reason = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=2000
        )

    def act(self, po, data, user):
        kwargs = {"reason": data.get("reason", "")}
        if "lines" in data:
            kwargs["lines"] = products_by_sku([dict(line) for line in data["lines"]])
        if "expected_date" in data:
            kwargs["expected_date"] = data["expected_date"]
        if "justification" in data:
            kwargs["justification"] = data["justification"]
        return purchase_order_amend(po=po, user=user, **kwargs)

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_amend",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderCancelApi(PurchaseOrderActionApi):
    """Cancel with a reason; after a partial receipt only the remainder is cancelled."""

    allowed_roles = [Role.PURCHASING]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    def act(self, po, data, user):
        return purchase_order_cancel(po=po, user=user, reason=data["reason"])

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_cancel",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderReceiveApi(PurchaseOrderActionApi):
    """Book a goods receipt: per line (`line` id or `sku`/barcode) a quantity, condition, location (default: receiving dock, quarantine for damaged goods), lot and expiry. More than ordered plus tolerance answers 422 and books nothing."""  # noqa: E501 (one paragraph: it is the operation's description in the schema)

    allowed_roles = [Role.PURCHASING, Role.WAREHOUSE]

    class InputSerializer(serializers.Serializer):
        delivery_note = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=100
        )
        note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)
        lines = ReceiveLineInput(many=True, allow_empty=False)

    def act(self, po, data, user):
        rows, errors = [], []
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

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_receive",
    )
    def post(self, request, reference):
        return super().post(request, reference)


class PurchaseOrderCloseApi(PurchaseOrderActionApi):
    """Close a fully received order."""

    allowed_roles = [Role.PURCHASING]

    class InputSerializer(serializers.Serializer):
        pass

    def act(self, po, data, user):
        return purchase_order_close(po=po, user=user)

    @extend_schema(
        request=InputSerializer,
        responses=PurchaseOrderDetailOutput,
        operation_id="purchase_order_close",
    )
    def post(self, request, reference):
        return super().post(request, reference)
