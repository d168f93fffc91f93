"""Customer orders, pick waves, packing and returns pages under /orders/ (namespace `orders`).
Purchasing and forecasting pages are mounted under /orders/purchasing/ and /orders/forecasts/
by config/urls.py from their own apps."""

from django.urls import path, re_path

from orders import views as v

app_name = "orders"

# Order references are matched strictly so no other /orders/… path is taken for an order.
ORDER = r"(?P<reference>ORD-\d{4}-\d{4,})"

urlpatterns = [
    path("", v.BoardView.as_view(), name="board"),
    path("new/", v.OrderCreateView.as_view(), name="create"),
    path("import/", v.OrderImportView.as_view(), name="import"),
    path("import/<str:run_id>/", v.OrderImportRunView.as_view(), name="import-run"),
    path("waves/", v.WaveListView.as_view(), name="waves"),
    path("waves/<str:reference>/", v.WaveDetailView.as_view(), name="wave"),
    path("packing/", v.PackingView.as_view(), name="packing"),
    path("returns/", v.ReturnListView.as_view(), name="returns"),
    path("returns/<str:reference>/", v.ReturnDetailView.as_view(), name="return"),
    re_path(rf"^{ORDER}/$", v.OrderDetailView.as_view(), name="detail"),
    re_path(rf"^{ORDER}/return/$", v.ReturnCreateView.as_view(), name="return-create"),
    re_path(rf"^{ORDER}/(?P<action>[a-z_]+)/$", v.OrderActionView.as_view(), name="action"),
]
