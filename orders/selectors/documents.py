"""The partner order list and order detail as JSON text written by PostgreSQL.

On a page of 50 orders with their lines and parcels, building model instances and running
them through the output serializer was most of the request's CPU. Here the database prints
each order as `orders.apis.orders.OrderOutput` would (byte for byte what DRF's JSONRenderer
gives for it; tests/orders/test_order_list_json.py compares the two) and Python joins the rows.
The detail (`OrderDetailOutput`: the same fields, then the timeline, the delivery attempts, the
PIN's state and the cash collected) is printed the same way in one query
(tests/orders/test_order_detail_json.py).
"""

from __future__ import annotations

import json

from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.exceptions import NotFound
from core.output import (
    sql_json,
    sql_json_date,
    sql_json_decimal,
    sql_json_object,
    sql_json_time,
    sql_zone,
)
from core.prepared import fetch_one_prepared, prepared_values
from inventory.models import Product, Warehouse
from orders.models import (
    CodCollection,
    Customer,
    CustomerOrder,
    DeliveryAttempt,
    DeliveryPin,
    OrderEvent,
    OrderLine,
    Parcel,
)
from orders.selectors import _partner_of


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


def _order_members(zone: str) -> list[tuple[str, str]]:
    """`OrderOutput`'s members as (name, JSON text SQL); `zone`: the SQL literal of the zone
    DRF prints times in. The warehouse is `w` and the customer `c` (see `_with_parties`)."""
    local = _col(Warehouse, "timezone", "w")  # the windows are printed in the warehouse's zone
    customer = lambda name: _col(Customer, name, "c")  # noqa: E731
    text, decimal, date = sql_json, sql_json_decimal, sql_json_date

    def in_warehouse(name):
        return sql_json_time(_order(name), local, utc_z=False)

    def in_zone(name):
        return sql_json_time(_order(name), zone, utc_z=True)

    lat, lon = _order("latitude"), _order("longitude")
    return [
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


def _with_parties(doc: str) -> str:
    """`doc` selected with the order's warehouse (`w`) and customer (`c`)."""
    return _select(
        doc,
        f'"{Warehouse._meta.db_table}" w, "{Customer._meta.db_table}" c',
        f"{_col(Warehouse, 'id', 'w')} = {_order('warehouse')} "
        f"AND {_col(Customer, 'id', 'c')} = {_order('customer')}",
    )


def _order_sql(zone: str) -> str:
    """One order's JSON text as the list prints it."""
    return _with_parties(sql_json_object(_order_members(zone)))


_SQL: dict[str, str] = {}


def orders_as_json(qs: QuerySet[CustomerOrder]) -> QuerySet:
    """`qs` as rows of `id` and `doc`, the order's JSON text as the partner API prints it
    (`OrderOutput`: the windows in the warehouse's zone, the other times in the current
    zone, lines and parcels included), for a paginator ordering by id."""
    zone = timezone.get_current_timezone_name()
    if zone not in _SQL:
        _SQL[zone] = _order_sql(sql_zone(zone))
    doc = RawSQL(_SQL[zone], (), output_field=TextField())  # noqa: S611 (no input in it)
    return prepared_values(qs.select_related(None).order_by().values("id").annotate(doc=doc))


def timeline_sql(*, owner: str, owner_id: str, zone: str) -> str:
    """The timeline of an order or a return as a JSON array, oldest first: `owner` is the
    OrderEvent field naming it (`order`, `ret`), `owner_id` the SQL of its id in the outer
    query, `zone` the SQL literal of the zone times are printed in. PostgreSQL prints an
    event's `data` (jsonb) with spaces after `:` and `,`, and its numbers as written, so
    `json_with_timeline` prints this array again as JSONRenderer does."""
    event = lambda name: _col(OrderEvent, name, "e")  # noqa: E731
    doc = sql_json_object(
        [
            ("type", sql_json(event("type"))),
            ("at", sql_json_time(event("at"), zone, utc_z=True)),
            ("message", sql_json(event("message"))),
            ("data", f"COALESCE({event('data')}::text, 'null')"),
        ]
    )
    rows = _select(
        f"COALESCE(string_agg({doc}, ',' ORDER BY {event('at')}, {event('id')}), '')",
        f'"{OrderEvent._meta.db_table}" e',
        f"{event(owner)} = {owner_id}",
    )
    return f"'[' || {rows} || ']'"


def json_with_timeline(head: str, events: str, tail: str = "{}") -> bytes:
    """The document's JSON: the members of `head` (a JSON object's text), then `"events"`,
    the timeline `timeline_sql` read, printed again as JSONRenderer prints it, then the
    members of `tail`; U+2028/2029 escaped as JSONRenderer escapes them."""
    if events != "[]":
        events = json.dumps(json.loads(events), ensure_ascii=False, separators=(",", ":"))
    rest = "}" if tail == "{}" else "," + tail[1:]
    body = f'{head[:-1]},"events":{events}{rest}'
    if "\u2028" in body or "\u2029" in body:  # (JSONRenderer escapes them for JavaScript)
        body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return body.encode()


def _detail_tail(zone: str) -> str:
    """What the detail prints after the timeline: attempts, the PIN's state, the cash
    collected (`OrderDetailOutput`), as a JSON object."""
    attempt = lambda name: _col(DeliveryAttempt, name, "a")  # noqa: E731
    attempt_doc = sql_json_object(
        [
            ("attempted_at", sql_json_time(attempt("attempted_at"), zone, utc_z=True)),
            ("outcome", sql_json(attempt("outcome"))),
            ("failure_reason", sql_json(attempt("failure_reason"))),
            ("note", sql_json(attempt("note"))),
        ]
    )
    attempts = _select(
        f"COALESCE(string_agg({attempt_doc}, ',' "
        f"ORDER BY {attempt('attempted_at')}, {attempt('id')}), '')",
        f'"{DeliveryAttempt._meta.db_table}" a',
        f"{attempt('order')} = {_order('id')}",
    )
    pin = _select(
        sql_json(_col(DeliveryPin, "state", "pin")),
        f'"{DeliveryPin._meta.db_table}" pin',
        f"{_col(DeliveryPin, 'order', 'pin')} = {_order('id')}",
    )
    cod = lambda name: _col(CodCollection, name, "cod")  # noqa: E731
    cod_doc = sql_json_object(
        [
            ("method", sql_json(cod("method"))),
            ("amount", sql_json_decimal(cod("amount"))),
            ("currency", sql_json(cod("currency"))),
            ("collected_at", sql_json_time(cod("collected_at"), zone, utc_z=True)),
        ]
    )
    collected = _select(
        cod_doc,
        f'"{CodCollection._meta.db_table}" cod',
        f"{cod('order')} = {_order('id')}",
    )
    return sql_json_object(
        [
            ("attempts", f"'[' || {attempts} || ']'"),
            ("pin_state", f"COALESCE({pin}, 'null')"),
            ("cod_collection", f"COALESCE({collected}, 'null')"),
        ]
    )


_DETAIL_SQL: dict[str, str] = {}


def _detail_sql(zone: str) -> str:
    """The detail's query: the order by reference ($1), within a partner's orders ($2, the
    partner's id; NULL: any order — the rule of `orders_visible_to`), as three JSON texts:
    the order's `OrderOutput` fields, its timeline, and the rest of the detail."""
    literal = sql_zone(zone)
    head = _with_parties(sql_json_object(_order_members(literal)))
    table = f'"{CustomerOrder._meta.db_table}"'
    where = f"{_order('reference')} = $1 AND ($2::bigint IS NULL OR {_order('partner')} = $2)"
    events = timeline_sql(owner="order", owner_id=_order("id"), zone=literal)
    # Table and column names come from the models, the zone is quoted: no input in this SQL.
    return " ".join(
        ["SELECT", f"{head}, {events}, {_detail_tail(literal)}", "FROM", table]
        + ["WHERE", where, "LIMIT 1"]
    )


def order_as_json(*, reference: str, user) -> bytes:
    """One order as the partner API's detail prints it (`OrderDetailOutput` through DRF's
    JSONRenderer, byte for byte), read in one query, as the caller may see it (404
    otherwise)."""
    zone = timezone.get_current_timezone_name()
    sql = _DETAIL_SQL.get(zone)
    if sql is None:
        sql = _DETAIL_SQL[zone] = _detail_sql(zone)
    partner = _partner_of(user)  # (the rule of orders_visible_to)
    row = fetch_one_prepared(sql, [reference, partner.pk if partner is not None else None])
    if row is None:
        raise NotFound(f"No order {reference}.", field="reference")
    return json_with_timeline(*row)
