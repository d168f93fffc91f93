"""`manage.py simulate_day`: play a published delivery day through the running server's API.

    manage.py simulate_day                       # today's demo day at x60 against :8000
    manage.py simulate_day --loop                # then a new demo day, and so on (`make run`)
    manage.py simulate_day --url http://127.0.0.1:8001 --speed 120 --seed 7
    manage.py simulate_day --in-process          # no server: Django's test client, stepped
    manage.py simulate_day --reset-clock         # back to real time and exit

Drivers log in as themselves (demo password `waybill-demo`, or --password). The shared
simulated clock (tracking.clock) runs at --speed so the ETA engine, the dispatcher map and the
customer pages live in the simulated day. Stopping (Ctrl-C/SIGTERM) leaves the clock running at
real speed from the simulated instant, and the next run resumes the unfinished day.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from routing.models import Plan, PlanStatus, Route, RouteStatus, Stop
from simulator import days
from simulator.engine import NoiseModel
from simulator.player import DEMO_PASSWORD, ClientTransport, DayPlayer, HttpTransport
from tracking import clock

LEAD_IN = dt.timedelta(minutes=10)  # simulated time before the first route starts


class Command(BaseCommand):
    help = "Play a published delivery day (or a loop of new demo days) through the driver API."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=os.environ.get("SIMULATOR_URL", ""))
        parser.add_argument("--speed", type=float, default=60.0)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--loop", action="store_true", help="Make and play new days forever.")
        parser.add_argument("--stops", type=int, default=150, help="Orders per new demo day.")
        parser.add_argument("--ping-every", type=int, default=30, help="Simulated seconds.")
        parser.add_argument("--upload-every", type=int, default=60, help="Simulated seconds.")
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--in-process", action="store_true")
        parser.add_argument("--wait-for-server", type=float, default=120.0)
        parser.add_argument("--reset-clock", action="store_true")
        parser.add_argument(
            "--hand-driven",
            action="append",
            default=[],
            metavar="USERNAME",
            help="Leave this driver's routes to a person in the driver app (repeatable).",
        )

    def handle(self, *args, **opts):
        if opts["reset_clock"]:
            clock.clock_reset()
            self.stdout.write("simulator: clock back to real time.")
            return
        if opts["speed"] <= 0:
            raise CommandError("--speed must be positive.")
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        if opts["in_process"]:
            transport = ClientTransport(password=opts["password"])
        else:
            url = opts["url"] or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
            transport = HttpTransport(url, password=opts["password"])
            self._wait_for(url, float("inf") if opts["loop"] else opts["wait_for_server"])
        noise = NoiseModel(seed=opts["seed"])
        try:
            while not self.stopping:
                try:
                    self._play_one(opts, transport, noise)
                except Exception as exc:
                    if not opts["loop"]:
                        raise
                    # The demo loop never takes `make run` down: say why, wait, try again.
                    self.stderr.write(f"simulator: {exc!r}; retrying in 30 s")
                    self._sleep(30)
                    continue
                if not opts["loop"]:
                    break
        except KeyboardInterrupt:
            self.stopping = True
        finally:
            if not opts["in_process"]:
                # Keep simulated time, at real speed, so pages stay in the simulated day.
                clock.clock_set(at=clock.now(), speed=1.0)

    def _play_one(self, opts, transport, noise) -> None:
        plans, start = self._day(opts)
        if not plans:
            raise CommandError("No published plan to play and none could be made.")
        routes = days.sim_routes(plans=plans, now=start, hand_driven=tuple(opts["hand_driven"]))
        day = plans[0].date
        self.stdout.write(
            f"simulator: playing {day} ({len(routes)} routes) from {start:%H:%M} at "
            f"x{opts['speed']:g}"
        )
        player = DayPlayer(
            routes,
            transport=transport,
            noise=noise,
            leg_model_s=days.leg_model(),
            ping_every_s=opts["ping_every"],
            upload_every_s=opts["upload_every"],
            log=self.stdout.write,
        )
        if opts["in_process"]:
            stats = player.play_stepped()
        else:
            stats = player.play_live(
                speed=opts["speed"], start=start, should_stop=lambda: self.stopping
            )
        self.stdout.write(f"simulator: {day} done: {stats.as_dict()}")

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.5)

    def _stop(self, signum, frame):
        self.stopping = True

    def _wait_for(self, url: str, limit_s: float) -> None:
        import requests

        deadline = time.monotonic() + limit_s
        while True:
            try:
                requests.get(f"{url}/accounts/login/", timeout=5).raise_for_status()
                return
            except requests.RequestException as exc:
                if time.monotonic() > deadline or self.stopping:
                    raise CommandError(f"The server at {url} does not answer: {exc}") from exc
                time.sleep(2)

    def _day(self, opts) -> tuple[list[Plan], dt.datetime]:
        """The day to play and the simulated instant to start from: an unfinished published
        day (resumed where the simulated clock stands), else a new demo day."""
        anchored = cache.get(clock.CACHE_KEY) is not None
        now = clock.now()
        since = now.date() if anchored else timezone.localdate()
        unfinished = (
            Route.objects.filter(plan__status=PlanStatus.PUBLISHED, plan__date__gte=since)
            .exclude(status=RouteStatus.COMPLETED)
            .exclude(driver__isnull=True)
            .exclude(driver__user__username__in=opts["hand_driven"])
            .order_by("plan__date")
            .values_list("plan__date", flat=True)
            .first()
        )
        if unfinished is None:
            last = Plan.objects.order_by("-date").values_list("date", flat=True).first()
            date = max(since, last + dt.timedelta(days=1)) if last else since
            user = User.objects.filter(username="dispatcher").first()
            days.demo_day_create(
                date=date, seed=opts["seed"], stops=opts["stops"], user=user,
                log=self.stdout.write,
            )  # fmt: skip
            unfinished = date
        plans = list(Plan.objects.filter(date=unfinished, status=PlanStatus.PUBLISHED))
        routes = Route.objects.filter(plan__in=plans)
        first = min((r.start_at for r in routes), default=now)
        start = first - LEAD_IN
        last_event = (
            Stop.objects.filter(plan__in=plans, departed_at__isnull=False)
            .order_by("-departed_at")
            .values_list("departed_at", flat=True)
            .first()
        )
        if last_event is not None:  # resume: never before what already happened
            start = max(start, last_event, now if now.date() == unfinished else start)
        return plans, start
