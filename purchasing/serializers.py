"""Public output shapes of purchasing's reads, for any API that prints them.

A reorder suggestion (purchasing.selectors.ReorderSuggestion) is shown by purchasing's own
`/api/v1/reorder-suggestions/` and by forecasting's forecast-driven suggestions; both start
with the same fields, declared here once so the two stay alike without forecasting importing
purchasing's API module.
"""

from __future__ import annotations

from rest_framework import serializers


def suggestion_fields() -> dict:
    """The fields every API that shows a reorder suggestion starts with, for its response
    schema; `suggestion_data` fills them."""
    return {
        "product": serializers.CharField(),
        "warehouse": serializers.CharField(),
        "available": serializers.IntegerField(),
        "on_order": serializers.IntegerField(),
        "reorder_point": serializers.IntegerField(),
        "quantity": serializers.IntegerField(),
        "supplier": serializers.CharField(allow_null=True),
    }


def suggestion_data(s) -> dict:
    """`suggestion_fields` of a suggestion (purchasing.selectors.reorder_suggestions)."""
    return {
        "product": s.product.sku,
        "warehouse": s.warehouse.code,
        "available": s.available,
        "on_order": s.on_order,
        "reorder_point": s.reorder_point,
        "quantity": s.quantity,
        "supplier": s.supplier.code if s.supplier else None,
    }
