"""Demand forecasting: a menu entry and demo data. Nothing here imports models at module load.
The capacity cards for dispatchers live in routing.capacity.capacity_dashboard_cards (routing
may read forecasting, not the reverse)."""

from __future__ import annotations

from django.apps import AppConfig

from core.navigation import NavItem
from core.roles import Role

READ_ROLES = (Role.PURCHASING, Role.WAREHOUSE, Role.DISPATCHER, Role.APPROVER)


class ForecastingConfig(AppConfig):
    name = "forecasting"
    verbose_name = "Forecasting"

    nav_items = [NavItem("Forecasts", "forecasting:forecast-list", roles=READ_ROLES)]

    def seed_demo(self, *, stdout) -> None:
        """Forecast every active warehouse from whatever demo history exists (idempotent: the
        rows are replaced). Runs after orders' demo (INSTALLED_APPS order): it learns from the
        demo orders."""
        from forecasting.services import forecast_warehouse_refresh
        from inventory.models import Warehouse

        for warehouse in Warehouse.objects.filter(is_active=True).order_by("code"):
            run = forecast_warehouse_refresh(warehouse=warehouse)
            stdout.write(
                f"forecasts: {warehouse.code} {run.series} series in {run.seconds:.1f} s\n"
            )
