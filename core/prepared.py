"""Server-side prepared statements for the hottest reads.

A read whose SQL prints a whole JSON document in the database is long (the order detail's is
~16 KB), and PostgreSQL parses, analyses and plans it anew on every plain query: on this
machine that took longer than running it. `fetch_one_prepared` prepares such a statement once
per database connection (in the same round trip as its first use) and afterwards only sends
`EXECUTE name(params)`.

Prepared statements live in the database session, so this needs a session of its own per
Django connection, as Django gives; a pooler in transaction mode that hands the session to
other clients (or runs `DISCARD ALL`) between requests does not keep them.
"""

from __future__ import annotations

import itertools
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
        if prepared is not None and prepared[0] is session:
            name = prepared[1]
            call = ""
        else:
            # A new name each time: a statement left half-known by an error never clashes.
            name = f"waybill_{next(_NUMBERS)}"
            call = f"PREPARE {name} AS {sql}; "
        call += f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
        try:
            cursor.execute(call, params)
        except DatabaseError:
            known.pop(key, None)  # prepare it again next time (a new session, a pooler's reset)
            raise
        known[key] = (session, name)
        return cursor.fetchone()
