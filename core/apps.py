from django.apps import AppConfig

from core.navigation import NavItem


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    nav_items = [NavItem("Dashboard", "dashboard")]
