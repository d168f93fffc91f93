"""Travel-time providers: haversine sanity, caching, explicit matrices, OSRM over HTTP."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from routing.solver.providers import (
    UNREACHABLE,
    HaversineProvider,
    MatrixProvider,
    OSRMProvider,
)

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)


def test_haversine_distance_paris_london_with_detour():
    m = HaversineProvider(detour_factor=1.0).matrices([PARIS, LONDON])
    assert 340_000 < m.distance_m[0, 1] < 350_000  # great-circle ~343.5 km
    assert m.distance_m[0, 1] == m.distance_m[1, 0]
    assert m.distance_m[0, 0] == 0
    detoured = HaversineProvider(detour_factor=1.3).matrices([PARIS, LONDON])
    assert detoured.distance_m[0, 1] == pytest.approx(1.3 * m.distance_m[0, 1], rel=1e-3)


def test_haversine_duration_follows_speed_of_departure_hour():
    speeds = [60.0] * 24
    speeds[8] = 20.0
    provider = HaversineProvider(detour_factor=1.0, speeds_kmh=speeds)
    night = provider.matrices([PARIS, LONDON], depart_s=3 * 3600)
    peak = provider.matrices([PARIS, LONDON], depart_s=8 * 3600 + 60)
    assert night.duration_s[0, 1] == pytest.approx(night.distance_m[0, 1] / (60 / 3.6), abs=1)
    assert peak.duration_s[0, 1] == pytest.approx(3 * night.duration_s[0, 1], rel=1e-3)
    assert peak.distance_m.dtype == np.int64


def test_matrices_are_cached_per_coordinates_and_hour():
    provider = HaversineProvider()
    first = provider.matrices([PARIS, LONDON], 0)
    assert provider.matrices([PARIS, LONDON], 60) is first  # same hour
    assert provider.matrices([LONDON, PARIS], 0) is not first


def test_matrix_provider_looks_up_points_and_rejects_unknown_ones():
    points = [(0, 0), (3, 4), (6, 8)]
    dist = [[0, 5, 10], [5, 0, 5], [10, 5, 0]]
    provider = MatrixProvider(points, dist, dist)
    sub = provider.matrices([(6, 8), (0, 0)])
    assert sub.distance_m.tolist() == [[0, 10], [10, 0]]
    with pytest.raises(ValueError, match="not in the explicit matrix"):
        provider.matrices([(1, 1)])


class _FakeOSRM(BaseHTTPRequestHandler):
    requests: list[str] = []
    reply: dict = {}

    def do_GET(self):
        type(self).requests.append(self.path)
        body = json.dumps(type(self).reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_osrm():
    _FakeOSRM.requests = []
    server = HTTPServer(("127.0.0.1", 0), _FakeOSRM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _FakeOSRM
    server.shutdown()
    server.server_close()


def test_osrm_provider_queries_table_in_lon_lat_order_and_rounds(fake_osrm):
    url, handler = fake_osrm
    handler.reply = {
        "code": "Ok",
        "distances": [[0, 1234.6], [1240.2, 0]],
        "durations": [[0, 99.5], [101.4, None]],
    }
    m = OSRMProvider(url).matrices([PARIS, LONDON])
    path = urlsplit(handler.requests[0])  # urlparse would split at ";"
    assert path.path == "/table/v1/driving/2.352200,48.856600;-0.127800,51.507400"
    assert parse_qs(path.query)["annotations"] == ["distance,duration"]
    assert m.distance_m.tolist() == [[0, 1235], [1240, 0]]
    assert m.duration_s[0, 1] == 100 and m.duration_s[1, 1] == UNREACHABLE


def test_osrm_provider_raises_on_error_code(fake_osrm):
    url, handler = fake_osrm
    handler.reply = {"code": "InvalidQuery", "message": "bad coordinates"}
    with pytest.raises(RuntimeError, match="InvalidQuery"):
        OSRMProvider(url).matrices([PARIS, LONDON])
