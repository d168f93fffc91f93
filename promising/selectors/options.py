"""Delivery options for a destination and items: the depots that serve the point, the first
day their stock and cut-off allow, and every slot with room over the days asked, each with its
cost and confidence (promising.selectors.quality). When nothing is feasible, the reasons.

An option's id is signed (django.core.signing) and carries what reserving it needs (depot,
slot, point, items, the caller); nothing is written to quote options.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import Decimal

from django.core import signing
from django.utils import timezone
from django.utils.encoding import force_bytes

from core.exceptions import Conflict, NotFound
from promising import conf
from promising.selectors.capacity import DayCapacity, Slot, depot_days_quoted
from promising.selectors.inputs import (
    DepotRules,
    Destination,
    Item,
    depots_serving,
    destination_resolve,
    items_resolve,
)
from promising.selectors.quality import (
    day_probability,
    depot_rates,
    leg,
    live_days,
    slot_cost,
    stock_probability,
    window_probability,
)
from promising.selectors.quotes import quote_version
from promising.selectors.stock import shortfall_reason, stock_readiness

SALT = "promising.option"


@dataclass(frozen=True)
class Option:
    option_id: str
    warehouse: str
    date: dt.date
    window_start: dt.datetime
    window_end: dt.datetime
    confidence: float
    cost: Decimal
    currency: str


@dataclass
class OptionsResult:
    destination: Destination
    options: list[Option] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)
    warehouses: dict = field(default_factory=dict)  # code -> Warehouse, of the depots asked


def earliest_day(rules: DepotRules, now: dt.datetime) -> dt.date:
    """Before the depot's cut-off (local time) the next day; after it, the day after."""
    local = now.astimezone(rules.warehouse.tzinfo)
    return local.date() + dt.timedelta(days=1 if local.time() < rules.cutoff else 2)


class OptionSigner(signing.TimestampSigner):
    """Django's timestamp signer with the HMAC key derived once: a quote signs dozens of
    option ids, and `salted_hmac` derives the key (a hash of salt and secret) for every one.
    Tokens are the same as `signing.dumps(payload, salt=SALT, compress=True)` gives, so
    `signing.loads` (and a rotated SECRET_KEY_FALLBACKS) reads them unchanged."""

    def __init__(self):
        super().__init__(salt=SALT)
        digest = getattr(hashlib, self.algorithm)
        key = digest(force_bytes(self.salt + "signer") + force_bytes(self.key)).digest()
        self._mac = hmac.new(key, digestmod=digest)

    def signature(self, value, key=None):
        if key is not None and key != self.key:
            return super().signature(value, key)
        mac = self._mac.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


def option_sign(payload: dict, signer: signing.TimestampSigner | None = None) -> str:
    """The option's id; pass one `OptionSigner` when signing many."""
    return (signer or OptionSigner()).sign_object(payload, compress=True)


def option_unsign(option_id: str) -> dict:
    """The option's content; a forged or garbled id is unknown (404), an old one expired
    (409: ask for options again)."""
    try:
        return signing.loads(option_id, salt=SALT, max_age=conf.get("PROMISING_OPTION_TTL_S"))
    except signing.SignatureExpired:
        raise Conflict(
            "This delivery option has expired; ask for delivery options again.",
            field="option_id",
            code="expired",
        ) from None
    except signing.BadSignature:
        raise NotFound("Unknown delivery option.", field="option_id") from None


def slot_fits(slot: Slot, day: DayCapacity, *, leg_s: float) -> bool:
    """Room left in the slot and the day, and a van leaving at the first shift can reach it."""
    reachable = day.first_start is None or slot.end >= day.first_start + dt.timedelta(seconds=leg_s)
    return reachable and not day.is_full and slot.free >= 1


def depot_options(
    *,
    rules: DepotRules,
    destination: Destination,
    items: list[Item],
    start: dt.date,
    days: int,
    now: dt.datetime,
    wished_window: tuple[dt.time, dt.time] | None = None,
) -> tuple[list[dict], list[dict]]:
    """(options as dicts without ids, reasons) for one depot from `start` over `days`."""
    warehouse = rules.warehouse
    tz = warehouse.tzinfo
    today = now.astimezone(tz).date()
    first = max(start, earliest_day(rules, now))
    last = first + dt.timedelta(days=days - 1)
    version = quote_version(warehouse.pk)  # one read for the stock and the calendar
    readiness = stock_readiness(
        warehouse=warehouse, items=items, today=today, now=now, quoted=True, version=version
    )
    if any(r.ready_date is None or r.ready_date > last for r in readiness):
        return [], [shortfall_reason(warehouse, readiness, last)]
    ready = max(r.ready_date for r in readiness)
    first = max(first, ready)
    span = (last - first).days + 1
    calendar = depot_days_quoted(rules=rules, start=first, days=span, now=now, version=version)
    rates = depot_rates(warehouse)
    window_p = window_probability(rules.window_minutes * 60, now=now)
    live = (
        live_days(rules, [day.date for day in calendar if day.slots])
        if conf.get("PROMISING_LIVE_COST")
        else set()
    )
    out, full, no_shifts = [], [], []
    legs: dict[int, tuple[float, float]] = {}  # by departure second of the day
    for day in calendar:
        if not day.slots:
            no_shifts.append(day.date.isoformat())
            continue
        depart = day.first_start.astimezone(tz)
        depart_s = depart.hour * 3600 + depart.minute * 60
        if depart_s not in legs:
            legs[depart_s] = leg(rules, destination, depart_s)
        leg_m, leg_s = legs[depart_s]
        confidence = window_p * day_probability(day) * stock_probability(readiness, day.date)
        offered = 0
        day_cost = None  # without live routes, the estimate is the same for every slot
        for slot in day.slots:
            if wished_window and not _overlaps(slot, wished_window, tz):
                continue
            if not slot_fits(slot, day, leg_s=leg_s):
                continue
            offered += 1
            cost = day_cost
            if cost is None:
                cost = slot_cost(
                    rules=rules,
                    day=day,
                    leg_m=leg_m,
                    leg_s=leg_s,
                    rates=rates,
                    destination=destination,
                    window=(slot.start, slot.end),
                    live=day.date in live,
                )
                if day.date not in live:
                    day_cost = cost
            out.append(
                {
                    "warehouse": warehouse.code,
                    "date": day.date,
                    "window_start": slot.start,
                    "window_end": slot.end,
                    "confidence": round(confidence, 2),
                    "cost": cost,
                    "currency": rates[2],
                }
            )
        if not offered:
            full.append(day.date.isoformat())
    reasons = []
    if full:
        reasons.append(
            {
                "code": "capacity_full",
                "warehouse": warehouse.code,
                "message": "Every slot (of the window asked) is fully booked on these days.",
                "dates": full,
            }
        )
    if no_shifts:
        reasons.append(
            {
                "code": "no_shifts",
                "warehouse": warehouse.code,
                "message": "No driver shifts are booked at the depot on these days.",
                "dates": no_shifts,
            }
        )
    return out, reasons


def _overlaps(slot: Slot, wished: tuple[dt.time, dt.time], tz) -> bool:
    day = slot.start.astimezone(tz).date()
    begin = dt.datetime.combine(day, wished[0], tzinfo=tz)
    end = dt.datetime.combine(day, wished[1], tzinfo=tz)
    return slot.start < end and begin < slot.end


def delivery_options(
    *,
    destination: dict,
    items: list[dict],
    partner=None,
    wished_date: dt.date | None = None,
    wished_window: tuple[dt.time, dt.time] | None = None,
    days: int | None = None,
    now: dt.datetime | None = None,
) -> OptionsResult:
    """Every feasible slot over `days` days (default PROMISING_DAYS) from the wished date (or
    the earliest the cut-off allows), at the depots serving the destination; per date and
    window the cheapest depot. 422 naming `destination` or `items[i].sku` when the request
    cannot be served at all; an empty list with `reasons` when nothing fits in the days."""
    now = now or timezone.now()
    days = days or conf.get("PROMISING_DAYS")
    where = destination_resolve(destination)
    wanted = items_resolve(items)
    depots = depots_serving(where)
    result = OptionsResult(
        destination=where, warehouses={r.warehouse.code: r.warehouse for r in depots}
    )
    best: dict[tuple, dict] = {}
    for rules in depots:
        start = max(wished_date or dt.date.min, earliest_day(rules, now))
        found, reasons = depot_options(
            rules=rules,
            destination=where,
            items=wanted,
            start=start,
            days=days,
            now=now,
            wished_window=wished_window,
        )
        result.reasons += reasons
        for option in found:
            key = (option["date"], option["window_start"])
            held = best.get(key)
            if held is None or (option["cost"], -option["confidence"]) < (
                held["cost"],
                -held["confidence"],
            ):
                best[key] = option
    minimum = conf.get("PROMISING_MIN_CONFIDENCE")
    signer = OptionSigner()
    items_payload = [[i.product.pk, i.quantity] for i in wanted]
    for key in sorted(best):
        option = best[key]
        if option["confidence"] < minimum:
            continue
        payload = {
            "w": option["warehouse"],
            "d": option["date"].isoformat(),
            "s": option["window_start"].isoformat(),
            "e": option["window_end"].isoformat(),
            "la": str(where.latitude),
            "lo": str(where.longitude),
            "i": items_payload,
            "p": partner.pk if partner is not None else None,
            "c": str(option["cost"]),
            "cu": option["currency"],
            "q": option["confidence"],
        }
        result.options.append(Option(option_id=option_sign(payload, signer), **option))
    if result.options:
        result.reasons = []
    return result
