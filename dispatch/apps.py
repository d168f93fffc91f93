from django.apps import AppConfig

from core.navigation import DashboardCard, NavItem
from core.roles import Role


class DispatchConfig(AppConfig):
    """The live dispatch board: reads routing, tracking, orders; nothing imports it."""

    name = "dispatch"
    verbose_name = "Dispatch"

    nav_items = [NavItem("Board", "dispatch:board", roles=(Role.DISPATCHER,))]

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
