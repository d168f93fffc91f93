"""Load the demo data: one user per role, a demo partner, then each app's own demo data.

Idempotent: running it twice changes nothing the second time. Apps contribute by defining
`seed_demo(self, *, stdout)` on their AppConfig (called in INSTALLED_APPS order).
"""

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from core.roles import Role
from partners.models import ApiKey, Partner
from partners.services.api_keys import hash_key

DEMO_PASSWORD = "waybill-demo"  # noqa: S105 (documented demo login)
DEMO_USERS = [
    ("dispatcher", "Dana", "Dispatcher", Role.DISPATCHER),
    ("warehouse", "Wim", "Warehouse", Role.WAREHOUSE),
    ("purchasing", "Pia", "Purchasing", Role.PURCHASING),
    ("approver", "Arne", "Approver", Role.APPROVER),
    ("driver", "Dirk", "Driver", Role.DRIVER),
    ("admin", "Ada", "Admin", Role.ADMIN),
]
# A fixed key so the README's curl examples work against a demo install. Never in production.
DEMO_API_KEY = "wb_de000000_demo-partner-key-local-use-only"


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        for username, first, last, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@waybill.example",
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role))
        partner, _ = Partner.objects.get_or_create(
            code="acme-shop",
            defaults={"name": "ACME Shop", "contact_email": "integrations@acme.example"},
        )
        ApiKey.objects.get_or_create(
            key_hash=hash_key(DEMO_API_KEY),
            defaults={
                "partner": partner,
                "name": "Demo key",
                "prefix": "de000000",
                "scopes": list(ApiKey.Scope.values),
            },
        )
        for config in apps.get_app_configs():
            seed = getattr(config, "seed_demo", None)
            if seed is not None:
                seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
