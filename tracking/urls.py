from django.urls import path

from tracking import views

app_name = "tracking"

urlpatterns = [
    path("", views.LiveBoardView.as_view(), name="live"),
    path("kpis/", views.KpiView.as_view(), name="kpis"),
    path("pod/<int:pk>/<str:kind>/", views.ProofFileView.as_view(), name="pod-file"),
]
