from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.ProductListView.as_view(), name="products"),
    path("products/<str:sku>/", views.ProductDetailView.as_view(), name="product"),
    path("warehouses/", views.WarehouseListView.as_view(), name="warehouses"),
    path("warehouses/<str:code>/", views.WarehouseDetailView.as_view(), name="warehouse"),
    path("receive/", views.ReceiveView.as_view(), name="receive"),
    path("transfer/", views.TransferView.as_view(), name="transfer"),
    path("adjust/", views.AdjustView.as_view(), name="adjust"),
    path("condition/", views.ConditionView.as_view(), name="condition"),
    path("scrap/", views.ScrapView.as_view(), name="scrap"),
    path("reports/", views.ReportIndexView.as_view(), name="reports"),
    path("reports/<slug:slug>/", views.ReportView.as_view(), name="report"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<str:run_id>/", views.ImportRunView.as_view(), name="import-run"),
]
