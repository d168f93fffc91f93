from django.apps import AppConfig

from core.navigation import NavItem
from core.roles import Role


class DispatchConfig(AppConfig):
    """The live dispatch board: reads routing, tracking, orders; nothing imports it."""

    name = "dispatch"
    verbose_name = "Dispatch"

    nav_items = [NavItem("Board", "dispatch:board", roles=(Role.DISPATCHER,))]
