"""The board's reads and pages: exceptions, filters, the since-cursor polls, map JSON, access."""

from __future__ import annotations

import datetime as dt

import pytest

from core.roles import Role
from dispatch import selectors
from routing.models import Stop
from tests.conftest import make_user
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live, narrow_window, ping_between, unassigned_order
from tracking.models import StopEta


def _filters(day, **kwargs):
    return selectors.BoardFilters(day=day.day, **kwargs)


def test_exceptions_list_late_risk_failed_stale_unassigned_and_over_shift(db):
    day = build_day(routes=3, stops=5)
    late = day.stops[0][3]
    narrow_window(day, late, day.at(9), day.now)
    make_live(day, stale=2, failed=1)
    order = unassigned_order(day)
    # Route 2 is two hours behind: its projected end passes the 19:00 shift end.
    last = day.stops[1][-1]
    Stop.objects.filter(pk=last.pk).update(eta=last.planned_arrival + dt.timedelta(hours=9))

    board = selectors.board_build(filters=_filters(day), now=day.now)

    kinds = {
        (e.kind, e.stop.pk if e.stop else e.route.pk if e.route else e.order.pk)
        for e in board.exceptions
    }
    assert ("late_risk", late.pk) in kinds
    assert ("failed", day.stops[1][2].pk) in kinds
    assert ("stale", day.routes[2].pk) in kinds
    assert ("unassigned", order.pk) in kinds
    assert ("over_shift", day.routes[1].pk) in kinds
    assert board.exceptions[0].kind == "failed"  # decisions first
    card = next(v for v in board.routes if v.route.pk == day.routes[1].pk)
    assert card.is_over_shift and card.projected_end_text > card.shift_end_text


def test_a_fresh_ping_clears_the_stale_exception(db):
    day = build_day(routes=2, stops=4)
    make_live(day, stale=1)
    assert "stale" in {
        e.kind for e in selectors.board_build(filters=_filters(day), now=day.now).exceptions
    }
    ping_between(day, 1, age_s=5)
    assert "stale" not in {
        e.kind for e in selectors.board_build(filters=_filters(day), now=day.now).exceptions
    }


def test_route_card_figures(db):
    day = build_day(routes=2, stops=6, delivered=2)
    make_live(day)
    view = selectors.board_build(filters=_filters(day), now=day.now).routes[0]
    assert (view.done, view.total) == (2, 6)
    assert 0 < view.distance_left_m < view.route.distance_m
    assert view.load["max"] == 15  # 120 kg of 800 kg
    assert view.position is not None and not view.is_stale
    states = [s.state for s in view.stops]
    assert states[:3] == ["delivered", "delivered", "next"]


def test_filters_by_driver_status_and_search(db):
    day = build_day(routes=3, stops=4, started=2)
    make_live(day)
    by_driver = selectors.board_build(filters=_filters(day, driver=day.routes[1].driver_id))
    assert [v.route.pk for v in by_driver.routes] == [day.routes[1].pk]
    planned = selectors.board_build(filters=_filters(day, status="planned"))
    assert [v.route.pk for v in planned.routes] == [day.routes[2].pk]
    wanted = day.stops[2][1].order
    found = selectors.board_build(filters=_filters(day, q=wanted.customer.name.upper()))
    assert [v.route.pk for v in found.routes] == [day.routes[2].pk]
    assert [s.stop.pk for s in found.routes[0].stops if s.matches] == [day.stops[2][1].pk]
    by_ref = selectors.board_build(filters=_filters(day, q=wanted.reference))
    assert len(by_ref.routes) == 1


def test_the_version_changes_with_stops_eta_flags_and_orders_but_not_with_reads(db):
    day = build_day(routes=2, stops=3)
    v1 = selectors.board_version(day=day.day)
    assert selectors.board_version(day=day.day) == v1
    StopEta.objects.create(stop=day.stops[0][2], is_late_risk=True)
    v2 = selectors.board_version(day=day.day)
    assert v2 != v1
    unassigned_order(day)
    v3 = selectors.board_version(day=day.day)
    assert v3 != v2
    day.stops[1][2].save()
    assert selectors.board_version(day=day.day) != v3


@pytest.fixture
def live(db):
    day = build_day(routes=3, stops=5)
    make_live(day, failed=1)
    return day


def test_the_board_page_renders_map_data_and_cards(live, board_client):
    response = board_client.get("/dispatch/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="board-map-data"' in body
    assert body.count('class="route-card') == 3
    assert live.stops[1][2].order.reference in body  # the failed one, in the exceptions


def test_polls_answer_204_when_nothing_changed_in_two_queries(
    live, board_client, django_assert_max_num_queries
):
    first = board_client.get("/dispatch/panel/")
    assert first.status_code == 200
    since = first.content.decode().split("since=")[1].split('"')[0]
    day = live.day.isoformat()
    # session + user + roles, then the version stamp and the positions
    with django_assert_max_num_queries(5):
        again = board_client.get(f"/dispatch/panel/?day={day}&since={since}")
    assert again.status_code == 204
    data = board_client.get(f"/dispatch/map.json?day={day}").json()
    with django_assert_max_num_queries(5):
        url = f"/dispatch/map.json?day={day}&since={data['stamp']}"
        assert board_client.get(url).status_code == 204


def test_a_ping_changes_only_the_vehicles_in_the_map_poll(live, board_client):
    data = board_client.get("/dispatch/map.json").json()
    assert len(data["routes"]) == 3 and len(data["vehicles"]) == 3
    ping_between(live, 0, share=0.9, age_s=0)
    delta = board_client.get(f"/dispatch/map.json?since={data['stamp']}").json()
    assert "routes" not in delta
    moved = next(v for v in delta["vehicles"] if v["route"] == live.routes[0].pk)
    before = next(v for v in data["vehicles"] if v["route"] == live.routes[0].pk)
    assert (moved["lat"], moved["lon"]) != (before["lat"], before["lon"])


def test_the_board_query_count_does_not_grow_with_routes(
    db, board_client, django_assert_max_num_queries
):
    day = build_day(routes=12, stops=10)
    make_live(day)
    with django_assert_max_num_queries(22):
        assert board_client.get("/dispatch/panel/").status_code == 200
    with django_assert_max_num_queries(22):
        assert board_client.get("/dispatch/map.json").status_code == 200
    with django_assert_max_num_queries(26):
        assert board_client.get("/dispatch/").status_code == 200


def test_only_dispatchers_open_the_board(live, client):
    assert client.get("/dispatch/").status_code == 302
    client.force_login(make_user(Role.WAREHOUSE, username="wim"))
    assert client.get("/dispatch/").status_code == 403
    assert client.get("/dispatch/map.json").status_code == 403
    stop = live.stops[0][3]
    assert client.post(f"/dispatch/stops/{stop.pk}/move/", {"route": 1}).status_code == 403


def test_bad_filters_fall_back_to_the_whole_day(live, board_client):
    response = board_client.get("/dispatch/?day=not-a-day&driver=abc&status=nope")
    assert response.status_code == 200
    assert response.content.decode().count('class="route-card') == 3
