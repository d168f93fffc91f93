"""Picking and packing: pick waves, picking into the dispatch location, parcels."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from core.exceptions import (
    Conflict,
    DomainError,
    ValidationFailed,
    assert_transition,
)
from core.references import reference_next
from inventory.models import Location, Warehouse
from inventory.services import (
    stock_pick,
)
from orders.models import (
    CustomerOrder,
    OrderEvent,
    OrderLine,
    Parcel,
    PickWave,
)
from orders.services.cleaning import (
    decimal_clean,
    warehouse_clean,
)
from orders.services.common import (
    FALLBACK_UNIT_VOLUME_M3,
    FALLBACK_UNIT_WEIGHT_KG,
    MAX_PARCELS,
    ORDER_TRANSITIONS,
    PARCEL_MAX_VOLUME_M3,
    PARCEL_MAX_WEIGHT_KG,
    S,
    acting_user,
    order_event_add,
    order_lines,
    order_lock,
    order_move,
    order_sync,
)

WAVE_STALE = timedelta(minutes=10)
WAVE_TRANSITIONS = {
    PickWave.Status.OPEN: {PickWave.Status.PICKING},
    PickWave.Status.PICKING: {PickWave.Status.DONE, PickWave.Status.OPEN},
    PickWave.Status.DONE: set(),
}


def dispatch_location(warehouse: Warehouse) -> Location:
    location = (
        Location.objects.filter(warehouse=warehouse, kind=Location.Kind.DISPATCH, is_active=True)
        .order_by("code")
        .first()
    )
    if location is None:
        raise ValidationFailed(
            f"Warehouse {warehouse.code} has no active dispatch location to pick into.",
            field="warehouse",
            code="no_dispatch_location",
        )
    return location


@transaction.atomic
def pick_wave_create(
    *, warehouse: Warehouse, orders: Iterable[CustomerOrder] | None = None, user=None
) -> PickWave:
    """Group confirmed, not yet waved orders of one warehouse into a pick wave (one pick list).

    Without `orders`, takes every such order, earliest window first.
    """
    warehouse = warehouse_clean(warehouse)
    qs = CustomerOrder.objects.select_for_update(of=("self",)).filter(
        warehouse=warehouse, status=S.CONFIRMED, pick_wave__isnull=True
    )
    if orders is not None:
        qs = qs.filter(pk__in=[o.pk for o in orders])
    chosen = list(qs.order_by("window_start", "pk"))
    if not chosen:
        raise ValidationFailed(
            f"No confirmed orders waiting to be picked in {warehouse.code}.",
            field="orders",
            code="empty",
        )
    wave = PickWave.objects.create(
        reference=reference_next(prefix="WAVE"), warehouse=warehouse, created_by=acting_user(user)
    )
    CustomerOrder.objects.filter(pk__in=[o.pk for o in chosen]).update(
        pick_wave=wave, updated_at=timezone.now()
    )
    for order in chosen:
        order.pick_wave = wave
        order_event_add(
            order=order,
            type=OrderEvent.Type.WAVED,
            message=f"Added to pick wave {wave.reference}.",
            user=user,
            publish_event=False,
        )
    return wave


@transaction.atomic
def order_pick(
    *, order: CustomerOrder, user=None, to_location: Location | None = None
) -> CustomerOrder:
    """confirmed → picked: every reserved unit moves to the dispatch location, still reserved."""
    locked = order_lock(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.PICKED, what="order")
    to_location = to_location or dispatch_location(locked.warehouse)
    lines = order_lines(locked)
    for line in lines:
        if line.quantity_reserved <= 0:
            continue
        stock_pick(demand_ref=line.demand_ref, to_location=to_location, user=acting_user(user))
        line.quantity_picked = line.quantity_reserved
    OrderLine.objects.bulk_update(lines, ["quantity_picked"])
    order_move(locked, S.PICKED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PICKED,
        message=f"Picked to {to_location}.",
        data={"units": sum(line.quantity_picked for line in lines)},
        user=user,
    )
    return order_sync(order, locked)


def pick_wave_start(*, wave: PickWave, user=None) -> PickWave:
    """open → picking: record the wave as picked in the background (`pick_wave_complete` in a
    Celery task after commit), counting the orders still to pick. Only one run at a time: the
    move is one conditional UPDATE, so a second click while it runs is refused with a 409
    (Conflict) and books nothing, and a done wave cannot start again (InvalidTransition). A
    run that counted no order for WAVE_STALE (its task was lost) may be started again."""
    to_pick = wave.orders.filter(status=S.CONFIRMED).count()
    now = timezone.now()
    # A run that made no progress for WAVE_STALE (its task was lost) may be started again.
    startable = Q(status=PickWave.Status.OPEN) | Q(
        status=PickWave.Status.PICKING, updated_at__lt=now - WAVE_STALE
    )
    with transaction.atomic():
        moved = PickWave.objects.filter(startable, pk=wave.pk).update(
            status=PickWave.Status.PICKING,
            orders_to_pick=to_pick,
            orders_picked=0,
            error="",
            updated_at=now,
        )
        wave.refresh_from_db()
        if not moved:
            if wave.status == PickWave.Status.PICKING:
                raise Conflict(f"{wave.reference} is already being picked.", code="already_picking")
            assert_transition(
                WAVE_TRANSITIONS,
                current=wave.status,
                target=PickWave.Status.PICKING,
                what="pick wave",
            )
        from orders.tasks import pick_wave_complete_task

        user_id = getattr(acting_user(user), "pk", None)
        transaction.on_commit(lambda: pick_wave_complete_task.delay(wave.pk, user_id), robust=True)
    return wave


def pick_wave_complete(*, wave: PickWave, user=None) -> PickWave:
    """Pick every still-confirmed order of the wave, one order per transaction, counting them
    on the wave as they go (the page shows the progress); then close it (picking → done).

    An order that cannot be picked (no stock left where it was reserved, no dispatch location)
    stops the run: the wave goes back to open with the order and the reason in `error` and the
    DomainError is raised; the orders picked so far stay picked, so recording it again after the
    fix picks the rest. Safe to repeat and to run twice at once: each order is picked under its
    row lock only while it is still confirmed."""
    wave = PickWave.objects.get(pk=wave.pk)
    if wave.status == PickWave.Status.DONE:
        return wave
    if wave.status == PickWave.Status.OPEN:  # called directly, not through pick_wave_start
        PickWave.objects.filter(pk=wave.pk, status=PickWave.Status.OPEN).update(
            status=PickWave.Status.PICKING,
            orders_to_pick=wave.orders.filter(status=S.CONFIRMED).count(),
            orders_picked=0,
            error="",
        )
    ids = wave.orders.filter(status=S.CONFIRMED).order_by("pk").values_list("pk", flat=True)
    for pk in list(ids):
        order = None
        try:
            with transaction.atomic():
                order = CustomerOrder.objects.select_for_update(of=("self",)).get(pk=pk)
                if order.status != S.CONFIRMED:
                    continue
                order_pick(order=order, user=user)
                PickWave.objects.filter(pk=wave.pk).update(
                    orders_picked=F("orders_picked") + 1, updated_at=timezone.now()
                )
        except DomainError as error:
            pick_wave_stop(wave=wave, error=f"{order.reference}: {error.detail}")
            raise
    PickWave.objects.filter(pk=wave.pk, status=PickWave.Status.PICKING).update(
        status=PickWave.Status.DONE, completed_at=timezone.now(), error=""
    )
    wave.refresh_from_db()
    return wave


def pick_wave_stop(*, wave: PickWave, error: str) -> None:
    """A background run stopped: back to open (it may be recorded again), saying why."""
    PickWave.objects.filter(pk=wave.pk, status=PickWave.Status.PICKING).update(
        status=PickWave.Status.OPEN, error=error[:2000], updated_at=timezone.now()
    )


def parcels_default(*, order: CustomerOrder) -> list[dict]:
    """Parcels computed from product weight/volume, split at 30 kg or 0.25 m³ per parcel."""
    return parcels_for(
        (line.product, line.quantity_picked or line.quantity_reserved)
        for line in order.lines.select_related("product")
    )


def parcels_for(units_of) -> list[dict]:
    """The parcels `parcels_default` makes for (product, units) pairs."""
    weight = Decimal("0")
    volume = Decimal("0")
    for product, units in units_of:
        weight += units * (product.weight_kg or FALLBACK_UNIT_WEIGHT_KG)
        volume += units * (product.volume_m3 or FALLBACK_UNIT_VOLUME_M3)
    if weight <= 0 or volume <= 0:
        weight = max(weight, FALLBACK_UNIT_WEIGHT_KG)
        volume = max(volume, FALLBACK_UNIT_VOLUME_M3)
    count = max(
        1,
        math.ceil(weight / PARCEL_MAX_WEIGHT_KG),
        math.ceil(volume / PARCEL_MAX_VOLUME_M3),
    )
    count = min(count, MAX_PARCELS)
    each_w = (weight / count).quantize(Decimal("0.001"))
    each_v = (volume / count).quantize(Decimal("0.000001"))
    return [
        {"weight_kg": max(each_w, Decimal("0.001")), "volume_m3": max(each_v, Decimal("0.000001"))}
        for _ in range(count)
    ]


def _parcels_clean(parcels: list[dict]) -> list[tuple[Decimal, Decimal]]:
    if not parcels:
        raise ValidationFailed("Give at least one parcel.", field="parcels", code="required")
    if len(parcels) > MAX_PARCELS:
        raise ValidationFailed(f"At most {MAX_PARCELS} parcels.", field="parcels")
    out = []
    for index, parcel in enumerate(parcels):
        weight = decimal_clean(
            parcel.get("weight_kg"), field=f"parcels[{index}].weight_kg", places="0.001"
        )
        volume = decimal_clean(
            parcel.get("volume_m3"), field=f"parcels[{index}].volume_m3", places="0.000001"
        )
        if weight is None or not Decimal("0") < weight <= Decimal("1000"):
            raise ValidationFailed(
                "Weight must be above 0 and at most 1000 kg.", field=f"parcels[{index}].weight_kg"
            )
        if volume is None or not Decimal("0") < volume <= Decimal("10"):
            raise ValidationFailed(
                "Volume must be above 0 and at most 10 m³.", field=f"parcels[{index}].volume_m3"
            )
        out.append((weight, volume))
    return out


@transaction.atomic
def order_pack(
    *, order: CustomerOrder, parcels: list[dict] | None = None, user=None
) -> CustomerOrder:
    """picked → packed: record parcels (weight, volume, label); default from product data."""
    locked = order_lock(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.PACKED, what="order")
    clean = _parcels_clean(parcels if parcels is not None else parcels_default(order=locked))
    start = locked.parcels.count()
    Parcel.objects.bulk_create(
        [
            Parcel(
                order=locked,
                label_code=f"{locked.reference}-{start + i + 1:02d}",
                weight_kg=weight,
                volume_m3=volume,
            )
            for i, (weight, volume) in enumerate(clean)
        ]
    )
    order_move(locked, S.PACKED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PACKED,
        message=f"Packed into {len(clean)} parcel{pluralize(len(clean))}.",
        data={
            "parcels": len(clean),
            "weight_kg": sum(w for w, _ in clean),
            "volume_m3": sum(v for _, v in clean),
        },
        user=user,
    )
    return order_sync(order, locked)
