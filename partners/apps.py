from django.apps import AppConfig
from django.urls import reverse

from core.navigation import DashboardCard, NavItem
from core.roles import Role

# The demo partner (made by `manage.py seed_demo`) and its portal login.
DEMO_PARTNER = "acme-shop"
DEMO_PORTAL_USER = "partner"


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

    def seed_demo(self, *, stdout) -> None:
        """A partner portal login for the demo partner: user `partner` (the demo password), an
        admin of ACME Shop, which may grant its own keys every scope. Idempotent."""
        from django.contrib.auth import get_user_model

        from core.management.commands.seed_demo import DEMO_PASSWORD
        from partners.models import ApiKey, Partner, PartnerAccess, PartnerMembership
        from partners.services.accounts import partner_member_add, partner_scopes_set

        partner = Partner.objects.filter(code=DEMO_PARTNER).first()
        if partner is None:
            return
        if not PartnerAccess.objects.filter(partner=partner).exists():
            partner_scopes_set(partner=partner, allowed_scopes=list(ApiKey.Scope.values))
        if get_user_model().objects.filter(username=DEMO_PORTAL_USER).exists():
            return
        partner_member_add(
            partner=partner,
            username=DEMO_PORTAL_USER,
            email="portal@acme.example",
            password=DEMO_PASSWORD,
            role=PartnerMembership.Role.ADMIN,
        )
        stdout.write(f"Partners: portal login '{DEMO_PORTAL_USER}' for {partner.name}.\n")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core import events
        from partners import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from partners.authentication import api_key_saved, partner_saved
        from partners.models import ApiKey, Partner
        from partners.services.webhooks.delivery import outbox_event_published

        events.subscribe(outbox_event_published)
        # Authentication caches keys with their partner; a change must reach the next request.
        for model, receiver in ((ApiKey, api_key_saved), (Partner, partner_saved)):
            post_save.connect(receiver, sender=model, dispatch_uid=f"forget-{model.__name__}")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"forget-{model.__name__}-d")
