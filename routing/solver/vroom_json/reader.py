"""Typed readers over decoded JSON that record every fault with its JSON path.

A reader never raises on a bad value: it notes `(path, message)` and returns None, so one pass
reports every fault of an input at once (capped at MAX_ERRORS) and callers raise a single
`VroomInputError` at the end.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1
MAX_ERRORS = 50


class VroomInputError(ValueError):
    """The input is not valid JSON, not valid VROOM input, or asks for something Waybill's
    solver cannot honour. `errors` lists `(path, message)` pairs; `path` is like
    `jobs[3].time_windows[0]` ("" for the document itself); `path`/`message` are the first."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        self.path, self.message = self.errors[0]
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in self.errors))


def loads(text: str | bytes) -> Any:
    """Decode JSON, turning syntax errors into a VroomInputError that says where."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise VroomInputError(
            [("", f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except UnicodeDecodeError:
        raise VroomInputError([("", "malformed JSON: not UTF-8 text")]) from None
    except ValueError as exc:
        raise VroomInputError([("", f"malformed JSON: {exc}")]) from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Reader:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def error(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((path, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise VroomInputError(self.errors)

    def obj(
        self, value: Any, path: str, known: frozenset[str], required: tuple[str, ...] = ()
    ) -> dict | None:
        """An object with only known keys (an unknown key is most often a typo, and silently
        ignoring it would plan something else than what was asked)."""
        if not isinstance(value, dict):
            self.error(path, f"must be an object, got {_kind(value)}")
            return None
        for key in value:
            if key not in known:
                self.error(join(path, key), "unknown field")
        for key in required:
            if key not in value:
                self.error(join(path, key), "is required")
        return value

    def array(self, value: Any, path: str, *, non_empty: bool = False) -> list | None:
        if not isinstance(value, list):
            self.error(path, f"must be an array, got {_kind(value)}")
            return None
        if non_empty and not value:
            self.error(path, "must not be empty")
            return None
        return value

    def uint(self, value: Any, path: str, maximum: int = UINT32_MAX) -> int | None:
        if not _is_int(value) or value < 0:
            self.error(path, f"must be a non-negative integer, got {_show(value)}")
            return None
        if value > maximum:
            self.error(path, f"must be at most {maximum}, got {value}")
            return None
        return value

    def string(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.error(path, f"must be a string, got {_kind(value)}")
            return None
        return value

    def number(self, value: Any, path: str) -> float | None:
        if _is_int(value) or (isinstance(value, float) and math.isfinite(value)):
            return float(value)
        self.error(path, f"must be a number, got {_show(value)}")
        return None

    def amount(self, value: Any, path: str, size: int) -> list[int] | None:
        items = self.array(value, path)
        if items is None:
            return None
        if len(items) != size:
            self.error(path, f"must have {size} components like the first vehicle's capacity")
            return None
        out = [self.uint(q, join(path, k)) for k, q in enumerate(items)]
        return None if None in out else out

    def skills(self, value: Any, path: str) -> frozenset[str] | None:
        items = self.array(value, path)
        if items is None:
            return None
        out = [self.uint(s, join(path, k)) for k, s in enumerate(items)]
        return None if None in out else frozenset(str(s) for s in out)

    def time_window(self, value: Any, path: str) -> tuple[int, int] | None:
        if not isinstance(value, list) or len(value) != 2:
            self.error(path, "must be a [start, end] pair of integer seconds")
            return None
        start, end = self.uint(value[0], join(path, 0)), self.uint(value[1], join(path, 1))
        if start is None or end is None:
            return None
        if end < start:
            self.error(path, f"ends ({end}) before it starts ({start})")
            return None
        return start, end

    def time_windows(self, value: Any, path: str) -> list[tuple[int, int]] | None:
        items = self.array(value, path, non_empty=True)
        if items is None:
            return None
        out = [self.time_window(w, join(path, k)) for k, w in enumerate(items)]
        return None if None in out else sorted(out)

    def coordinates(self, value: Any, path: str) -> tuple[float, float] | None:
        """VROOM's [lon, lat]."""
        if not isinstance(value, list) or len(value) != 2:
            self.error(path, "must be a [lon, lat] pair")
            return None
        lon, lat = self.number(value[0], join(path, 0)), self.number(value[1], join(path, 1))
        if lon is None or lat is None:
            return None
        if not -180 <= lon <= 180:
            self.error(join(path, 0), f"longitude must be within [-180, 180], got {lon}")
            return None
        if not -90 <= lat <= 90:
            self.error(join(path, 1), f"latitude must be within [-90, 90], got {lat}")
            return None
        return lon, lat

    def matrix(self, value: Any, path: str) -> np.ndarray | None:
        """A non-empty square array of arrays of unsigned 32-bit integers."""
        rows = self.array(value, path, non_empty=True)
        if rows is None:
            return None
        n = len(rows)
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != n:
                self.error(join(path, i), f"must be an array of {n} integers (square matrix)")
                return None
        if {type(x) for row in rows for x in row} == {int}:  # the common case, checked fast
            try:
                matrix = np.array(rows, dtype=np.int64)
            except OverflowError:
                matrix = None
            if matrix is not None and matrix.min() >= 0 and matrix.max() <= UINT32_MAX:
                return matrix
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                if not _is_int(x) or not 0 <= x <= UINT32_MAX:
                    self.error(
                        join(join(path, i), j),
                        f"must be an integer in [0, {UINT32_MAX}], got {_show(x)}",
                    )
                    return None
        return np.array(rows, dtype=np.int64).reshape(n, n)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), "a number")


def _show(value: Any) -> str:
    if isinstance(value, (dict, list, str, bool)) or value is None:
        return _kind(value)
    return repr(value)
