"""Server-side prepared statements for the hottest reads.

A read whose SQL prints a whole JSON document in the database is long (the order detail's is
~16 KB), and PostgreSQL parses, analyses and plans it anew on every plain query: on this
machine that took longer than running it. `fetch_one_prepared` prepares such a statement once
per database connection (in the same round trip as its first use) and afterwards only sends
`EXECUTE name(params)`.

Prepared statements live in the database session. One that has gone from it (`DISCARD ALL`,
`DEALLOCATE`) is prepared again, outside a transaction; inside one the error stands (it
aborted the transaction) and the next call prepares it. Behind a pooler in transaction mode
(PgBouncer's `pool_mode=transaction`), where each transaction may land on another session,
most reads would prepare again: give the web processes session pooling or direct connections.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

_NUMBERS = itertools.count(1)


def fetch_one_prepared(sql: str, params: Sequence, *, using: str = DEFAULT_DB_ALIAS):
    """The first row of `sql` (PostgreSQL placeholders `$1`, `$2`, … for `params`), run as a
    statement prepared on this connection; None when there is no row."""
    if "%" in sql:  # (the call goes through psycopg2's %s formatting)
        raise ValueError("A prepared statement's SQL must not contain '%'.")
    connection = connections[using]
    known = connection.__dict__.setdefault("_prepared_statements", {})
    key = sql  # (a string hashes once: the callers keep theirs)
    with connection.cursor() as cursor:
        session = connection.connection
        prepared = known.get(key)
        try:
            if prepared is not None and prepared[0] is session:
                name = prepared[1]
                try:
                    _execute(cursor, name, None, params)
                except DatabaseError as error:
                    # Gone from the session (`DISCARD ALL`, `DEALLOCATE`): prepare it again,
                    # unless a transaction is open (the error aborted it).
                    if _sqlstate(error) != "26000" or connection.in_atomic_block:
                        raise
                    name = _prepare_and_execute(cursor, sql, params)
            else:
                name = _prepare_and_execute(cursor, sql, params)
        except DatabaseError:
            known.pop(key, None)  # prepare it again next time
            raise
        known[key] = (session, name)
        return cursor.fetchone()


def _sqlstate(error: DatabaseError) -> str | None:
    return getattr(error.__cause__, "pgcode", None)


def _prepare_and_execute(cursor, sql: str, params: Sequence) -> str:
    # A new name each time (and per process): a statement left half-known by an error, or
    # prepared by another process on a shared session, never clashes.
    name = f"waybill_{os.getpid()}_{next(_NUMBERS)}"
    _execute(cursor, name, sql, params)
    return name


def _execute(cursor, name: str, sql: str | None, params: Sequence) -> None:
    """`EXECUTE name(params)`, after `PREPARE name AS sql` in the same round trip if given."""
    call = f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
    cursor.execute(call if sql is None else f"PREPARE {name} AS {sql}; {call}", params)
