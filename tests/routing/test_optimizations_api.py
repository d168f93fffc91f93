"""`/api/v1/optimizations/`: a VROOM JSON problem solved as an asynchronous job, as partners
(API keys with the optimizations scopes) and dispatchers (sessions) use it."""

import copy
import threading
import time

import pytest
from django.db import connection

from core.roles import Role
from routing.optimizations import services
from routing.optimizations.models import OptimizationRequest
from routing.solver.vroom_json import parse_input, plan_violations

URL = "/api/v1/optimizations/"
READ, WRITE = "optimizations:read", "optimizations:write"
PROBLEM = {
    "vehicles": [
        {
            "id": 1,
            "start_index": 0,
            "end_index": 0,
            "capacity": [10],
            "time_window": [28_800, 61_200],
            "breaks": [{"id": 1, "time_windows": [[43_200, 46_800]], "service": 1800}],
        },
        {"id": 2, "start_index": 3, "end_index": 3, "capacity": [4], "skills": [5]},
    ],
    "jobs": [
        {"id": 11, "location_index": 1, "service": 300, "delivery": [4]},
        {"id": 12, "location_index": 2, "service": 300, "delivery": [3], "pickup": [2]},
        {"id": 13, "location_index": 2, "skills": [5]},
        {"id": 14, "location_index": 1, "time_windows": [[32_400, 39_600]]},
    ],
    "shipments": [
        {
            "pickup": {"id": 21, "location_index": 2, "service": 120},
            "delivery": {"id": 21, "location_index": 3, "service": 120},
            "amount": [1],
        }
    ],
    "matrices": {
        "car": {
            "durations": [
                [0, 900, 1200, 1500],
                [900, 0, 600, 1100],
                [1200, 600, 0, 700],
                [1500, 1100, 700, 0],
            ],
            "distances": [
                [0, 9000, 12500, 16000],
                [9000, 0, 5200, 11000],
                [12500, 5200, 0, 6800],
                [16000, 11000, 6800, 0],
            ],
        }
    },
    "options": {"time_limit": 0.5},
}


def problem(**changes):
    body = copy.deepcopy(PROBLEM)
    body.update(changes)
    return body


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Celery is eager in unit tests and the task is sent on commit: run it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def client(partner_api):
    return partner_api(scopes=[READ, WRITE])


def test_lifecycle_202_then_poll_until_vroom_output(client, run_tasks):
    with run_tasks():
        created = client.post(URL, problem(), format="json")
    assert created.status_code == 202
    body = created.json()
    assert created["Location"] == body["url"]
    assert body["url"].endswith(f"{URL}{body['id']}/")
    assert body["status"] == "queued" and body["result"] is None and body["tasks"] == 6

    done = client.get(body["url"])
    assert done.status_code == 200
    job = done.json()
    assert job["status"] == "succeeded" and job["progress"] == 100 and job["error"] == ""
    assert job["finished_at"] and job["started_at"] and job["time_limit_s"] == 0.5
    result = job["result"]
    assert result["code"] == 0 and result["summary"]["unassigned"] == 0
    assert {r["vehicle"] for r in result["routes"]} == {1, 2}
    assert plan_violations(parse_input(PROBLEM), result) == []
    skilled = next(r for r in result["routes"] if r["vehicle"] == 2)
    assert 13 in {s.get("id") for s in skilled["steps"] if s["type"] == "job"}


def test_status_while_queued_then_cancel(client):
    created = client.post(URL, problem(), format="json").json()  # never committed: stays queued
    polled = client.get(created["url"]).json()
    assert polled["status"] == "queued" and polled["progress"] == 0 and polled["result"] is None
    cancelled = client.post(f"{created['url']}cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"{created['url']}cancel/")
    assert again.status_code == 409
    assert again.json()["current_state"] == "cancelled"


def test_missing_scope_is_named(partner_api):
    reader, writer = partner_api(scopes=[READ]), partner_api(scopes=[WRITE])
    refused = reader.post(URL, problem(), format="json")
    assert refused.status_code == 403
    assert "optimizations:write" in refused.json()["detail"]
    created = writer.post(URL, problem(), format="json").json()
    unread = writer.get(created["url"])
    assert unread.status_code == 403 and "optimizations:read" in unread.json()["detail"]
    assert partner_api(scopes=["routes:read"]).get(created["url"]).status_code == 403


def test_partners_see_only_their_own_optimizations(partner_api):
    mine, theirs = partner_api(scopes=[READ, WRITE]), partner_api(scopes=[READ, WRITE])
    created = mine.post(URL, problem(), format="json").json()
    assert mine.get(created["url"]).status_code == 200
    for response in (
        theirs.get(created["url"]),
        theirs.post(f"{created['url']}cancel/"),
    ):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert OptimizationRequest.objects.get().status == "queued"  # the cancel changed nothing


def test_list_shows_only_my_optimizations_newest_first(partner_api):
    mine, theirs = partner_api(scopes=[READ, WRITE]), partner_api(scopes=[READ, WRITE])
    first = mine.post(URL, problem(), format="json").json()
    second = mine.post(URL, problem(), format="json").json()
    theirs.post(URL, problem(), format="json")
    listed = mine.get(URL)
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [r["id"] for r in rows] == [second["id"], first["id"]]
    assert "result" not in rows[0] and rows[0]["url"] == second["url"]
    assert partner_api(scopes=[WRITE]).get(URL).status_code == 403


def test_unknown_id_is_404(client):
    for unknown in ("00000000-0000-0000-0000-000000000000", "0", "not-a-uuid"):
        response = client.get(f"{URL}{unknown}/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"


def test_idempotent_replay_returns_the_same_job(client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "opt-1"}
    first = client.post(URL, problem(), format="json", **headers)
    second = client.post(URL, problem(), format="json", **headers)
    assert first.status_code == second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert OptimizationRequest.objects.count() == 1
    other = client.post(URL, problem(jobs=PROBLEM["jobs"][:2]), format="json", **headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert OptimizationRequest.objects.count() == 1


def test_invalid_problem_is_422_naming_each_json_path(client):
    body = problem()
    body["jobs"][3]["time_windows"] = [[39_600, 32_400]]
    body["vehicles"][1]["capacity"] = ["four"]
    response = client.post(URL, body, format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields["jobs[3].time_windows[0]"] == "ends (32400) before it starts (39600)"
    assert "vehicles[1].capacity[0]" in fields
    assert "jobs[3].time_windows[0]" in response.json()["detail"]
    assert not OptimizationRequest.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({}, "vehicles"),
        ({"vehicles": [{"id": 1, "start": [2.35, 48.85]}], "jobs": [], "steps": 1}, "steps"),
        (problem(options={"time_limit": 601}), "options.time_limit"),
        (problem(options={"g": True}), "options.g"),
    ],
)
def test_malformed_bodies_are_422_never_500(client, body, field):
    response = client.post(URL, body, format="json")
    assert response.status_code == 422, response.json()
    assert field in {e["field"] for e in response.json()["errors"]}


def test_broken_json_is_a_400_problem(client):
    response = client.post(URL, '{"vehicles": [', content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_size_limits_answer_clearly(client, settings):
    settings.ROUTING_OPTIMIZATION_MAX_TASKS = 3
    settings.ROUTING_OPTIMIZATION_MAX_VEHICLES = 1
    response = client.post(URL, problem(), format="json")
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["jobs"] == "At most 3 tasks (jobs + 2 per shipment), got 6."
    assert errors["vehicles"] == "At most 1 vehicles, got 2."
    settings.ROUTING_OPTIMIZATION_MAX_BODY_BYTES = 200
    too_big = client.post(URL, problem(), format="json")
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["field"] == "body"
    assert not OptimizationRequest.objects.exists()


def test_dispatchers_use_it_with_their_session(staff_api, run_tasks):
    dispatcher = staff_api(Role.DISPATCHER)
    with run_tasks():
        created = dispatcher.post(URL, problem(), format="json")
    assert created.status_code == 202
    polled = dispatcher.get(created["Location"]).json()
    assert polled["status"] == "succeeded" and polled["result"]["code"] == 0
    request = OptimizationRequest.objects.get()
    assert request.partner is None and request.created_by is not None
    assert staff_api(Role.WAREHOUSE).post(URL, problem(), format="json").status_code == 403


def test_anonymous_callers_are_refused(api_client):
    assert api_client.post(URL, problem(), format="json").status_code in (401, 403)


def test_a_crash_fails_the_job_with_vroom_error_shape(client, run_tasks, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(services, "solve_json", crash)
    with run_tasks():
        created = client.post(URL, problem(), format="json").json()
    job = client.get(created["url"]).json()
    assert job["status"] == "failed"
    assert job["error"] == "Internal error while optimising (RuntimeError); see the worker log."
    assert job["result"] == {"code": 1, "error": job["error"]}


def test_a_finished_job_is_not_run_again(client, run_tasks):
    with run_tasks():
        created = client.post(URL, problem(), format="json").json()
    request = OptimizationRequest.objects.get(public_id=created["id"])
    assert services.optimization_request_run(request_id=request.pk) == "skipped"
    request.refresh_from_db()
    assert request.runs == 1 and request.status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_progress_is_reported_while_running_and_cancel_stops_it(partner_api, settings, monkeypatch):
    settings.ROUTING_PROGRESS_INTERVAL_S = 0.1
    # The thread below is the worker: nothing is sent to Celery (eager here) on commit.
    monkeypatch.setattr(services, "_enqueue", lambda request_id: None)
    client = partner_api(scopes=[READ, WRITE])
    created = client.post(URL, problem(options={"time_limit": 20}), format="json").json()
    request = OptimizationRequest.objects.get(public_id=created["id"])

    def run():
        try:
            services.optimization_request_run(request_id=request.pk)
        finally:
            connection.close()

    started = time.monotonic()
    worker = threading.Thread(target=run)
    worker.start()
    try:
        deadline = time.monotonic() + 15
        polled = client.get(created["url"]).json()
        while polled["progress"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
            polled = client.get(created["url"]).json()
        assert polled["status"] == "running" and polled["progress"] >= 2
        assert client.post(f"{created['url']}cancel/").json()["cancel_requested"] is True
    finally:
        worker.join(timeout=30)
    final = client.get(created["url"]).json()
    assert final["status"] == "cancelled" and final["result"] is None
    assert time.monotonic() - started < 15  # far below the 20 s limit
