"""core.prepared.fetch_one_prepared: the row a plain query gives, the statement prepared once per
database session (in the round trip of its first use) and prepared again when the session
changed or lost it."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.prepared import fetch_one_prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT $1::text || '!', $2::int + 1, 'a''b'"


def test_answers_the_row_and_prepares_once(django_assert_num_queries):
    fresh = "SELECT $1::int * 2, $2::text"  # (not prepared by another test on this connection)
    with django_assert_num_queries(1) as first:
        assert fetch_one_prepared(fresh, [21, "x"]) == (42, "x")
    assert first.captured_queries[0]["sql"].startswith("PREPARE ")
    with django_assert_num_queries(1) as second:
        assert fetch_one_prepared(fresh, [1, None]) == (2, None)
    assert second.captured_queries[0]["sql"].startswith("EXECUTE ")
    assert fetch_one_prepared("SELECT 1 WHERE $1::int = 0", [5]) is None


def test_parameters_are_values_never_sql(django_assert_num_queries):
    hostile = "'); DROP TABLE orders_customerorder; --"
    assert fetch_one_prepared(SQL, [hostile, 1]) == (hostile + "!", 2, "a'b")


def test_sql_with_a_percent_sign_is_refused():
    with pytest.raises(ValueError, match="%"):
        fetch_one_prepared("SELECT '100%' || $1::text", ["x"])


@pytest.mark.django_db(transaction=True)
def test_a_new_session_or_a_statement_gone_prepares_again(django_assert_num_queries):
    assert fetch_one_prepared(SQL, ["a", 1]) == ("a!", 2, "a'b")
    connection.close()  # (CONN_MAX_AGE ran out, or the database restarted)
    with django_assert_num_queries(1) as again:
        assert fetch_one_prepared(SQL, ["b", 2]) == ("b!", 3, "a'b")
    assert again.captured_queries[0]["sql"].startswith("PREPARE ")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # (what a pooler's reset does)
    assert fetch_one_prepared(SQL, ["c", 3]) == ("c!", 4, "a'b")
    assert fetch_one_prepared(SQL, ["d", 4]) == ("d!", 5, "a'b")


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_lost_statement_fails_and_the_next_call_prepares():
    assert fetch_one_prepared(SQL, ["a", 1]) == ("a!", 2, "a'b")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_one_prepared(SQL, ["b", 2])
    assert fetch_one_prepared(SQL, ["c", 3]) == ("c!", 4, "a'b")
