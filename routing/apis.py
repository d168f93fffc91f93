"""Routing API: plans, optimisation jobs, routes and stops (`/api/v1/plans/`, `/jobs/`,
`/routes/`, `/stops/`).

Dispatchers (staff sessions) only. Partner API keys get 403 on every routing endpoint: routes
mix many partners' orders, so none of it is partner data (partners follow their own orders
through `/api/v1/orders/` and tracking). Plans are addressed by their reference
(`PLN-2026-000001`); jobs, routes and stops by id.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from core.idempotency import idempotent
from core.permissions import HasScope
from core.roles import Role
from inventory.models import Warehouse
from orders.models import CustomerOrder, Return
from routing import services
from routing.filters import PlanFilter, RouteFilter
from routing.models import Engine, OptimizationJob, Plan, Route, Shift, Stop


class DispatcherApi(APIView):
    permission_classes = [HasScope]
    required_scopes: dict = {}  # no partner scope opens these endpoints
    allowed_roles = [Role.DISPATCHER]
    parser_classes = [JSONParser]


# --- output -------------------------------------------------------------------------------------


class JobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(source="plan.reference")
    kind = serializers.CharField()
    status = serializers.CharField()
    progress_pct = serializers.IntegerField()
    best_cost = serializers.FloatField(allow_null=True)
    elapsed_s = serializers.FloatField()
    time_limit_s = serializers.FloatField()
    requested_engine = serializers.CharField()
    engine = serializers.CharField(help_text="The engine(s) that found the plan kept.")
    error = serializers.CharField()
    unassigned = serializers.ListField(child=serializers.DictField())
    cancel_requested = serializers.BooleanField()
    parts = serializers.IntegerField()
    stats = serializers.DictField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class StopOutput(serializers.Serializer):
    id = serializers.IntegerField()
    route = serializers.IntegerField(source="route_id")
    kind = serializers.SerializerMethodField()
    order = serializers.CharField(source="order.reference")
    return_reference = serializers.CharField(
        source="ret.reference", allow_null=True, default=None, help_text="Pickups: the return."
    )
    sequence = serializers.IntegerField()
    status = serializers.CharField()
    address = serializers.CharField(source="order.address")
    latitude = serializers.DecimalField(
        source="order.latitude", max_digits=9, decimal_places=6, allow_null=True
    )
    longitude = serializers.DecimalField(
        source="order.longitude", max_digits=9, decimal_places=6, allow_null=True
    )
    planned_arrival = serializers.DateTimeField()
    planned_start = serializers.DateTimeField()
    planned_departure = serializers.DateTimeField()
    window_start = serializers.DateTimeField(allow_null=True)
    window_end = serializers.DateTimeField(allow_null=True)
    eta = serializers.DateTimeField(allow_null=True)
    eta_low = serializers.DateTimeField(allow_null=True)
    eta_high = serializers.DateTimeField(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True)
    departed_at = serializers.DateTimeField(allow_null=True)

    def get_kind(self, stop) -> str:
        return "pickup" if stop.is_pickup else "delivery"

    def to_representation(self, stop):
        data = super().to_representation(stop)
        if stop.is_pickup:  # where the van goes: the return's pickup address
            data["address"] = stop.ret.pickup_address
            data["latitude"] = str(stop.ret.pickup_latitude)
            data["longitude"] = str(stop.ret.pickup_longitude)
        return data


class RouteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(source="plan.reference")
    number = serializers.IntegerField(source="sequence")
    vehicle = serializers.CharField(source="vehicle.code")
    driver = serializers.CharField(source="driver.user.username", allow_null=True)
    status = serializers.CharField()
    is_locked = serializers.BooleanField()
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()
    distance_m = serializers.IntegerField()
    duration_s = serializers.IntegerField()
    load_weight_kg = serializers.DecimalField(max_digits=9, decimal_places=2)
    load_volume_m3 = serializers.DecimalField(max_digits=8, decimal_places=3)
    load_units = serializers.IntegerField()
    load_pct = serializers.DictField(child=serializers.IntegerField())
    breaks = serializers.ListField(child=serializers.DictField())
    stop_count = serializers.SerializerMethodField()

    def get_stop_count(self, route) -> int:
        return len(route.stops.all())


class PlanOutput(serializers.Serializer):
    reference = serializers.CharField()
    date = serializers.DateField()
    status = serializers.CharField()
    depots = serializers.SerializerMethodField()
    orders = serializers.SerializerMethodField()
    shifts = serializers.SerializerMethodField()
    returns = serializers.SerializerMethodField()
    minimise_vehicles = serializers.BooleanField()
    time_limit_s = serializers.IntegerField()
    engine = serializers.CharField()
    unassigned = serializers.ListField(child=serializers.DictField())
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_depots(self, plan) -> list[str]:
        return [d.code for d in plan.depots.all()]

    def get_orders(self, plan) -> list[str]:
        return [o.reference for o in plan.orders.all()]

    def get_shifts(self, plan) -> list[int]:
        return [s.pk for s in plan.shifts.all()]

    def get_returns(self, plan) -> list[str]:
        return [r.reference for r in plan.returns.all()]


def _plans():
    return Plan.objects.prefetch_related("depots", "orders", "shifts", "returns")


def _plan(reference: str) -> Plan:
    return get_object_or_404(_plans(), reference=reference)


# --- plans --------------------------------------------------------------------------------------


class PlanCollectionApi(generics.ListAPIView, DispatcherApi):
    """List plans (newest day first; `?date=YYYY-MM-DD` filters) or create a draft plan."""

    serializer_class = PlanOutput
    filterset_class = PlanFilter
    queryset = Plan.objects.none()

    class InputSerializer(serializers.Serializer):
        date = serializers.DateField()
        depots = serializers.ListField(child=serializers.CharField(), min_length=1)
        orders = serializers.ListField(child=serializers.CharField(), allow_empty=True)
        shifts = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
        returns = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="Returns to pick up (RMA references); omitted: every approved pickup "
            "waiting at the plan's depots.",
        )
        minimise_vehicles = serializers.BooleanField(default=False)
        time_limit_s = serializers.IntegerField(required=False)
        engine = serializers.ChoiceField(choices=Engine.choices, default=Engine.AUTO)

    def get_queryset(self):
        return _plans().order_by("-date", "-id")

    @extend_schema(
        operation_id="plans_create", request=InputSerializer, responses={201: PlanOutput}
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        depots = _resolve(Warehouse.objects.all(), "code", v["depots"], "depots")
        orders = _resolve(
            CustomerOrder.objects.select_related("warehouse"), "reference", v["orders"], "orders"
        )
        shifts = _resolve(
            Shift.objects.select_related("vehicle__depot", "driver__user"),
            "pk",
            v["shifts"],
            "shifts",
        )
        returns = None
        if "returns" in v:
            returns = _resolve(
                Return.objects.select_related("warehouse"), "reference", v["returns"], "returns"
            )
        plan = services.plan_create(
            date=v["date"],
            depots=depots,
            orders=orders,
            shifts=shifts,
            returns=returns,
            user=request.user,
            minimise_vehicles=v["minimise_vehicles"],
            time_limit_s=v.get("time_limit_s"),
            engine=v["engine"],
        )
        return Response(PlanOutput(_plan(plan.reference)).data, status=status.HTTP_201_CREATED)


def _resolve(queryset, field: str, keys: list, name: str) -> list:
    """Rows for `keys`, or a 400 naming the ones that do not exist."""
    rows = {getattr(r, field): r for r in queryset.filter(**{f"{field}__in": keys})}
    missing = [str(k) for k in keys if k not in rows]
    if missing:
        raise serializers.ValidationError({name: [f"Unknown: {', '.join(missing)}."]})
    return [rows[k] for k in dict.fromkeys(keys)]


class PlanDetailApi(DispatcherApi):
    @extend_schema(operation_id="plans_retrieve", responses=PlanOutput)
    def get(self, request, reference):
        return Response(PlanOutput(_plan(reference)).data)


class PlanOptimizeApi(DispatcherApi):
    """Start an optimisation job (202 with the job to poll). `kind=reoptimize` re-plans the
    unlocked part of a plan that already has routes (started stops never move)."""

    class InputSerializer(serializers.Serializer):
        time_limit_s = serializers.FloatField(required=False)
        kind = serializers.ChoiceField(
            choices=OptimizationJob.Kind.choices, default=OptimizationJob.Kind.OPTIMIZE
        )
        engine = serializers.ChoiceField(
            choices=Engine.choices,
            required=False,
            help_text="auto (default: the plan's engine), vroom, pyvrp or ortools.",
        )

    @extend_schema(
        operation_id="plans_optimize", request=InputSerializer, responses={202: JobOutput}
    )
    @idempotent
    def post(self, request, reference):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.plan_optimize(
            plan=_plan(reference),
            user=request.user,
            time_limit_s=data.validated_data.get("time_limit_s"),
            kind=data.validated_data["kind"],
            engine=data.validated_data.get("engine"),
        )
        job.refresh_from_db()
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class PlanPublicationOutput(serializers.Serializer):
    """A plan's publication in the background (routing.services.publication)."""

    plan = serializers.CharField()
    url = serializers.URLField()
    status = serializers.ChoiceField(choices=["queued", "running", "published", "failed"])
    done = serializers.IntegerField(help_text="Stops planned so far.")
    total = serializers.IntegerField(help_text="Stops to plan (0 until the task starts).")
    detail = serializers.CharField(allow_blank=True, help_text="Why it failed.")


def _publication_body(request, plan: Plan) -> dict | None:
    """The publication as the API shows it: the task's state while it is queued, running or
    failed; `published` once the plan is (whether or not through this API); None when none was
    asked for."""
    state = services.plan_publication_state(plan=plan)
    if plan.status == Plan.Status.PUBLISHED:
        stops = plan.stops.count()
        state = {"status": "published", "done": stops, "total": stops, "detail": ""}
    if state is None:
        return None
    url = reverse("routing-plan-publication", args=[plan.reference])
    return {
        "plan": plan.reference,
        "url": request.build_absolute_uri(url),
        "status": state["status"],
        "done": state.get("done", 0),
        "total": state.get("total", 0),
        "detail": state.get("detail", ""),
    }


class PlanPublishApi(DispatcherApi):
    """Publish in the background: refused at once (409) as publishing would refuse it, else
    queued; 202 with the publication to poll (`Location`). While one is queued or running,
    another POST answers it and queues nothing."""

    @extend_schema(
        operation_id="plans_publish", request=None, responses={202: PlanPublicationOutput}
    )
    @idempotent
    def post(self, request, reference):
        plan = _plan(reference)
        services.plan_publish_start(plan=plan, user=request.user)
        body = _publication_body(request, plan)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class PlanPublicationApi(DispatcherApi):
    """Where the plan's publication is: queued → running (`done` of `total` stops) →
    published, or failed (`detail`; nothing was published, POST publish again). 404 when no
    publication was asked for."""

    @extend_schema(operation_id="plans_publication", responses={200: PlanPublicationOutput})
    def get(self, request, reference):
        plan = get_object_or_404(Plan, reference=reference)
        body = _publication_body(request, plan)
        if body is None:
            raise NotFound(f"No publication of {reference} was asked for.")
        return Response(body)


# --- jobs ---------------------------------------------------------------------------------------


def _job(job_id: int) -> OptimizationJob:
    return get_object_or_404(OptimizationJob.objects.select_related("plan"), pk=job_id)


class JobDetailApi(DispatcherApi):
    """Poll a job: status, progress %, best cost so far, elapsed seconds, and when finished
    its engine, statistics, error or unassigned orders with reasons."""

    @extend_schema(operation_id="jobs_retrieve", responses=JobOutput)
    def get(self, request, job_id):
        return Response(JobOutput(_job(job_id)).data)


class JobCancelApi(DispatcherApi):
    @extend_schema(operation_id="jobs_cancel", request=None, responses=JobOutput)
    def post(self, request, job_id):
        job = services.job_cancel(job=_job(job_id))
        return Response(JobOutput(_job(job.pk)).data)


# --- routes and stops ---------------------------------------------------------------------------


def _routes():
    return Route.objects.select_related("plan", "vehicle", "driver__user").prefetch_related("stops")


class RouteListApi(generics.ListAPIView, DispatcherApi):
    """Routes, filtered by `?plan=<reference>` and/or `?date=YYYY-MM-DD`."""

    serializer_class = RouteOutput
    filterset_class = RouteFilter
    queryset = Route.objects.none()

    def get_queryset(self):
        return _routes().order_by("-id")


class RouteDetailApi(DispatcherApi):
    @extend_schema(operation_id="routes_retrieve", responses=RouteOutput)
    def get(self, request, route_id):
        return Response(RouteOutput(get_object_or_404(_routes(), pk=route_id)).data)


class RouteLockApi(DispatcherApi):
    class InputSerializer(serializers.Serializer):
        is_locked = serializers.BooleanField()

    @extend_schema(operation_id="routes_lock", request=InputSerializer, responses=RouteOutput)
    def post(self, request, route_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        route = get_object_or_404(Route, pk=route_id)
        services.route_lock(route=route, is_locked=data.validated_data["is_locked"])
        return Response(RouteOutput(get_object_or_404(_routes(), pk=route_id)).data)


class RouteStopListApi(DispatcherApi):
    @extend_schema(operation_id="routes_stops_list", responses=StopOutput(many=True))
    def get(self, request, route_id):
        route = get_object_or_404(Route, pk=route_id)
        stops = Stop.objects.filter(route=route).select_related("order", "ret").order_by("sequence")
        return Response(StopOutput(stops, many=True).data)


class StopMoveApi(DispatcherApi):
    """Move a planned stop to `position` (1-based) of `route`. The move is checked first;
    infeasible answers 422 with one error per reason. Moving an order out for delivery, or
    putting the stop ahead of one, answers 409 unless `override` is true with a `reason`
    (recorded on those orders' timelines). `dry_run` only reports the check, the orders out
    for delivery it touches and the new times of both routes."""

    class InputSerializer(serializers.Serializer):
        route = serializers.IntegerField()
        position = serializers.IntegerField(min_value=1)
        dry_run = serializers.BooleanField(default=False)
        override = serializers.BooleanField(default=False)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class CheckOutput(serializers.Serializer):
        feasible = serializers.BooleanField()
        reasons = serializers.ListField(child=serializers.CharField())
        out_for_delivery = serializers.ListField(child=serializers.CharField())
        routes = serializers.DictField()

    @extend_schema(operation_id="stops_move", request=InputSerializer, responses=StopOutput)
    @idempotent
    def post(self, request, stop_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        stop = get_object_or_404(Stop.objects.select_related("plan", "route"), pk=stop_id)
        route = Route.objects.filter(pk=v["route"]).first()
        if route is None:
            raise serializers.ValidationError({"route": [f"Unknown route {v['route']}."]})
        if v["dry_run"]:
            check = services.stop_move_check(stop=stop, route=route, position=v["position"])
            body = {
                "feasible": check.feasible,
                "reasons": check.reasons,
                "out_for_delivery": [s.order.reference for s in check.out_for_delivery],
                "routes": {code: check.times(code) for code in check.routes},
            }
            return Response(self.CheckOutput(body).data)
        stop = services.stop_move(
            stop=stop,
            route=route,
            position=v["position"],
            user=request.user,
            override=v["override"],
            reason=v["reason"],
        )
        stop = Stop.objects.select_related("order", "ret").get(pk=stop.pk)
        return Response(StopOutput(stop).data)
