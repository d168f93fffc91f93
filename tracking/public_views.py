"""The customer tracking page `/t/<token>/` and its small actions. No login: the random token
(≥128 bits) is the capability, so these views set no cookies and use no session — which is
also why the forms are CSRF-exempt (there is no ambient credential to ride on).

Unknown and expired tokens get the same 404. Every response carries `Referrer-Policy:
no-referrer` (the token never leaks to the tile server or any link) and `X-Robots-Tag: noindex`.
The rendered page is cached in Redis per token (tracking.services.pages) and invalidated on any
change; requests are rate-limited per client address.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carriers.selectors import public_shipment
from core.exceptions import DomainError
from core.throttling import client_ip, parse_rate
from orders.models import ReturnLine
from orders.services import return_request
from tracking import conf, selectors
from tracking.services import instructions_set, rating_submit
from tracking.services.cache_client import redis_client, redis_serializer
from tracking.services.pages import page_cached, page_key

NOT_FOUND = "\x00404"
NOT_FOUND_TTL_S = 60
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-cache",
}


def _with_headers(response: HttpResponse) -> HttpResponse:
    for name, value in HEADERS.items():
        response[name] = value
    return response


def _limited(request) -> HttpResponse | None:
    """Fixed window per client address (TRACKING_PAGE_RATE_LIMIT); fails open without Redis."""
    limit, period = parse_rate(conf.get("TRACKING_PAGE_RATE_LIMIT"))
    window = int(time.time() // period)
    key = cache.make_key(f"tracking:rl:{client_ip(request)}:{window}")
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, period + 1)
        count = pipe.execute()[0]
    except Exception:  # (rate limiting must not take the page down)
        return None
    if count <= limit:
        return None
    return _too_many(period)


def _not_found() -> HttpResponse:
    html = render_to_string("tracking/public/not_found.html")
    return _with_headers(HttpResponse(html, status=404))


def _render(order, token: str, *, errors: dict | None = None, values: dict | None = None) -> str:
    return render_to_string(
        "tracking/public/page.html",
        {
            "page": selectors.tracking_page(order=order),
            # An order handed to a carrier: whose tracking number to follow.
            "carrier": public_shipment(order=order),
            "token": token,
            "errors": errors or {},
            "values": values or {},
            "tiles_url": _tiles_url(),
        },
    )


def _tiles_url() -> str:
    from django.conf import settings

    return settings.MAP_TILES_URL


def _too_many(period: int) -> HttpResponse:
    response = HttpResponse("Too many requests; try again in a minute.", status=429)
    response["Retry-After"] = str(period)
    return _with_headers(response)


# Count the request in its rate-limit window and read the cached page: one command, one reply.
_COUNT_AND_GET = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('GET', KEYS[2])}
"""
_scripts: dict[int, object] = {}


def _count_and_get(client):
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_COUNT_AND_GET)
    return script


def _count_and_cached(request, token: str):
    """The hot path in one Redis round trip: count this request against the client's rate
    limit and fetch the cached page. Returns (429 response or None, cached page or None);
    if Redis failed, no limit (it fails open) and the page read the ordinary way."""
    limit, period = parse_rate(conf.get("TRACKING_PAGE_RATE_LIMIT"))
    key = cache.make_key(f"tracking:rl:{client_ip(request)}:{int(time.time() // period)}")
    try:
        client = redis_client()
        count, raw = _count_and_get(client)(
            keys=[key, cache.make_key(page_key(token))], args=[period + 1], client=client
        )
        cached = redis_serializer().loads(raw) if raw is not None else None
    except Exception:  # (the rate limit fails open; the page is then read the ordinary way)
        return None, page_cached(token=token)
    return (_too_many(period) if count > limit else None), cached


@require_GET
def tracking_page_view(request, token: str):
    limited, cached = _count_and_cached(request, token)
    if limited:
        return limited
    if cached is not None and cached != NOT_FOUND:
        return HttpResponse(cached, headers=HEADERS)
    if cached == NOT_FOUND:
        return _not_found()
    order = selectors.order_for_token(token=token)
    if order is None:
        cache.set(page_key(token), NOT_FOUND, NOT_FOUND_TTL_S)
        return _not_found()
    # Stored encoded: the hot path hands the bytes over as they are.
    cached = _render(order, token).encode()
    cache.set(page_key(token), cached, conf.get("TRACKING_PAGE_CACHE_S"))
    return _with_headers(HttpResponse(cached))


def _order_or_404(request, token: str):
    limited = _limited(request)
    if limited:
        return None, limited
    order = selectors.order_for_token(token=token)
    if order is None:
        return None, _not_found()
    return order, None


def _back(token: str, anchor: str = "") -> HttpResponse:
    url = reverse("tracking_public:page", args=[token]) + (f"#{anchor}" if anchor else "")
    return _with_headers(HttpResponseRedirect(url, status=303))


def _form_error(order, token: str, exc: DomainError, values: dict) -> HttpResponse:
    errors = {(e.get("field") or "form"): e["message"] for e in exc.errors} or {"form": exc.detail}
    html = _render(order, token, errors=errors, values=values)
    return _with_headers(HttpResponse(html, status=exc.status))


@csrf_exempt
@require_POST
def instructions_update(request, token: str):
    order, response = _order_or_404(request, token)
    if response:
        return response
    text = request.POST.get("instructions", "")
    try:
        instructions_set(order=order, text=text)
    except DomainError as exc:
        return _form_error(order, token, exc, {"instructions": text})
    return _back(token, "instructions")


@csrf_exempt
@require_POST
def rating_update(request, token: str):
    order, response = _order_or_404(request, token)
    if response:
        return response
    score, comment = request.POST.get("score", ""), request.POST.get("comment", "")
    try:
        rating_submit(order=order, score=score, comment=comment)
    except DomainError as exc:
        return _form_error(order, token, exc, {"score": score, "comment": comment})
    return _back(token, "rating")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def return_request_view(request, token: str):
    """A simple return request: quantities per delivered line and a reason; decided by the
    orders return policy at once (pickup from the delivery address)."""
    order, response = _order_or_404(request, token)
    if response:
        return response
    lines = [line for line in order.lines.select_related("product") if line.quantity_delivered]
    errors: dict = {}
    if request.method == "POST":
        wanted = []
        for line in lines:
            raw = request.POST.get(f"qty_{line.pk}", "").strip() or "0"
            if not raw.isdigit():
                errors[f"qty_{line.pk}"] = "Enter a whole number."
                continue
            if int(raw):
                wanted.append(
                    {
                        "order_line_id": line.pk,
                        "quantity": int(raw),
                        "reason": request.POST.get("reason", ""),
                    }
                )
        if not errors:
            try:
                return_request(
                    order=order,
                    lines=wanted,
                    channel="customer",
                    note=request.POST.get("note", "")[:500],
                )
            except DomainError as exc:
                errors = {"form": exc.detail}
            else:
                return _back(token)
    html = render_to_string(
        "tracking/public/return.html",
        {
            "order": order,
            "token": token,
            "lines": lines,
            "reasons": ReturnLine.Reason.choices,
            "errors": errors,
            "post": request.POST,
        },
    )
    return _with_headers(HttpResponse(html, status=422 if errors else 200))


@require_GET
def vehicle_position_view(request, token: str):
    order, response = _order_or_404(request, token)
    if response:
        return response
    position = selectors.vehicle_position(order=order)
    response = JsonResponse(position or {"latitude": None, "longitude": None})
    response = _with_headers(response)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def pod_file(request, token: str, kind: str):
    order, response = _order_or_404(request, token)
    if response:
        return response
    from tracking.models import ProofOfDelivery

    pod = ProofOfDelivery.objects.filter(order=order).order_by("-delivered_at").first()
    file = getattr(pod, kind, None) if kind in ("photo", "signature") and pod else None
    if not file:
        return _not_found()
    response = FileResponse(file.open("rb"))
    return _with_headers(response)
