from django.apps import AppConfig

from core.navigation import DashboardCard, NavItem
from core.roles import Role

STOCK_ROLES = (Role.WAREHOUSE, Role.PURCHASING, Role.DISPATCHER)


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    nav_items = [
        NavItem("Stock", "inventory:products", roles=STOCK_ROLES),
        NavItem("Warehouses", "inventory:warehouses", roles=STOCK_ROLES),
        NavItem("Stock reports", "inventory:reports", roles=STOCK_ROLES),
    ]

    def dashboard_cards(self, user):
        from django.urls import reverse

        from inventory.selectors.reports import inventory_counts, low_stock

        counts = inventory_counts()
        low = len(low_stock())
        return [
            DashboardCard(
                "Products below reorder point",
                low,
                url=reverse("inventory:report", args=["low-stock"]),
                tone="warn" if low else "good",
                roles=(Role.WAREHOUSE, Role.PURCHASING),
            ),
            DashboardCard(
                "Lots expiring within 30 days",
                counts["expiring_lots"],
                url=reverse("inventory:report", args=["expiring-lots"]),
                tone="warn" if counts["expiring_lots"] else "good",
                roles=(Role.WAREHOUSE,),
            ),
            DashboardCard(
                "Damaged, quarantined or expired units",
                counts["unsellable"],
                url=reverse("inventory:report", args=["stock"]) + "?group_by=condition",
                tone="bad" if counts["unsellable"] else "good",
                roles=(Role.WAREHOUSE,),
            ),
        ]

    def seed_demo(self, *, stdout):
        from inventory.demo import seed_inventory

        seed_inventory(stdout=stdout)
