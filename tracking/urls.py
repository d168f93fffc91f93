from django.urls import path

from tracking import handover_views, views

app_name = "tracking"

urlpatterns = [
    path("", views.LiveBoardView.as_view(), name="live"),
    path("kpis/", views.KpiView.as_view(), name="kpis"),
    path("pod/<int:pk>/<str:kind>/", views.ProofFileView.as_view(), name="pod-file"),
    path("cash/", handover_views.CashView.as_view(), name="cash"),
    path("cash.csv", handover_views.CashCsvView.as_view(), name="cash-csv"),
    path("pod/<int:pk>.pdf", handover_views.PodPdfView.as_view(), name="pod-pdf"),
    path("pods.zip", handover_views.PodZipView.as_view(), name="pods-zip"),
    path(
        "stops/<int:stop_id>/pin-override/",
        handover_views.PinOverrideView.as_view(),
        name="pin-override",
    ),
]
