"""The "Insert into route…" dialog reads each live route once: its plan's problem is built
once, the order is read and judged once, and only the options shown get ETAs, so its queries
do not grow by a full check per route."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dispatch.scenario import build_day
from tests.routing.test_insertion_services import new_order


def _dialog_queries(board_client, day, order) -> tuple[int, str]:
    url = f"/dispatch/orders/{order.reference}/insert/"
    with CaptureQueriesContext(connection) as ctx:
        response = board_client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_insert_dialog_queries_stay_flat_with_more_routes(db, board_client):
    two = build_day(routes=2, stops=4, started=0, now_hour=7.0, prefix="Q2")
    few, html = _dialog_queries(board_client, two, new_order(two, near=(1, 4.0)))
    assert "Fits" in html and "ETAs it moves" in html
    print("two routes", few)
    assert few <= 99, few


def test_a_plan_with_six_routes_costs_a_few_queries_per_route_not_a_check_each(db, board_client):
    six = build_day(routes=6, stops=3, started=0, now_hour=7.0, prefix="Q6")
    many, html = _dialog_queries(board_client, six, new_order(six, near=(1, 3.0)))
    assert "Fits" in html
    assert many <= 38, many  # 35: about one query more per route
