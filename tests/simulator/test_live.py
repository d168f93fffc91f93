"""Live play: requests go out in simulated-time order on the shared clock, idle hours are
skipped, and the phone's payloads are what the API expects."""

import datetime as dt

from simulator.engine import SimRoute, SimStop
from simulator.player import DayPlayer, Transport
from tests.simulator.test_engine import DEPOT, T0, TZ, calm, flat_model
from tracking import clock


class Recorder(Transport):
    def __init__(self):
        super().__init__()
        self.calls = []

    def post(self, driver, path, body, *, key):
        self.calls.append((clock.now(), driver, path, body, key))
        return 200, {}


def route(key, driver, start):
    stop = SimStop(key=key * 10, ref=f"R{key}", point=(52.5, 13.4), service_s=120)
    return SimRoute(key=key, driver=driver, origin=DEPOT, start_at=start, tz=TZ, stops=(stop,),
                    day="2026-03-02")  # fmt: skip


def test_live_play_follows_the_simulated_clock_and_skips_idle_hours():
    transport = Recorder()
    late = T0 + dt.timedelta(hours=5)  # nobody drives from 08:12 to 13:00
    player = DayPlayer(
        [route(1, "dirk", T0), route(2, "lena", late)],
        transport=transport,
        noise=calm(),
        leg_model_s=flat_model,
        upload_every_s=120,
    )
    stats = player.play_live(speed=3600)  # an hour a second
    assert stats.errors == [] and stats.delivered == 2 and stats.started == 2
    assert stats.wall_s < 3  # the five idle hours were skipped
    paths = [c[2] for c in transport.calls]
    assert paths[0] == "/api/v1/driver/routes/1/start/"
    assert paths.index("/api/v1/driver/routes/2/start/") > paths.index(
        "/api/v1/driver/stops/10/deliver/"
    )
    # Each request went out once the shared clock had reached the moment it describes.
    for sent_at, _driver, _path, body, _key in transport.calls:
        said = body["pings"][-1]["time"] if "pings" in body else body.get("at")
        if said:
            assert dt.datetime.fromisoformat(said) <= sent_at + dt.timedelta(seconds=1)
    deliver = next(c for c in transport.calls if c[2].endswith("/10/deliver/"))
    assert deliver[3]["recipient_name"] and deliver[4] == "sim:2026-03-02:1:deliver:10"
    ping = next(c for c in transport.calls if c[2] == "/api/v1/pings/")[3]["pings"][0]
    assert set(ping) == {"time", "latitude", "longitude", "speed_kmh", "heading_deg", "accuracy_m"}
