from django.apps import AppConfig

from core.navigation import NavItem
from core.roles import Role


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Tracking"

    nav_items = [
        NavItem("Live", "tracking:live", roles=(Role.DISPATCHER,)),
        NavItem("KPIs", "tracking:kpis", roles=(Role.DISPATCHER,)),
        NavItem("Driver", "tracking_driver:home", roles=(Role.DRIVER,)),
    ]

    def ready(self):
        from tracking import receivers  # noqa: F401  (connects the signal bridges)
