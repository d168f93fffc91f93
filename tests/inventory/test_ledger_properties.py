"""Hypothesis stateful test: any sequence of stock operations keeps the ledger and counters true.

After every step: each stock row's ledger sum equals its on_hand, its reserved counter equals
its active reservations, nothing is negative, reserved <= on_hand, and the total on hand equals
what a simple model of receipts, shipments, scrap and adjustments predicts.
"""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.exceptions import DomainError
from inventory.models import Reservation, Stock
from inventory.selectors.integrity import stock_drift
from inventory.services import (
    reservations_release,
    stock_adjust,
    stock_condition_change,
    stock_count,
    stock_pick,
    stock_receive,
    stock_reserve,
    stock_scrap,
    stock_ship,
    stock_transfer,
)
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

quantities = st.integers(min_value=-2, max_value=12)  # includes refused zero/negative input
LOTS = [None, "L-SOON", "L-LATE"]


class StockLedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.warehouse = WarehouseFactory(code="HYP")
        self.storage = [
            LocationFactory(warehouse=self.warehouse, code=code) for code in ("A-01-01", "A-01-02")
        ]
        self.dispatch = LocationFactory(warehouse=self.warehouse, code="D-01", kind="dispatch")
        self.quarantine = LocationFactory(warehouse=self.warehouse, code="Q-01", kind="quarantine")
        self.product = ProductFactory(sku="HYP-1")
        self.expected_on_hand = 0
        self.demands: list[str] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _row(self, index: int) -> Stock | None:
        rows = list(Stock.objects.filter(product=self.product).order_by("pk"))
        return rows[index % len(rows)] if rows else None

    def _try(self, fn, **kwargs):
        try:
            return fn(**kwargs)
        except DomainError:
            return None

    @rule(where=st.integers(0, 3), quantity=quantities, lot=st.sampled_from(LOTS))
    def receive(self, where, quantity, lot):
        location = [*self.storage, self.dispatch, self.quarantine][where]
        expiry = {"L-SOON": date.today() + timedelta(3), "L-LATE": date.today() + timedelta(90)}
        result = self._try(
            stock_receive,
            product=self.product,
            location=location,
            quantity=quantity,
            lot_code=lot,
            expires_at=expiry.get(lot),
        )
        if result is not None:
            self.expected_on_hand += quantity

    @rule(index=st.integers(0, 20), to=st.integers(0, 3), quantity=quantities)
    def transfer(self, index, to, quantity):
        row = self._row(index)
        if row is not None:
            target = [*self.storage, self.dispatch, self.quarantine][to]
            self._try(stock_transfer, stock=row, to_location=target, quantity=quantity)

    @rule(index=st.integers(0, 20), delta=st.integers(-6, 6))
    def adjust(self, index, delta):
        row = self._row(index)
        if row is not None and self._try(stock_adjust, stock=row, delta=delta, reason="test"):
            self.expected_on_hand += delta

    @rule(index=st.integers(0, 20), counted=st.integers(0, 15))
    def count(self, index, counted):
        row = self._row(index)
        if row is not None:
            before = row.on_hand
            if self._try(stock_count, stock=row, counted=counted):
                self.expected_on_hand += counted - before

    @rule(
        index=st.integers(0, 20),
        quantity=quantities,
        condition=st.sampled_from(["damaged", "quarantined"]),
    )
    def regrade(self, index, quantity, condition):
        row = self._row(index)
        if row is not None:
            self._try(
                stock_condition_change,
                stock=row,
                to_condition=condition,
                quantity=quantity,
                reason="test",
            )

    @rule(index=st.integers(0, 20), quantity=quantities)
    def scrap(self, index, quantity):
        row = self._row(index)
        if row is not None and self._try(stock_scrap, stock=row, quantity=quantity, reason="test"):
            self.expected_on_hand -= quantity

    @rule(quantity=quantities)
    def reserve(self, quantity):
        demand = f"D#{len(self.demands)}"
        if self._try(
            stock_reserve,
            product=self.product,
            warehouse=self.warehouse,
            quantity=quantity,
            demand_ref=demand,
        ):
            self.demands.append(demand)

    @rule(index=st.integers(0, 20))
    def release(self, index):
        if self.demands:
            self._try(reservations_release, demand_ref=self.demands[index % len(self.demands)])

    @rule(index=st.integers(0, 20))
    def pick(self, index):
        if self.demands:
            self._try(
                stock_pick,
                demand_ref=self.demands[index % len(self.demands)],
                to_location=self.dispatch,
            )

    @rule(index=st.integers(0, 20))
    def ship(self, index):
        if not self.demands:
            return
        demand = self.demands[index % len(self.demands)]
        picked = Reservation.objects.filter(demand_ref=demand, state="picked").aggregate(
            total=Sum("quantity")
        )["total"]
        if self._try(stock_ship, demand_ref=demand) and picked:
            self.expected_on_hand -= picked

    @invariant()
    def ledger_and_counters_agree(self):
        assert stock_drift() == []

    @invariant()
    def nothing_negative_and_reserved_within_on_hand(self):
        for on_hand, reserved in Stock.objects.values_list("on_hand", "reserved"):
            assert on_hand >= 0 and 0 <= reserved <= on_hand

    @invariant()
    def total_matches_the_model(self):
        total = Stock.objects.filter(product=self.product).aggregate(total=Sum("on_hand"))["total"]
        assert (total or 0) == self.expected_on_hand


@pytest.mark.django_db
def test_stock_ledger_state_machine():
    run_state_machine_as_test(
        StockLedgerMachine,
        settings=settings(
            max_examples=75,
            stateful_step_count=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
