"""core.prepared.fetch_one_prepared and prepared_values: the rows a plain query gives, the
statement prepared once per database session (in the round trip of its first use), at most
MAX_PREPARED of them, and prepared again when the session changed or lost it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL

from core import prepared
from core.prepared import fetch_one_prepared, prepared_values
from inventory.models import Warehouse
from tests.factories import WarehouseFactory

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


# core.prepared.prepared_values: a list's values() queryset read by a prepared statement.


def _session_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _warehouses(*codes):
    return [WarehouseFactory(code=code) for code in codes]


def test_a_values_queryset_gives_the_rows_values_gives_prepared_once(django_assert_num_queries):
    _warehouses("PV1", "PV2", "PV3")
    qs = Warehouse.objects.filter(code__startswith="PV").order_by("-code").values("id", "code")
    with django_assert_num_queries(1) as first:
        rows = list(prepared_values(qs))
    assert rows == list(qs) and [row["code"] for row in rows] == ["PV3", "PV2", "PV1"]
    assert first.captured_queries[0]["sql"].startswith("PREPARE ")
    with django_assert_num_queries(1) as second:
        assert list(prepared_values(qs)[1:3]) == list(qs[1:3])  # (a page: another text)
    with django_assert_num_queries(1) as third:
        assert list(prepared_values(qs)[1:3]) == list(qs[1:3])
    assert second.captured_queries[0]["sql"].startswith("PREPARE ")
    assert third.captured_queries[0]["sql"].startswith("EXECUTE ")


def test_filters_with_other_values_reuse_one_statement(django_assert_num_queries):
    _warehouses("RU1", "RU2")
    base = prepared_values(Warehouse.objects.values("code"))
    assert list(base.filter(code="RU1")) == [{"code": "RU1"}]
    before = _session_statements()
    with django_assert_num_queries(2) as again:
        assert list(base.filter(code="RU2")) == [{"code": "RU2"}]
        assert list(base.filter(code="nope")) == []
    assert all(q["sql"].startswith("EXECUTE ") for q in again.captured_queries)
    assert _session_statements() == before


def test_a_filter_a_paginator_adds_later_is_read_prepared_too():
    _warehouses("LA1", "LA2", "LA3")
    rows = prepared_values(Warehouse.objects.filter(code__startswith="LA").values("id", "code"))
    # What CursorPagination does with it: order, filter past the cursor, slice one more.
    page = rows.order_by("-id").filter(id__lt=rows.order_by("-id")[0]["id"])[0:2]
    assert [row["code"] for row in page] == ["LA2", "LA1"]


def test_percent_signs_and_search_values_are_not_placeholders():
    WarehouseFactory(code="P%C", name="100% dock")
    qs = Warehouse.objects.filter(name__icontains="0% d").annotate(sign=RawSQL("'%%s and %%'", ()))
    assert list(prepared_values(qs.values("code", "sign"))) == [{"code": "P%C", "sign": "%s and %"}]
    no_parameters = Warehouse.objects.annotate(sign=RawSQL("'%%'", ())).values("sign")[:1]
    assert list(prepared_values(no_parameters)) == [{"sign": "%"}]


def test_an_empty_filter_reads_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(prepared_values(Warehouse.objects.filter(id__in=[]).values("id"))) == []


def test_only_a_values_queryset_is_taken():
    with pytest.raises(TypeError):
        prepared_values(Warehouse.objects.all())


def test_each_connection_keeps_at_most_max_statements_dropping_the_oldest(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(prepared, "MAX_PREPARED", 3)
    _warehouses("BD1")
    texts = [
        Warehouse.objects.values("code").filter(code="BD1").order_by(order)
        for order in ("id", "-id", "code", "-code", "name")
    ]
    for qs in texts:
        with django_assert_num_queries(1):  # (DEALLOCATE travels with the PREPARE)
            assert list(prepared_values(qs)) == [{"code": "BD1"}]
        assert len([s for s in _session_statements() if "inventory_warehouse" in s]) <= 3
    with django_assert_num_queries(1) as newest:
        list(prepared_values(texts[-1]))
    assert newest.captured_queries[0]["sql"].startswith("EXECUTE ")
    with django_assert_num_queries(1) as oldest:
        list(prepared_values(texts[0]))
    assert oldest.captured_queries[0]["sql"].startswith("DEALLOCATE ")


@pytest.mark.django_db(transaction=True)
def test_a_session_reset_prepares_the_lists_again(monkeypatch):
    monkeypatch.setattr(prepared, "MAX_PREPARED", 2)
    _warehouses("SR1")
    one = prepared_values(Warehouse.objects.filter(code="SR1").values("code"))
    two = prepared_values(Warehouse.objects.filter(code__in=["SR1"]).values("code"))
    assert list(one) == list(two) == [{"code": "SR1"}]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # (what a pooler's reset does)
    assert list(one) == [{"code": "SR1"}]
    # The statement to make room for went with the reset too.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    three = prepared_values(Warehouse.objects.filter(code__startswith="SR").values("code"))
    assert list(two) == list(three) == [{"code": "SR1"}]
    assert list(three.filter(code="SR1")) == [{"code": "SR1"}]
    connection.close()
    assert list(one) == [{"code": "SR1"}]
