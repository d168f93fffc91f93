"""Report endpoints: /api/v1/inventory/reports/<slug>/ with the report's filters as query
parameters, page-number pagination (`page`, `page_size`) and the report's extras (totals)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import pagination, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from inventory.apis.access import InventoryAccess
from inventory.reports import REPORTS, report_filterset


class ReportPagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


def _json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, bool | int | float | str):
        return str(value)
    return value


class ReportColumnOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class _ReportAccess(InventoryAccess):
    # Staff only: reports show costs, on-order quantities and the ledger (other partners'
    # order references); partners read stock levels through /api/v1/stock/.
    partner_may_read = False
    partner_may_write = False


class ReportListApi(_ReportAccess, APIView):
    """The available reports and their columns."""

    class OutputSerializer(serializers.Serializer):
        slug = serializers.SlugField()
        title = serializers.CharField()
        description = serializers.CharField()
        url = serializers.URLField()

    @extend_schema(responses=OutputSerializer(many=True), operation_id="inventory_reports_list")
    def get(self, request):
        return Response(
            [
                {
                    "slug": spec.slug,
                    "title": spec.title,
                    "description": spec.description,
                    "url": request.build_absolute_uri(f"{spec.slug}/"),
                }
                for spec in REPORTS.values()
            ]
        )


class ReportApi(_ReportAccess, APIView):
    """One report. Bad filter values answer 400 naming the parameter."""

    class OutputSerializer(serializers.Serializer):
        """A page of rows (one object per row, keyed by the columns' keys), the columns, and the
        report's extras (e.g. totals) as further members."""

        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = serializers.ListField(child=serializers.DictField())
        columns = ReportColumnOutput(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="Page number (1-based)."),
            OpenApiParameter("page_size", int, description="Rows per page, at most 1000."),
        ],
        responses=OutputSerializer,
        operation_id="inventory_report_retrieve",
    )
    def get(self, request, slug: str):
        spec = REPORTS.get(slug)
        if spec is None:
            raise NotFound(f"No report '{slug}'. See /api/v1/inventory/reports/.")
        filterset = report_filterset(spec, request.query_params)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        data = filterset.form.cleaned_data
        rows, extras = spec.run(data, filterset)
        columns = spec.columns(data)
        paginator = ReportPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        keys = [key for key, _ in columns]
        results = [{key: _json(row.get(key)) for key in keys} for row in page]
        response = paginator.get_paginated_response(results)
        response.data["columns"] = [{"key": k, "label": label} for k, label in columns]
        response.data.update({k: _json_deep(v) for k, v in extras.items()})
        return response


def _json_deep(value):
    if isinstance(value, list):
        return [_json_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_deep(v) for k, v in value.items()}
    return _json(value)
