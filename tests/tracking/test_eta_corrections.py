"""What the ETA engine corrects for beyond travel and service: planned breaks, the median
error at each horizon (re-centring), the speed ratio of each leg's own departure hour, and
ETAs from the moment a plan is published."""

import datetime as dt

import pytest
from django.utils import timezone

from routing.models import Plan, PlanStatus, StopStatus
from routing.services import plan_publish
from tracking.eta import (
    ErrorWindows,
    EtaBreak,
    EtaStop,
    HorizonWindow,
    breaks_pending,
    etas_compute,
)
from tracking.models import EtaErrorSample, EtaRecord
from tracking.services import eta_windows_refresh, route_etas_refresh, stop_reached_record

from .conftest import stops_of

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
T0 = dt.datetime(2026, 3, 2, 8, 40, tzinfo=dt.UTC)


class HourlyProvider:
    """Every leg takes `minutes[hour]` minutes when it departs in that (UTC) hour; records
    the departure times it was asked for."""

    def __init__(self, minutes: dict[int, int]):
        self.minutes, self.asked = minutes, []

    def matrices(self, points, depart_s):
        import numpy as np

        from routing.solver import Matrices

        self.asked.append(depart_s)
        n = len(points)
        duration = np.full((n, n), self.minutes[(depart_s // 3600) % 24] * 60)
        return Matrices(np.zeros((n, n)), duration)


def two_stops():
    return [
        EtaStop(key=1, point=(0.0, 1.0), service_s=0),
        EtaStop(key=2, point=(0.0, 2.0), service_s=0),
    ]


# --- breaks -----------------------------------------------------------------------------------


def test_break_is_taken_after_the_stop_during_which_it_falls_due(route, now):
    """Depot → A 10 min (service 5, leaves +15); a 30 min break due at +12 is taken after A,
    so B is reached at +15 + 30 + 15 = +60 and C at +60 + 5 + 10 = +75 (not +30 and +45)."""
    route.breaks = [{"start": (now + 12 * M).isoformat(), "duration_s": 1800}]
    route.save(update_fields=["breaks"])

    route_etas_refresh(route_id=route.pk, now=now)

    a, b, c = stops_of(route)
    assert (a.eta, b.eta, c.eta) == (now + 10 * M, now + 60 * M, now + 75 * M)


def test_break_due_later_in_the_route_only_delays_the_stops_after_it(route, now):
    """Due at +32: B is left at +35, so the break comes after B and only C moves (+75)."""
    route.breaks = [{"start": (now + 32 * M).isoformat(), "duration_s": 1800}]
    route.save(update_fields=["breaks"])

    route_etas_refresh(route_id=route.pk, now=now)

    a, b, c = stops_of(route)
    assert (a.eta, b.eta, c.eta) == (now + 10 * M, now + 30 * M, now + 75 * M)


def test_driver_on_the_break_taken_at_the_last_stop_leaves_when_it_ends(route, now):
    """A left at +15 with the break due (+12): at +20 the van is still on its break until +45,
    so B is +60, not +20 + 15 = +35; the break is not counted a second time for C."""
    route.breaks = [{"start": (now + 12 * M).isoformat(), "duration_s": 1800}]
    route.status = "in_progress"
    route.save(update_fields=["breaks", "status"])
    a = stops_of(route)[0]
    a.status, a.arrived_at, a.departed_at = StopStatus.DELIVERED, now + 10 * M, now + 15 * M
    a.save(update_fields=["status", "arrived_at", "departed_at"])

    route_etas_refresh(route_id=route.pk, now=now + 20 * M)

    _a, b, c = stops_of(route)
    assert (b.eta, c.eta) == (now + 60 * M, now + 75 * M)


def test_driver_at_a_stop_takes_the_break_due_by_the_end_of_its_service(route, now):
    """At A since +10 (service until +15) with the break due at +12: the break comes before
    the drive to B (+15 + 30 + 15 = +60), not after B."""
    route.breaks = [{"start": (now + 12 * M).isoformat(), "duration_s": 1800}]
    route.status = "in_progress"
    route.save(update_fields=["breaks", "status"])
    a = stops_of(route)[0]
    a.status, a.arrived_at = StopStatus.ARRIVED, now + 10 * M
    a.save(update_fields=["status", "arrived_at"])

    route_etas_refresh(route_id=route.pk, now=now + 11 * M)

    _a, b, c = stops_of(route)
    assert (b.eta, c.eta) == (now + 60 * M, now + 75 * M)


def test_a_van_early_at_a_stop_leaves_a_service_time_after_its_window_opens(route, now):
    """At A since +10 while A's window opens at +30: service runs +30..+35, so B is +50 and C
    +65 (not +30 and +45 counted from the arrival), and they stay so while the van waits."""
    a = stops_of(route)[0]
    a.window_start = now + 30 * M
    a.status, a.arrived_at = StopStatus.ARRIVED, now + 10 * M
    a.save(update_fields=["window_start", "status", "arrived_at"])

    for at in (now + 11 * M, now + 25 * M):
        route_etas_refresh(route_id=route.pk, now=at)
        _a, b, c = stops_of(route)
        assert (b.eta, c.eta) == (now + 50 * M, now + 65 * M)


def test_a_van_at_a_stop_whose_window_is_open_leaves_a_service_time_after_arriving(route, now):
    """A's window opened before the van came (+10): it leaves at +15, B at +30."""
    a = stops_of(route)[0]
    a.status, a.arrived_at = StopStatus.ARRIVED, now + 10 * M
    a.save(update_fields=["status", "arrived_at"])

    route_etas_refresh(route_id=route.pk, now=now + 11 * M)

    _a, b, c = stops_of(route)
    assert (b.eta, c.eta) == (now + 30 * M, now + 45 * M)


def test_a_break_planned_before_the_route_starts_is_not_on_the_road(route, now):
    """The optimiser may place the break while the van still waits at the depot: it delays
    nothing (C at +45, as without a break)."""
    route.breaks = [{"start": (now - 20 * M).isoformat(), "duration_s": 1800}]
    route.save(update_fields=["breaks"])

    route_etas_refresh(route_id=route.pk, now=now)

    assert [s.eta for s in stops_of(route)] == [now + 10 * M, now + 30 * M, now + 45 * M]


def _drive_a_b_c(route, now):
    """Start at `now`; A reached at +10 and left at +15, B reached at +60 and left at +65, C
    reached at +85."""
    from tracking.services import route_start, stop_arrive, stop_deliver

    route_start(route=route, now=now)
    a, b, c = stops_of(route)
    stop_arrive(stop=a, at=now + 10 * M)
    stop_deliver(stop=a, recipient_name="Ann", at=now + 15 * M)
    stop_arrive(stop=b, at=now + 60 * M)
    stop_deliver(stop=b, recipient_name="Bob", at=now + 65 * M)
    stop_arrive(stop=c, at=now + 85 * M)
    return a, b, c


def test_a_break_taken_before_a_leg_is_not_counted_as_driving(route, now):
    """A left at +15 with the 30 min break due (+12); B reached at +60. The leg A → B (15 min
    in the model) took 15 minutes of driving after the break, not 45: its speed sample is
    15/15, and C's leg, driven twice as slowly without a break, 20/10."""
    from tracking.models import LegSample

    route.breaks = [{"start": (now + 12 * M).isoformat(), "duration_s": 1800}]
    route.save(update_fields=["breaks"])
    a, b, c = _drive_a_b_c(route, now)

    legs = {leg.stop_id: (leg.actual_s, leg.predicted_s) for leg in LegSample.objects.all()}
    assert legs == {a.pk: (600, 600), b.pk: (900, 900), c.pk: (1200, 600)}


def test_a_leg_with_an_incident_is_not_learned_from(route, now, settings):
    """A's leg (10 min in the model) took 10; B's (15 min) took 45, three times the model: an
    incident, not the hour's traffic or the driver's pace, so it sets no speed ratio; C's (10
    min) took 20, twice the model, and is learned from. Above TRACKING_ETA_LEG_MAX_RATIO (2.5)
    every next leg would otherwise have looked slower than it typically is."""
    from tracking.models import LegSample
    from tracking.services import stop_deliver

    a, b, c = _drive_a_b_c(route, now)
    legs = {leg.stop_id: (leg.actual_s, leg.predicted_s) for leg in LegSample.objects.all()}
    assert legs == {a.pk: (600, 600), c.pk: (1200, 600)}

    settings.TRACKING_ETA_LEG_MAX_RATIO = 4
    LegSample.objects.all().delete()
    stop_deliver(stop=c, recipient_name="Cy", at=now + 90 * M)
    from tracking.services.eta.learning import _leg_record

    for stop in (a, b, c):
        stop.refresh_from_db()
        _leg_record(stop=stop, arrived_at=stop.arrived_at)
    assert LegSample.objects.filter(stop=b).values_list("actual_s", flat=True).get() == 2700


def test_breaks_already_taken_are_not_scheduled_again():
    nine = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    rows = [
        {"start": (nine + 60 * M).isoformat(), "duration_s": 900},
        {"start": (nine + 240 * M).isoformat(), "duration_s": 1800},
    ]
    # Nothing done yet: both ahead.
    assert breaks_pending(rows, departures=[]) == (
        [EtaBreak(nine + 60 * M, 900), EtaBreak(nine + 240 * M, 1800)],
        None,
    )
    # The first fell due at the stop left at 10:05 (the one before was left at 9:50): taken
    # there, running until 10:20; the second is still ahead.
    assert breaks_pending(rows, departures=[nine + 50 * M, nine + 65 * M]) == (
        [EtaBreak(nine + 240 * M, 1800)],
        nine + 80 * M,
    )
    # Another stop done since: the first break is history.
    pending, resume = breaks_pending(rows, departures=[nine + 50 * M, nine + 65 * M, nine + 95 * M])
    assert (pending, resume) == ([EtaBreak(nine + 240 * M, 1800)], None)


# --- re-centring on the median error ----------------------------------------------------------


def _samples(stop, *, errors, shift_s=0, horizon_s=600):
    """Errors measured yesterday (today's windows are cut from earlier days only)."""
    EtaErrorSample.objects.bulk_create(
        [
            EtaErrorSample(
                stop=stop,
                horizon_s=horizon_s,
                error_s=e - shift_s,
                shift_s=shift_s,
                arrived_at=timezone.now() - dt.timedelta(days=1),
            )
            for e in errors
        ]
    )


def test_point_eta_moves_to_the_median_error_and_the_window_stays_on_the_errors(
    route, now, settings
):
    """40 past arrivals 10 min ahead were 100, 110, ..., 490 s later than predicted, yesterday:
    the median is 290 s (the 20th). Each weighs 0.5 and the arrival to come 1, so a window
    holds 80 % x 21 / 20 = 84 % of them: the central one runs from the first past 8 % (the 4th,
    130 s) to the first past 92 % (the 37th, 460 s); the asymmetric ones are no narrower. A
    (model arrival +10 min) is shown at +10 min + 290 s, between +10 min + 130 s and + 460 s."""
    settings.TRACKING_ETA_RECENTRE = True
    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 1
    _samples(stops_of(route)[2], errors=range(100, 500, 10))
    window = next(w for w in eta_windows_refresh() if w.horizon_from_s == 600)
    assert (window.low_s, window.centre_s, window.high_s) == (130, 290, 460)

    route_etas_refresh(route_id=route.pk, now=now)

    a = stops_of(route)[0]
    model = now + 10 * M
    assert a.eta == model + dt.timedelta(seconds=290)
    assert (a.eta_low, a.eta_high) == (
        model + dt.timedelta(seconds=130),
        model + dt.timedelta(seconds=460),
    )
    record = EtaRecord.objects.get(stop=a)
    assert record.shift_s == 290


def test_learning_uses_the_model_error_so_the_centre_does_not_drift_back(route, settings):
    """Errors of re-centred ETAs (shown ETA already 295 s later) are stored with their shift:
    the learned centre stays at 290 s instead of collapsing towards 0."""
    settings.TRACKING_ETA_RECENTRE = True
    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 1
    _samples(stops_of(route)[2], errors=range(100, 500, 10), shift_s=295)
    window = next(w for w in eta_windows_refresh() if w.horizon_from_s == 600)
    assert window.centre_s == 290


def test_recentring_is_off_by_default_the_window_still_follows_the_errors(route, now, settings):
    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 1
    _samples(stops_of(route)[2], errors=range(100, 500, 10))
    eta_windows_refresh()

    route_etas_refresh(route_id=route.pk, now=now)

    a = stops_of(route)[0]
    assert a.eta == now + 10 * M
    assert a.eta_high == now + 10 * M + dt.timedelta(seconds=460)


def test_reached_stop_scores_the_shown_eta_and_keeps_its_shift(route, now):
    """One ETA given at `now` for +10 min, reached at +13 min: it was the ETA in force 5 and
    10 minutes before the arrival, each a sample of +180 s at that horizon."""
    a = stops_of(route)[0]
    EtaRecord.objects.create(
        stop=a, computed_at=now, eta=now + 10 * M, eta_low=now, eta_high=now + 20 * M,
        horizon_s=600, shift_s=120,
    )  # fmt: skip
    stop_reached_record(stop=a, arrived_at=now + 13 * M)
    samples = EtaErrorSample.objects.filter(stop=a).order_by("horizon_s")
    assert [(s.horizon_s, s.error_s, s.shift_s) for s in samples] == [
        (300, 180, 120),
        (600, 180, 120),
    ]
    assert EtaRecord.objects.get(stop=a).error_s == 180  # the customer's error: what KPIs use


def test_each_sample_is_the_eta_in_force_at_its_moment(route, now):
    """Two ETAs: +10 min given at `now`, +20 min given at +8 min; reached at +24 min. 5, 10
    and 15 minutes before (+19, +14, +9) the second was in force (4 min early), 20 minutes
    before (+4) the first (14 min early); nothing was shown 25 minutes before."""
    a = stops_of(route)[0]
    for given, eta in ((0, 10), (8, 20)):
        EtaRecord.objects.create(
            stop=a, computed_at=now + given * M, eta=now + eta * M, eta_low=now,
            eta_high=now + 30 * M, horizon_s=(eta - given) * 60,
        )  # fmt: skip
    stop_reached_record(stop=a, arrived_at=now + 24 * M)
    samples = EtaErrorSample.objects.filter(stop=a).order_by("horizon_s")
    assert [(s.horizon_s // 60, s.error_s // 60) for s in samples] == [
        (5, 4),
        (10, 4),
        (15, 4),
        (20, 14),
    ]


def test_a_bias_growing_with_horizon_does_not_widen_long_windows_both_ways():
    """Short horizon: errors between -2 and +2 min around 0. Two hours: between +5 and +25 min,
    median +15. Re-centred, the long window is ±10 min around ETA + 15 min; without
    re-centring it is +5..+25 min from the ETA, which stays inside it at 2 minutes' margin."""
    points = (HorizonWindow(600, -120, 120, 0), HorizonWindow(7200, 300, 1500, 900))
    recentred = ErrorWindows(points, recentre=True)
    assert recentred.centre(9000) == 900
    assert recentred.offsets(9000) == (-600, 600)
    plain = ErrorWindows(points)
    assert plain.centre(9000) == 0
    assert plain.offsets(9000) == (-120, 1500)


# --- speed by each leg's own departure hour ---------------------------------------------------


def test_each_leg_uses_the_provider_and_ratio_of_its_own_departure_hour():
    """Leaving at 8:40, the first leg (30 min at 8 h, ratio 1.0) arrives 9:10; the second leaves
    in the 9 h rush (40 min, ratio 1.5): 60 min, arriving 10:10. With 8 h for both legs it
    would have been 9:40."""
    provider = HourlyProvider({8: 30, 9: 40})
    ratios = {8: 1.0, 9: 1.5}
    first, second = etas_compute(
        origin=(0.0, 0.0),
        ready_at=T0,
        stops=two_stops(),
        provider=provider,
        tz=dt.UTC,
        now=T0,
        speed_ratio=lambda hour: ratios[hour],
    )
    assert first.eta == dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC)
    assert second.eta == dt.datetime(2026, 3, 2, 10, 10, tzinfo=dt.UTC)
    # One provider call per departure hour, not per leg.
    assert sorted(provider.asked) == [8 * 3600, 9 * 3600]


def test_a_constant_ratio_still_applies_to_every_leg():
    first, second = etas_compute(
        origin=(0.0, 0.0),
        ready_at=T0,
        stops=two_stops(),
        provider=HourlyProvider({8: 10, 9: 10}),
        tz=dt.UTC,
        now=T0,
        speed_ratio=2.0,
    )
    assert (first.eta - T0, second.eta - T0) == (20 * M, 40 * M)


# --- ETAs from publication --------------------------------------------------------------------


def test_publishing_a_plan_gives_its_stops_etas_before_the_route_starts(
    make_route, matrix_provider, now, django_capture_on_commit_callbacks
):
    route = make_route(start=now + 60 * M, status="packed")
    Plan.objects.filter(pk=route.plan_id).update(status=PlanStatus.READY, published_at=None)
    assert all(s.eta is None for s in stops_of(route))

    with django_capture_on_commit_callbacks(execute=True):
        plan_publish(plan=Plan.objects.get(pk=route.plan_id))

    a, b, c = stops_of(route)
    assert (a.eta, b.eta, c.eta) == (now + 70 * M, now + 90 * M, now + 105 * M)
    assert a.eta_low < a.eta < a.eta_high


def test_speed_priors_of_every_hour_are_learned_at_once(
    make_route, matrix_provider, now, driver, django_assert_num_queries
):
    """Three legs of another route by the same driver took twice the model's time at 9 h.
    All legs: 2x on 3 legs, shrunk towards 1 with weight 10: 16/13. The 9 h traffic: 2x on 3
    legs shrunk towards that with weight 5; any other hour: 16/13. The driver's own pace
    against the 9 h traffic, shrunk towards 1 with weight 8, multiplies both. Asking for one
    hour caches all 24, so a leg that later departs in another hour costs no query."""
    from tests.factories import DriverFactory
    from tracking.models import LegSample
    from tracking.services.eta.learning import hour_prior

    route, other = make_route(), make_route(code="VAN2", route_driver=DriverFactory())
    LegSample.objects.bulk_create(
        [
            LegSample(
                route=other, driver=driver, stop=stop, hour=9, predicted_s=600, actual_s=1200,
                at=now,
            )
            for stop in stops_of(other)
        ]
    )  # fmt: skip
    overall = (3 * 2 + 10) / 13
    nine = (3 * 2 + 5 * overall) / 8
    pace = (3 * 2 / nine + 8) / 11
    assert hour_prior(route=route, hour=9, now=now, known={}) == pytest.approx(nine * pace)
    with django_assert_num_queries(0):
        assert hour_prior(route=route, hour=14, now=now, known={}) == pytest.approx(overall * pace)
