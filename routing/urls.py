from django.urls import include, path

from routing import views

app_name = "routing"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plans"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<str:reference>/", views.PlanDetailView.as_view(), name="plan"),
    path("plans/<str:reference>/progress/", views.PlanProgressView.as_view(), name="plan-progress"),
    path("plans/<str:reference>/optimize/", views.PlanOptimizeView.as_view(), name="plan-optimize"),
    path("plans/<str:reference>/publish/", views.PlanPublishView.as_view(), name="plan-publish"),
    path("plans/<str:reference>/export.csv", views.PlanCsvView.as_view(), name="plan-csv"),
    path("plans/<str:reference>/sheets/", views.PlanSheetsView.as_view(), name="plan-sheets"),
    path("jobs/<int:job_id>/cancel/", views.JobCancelView.as_view(), name="job-cancel"),
    path("routes/<int:route_id>/lock/", views.RouteLockView.as_view(), name="route-lock"),
    path("routes/<int:route_id>/sheet/", views.RouteSheetView.as_view(), name="route-sheet"),
    path("stops/<int:stop_id>/move/", views.StopMoveView.as_view(), name="stop-move"),
    path("fleet/", include("routing.fleet.urls")),
]
