"""With PROMISING_LIVE_COST, an option on a day whose routes are already live costs what
inserting the stop into them costs (routing's marginal_cost), not the estimate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.services import stock_receive
from promising.selectors import delivery_options
from routing.services.insertion import marginal_cost
from tests.dispatch.scenario import BERLIN, build_day
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_a_live_day_is_priced_by_inserting_into_its_routes(settings):
    settings.PROMISING_LIVE_COST = True
    now = timezone.now()
    tomorrow = now.astimezone(BERLIN).date() + dt.timedelta(days=1)
    day = build_day(routes=2, stops=3, day=tomorrow, started=0, set_clock=False)
    shelf = LocationFactory(warehouse=day.depot, code="A-01-01")
    stock_receive(product=day.product, location=shelf, quantity=5)
    point = day.point(0, 4.0)
    before_cutoff = dt.datetime.combine(tomorrow - dt.timedelta(days=1), dt.time(9), tzinfo=BERLIN)
    result = delivery_options(
        destination={"lat": point[0], "lon": point[1]},
        items=[{"sku": day.product.sku, "quantity": 1}],
        wished_date=tomorrow,
        days=1,
        now=before_cutoff,
    )
    assert result.options, result.reasons
    option = result.options[0]
    quote = marginal_cost(
        point,
        tomorrow,
        warehouse=day.depot,
        window=(option.window_start, option.window_end),
    )
    assert quote is not None
    assert option.cost == quote.cost.quantize(Decimal("0.01"))
