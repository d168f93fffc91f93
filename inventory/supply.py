"""Incoming supply ("on order") contributed by apps above inventory, without importing them.

Purchasing registers a provider at start-up (e.g. in its AppConfig.ready()):

    from inventory.supply import incoming_provider_register
    incoming_provider_register(open_purchase_quantities)

A provider is `fn(*, product_ids: set[int] | None, warehouse_ids: set[int] | None)
-> dict[tuple[int, int], int]`, mapping (product_id, warehouse_id) to units ordered but not yet
received (`None` means "all"). Available-to-promise and the low-stock report add these up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

IncomingProvider = Callable[..., dict[tuple[int, int], int]]
_providers: list[IncomingProvider] = []


def incoming_provider_register(provider: IncomingProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def incoming_provider_unregister(provider: IncomingProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def on_order_quantities(
    *, product_ids: Iterable[int] | None = None, warehouse_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """Units on order per (product_id, warehouse_id), summed over every registered provider."""
    products = set(product_ids) if product_ids is not None else None
    warehouses = set(warehouse_ids) if warehouse_ids is not None else None
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for provider in _providers:
        for key, quantity in provider(product_ids=products, warehouse_ids=warehouses).items():
            totals[key] += int(quantity)
    return dict(totals)
