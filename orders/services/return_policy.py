"""The return policy: the return window per product, what was already returned, and which
requested lines break the policy (window, returnable, quantity)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from core.exceptions import ValidationFailed
from orders.models import (
    CustomerOrder,
    OrderLine,
    ProductReturnPolicy,
    ReturnLine,
    ReturnStatus,
)

R = ReturnStatus
RETURN_TRANSITIONS: dict[str, set[str]] = {
    R.REQUESTED: {R.APPROVED, R.REJECTED},
    R.APPROVED: {R.IN_TRANSIT, R.RECEIVED, R.REJECTED},
    R.IN_TRANSIT: {R.AT_DEPOT, R.RECEIVED},
    R.AT_DEPOT: {R.RECEIVED},
    R.RECEIVED: {R.REFUNDED, R.CLOSED},
    R.REFUNDED: {R.CLOSED},
    R.REJECTED: set(),
    R.CLOSED: set(),
}


def return_window_days(product) -> int:
    policy = ProductReturnPolicy.objects.filter(product=product).first()
    if policy is not None:
        return policy.window_days
    return int(getattr(settings, "RETURN_WINDOW_DAYS", 30))


def returned_quantities(*, order: CustomerOrder) -> dict[int, int]:
    """Units per order line already in a return that was not rejected."""
    rows = (
        ReturnLine.objects.filter(order_line__order=order)
        .exclude(ret__status=R.REJECTED)
        .values("order_line")
        .annotate(total=Sum("quantity"))
    )
    return {row["order_line"]: row["total"] for row in rows}


def return_lines_clean(
    *, order: CustomerOrder, lines: list[dict]
) -> list[tuple[OrderLine, int, str]]:
    """Bad input (unknown line, quantity ≤ 0 or above what is left to return) → 422."""
    if not lines:
        raise ValidationFailed("Say which items are returned.", field="lines", code="required")
    order_lines = {line.pk: line for line in order.lines.select_related("product")}
    already = returned_quantities(order=order)
    seen: set[int] = set()
    out = []
    for index, item in enumerate(lines):
        line = item.get("order_line")
        line_id = line.pk if isinstance(line, OrderLine) else item.get("order_line_id", line)
        line = order_lines.get(line_id)
        if line is None:
            raise ValidationFailed(
                "This line is not part of the order.",
                field=f"lines[{index}].order_line",
                code="not_found",
            )
        if line.pk in seen:
            raise ValidationFailed(
                "Each order line appears once.", field=f"lines[{index}].order_line"
            )
        seen.add(line.pk)
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValidationFailed(
                "The quantity must be a whole number above 0.",
                field=f"lines[{index}].quantity",
                code="min_value",
            )
        left = line.quantity_delivered - already.get(line.pk, 0)
        if quantity > left:
            raise ValidationFailed(
                f"Only {left} of {line.product.sku} can still be returned "
                f"({line.quantity_delivered} delivered, "
                f"{already.get(line.pk, 0)} already returned).",
                field=f"lines[{index}].quantity",
                code="more_than_delivered",
            )
        reason = item.get("reason") or ""
        if reason not in ReturnLine.Reason.values:
            raise ValidationFailed(
                f"Give a reason: one of {', '.join(ReturnLine.Reason.values)}.",
                field=f"lines[{index}].reason",
            )
        out.append((line, quantity, reason))
    return out


def return_policy_violations(
    *, order: CustomerOrder, lines: list[tuple[OrderLine, int, str]], now: datetime | None = None
) -> list[dict]:
    """Policy reasons (returnable, window) per line as `{field, code, message}`; [] = approve."""
    now = now or timezone.now()
    delivered_at = order.delivered_at or now
    out = []
    for index, (line, _quantity, _reason) in enumerate(lines):
        product = line.product
        if not product.is_returnable:
            out.append(
                {
                    "field": f"lines[{index}].order_line",
                    "code": "not_returnable",
                    "message": f"{product.sku} ({product.name}) cannot be returned.",
                }
            )
            continue
        days = return_window_days(product)
        deadline = delivered_at + timedelta(days=days)
        if now > deadline:
            out.append(
                {
                    "field": f"lines[{index}].order_line",
                    "code": "return_window_closed",
                    "message": f"{product.sku} could be returned within {days} days of delivery, "
                    f"until {timezone.localtime(deadline):%Y-%m-%d}.",
                }
            )
    return out
