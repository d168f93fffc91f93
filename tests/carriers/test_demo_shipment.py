"""The demo hands one order to the sandbox carrier even when no packed order of today can go."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from carriers.demo import SANDBOX, _seed_shipment
from carriers.models import Shipment
from inventory.models import Location
from inventory.services import stock_receive
from tests.carriers.conftest import flat_carrier, new_order
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_when_every_packed_order_is_refused_an_order_packed_for_tomorrow_goes(day):
    # Late in the day the packed orders left over are the ones the own fleet must drive: cash
    # on delivery and PIN, which the carrier refuses. The demo then packs one for tomorrow.
    flat_carrier(SANDBOX, "9.00")
    new_order(
        day,
        ref="ORD-2026-900001",
        external_ref="DEMO-BER-COD",
        cod_amount=Decimal("5"),
        cod_currency="EUR",
    )
    new_order(day, ref="ORD-2026-900002", external_ref="DEMO-BER-PIN", requires_pin=True)
    stock_receive(product=day.product, location=LocationFactory(warehouse=day.depot), quantity=30)
    LocationFactory(warehouse=day.depot, code="DISPATCH", kind=Location.Kind.DISPATCH)

    _seed_shipment(stdout=io.StringIO())

    shipment = Shipment.objects.select_related("order").get()
    assert shipment.order.external_ref.endswith("-CARRIER")
    assert shipment.carrier.code == SANDBOX
