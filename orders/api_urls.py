from django.urls import include, path

urlpatterns = [
    path("", include("orders.customer_api_urls")),
]
