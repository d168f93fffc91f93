from django.urls import include, path

app_name = "orders"

# Customer orders and returns pages: customer_urls.py; purchasing pages: purchasing_urls.py.
urlpatterns = [
    path("", include("orders.customer_urls")),
    path("purchasing/", include("orders.purchasing_urls")),
]
