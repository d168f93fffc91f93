from django.apps import AppConfig

from core.navigation import DashboardCard, NavItem
from core.roles import Role


class DispatchConfig(AppConfig):
    """The live dispatch board: reads routing, tracking, orders; nothing imports it."""

    name = "dispatch"
    verbose_name = "Dispatch"

    nav_items = [NavItem("Board", "dispatch:board", roles=(Role.DISPATCHER,))]

    def page_sections(self, page: str, *, user, obj) -> list:
        """The order page offers "Insert into route…" to dispatchers while the order is packed,
        on no route today, and a live route of its warehouse runs today."""
        if page != "orders:detail":
            return []
        from core.navigation import PageSection
        from core.permissions import user_can
        from orders.models import OrderStatus
        from routing.services.insertion import live_routes
        from tracking import clock

        if obj.status != OrderStatus.PACKED or not user_can(
            user, "dispatch:order-insert", obj.reference
        ):
            return []
        day = clock.now().astimezone(obj.warehouse.tzinfo).date()
        if obj.route_stops.filter(plan__date=day).exists():
            return []
        routes = live_routes(day=day, warehouse=obj.warehouse).count()
        if not routes:
            return []
        return [
            PageSection(
                "Same-day delivery",
                "dispatch/_order_insert_section.html",
                {"order": obj, "routes": routes},
            )
        ]

    def ready(self) -> None:
        """Lend routing's insertion preview tracking's clock and ETA engine, and have an
        insertion recompute the route's ETAs after commit (routing never imports tracking)."""
        from dispatch.selectors.insertion import sequence_etas
        from dispatch.services import refresh_etas_after_commit
        from routing.services.insertion import live_hooks_register
        from tracking import clock

        live_hooks_register(
            now=clock.now, sequence_etas=sequence_etas, routes_changed=refresh_etas_after_commit
        )

    def dashboard_cards(self, user) -> list[DashboardCard]:
        """Stops at late risk today: tracking's count, the number the board and the Deliveries
        table show."""
        from django.urls import reverse

        from core.roles import user_has_role
        from tracking.late_risk import late_risk_count

        if not user_has_role(user, Role.DISPATCHER):
            return []
        late = late_risk_count()
        return [
            DashboardCard(
                "Stops at late risk",
                late,
                url=reverse("dispatch:board"),
                hint="ETA window ends after the customer's window",
                tone="bad" if late else "good",
                roles=(Role.DISPATCHER,),
            )
        ]
