"""What demand forecasting contributes to the orders AppConfig: a menu entry and demo data.
Nothing here imports models at module load. To wire it up, orders/apps.py adds
`*forecasting_app.NAV_ITEMS` to `nav_items` and calls `forecasting_app.seed_demo(stdout=...)`
last in `seed_demo` (after the demo orders exist). The capacity cards for dispatchers live in
routing.capacity.capacity_dashboard_cards (routing may read orders, not the reverse)."""

from __future__ import annotations

from core.navigation import NavItem
from core.roles import Role

READ_ROLES = (Role.PURCHASING, Role.WAREHOUSE, Role.DISPATCHER, Role.APPROVER)

NAV_ITEMS = [NavItem("Forecasts", "orders:forecast-list", roles=READ_ROLES)]


def seed_demo(*, stdout) -> None:
    """Forecast every active warehouse from whatever demo history exists (idempotent: the
    rows are replaced)."""
    from inventory.models import Warehouse
    from orders.services.forecasting import forecast_warehouse_refresh

    for warehouse in Warehouse.objects.filter(is_active=True).order_by("code"):
        run = forecast_warehouse_refresh(warehouse=warehouse)
        stdout.write(f"forecasts: {warehouse.code} {run.series} series in {run.seconds:.1f} s\n")
