from django.apps import AppConfig

from core.navigation import DashboardCard, NavItem
from core.roles import Role


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    nav_items = [NavItem("Dashboard", "dashboard")]
    # Appended last so app pages come first in the menu (see ready()).
    trailing_nav_items = [
        NavItem("Partners", "partners", roles=(Role.ADMIN,)),
        NavItem("API docs", "api-docs", roles=(Role.ADMIN, Role.DISPATCHER)),
        NavItem("Admin", "admin:index", roles=(Role.ADMIN,)),
    ]

    def dashboard_cards(self, user):
        from core.models import ApiKey, OutboxEvent, Partner

        return [
            DashboardCard(
                "Active partners",
                Partner.objects.filter(is_active=True).count(),
                url="/admin/core/partner/",
                roles=(Role.ADMIN,),
            ),
            DashboardCard(
                "Live API keys",
                ApiKey.objects.filter(revoked_at__isnull=True).count(),
                url="/admin/core/apikey/",
                roles=(Role.ADMIN,),
            ),
            DashboardCard(
                "Events waiting for delivery",
                OutboxEvent.objects.filter(dispatched_at__isnull=True).count(),
                roles=(Role.ADMIN,),
                tone="neutral",
            ),
        ]

    def ready(self):
        from core import schema  # noqa: F401  (registers the OpenAPI auth extension)
