"""The hand-off decision: what the own fleet would spend on an order against each carrier's
price, both in money, and which is cheaper.

The own fleet's cost is the routing model's marginal cost, asked of routing: for an order on a
route not yet reached, what leaving it out of that route saves (routing.plan_stop_savings);
for an order on no route, the cheapest feasible insertion into that day's live routes
(routing.services.insertion). Carrier prices come from each active carrier's adapter. When
the two are in different currencies the comparison says so and suggests nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from carriers.adapters import NotServed, adapter_for
from carriers.models import Carrier
from orders.models import CustomerOrder
from routing.models import PlanStatus, Stop, StopStatus
from routing.services import plan_stop_savings
from routing.services.insertion import marginal_cost


@dataclass
class CarrierOption:
    carrier: Carrier
    price: Decimal | None
    currency: str
    transit_days: int = 0
    reason: str = ""  # why the carrier does not serve the order


@dataclass
class Comparison:
    order: CustomerOrder
    own_cost: Decimal | None
    own_currency: str
    own_basis: str
    options: list[CarrierOption] = field(default_factory=list)

    @property
    def best(self) -> CarrierOption | None:
        served = [o for o in self.options if o.price is not None]
        return min(served, key=lambda o: (o.price, o.carrier.name)) if served else None

    @property
    def suggestion(self) -> str:
        """ "carrier", "own_fleet" or "" (nothing to compare)."""
        best = self.best
        if best is None:
            return "own_fleet" if self.own_cost is not None else ""
        if self.own_cost is None:
            return "carrier"
        if best.currency != self.own_currency:
            return ""
        return "carrier" if best.price < self.own_cost else "own_fleet"

    @property
    def difference(self) -> Decimal | None:
        best = self.best
        if best is None or self.own_cost is None or best.currency != self.own_currency:
            return None
        return abs(self.own_cost - best.price)


def _stop_of(order: CustomerOrder) -> Stop | None:
    return (
        Stop.objects.filter(order=order, status=StopStatus.PLANNED)
        .select_related("plan", "route__vehicle")
        .order_by("-plan__date", "-pk")
        .first()
    )


def own_fleet_cost(
    order: CustomerOrder, *, savings: dict[str, Decimal] | None = None
) -> tuple[Decimal | None, str, str]:
    """(cost, currency, how it was found) of serving `order` with the own fleet."""
    stop = _stop_of(order)
    if stop is not None:
        saved = (savings if savings is not None else plan_stop_savings(plan=stop.plan)).get(
            order.reference
        )
        where = f"route {stop.route.sequence} ({stop.route.vehicle.code}) of {stop.plan.reference}"
        if saved is not None:
            return saved, stop.route.vehicle.currency, f"Saved by taking it off {where}."
    day = timezone.localtime(order.window_start, order.warehouse.tzinfo).date()
    found = marginal_cost(order, day)
    if found is None:
        return (
            None,
            "",
            f"No live route on {day:%a %-d %b} can take it (capacity, windows, skills).",
        )
    where = (
        f"route {found.route.sequence} ({found.route.vehicle.code}) of {found.route.plan.reference}"
    )
    return (
        found.cost.quantize(Decimal("0.01")),
        found.currency,
        f"Cheapest insertion: position {found.position} of {where}, "
        f"+{found.added_distance_m / 1000:.1f} km, +{found.added_duration_s // 60} min.",
    )


def handoff_compare(
    *, order: CustomerOrder, savings: dict[str, Decimal] | None = None
) -> Comparison:
    """Own-fleet cost and every active carrier's price for `order` (`savings`: the plan's
    stop savings when the caller already has them)."""
    from carriers.services.shipments import order_consignment

    consignment = order_consignment(order)  # 422 first for an order with no coordinates
    own, currency, basis = own_fleet_cost(order, savings=savings)
    comparison = Comparison(order, own, currency, basis)
    for carrier in Carrier.objects.filter(is_active=True).order_by("name"):
        try:
            quote = adapter_for(carrier).quote(consignment)
        except NotServed as exc:
            comparison.options.append(CarrierOption(carrier, None, carrier.currency, 0, str(exc)))
            continue
        comparison.options.append(
            CarrierOption(carrier, quote.price, quote.currency, quote.transit_days)
        )
    return comparison


def plan_compare(*, plan) -> list[Comparison]:
    """A comparison for every stop not yet reached on an unpublished plan's routes, those a
    carrier would serve most cheaply relative to the own fleet first."""
    if plan.status == PlanStatus.PUBLISHED:
        return []
    stops = Stop.objects.filter(plan=plan, status=StopStatus.PLANNED)
    if not stops.exists():
        return []
    savings = plan_stop_savings(plan=plan)
    out = [
        handoff_compare(order=stop.order, savings=savings)
        for stop in stops.select_related("order__warehouse", "order__customer").order_by(
            "route__sequence", "sequence"
        )
    ]
    return sorted(out, key=_carrier_advantage, reverse=True)


def _carrier_advantage(c: Comparison) -> Decimal:
    best = c.best
    if best is None or c.own_cost is None or best.currency != c.own_currency:
        return Decimal("-1e9")
    return c.own_cost - best.price
