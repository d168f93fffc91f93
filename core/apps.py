from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

from core.navigation import NavItem


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    nav_items = [NavItem("Dashboard", "dashboard")]

    def ready(self):
        from core import (
            dead_letter,  # noqa: F401 (connects the Celery task_failure handler)
            filtering,  # noqa: F401 (registers the filters' OpenAPI extension)
        )
        from core.serializer_fields import strict_strings_everywhere

        strict_strings_everywhere()
        post_migrate.connect(_create_roles, sender=self)


def _create_roles(sender, apps=global_apps, using="default", **kwargs):
    """The staff roles are groups: created by migration core.0002_roles, and again after every
    migrate or `manage.py flush` (which empties every table, as the tests' transactional
    flush does), so `seed_demo` and role checks always find them."""
    from core.roles import Role

    Group = apps.get_model("auth", "Group")
    for role in Role.values:
        Group.objects.using(using).get_or_create(name=role)
