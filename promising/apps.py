"""Delivery promises: quote delivery dates at checkout, hold one for a short time, and keep it
on the order created with it (see promising/selectors and promising/services)."""

from __future__ import annotations

from django.apps import AppConfig


class PromisingConfig(AppConfig):
    name = "promising"
    verbose_name = "Delivery promises"

    def ready(self):
        from orders.services.promises import promise_provider_register
        from promising.services import PROMISE_PROVIDER

        promise_provider_register(PROMISE_PROVIDER)

        from core.events import subscribe
        from promising.selectors.quotes import ORDER_EVENTS, order_event_forget

        # An order booked or cancelled through any channel changes what a depot can promise.
        subscribe(order_event_forget, types=ORDER_EVENTS)

    def seed_demo(self, *, stdout) -> None:
        """A few demo partner orders placed with a held delivery option (promising.demo)."""
        from promising.demo import seed_promises

        seed_promises(stdout=stdout)
