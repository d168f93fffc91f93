"""Fleet writes: vehicles, drivers (availability, time off) and shifts. Pages and the API call
these; each validates everything itself (a form or serializer is only the first filter)."""

from routing.fleet.services.drivers import (
    driver_create,
    driver_delete,
    driver_time_off_add,
    driver_time_off_remove,
    driver_update,
)
from routing.fleet.services.shifts import BreakSpec, shift_create, shift_delete, shift_update
from routing.fleet.services.vehicles import vehicle_create, vehicle_delete, vehicle_update

__all__ = [
    "BreakSpec",
    "driver_create",
    "driver_delete",
    "driver_time_off_add",
    "driver_time_off_remove",
    "driver_update",
    "shift_create",
    "shift_delete",
    "shift_update",
    "vehicle_create",
    "vehicle_delete",
    "vehicle_update",
]
