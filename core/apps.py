from django.apps import AppConfig

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
