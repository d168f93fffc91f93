"""`/api/v1/optimizations/`: solve a problem given in VROOM's JSON, asynchronously.

POST the problem (VROOM's input format, optionally `options.time_limit` in seconds) → 202 with
the request's URL in `Location` and the body; poll GET on that URL until `status` is
`succeeded` (then `result` is VROOM's output format), `failed` or `cancelled`. Partner keys
need `optimizations:write` to post and cancel, `optimizations:read` to poll, and see only their
own requests (another partner's id answers 404); dispatchers use their session.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import DomainError
from core.idempotency import idempotent
from core.permissions import HasScope
from core.roles import Role
from routing.optimizations import conf, services
from routing.optimizations.examples import INPUT_EXAMPLE, INPUT_SCHEMA, OUTPUT_EXAMPLE
from routing.optimizations.models import OptimizationRequest
from routing.optimizations.selectors import (
    optimization_request_get,
    optimization_requests_visible,
)

READ, WRITE = "optimizations:read", "optimizations:write"


class RequestTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    title = "Request too large"


class OptimizationSummaryOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.SerializerMethodField()
    # Not a ChoiceField: its enum component would collide with other APIs' `status` enums.
    status = serializers.CharField(help_text="queued, running, succeeded, failed or cancelled.")
    progress = serializers.IntegerField(
        source="progress_pct", help_text="Per cent of the time limit used so far (100 when done)."
    )
    elapsed_s = serializers.FloatField()
    time_limit_s = serializers.FloatField()
    tasks = serializers.IntegerField(source="task_count")
    vehicles = serializers.IntegerField(source="vehicle_count")
    cancel_requested = serializers.BooleanField()
    error = serializers.CharField(help_text="Why the request failed; empty otherwise.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, obj) -> str:
        path = reverse("routing-optimization", kwargs={"public_id": obj.public_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class OptimizationOutput(OptimizationSummaryOutput):
    result = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "additionalProperties": True,
            "description": "VROOM's output format once the request succeeded; "
            '`{"code": 1, "error": …}` (VROOM\'s error shape) when it failed; null before.',
        }
    )
    def get_result(self, obj) -> dict | None:
        if obj.status == OptimizationRequest.Status.SUCCEEDED:
            return obj.output
        if obj.status == OptimizationRequest.Status.FAILED:
            return {"code": 1, "error": obj.error}
        return None


def _out(request, obj) -> dict:
    return OptimizationOutput(obj, context={"request": request}).data


class _OptimizationApi(APIView):
    permission_classes = [HasScope]
    allowed_roles = [Role.DISPATCHER]
    parser_classes = [JSONParser]


class OptimizationCollectionApi(generics.ListAPIView, _OptimizationApi):
    """Your optimisations, newest first (without their inputs and results: GET each one for
    its result); POST queues a new one."""

    required_scopes = {"GET": READ, "POST": WRITE}
    serializer_class = OptimizationSummaryOutput
    queryset = OptimizationRequest.objects.none()

    def get_queryset(self):
        visible = optimization_requests_visible(principal=self.request.user)
        return visible.defer("input", "output")

    @extend_schema(operation_id="optimizations_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="optimizations_create",
        request=OpenApiRequest(INPUT_SCHEMA),
        responses={
            202: OptimizationOutput,
            (413, "application/problem+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The body is larger than the service accepts."
            ),
        },
        examples=[
            OpenApiExample("Two jobs, one van", value=INPUT_EXAMPLE, request_only=True),
        ],
    )
    def post(self, request):
        """Queue a problem in VROOM's input format; answers 202 with where to poll."""
        most = conf.get("ROUTING_OPTIMIZATION_MAX_BODY_BYTES")
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > most:
            raise RequestTooLarge(
                f"The body has {size} bytes; at most {most} are accepted.", field="body"
            )
        response = self._create(request)
        if response.status_code == status.HTTP_202_ACCEPTED:
            # Set outside the idempotent handler so a replay carries it too.
            response["Location"] = response.data["url"]
        return response

    @idempotent
    def _create(self, request):
        partner = getattr(request.user, "partner", None)
        created = services.optimization_request_create(
            body=request.data, partner=partner, user=None if partner else request.user
        )
        return Response(_out(request, created), status=status.HTTP_202_ACCEPTED)


class OptimizationDetailApi(_OptimizationApi):
    required_scopes = {"GET": READ}

    @extend_schema(
        operation_id="optimizations_retrieve",
        responses=OptimizationOutput,
        examples=[
            OpenApiExample(
                "Succeeded",
                value={"status": "succeeded", "progress": 100, "result": OUTPUT_EXAMPLE},
                response_only=True,
            )
        ],
    )
    def get(self, request, public_id):
        """Status and progress; `result` holds VROOM's output once `status` is succeeded."""
        found = optimization_request_get(principal=request.user, public_id=public_id)
        return Response(_out(request, found))


class OptimizationCancelApi(_OptimizationApi):
    required_scopes = {"POST": WRITE}

    @extend_schema(operation_id="optimizations_cancel", request=None, responses=OptimizationOutput)
    def post(self, request, public_id):
        """Cancel: a queued request at once, a running one within about a second; a finished
        one answers 409."""
        found = optimization_request_get(principal=request.user, public_id=public_id)
        return Response(_out(request, services.optimization_request_cancel(request=found)))
