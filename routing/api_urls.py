from django.urls import include, path

from routing import apis, apis_insert

urlpatterns = [
    path("plans/", apis.PlanCollectionApi.as_view(), name="routing-plans"),
    path("plans/<str:reference>/", apis.PlanDetailApi.as_view(), name="routing-plan"),
    path(
        "plans/<str:reference>/optimize/",
        apis.PlanOptimizeApi.as_view(),
        name="routing-plan-optimize",
    ),
    path(
        "plans/<str:reference>/publish/", apis.PlanPublishApi.as_view(), name="routing-plan-publish"
    ),
    path(
        "plans/<str:reference>/publication/",
        apis.PlanPublicationApi.as_view(),
        name="routing-plan-publication",
    ),
    path("jobs/<int:job_id>/", apis.JobDetailApi.as_view(), name="routing-job"),
    path("jobs/<int:job_id>/cancel/", apis.JobCancelApi.as_view(), name="routing-job-cancel"),
    path("routes/", apis.RouteListApi.as_view(), name="routing-routes"),
    path("routes/<int:route_id>/", apis.RouteDetailApi.as_view(), name="routing-route"),
    path("routes/<int:route_id>/lock/", apis.RouteLockApi.as_view(), name="routing-route-lock"),
    path(
        "routes/<int:route_id>/stops/", apis.RouteStopListApi.as_view(), name="routing-route-stops"
    ),
    path(
        "routes/<int:route_id>/insert/",
        apis_insert.RouteInsertApi.as_view(),
        name="routing-route-insert",
    ),
    path("stops/<int:stop_id>/move/", apis.StopMoveApi.as_view(), name="routing-stop-move"),
    path("", include("routing.optimizations.api_urls")),
    path("", include("routing.fleet.api_urls")),
]
