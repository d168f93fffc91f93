"""Same-day insertion on the board: the dialog with its previews, the confirm, the override,
"insert all unassigned" with its progress and reasons, and the link from the order page."""

from __future__ import annotations

import pytest
from django.test import Client

from orders.models import OrderEvent, OrderStatus
from routing.models import Stop
from tests.dispatch.scenario import build_day
from tests.routing.test_insertion_services import new_order


@pytest.fixture
def planned_day(db):
    """Two published routes that have not left yet (07:00): nobody is out for delivery."""
    return build_day(routes=2, stops=4, started=0, now_hour=7.0)


def test_the_dialog_shows_the_best_routes_with_their_etas_and_inserts(planned_day, board_client):
    order = new_order(planned_day, near=(1, 4.0))
    panel = board_client.get("/dispatch/panel/", {"day": planned_day.day.isoformat()})
    assert f"/dispatch/orders/{order.reference}/insert/".encode() in panel.content
    assert b"Insert all unassigned (1)" in panel.content
    url = f"/dispatch/orders/{order.reference}/insert/"
    dialog = board_client.get(url, HTTP_HX_REQUEST="true")
    assert dialog.status_code == 200
    html = dialog.content.decode()
    assert html.index("Route 2") < html.index("Route 1")  # the order lies on route 2's side
    assert "ETAs it moves" in html and "Fits" in html and "EUR" in html
    assert Stop.objects.filter(order=order).count() == 0
    done = board_client.post(url, {"route": planned_day.routes[1].pk}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Trigger"] == "board-changed"
    stop = Stop.objects.get(order=order)
    assert stop.route_id == planned_day.routes[1].pk
    assert f"stop {stop.sequence} of route 2".encode() in done.content


def test_inserting_ahead_of_a_delivery_on_the_van_needs_the_override_on_the_board(
    db, board_client, dispatcher
):
    day = build_day(routes=1, stops=5, delivered=1, now_hour=10.0)
    order = new_order(day, near=(0, 3.0), window=(10, 11))
    type(order).objects.filter(pk=order.pk).update(window_end=day.at(10, 15))  # due first
    url = f"/dispatch/orders/{order.reference}/insert/"
    dialog = board_client.get(url, HTTP_HX_REQUEST="true")
    assert b"on the van" in dialog.content and b'name="override"' in dialog.content
    refused = board_client.post(url, {"route": day.routes[0].pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409 and b"out for delivery" in refused.content
    assert not Stop.objects.filter(order=order).exists()
    no_reason = board_client.post(
        url, {"route": day.routes[0].pk, "override": "1"}, HTTP_HX_REQUEST="true"
    )
    assert no_reason.status_code == 422 and b"Say why" in no_reason.content
    ok = board_client.post(
        url,
        {"route": day.routes[0].pk, "override": "1", "reason": "Pharmacy order"},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200
    notes = OrderEvent.objects.filter(data__action="out_for_delivery_override")
    assert notes.filter(order=order).exists() and notes.exclude(order=order).exists()
    assert all(n.user == dispatcher and "Pharmacy order" in n.message for n in notes)


def test_insert_all_places_what_fits_and_says_why_the_rest_does_not(
    db, board_client, django_capture_on_commit_callbacks
):
    day = build_day(routes=2, stops=3, started=0, now_hour=7.0, small_vehicle=True)
    fits = new_order(day, ref="ORD-2026-800031", near=(0, 4.0))
    fits_too = new_order(day, ref="ORD-2026-800032", near=(1, 3.0), qty=1)
    frozen = new_order(day, ref="ORD-2026-800033", required_skills=["frozen"])
    unpacked = new_order(day, ref="ORD-2026-800034", status=OrderStatus.CONFIRMED)
    form = board_client.get("/dispatch/insert-all/", {"day": day.day.isoformat()})
    assert form.status_code == 200 and b"Insert all" in form.content
    with django_capture_on_commit_callbacks(execute=True):
        started = board_client.post("/dispatch/insert-all/", {"day": day.day.isoformat()})
    assert started.status_code == 200
    job = started.content.decode().split("/dispatch/insert-all/")[1].split("/")[0]
    progress = board_client.get(f"/dispatch/insert-all/{job}/")
    assert progress.status_code == 200 and progress["HX-Trigger"] == "board-changed"
    html = progress.content.decode()
    assert "Inserted 2 of 4" in html
    assert Stop.objects.filter(order__in=[fits, fits_too]).count() == 2
    assert not Stop.objects.filter(order__in=[frozen, unpacked]).exists()
    assert "skill_missing" in html and "not_packed" in html
    assert board_client.get("/dispatch/insert-all/nope/").status_code == 404


def test_the_order_page_links_to_the_insertion_for_dispatchers_only(
    planned_day, board_client, warehouse_user
):
    order = new_order(planned_day)
    dispatcher, warehouse = board_client, Client()
    warehouse.force_login(warehouse_user)
    page = dispatcher.get(f"/orders/{order.reference}/")
    assert f"/dispatch/orders/{order.reference}/insert/".encode() in page.content
    assert b"/insert/" not in warehouse.get(f"/orders/{order.reference}/").content
    full = dispatcher.get(f"/dispatch/orders/{order.reference}/insert/")
    assert full.status_code == 200 and b"Insert into route" in full.content
    assert warehouse.get(f"/dispatch/orders/{order.reference}/insert/").status_code == 403


def test_insert_all_never_puts_an_order_ahead_of_a_delivery_on_the_van(db, dispatcher):
    from dispatch import services

    day = build_day(routes=1, stops=5, delivered=1, now_hour=10.0)
    order = new_order(day, near=(0, 3.0))  # cheapest between the done stop and the next one
    state = services.unassigned_insert_all(
        job_id="t1", day=day.day, depots=[day.depot], user=dispatcher
    )
    assert [p["order"] for p in state["placed"]] == [order.reference]
    stop = Stop.objects.get(order=order)
    assert stop.sequence == 6  # behind every order out for delivery
    assert not OrderEvent.objects.filter(data__action="out_for_delivery_override").exists()
    assert services.insert_all_progress("t1")["status"] == "finished"


def test_only_packed_unassigned_orders_are_offered_insertion_and_carriers(
    planned_day, board_client
):
    packed = new_order(planned_day, ref="ORD-2026-800101", near=(1, 4.0))
    confirmed = new_order(
        planned_day, ref="ORD-2026-800102", near=(1, 4.5), status=OrderStatus.CONFIRMED
    )
    html = board_client.get("/dispatch/panel/", {"day": planned_day.day.isoformat()}).content
    html = html.decode()
    assert f"/dispatch/orders/{packed.reference}/insert/" in html
    assert f"/carriers/orders/{packed.reference}/" in html
    assert confirmed.reference in html  # listed as unassigned, but not yet packed:
    assert f"/dispatch/orders/{confirmed.reference}/insert/" not in html
    assert f"/carriers/orders/{confirmed.reference}/" not in html
