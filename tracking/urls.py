from django.urls import path

from core import charts
from tracking import views

app_name = "tracking"

urlpatterns = [
    path("", views.LiveBoardView.as_view(), name="live"),
    path("kpis/", views.KpiView.as_view(), name="kpis"),
    path("pod/<int:pk>/<str:kind>/", views.ProofFileView.as_view(), name="pod-file"),
    # The plotly.js bundle (core.charts); shared by every chart page — belongs in core/urls.py.
    path("assets/plotly.js", charts.plotly_js, name="plotly-js"),
]
