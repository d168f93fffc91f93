"""Server-side prepared statements for the hottest reads.

A read whose SQL prints a whole JSON document in the database is long (the order detail's is
~16 KB, the order list's ~14 KB), and PostgreSQL parses, analyses and plans it anew on every
plain query: on this machine that took longer than running it. `fetch_one_prepared` prepares
such a statement once per database connection (in the same round trip as its first use) and
afterwards only sends `EXECUTE name(params)`; `prepared_values` does the same for a list's
`values()` queryset, whatever filters, ordering and page its paginator adds.

Each database connection keeps at most `MAX_PREPARED` statements: a list's filters make
different texts (a filter more or less, another page size), so the least recently used one
is deallocated, in the round trip that prepares the new one.

Prepared statements live in the database session. One that has gone from it (`DISCARD ALL`,
`DEALLOCATE`) is prepared again, outside a transaction; inside one the error stands (it
aborted the transaction) and the next call prepares it. Behind a pooler in transaction mode
(PgBouncer's `pool_mode=transaction`), where each transaction may land on another session,
most reads would prepare again: give the web processes session pooling or direct connections.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import OrderedDict
from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import QuerySet
from django.db.models.query import BaseIterable, ValuesIterable

# Statements kept per database connection. Each holds its plans in the database server's
# process: ~0.8 MB for the order list's (pg_backend_memory_contexts, CachedPlan*), so 16 of
# them stay near 13 MB a connection.
MAX_PREPARED = 16

_NUMBERS = itertools.count(1)


def fetch_one_prepared(sql: str, params: Sequence, *, using: str = DEFAULT_DB_ALIAS):
    """The first row of `sql` (PostgreSQL placeholders `$1`, `$2`, … for `params`), run as a
    statement prepared on this connection; None when there is no row."""
    if "%" in sql:  # (the call goes through psycopg2's %s formatting)
        raise ValueError("A prepared statement's SQL must not contain '%'.")
    connection = connections[using]
    with connection.cursor() as cursor:
        _run(cursor, connection, sql, params)
        return cursor.fetchone()


def prepared_values(queryset: QuerySet) -> QuerySet:
    """`queryset` (a `values()` queryset) whose rows are read by a statement prepared on the
    connection: the SQL Django compiles for it, with whatever a filter or paginator adds
    (`filter`, `order_by`, a slice), has its `%s` placeholders turned into `$1`, `$2`, …, is
    prepared once per connection keyed by that text and executed with the parameters. Rows
    are the dicts `values()` gives."""
    if queryset._iterable_class is not ValuesIterable:
        raise TypeError("prepared_values() takes a values() queryset.")
    queryset = queryset.all()
    queryset._iterable_class = _PreparedValuesIterable
    return queryset


def _placeholders(sql: str) -> str:
    """Django's compiled SQL (`%s` for each parameter, `%%` for a percent sign) with `$n`
    placeholders, `%%` kept for psycopg2's formatting of the PREPARE."""
    numbers = itertools.count(1)
    return re.sub(r"%[s%]", lambda m: "%%" if m[0] == "%%" else f"${next(numbers)}", sql)


class _PreparedValuesIterable(BaseIterable):
    def __iter__(self):
        queryset = self.queryset
        query = queryset.query
        connection = connections[queryset.db]
        compiler = query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return
        with connection.cursor() as cursor:
            _run(cursor, connection, _placeholders(sql), params)
            rows = cursor.fetchall()
        if compiler.has_extra_select:  # (ordering columns Django added to the SELECT)
            rows = [row[: compiler.col_count] for row in rows]
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )  # fmt: skip  (as ValuesIterable names them)
        for row in compiler.results_iter(results=[rows]):
            yield dict(zip(names, row, strict=True))


def _statements(connection) -> OrderedDict:
    """The statements prepared on `connection`'s current database session: SQL → name,
    least recently used first (forgotten when the session changed: they went with it)."""
    session = connection.connection
    known = connection.__dict__.get("_prepared_statements")
    if known is None or known[0] is not session:
        known = connection.__dict__["_prepared_statements"] = (session, OrderedDict())
    return known[1]


def _run(cursor, connection, sql: str, params: Sequence) -> None:
    """Execute `sql` (its percent signs doubled for psycopg2's formatting) as a statement
    prepared on this session."""
    known = _statements(connection)
    name = known.get(sql)
    try:
        if name is not None:
            known.move_to_end(sql)
            try:
                _execute(cursor, name, None, params)
                return
            except DatabaseError as error:
                # Gone from the session (`DISCARD ALL`, `DEALLOCATE`): prepare it again,
                # unless a transaction is open (the error aborted it).
                if _sqlstate(error) != "26000" or connection.in_atomic_block:
                    raise
                known.clear()  # (a reset takes them all)
        oldest = []
        while len(known) >= MAX_PREPARED:
            oldest.append(known.popitem(last=False)[1])
        try:
            known[sql] = _prepare_and_execute(cursor, sql, params, oldest)
        except DatabaseError as error:
            # A statement to make room for was gone already (a reset we did not see).
            if not oldest or _sqlstate(error) != "26000" or connection.in_atomic_block:
                raise
            known.clear()
            known[sql] = _prepare_and_execute(cursor, sql, params, [])
    except DatabaseError:
        known.pop(sql, None)  # prepare it again next time
        raise


def _sqlstate(error: DatabaseError) -> str | None:
    return getattr(error.__cause__, "pgcode", None)


def _prepare_and_execute(cursor, sql: str, params: Sequence, deallocate: list[str]) -> str:
    # A new name each time (and per process): a statement left half-known by an error, or
    # prepared by another process on a shared session, never clashes.
    name = f"waybill_{os.getpid()}_{next(_NUMBERS)}"
    _execute(cursor, name, sql, params, deallocate)
    return name


def _execute(cursor, name: str, sql: str | None, params: Sequence, deallocate=()) -> None:
    """`EXECUTE name(params)`, after `PREPARE name AS sql` in the same round trip if given
    (and `DEALLOCATE` of the statements it replaces)."""
    call = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    if sql is not None:
        call = f"PREPARE {name} AS {sql}; {call}"
    call = "".join(f"DEALLOCATE {old}; " for old in deallocate) + call
    cursor.execute(call, list(params))
