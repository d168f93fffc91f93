"""Play simulated routes through Waybill's own API, as the drivers' phones would.

Each driver logs in with their own session (username + password, like the driver web app) and
sends what the phone sends: `POST /api/v1/driver/routes/<id>/start/`, position pings in small
batches to `POST /api/v1/pings/`, and `arrive` / `deliver` / `fail` on
`/api/v1/driver/stops/<id>/…`, each with an Idempotency-Key, so a retried request never
counts twice. Two transports: `HttpTransport` (requests against a running server, used by
`manage.py simulate_day` under `make run`) and `ClientTransport` (Django's test client, in
process: tests and the benchmark).

Two ways to keep time, both through `tracking.clock` so the ETA engine, pages and
notifications agree with the drivers:
- live: the shared simulated clock runs at `speed` x real time; events are sent when it
  reaches them; stretches with nobody on the road are skipped;
- stepped: the clock is pinned to each event's instant before it is sent (as fast as the
  system answers; deterministic — the benchmark).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simulator.engine import (
    NoiseModel,
    SimClock,
    SimEvent,
    SimRoute,
    route_timeline,
    upload_batches,
)

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "waybill-demo"  # noqa: S105 (the documented demo login)
FAILURE_REASON = "customer_absent"
# A practically frozen clock for stepped play (tracking.clock needs a positive speed).
FROZEN_SPEED = 1e-9
# Skip ahead when nothing happens for this long (simulated seconds).
IDLE_JUMP_S = 300


class ApiError(RuntimeError):
    pass


class Transport:
    """post(driver, path, body, key) → (status, body); logs each driver in once."""

    def __init__(self, password: str = DEMO_PASSWORD) -> None:
        self.password = password

    def post(self, driver: str, path: str, body: dict, *, key: str) -> tuple[int, dict]:
        raise NotImplementedError


class ClientTransport(Transport):
    """Django's test client: the whole request stack (auth, permissions, idempotency,
    serializers, problem details) in this process."""

    def __init__(self, password: str = DEMO_PASSWORD) -> None:
        super().__init__(password)
        self._clients: dict = {}

    def _client(self, driver: str):
        from django.test import Client

        if driver not in self._clients:
            client = Client()
            if not client.login(username=driver, password=self.password):
                raise ApiError(f"driver {driver} cannot log in")
            self._clients[driver] = client
        return self._clients[driver]

    def post(self, driver: str, path: str, body: dict, *, key: str) -> tuple[int, dict]:
        response = self._client(driver).post(
            path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )
        try:
            data = response.json()
        except ValueError:
            data = {}
        return response.status_code, data


class HttpTransport(Transport):
    """`requests` against a running server: logs in through /accounts/login/ (CSRF and all)
    and sends the CSRF token with each API call, as the driver web app does."""

    def __init__(self, base_url: str, password: str = DEMO_PASSWORD, timeout_s: float = 30):
        super().__init__(password)
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self._sessions: dict = {}

    def _login(self, driver: str):
        import requests

        session = requests.Session()
        url = f"{self.base_url}/accounts/login/"
        session.get(url, timeout=self.timeout_s).raise_for_status()
        response = session.post(
            url,
            data={
                "username": driver,
                "password": self.password,
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            },
            headers={"Referer": url},
            timeout=self.timeout_s,
            allow_redirects=False,
        )
        if response.status_code != 302 or "sessionid" not in session.cookies:
            raise ApiError(f"driver {driver} cannot log in (HTTP {response.status_code})")
        self._sessions[driver] = session
        return session

    def post(self, driver: str, path: str, body: dict, *, key: str) -> tuple[int, dict]:
        import requests

        for attempt in range(3):
            session = self._sessions.get(driver) or self._login(driver)
            try:
                response = session.post(
                    self.base_url + path,
                    json=body,
                    headers={
                        "X-CSRFToken": session.cookies.get("csrftoken", ""),
                        "Referer": self.base_url + "/",
                        "Idempotency-Key": key,
                    },
                    timeout=self.timeout_s,
                )
            except requests.RequestException as exc:  # the server restarting: retry
                logger.warning("simulator: %s %s failed (%s); retrying", driver, path, exc)
                time.sleep(1 + attempt)
                continue
            if response.status_code in (401, 403) and attempt == 0:
                self._sessions.pop(driver, None)  # session expired: log in again
                continue
            try:
                data = response.json()
            except ValueError:
                data = {}
            return response.status_code, data
        return 599, {"detail": "no answer from the server"}


@dataclass
class PlayStats:
    requests: int = 0
    pings: int = 0
    started: int = 0
    delivered: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)
    max_lag_s: float = 0.0  # live play: how far behind schedule a request went out (real s)
    wall_s: float = 0.0

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "pings": self.pings,
            "routes_started": self.started,
            "delivered": self.delivered,
            "failed": self.failed,
            "errors": len(self.errors),
            "max_lag_s": round(self.max_lag_s, 2),
            "wall_s": round(self.wall_s, 1),
        }


def _iso(at: dt.datetime) -> str:
    return at.isoformat()


@dataclass(frozen=True, order=True)
class _Item:
    at: dt.datetime
    rank: int  # 0: a driver's request, 1: an observer (reads after everything at that instant)
    route: int
    seq: int
    payload: object = field(compare=False)


class DayPlayer:
    """Sends the timelines of `routes` through `transport`. `observers` are extra
    (at, callback) pairs run at their instant (after the requests of that instant): the
    benchmark reads the ETAs customers see through them."""

    def __init__(
        self,
        routes: Sequence[SimRoute],
        *,
        transport: Transport,
        noise: NoiseModel,
        leg_model_s,
        ping_every_s: int = 30,
        upload_every_s: int = 60,
        observers: Sequence[tuple[dt.datetime, Callable[[], None]]] = (),
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.routes = {r.key: r for r in routes}
        self.transport, self.log = transport, log or (lambda _m: None)
        self.timelines: dict[int, list[SimEvent]] = {
            r.key: route_timeline(r, noise, leg_model_s, ping_every_s=ping_every_s) for r in routes
        }
        items = [
            _Item(at, 0, route, seq, payload)
            for tl in self.timelines.values()
            for at, route, seq, payload in upload_batches(tl, upload_every_s=upload_every_s)
        ]
        items += [_Item(at, 1, 0, n, fn) for n, (at, fn) in enumerate(observers)]
        self.items = sorted(items)
        self.stats = PlayStats()

    def add_observers(self, observers: Sequence[tuple[dt.datetime, Callable[[], None]]]) -> None:
        start = len([i for i in self.items if i.rank == 1])
        extra = [_Item(at, 1, 0, start + n, fn) for n, (at, fn) in enumerate(observers)]
        self.items = sorted(self.items + extra)

    @property
    def arrivals(self) -> dict[int, dt.datetime]:
        """Stop id → the instant the simulated driver arrives (the truth ETAs are scored on)."""
        return {e.stop: e.at for tl in self.timelines.values() for e in tl if e.kind == "arrive"}

    @property
    def start(self) -> dt.datetime | None:
        return self.items[0].at if self.items else None

    # --- sending ------------------------------------------------------------------------------

    def _send(self, item: _Item) -> None:
        if item.rank == 1:
            item.payload()
            return
        route = self.routes[item.route]
        payload = item.payload
        if isinstance(payload, list):
            path = "/api/v1/pings/"
            body = {
                "pings": [
                    {
                        "time": _iso(p.at),
                        "latitude": round(p.latitude, 6),
                        "longitude": round(p.longitude, 6),
                        "speed_kmh": p.speed_kmh,
                        "heading_deg": p.heading_deg,
                        "accuracy_m": 10.0,
                    }
                    for p in payload
                ]
            }
            key = f"sim:{route.day}:{route.key}:pings:{_iso(payload[0].at)}"
            self.stats.pings += len(payload)
        else:
            event: SimEvent = payload
            key = f"sim:{route.day}:{route.key}:{event.kind}:{event.stop or ''}"
            position = {
                "latitude": round(event.latitude, 6),
                "longitude": round(event.longitude, 6),
                "at": _iso(event.at),
            }
            if event.kind == "start":
                path, body = f"/api/v1/driver/routes/{route.key}/start/", {}
            elif event.kind == "arrive":
                path, body = f"/api/v1/driver/stops/{event.stop}/arrive/", position
            elif event.kind == "deliver":
                path = f"/api/v1/driver/stops/{event.stop}/deliver/"
                body = {**position, "recipient_name": "Simulated recipient"}
            else:
                path = f"/api/v1/driver/stops/{event.stop}/fail/"
                body = {**position, "reason": FAILURE_REASON, "note": "Simulated: nobody home."}
        status, data = self.transport.post(route.driver, path, body, key=key)
        self.stats.requests += 1
        if status >= 300:
            self.stats.errors.append((status, path, data))
            self.log(f"simulator: {route.driver} {path} → {status} {data.get('detail', data)}")
            return
        if not isinstance(payload, list):
            kind = payload.kind
            self.stats.started += kind == "start"
            self.stats.delivered += kind == "deliver"
            self.stats.failed += kind == "fail"

    # --- time -------------------------------------------------------------------------------

    def play_stepped(self) -> PlayStats:
        """As fast as the system answers, the shared clock pinned to each item's instant."""
        from tracking import clock

        began = time.perf_counter()
        try:
            for item in self.items:
                clock.clock_set(at=item.at, speed=FROZEN_SPEED)
                self._send(item)
        finally:
            self.stats.wall_s = time.perf_counter() - began
        return self.stats

    def play_live(
        self,
        *,
        speed: float,
        start: dt.datetime | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> PlayStats:
        """At `speed` x real time on the shared simulated clock, skipping idle stretches."""
        from tracking import clock

        began = time.perf_counter()
        if not self.items:
            return self.stats
        sim = SimClock(start or self.items[0].at, speed=speed)
        clock.clock_set(at=sim.now(), speed=speed)
        previous = sim.now()
        try:
            for item in self.items:
                if should_stop():
                    break
                if (item.at - previous).total_seconds() > IDLE_JUMP_S:
                    # Nobody on the road until then: skip ahead (a minute before it).
                    sim.jump_to(item.at - dt.timedelta(seconds=60))
                    clock.clock_set(at=sim.now(), speed=speed)
                wait = sim.real_seconds_until(item.at)
                while wait > 0 and not should_stop():
                    time.sleep(min(wait, 1.0))
                    wait = sim.real_seconds_until(item.at)
                lag = (sim.now() - item.at).total_seconds() / speed
                self.stats.max_lag_s = max(self.stats.max_lag_s, lag)
                self._send(item)
                previous = item.at
        finally:
            self.stats.wall_s = time.perf_counter() - began
        return self.stats
