"""Orders CSV import over the API, in the background: `POST /api/v1/orders/import/` answers
202 with the run and its `Location`; `GET` on that run says how far it got, then the orders
created or every error by row and column (all orders or none, as orders_import decides)."""

from __future__ import annotations

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
from orders.apis.common import OrdersAccess, partner_of
from orders.services.import_runs import orders_import_run_get, orders_import_run_start


def _run_body(request, run_id: str, run: dict) -> dict:
    url = request.build_absolute_uri(reverse("api-orders-import-run", args=[run_id]))
    return upload_run_public(run, run_id=run_id, url=url)


class OrderImportApi(OrdersAccess, APIView):
    """CSV import (multipart `file` or a text/csv body), run in the background: 202 with the
    run; the same file from the same caller lands on the same run. Columns: see
    orders.services.imports."""

    parser_classes = CSV_PARSERS

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR},
        responses={202: UploadRunOutput},
    )
    @idempotent
    def post(self, request):
        run_id = orders_import_run_start(
            content=csv_content(request), user=request.user, partner=partner_of(request)
        )
        body = _run_body(request, run_id, orders_import_run_get(run_id=run_id, user=request.user))
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class OrderImportRunApi(OrdersAccess, APIView):
    """One import run of the caller's (another caller's run answers 404; runs are kept a
    day): `status` queued → running → done (`result`) or failed (`detail`, `errors`)."""

    @extend_schema(responses={200: UploadRunOutput})
    def get(self, request, run_id: str):
        run = orders_import_run_get(run_id=run_id, user=request.user)
        if run is None:
            raise Http404
        return Response(_run_body(request, run_id, run))
