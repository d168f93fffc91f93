"""CSV import of customer orders: validated as a whole, all orders or none, errors per row.

One row per order line; rows sharing `order_ref` form one order (order columns are read from
its first row). Columns (header required, order free):

    order_ref, warehouse, customer_name, customer_email, customer_phone, address,
    latitude, longitude, window_start, window_end, service_time_s, priority,
    required_skills (separated by "|"), instructions, sku, quantity, unit_price

`order_ref` becomes the order's external reference (unique per partner). Times without an
offset are local to the warehouse. Errors come back with `row` (the line number, counting the
header as line 1: the row number a spreadsheet shows) and `column`, and as the path
`rows[<line number>].<column>` in `field`.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.exceptions import DomainError, ValidationFailed
from inventory.models import Product, Warehouse
from orders.services.creation import order_create
from partners.models import Partner

REQUIRED = ["order_ref", "warehouse", "customer_name", "address", "window_start", "window_end",
            "sku", "quantity"]  # fmt: skip
OPTIONAL = ["customer_email", "customer_phone", "latitude", "longitude", "service_time_s",
            "priority", "required_skills", "instructions", "unit_price"]  # fmt: skip
MAX_ROWS = 5000
MAX_BYTES = 5_000_000


def _err(row: int, column: str, message: str, code: str = "invalid") -> dict:
    return {
        "field": f"rows[{row}].{column}",
        "row": row,
        "column": column,
        "code": code,
        "message": message,
    }


def _decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise ValidationFailed("The file is larger than 5 MB; split it.", field="file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The file must be UTF-8 encoded CSV.", field="file") from None


def _datetime(value: str, tz):
    parsed = None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        return None
    return timezone.make_aware(parsed, tz) if timezone.is_naive(parsed) else parsed


def orders_import_check(*, content: bytes) -> None:
    """The file's shape (UTF-8, the required columns, 1 to MAX_ROWS rows), checked before an
    import is queued, so a file that could never import is refused at once (422 naming
    `file`); the rows themselves are judged by the import."""
    _file_rows(content)


def _file_rows(content: bytes) -> list[dict]:
    reader = csv.DictReader(io.StringIO(_decode(content)))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed(
            f"Missing column(s): {', '.join(missing)}.", field="file", code="missing_columns"
        )
    reader.fieldnames = header
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not valid CSV: {exc}.", field="file") from None
    if not rows:
        raise ValidationFailed("The file has no rows.", field="file", code="empty")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(f"At most {MAX_ROWS} rows per file.", field="file")
    return rows


def orders_import(
    *, content: bytes, partner: Partner | None = None, user=None, progress=None
) -> dict:
    """Create every order of the file or none. Returns `{"created": n, "orders": [...]}`;
    raises ValidationFailed listing all errors (row and column) otherwise. `progress(done,
    total)`, when given, is told every 25 orders how far the creation got."""
    rows = _file_rows(content)

    warehouses = {w.code: w for w in Warehouse.objects.filter(is_active=True)}
    skus = {(r.get("sku") or "").strip() for r in rows}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    errors: list[dict] = []
    groups: dict[str, dict] = {}
    for number, raw in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        ref = row.get("order_ref", "")
        if not ref:
            errors.append(_err(number, "order_ref", "Required.", "required"))
            continue
        if ref not in groups:
            groups[ref] = _order_from_row(number, row, warehouses, errors)
        group = groups[ref]
        product = products.get(row.get("sku", ""))
        if product is None:
            errors.append(
                _err(number, "sku", f"Unknown product '{row.get('sku', '')}'.", "not_found")
            )
        quantity = row.get("quantity", "")
        if not quantity.isdigit() or int(quantity) <= 0:
            errors.append(_err(number, "quantity", "A whole number above 0.", "min_value"))
            quantity = None
        try:
            price = Decimal(row.get("unit_price") or "0")
            if not price.is_finite() or price < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(_err(number, "unit_price", "A price of 0 or more."))
            price = None
        if group is not None and product is not None and quantity and price is not None:
            group["lines"].append(
                {"product": product, "quantity": int(quantity), "unit_price": price}
            )
            group["line_rows"].append(number)
    if errors:
        raise _failed(errors)

    created = []
    with transaction.atomic():
        for index, (ref, group) in enumerate(groups.items()):
            if progress is not None and index % 25 == 0:
                progress(index, len(groups))
            params = {k: v for k, v in group.items() if k not in ("row", "line_rows")}
            try:
                order = order_create(**params, external_ref=ref, partner=partner, user=user)
            except DomainError as exc:
                errors.extend(_row_errors(exc, group))
                continue
            created.append({"reference": order.reference, "external_ref": ref})
        if errors:
            raise _failed(errors)
    return {"created": len(created), "orders": created}


def _failed(errors: list[dict]) -> ValidationFailed:
    rows = len({e["row"] for e in errors})
    return ValidationFailed(
        f"Nothing was imported: {len(errors)} error{pluralize(len(errors))} in "
        f"{rows} row{pluralize(rows)}.",
        code="import_failed",
        errors=errors,
    )


def _row_errors(exc: DomainError, group: dict) -> list[dict]:
    """Map a service error on `lines[i].x` / `x` back to the CSV row and column."""
    columns = {"product": "sku", "quantity": "quantity", "unit_price": "unit_price",
                "external_ref": "order_ref", "customer.name": "customer_name"}  # fmt: skip
    out = []
    for error in exc.errors or [{"field": None, "code": exc.code, "message": exc.detail}]:
        field = error.get("field") or "order_ref"
        row = group["row"]
        if field.startswith("lines["):
            index = int(field[6 : field.index("]")])
            row = group["line_rows"][index] if index < len(group["line_rows"]) else row
            field = field.split(".", 1)[1] if "." in field else "sku"
        out.append(
            _err(row, columns.get(field, field), error["message"], error.get("code", "invalid"))
        )
    return out


def _order_from_row(number: int, row: dict, warehouses: dict, errors: list) -> dict | None:
    before = len(errors)
    warehouse = warehouses.get(row.get("warehouse", "").upper())
    if warehouse is None:
        errors.append(
            _err(number, "warehouse", f"Unknown warehouse '{row.get('warehouse')}'.", "not_found")
        )
    tz = warehouse.tzinfo if warehouse else timezone.get_current_timezone()
    windows = {}
    for column in ("window_start", "window_end"):
        value = _datetime(row.get(column, ""), tz)
        if value is None:
            errors.append(_err(number, column, "A date and time such as 2026-05-04 14:00."))
        windows[column] = value
    service = row.get("service_time_s") or "300"
    if not service.isdigit():
        errors.append(_err(number, "service_time_s", "Whole seconds."))
    priority = row.get("priority") or "1"
    if priority not in {"0", "1", "2", "3"}:
        errors.append(_err(number, "priority", "0 (low) to 3 (urgent)."))
    if len(errors) > before:
        return None
    skills = [s.strip() for s in (row.get("required_skills") or "").split("|") if s.strip()]
    return {
        "row": number,
        "line_rows": [],
        "warehouse": warehouse,
        "customer_name": row.get("customer_name", ""),
        "customer_email": row.get("customer_email", ""),
        "customer_phone": row.get("customer_phone", ""),
        "address": row.get("address", ""),
        "latitude": row.get("latitude") or None,
        "longitude": row.get("longitude") or None,
        "window_start": windows["window_start"],
        "window_end": windows["window_end"],
        "service_time_s": int(service),
        "priority": int(priority),
        "required_skills": skills,
        "instructions": row.get("instructions", ""),
        "lines": [],
    }
