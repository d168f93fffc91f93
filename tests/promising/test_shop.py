"""The simulator's shop orders through delivery options as a partner's checkout would."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from partners.models import ApiKey
from partners.services.api_keys import api_key_create
from simulator.shop import PartnerApi, shop_checkouts
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_shop_orders_are_placed_through_holds_and_keep_their_promise(
    week_of_shifts, receive, mug, lamp, depot, today, dispatch_location
):
    receive(mug, 100)
    receive(lamp, 100)
    partner = PartnerFactory()
    _key, raw = api_key_create(partner=partner, name="shop", scopes=list(ApiKey.Scope.values))
    day = today + dt.timedelta(days=3)
    stats = shop_checkouts(
        api=PartnerApi(raw), warehouse=depot, date=day, count=6, rng=random.Random(1)
    )
    assert stats.asked == 6 and stats.ordered == 6, stats
    for order in stats.orders:
        order.refresh_from_db()
        assert order.status == "packed"
        assert order.partner == partner
        assert order.promised_date == day
        assert (order.window_start, order.window_end) == (
            order.promised_window_start,
            order.promised_window_end,
        )
        assert order.promise_reservation.status == "used"
