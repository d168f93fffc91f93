from django.apps import AppConfig
from django.urls import reverse

from core.navigation import DashboardCard, NavItem
from core.roles import Role


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    trailing_nav_items = [NavItem("Partners", "partners", roles=(Role.ADMIN,))]

    def home_url(self, user):
        # Partner portal users have no staff role: their home is the portal.
        if hasattr(user, "partner_membership"):
            return reverse("portal:home")
        return None

    def dashboard_cards(self, user):
        from core.models import OutboxEvent
        from partners.models import ApiKey, Partner

        return [
            DashboardCard(
                "Active partners",
                Partner.objects.filter(is_active=True).count(),
                url="/admin/partners/partner/",
                roles=(Role.ADMIN,),
            ),
            DashboardCard(
                "Live API keys",
                ApiKey.objects.filter(revoked_at__isnull=True).count(),
                url="/admin/partners/apikey/",
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
        from core import events
        from partners import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from partners.services.webhooks.delivery import outbox_event_published

        events.subscribe(outbox_event_published)
