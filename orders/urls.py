from django.urls import include, path

app_name = "orders"

# Customer orders and returns pages (purchasing and forecasting pages live in their own apps,
# mounted under /orders/purchasing/ and /orders/forecasts/ by config/urls.py).
urlpatterns = [
    path("", include("orders.customer_urls")),
]
