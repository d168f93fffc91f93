"""Returns (RMA): request checked against the policy, pickup or drop-off, receipt, refund.

Lifecycle (RETURN_TRANSITIONS):

    requested → approved | rejected
    approved → in_transit (picked up) → [at_depot (the pickup route is back)] → received
             → refunded → closed
    approved → received (dropped off at the warehouse);  received → closed (nothing to refund)

Policy (return_policy_violations): the order was delivered; each product is returnable
(`Product.is_returnable`); the request is within the return window (ProductReturnPolicy or
settings.RETURN_WINDOW_DAYS, counted from delivery); quantity ≤ delivered - already returned
(returns not rejected). Quantity errors are bad input (422, nothing written). A policy refusal
is a 422 naming the reason too — unless the dispatcher asks to record it, then the return is
saved as rejected with that reason.

On receipt each line's condition decides: good → restocked (inventory `stock_return`, good, to
the warehouse's returns or storage location), damaged → quarantined, unusable → booked into
quarantine and scrapped. The refund amount is recorded (default: returned units x unit price).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed, assert_transition
from core.references import reference_next
from inventory.models import Location, StockCondition
from inventory.services import stock_return, stock_scrap
from orders.models import (
    CustomerOrder,
    OrderEvent,
    OrderStatus,
    Return,
    ReturnLine,
)
from orders.services.cleaning import coordinates_clean
from orders.services.common import acting_user, order_event_add
from orders.services.return_policy import (
    RETURN_TRANSITIONS,
    R,
    return_lines_clean,
    return_policy_violations,
)


@transaction.atomic
def return_request(
    *,
    order: CustomerOrder,
    lines: list[dict],
    channel: str,
    method: str = Return.Method.PICKUP,
    pickup_address: str = "",
    pickup_latitude=None,
    pickup_longitude=None,
    pickup_window_start: datetime | None = None,
    pickup_window_end: datetime | None = None,
    note: str = "",
    record_rejection: bool = False,
    user=None,
    now: datetime | None = None,
) -> Return:
    """Request a return of delivered items and decide it by policy at once.

    `lines`: `{order_line: OrderLine | order_line_id: int, quantity: int, reason: str}`.
    Within policy → approved (pickup returns then appear for routing). Outside policy →
    ValidationFailed (422, code `return_policy`, nothing written), or with
    `record_rejection=True` a rejected return carrying the policy reason.
    """
    if channel not in Return.Channel.values:
        raise ValidationFailed("Unknown channel.", field="channel")
    if method not in Return.Method.values:
        raise ValidationFailed(f"Use one of {', '.join(Return.Method.values)}.", field="method")
    order = CustomerOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status != OrderStatus.DELIVERED:
        raise Conflict(
            f"Only delivered orders can be returned; {order.reference} is "
            f"{order.get_status_display().lower()}.",
            field="order",
            code="not_delivered",
        )
    clean = return_lines_clean(order=order, lines=lines)
    coordinates = coordinates_clean(pickup_latitude, pickup_longitude, prefix="pickup_")
    if method == Return.Method.PICKUP:
        pickup_address = (pickup_address or "").strip() or order.address
        if coordinates is None and order.latitude is not None:
            coordinates = (order.latitude, order.longitude)
    if (pickup_window_start is None) != (pickup_window_end is None) or (
        pickup_window_start and pickup_window_start >= pickup_window_end
    ):
        raise ValidationFailed(
            "The pickup window needs a start before its end.", field="pickup_window_end"
        )
    violations = return_policy_violations(order=order, lines=clean, now=now)
    if violations and not record_rejection:
        raise ValidationFailed(
            "The return policy refuses this request: " + " ".join(v["message"] for v in violations),
            code="return_policy",
            errors=violations,
        )
    ret = Return.objects.create(
        reference=reference_next(prefix="RMA"),
        order=order,
        partner=order.partner,
        warehouse=order.warehouse,
        channel=channel,
        method=method,
        pickup_address=pickup_address if method == Return.Method.PICKUP else "",
        pickup_latitude=coordinates[0] if coordinates and method == "pickup" else None,
        pickup_longitude=coordinates[1] if coordinates and method == "pickup" else None,
        pickup_window_start=pickup_window_start,
        pickup_window_end=pickup_window_end,
        note=(note or "").strip(),
        currency=order.currency,
        created_by=acting_user(user),
    )
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(ret=ret, order_line=line, quantity=quantity, reason=reason)
            for line, quantity, reason in clean
        ]
    )
    units = sum(q for _, q, _ in clean)
    order_event_add(
        order=order,
        ret=ret,
        type=OrderEvent.Type.RETURN_REQUESTED,
        message=f"Return {ret.reference} requested for {units} unit{pluralize(units)} ({channel}).",
        user=user,
    )
    if violations:
        _return_move(
            ret, R.REJECTED, rejection_reason=" ".join(v["message"] for v in violations)[:300]
        )
        order_event_add(
            order=order,
            ret=ret,
            type=OrderEvent.Type.RETURN_REJECTED,
            message=ret.rejection_reason,
            data={"violations": [v["code"] for v in violations]},
            user=user,
        )
    else:
        _return_move(ret, R.APPROVED)
        order_event_add(
            order=order,
            ret=ret,
            type=OrderEvent.Type.RETURN_APPROVED,
            message="Within the return policy: "
            + ("a pickup will be planned." if method == "pickup" else "drop off at the warehouse."),
            user=user,
        )
    return ret


def _return_move(ret: Return, target: str, **fields) -> None:
    assert_transition(RETURN_TRANSITIONS, current=ret.status, target=target, what="return")
    ret.status = target
    for name, value in fields.items():
        setattr(ret, name, value)
    ret.save(update_fields=["status", "updated_at", *fields])


def _locked(ret: Return) -> Return:
    return (
        Return.objects.select_for_update(of=("self",))
        .select_related("order__partner", "warehouse")
        .get(pk=ret.pk)
    )


@transaction.atomic
def return_reject(*, ret: Return, reason: str, user=None) -> Return:
    """A dispatcher refuses a requested/approved (not yet received) return, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the return is rejected.", field="reason", code="required")
    ret = _locked(ret)
    _return_move(ret, R.REJECTED, rejection_reason=reason[:300])
    order_event_add(
        order=ret.order, ret=ret, type=OrderEvent.Type.RETURN_REJECTED, message=reason, user=user
    )
    return ret


@transaction.atomic
def return_in_transit(*, ret: Return, user=None) -> Return:
    """approved → in_transit: the items were picked up (routing/tracking call this)."""
    ret = _locked(ret)
    if ret.status == R.IN_TRANSIT:
        return ret
    _return_move(ret, R.IN_TRANSIT)
    order_event_add(
        order=ret.order,
        ret=ret,
        type=OrderEvent.Type.RETURN_IN_TRANSIT,
        message="Picked up, on the way to the warehouse.",
        user=user,
    )
    return ret


@transaction.atomic
def return_at_depot(*, ret: Return, user=None, route_ref: str = "") -> Return:
    """in_transit → at_depot: the route that picked it up is back at the depot; the items wait
    for inspection (`return_receive`). Repeated calls change nothing."""
    ret = _locked(ret)
    if ret.status == R.AT_DEPOT:
        return ret
    _return_move(ret, R.AT_DEPOT)
    order_event_add(
        order=ret.order,
        ret=ret,
        type=OrderEvent.Type.NOTE,
        message=f"Back at depot {ret.warehouse.code}"
        + (f" with route {route_ref}" if route_ref else "")
        + "; waiting for inspection.",
        data={"route": route_ref} if route_ref else {},
        user=user,
    )
    return ret


def _location_for(ret: Return, kinds: list[str], what: str) -> Location:
    for kind in kinds:
        location = (
            Location.objects.filter(warehouse=ret.warehouse, kind=kind, is_active=True)
            .select_related("warehouse")
            .order_by("code")
            .first()
        )
        if location is not None:
            return location
    raise ValidationFailed(
        f"Warehouse {ret.warehouse.code} has no active {what} location.",
        field="conditions",
        code="no_location",
    )


@transaction.atomic
def return_receive(
    *,
    ret: Return,
    conditions: dict[int, str],
    refund_amount=None,
    user=None,
) -> Return:
    """approved/in_transit/at_depot → received: book each line into stock by its condition.

    `conditions` maps each ReturnLine pk to good | damaged | unusable (every line needs one).
    good → `stock_return(condition="good")` into the returns (or storage) location; damaged →
    quarantined stock in the quarantine location; unusable → returned to quarantine then scrapped
    (ledger `return` + `scrap`). Records the refund amount (default units x unit price).
    """
    ret = _locked(ret)
    assert_transition(RETURN_TRANSITIONS, current=ret.status, target=R.RECEIVED, what="return")
    lines = list(ret.lines.select_related("order_line__product").order_by("pk"))
    for index, line in enumerate(lines):
        condition = conditions.get(line.pk) or conditions.get(str(line.pk))
        if condition not in ReturnLine.Condition.values:
            raise ValidationFailed(
                f"Give the condition of {line.order_line.product.sku}: "
                f"{', '.join(ReturnLine.Condition.values)}.",
                field=f"lines[{index}].condition",
                code="required",
            )
        line.condition = condition
    refund = _refund_clean(refund_amount, lines)
    restock = quarantine = None
    for line in lines:
        product = line.order_line.product
        reference = ret.reference
        if line.condition == ReturnLine.Condition.GOOD:
            restock = restock or _location_for(
                ret, [Location.Kind.RETURNS, Location.Kind.STORAGE], "returns or storage"
            )
            stock_return(
                product=product,
                location=restock,
                quantity=line.quantity,
                condition=StockCondition.GOOD,
                reference=reference,
                user=acting_user(user),
                reason="Customer return, good condition",
            )
        else:
            quarantine = quarantine or _location_for(ret, [Location.Kind.QUARANTINE], "quarantine")
            row = stock_return(
                product=product,
                location=quarantine,
                quantity=line.quantity,
                condition=StockCondition.QUARANTINED
                if line.condition == ReturnLine.Condition.DAMAGED
                else StockCondition.DAMAGED,
                reference=reference,
                user=acting_user(user),
                reason=f"Customer return, {line.condition}",
            )
            if line.condition == ReturnLine.Condition.UNUSABLE:
                stock_scrap(
                    stock=row,
                    quantity=line.quantity,
                    reason=f"Returned unusable ({ret.reference})",
                    reference=reference,
                    user=acting_user(user),
                )
    ReturnLine.objects.bulk_update(lines, ["condition"])
    _return_move(ret, R.RECEIVED, received_at=timezone.now(), refund_amount=refund)
    summary = {
        c: sum(line.quantity for line in lines if line.condition == c)
        for c in ReturnLine.Condition.values
    }
    order_event_add(
        order=ret.order,
        ret=ret,
        type=OrderEvent.Type.RETURN_RECEIVED,
        message=f"Received: {summary['good']} restocked, {summary['damaged']} quarantined, "
        f"{summary['unusable']} scrapped; refund {refund} {ret.currency}.",
        data={"conditions": summary, "refund_amount": refund},
        user=user,
    )
    return ret


def _refund_clean(value, lines: list[ReturnLine]) -> Decimal:
    if value is None or value == "":
        return sum(
            (line.quantity * line.order_line.unit_price for line in lines), Decimal("0")
        ).quantize(Decimal("0.01"))
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Enter an amount.", field="refund_amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed("The refund cannot be negative.", field="refund_amount")
    return amount


@transaction.atomic
def return_refund(*, ret: Return, amount=None, user=None) -> Return:
    """received → refunded (the amount recorded at receipt unless a new one is given)."""
    ret = _locked(ret)
    assert_transition(RETURN_TRANSITIONS, current=ret.status, target=R.REFUNDED, what="return")
    refund = ret.refund_amount if amount is None else _refund_clean(amount, [])
    _return_move(ret, R.REFUNDED, refund_amount=refund)
    order_event_add(
        order=ret.order,
        ret=ret,
        type=OrderEvent.Type.RETURN_REFUNDED,
        message=f"Refunded {refund} {ret.currency}.",
        data={"refund_amount": refund},
        user=user,
    )
    return ret


@transaction.atomic
def return_close(*, ret: Return, user=None) -> Return:
    """received/refunded → closed."""
    ret = _locked(ret)
    _return_move(ret, R.CLOSED)
    order_event_add(
        order=ret.order, ret=ret, type=OrderEvent.Type.RETURN_CLOSED, message="Closed.", user=user
    )
    return ret
