from django.urls import path

from tracking import apis

urlpatterns = [
    path("pings/", apis.PingCreateApi.as_view(), name="api-pings"),
    path("driver/routes/<int:pk>/start/", apis.RouteStartApi.as_view(), name="api-route-start"),
    path("driver/stops/<int:pk>/arrive/", apis.StopArriveApi.as_view(), name="api-stop-arrive"),
    path("driver/stops/<int:pk>/deliver/", apis.StopDeliverApi.as_view(), name="api-stop-deliver"),
    path("driver/stops/<int:pk>/fail/", apis.StopFailApi.as_view(), name="api-stop-fail"),
    path("driver/stops/<int:pk>/skip/", apis.StopSkipApi.as_view(), name="api-stop-skip"),
    path("kpis/", apis.KpiApi.as_view(), name="api-kpis"),
    path("orders/<str:reference>/pod.pdf", apis.OrderPodPdfApi.as_view(), name="api-order-pod"),
]
