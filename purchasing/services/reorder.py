"""Turning reorder suggestions into draft purchase orders, and the daily digest."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string

from core.roles import Role
from purchasing.models import PurchaseOrder
from purchasing.selectors import ReorderSuggestion, reorder_suggestions
from purchasing.services.lifecycle import purchase_order_create


@transaction.atomic
def reorder_purchase_orders_create(
    *,
    user,
    suggestions: list[ReorderSuggestion] | None = None,
    product_ids: set[int] | None = None,
) -> list[PurchaseOrder]:
    """Create draft orders from reorder suggestions (fresh ones unless given), one per supplier
    and destination warehouse; `product_ids` keeps only those products. Suggestions without a
    supplier are skipped. Each order's justification lists why every line is needed."""
    if suggestions is None:
        suggestions = reorder_suggestions()
    groups: dict[tuple[int, int], list[ReorderSuggestion]] = defaultdict(list)
    for suggestion in suggestions:
        if suggestion.supplier_product is None:
            continue
        if product_ids is not None and suggestion.product.pk not in product_ids:
            continue
        groups[(suggestion.supplier.pk, suggestion.warehouse.pk)].append(suggestion)
    orders = []
    for (_, _), items in sorted(
        groups.items(), key=lambda kv: (kv[1][0].supplier.code, kv[1][0].warehouse.code)
    ):
        justification = "Reorder: below reorder point. " + "; ".join(
            f"{s.product.sku} available {s.available} + on order {s.on_order} "
            f"< reorder point {s.reorder_point}"
            for s in items
        )
        orders.append(
            purchase_order_create(
                supplier=items[0].supplier,
                warehouse=items[0].warehouse,
                requester=user,
                justification=justification,
                lines=[{"product": s.product, "quantity": s.quantity} for s in items],
                source=PurchaseOrder.Source.REORDER,
            )
        )
    return orders


def reorder_digest_send(*, base_url: str = "") -> int:
    """Email the current reorder suggestions to every active user with the purchasing role;
    returns how many emails were sent (none when there is nothing to reorder)."""
    suggestions = reorder_suggestions()
    if not suggestions:
        return 0
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.PURCHASING)
        .exclude(email="")
        .distinct()
    )
    context = {"suggestions": suggestions, "base_url": base_url}
    n = len(suggestions)
    subject = f"Reorder suggestions: {n} product{pluralize(n)} below reorder point"
    text = render_to_string("purchasing/email/reorder_digest.txt", context)
    html = render_to_string("purchasing/email/reorder_digest.html", context)
    sent = 0
    for user in users:
        message = EmailMultiAlternatives(subject, text, to=[user.email])
        message.attach_alternative(html, "text/html")
        sent += message.send()
    return sent
