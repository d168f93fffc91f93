"""Pluggable geocoding for delivery addresses.

`GEOCODER_URL` empty (the default) means no geocoder: orders without coordinates are held as
"needs location" and a dispatcher sets the point on the map. When it is set, it is the base URL
of a Nominatim-compatible service, queried as `GET {GEOCODER_URL}/search?format=jsonv2&q=…`.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

logger = logging.getLogger(__name__)

USER_AGENT = "Waybill/1.0 (delivery management; geocoding)"


class GeocoderUnavailable(Exception):
    """The geocoder could not be reached or answered with an error (worth retrying later)."""


@dataclass(frozen=True)
class GeocodeResult:
    latitude: Decimal
    longitude: Decimal
    display_name: str = ""


def geocoder_configured() -> bool:
    return bool(getattr(settings, "GEOCODER_URL", ""))


def geocode(address: str) -> GeocodeResult | None:
    """The best match for `address`, None when the geocoder found nothing (or none configured).

    Raises GeocoderUnavailable on network errors, timeouts, non-2xx answers or garbage bodies.
    """
    base = getattr(settings, "GEOCODER_URL", "")
    address = " ".join((address or "").split())
    if not base or not address:
        return None
    query = urllib.parse.urlencode({"format": "jsonv2", "limit": 1, "q": address})
    url = f"{base.rstrip('/')}/search?{query}"
    request = urllib.request.Request(  # noqa: S310 (URL comes from settings)
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    timeout = getattr(settings, "GEOCODER_TIMEOUT_S", 5.0)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(1_000_000)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GeocoderUnavailable(f"Geocoder request failed: {exc}") from exc
    try:
        results = json.loads(body)
    except ValueError as exc:
        raise GeocoderUnavailable("Geocoder answered with something other than JSON.") from exc
    if not isinstance(results, list) or not results:
        return None
    first = results[0]
    try:
        lat = Decimal(str(first["lat"])).quantize(Decimal("0.000001"))
        lon = Decimal(str(first["lon"])).quantize(Decimal("0.000001"))
    except (KeyError, TypeError, ArithmeticError, ValueError):
        logger.warning("Geocoder result without usable lat/lon for %r", address)
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return GeocodeResult(
        latitude=lat, longitude=lon, display_name=str(first.get("display_name", ""))
    )
