"""Fleet pages for dispatchers (and admins): vehicles, drivers and time off, shifts, and the
week view that books shifts against the forecast volume. Thin: routing.fleet.services decide."""

from routing.fleet.views.drivers import (
    DriverCreateView,
    DriverDeleteView,
    DriverEditView,
    DriverListView,
    TimeOffAddView,
    TimeOffDeleteView,
)
from routing.fleet.views.shifts import (
    ShiftCreateView,
    ShiftDeleteView,
    ShiftEditView,
    ShiftListView,
)
from routing.fleet.views.vehicles import (
    VehicleCreateView,
    VehicleDeleteView,
    VehicleEditView,
    VehicleListView,
)
from routing.fleet.views.week import FleetWeekView

__all__ = [
    "DriverCreateView",
    "DriverDeleteView",
    "DriverEditView",
    "DriverListView",
    "FleetWeekView",
    "ShiftCreateView",
    "ShiftDeleteView",
    "ShiftEditView",
    "ShiftListView",
    "TimeOffAddView",
    "TimeOffDeleteView",
    "VehicleCreateView",
    "VehicleDeleteView",
    "VehicleEditView",
    "VehicleListView",
]
