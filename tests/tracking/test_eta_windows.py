"""ETA windows cut once a day from earlier days' errors only (split conformal, per horizon):
what a customer is promised today never learned from today's arrivals, holds the coverage
setting on a known error distribution, falls back to the prior while too few arrivals were
measured, and the daily refresh can run any number of times."""

import datetime as dt
import random

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError
from django.utils import timezone

from tracking import tasks
from tracking.eta import ErrorWindows, HorizonWindow, prior_half_width_s
from tracking.models import EtaErrorSample, EtaWindow
from tracking.services import eta_windows_current, eta_windows_refresh, route_etas_refresh

from .conftest import stops_of

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


def _samples(stops, errors, *, arrived_at, horizon_s=600):
    """Error samples spread over `stops` (one arrival each), all `horizon_s` ahead."""
    EtaErrorSample.objects.bulk_create(
        [
            EtaErrorSample(
                stop=stops[k % len(stops)], horizon_s=horizon_s, error_s=e, arrived_at=arrived_at
            )
            for k, e in enumerate(errors)
        ]
    )


def _bucket(rows, horizon_from_s):
    return next(w for w in rows if w.horizon_from_s == horizon_from_s)


def test_errors_recorded_today_do_not_widen_todays_windows_until_tomorrow(route, now, settings):
    """Yesterday's arrivals were within ±1 min. Today's arrivals run 20 minutes late: the
    window promised for the rest of today stays ±1 min, even after the hourly refresh runs
    again; tomorrow's windows learn from today's errors."""
    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 3
    stops = stops_of(route)
    _samples(stops, [-60, -30, 0, 30, 60] * 8, arrived_at=now - DAY)
    eta_windows_refresh()
    before = eta_windows_current(now=now).offsets(600)
    assert before == (-120, 120)  # the measured ±60 s, widened to the 2-minute minimum

    _samples(stops, [1200] * 40, arrived_at=now)
    eta_windows_refresh()
    eta_windows_refresh(force=True)
    assert eta_windows_current(now=now).offsets(600) == before
    route_etas_refresh(route_id=route.pk, now=now)
    a = stops_of(route)[0]
    assert (a.eta_low, a.eta_high) == (a.eta - 2 * M, a.eta + 2 * M)

    tomorrow = timezone.localtime(now).date() + DAY
    window = _bucket(eta_windows_refresh(day=tomorrow), 600)
    # Today's 40 errors weigh twice yesterday's 40 (TRACKING_ETA_SAMPLE_HALF_LIFE_DAYS 1):
    # the 20-minute ones hold 2/3 of the weight, the window the rest of its 83 % from 0 s.
    assert (window.low_s, window.high_s) == (0, 1200)
    assert eta_windows_current(now=now + DAY).offsets(600) == (-120, 1200)


def test_the_window_holds_the_coverage_setting_on_a_known_error_distribution(route, settings):
    """Errors drawn from a skewed law (85 % around 0 with a 3-minute spread, 15 % late by
    5 to 25 minutes, like incidents): cut from 4,000 of yesterday's errors, the 80 % and 90 %
    windows hold 80 % and 90 % of 20,000 fresh errors from the same law (within 2.5 points:
    the calibration draw alone moves it by about 0.6 points, one standard deviation)."""
    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 3
    rng = random.Random(7)

    def draw(n):
        return [
            round(rng.gauss(0, 180) if rng.random() < 0.85 else rng.uniform(300, 1500))
            for _ in range(n)
        ]

    _samples(stops_of(route), draw(4000), arrived_at=timezone.now() - DAY, horizon_s=3000)
    fresh = draw(20_000)
    widths = {}
    for coverage in (0.8, 0.9):
        settings.TRACKING_ETA_COVERAGE = coverage
        window = _bucket(eta_windows_refresh(), 2700)
        assert (window.coverage, window.is_prior, window.samples) == (coverage, False, 4000)
        held = sum(window.low_s <= e <= window.high_s for e in fresh) / len(fresh)
        assert held == pytest.approx(coverage, abs=0.025)
        widths[coverage] = window.high_s - window.low_s
    assert widths[0.8] < widths[0.9]


def test_a_horizon_measured_on_too_few_arrivals_keeps_the_prior(route, now, settings):
    """Plenty of samples, but from three arrivals: below TRACKING_ETA_WINDOW_MIN_ARRIVALS (30)
    the bucket keeps the prior, ±(3 min + 18 % of the horizon) for 80 %, wider for 90 %."""
    stops = stops_of(route)
    _samples(stops, [600] * 300, arrived_at=now - DAY)
    window = _bucket(eta_windows_refresh(), 600)
    assert (window.is_prior, window.samples, window.arrivals) == (True, 300, 3)
    assert (window.low_s, window.high_s) == (-342, 342)  # at its middle, 15 min ahead

    route_etas_refresh(route_id=route.pk, now=now)
    a = stops_of(route)[0]  # 10 minutes ahead
    assert [round((t - a.eta).total_seconds()) for t in (a.eta_low, a.eta_high)] == [-288, 288]

    settings.TRACKING_ETA_COVERAGE = 0.9
    wider = _bucket(eta_windows_refresh(), 600)
    assert wider.is_prior
    assert wider.high_s == round(prior_half_width_s(900, coverage=0.9, base_s=180, share=0.18))
    assert wider.high_s > 342

    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 3
    measured = _bucket(eta_windows_refresh(force=True), 600)
    assert (measured.is_prior, measured.low_s, measured.high_s) == (False, 600, 600)


def test_a_fresh_install_promises_the_prior(route, now):
    assert not EtaWindow.objects.exists()
    route_etas_refresh(route_id=route.pk, now=now)
    a, b, c = stops_of(route)  # 10, 30 and 45 minutes ahead
    assert [round((s.eta_high - s.eta).total_seconds()) for s in (a, b, c)] == [
        round(180 + 0.18 * 60 * m) for m in (10, 30, 45)
    ]


def test_the_refresh_task_is_safe_to_run_twice(route, now, settings):
    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 3
    _samples(stops_of(route), list(range(-300, 900, 10)), arrived_at=now - DAY, horizon_s=4000)

    assert tasks.eta_windows_refresh.delay().get() == 10
    first = list(EtaWindow.objects.values().order_by("horizon_from_s"))
    assert tasks.eta_windows_refresh.delay().get() == 10
    assert list(EtaWindow.objects.values().order_by("horizon_from_s")) == first
    # Forced, it cuts the same windows again (only the time they were computed moves on).
    eta_windows_refresh(force=True)
    again = list(EtaWindow.objects.values().order_by("horizon_from_s"))
    drop = ("computed_at",)
    assert [{k: v for k, v in w.items() if k not in drop} for w in again] == [
        {k: v for k, v in w.items() if k not in drop} for w in first
    ]
    assert len({w["day"] for w in first}) == 1
    assert [w["is_prior"] for w in first].count(False) == 1  # only 1 h - 1.5 h was measured


def test_the_database_refuses_two_windows_for_one_bucket_and_a_reversed_window(route, now):
    eta_windows_refresh()
    row = EtaWindow.objects.order_by("horizon_from_s").first()
    with pytest.raises(IntegrityError):
        EtaWindow.objects.create(
            day=row.day, horizon_from_s=row.horizon_from_s, horizon_s=300, coverage=0.8,
            low_s=-60, high_s=60, computed_at=now,
        )  # fmt: skip


def test_a_coverage_outside_zero_and_one_is_a_configuration_error(route, settings):
    settings.TRACKING_ETA_COVERAGE = 1.2
    with pytest.raises(ImproperlyConfigured, match="TRACKING_ETA_COVERAGE"):
        eta_windows_refresh()


def test_windows_are_interpolated_between_horizons_and_flat_beyond():
    windows = ErrorWindows((HorizonWindow(900, -300, 300), HorizonWindow(3600, -600, 1200)))
    assert windows.offsets(300) == (-300, 300)
    assert windows.offsets(2250) == (-450, 750)  # half-way
    assert windows.offsets(9000) == (-600, 1200)
    # The point ETA always lies inside, with at least two minutes either side.
    skewed = ErrorWindows((HorizonWindow(600, 60, 400),))
    assert skewed.offsets(600) == (-120, 400)


def test_recent_days_errors_weigh_more_than_older_ones(route, now, settings):
    """Four days ago the engine was off by anything from -10 to +20 minutes; yesterday it was
    within a minute. With the default half-life of a day, yesterday's errors weigh eight times
    those of four days ago and the window is cut from them; with the half-life at 0 every day
    weighs alike and the old errors keep the window wide."""
    settings.TRACKING_ETA_WINDOW_MIN_ARRIVALS = 3
    stops = stops_of(route)
    _samples(stops, list(range(-600, 1200, 18)), arrived_at=now - 4 * DAY)
    _samples(stops, list(range(-60, 60, 2))[:100] + [0] * 40, arrived_at=now - DAY)

    recent = _bucket(eta_windows_refresh(), 600)
    assert -60 <= recent.low_s < 0 < recent.high_s <= 60  # yesterday's minute

    settings.TRACKING_ETA_SAMPLE_HALF_LIFE_DAYS = 0
    alike = _bucket(eta_windows_refresh(force=True), 600)
    assert alike.high_s - alike.low_s > 600
    assert alike.samples == recent.samples == 200
