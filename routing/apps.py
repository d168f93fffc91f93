from django.apps import AppConfig

from core.navigation import DashboardCard, NavItem
from core.roles import Role


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing"

    nav_items = [
        NavItem("Routes", "routing:plans", roles=(Role.DISPATCHER,)),
        NavItem("Fleet", "routing:fleet-week", roles=(Role.DISPATCHER,)),
    ]

    def dashboard_cards(self, user):
        from django.urls import reverse

        from inventory.selectors.stock import warehouses_today
        from routing.capacity import capacity_dashboard_cards
        from routing.models import JobStatus, OptimizationJob, Plan, PlanStatus

        today = warehouses_today()  # plans' dates are the depots'
        plans = Plan.objects.filter(date=today)
        unassigned = sum(len(p.unassigned) for p in plans.only("unassigned"))
        return [
            DashboardCard(
                "Plans today",
                plans.count(),
                url=reverse("routing:plans"),
                hint=f"{plans.filter(status=PlanStatus.PUBLISHED).count()} published",
                roles=(Role.DISPATCHER,),
            ),
            DashboardCard(
                "Unassigned orders today",
                unassigned,
                url=reverse("routing:plans"),
                tone="warn" if unassigned else "good",
                roles=(Role.DISPATCHER,),
            ),
            DashboardCard(
                "Optimisations running",
                OptimizationJob.objects.filter(
                    status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
                ).count(),
                roles=(Role.DISPATCHER,),
            ),
            *capacity_dashboard_cards(user),
        ]

    def seed_demo(self, *, stdout):
        from routing.demo import seed_routing

        seed_routing(stdout=stdout)
