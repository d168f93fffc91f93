"""Vehicles: capacity per dimension (kg, m³, units), skills, costs, home depot."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from core.exceptions import Conflict, ValidationFailed
from inventory.models import Warehouse
from inventory.selectors.stock import warehouse_today
from routing.fleet.services.common import clean_skills, not_negative
from routing.models import Route, Shift, Vehicle

EDITABLE = (
    "name",
    "depot",
    "capacity_weight_kg",
    "capacity_volume_m3",
    "capacity_units",
    "cost_per_km",
    "cost_per_hour",
    "fixed_cost",
    "currency",
    "skills",
    "is_active",
)


def _check(fields: dict) -> dict:
    not_negative(
        **{
            k: fields.get(k)
            for k in (
                "capacity_weight_kg",
                "capacity_volume_m3",
                "capacity_units",
                "cost_per_km",
                "cost_per_hour",
                "fixed_cost",
            )
        }
    )
    if "skills" in fields:
        fields["skills"] = clean_skills(fields["skills"])
    if "currency" in fields:
        currency = (fields["currency"] or "").upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationFailed("Currency is a three-letter ISO code (EUR).", field="currency")
        fields["currency"] = currency
    return fields


def _future_shifts(vehicle: Vehicle) -> list[Shift]:
    today = warehouse_today(vehicle.depot)
    return list(Shift.objects.filter(vehicle=vehicle, date__gte=today).order_by("date")[:5])


def vehicle_create(
    *,
    code: str,
    name: str,
    depot: Warehouse,
    capacity_weight_kg: Decimal,
    capacity_volume_m3: Decimal,
    capacity_units: int,
    cost_per_km: Decimal = Decimal(0),
    cost_per_hour: Decimal = Decimal(0),
    fixed_cost: Decimal = Decimal(0),
    currency: str = "EUR",
    skills=(),
    is_active: bool = True,
) -> Vehicle:
    """A vehicle based at `depot`. Codes are unique (409 naming `code`); capacities and costs
    are not negative; skills are known ones."""
    code = (code or "").strip()
    if not code:
        raise ValidationFailed("A vehicle needs a code.", field="code", code="required")
    fields = _check(
        {
            "name": name,
            "depot": depot,
            "capacity_weight_kg": capacity_weight_kg,
            "capacity_volume_m3": capacity_volume_m3,
            "capacity_units": capacity_units,
            "cost_per_km": cost_per_km,
            "cost_per_hour": cost_per_hour,
            "fixed_cost": fixed_cost,
            "currency": currency,
            "skills": skills,
            "is_active": is_active,
        }
    )
    try:
        with transaction.atomic():
            return Vehicle.objects.create(code=code, **fields)
    except IntegrityError:
        if Vehicle.objects.filter(code=code).exists():
            raise Conflict(
                f"A vehicle with code {code} already exists.", field="code", code="duplicate"
            ) from None
        raise


@transaction.atomic
def vehicle_update(*, vehicle: Vehicle, **fields) -> Vehicle:
    """Change a vehicle. Its home depot and its being active cannot change while it has shifts
    from today on (their times are wall-clock times at the depot, and the planner would drop
    them silently): 409 naming the shifts."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"Not editable: {', '.join(sorted(unknown))}.", field="vehicle")
    fields = _check(dict(fields))
    vehicle = Vehicle.objects.select_for_update().select_related("depot").get(pk=vehicle.pk)
    moving = "depot" in fields and fields["depot"].pk != vehicle.depot_id
    retiring = fields.get("is_active") is False and vehicle.is_active
    if moving or retiring:
        booked = _future_shifts(vehicle)
        if booked:
            what = "move to another depot" if moving else "be deactivated"
            raise Conflict(
                f"{vehicle.code} has shifts booked from today on "
                f"({', '.join(f'#{s.pk} on {s.date}' for s in booked)}); it cannot {what} "
                "until they are moved or deleted.",
                field="depot" if moving else "is_active",
                code="vehicle_has_shifts",
                extra={"shifts": [s.pk for s in booked]},
            )
    for name, value in fields.items():
        setattr(vehicle, name, value)
    vehicle.save()
    return vehicle


@transaction.atomic
def vehicle_delete(*, vehicle: Vehicle) -> None:
    """Delete a vehicle that never had a shift or a route; one with history is deactivated
    instead (409 says so)."""
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    shifts = Shift.objects.filter(vehicle=vehicle).count()
    routes = Route.objects.filter(vehicle=vehicle).count()
    if shifts or routes:
        raise Conflict(
            f"{vehicle.code} has {shifts} shift(s) and {routes} route(s) on record; "
            "deactivate it instead of deleting it.",
            field="vehicle",
            code="vehicle_in_use",
        )
    vehicle.delete()
