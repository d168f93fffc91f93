from django.urls import path

from routing.optimizations import apis

urlpatterns = [
    path("optimizations/", apis.OptimizationCollectionApi.as_view(), name="routing-optimizations"),
    path(
        "optimizations/<str:public_id>/",
        apis.OptimizationDetailApi.as_view(),
        name="routing-optimization",
    ),
    path(
        "optimizations/<str:public_id>/cancel/",
        apis.OptimizationCancelApi.as_view(),
        name="routing-optimization-cancel",
    ),
]
