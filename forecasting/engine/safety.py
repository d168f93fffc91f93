"""Safety stock and reorder point from a forecast (pure Python, no Django).

Demand over a lead time of L days is the sum of the first L daily point forecasts. Its standard
deviation is the forecast's measured error of an L-day total (`cumulative_sigma`, from the
backtest: it includes bias, missed promotions and the correlation between days), or, for
series too short to measure it, comes from the forecast's 95 % interval (sigma_day = (upper
bound - point) / 1.96, days added in quadrature). When the supplier's lead time itself varies
(sigma_L days, measured from past deliveries) the classic term d̄²·sigma_L² is added:

    sigma² = Σ sigma_day² + d̄² · sigma_L²,   safety stock = z(service level) · sigma,
    reorder point = expected demand + safety stock

The measured error comes from a limited history: an L-day total was observed about span / L
times independently, so the safety factor is the Student t prediction factor
t(service level, n - 1) · sqrt(1 + 1/n) with n = span / L instead of the normal z (the
textbook prediction interval with an estimated variance; it matters for long lead times).

Lead times beyond the 28-day horizon repeat the last forecast week.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from forecasting.engine.forecast import SEASON, Z95

METHOD_ERROR = "measured forecast error"
METHOD_INTERVAL = "forecast interval"
LEAD_TIME_SUFFIX = " + supplier lead-time variance"


def z_value(service_level: float) -> float:
    """The standard normal quantile for a cycle service level in (0, 1), e.g. 0.95 → 1.645."""
    if not 0 < service_level < 1:
        raise ValueError("service level must be between 0 and 1 (exclusive)")
    return NormalDist().inv_cdf(service_level)


def prediction_factor(service_level: float, *, samples: float) -> float:
    """Student t prediction factor for a new observation when sigma was estimated from
    `samples` independent ones: t(service level, n - 1) · sqrt(1 + 1/n), n >= 2."""
    from scipy.stats import t as student

    n = max(float(samples), 2.0)
    return float(student.ppf(service_level, n - 1)) * math.sqrt(1 + 1 / n)


def _extended(values: list[float], days: int) -> list[float]:
    if days <= len(values):
        return list(values[:days])
    tail = list(values[-SEASON:]) or [0.0]
    out = list(values)
    while len(out) < days:
        out.append(tail[(len(out) - len(values)) % len(tail)])
    return out


@dataclass(frozen=True)
class LeadTimeDemand:
    lead_time_days: int
    expected: float
    sigma_forecast: float
    lead_time_std_days: float
    sigma: float
    service_level: float
    z: float
    safety_stock: float
    method: str

    @property
    def reorder_point(self) -> float:
        return self.expected + self.safety_stock

    def explain(self) -> str:
        """E.g. "lead time 6 d, expected demand 84 ± 19, safety stock 24 (95 % service,
        forecast interval)"."""
        lead = f"lead time {self.lead_time_days} d"
        if self.lead_time_std_days:
            lead += f" (± {self.lead_time_std_days:.1f} d measured)"
        return (
            f"{lead}, expected demand {self.expected:.0f} ± {self.sigma:.0f}, "
            f"safety stock {math.ceil(self.safety_stock - 1e-9):.0f} "
            f"({self.service_level * 100:g} % service, {self.method})"
        )


def lead_time_demand(
    *,
    point: list[float],
    hi95: list[float],
    lead_time_days: int,
    service_level: float,
    lead_time_std_days: float = 0.0,
    cumulative_sigma: list[float] | None = None,
    sigma_span_days: int = 0,
) -> LeadTimeDemand:
    """Expected demand over the lead time, its spread and the safety stock for `service_level`.

    `point`/`hi95` are daily forecasts from the first day the order could be placed.
    """
    lead_time_days = max(int(lead_time_days), 0)
    z = z_value(service_level)
    days_point = _extended(point, lead_time_days)
    days_hi = _extended(hi95, lead_time_days)
    expected = float(sum(days_point))
    if cumulative_sigma and lead_time_days:
        method = METHOD_ERROR
        if lead_time_days <= len(cumulative_sigma):
            sigma_forecast = float(cumulative_sigma[lead_time_days - 1])
        else:  # beyond the measured horizon: grow like a random walk
            n = len(cumulative_sigma)
            sigma_forecast = float(cumulative_sigma[-1]) * math.sqrt(lead_time_days / n)
        variance = sigma_forecast**2
    else:
        method = METHOD_INTERVAL
        variance = sum(max(hi - p, 0.0) ** 2 for p, hi in zip(days_point, days_hi, strict=True)) / (
            Z95**2
        )
        sigma_forecast = math.sqrt(variance)
    lead_std = max(float(lead_time_std_days or 0.0), 0.0)
    if lead_std and lead_time_days:
        daily = expected / lead_time_days
        variance += (daily * lead_std) ** 2
    sigma = math.sqrt(variance)
    if method == METHOD_ERROR and sigma_span_days > 0:
        z = prediction_factor(service_level, samples=sigma_span_days / lead_time_days)
    return LeadTimeDemand(
        lead_time_days=lead_time_days,
        expected=expected,
        sigma_forecast=sigma_forecast,
        lead_time_std_days=lead_std,
        sigma=sigma,
        service_level=service_level,
        z=z,
        safety_stock=max(z * sigma, 0.0),
        method=method + (LEAD_TIME_SUFFIX if lead_std else ""),
    )
