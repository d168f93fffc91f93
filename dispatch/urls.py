from django.urls import path

from dispatch import views, views_insert

app_name = "dispatch"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("panel/", views.PanelView.as_view(), name="panel"),
    path("map.json", views.MapDataView.as_view(), name="map"),
    path("stops/<int:stop_id>/", views.StopDetailView.as_view(), name="stop"),
    path("stops/<int:stop_id>/move/", views.StopMoveView.as_view(), name="stop-move"),
    path(
        "stops/<int:stop_id>/reschedule/",
        views.StopRescheduleView.as_view(),
        name="stop-reschedule",
    ),
    path("stops/<int:stop_id>/cancel/", views.StopCancelView.as_view(), name="stop-cancel"),
    path("stops/<int:stop_id>/message/", views.StopMessageView.as_view(), name="stop-message"),
    path(
        "orders/<str:reference>/insert/",
        views_insert.OrderInsertView.as_view(),
        name="order-insert",
    ),
    path("insert-all/", views_insert.InsertAllView.as_view(), name="insert-all"),
    path(
        "insert-all/<str:job_id>/",
        views_insert.InsertAllProgressView.as_view(),
        name="insert-all-progress",
    ),
    path(
        "plans/<str:reference>/reoptimize/",
        views.PlanReoptimizeView.as_view(),
        name="plan-reoptimize",
    ),
]
