"""CSV import of products and of opening stock: validated as a whole, written all or nothing.

On any error nothing is written and ValidationFailed (422) carries one entry per problem:
`{"row": 3, "column": "weight_kg", "field": "row 3: weight_kg", "code": ..., "message": ...}`
(row numbers count the header as row 1, as a spreadsheet shows them).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.exceptions import DomainError, ValidationFailed
from inventory.models import PRODUCT_ATTRIBUTES, Location, Product, StockCondition, Warehouse
from inventory.services.stock import stock_receive

MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024

PRODUCT_COLUMNS = [
    "sku",
    "name",
    *PRODUCT_ATTRIBUTES,
    "preferred_supplier_code",
    "is_active",
    "description",
]
PRODUCT_REQUIRED = ["sku", "name"]
STOCK_COLUMNS = [
    "warehouse",
    "location",
    "sku",
    "quantity",
    "condition",
    "lot_code",
    "expires_at",
    "received_at",
    "unit_cost",
]
STOCK_REQUIRED = ["warehouse", "location", "sku", "quantity"]


class _Errors:
    def __init__(self):
        self.items: list[dict] = []

    def add(self, row: int | None, column: str | None, message: str, code: str = "invalid"):
        where = f"row {row}" if row else "file"
        self.items.append(
            {
                "row": row,
                "column": column,
                "field": f"{where}: {column}" if column else where,
                "code": code,
                "message": message,
            }
        )

    def raise_if_any(self, what: str):
        if self.items:
            rows = len({e["row"] for e in self.items if e["row"]})
            raise ValidationFailed(
                f"The {what} file has {len(self.items)} error{pluralize(len(self.items))} in "
                f"{rows} row{pluralize(rows)}; nothing was imported.",
                errors=self.items,
                code="csv_invalid",
            )


def _read(content: bytes | str, *, columns: list[str], required: list[str], errors: _Errors):
    if isinstance(content, bytes):
        if len(content) > MAX_BYTES:
            errors.add(None, None, f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")
            return []
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.add(None, None, "The file is not UTF-8 text.", code="encoding")
            return []
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        errors.add(None, None, "The file is empty; the first line must name the columns.")
        return []
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in columns]
    for column in missing:
        errors.add(1, column, f"Required column '{column}' is missing.", code="missing_column")
    for column in unknown:
        errors.add(1, column, f"Unknown column '{column}'; allowed: {', '.join(columns)}.")
    if missing or unknown:
        return []
    reader.fieldnames = header
    rows = []
    try:
        for index, raw in enumerate(reader, start=2):
            if None in raw:
                errors.add(index, None, "This row has more values than the header has columns.")
                continue
            values = {k: (v or "").strip() for k, v in raw.items()}
            if not any(values.values()):
                continue
            rows.append((index, values))
            if len(rows) > MAX_ROWS:
                errors.add(index, None, f"At most {MAX_ROWS} rows can be imported at once.")
                return []
    except csv.Error as exc:
        errors.add(None, None, f"The file is not valid CSV: {exc}.", code="malformed")
        return []
    if not rows and not errors.items:
        errors.add(None, None, "The file has a header but no rows.")
    return rows


def _int(value, row, column, errors, *, minimum=0):
    try:
        number = int(value)
    except ValueError:
        errors.add(row, column, f"'{value}' is not a whole number.")
        return None
    if number < minimum:
        errors.add(row, column, f"Must be at least {minimum}.")
        return None
    return number


def _decimal(value, row, column, errors):
    try:
        number = Decimal(value.replace(",", ".") if value.count(",") == 1 else value)
    except InvalidOperation:
        errors.add(row, column, f"'{value}' is not a number.")
        return None
    if not number.is_finite() or number < 0:
        errors.add(row, column, "Must be a number of 0 or more.")
        return None
    return number


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def _bool(value, row, column, errors):
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    errors.add(row, column, f"'{value}' is not yes/no (true/false, 1/0).")
    return None


def _product_fields(row: int, values: dict, errors: _Errors) -> dict:
    fields: dict = {}
    for column, value in values.items():
        if value == "" and column not in ("barcode", "preferred_supplier_code", "description"):
            continue
        if column in ("weight_kg", "volume_m3", "unit_cost"):
            fields[column] = _decimal(value, row, column, errors)
        elif column in ("reorder_point", "reorder_qty"):
            fields[column] = _int(value, row, column, errors)
        elif column == "shelf_life_days":
            fields[column] = _int(value, row, column, errors, minimum=1)
        elif column in ("is_returnable", "is_active"):
            fields[column] = _bool(value, row, column, errors)
        else:
            fields[column] = value
    return fields


@transaction.atomic
def import_file_check(*, kind: str, content: bytes) -> None:
    """The file's shape for `kind` ("products" or "stock": UTF-8, a header with the required
    and only known columns, at least one row), checked before an import is queued, so a file
    that could never import is refused at once (422 naming `file`); rows are judged by the
    import."""
    columns, required = {
        "products": (PRODUCT_COLUMNS, PRODUCT_REQUIRED),
        "stock": (STOCK_COLUMNS, STOCK_REQUIRED),
    }[kind]
    if not content.strip():
        raise ValidationFailed("The file is empty.", field="file", code="empty")
    errors = _Errors()
    _read(content, columns=columns, required=required, errors=errors)
    shape = [e for e in errors.items if e["row"] in (None, 1)]
    if shape:
        raise ValidationFailed(
            " ".join(e["message"] for e in shape), field="file", code=shape[0]["code"], errors=shape
        )


def products_import(*, content: bytes | str) -> dict:
    """Create or update products by SKU from CSV (columns: PRODUCT_COLUMNS; sku and name
    required; empty cells keep the current value). Returns {"created": n, "updated": n}."""
    errors = _Errors()
    rows = _read(content, columns=PRODUCT_COLUMNS, required=PRODUCT_REQUIRED, errors=errors)
    errors.raise_if_any("product")
    existing = {p.sku: p for p in Product.objects.filter(sku__in=[v["sku"] for _, v in rows])}
    seen: dict[str, int] = {}
    barcodes: dict[str, int] = {}
    prepared = []
    for row, values in rows:
        sku = values["sku"]
        if sku in seen:
            errors.add(row, "sku", f"SKU {sku} appears again (first on row {seen[sku]}).")
            continue
        seen[sku] = row
        fields = _product_fields(row, values, errors)
        if None in fields.values():
            continue
        barcode = fields.get("barcode")
        if barcode:
            if barcode in barcodes:
                errors.add(row, "barcode", f"Barcode repeats row {barcodes[barcode]}.")
            barcodes[barcode] = row
        product = existing.get(sku) or Product()
        for name, value in fields.items():
            setattr(product, name, value)
        try:
            product.full_clean(validate_unique=True, validate_constraints=True)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                for message in messages:
                    errors.add(row, None if column == "__all__" else column, message)
            continue
        prepared.append(product)
    errors.raise_if_any("product")
    created = sum(1 for p in prepared if p.pk is None)
    for product in prepared:
        product.save()
    return {"created": created, "updated": len(prepared) - created}


def _parse_date(value, row, column, errors) -> date | None:
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(row, column, f"'{value}' is not a date (YYYY-MM-DD).")
    return parsed


def _parse_datetime(value, row, column, errors) -> datetime | None:
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            only_date = parse_date(value)
            if only_date is not None:
                parsed = datetime(only_date.year, only_date.month, only_date.day)
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(row, column, f"'{value}' is not a date or date-time (ISO 8601).")
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed > timezone.now():
        errors.add(row, column, "A receipt time cannot be in the future.")
        return None
    return parsed


@transaction.atomic
def opening_stock_import(*, content: bytes | str, user=None, reference: str = "OPENING") -> dict:
    """Receive opening stock from CSV (columns: STOCK_COLUMNS; warehouse, location, sku and
    quantity required). Every row becomes a `receive` ledger row with the given reference.
    Returns {"rows": n, "units": n}."""
    errors = _Errors()
    rows = _read(content, columns=STOCK_COLUMNS, required=STOCK_REQUIRED, errors=errors)
    errors.raise_if_any("opening stock")
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    locations = {
        (loc.warehouse.code, loc.code): loc for loc in Location.objects.select_related("warehouse")
    }
    products = {p.sku: p for p in Product.objects.filter(sku__in={v["sku"] for _, v in rows})}
    prepared = []
    for row, values in rows:
        before = len(errors.items)
        warehouse = warehouses.get(values["warehouse"].upper())
        if warehouse is None:
            errors.add(row, "warehouse", f"Unknown warehouse '{values['warehouse']}'.")
        location = warehouse and locations.get((warehouse.code, values["location"].upper()))
        if warehouse is not None and location is None:
            errors.add(row, "location", f"No location '{values['location']}' in {warehouse.code}.")
        elif location is not None and not location.is_active:
            errors.add(row, "location", f"Location {location} is inactive.")
        product = products.get(values["sku"])
        if product is None:
            errors.add(row, "sku", f"Unknown SKU '{values['sku']}'.")
        elif not product.is_active:
            errors.add(row, "sku", f"Product {product.sku} is inactive.")
        quantity = _int(values["quantity"], row, "quantity", errors, minimum=1)
        condition = values.get("condition") or StockCondition.GOOD
        if condition not in StockCondition.values:
            errors.add(row, "condition", f"Use one of {', '.join(StockCondition.values)}.")
        expires_at = values.get("expires_at") and _parse_date(
            values["expires_at"], row, "expires_at", errors
        )
        received_at = values.get("received_at") and _parse_datetime(
            values["received_at"], row, "received_at", errors
        )
        unit_cost = values.get("unit_cost") and _decimal(
            values["unit_cost"], row, "unit_cost", errors
        )
        if expires_at and not values.get("lot_code"):
            errors.add(row, "lot_code", "An expiry date needs a lot code.")
        if len(errors.items) == before:
            prepared.append(
                (
                    row,
                    {
                        "product": product,
                        "location": location,
                        "quantity": quantity,
                        "condition": condition,
                        "lot_code": values.get("lot_code") or None,
                        "expires_at": expires_at or None,
                        "received_at": received_at or None,
                        "unit_cost": unit_cost if unit_cost not in ("", None) else None,
                    },
                )
            )
    errors.raise_if_any("opening stock")
    units = 0
    for row, kwargs in prepared:
        try:
            stock_receive(**kwargs, reference=reference, reason="Opening stock import", user=user)
        except DomainError as exc:  # e.g. two rows giving one lot different expiry dates
            for error in exc.errors or [{"field": None, "message": exc.detail}]:
                errors.add(row, error.get("field"), error["message"])
        units += kwargs["quantity"]
    errors.raise_if_any("opening stock")
    return {"rows": len(prepared), "units": units}
