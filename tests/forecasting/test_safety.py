"""Safety stock arithmetic on hand-computed examples."""

import math

import pytest

from forecasting.engine.forecast import Z95
from forecasting.engine.safety import lead_time_demand, z_value


def test_z_for_common_service_levels():
    assert z_value(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert z_value(0.5) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_safety_stock_from_the_forecast_interval():
    # 10 a day, sigma_day = 2 (upper 95 % bound 10 + 1.96 x 2); 4 days: expected 40,
    # sigma = 2 x √4 = 4, safety stock = 1.6449 x 4 = 6.58, reorder point 46.58.
    ltd = lead_time_demand(
        point=[10.0] * 28, hi95=[10 + Z95 * 2] * 28, lead_time_days=4, service_level=0.95
    )
    assert ltd.expected == pytest.approx(40)
    assert ltd.sigma == pytest.approx(4)
    assert ltd.safety_stock == pytest.approx(6.5794, abs=1e-3)
    assert ltd.reorder_point == pytest.approx(46.5794, abs=1e-3)
    assert ltd.explain() == (
        "lead time 4 d, expected demand 40 ± 4, safety stock 7 (95 % service, forecast interval)"
    )


def test_supplier_lead_time_variance_adds_mean_demand_times_its_spread():
    # sigma² = 4² + (10 x 1.5)² = 16 + 225 = 241
    ltd = lead_time_demand(
        point=[10.0] * 28,
        hi95=[10 + Z95 * 2] * 28,
        lead_time_days=4,
        service_level=0.95,
        lead_time_std_days=1.5,
    )
    assert ltd.sigma == pytest.approx(math.sqrt(241))
    assert ltd.safety_stock == pytest.approx(1.6449 * math.sqrt(241), abs=1e-3)
    assert "supplier lead-time variance" in ltd.method
    assert "(± 1.5 d measured)" in ltd.explain()


def test_measured_forecast_error_is_used_when_present_and_extends_beyond_the_horizon():
    sigma = [float(i + 1) for i in range(28)]  # sigma of a k-day total = k
    ltd = lead_time_demand(
        point=[6.0] * 28,
        hi95=[6.0] * 28,
        lead_time_days=6,
        service_level=0.9,
        cumulative_sigma=sigma,
    )
    assert ltd.expected == pytest.approx(36)
    assert ltd.sigma == pytest.approx(6)
    assert ltd.safety_stock == pytest.approx(1.2816 * 6, abs=1e-3)
    assert ltd.method == "measured forecast error"
    longer = lead_time_demand(
        point=[6.0] * 28,
        hi95=[6.0] * 28,
        lead_time_days=56,
        service_level=0.9,
        cumulative_sigma=sigma,
    )
    assert longer.expected == pytest.approx(6 * 56)  # the last week repeated
    assert longer.sigma == pytest.approx(28 * math.sqrt(2))


def test_zero_lead_time_needs_no_stock():
    ltd = lead_time_demand(point=[5.0] * 28, hi95=[9.0] * 28, lead_time_days=0, service_level=0.95)
    assert ltd.expected == 0 and ltd.safety_stock == 0


def test_a_short_error_history_widens_the_safety_factor_like_a_prediction_interval():
    # 154 days of errors, 7-day lead time: n = 22 totals; t(0.95, 21) = 1.7207,
    # factor = 1.7207 x sqrt(1 + 1/22) = 1.7594 (vs z = 1.6449)
    sigma = [float(i + 1) for i in range(28)]
    ltd = lead_time_demand(
        point=[6.0] * 28,
        hi95=[6.0] * 28,
        lead_time_days=7,
        service_level=0.95,
        cumulative_sigma=sigma,
        sigma_span_days=154,
    )
    assert ltd.z == pytest.approx(1.7594, abs=1e-3)
    assert ltd.safety_stock == pytest.approx(1.7594 * 7, abs=1e-2)
