"""What a customer can do on the tracking page: add delivery instructions, rate a delivery,
ask for a return."""

from __future__ import annotations

from django.db import transaction

from core.exceptions import Conflict, ValidationFailed
from orders.models import CustomerOrder, OrderEvent, OrderStatus
from orders.services import order_event_add
from tracking.models import DeliveryInstruction, Rating, StopEta
from tracking.services.pages import page_invalidate

INSTRUCTIONS_MAX = 500
COMMENT_MAX = 2000
# Instructions can change until the driver is heading to the customer (the stop is next).
INSTRUCTION_STATUSES = {
    OrderStatus.NEW,
    OrderStatus.CONFIRMED,
    OrderStatus.PICKED,
    OrderStatus.PACKED,
    OrderStatus.PLANNED,
    OrderStatus.OUT_FOR_DELIVERY,
}


def instructions_editable(order: CustomerOrder) -> bool:
    if order.status not in INSTRUCTION_STATUSES:
        return False
    if order.status == OrderStatus.OUT_FOR_DELIVERY:
        return (
            not StopEta.objects.filter(
                stop__order=order, stop__status="planned", is_next=True
            ).exists()
            and not order.route_stops.filter(status="arrived").exists()
        )
    return True


@transaction.atomic
def instructions_set(*, order: CustomerOrder, text: str) -> DeliveryInstruction | None:
    """The customer's delivery instructions (empty text removes them). Refused (409) once the
    driver is on the way to them, or after delivery."""
    text = (text or "").strip()
    if len(text) > INSTRUCTIONS_MAX:
        raise ValidationFailed(
            f"Keep the instructions under {INSTRUCTIONS_MAX} characters.", field="instructions"
        )
    order = CustomerOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if not instructions_editable(order):
        raise Conflict(
            "The driver is already on the way; instructions can no longer be changed.",
            field="instructions",
            code="too_late",
        )
    current = DeliveryInstruction.objects.filter(order=order).first()
    if (current.text if current else "") == text:
        return current
    if not text:
        DeliveryInstruction.objects.filter(order=order).delete()
        result = None
    else:
        result, _ = DeliveryInstruction.objects.update_or_create(
            order=order, defaults={"text": text}
        )
    order_event_add(
        order=order,
        type=OrderEvent.Type.NOTE,
        message="The customer updated the delivery instructions.",
    )
    page_invalidate(token=order.tracking_token)
    return result


@transaction.atomic
def rating_submit(*, order: CustomerOrder, score, comment: str = "") -> Rating:
    """A 1-5 rating with an optional comment, for a delivered order; submitting again
    replaces it."""
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed("Choose 1 to 5 stars.", field="score")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(f"Keep the comment under {COMMENT_MAX} characters.", field="comment")
    order = CustomerOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status != OrderStatus.DELIVERED:
        raise Conflict("Only a delivered order can be rated.", field="score", code="not_delivered")
    rating, _ = Rating.objects.update_or_create(
        order=order, defaults={"score": score, "comment": comment}
    )
    page_invalidate(token=order.tracking_token)
    return rating
