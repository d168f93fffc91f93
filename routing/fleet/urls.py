"""Fleet pages, mounted at /routing/fleet/ inside the routing namespace."""

from django.urls import path

from routing.fleet import views

urlpatterns = [
    path("", views.FleetWeekView.as_view(), name="fleet-week"),
    path("shifts/", views.ShiftListView.as_view(), name="fleet-shifts"),
    path("shifts/new/", views.ShiftCreateView.as_view(), name="fleet-shift-create"),
    path("shifts/<int:shift_id>/", views.ShiftEditView.as_view(), name="fleet-shift-edit"),
    path(
        "shifts/<int:shift_id>/delete/", views.ShiftDeleteView.as_view(), name="fleet-shift-delete"
    ),
    path("vehicles/", views.VehicleListView.as_view(), name="fleet-vehicles"),
    path("vehicles/new/", views.VehicleCreateView.as_view(), name="fleet-vehicle-create"),
    path("vehicles/<str:code>/", views.VehicleEditView.as_view(), name="fleet-vehicle-edit"),
    path(
        "vehicles/<str:code>/delete/",
        views.VehicleDeleteView.as_view(),
        name="fleet-vehicle-delete",
    ),
    path("drivers/", views.DriverListView.as_view(), name="fleet-drivers"),
    path("drivers/new/", views.DriverCreateView.as_view(), name="fleet-driver-create"),
    path("drivers/<int:driver_id>/", views.DriverEditView.as_view(), name="fleet-driver-edit"),
    path(
        "drivers/<int:driver_id>/delete/",
        views.DriverDeleteView.as_view(),
        name="fleet-driver-delete",
    ),
    path(
        "drivers/<int:driver_id>/time-off/",
        views.TimeOffAddView.as_view(),
        name="fleet-time-off-add",
    ),
    path(
        "drivers/<int:driver_id>/time-off/<int:time_off_id>/delete/",
        views.TimeOffDeleteView.as_view(),
        name="fleet-time-off-delete",
    ),
]
