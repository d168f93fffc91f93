"""Orders out for delivery: a change that moves one, or puts another stop ahead of one, needs an
explicit override with a reason, and the override goes on the order's timeline.

An order out for delivery is on the van and its customer has been told when to expect it;
moving it to another van, or making the driver visit someone else first, breaks that promise.
Both the dispatcher's moves (`stop_move`) and same-day insertion (`order_insert`) ask this one
rule.
"""

from __future__ import annotations

from core.exceptions import Conflict, ValidationFailed
from orders import services as order_services
from orders.models import OrderEvent, OrderStatus
from routing.models import Stop, StopStatus

REASON_MAX = 300


def out_for_delivery_overtaken(
    *, before: list[Stop], after: list[Stop], moved: Stop | None = None
) -> list[Stop]:
    """The planned stops, out for delivery, that the change from sequence `before` to `after`
    (one route, stops in visiting order) touches: the moved stop itself when it is out for
    delivery, and every stop of `after` that now comes later than it did (someone was put
    ahead of it). `after` may hold unsaved stops (an insertion)."""
    was = {s.pk: k for k, s in enumerate(before) if s.pk is not None}
    out = []
    for k, stop in enumerate(after):
        if stop.pk is None or stop.status != StopStatus.PLANNED:
            continue
        if stop.order.status != OrderStatus.OUT_FOR_DELIVERY:
            continue
        if (moved is not None and stop.pk == moved.pk) or (stop.pk in was and k > was[stop.pk]):
            out.append(stop)
    if (
        moved is not None
        and moved.order.status == OrderStatus.OUT_FOR_DELIVERY
        and all(s.pk != moved.pk for s in out)
    ):
        out.insert(0, moved)
    return out


def override_require(*, overtaken: list[Stop], override: bool, reason: str, action: str) -> str:
    """Refuse (409) a change touching orders out for delivery unless `override` is set, and
    then insist on a reason (422). Returns the cleaned reason."""
    reason = (reason or "").strip()
    if not overtaken:
        return reason
    refs = ", ".join(s.order.reference for s in overtaken)
    if not override:
        raise Conflict(
            f"{refs} {'is' if len(overtaken) == 1 else 'are'} out for delivery: {action} "
            "would move or delay them. Confirm with an override and a reason.",
            field="override",
            code="out_for_delivery",
            extra={"orders": [s.order.reference for s in overtaken]},
        )
    if not reason:
        raise ValidationFailed(
            "Say why you override the out-for-delivery rule.", field="reason", code="required"
        )
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            f"The reason is at most {REASON_MAX} characters.", field="reason", code="max_length"
        )
    return reason


def override_record(*, overtaken: list[Stop], reason: str, user, what: str, data: dict) -> None:
    """A timeline note on every order the override touched, naming who and why."""
    who = _who(user)
    for stop in overtaken:
        order_services.order_event_add(
            order=stop.order,
            type=OrderEvent.Type.NOTE,
            message=f"Out-for-delivery override by {who}: {what}. Reason: {reason}"[:500],
            data={"action": "out_for_delivery_override", "by": who, "reason": reason, **data},
            user=user,
            # Dispatch's own note: the reason is internal, not a partner webhook.
            publish_event=False,
        )


def _who(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "the system"
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()
