"""Windows that follow a day running late: arrivals later than the ETAs their customers were
shown move the rest of the day's windows later by a share of their time ahead, a
day whose arrivals match their ETAs keeps its drift, the drift is bounded and each morning
starts from the physics again."""

import datetime as dt

import pytest
from django.utils import timezone

from tracking.eta import ErrorWindows, EtaStop, HorizonWindow, etas_compute
from tracking.models import EtaErrorSample, EtaRecord
from tracking.services import route_etas_refresh, stop_reached_record
from tracking.services.eta.drift import (
    ARRIVAL_BOUNDS,
    DRIFT_BOUNDS,
    arrival_share,
    drift_current,
    drift_update,
)

from .conftest import stops_of

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
TODAY = dt.date(2026, 3, 4)
T0 = dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC)


class _TenMinutesALeg:
    def matrices(self, points, depart_s):
        import numpy as np

        class Matrices:
            duration_s = np.full((len(points), len(points)), 600)

        return Matrices()


def _record(*, eta, shift_s=0):
    return EtaRecord(eta=eta, eta_low=eta - 5 * M, eta_high=eta + 5 * M, shift_s=shift_s)


def test_the_drift_moves_the_window_not_the_point_eta_nor_the_vans_schedule():
    """A day running 10 % late: the window of the stop 50 min ahead moves 5 min later; the
    point ETA stays the van's arrival (the likeliest time), and so does its schedule."""
    stops = [
        EtaStop(key=k, point=(0.0, float(k)), service_s=1200 if k == 1 else 0) for k in (1, 2, 3)
    ]
    learned = (HorizonWindow(0, -600, 600), HorizonWindow(7200, -600, 600))

    def etas(windows):
        return etas_compute(
            origin=(0.0, 0.0), ready_at=T0, stops=stops, provider=_TenMinutesALeg(), tz=dt.UTC,
            now=T0, windows=windows,
        )  # fmt: skip

    plain = etas(ErrorWindows(learned))
    late = etas(ErrorWindows(learned, drift=0.1))

    assert [r.eta for r in plain] == [T0 + 10 * M, T0 + 40 * M, T0 + 50 * M]
    assert [r.eta for r in late] == [r.eta for r in plain]
    assert [(r.low, r.high) for r in late] == [
        (T0 + 1 * M, T0 + 21 * M),
        (T0 + 34 * M, T0 + 54 * M),
        (T0 + 45 * M, T0 + 65 * M),
    ]
    assert [r.departure for r in late] == [r.departure for r in plain]
    # Errors are learned against the drifted arrival: eta = model + shift_s.
    assert [r.shift_s for r in late] == [-60, -240, -300]


def test_an_arrivals_share_is_its_lateness_over_the_time_ahead_after_recentring():
    """Shown 10 and 20 min ahead, 3 and 6 min early (the second ETA re-centred 2 min earlier
    than the model's arrival): (3 + 4) / (10 + 20) min late per minute ahead."""
    arrived = T0 + 60 * M
    shown = [
        (600, _record(eta=arrived - 3 * M)),
        (1200, _record(eta=arrived - 6 * M, shift_s=-120)),
    ]
    assert arrival_share(arrived_at=arrived, shown=shown) == pytest.approx(7 / 30)
    # An ETA shown two hours before was given before today's drift moved: it does not count.
    older = [*shown, (7200, _record(eta=arrived - 60 * M))]
    assert arrival_share(arrived_at=arrived, shown=older) == pytest.approx(7 / 30)
    assert arrival_share(arrived_at=arrived, shown=[]) is None
    way_late = [(300, _record(eta=arrived - 60 * M))]
    assert arrival_share(arrived_at=arrived, shown=way_late) == ARRIVAL_BOUNDS[1]


def test_the_drift_integrates_arrivals_is_bounded_and_starts_afresh_each_morning(settings):
    settings.TRACKING_ETA_DRIFT_RATE = 0.05
    assert drift_current(day=TODAY) == 0.0
    drift_update(day=TODAY, share=0.2)
    drift_update(day=TODAY, share=0.2)
    assert drift_current(day=TODAY) == pytest.approx(0.02)
    # Arrivals on time against the drifted ETAs keep it; early ones take it back.
    drift_update(day=TODAY, share=0.0)
    assert drift_current(day=TODAY) == pytest.approx(0.02)
    drift_update(day=TODAY, share=-0.4)
    assert drift_current(day=TODAY) == pytest.approx(0.0)
    for _ in range(200):
        drift_update(day=TODAY, share=ARRIVAL_BOUNDS[1])
    assert drift_current(day=TODAY) == pytest.approx(DRIFT_BOUNDS[1])
    # Bounded where it is kept: the first early arrival brings it back at once.
    assert drift_update(day=TODAY, share=-0.2) < DRIFT_BOUNDS[1]
    assert drift_current(day=TODAY + DAY) == 0.0


def test_with_the_rate_at_zero_the_point_eta_does_not_drift(settings):
    settings.TRACKING_ETA_DRIFT_RATE = 0
    assert drift_update(day=TODAY, share=0.5) == 0.0
    settings.TRACKING_ETA_DRIFT_RATE = 0.05
    assert drift_current(day=TODAY) == 0.0


def test_vans_arriving_late_move_the_rest_of_the_days_windows_later(route, now, settings):
    """Two vans arrive 5 min after the ETA they were shown 20 min ahead: the window of the stop
    still to come ends later (its point ETA stays the van's arrival); its error samples are
    taken against the drifted model, so tomorrow's windows do not count today's drift twice;
    tomorrow starts from the physics again."""
    settings.TRACKING_ETA_DRIFT_RATE = 0.05
    settings.TRACKING_ETA_ADAPT_RATE = 0
    a, b, c = stops_of(route)
    route_etas_refresh(route_id=route.pk, now=now)
    before = stops_of(route)[2]
    for stop in (a, b):
        EtaRecord.objects.create(
            stop=stop, computed_at=now - 20 * M, eta=now - 5 * M, eta_low=now - 10 * M,
            eta_high=now - 6 * M, horizon_s=900,
        )  # fmt: skip
        stop_reached_record(stop=stop, arrived_at=now)

    day = timezone.localtime(now).date()
    # Each: 5 min late at each of 5, 10, 15 and 20 min before (20 min late over 50 ahead).
    assert drift_current(day=day) == pytest.approx(2 * 0.05 * 20 / 50)
    route_etas_refresh(route_id=route.pk, now=now)
    after = stops_of(route)[2]
    ahead_s = (before.eta - now).total_seconds()
    moved = dt.timedelta(seconds=round(drift_current(day=day) * ahead_s))
    assert moved > dt.timedelta(0)
    assert after.eta == before.eta
    # At least the drift later (the prior window is a little wider that much further ahead).
    assert after.eta_high >= before.eta_high + moved
    assert after.eta_low > before.eta_low

    # A van arriving at the drifted time was right on the model: no error to learn from.
    # Both refreshes ran at `now`: the newest row is the one written last.
    record = EtaRecord.objects.filter(stop=c).order_by("computed_at", "pk").last()
    assert record.shift_s == -moved.total_seconds()
    EtaRecord.objects.filter(stop=c).exclude(pk=record.pk).delete()
    stop_reached_record(stop=c, arrived_at=after.eta + moved)
    errors = EtaErrorSample.objects.filter(stop=c).values_list("error_s", "shift_s")
    assert errors and {e + s for e, s in errors} == {0}
    assert drift_current(day=day + dt.timedelta(days=1)) == 0.0
