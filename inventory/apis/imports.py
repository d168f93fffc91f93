"""CSV imports: POST a file (multipart field `file`) or a text/csv body. All or nothing; on
failure 422 with one error per row and column."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from core.idempotency import idempotent
from inventory.apis.access import CATALOG_WRITE_ROLES, InventoryAccess
from inventory.services.imports import opening_stock_import, products_import


class CsvParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"content": stream.read()}


def _content(request) -> bytes:
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is not None:
        return upload.read()
    content = request.data.get("content") if hasattr(request.data, "get") else None
    if isinstance(content, str):
        content = content.encode()
    if not content:
        raise ValidationFailed(
            "Send the CSV as a multipart field 'file' or as a text/csv body.", field="file"
        )
    return content


class _ImportApi(InventoryAccess, APIView):
    parser_classes = [CsvParser, MultiPartParser, FormParser, JSONParser]
    partner_may_write = False


class ProductImportApi(_ImportApi):
    write_roles = CATALOG_WRITE_ROLES

    @extend_schema(request={"text/csv": OpenApiTypes.STR}, responses=OpenApiTypes.OBJECT)
    @idempotent
    def post(self, request):
        result = products_import(content=_content(request))
        return Response(result, status=status.HTTP_201_CREATED)


class OpeningStockImportApi(_ImportApi):
    @extend_schema(request={"text/csv": OpenApiTypes.STR}, responses=OpenApiTypes.OBJECT)
    @idempotent
    def post(self, request):
        result = opening_stock_import(content=_content(request), user=request.user)
        return Response(result, status=status.HTTP_201_CREATED)
