"""CSV imports: POST a file (multipart field `file`) or a text/csv body. All or nothing; on
failure 422 with one error per row and column."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.csv_upload import CSV_PARSERS, csv_content
from core.idempotency import idempotent
from inventory.apis.access import CATALOG_WRITE_ROLES, InventoryAccess
from inventory.services.imports import opening_stock_import, products_import


class _ImportApi(InventoryAccess, APIView):
    parser_classes = CSV_PARSERS
    partner_may_write = False


class ProductImportApi(_ImportApi):
    write_roles = CATALOG_WRITE_ROLES

    @extend_schema(request={"text/csv": OpenApiTypes.STR}, responses=OpenApiTypes.OBJECT)
    @idempotent
    def post(self, request):
        result = products_import(content=csv_content(request))
        return Response(result, status=status.HTTP_201_CREATED)


class OpeningStockImportApi(_ImportApi):
    @extend_schema(request={"text/csv": OpenApiTypes.STR}, responses=OpenApiTypes.OBJECT)
    @idempotent
    def post(self, request):
        result = opening_stock_import(content=csv_content(request), user=request.user)
        return Response(result, status=status.HTTP_201_CREATED)
