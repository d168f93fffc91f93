"""Carriers on a live delivery day (tests.dispatch.scenario) with two rate cards."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carriers.models import Carrier
from carriers.services import carrier_save
from orders.models import OrderStatus
from tests.dispatch.scenario import build_day
from tests.factories import CustomerOrderFactory, OrderLineFactory


@pytest.fixture(autouse=True)
def _pinned_clock():
    from tracking import clock

    clock._local["read_at"] = -1e9
    yield
    clock.clock_reset()


def flat_carrier(code: str, price: str, *, kind=Carrier.Kind.RATE_CARD, **kwargs) -> Carrier:
    """A carrier charging `price` for anything up to 50 km and 100 kg."""
    return carrier_save(
        code=code,
        name=kwargs.pop("name", code.title()),
        kind=kind,
        currency="EUR",
        zone_limits_km=[50],
        weight_limits_kg=[100],
        prices=[[price]],
        **kwargs,
    )


@pytest.fixture
def day(db):
    """Two published routes of five stops from a Berlin depot, 07:00 local."""
    return build_day(routes=2, stops=5, started=0, now_hour=7.0)


def new_order(day, *, ref="ORD-2026-900001", near=(0, 3.0), window=(8, 18), qty=1, **kw):
    lat, lon = day.point(*near)
    order = CustomerOrderFactory(
        reference=ref,
        warehouse=day.depot,
        status=kw.pop("status", OrderStatus.PACKED),
        latitude=Decimal(str(lat)),
        longitude=Decimal(str(lon)),
        window_start=day.at(window[0]),
        window_end=day.at(window[1]),
        service_time_s=300,
        **kw,
    )
    OrderLineFactory(order=order, product=day.product, quantity=qty)
    return order
