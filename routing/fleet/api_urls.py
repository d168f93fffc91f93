from django.urls import path

from routing.fleet.apis import drivers, shifts, vehicles

urlpatterns = [
    path("vehicles/", vehicles.VehicleCollectionApi.as_view(), name="fleet-vehicles"),
    path("vehicles/<str:code>/", vehicles.VehicleDetailApi.as_view(), name="fleet-vehicle"),
    path("drivers/", drivers.DriverCollectionApi.as_view(), name="fleet-drivers"),
    path("drivers/<int:driver_id>/", drivers.DriverDetailApi.as_view(), name="fleet-driver"),
    path(
        "drivers/<int:driver_id>/time-off/",
        drivers.DriverTimeOffCollectionApi.as_view(),
        name="fleet-driver-time-off",
    ),
    path(
        "drivers/<int:driver_id>/time-off/<int:time_off_id>/",
        drivers.DriverTimeOffDetailApi.as_view(),
        name="fleet-driver-time-off-detail",
    ),
    path("shifts/", shifts.ShiftCollectionApi.as_view(), name="fleet-shifts"),
    path("shifts/<int:shift_id>/", shifts.ShiftDetailApi.as_view(), name="fleet-shift"),
]
