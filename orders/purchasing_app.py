"""What purchasing contributes to the orders AppConfig: menu entries, dashboard cards, the
"on order" provider for inventory, demo data. Kept out of apps.py so customer orders and
purchasing can each grow their part; nothing here imports models at module load."""

from __future__ import annotations

from core.navigation import DashboardCard, NavItem
from core.roles import Role

READ_ROLES = (Role.PURCHASING, Role.APPROVER, Role.WAREHOUSE)
RECEIVE_ROLES = (Role.PURCHASING, Role.WAREHOUSE)

NAV_ITEMS = [
    NavItem("Purchase orders", "orders:po-list", roles=READ_ROLES),
    NavItem("Approvals", "orders:purchasing-approvals", roles=(Role.APPROVER,)),
    NavItem("Suppliers", "orders:suppliers", roles=(Role.PURCHASING, Role.APPROVER)),
    NavItem("Reorder", "orders:reorder", roles=(Role.PURCHASING,)),
]


def ready() -> None:
    """Let inventory's available-to-promise and low-stock report count purchase orders."""
    from inventory.supply import incoming_provider_register
    from orders.selectors.purchasing import purchase_on_order_quantities

    incoming_provider_register(purchase_on_order_quantities)


def dashboard_cards(user) -> list[DashboardCard]:
    from django.urls import reverse

    from core.roles import user_has_role
    from orders.selectors.purchasing import purchase_order_list, purchase_orders_awaiting_approval

    cards = []
    if user_has_role(user, Role.APPROVER):
        waiting = purchase_orders_awaiting_approval(user=user).count()
        cards.append(
            DashboardCard(
                "Purchase orders to approve",
                waiting,
                url=reverse("orders:purchasing-approvals"),
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
                url=reverse("orders:po-list") + "?overdue=1",
                tone="bad" if late else "good",
                roles=RECEIVE_ROLES,
            )
        )
    return cards


def seed_demo(*, stdout) -> None:
    from orders.demo_purchasing import seed_purchasing

    seed_purchasing(stdout=stdout)
