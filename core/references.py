"""Human-readable document references such as `PO-2026-000123`, allocated without races."""

from django.db import connection
from django.utils import timezone

from core.models import DocumentSequence

_TABLE = DocumentSequence._meta.db_table
_NEXT_VALUE_SQL = (
    f"INSERT INTO {_TABLE} (prefix, year, last_value) VALUES (%s, %s, %s) "  # noqa: S608
    f"ON CONFLICT (prefix, year) DO UPDATE SET last_value = {_TABLE}.last_value + %s "
    "RETURNING last_value"
)


def reference_next(*, prefix: str, year: int | None = None, width: int = 6) -> str:
    """Return the next reference for `prefix` in `year`.

    One `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement takes the row lock and increments
    it, so concurrent callers always get distinct numbers. Inside a transaction that later rolls
    back, the number is given back too (no gaps from failed writes, but callers wait on the lock
    until the first transaction ends).
    """
    return references_next(prefix=prefix, count=1, year=year, width=width)[0]


def references_next(
    *, prefix: str, count: int, year: int | None = None, width: int = 6
) -> list[str]:
    """The next `count` references for `prefix` in `year`, in order, taken in one statement
    (for documents written in bulk)."""
    if count < 1:
        return []
    year = year or timezone.now().year
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_VALUE_SQL, [prefix, year, count, count])
        (last,) = cursor.fetchone()
    return [f"{prefix}-{year}-{value:0{width}d}" for value in range(last - count + 1, last + 1)]
