"""The API's reads of orders and returns as rows: one query each, nested rows as JSON arrays.

A prefetch costs a round trip to the database and a model instance per row; on a list of 50
orders with their lines and parcels that was most of the request. Here the nested rows travel
as JSON arrays in the parent's own SELECT, and the output serializers read them as they are.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, TextField
from django.db.models.functions import Cast, JSONObject

from core.output import compiled_once, json_array
from orders.models import (
    CustomerOrder,
    DeliveryAttempt,
    OrderEvent,
    OrderLine,
    Parcel,
    Return,
    ReturnLine,
)


def _text(name: str) -> Cast:
    # Decimals travel as text inside JSON: a JSON number would come back as a float.
    return Cast(name, TextField())


def _line_rows():
    return json_array(
        OrderLine.objects.filter(order=OuterRef("pk")).order_by("pk"),
        id="id",
        product=JSONObject(sku="product__sku", name="product__name"),
        quantity="quantity",
        quantity_reserved="quantity_reserved",
        quantity_picked="quantity_picked",
        quantity_delivered="quantity_delivered",
        unit_price=_text("unit_price"),
    )


def _parcel_rows():
    return json_array(
        Parcel.objects.filter(order=OuterRef("pk")).order_by("pk"),
        label_code="label_code",
        weight_kg=_text("weight_kg"),
        volume_m3=_text("volume_m3"),
    )


def _attempt_rows():
    return json_array(
        DeliveryAttempt.objects.filter(order=OuterRef("pk")).order_by("attempted_at", "pk"),
        attempted_at="attempted_at",
        outcome="outcome",
        failure_reason="failure_reason",
        note="note",
    )


def _event_rows(parent: str):
    def build():
        return json_array(
            OrderEvent.objects.filter(**{parent: OuterRef("pk")}).order_by("at", "pk"),
            type="type",
            at="at",
            message="message",
            data="data",
        )

    return build


_ORDER_COLUMNS = (
    *(f.name for f in CustomerOrder._meta.concrete_fields),
    "warehouse__code",
    "warehouse__timezone",
    "customer__name",
    "customer__email",
    "customer__phone",
)


def orders_for_api(qs: QuerySet[CustomerOrder], *, details: bool = False, related=()):
    """Orders with everything the API prints, in a single query: the warehouse and customer
    joined, the lines (id, product SKU and name, quantities, unit price) and parcels as JSON
    arrays `line_rows` and `parcel_rows`; with `details` also the delivery attempts
    (`attempt_rows`) and the timeline (`event_rows`). Each array replaces a prefetch (a round
    trip and a model instance per row); decimals are strings and the nested times ISO
    strings (`core.output.json_array_times` turns them into datetimes). `related`: one-to-one
    relations to join whole."""
    arrays = {"line_rows": _line_rows, "parcel_rows": _parcel_rows}
    if details:
        arrays |= {"attempt_rows": _attempt_rows, "event_rows": _event_rows("order")}
    # Of the warehouse and the customer only what is printed (code and zone; name and contact),
    # not their dozens of columns; the order's own columns all.
    return (
        qs.select_related(None)
        .select_related("warehouse", "customer", *related)
        .only(*_ORDER_COLUMNS, *related)
        .annotate(
            **{name: compiled_once(CustomerOrder, name, build) for name, build in arrays.items()}
        )
    )


def returns_for_api(qs: QuerySet[Return], *, details: bool = False):
    """Returns with what the API prints, in a single query: the order's reference joined; with
    `details` also the lines (order line id, product SKU, quantity, reason, condition) as
    `line_rows` and the timeline as `event_rows` (ISO strings for `json_array_times`)."""
    # Only the order's reference is printed: not the order's (or its customer's) other columns.
    qs = (
        qs.select_related(None)
        .select_related("order")
        .only(*(f.name for f in Return._meta.concrete_fields), "order__reference")
    )
    if not details:
        return qs
    return qs.annotate(
        line_rows=compiled_once(Return, "line_rows", _return_line_rows),
        event_rows=compiled_once(Return, "event_rows", _event_rows("ret")),
    )


def _return_line_rows():
    return json_array(
        ReturnLine.objects.filter(ret=OuterRef("pk")).order_by("pk"),
        order_line_id="order_line_id",
        order_line=JSONObject(product=JSONObject(sku="order_line__product__sku")),
        quantity="quantity",
        reason="reason",
        condition="condition",
    )
