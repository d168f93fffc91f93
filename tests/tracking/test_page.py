"""The customer tracking page /t/<token>/."""

import datetime as dt
import secrets

import pytest
from django.test import Client
from django.utils import timezone

from orders.models import CustomerOrder
from tracking import services
from tracking.models import DeliveryInstruction, PositionPing, Rating

from .conftest import PING, stops_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


def url(order, suffix=""):
    return f"/t/{order.tracking_token}/{suffix}"


def test_page_shows_status_eta_window_and_timeline_with_privacy_headers(client, route, now):
    services.route_start(route=route, now=now)
    a, b, _c = stops_of(route)
    response = client.get(url(b.order))
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "Out for delivery" in body
    low = b.eta_low.astimezone(b.order.warehouse.tzinfo)
    floored = low - dt.timedelta(minutes=low.minute % 5, seconds=low.second)
    assert f"between {floored:%H:%M} and" in body
    assert "Timeline" in body and "Confirmed" not in body  # only its own events exist
    # No other customer's data, no driver or vehicle details.
    assert a.order.reference not in body and a.order.customer.name not in body
    assert a.order.address not in body or a.order.address == b.order.address
    assert route.driver.user.first_name not in body and "VAN1" not in body
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_unknown_and_expired_tokens_answer_the_same_404(client, route, now):
    a = stops_of(route)[0]
    unknown = client.get("/t/not-a-real-token-000000000000/")
    CustomerOrder.objects.filter(pk=a.order_id).update(
        status="delivered", delivered_at=timezone.now() - dt.timedelta(days=8)
    )
    expired = client.get(url(a.order))
    assert unknown.status_code == expired.status_code == 404
    assert unknown.content == expired.content


def test_vehicle_shown_only_when_the_stop_is_next(client, route, now):
    services.route_start(route=route, now=now)
    PositionPing.objects.create(
        vehicle=route.vehicle, time=now, latitude=PING[0], longitude=PING[1], received_at=now
    )
    a, b, _c = stops_of(route)
    assert "data-position-url" in client.get(url(a.order)).content.decode()
    assert "data-position-url" not in client.get(url(b.order)).content.decode()
    assert client.get(url(a.order, "position.json")).json()["latitude"] == PING[0]
    assert client.get(url(b.order, "position.json")).json() == {"latitude": None, "longitude": None}


def test_page_is_served_from_cache_and_invalidated_on_change(
    client, route, now, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    a = stops_of(route)[0]
    first = client.get(url(a.order)).content.decode()
    assert "Scheduled for delivery" in first
    with django_assert_max_num_queries(0):
        assert client.get(url(a.order)).content.decode() == first
    with django_capture_on_commit_callbacks(execute=True):
        services.route_start(route=route, now=now)
    assert "Out for delivery" in client.get(url(a.order)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.instructions_set(order=stops_of(route)[1].order, text="Gate code 1234")
    assert "Gate code 1234" in client.get(url(stops_of(route)[1].order)).content.decode()


def test_uncached_page_query_count_is_bounded(client, route, now, django_assert_max_num_queries):
    services.route_start(route=route, now=now)
    a = stops_of(route)[0]
    with django_assert_max_num_queries(14):
        assert client.get(url(a.order)).status_code == 200


def test_instructions_can_change_until_the_driver_is_on_the_way(client, route, now):
    a, b, _c = stops_of(route)
    response = client.post(
        url(b.order, "instructions/"), {"instructions": "Leave at the back door"}
    )
    assert response.status_code == 303
    assert DeliveryInstruction.objects.get(order=b.order).text == "Leave at the back door"
    services.route_start(route=route, now=now)
    too_late = client.post(url(a.order, "instructions/"), {"instructions": "Ring twice"})
    assert too_late.status_code == 409
    assert "already on the way" in too_late.content.decode()
    long = client.post(url(b.order, "instructions/"), {"instructions": "x" * 501})
    assert long.status_code == 422 and "under 500 characters" in long.content.decode()


def test_after_delivery_the_pod_and_rating_form_show(client, route, now):
    a = stops_of(route)[0]
    services.stop_deliver(stop=a, recipient_name="Ann", at=now)
    body = client.get(url(a.order)).content.decode()
    assert "Received by <strong>Ann</strong>" in body
    assert "How was your delivery?" in body
    assert client.post(url(a.order, "rating/"), {"score": "6"}).status_code == 422
    assert (
        client.post(url(a.order, "rating/"), {"score": "5", "comment": "Great"}).status_code == 303
    )
    assert Rating.objects.get(order=a.order).score == 5
    assert "You rated it <strong>5 of 5</strong>" in client.get(url(a.order)).content.decode()
    # An order not yet delivered cannot be rated.
    assert client.post(url(stops_of(route)[1].order, "rating/"), {"score": "4"}).status_code == 409


def test_the_page_is_rate_limited_per_address(route, settings):
    settings.TRACKING_PAGE_RATE_LIMIT = "3/min"
    client = Client(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7")
    a = stops_of(route)[0]
    codes = [client.get(url(a.order)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_cached_page_and_its_rate_limit_take_one_redis_round_trip(
    route, settings, monkeypatch, django_assert_max_num_queries
):
    """The hot path: no query, one Redis command; the 404 of an unknown token is cached too
    and answered the same way."""
    from tracking import public_views

    settings.TRACKING_PAGE_RATE_LIMIT = "5/min"
    client = Client(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.8")
    a = stops_of(route)[0]
    first = client.get(url(a.order))
    assert client.get("/t/not-a-token/").status_code == 404
    calls = []
    real = public_views._count_and_get
    monkeypatch.setattr(public_views, "_count_and_get", lambda c: calls.append(1) or real(c))
    with django_assert_max_num_queries(0):
        again = client.get(url(a.order))
        assert client.get("/t/not-a-token/").status_code == 404
    assert again.content == first.content and again["Referrer-Policy"] == "no-referrer"
    assert len(calls) == 2
    codes = [client.get(url(a.order)).status_code for _ in range(2)]
    assert codes == [200, 429]  # the fifth request of the minute passed, the sixth did not


def test_the_page_is_served_when_redis_commands_fail(route, monkeypatch):
    from tracking import public_views

    a = stops_of(route)[0]
    Client().get(url(a.order))

    def down():
        raise ConnectionError("redis is down")

    monkeypatch.setattr(public_views, "redis_client", down)
    response = Client().get(url(a.order))
    assert response.status_code == 200 and "Scheduled for delivery" in response.content.decode()


def _event(order, type_, at, **data):
    from orders.models import OrderEvent

    return OrderEvent.objects.create(order=order, type=type_, at=at, data=data)


def test_timeline_shows_a_repeated_step_once_in_the_depots_zone(client, route, now):
    from orders.models import OrderEvent

    services.route_start(route=route, now=now)
    b = stops_of(route)[1]  # not the next stop: no "arriving" yet
    first = now + dt.timedelta(hours=2, minutes=5)
    eta = (now + dt.timedelta(hours=2, minutes=20)).isoformat()
    for minute in range(6):  # the van turned towards the stop six times, same ETA
        _event(b.order, OrderEvent.Type.ARRIVING, first + dt.timedelta(minutes=minute), eta=eta)
    body = client.get(url(b.order)).content.decode()
    assert body.count("<strong>Arriving</strong>") == 1
    assert body.count("<strong>Out for delivery</strong>") == 1
    berlin = first.astimezone(b.order.warehouse.tzinfo)
    assert f"{berlin:%H:%M}</time>" in body  # the first one, in Berlin time
    assert f"{first:%H:%M}</time>" not in body
    assert "Times in Europe/Berlin" in body


def test_timeline_keeps_an_arriving_repeat_whose_eta_moved_by_more_than_the_notice_shift(
    client, route, now
):
    from orders.models import OrderEvent

    services.route_start(route=route, now=now)
    b = stops_of(route)[1]
    for minutes in (10, 15, 55):  # 15 is within the 15-minute notice shift of 10; 55 is not
        eta = (now + dt.timedelta(minutes=minutes)).isoformat()
        _event(b.order, OrderEvent.Type.ARRIVING, now + dt.timedelta(hours=1), eta=eta)
    body = client.get(url(b.order)).content.decode()
    assert body.count("<strong>Arriving</strong>") == 2


def test_after_delivery_the_map_no_longer_promises_the_van(client, route, now):
    from tracking.services.pages import pages_invalidate

    a = stops_of(route)[0]
    before = client.get(url(a.order)).content.decode()
    assert "The van appears here" in before
    CustomerOrder.objects.filter(pk=a.order_id).update(status="delivered", delivered_at=now)
    pages_invalidate(tokens=[a.order.tracking_token])
    after = client.get(url(a.order)).content.decode()
    assert "The van appears here" not in after and "Delivered in this area" in after


def test_destination_is_an_area_not_the_exact_address_point(client, route, now):
    from core.geo import haversine_m

    services.route_start(route=route, now=now)
    for stop in stops_of(route):
        order = stop.order
        CustomerOrder.objects.filter(pk=order.pk).update(
            latitude="52.523417", longitude="13.411923"
        )
        response = client.get(url(order))
        body = response.content.decode()
        assert response.status_code == 200
        assert "52.523417" not in body and "13.411923" not in body
        assert "52.5234" not in body and "13.4119" not in body
        lat = float(body.split('data-lat="')[1].split('"')[0])
        lon = float(body.split('data-lon="')[1].split('"')[0])
        radius = float(body.split('data-radius="')[1].split('"')[0])
        off = haversine_m((lat, lon), (52.523417, 13.411923))
        assert 0 < off <= radius <= 1000  # inside the drawn circle, but not the point itself
        # The only JSON the page loads is the van's position, never the destination.
        position = client.get(url(order, "position.json")).content.decode()
        assert "52.523417" not in position and "13.411923" not in position


def test_neighbouring_addresses_share_one_area():
    from core.geo import grid_area

    a = grid_area(52.523417, 13.411923)
    b = grid_area(52.523517, 13.412023)  # ~13 m away, same square
    assert a == b
