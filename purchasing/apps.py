"""Purchasing: menu entries, dashboard cards, the "on order" provider for inventory, demo data.
Nothing here imports models at module load."""

from __future__ import annotations

from django.apps import AppConfig

from core.navigation import DashboardCard, NavItem
from core.roles import Role

READ_ROLES = (Role.PURCHASING, Role.APPROVER, Role.WAREHOUSE)
RECEIVE_ROLES = (Role.PURCHASING, Role.WAREHOUSE)


class PurchasingConfig(AppConfig):
    name = "purchasing"
    verbose_name = "Purchasing"

    nav_items = [
        NavItem("Purchase orders", "purchasing:po-list", roles=READ_ROLES),
        NavItem("Approvals", "purchasing:approvals", roles=(Role.APPROVER,)),
        NavItem("Suppliers", "purchasing:suppliers", roles=(Role.PURCHASING, Role.APPROVER)),
        NavItem("Reorder", "purchasing:reorder", roles=(Role.PURCHASING,)),
    ]

    def ready(self) -> None:
        """Let inventory's available-to-promise and low-stock report count purchase orders."""
        from inventory.supply import incoming_provider_register
        from purchasing.selectors import purchase_on_order_quantities

        incoming_provider_register(purchase_on_order_quantities)

    def dashboard_cards(self, user) -> list[DashboardCard]:
        from django.urls import reverse

        from core.roles import user_has_role
        from purchasing.selectors import purchase_order_list, purchase_orders_awaiting_approval

        cards = []
        if user_has_role(user, Role.APPROVER):
            waiting = purchase_orders_awaiting_approval(user=user).count()
            cards.append(
                DashboardCard(
                    "Purchase orders to approve",
                    waiting,
                    url=reverse("purchasing:approvals"),
                    tone="warn" if waiting else "good",
                    roles=(Role.APPROVER,),
                )
            )
        if user_has_role(user, *RECEIVE_ROLES):
            late = purchase_order_list(overdue=True).count()
            cards.append(
                DashboardCard(
                    "Overdue purchase orders",
                    late,
                    url=reverse("purchasing:po-list") + "?overdue=1",
                    tone="bad" if late else "good",
                    roles=RECEIVE_ROLES,
                )
            )
        return cards

    def seed_demo(self, *, stdout) -> None:
        """Suppliers, prices and purchase orders in every state. Runs before orders' demo
        (INSTALLED_APPS order): the customer demo orders reserve the stock received here."""
        from purchasing.demo import seed_purchasing

        seed_purchasing(stdout=stdout)
