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
    sql_json,
    sql_json_decimal,
    sql_json_object,
    sql_json_time,
    sql_zone,
)
from core.prepared import fetch_one_prepared
from inventory.models import Product
from orders.models import CustomerOrder, OrderLine, Return, ReturnLine
from orders.selectors import _partner_of
from orders.selectors.documents import json_with_timeline, timeline_sql


def _col(model, name: str, alias: str) -> str:
    return f'{alias}."{model._meta.get_field(name).column}"'


def _table(model, alias: str) -> str:
    return f'"{model._meta.db_table}" {alias}'


def _select(what: str, tables: str, where: str) -> str:
    # Table and column names come from the models and the zone is quoted: no input reaches
    # this SQL (the reference and the partner travel as parameters).
    return " ".join(["SELECT", what, "FROM", tables, "WHERE", where])


def _lines() -> str:
    line = lambda name: _col(ReturnLine, name, "rl")  # noqa: E731
    doc = sql_json_object(
        [
            ("order_line", sql_json(line("order_line"))),
            ("product", sql_json(_col(Product, "sku", "p"))),
            ("quantity", sql_json(line("quantity"))),
            ("reason", sql_json(line("reason"))),
            ("condition", sql_json(line("condition"))),
        ]
    )
    tables = (
        f"{_table(ReturnLine, 'rl')} "
        f"JOIN {_table(OrderLine, 'ol')} ON {_col(OrderLine, 'id', 'ol')} = {line('order_line')} "
        f"JOIN {_table(Product, 'p')} ON {_col(Product, 'id', 'p')} = "
        f"{_col(OrderLine, 'product', 'ol')}"
    )
    what = f"COALESCE(string_agg({doc}, ',' ORDER BY {line('id')}), '')"
    return "(" + _select(what, tables, f"{line('ret')} = {_col(Return, 'id', 'r')}") + ")"


def _detail_sql(zone: str) -> str:
    ret = lambda name: _col(Return, name, "r")  # noqa: E731
    head = sql_json_object(
        [
            ("id", sql_json(ret("reference"))),
            ("reference", sql_json(ret("reference"))),
            ("order", sql_json(_col(CustomerOrder, "reference", "o"))),
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
        f"{_table(Return, 'r')} "
        f"JOIN {_table(CustomerOrder, 'o')} ON {_col(CustomerOrder, 'id', 'o')} = {ret('order')}"
    )
    # The return by reference ($1), within a partner's returns ($2; NULL for staff, who see all).
    where = f"{ret('reference')} = $1 AND ($2::bigint IS NULL OR {ret('partner')} = $2)"
    events = timeline_sql(owner="ret", owner_id=ret("id"), zone=zone)
    return _select(f"{head}, {events}", tables, where)


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
