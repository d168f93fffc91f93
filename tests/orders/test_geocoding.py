"""Geocoding against a local fake Nominatim server (never the network)."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from orders.geocoding import GeocoderUnavailable, geocode
from orders.models import OrderEvent
from orders.services import order_geocode

KNOWN = {"Torstraße 1, 10119 Berlin": ("52.5294", "13.4010")}


class FakeNominatim(BaseHTTPRequestHandler):
    requests: list = []

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        FakeNominatim.requests.append((url.path, query))
        if query.get("q") == ["boom"]:
            self.send_response(503)
            self.end_headers()
            return
        hit = KNOWN.get(query.get("q", [""])[0])
        body = json.dumps(
            [{"lat": hit[0], "lon": hit[1], "display_name": "Torstraße 1"}] if hit else []
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_geocoder(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GEOCODER_URL = f"http://127.0.0.1:{server.server_address[1]}"
    FakeNominatim.requests = []
    yield FakeNominatim
    server.shutdown()
    server.server_close()


def test_geocode_asks_nominatim_search_and_parses_the_first_hit(fake_geocoder):
    result = geocode("Torstraße 1, 10119 Berlin")
    assert (result.latitude, result.longitude) == (Decimal("52.529400"), Decimal("13.401000"))
    path, query = fake_geocoder.requests[0]
    assert path == "/search"
    assert query["format"] == ["jsonv2"]


def test_unknown_address_is_none_and_server_errors_raise(fake_geocoder):
    assert geocode("Nowhere 0") is None
    with pytest.raises(GeocoderUnavailable):
        geocode("boom")


def test_no_geocoder_configured_means_no_lookup(settings):
    settings.GEOCODER_URL = ""
    assert geocode("Torstraße 1, 10119 Berlin") is None


@pytest.mark.django_db
def test_order_without_coordinates_is_located_after_commit(
    fake_geocoder, make_order, tea, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order([(tea, 1)], latitude=None, longitude=None)
        assert order.location_note.startswith("Waiting for the geocoder")
    order.refresh_from_db()
    assert not order.needs_location
    assert order.latitude == Decimal("52.529400")
    assert order.events.filter(type=OrderEvent.Type.LOCATION_SET).exists()


@pytest.mark.django_db
def test_address_the_geocoder_cannot_find_is_held_for_the_map_picker(
    fake_geocoder, make_order, tea, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order([(tea, 1)], latitude=None, longitude=None, address="Nowhere 0")
    order.refresh_from_db()
    assert order.needs_location
    assert "could not find this address" in order.location_note
    assert order_geocode(order=order).needs_location  # running again is harmless
