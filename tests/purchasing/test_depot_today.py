"""Purchasing's "today" is the warehouse's date: at 23:30 UTC it is already tomorrow in Berlin,
so the day that just ended there is in the past (the expected date) and an order due then is
overdue, whatever the server's zone (UTC here)."""

import datetime as dt

import pytest

from core.exceptions import ValidationFailed
from purchasing.models import PurchaseOrder
from purchasing.selectors import purchase_order_list

pytestmark = pytest.mark.django_db

# 01:30 on 5 May in Berlin (CEST), still 4 May on the server's UTC calendar.
LATE = dt.datetime(2026, 5, 4, 23, 30, tzinfo=dt.UTC)
BERLIN_YESTERDAY, BERLIN_TODAY = dt.date(2026, 5, 4), dt.date(2026, 5, 5)


@pytest.fixture
def late_evening(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: LATE)


def test_the_day_that_ended_at_the_warehouse_is_in_the_past(make_po, late_evening):
    with pytest.raises(ValidationFailed) as refused:
        make_po(expected_date=BERLIN_YESTERDAY)
    assert refused.value.errors[0]["field"] == "expected_date"
    assert "past" in refused.value.errors[0]["message"]
    assert make_po(expected_date=BERLIN_TODAY).expected_date == BERLIN_TODAY


def test_an_order_due_on_the_day_that_ended_at_the_warehouse_is_overdue(po_in, late_evening):
    po = po_in("sent")
    PurchaseOrder.objects.filter(pk=po.pk).update(expected_date=BERLIN_YESTERDAY)

    assert [p.reference for p in purchase_order_list(overdue=True)] == [po.reference]
