"""Access rule and lookups shared by the fleet API views."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.parsers import JSONParser

from core.exceptions import ValidationFailed
from core.pagination import CursorPagination
from core.permissions import HasScope
from core.roles import Role
from inventory.models import Warehouse
from routing.models import Driver, Vehicle


class FleetAccess:
    permission_classes = [HasScope]
    required_scopes: dict = {}  # no partner scope opens the fleet
    allowed_roles = [Role.DISPATCHER]
    parser_classes = [JSONParser]


class ByCode(CursorPagination):
    ordering = "code"


class ByDate(CursorPagination):
    ordering = ("date", "id")


def depot_by_code(code: str, *, field: str = "depot") -> Warehouse:
    depot = Warehouse.objects.filter(code=code).first()
    if depot is None:
        raise ValidationFailed(f"Unknown depot {code}.", field=field, code="unknown")
    return depot


def vehicle_by_code(code: str, *, field: str = "vehicle") -> Vehicle:
    vehicle = Vehicle.objects.select_related("depot").filter(code=code).first()
    if vehicle is None:
        raise ValidationFailed(f"Unknown vehicle {code}.", field=field, code="unknown")
    return vehicle


def driver_by_id(pk: int, *, field: str = "driver") -> Driver:
    driver = Driver.objects.select_related("user").filter(pk=pk).first()
    if driver is None:
        raise ValidationFailed(f"Unknown driver {pk}.", field=field, code="unknown")
    return driver


def driver_get(driver_id: int) -> Driver:
    return get_object_or_404(Driver.objects.select_related("user", "default_vehicle"), pk=driver_id)


class SkillsField(serializers.ListField):
    def __init__(self, **kwargs):
        from orders.models import VehicleSkill

        super().__init__(child=serializers.ChoiceField(choices=VehicleSkill.choices), **kwargs)
