from django.apps import AppConfig
from django.urls import reverse

from core.navigation import DashboardCard, NavItem
from core.roles import Role

# The demo partner, its portal login and a fixed API key so the README's curl examples work
# against a demo install (never in production).
DEMO_PARTNER = "acme-shop"
DEMO_PORTAL_USER = "partner"
DEMO_API_KEY = "wb_de000000_demo-partner-key-local-use-only"


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
        """The demo partner ACME Shop with a fixed API key holding every scope, and a portal
        login for it: user `partner` (the demo password), an admin of ACME Shop, which may grant
        its own keys every scope. Idempotent."""
        from django.contrib.auth import get_user_model

        from core.management.commands.seed_demo import DEMO_PASSWORD
        from partners.models import ApiKey, Partner, PartnerAccess, PartnerMembership
        from partners.services.accounts import partner_member_add, partner_scopes_set
        from partners.services.api_keys import hash_key

        partner, _ = Partner.objects.get_or_create(
            code=DEMO_PARTNER,
            defaults={"name": "ACME Shop", "contact_email": "integrations@acme.example"},
        )
        key, _ = ApiKey.objects.get_or_create(
            key_hash=hash_key(DEMO_API_KEY),
            defaults={
                "partner": partner,
                "name": "Demo key",
                "prefix": "de000000",
                "scopes": list(ApiKey.Scope.values),
            },
        )
        access = PartnerAccess.objects.filter(partner=partner).first()
        if access is None or set(ApiKey.Scope.values) - set(access.allowed_scopes):
            # Scopes added since the demo was first seeded reach the demo key too.
            partner_scopes_set(partner=partner, allowed_scopes=list(ApiKey.Scope.values))
            ApiKey.objects.filter(pk=key.pk).update(scopes=list(ApiKey.Scope.values))
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
