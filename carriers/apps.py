"""Carrier hand-off: rate cards, shipments, tracking events. Sits above routing (it asks
routing for the own fleet's cost of an order) and below tracking (the customer page shows the
carrier)."""

from __future__ import annotations

from django.apps import AppConfig

from core.navigation import NavItem
from core.roles import Role

MANAGE_ROLES = (Role.DISPATCHER,)


class CarriersConfig(AppConfig):
    name = "carriers"
    verbose_name = "Carriers"

    nav_items = [NavItem("Carriers", "carriers:carrier-list", roles=MANAGE_ROLES)]

    def page_sections(self, page: str, *, user, obj) -> list:
        """The order page shows the order's shipment, or the carrier comparison and the
        hand-off button for a dispatcher."""
        if page != "orders:detail":
            return []
        from carriers.selectors import order_handoff_section

        return order_handoff_section(order=obj, user=user)

    def seed_demo(self, *, stdout) -> None:
        from carriers.demo import seed

        seed(stdout=stdout)
