from django.urls import path

from tracking import public_views as views

app_name = "tracking_public"

urlpatterns = [
    path("<str:token>/", views.tracking_page_view, name="page"),
    path("<str:token>/position.json", views.vehicle_position_view, name="position"),
    path("<str:token>/instructions/", views.instructions_update, name="instructions"),
    path("<str:token>/rating/", views.rating_update, name="rating"),
    path("<str:token>/return/", views.return_request_view, name="return"),
    path("<str:token>/pod/<str:kind>/", views.pod_file, name="pod"),
]
