"""The return detail as JSON text written by PostgreSQL.

`orders.apis.returns.ReturnDetailOutput` (the return's fields, its lines, its timeline) read
through the ORM and the serializer cost about two thirds of the request's CPU; here one SQL
statement, built once per time zone and prepared once per database connection
(core.prepared), prints the document as DRF's JSONRenderer prints the serializer's output
(tests/orders/test_return_detail_json.py compares the two byte for byte).
"""

from __future__ import annotations

from django.utils import timezone

from core.exceptions import NotFound
from core.output import (
    sql_column,
    sql_json,
    sql_json_decimal,
    sql_json_object,
    sql_json_time,
    sql_select,
    sql_table,
    sql_zone,
)
from core.prepared import fetch_one_prepared
from inventory.models import Product
from orders.models import CustomerOrder, OrderLine, Return, ReturnLine
from orders.selectors import _partner_of
from orders.selectors.documents import json_with_timeline, timeline_sql


def _lines() -> str:
    line = lambda name: sql_column(ReturnLine, name, "rl")  # noqa: E731
    doc = sql_json_object(
        [
            ("order_line", sql_json(line("order_line"))),
            ("product", sql_json(sql_column(Product, "sku", "p"))),
            ("quantity", sql_json(line("quantity"))),
            ("reason", sql_json(line("reason"))),
            ("condition", sql_json(line("condition"))),
        ]
    )
    tables = (
        f"{sql_table(ReturnLine, 'rl')} "
        f"JOIN {sql_table(OrderLine, 'ol')} "
        f"ON {sql_column(OrderLine, 'id', 'ol')} = {line('order_line')} "
        f"JOIN {sql_table(Product, 'p')} ON {sql_column(Product, 'id', 'p')} = "
        f"{sql_column(OrderLine, 'product', 'ol')}"
    )
    what = f"COALESCE(string_agg({doc}, ',' ORDER BY {line('id')}), '')"
    return "(" + sql_select(what, tables, f"{line('ret')} = {sql_column(Return, 'id', 'r')}") + ")"


def _detail_sql(zone: str) -> str:
    ret = lambda name: sql_column(Return, name, "r")  # noqa: E731
    head = sql_json_object(
        [
            ("id", sql_json(ret("reference"))),
            ("reference", sql_json(ret("reference"))),
            ("order", sql_json(sql_column(CustomerOrder, "reference", "o"))),
            ("status", sql_json(ret("status"))),
            ("channel", sql_json(ret("channel"))),
            ("method", sql_json(ret("method"))),
            ("pickup_address", sql_json(ret("pickup_address"))),
            ("pickup_latitude", sql_json_decimal(ret("pickup_latitude"))),
            ("pickup_longitude", sql_json_decimal(ret("pickup_longitude"))),
            ("rejection_reason", sql_json(ret("rejection_reason"))),
            ("refund_amount", sql_json_decimal(ret("refund_amount"))),
            ("currency", sql_json(ret("currency"))),
            ("received_at", sql_json_time(ret("received_at"), zone, utc_z=True)),
            ("created_at", sql_json_time(ret("created_at"), zone, utc_z=True)),
            ("lines", f"'[' || {_lines()} || ']'"),
        ]
    )
    tables = (
        f"{sql_table(Return, 'r')} "
        f"JOIN {sql_table(CustomerOrder, 'o')} "
        f"ON {sql_column(CustomerOrder, 'id', 'o')} = {ret('order')}"
    )
    # The return by reference ($1), within a partner's returns ($2; NULL for staff, who see all).
    where = f"{ret('reference')} = $1 AND ($2::bigint IS NULL OR {ret('partner')} = $2)"
    events = timeline_sql(owner="ret", owner_id=ret("id"), zone=zone)
    return sql_select(f"{head}, {events}", tables, where)


_SQL: dict[str, str] = {}


def return_as_json(*, reference: str, user) -> bytes:
    """One return as the API's detail prints it (`ReturnDetailOutput` through DRF's
    JSONRenderer, byte for byte), in one query, as the caller may see it
    (`returns_visible_to`: a partner its own returns only; 404 otherwise)."""
    zone = timezone.get_current_timezone_name()
    sql = _SQL.get(zone)
    if sql is None:
        sql = _SQL[zone] = _detail_sql(sql_zone(zone))
    partner = _partner_of(user)
    # Prepared once per database connection: parsing and planning the statement cost more
    # than running it.
    row = fetch_one_prepared(sql, [reference, partner.pk if partner is not None else None])
    if row is None:
        raise NotFound(f"No return {reference}.", field="reference")
    return json_with_timeline(*row)
