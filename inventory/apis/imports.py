"""CSV imports over the API, in the background: POST a file (multipart field `file`) or a
text/csv body and get 202 with the run and its `Location`; GET the run for its progress, then
the result or every error by row and column (all or nothing, as the import services decide)."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.csv_upload import CSV_PARSERS, csv_content
from core.idempotency import idempotent
from core.upload_runs import UploadRunOutput, upload_run_public
from inventory.apis.access import CATALOG_WRITE_ROLES, WRITE_ROLES, InventoryAccess
from inventory.services.import_runs import inventory_import_run_get, inventory_import_run_start


class _ImportApi(InventoryAccess, APIView):
    parser_classes = CSV_PARSERS
    partner_may_read = False
    partner_may_write = False
    kind = ""  # products or stock
    run_url_name = ""

    def run_body(self, run_id: str, run: dict) -> dict:
        url = self.request.build_absolute_uri(reverse(self.run_url_name, args=[run_id]))
        return upload_run_public(run, run_id=run_id, url=url)


class _ImportStartApi(_ImportApi):
    @extend_schema(request={"text/csv": OpenApiTypes.STR}, responses={202: UploadRunOutput})
    @idempotent
    def post(self, request):
        run_id = inventory_import_run_start(
            kind=self.kind, content=csv_content(request), user=request.user
        )
        run = inventory_import_run_get(run_id=run_id, user=request.user)
        body = self.run_body(run_id, run)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class _ImportRunApi(_ImportApi):
    """One import run of the caller's (another user's answers 404; runs are kept a day):
    `status` queued → running → done (`result`) or failed (`detail`, `errors`)."""

    @property
    def allowed_roles(self):
        return self.write_roles  # who may import may follow the run

    @extend_schema(responses={200: UploadRunOutput})
    def get(self, request, run_id: str):
        run = inventory_import_run_get(run_id=run_id, user=request.user, kind=self.kind)
        if run is None:
            raise Http404
        return Response(self.run_body(run_id, run))


class ProductImportApi(_ImportStartApi):
    """Products by SKU (created or updated); columns: see inventory.services.imports."""

    write_roles = CATALOG_WRITE_ROLES
    kind = "products"
    run_url_name = "api-products-import-run"


class ProductImportRunApi(_ImportRunApi):
    write_roles = CATALOG_WRITE_ROLES
    kind = "products"
    run_url_name = "api-products-import-run"


class OpeningStockImportApi(_ImportStartApi):
    """Opening stock by warehouse, location and SKU; columns: see inventory.services.imports."""

    write_roles = WRITE_ROLES
    kind = "stock"
    run_url_name = "api-stock-import-run"


class OpeningStockImportRunApi(_ImportRunApi):
    write_roles = WRITE_ROLES
    kind = "stock"
    run_url_name = "api-stock-import-run"
