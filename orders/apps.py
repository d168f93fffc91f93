"""Customer orders, pick/pack and returns: menu entries, dashboard cards, demo data. Nothing here
imports models at module load."""

from __future__ import annotations

from django.apps import AppConfig

from core.navigation import DashboardCard, NavItem
from core.roles import Role

FLOOR = (Role.DISPATCHER, Role.WAREHOUSE)


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    nav_items = [
        NavItem("Orders", "orders:board", roles=FLOOR),
        NavItem("Returns", "orders:returns", roles=FLOOR),
    ]

    def dashboard_cards(self, user) -> list[DashboardCard]:
        """Order counts for the floor. Late risk is the dispatch board's card (tracking's rule
        over the routes' ETAs), not counted here."""
        from django.db.models import Count, Q
        from django.urls import reverse

        from core.roles import user_has_role
        from orders.models import CustomerOrder, OrderStatus, Return

        if not user_has_role(user, *FLOOR):
            return []
        counts = CustomerOrder.objects.aggregate(
            new=Count("id", filter=Q(status=OrderStatus.NEW)),
            ready=Count("id", filter=Q(status=OrderStatus.PACKED)),
            to_pick=Count("id", filter=Q(status=OrderStatus.CONFIRMED)),
            no_location=Count(
                "id",
                filter=Q(latitude__isnull=True)
                & ~Q(status__in=[OrderStatus.DELIVERED, OrderStatus.CANCELLED]),
            ),
        )
        returns_open = Return.objects.filter(
            status__in=[Return.Status.APPROVED, Return.Status.IN_TRANSIT]
        ).count()
        board = reverse("orders:board")
        return [
            DashboardCard(
                "New orders",
                counts["new"],
                url=f"{board}?status=new",
                tone="warn" if counts["new"] else "good",
                roles=(Role.DISPATCHER,),
            ),
            DashboardCard(
                "Orders to pick", counts["to_pick"], url=reverse("orders:waves"), roles=FLOOR
            ),
            DashboardCard(
                "Packed, ready for routing",
                counts["ready"],
                url=f"{board}?status=packed",
                tone="good",
                roles=(Role.DISPATCHER,),
            ),
            DashboardCard(
                "Orders needing a location",
                counts["no_location"],
                url=f"{board}?needs_location=on",
                hint="Set the point on the order's map",
                tone="warn" if counts["no_location"] else "good",
                roles=(Role.DISPATCHER,),
            ),
            DashboardCard(
                "Returns in progress", returns_open, url=reverse("orders:returns"), roles=FLOOR
            ),
        ]

    def seed_demo(self, *, stdout) -> None:
        """Demo customer orders in every state. Runs after purchasing's demo (INSTALLED_APPS
        order), whose receipts put the stock these orders reserve on the shelves."""
        from orders.demo import seed_customer_demo

        seed_customer_demo(stdout=stdout)
