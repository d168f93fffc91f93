"""CSV downloads of the report pages (the same columns the page shows)."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.utils import timezone


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet formula injection: a cell must not start with a formula character.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(*, name: str, columns: list[tuple[str, str]], rows: Iterable[dict]):
    """Stream `rows` as CSV; `columns` are (key, header) pairs."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([header for _, header in columns])
        for row in rows:
            yield writer.writerow([_cell(row.get(key)) for key, _ in columns])

    filename = f"{name}-{timezone.now():%Y%m%d-%H%M}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
