from django.urls import path
from rest_framework.routers import SimpleRouter

from inventory.apis import catalog, imports, reports, stock

router = SimpleRouter()
router.register("warehouses", catalog.WarehouseViewSet, basename="warehouse")
router.register("locations", catalog.LocationViewSet, basename="location")
router.register("products", catalog.ProductViewSet, basename="product")

urlpatterns = [
    path("products/import/", imports.ProductImportApi.as_view(), name="api-products-import"),
    path(
        "products/import/runs/<str:run_id>/",
        imports.ProductImportRunApi.as_view(),
        name="api-products-import-run",
    ),
    path("stock/", stock.StockListApi.as_view(), name="api-stock"),
    path("stock/receive/", stock.StockReceiveApi.as_view(), name="api-stock-receive"),
    path("stock/transfer/", stock.StockTransferApi.as_view(), name="api-stock-transfer"),
    path("stock/adjust/", stock.StockAdjustApi.as_view(), name="api-stock-adjust"),
    path(
        "stock/condition-change/",
        stock.StockConditionChangeApi.as_view(),
        name="api-stock-condition-change",
    ),
    path("stock/scrap/", stock.StockScrapApi.as_view(), name="api-stock-scrap"),
    path("stock/import/", imports.OpeningStockImportApi.as_view(), name="api-stock-import"),
    path(
        "stock/import/runs/<str:run_id>/",
        imports.OpeningStockImportRunApi.as_view(),
        name="api-stock-import-run",
    ),
    path("stock-moves/", stock.StockMoveListApi.as_view(), name="api-stock-moves"),
    path("inventory/reports/", reports.ReportListApi.as_view(), name="api-inventory-reports"),
    path(
        "inventory/reports/<slug:slug>/",
        reports.ReportApi.as_view(),
        name="api-inventory-report",
    ),
    *router.urls,
]
