"""The board's actions: each through the owning service, on the order's timeline, refused with a
clear reason (and nothing changed) when it cannot be done."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import Conflict, ValidationFailed
from dispatch import selectors, services
from orders.models import OrderEvent, OrderStatus
from routing.models import OptimizationJob, Stop, StopStatus
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live, narrow_window
from tracking.models import Notification


@pytest.fixture
def live(db):
    day = build_day(routes=3, stops=5)
    make_live(day, failed=2)
    return day


def _notes(order):
    return list(OrderEvent.objects.filter(order=order, type=OrderEvent.Type.NOTE))


def test_reassign_moves_the_stop_notes_the_timeline_and_refreshes_both_routes(
    live, dispatcher, django_capture_on_commit_callbacks, monkeypatch
):
    asked = []
    monkeypatch.setattr(
        "dispatch.services.eta_request", lambda *, route_id, force: asked.append(route_id)
    )
    stop = live.stops[0][3]
    # The stop's order is out for delivery (its van left): moving it needs an override.
    with pytest.raises(Conflict) as refused:
        services.stop_reassign(stop=stop, route=live.routes[1], position=3, user=dispatcher)
    assert refused.value.code == "out_for_delivery"
    assert _notes(stop.order) == []
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.stop_reassign(
            stop=stop,
            route=live.routes[1],
            position=3,
            user=dispatcher,
            override=True,
            reason="Van 1 has a flat tyre",
        )
    assert (moved.route_id, moved.sequence) == (live.routes[1].pk, 3)
    assert (
        list(
            Stop.objects.filter(route=live.routes[1])
            .order_by("sequence")
            .values_list("pk", flat=True)
        )[2]
        == stop.pk
    )
    override, note = _notes(stop.order)
    assert note.message.startswith("Moved from route PLN-") and note.user == dispatcher
    assert note.data["position"] == 3
    assert override.data["action"] == "out_for_delivery_override"
    assert "flat tyre" in override.message and dispatcher.username in override.message
    # The stops it was put ahead of on route 2, out for delivery too, say who and why.
    behind = Stop.objects.filter(route=live.routes[1], sequence__gt=3, status="planned")
    for s in behind.select_related("order"):
        (entry,) = _notes(s.order)
        assert entry.user == dispatcher and "flat tyre" in entry.data["reason"]
    assert sorted(asked) == sorted([live.routes[0].pk, live.routes[1].pk])


def test_a_move_breaking_capacity_is_refused_and_changes_nothing(db, dispatcher):
    day = build_day(routes=2, stops=4, small_vehicle=True, small_stops=2, delivered=1)
    stop = day.stops[0][3]
    with pytest.raises(ValidationFailed) as refused:
        services.stop_reassign(stop=stop, route=day.routes[1], position=2, user=dispatcher)
    assert "exceeds the capacity of 50 kg" in refused.value.detail
    stop.refresh_from_db()
    assert (stop.route_id, stop.sequence) == (day.routes[0].pk, 4)
    assert _notes(stop.order) == []


def test_a_delivered_stop_cannot_move(live, dispatcher):
    with pytest.raises(Conflict):
        services.stop_reassign(stop=live.stops[0][0], route=live.routes[1], position=3)


def test_resequencing_on_the_same_route_is_noted_as_such(live, dispatcher):
    stop = live.stops[0][4]
    # Its van has left: the resequence delays two other deliveries on it, so it needs a reason.
    services.stop_reassign(
        stop=stop, route=live.routes[0], position=3, user=dispatcher, override=True, reason="Gate"
    )
    stop.refresh_from_db()
    assert stop.sequence == 3
    assert _notes(stop.order)[-1].message.startswith("Resequenced on route")


def test_the_move_preview_gives_both_routes_new_etas_from_the_vehicles(live):
    stop = live.stops[0][3]
    narrow_window(live, stop, live.at(9), live.at(10, 5))
    tables = selectors.move_preview_etas(stop=stop, target=live.routes[1], position=3, now=live.now)
    assert [t["route"].pk for t in tables] == [live.routes[0].pk, live.routes[1].pk]
    source, target = tables
    assert stop.order.reference not in [r["order"] for r in source["rows"]]
    moved = next(r for r in target["rows"] if r["is_moved"])
    assert moved["n"] == 3 and moved["new"] >= "10:00"
    assert moved["is_late_risk"]  # 10:05 cannot be made from where route 2's van is
    Stop.objects.get(pk=stop.pk)  # nothing written
    assert Stop.objects.get(pk=stop.pk).route_id == live.routes[0].pk


def test_a_failed_delivery_is_rescheduled_to_another_day(live, dispatcher):
    stop = live.stops[2][2]
    stop.refresh_from_db()
    stop.order.refresh_from_db()
    assert stop.status == StopStatus.FAILED and stop.order.status == OrderStatus.FAILED
    tomorrow = live.day + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(9), tzinfo=live.depot.tzinfo)
    services.failed_reschedule(
        stop=stop, window_start=start, window_end=start + dt.timedelta(hours=3), user=dispatcher
    )
    stop.order.refresh_from_db()
    assert stop.order.status == OrderStatus.PACKED and stop.order.window_start == start
    assert stop.order.events.filter(type=OrderEvent.Type.RESCHEDULED).exists()
    board = selectors.board_build(filters=selectors.BoardFilters(day=live.day), now=live.now)
    assert "failed" not in {e.kind for e in board.exceptions}


def test_rescheduling_to_the_same_day_or_a_planned_stop_is_refused(live, dispatcher):
    failed = Stop.objects.get(pk=live.stops[2][2].pk)
    same_day = live.at(15)
    with pytest.raises(ValidationFailed) as refused:
        services.failed_reschedule(
            stop=failed, window_start=same_day, window_end=same_day + dt.timedelta(hours=1)
        )
    assert refused.value.errors[0]["field"] == "date"
    with pytest.raises(Conflict):
        services.failed_reschedule(
            stop=live.stops[0][4],
            window_start=same_day + dt.timedelta(days=1),
            window_end=same_day + dt.timedelta(days=1, hours=1),
        )


def test_cancelling_a_planned_stop_skips_it_and_cancels_the_order(db, dispatcher):
    day = build_day(routes=2, stops=3, started=1)
    stop = day.stops[1][1]  # route 2 has not left: its orders are still planned
    services.stop_cancel(stop=stop, user=dispatcher, reason="Customer moved away")
    stop.refresh_from_db()
    stop.order.refresh_from_db()
    assert stop.status == StopStatus.SKIPPED and stop.order.status == OrderStatus.CANCELLED
    assert stop.order.events.filter(type=OrderEvent.Type.CANCELLED).exists()


def test_an_order_out_for_delivery_cannot_be_cancelled_and_its_stop_stays(live, dispatcher):
    stop = live.stops[0][3]
    with pytest.raises(Conflict):
        services.stop_cancel(stop=stop, user=dispatcher)
    stop.refresh_from_db()
    assert stop.status == StopStatus.PLANNED


def test_the_customer_gets_the_new_eta_once_per_window(live, dispatcher):
    stop = Stop.objects.get(pk=live.stops[0][3].pk)
    notification = services.customer_eta_message(stop=stop, user=dispatcher)
    assert notification.kind == Notification.Kind.ETA_CHANGED
    assert notification.recipient == stop.order.customer.email
    assert "between" in notification.body
    assert _notes(stop.order)[0].message.startswith("Dispatch sent the customer the new ETA")
    with pytest.raises(Conflict):
        services.customer_eta_message(stop=stop, user=dispatcher)


def test_reoptimise_starts_routings_job_and_refuses_a_second_one(live, dispatcher, monkeypatch):
    monkeypatch.setattr("routing.services.jobs._enqueue", lambda job_id: None)
    job = services.plan_reoptimize(plan=live.plan, user=dispatcher)
    assert job.kind == OptimizationJob.Kind.REOPTIMIZE and job.status == "queued"
    with pytest.raises(Conflict):
        services.plan_reoptimize(plan=live.plan, user=dispatcher)


# --- the action endpoints ------------------------------------------------------------------------


def test_the_move_dialog_previews_then_moves(live, board_client):
    stop = live.stops[0][3]
    url = f"/dispatch/stops/{stop.pk}/move/"
    dialog = board_client.get(url, {"route": live.routes[1].pk})
    assert dialog.status_code == 200 and b'name="position"' in dialog.content
    preview = board_client.post(url, {"route": live.routes[1].pk, "position": 3, "preview": 1})
    assert preview.status_code == 200 and b"Feasible" in preview.content
    assert Stop.objects.get(pk=stop.pk).route_id == live.routes[0].pk
    assert b"Out for delivery" in preview.content and b'name="override"' in preview.content
    refused = board_client.post(url, {"route": live.routes[1].pk, "position": 3})
    assert refused.status_code == 409 and b"out for delivery" in refused.content
    assert Stop.objects.get(pk=stop.pk).route_id == live.routes[0].pk
    done = board_client.post(
        url, {"route": live.routes[1].pk, "position": 3, "override": "1", "reason": "Flat tyre"}
    )
    assert done.status_code == 200 and done["HX-Trigger"] == "board-changed"
    assert Stop.objects.get(pk=stop.pk).route_id == live.routes[1].pk


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"route": "", "position": 3}, 400, b"Route"),
        ({"route": 999999, "position": 3}, 400, b"Route"),
        ({"route": "R1", "position": "x"}, 400, b"Position"),
        ({"position": 0}, 400, b"Position"),
        ({"route": "ROUTE2", "position": 99}, 422, b"Position must be between"),
    ],
)
def test_the_move_endpoint_rejects_bad_input_naming_the_field(
    live, board_client, data, status, text
):
    stop = live.stops[0][3]
    data = {k: (live.routes[1].pk if v == "ROUTE2" else v) for k, v in data.items() if v != "R1"}
    response = board_client.post(f"/dispatch/stops/{stop.pk}/move/", data)
    assert response.status_code == status
    assert text in response.content
    assert Stop.objects.get(pk=stop.pk).route_id == live.routes[0].pk


def test_the_reschedule_form_rejects_an_inverted_window(live, board_client):
    stop = live.stops[2][2]
    response = board_client.post(
        f"/dispatch/stops/{stop.pk}/reschedule/",
        {"date": (live.day + dt.timedelta(days=2)).isoformat(), "start": "12:00", "end": "09:00"},
    )
    assert response.status_code == 400 and b"must end after it starts" in response.content


def test_cancel_of_an_order_on_its_way_answers_409_with_the_reason(live, board_client):
    stop = live.stops[0][3]
    response = board_client.post(f"/dispatch/stops/{stop.pk}/cancel/", {"reason": ""})
    assert response.status_code == 409
    assert b"Nothing was changed" in response.content


def test_unknown_stop_answers_404(live, board_client):
    assert board_client.get("/dispatch/stops/999999/").status_code == 404
    assert board_client.post("/dispatch/stops/999999/move/", {}).status_code == 404


def test_the_stop_card_shows_the_timeline(live, board_client):
    stop = live.stops[2][2]  # failed
    response = board_client.get(f"/dispatch/stops/{stop.pk}/")
    body = response.content.decode()
    assert "Delivery failed" in body and "Reschedule" in body
