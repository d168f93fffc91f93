"""The delivery options API end to end: ask, hold, order with the hold, keep the promise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from orders.models import CustomerOrder
from promising.models import PromiseReservation
from promising.services import reservations_expire
from tests.promising.conftest import DESTINATION

pytestmark = pytest.mark.django_db

OPTIONS = "/api/v1/delivery-options/"


def options_for(client, items, **extra):
    response = client.post(
        OPTIONS, {"destination": DESTINATION, "items": items, **extra}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def reserve(client, option_id, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"{OPTIONS}{option_id}/reserve/", format="json", **headers)


def order_with(client, reservation_id, items, **extra):
    body = {
        "delivery_option": reservation_id,
        "customer": {"name": "Ada Shopper", "email": "ada@example.com"},
        "address": "Greifswalder Str. 1, Berlin",
        "lines": [{"product": sku, "quantity": quantity} for sku, quantity in items],
        **extra,
    }
    return client.post("/api/v1/orders/", body, format="json")


def test_options_answer_dates_windows_in_the_depot_zone_cost_and_confidence(
    partner_api, week_of_shifts, receive, mug
):
    receive(mug, 3)
    body = options_for(partner_api(), [{"sku": "MUG-1", "quantity": 1}], days=2)
    option = body["options"][0]
    assert set(option) == {
        "option_id",
        "date",
        "window_start",
        "window_end",
        "confidence",
        "cost",
        "currency",
        "warehouse",
    }
    start = dt.datetime.fromisoformat(option["window_start"])
    assert start.utcoffset() == dt.timedelta(hours=1)  # Berlin in December
    assert start.date().isoformat() == option["date"]
    assert option["warehouse"] == "PRM"
    assert "reasons" not in body


def test_bad_input_is_422_naming_the_field(partner_api, week_of_shifts, mug):
    client = partner_api()
    response = client.post(
        OPTIONS,
        {
            "destination": DESTINATION,
            "items": [{"sku": "MUG-1", "quantity": 1}, {"sku": "GHOST", "quantity": 1}],
        },
        format="json",
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["items[1].sku"]
    far = client.post(
        OPTIONS,
        {"destination": {"lat": 40.0, "lon": -3.7}, "items": [{"sku": "MUG-1", "quantity": 1}]},
        format="json",
    )
    assert far.status_code == 422
    assert far.json()["errors"][0]["field"] == "destination"
    no_items = client.post(OPTIONS, {"destination": DESTINATION, "items": []}, format="json")
    assert no_items.status_code == 422
    assert no_items.json()["errors"][0]["field"] == "items"
    bad_window = client.post(
        OPTIONS,
        {
            "destination": DESTINATION,
            "items": [{"sku": "MUG-1", "quantity": 1}],
            "wished_window": {"start": "14:00", "end": "10:00"},
        },
        format="json",
    )
    assert bad_window.status_code == 422
    assert bad_window.json()["errors"][0]["field"] == "wished_window.end"


def test_a_key_without_the_scope_is_refused_naming_it(partner_api, week_of_shifts, mug):
    client = partner_api(scopes=["orders:read"])
    response = client.post(
        OPTIONS,
        {"destination": DESTINATION, "items": [{"sku": "MUG-1", "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["required_scope"] == "delivery_options:read"


def test_holding_the_last_unit_takes_it_off_the_options_until_the_hold_expires(
    partner_api, week_of_shifts, receive, mug
):
    receive(mug, 1)
    client = partner_api()
    option = options_for(client, [{"sku": "MUG-1", "quantity": 1}])["options"][0]
    held = reserve(client, option["option_id"], key="hold-1")
    assert held.status_code == 201, held.json()
    hold = held.json()
    assert hold["status"] == "held"
    assert hold["window_start"] == option["window_start"]
    assert hold["items"] == [{"sku": "MUG-1", "quantity": 1}]
    # The same request again replays the same hold.
    again = reserve(client, option["option_id"], key="hold-1")
    assert again.json()["id"] == hold["id"]
    assert PromiseReservation.objects.count() == 1

    gone = options_for(client, [{"sku": "MUG-1", "quantity": 1}])
    assert gone["options"] == []
    assert gone["reasons"][0]["items"][0]["available"] == 0
    second = reserve(client, option["option_id"])
    assert second.status_code == 409
    assert second.json()["errors"][0]["field"] == "option_id"

    PromiseReservation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert reservations_expire() == 1
    assert PromiseReservation.objects.get().status == "expired"
    assert options_for(client, [{"sku": "MUG-1", "quantity": 1}])["options"]
    late = order_with(client, hold["id"], [("MUG-1", 1)])
    assert late.status_code == 409
    assert late.json()["errors"][0]["field"] == "delivery_option"


def test_an_order_created_with_the_hold_keeps_the_promise(
    partner_api, week_of_shifts, receive, mug, client, dispatcher
):
    receive(mug, 4)
    api = partner_api()
    option = options_for(api, [{"sku": "MUG-1", "quantity": 2}])["options"][1]
    hold = reserve(api, option["option_id"]).json()
    created = order_with(api, hold["id"], [("MUG-1", 2)])
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["warehouse"] == "PRM"
    assert body["delivery_option"] == hold["id"]
    assert body["promised_date"] == option["date"]
    assert body["promised_window_start"] == option["window_start"]
    assert body["window_start"] == option["window_start"]
    assert body["window_end"] == option["window_end"]
    assert body["latitude"] == f"{DESTINATION['lat']:.6f}"

    order = CustomerOrder.objects.get(reference=body["reference"])
    reservation = PromiseReservation.objects.get(reference=hold["id"])
    assert reservation.status == "used" and reservation.order == order
    # The units stay held for the order until it is confirmed (then inventory reserves them).
    left = options_for(api, [{"sku": "MUG-1", "quantity": 3}])
    assert left["options"] == []
    # The hold cannot be used twice.
    twice = order_with(api, hold["id"], [("MUG-1", 1)])
    assert twice.status_code == 409

    client.force_login(dispatcher)
    page = client.get(f"/orders/{order.reference}/")
    start = dt.datetime.fromisoformat(option["window_start"])
    assert "Promised" in page.content.decode()
    assert f"{start:%H:%M}" in page.content.decode()
    tracking = client.get(f"/t/{order.tracking_token}/")
    assert "Promised" in tracking.content.decode()


def test_an_order_must_stay_within_the_items_held(partner_api, week_of_shifts, receive, mug, lamp):
    receive(mug, 4)
    receive(lamp, 4)
    api = partner_api()
    option = options_for(api, [{"sku": "MUG-1", "quantity": 1}])["options"][0]
    hold = reserve(api, option["option_id"]).json()
    more = order_with(api, hold["id"], [("MUG-1", 2)])
    assert more.status_code == 422
    assert more.json()["errors"][0]["field"] == "lines[0].quantity"
    other = order_with(api, hold["id"], [("LAMP-1", 1)])
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "lines[0].product"
    assert not CustomerOrder.objects.exists()


def test_partners_never_see_or_use_each_others_options(partner_api, week_of_shifts, receive, mug):
    receive(mug, 4)
    shop_a, shop_b = partner_api(), partner_api()
    option = options_for(shop_a, [{"sku": "MUG-1", "quantity": 1}])["options"][0]
    assert reserve(shop_b, option["option_id"]).status_code == 404
    hold = reserve(shop_a, option["option_id"]).json()
    read = shop_b.get(f"{OPTIONS}reservations/{hold['id']}/")
    assert read.status_code == 404
    assert shop_a.get(f"{OPTIONS}reservations/{hold['id']}/").status_code == 200
    used = order_with(shop_b, hold["id"], [("MUG-1", 1)])
    assert used.status_code == 422
    assert used.json()["errors"][0]["field"] == "delivery_option"


def test_a_forged_option_id_is_unknown(partner_api, week_of_shifts):
    response = reserve(partner_api(), "not-an-option")
    assert response.status_code == 404


def test_options_take_a_bounded_number_of_queries(
    partner_api, week_of_shifts, receive, mug, lamp, django_assert_max_num_queries
):
    receive(mug, 4)
    receive(lamp, 4)
    client = partner_api()
    items = [{"sku": "MUG-1", "quantity": 1}, {"sku": "LAMP-1", "quantity": 1}]
    options_for(client, items)  # warm the caches
    # The same dozen queries whatever the items and days (fleet rates and live days cached).
    with django_assert_max_num_queries(14):
        body = options_for(client, items, days=7)
    assert len(body["options"]) == 28


def test_the_planner_keeps_the_stop_in_the_promised_window(depot, today):
    from routing.services.problem import order_time_windows
    from tests.factories import CustomerOrderFactory
    from tests.promising.conftest import berlin_time

    day = today + dt.timedelta(days=1)
    order = CustomerOrderFactory(
        warehouse=depot,
        window_start=berlin_time(day, 8),
        window_end=berlin_time(day, 18),
        promised_date=day,
        promised_window_start=berlin_time(day, 10),
        promised_window_end=berlin_time(day, 12),
    )
    # Planned to arrive by 11:30: the margin for the van's usual lateness stays in the promise.
    assert order_time_windows(order) == [(berlin_time(day, 10), berlin_time(day, 11, 30))]
    # Rescheduled to another day with the customer: the new window replaces the promise.
    order.window_start = berlin_time(day + dt.timedelta(days=1), 8)
    order.window_end = berlin_time(day + dt.timedelta(days=1), 18)
    assert order_time_windows(order) == order.windows


def test_option_ids_are_djangos_signed_tokens(settings):
    """The quick signer gives the token `signing.dumps` gives, and `signing.loads` reads it."""
    from unittest import mock

    from django.core import signing

    from promising.selectors.options import SALT, OptionSigner, option_sign, option_unsign

    payload = {"w": "BER", "d": "2026-12-10", "i": [[1, 2]], "c": "3.12"}
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value="1abc"):
        assert option_sign(payload, OptionSigner()) == signing.dumps(
            payload, salt=SALT, compress=True
        )
    assert option_unsign(option_sign(payload)) == payload
    token = option_sign(payload)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = (
        "rotated-" + "y" * 50,
        [settings.SECRET_KEY],
    )
    assert option_unsign(token) == payload  # still valid after a key rotation
