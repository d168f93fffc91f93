import threading

import pytest
from django.db import connection

from core.references import reference_next, references_next


@pytest.mark.django_db
def test_a_block_of_references_continues_the_sequence():
    assert reference_next(prefix="BLK", year=2026) == "BLK-2026-000001"
    assert references_next(prefix="BLK", count=3, year=2026) == [
        "BLK-2026-000002",
        "BLK-2026-000003",
        "BLK-2026-000004",
    ]
    assert reference_next(prefix="BLK", year=2026) == "BLK-2026-000005"
    assert references_next(prefix="BLK", count=0, year=2026) == []


@pytest.mark.django_db
def test_references_have_prefix_year_and_six_digits():
    assert reference_next(prefix="PO", year=2026) == "PO-2026-000001"
    assert reference_next(prefix="PO", year=2026) == "PO-2026-000002"
    assert reference_next(prefix="ORD", year=2026) == "ORD-2026-000001"
    assert reference_next(prefix="PO", year=2027) == "PO-2027-000001"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_allocations_are_unique():
    barrier = threading.Barrier(20)
    refs: list[str] = []

    def allocate():
        barrier.wait()
        try:
            refs.append(reference_next(prefix="RACE", year=2026))
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(refs) == [f"RACE-2026-{n:06d}" for n in range(1, 21)]
