"""Load the demo data: one user per role, then each app's own demo data.

Idempotent: running it twice changes nothing the second time. Apps contribute by defining
`seed_demo(self, *, stdout)` on their AppConfig (called in INSTALLED_APPS order).
"""

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from core.roles import Role

DEMO_PASSWORD = "waybill-demo"  # noqa: S105 (documented demo login)
DEMO_USERS = [
    ("dispatcher", "Dana", "Dispatcher", Role.DISPATCHER),
    ("warehouse", "Wim", "Warehouse", Role.WAREHOUSE),
    ("purchasing", "Pia", "Purchasing", Role.PURCHASING),
    ("approver", "Arne", "Approver", Role.APPROVER),
    ("driver", "Dirk", "Driver", Role.DRIVER),
    ("admin", "Ada", "Admin", Role.ADMIN),
]


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
        for config in apps.get_app_configs():
            seed = getattr(config, "seed_demo", None)
            if seed is not None:
                seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
