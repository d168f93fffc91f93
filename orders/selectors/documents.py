"""The partner order list as JSON text written by PostgreSQL.

On a page of 50 orders with their lines and parcels, building model instances and running
them through the output serializer was most of the request's CPU. Here the database prints
each order as `orders.apis.orders.OrderOutput` would (byte for byte what DRF's JSONRenderer
gives for it; tests/orders/test_order_list_json.py compares the two) and Python joins the rows.
"""

from __future__ import annotations

from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.output import (
    sql_json,
    sql_json_date,
    sql_json_decimal,
    sql_json_object,
    sql_json_time,
    sql_zone,
)
from inventory.models import Product, Warehouse
from orders.models import Customer, CustomerOrder, OrderLine, Parcel


def _col(model, name: str, alias: str | None = None) -> str:
    table = alias or model._meta.db_table
    return f'"{table}"."{model._meta.get_field(name).column}"'


def _select(what: str, tables: str, where: str) -> str:
    # Table and column names come from the models: no input reaches this SQL.
    return " ".join(["(SELECT", what, "FROM", tables, "WHERE", where + ")"])


def _order(name: str) -> str:
    # The order table is the base table of a query on orders, never aliased, so correlated
    # subselects can name it whatever joins the filters add.
    return _col(CustomerOrder, name)


def _lines() -> str:
    line = lambda name: _col(OrderLine, name, "l")  # noqa: E731
    doc = sql_json_object(
        [
            ("id", sql_json(line("id"))),
            ("product", sql_json(_col(Product, "sku", "p"))),
            ("product_name", sql_json(_col(Product, "name", "p"))),
            ("quantity", sql_json(line("quantity"))),
            ("quantity_reserved", sql_json(line("quantity_reserved"))),
            ("quantity_picked", sql_json(line("quantity_picked"))),
            ("quantity_delivered", sql_json(line("quantity_delivered"))),
            ("unit_price", sql_json_decimal(line("unit_price"))),
        ]
    )
    return _select(
        f"COALESCE(string_agg({doc}, ',' ORDER BY {line('id')}), '')",
        f'"{OrderLine._meta.db_table}" l '
        f'JOIN "{Product._meta.db_table}" p ON {_col(Product, "id", "p")} = {line("product")}',
        f"{line('order')} = {_order('id')}",
    )


def _parcels() -> str:
    parcel = lambda name: _col(Parcel, name, "pa")  # noqa: E731
    doc = sql_json_object(
        [
            ("label_code", sql_json(parcel("label_code"))),
            ("weight_kg", sql_json_decimal(parcel("weight_kg"))),
            ("volume_m3", sql_json_decimal(parcel("volume_m3"))),
        ]
    )
    return _select(
        f"COALESCE(string_agg({doc}, ',' ORDER BY {parcel('id')}), '')",
        f'"{Parcel._meta.db_table}" pa',
        f"{parcel('order')} = {_order('id')}",
    )


def _order_sql(zone: str) -> str:
    """One order's JSON text; `zone`: the SQL literal of the zone DRF prints times in."""
    local = _col(Warehouse, "timezone", "w")  # the windows are printed in the warehouse's zone
    customer = lambda name: _col(Customer, name, "c")  # noqa: E731
    text, decimal, date = sql_json, sql_json_decimal, sql_json_date

    def in_warehouse(name):
        return sql_json_time(_order(name), local, utc_z=False)

    def in_zone(name):
        return sql_json_time(_order(name), zone, utc_z=True)

    lat, lon = _order("latitude"), _order("longitude")
    doc = sql_json_object(
        [
            ("id", text(_order("reference"))),
            ("reference", text(_order("reference"))),
            ("external_ref", text(_order("external_ref"))),
            ("status", text(_order("status"))),
            ("is_partial", text(_order("is_partial"))),
            ("warehouse", text(_col(Warehouse, "code", "w"))),
            (
                "customer",
                sql_json_object(
                    [
                        ("name", text(customer("name"))),
                        ("email", text(customer("email"))),
                        ("phone", text(customer("phone"))),
                    ]
                ),
            ),
            ("address", text(_order("address"))),
            ("latitude", decimal(lat)),
            ("longitude", decimal(lon)),
            ("needs_location", text(f"({lat} IS NULL OR {lon} IS NULL)")),
            ("location_note", text(_order("location_note"))),
            ("window_start", in_warehouse("window_start")),
            ("window_end", in_warehouse("window_end")),
            ("window2_start", in_warehouse("window2_start")),
            ("window2_end", in_warehouse("window2_end")),
            ("service_time_s", text(_order("service_time_s"))),
            ("priority", text(_order("priority"))),
            ("required_skills", text(_order("required_skills"))),
            ("instructions", text(_order("instructions"))),
            ("contact_name", text(_order("contact_name"))),
            ("contact_phone", text(_order("contact_phone"))),
            ("contact_email", text(_order("contact_email"))),
            ("tracking_token", text(_order("tracking_token"))),
            ("delivery_option", text(_order("delivery_option"))),
            ("promised_date", date(_order("promised_date"))),
            ("promised_window_start", in_warehouse("promised_window_start")),
            ("promised_window_end", in_warehouse("promised_window_end")),
            ("requires_pin", text(_order("requires_pin"))),
            ("cod_amount", decimal(_order("cod_amount"))),
            ("cod_currency", text(_order("cod_currency"))),
            ("lines", f"'[' || {_lines()} || ']'"),
            ("parcels", f"'[' || {_parcels()} || ']'"),
            ("created_at", in_zone("created_at")),
            ("updated_at", in_zone("updated_at")),
        ]
    )
    return _select(
        doc,
        f'"{Warehouse._meta.db_table}" w, "{Customer._meta.db_table}" c',
        f"{_col(Warehouse, 'id', 'w')} = {_order('warehouse')} "
        f"AND {_col(Customer, 'id', 'c')} = {_order('customer')}",
    )


_SQL: dict[str, str] = {}


def orders_as_json(qs: QuerySet[CustomerOrder]) -> QuerySet:
    """`qs` as rows of `id` and `doc`, the order's JSON text as the partner API prints it
    (`OrderOutput`: the windows in the warehouse's zone, the other times in the current
    zone, lines and parcels included), for a paginator ordering by id."""
    zone = timezone.get_current_timezone_name()
    if zone not in _SQL:
        _SQL[zone] = _order_sql(sql_zone(zone))
    doc = RawSQL(_SQL[zone], (), output_field=TextField())  # noqa: S611 (no input in it)
    return qs.select_related(None).order_by().values("id").annotate(doc=doc)
