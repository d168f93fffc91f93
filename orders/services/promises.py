"""Delivery promises made before an order exists, kept by the order created with them.

An app above orders (promising) quotes delivery dates and holds capacity and stock for a
short time; an order created with `delivery_option=<option id>` takes that hold and keeps its
date and window. Orders cannot import that app, so it registers a provider at start-up
(AppConfig.ready()), as purchasing registers its "on order" supply with inventory:

    from orders.services.promises import promise_provider_register
    promise_provider_register(provider)

A provider has `take(*, option_id, partner, lines) -> PromiseTaken` (locks the hold, checks it
is the caller's, still held and covers `lines`; raises NotFound/Conflict/ValidationFailed naming
`delivery_option`) and `bind(*, option_id, order) -> None` (marks the hold as used by `order`),
both called inside order_create's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from core.exceptions import ValidationFailed


@dataclass(frozen=True)
class PromiseTaken:
    option_id: str
    warehouse: object  # inventory.Warehouse
    date: date
    window_start: datetime
    window_end: datetime
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class PromiseProvider(Protocol):
    def take(self, *, option_id: str, partner, lines: list) -> PromiseTaken: ...

    def bind(self, *, option_id: str, order) -> None: ...


_providers: list[PromiseProvider] = []


def promise_provider_register(provider: PromiseProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def promise_take(*, option_id: str, partner, lines: list) -> PromiseTaken:
    """The held promise for `option_id`; 422 naming `delivery_option` when nothing offers it."""
    if not _providers:
        raise ValidationFailed(
            "Delivery options are not available here.", field="delivery_option", code="not_found"
        )
    return _providers[0].take(option_id=option_id, partner=partner, lines=lines)


def promise_bind(*, option_id: str, order) -> None:
    if _providers:
        _providers[0].bind(option_id=option_id, order=order)
