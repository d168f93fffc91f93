from django.apps import AppConfig
from django.urls import reverse

from core.navigation import NavItem
from core.roles import STAFF_ROLES, Role, user_roles


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Tracking"

    nav_items = [
        NavItem("Deliveries", "tracking:live", roles=(Role.DISPATCHER,)),
        NavItem("KPIs", "tracking:kpis", roles=(Role.DISPATCHER,)),
        NavItem("Cash", "tracking:cash", roles=(Role.DISPATCHER,)),
        NavItem("Driver", "tracking_driver:home", roles=(Role.DRIVER,)),
    ]

    def page_sections(self, page: str, *, user, obj) -> list:
        """The order page (orders:detail) shows what tracking recorded: the customer's
        delivery instructions and the proof of delivery."""
        if page != "orders:detail":
            return []
        from core.navigation import PageSection
        from tracking.selectors import order_delivery_record

        sections = []
        record = order_delivery_record(order=obj)
        if record is not None:
            sections.append(
                PageSection("Delivery record", "tracking/_order_delivery.html", {"record": record})
            )
        if obj.requires_pin or obj.cod_amount:
            from tracking.handover import order_handover_record

            sections.append(
                PageSection(
                    "Handover",
                    "tracking/_order_handover.html",
                    {"handover": order_handover_record(order=obj)},
                )
            )
        return sections

    def home_url(self, user) -> str | None:
        """A driver (and nothing else) lands in the driver app, not on the staff dashboard."""
        roles = user_roles(user)
        if Role.DRIVER in roles and not roles.intersection(STAFF_ROLES):
            return reverse("tracking_driver:home")
        return None

    def ready(self):
        from tracking import subscriptions

        subscriptions.connect()
