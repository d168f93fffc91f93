from django.urls import path

from tracking import views

app_name = "tracking_driver"

urlpatterns = [
    path("", views.DriverHomeView.as_view(), name="home"),
]
