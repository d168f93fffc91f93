"""Forecast daily series: pick a model per series by rolling-origin cross-validation.

Pure numpy + statsforecast, no Django: `forecast_series(values)` takes one daily series (oldest
first, zero days filled, ending yesterday) and returns a `SeriesForecast` with a point forecast,
80 % and 95 % intervals, the chosen model, its backtest MASE and bias, and the reasons.

Selection (rolling origin): the last `CV_WINDOWS` windows of `CV_HORIZON` days, `CV_STEP` days
apart, are forecast from the data before each one; the candidate with the lowest MASE (mean
absolute error over every window, scaled by the in-sample seasonal-naive error) wins, ties going
to the simpler model; intermittent series are ranked by RMSSE instead (MAE rewards forecasting
zero when most days are zero), and MASE and bias of the winner are reported either way. The
spread of lead-time demand for safety stock is measured from the chosen model's errors on
running totals (`cumulative_sigma`). ETS and Theta are fitted once at the first origin and
rolled forward (statsforecast's `forward`, i.e. `cross_validation(refit=False)`), which keeps a
nightly run of thousands of series in minutes. Smooth series try AutoETS, AutoTheta,
seasonal naive and Croston SBA; intermittent ones (mean interval between demands >= 1.32 days,
Syntetos-Boylan) try Croston SBA, TSB, seasonal naive and the mean. Too short for a backtest:
seasonal naive (two weeks or more) or the mean, and the reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SEASON = 7
HORIZON = 28
CV_HORIZON = 14
CV_WINDOWS = 3
CV_STEP = 7
# Fitting windows: long enough for many weekly cycles, short enough to adapt and stay fast.
FIT_WINDOW_SMOOTH = 182
FIT_WINDOW_INTERMITTENT = 364
INTERMITTENT_ADI = 1.32
Z80 = 1.2815515655446004
Z95 = 1.959963984540054


class Model:
    AUTO_ETS = "auto_ets"
    AUTO_THETA = "auto_theta"
    SEASONAL_NAIVE = "seasonal_naive"
    CROSTON_SBA = "croston_sba"
    TSB = "tsb"
    MEAN = "mean"
    ZERO = "zero"

    # Ties go to the earlier (simpler) model.
    PREFERENCE = (ZERO, SEASONAL_NAIVE, MEAN, CROSTON_SBA, TSB, AUTO_THETA, AUTO_ETS)
    SMOOTH = (AUTO_ETS, AUTO_THETA, SEASONAL_NAIVE, CROSTON_SBA)
    INTERMITTENT = (CROSTON_SBA, TSB, SEASONAL_NAIVE, MEAN)
    # Rolled forward from one fit (expensive to fit); the others are refitted at every origin.
    ROLLED = (AUTO_ETS, AUTO_THETA)
    # Models whose intervals come from backtest errors (statsforecast gives them none natively).
    BACKTEST_INTERVALS = (CROSTON_SBA, TSB)


def _make(name: str):
    from statsforecast.models import (
        TSB,
        AutoETS,
        AutoTheta,
        CrostonSBA,
        HistoricAverage,
        SeasonalNaive,
    )

    if name == Model.AUTO_ETS:
        # Additive season, no multiplicative error: demand has zero days.
        return AutoETS(season_length=SEASON, model="ZNA")
    if name == Model.AUTO_THETA:
        return AutoTheta(season_length=SEASON)
    if name == Model.SEASONAL_NAIVE:
        return SeasonalNaive(season_length=SEASON)
    if name == Model.CROSTON_SBA:
        return CrostonSBA()
    if name == Model.TSB:
        return TSB(alpha_d=0.1, alpha_p=0.1)
    if name == Model.MEAN:
        return HistoricAverage()
    raise ValueError(f"unknown model {name}")


@dataclass
class SeriesForecast:
    model: str
    demand_class: str  # smooth | intermittent | short | empty
    point: list[float]
    lo80: list[float]
    hi80: list[float]
    lo95: list[float]
    hi95: list[float]
    mase: float | None = None
    bias: float | None = None
    mae: float | None = None
    candidates: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # sigma of the error of total demand over the first 1..horizon days, measured by backtest
    # (empty when the series is too short: then the daily intervals are used).
    cumulative_sigma: list[float] = field(default_factory=list)
    # Days of errors behind `cumulative_sigma`: an L-day total was seen about span / L times
    # independently, which the safety factor accounts for (Student t, see safety.py).
    sigma_span_days: int = 0

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)

    def sigma(self, day: int) -> float:
        """Standard deviation of day `day`'s demand implied by the upper 95 % bound."""
        return max(self.hi95[day] - self.point[day], 0.0) / Z95


def backtest_cutoffs(
    n: int, *, horizon: int = CV_HORIZON, windows: int = CV_WINDOWS, step: int = CV_STEP
) -> list[int]:
    """Origins (index of the first test day) of the rolling backtest, oldest first.

    Window i trains on `y[:c]` and is scored on `y[c:c + horizon]`; the last window ends on the
    last observation. Same split as statsforecast's `cross_validation(h, n_windows, step_size)`.
    """
    last = n - horizon
    return [last - step * (windows - 1 - i) for i in range(windows)]


def min_backtest_length(
    *, horizon: int = CV_HORIZON, windows: int = CV_WINDOWS, step: int = CV_STEP
) -> int:
    """Shortest series that gets a backtest: two seasons of training before the first origin."""
    return 2 * SEASON + horizon + step * (windows - 1)


def mase_scale(train: np.ndarray, season: int = SEASON) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (lag-1 naive, then the mean
    absolute value, when that is zero), the denominator of MASE."""
    for lag in (season, 1):
        if len(train) > lag:
            scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
            if scale > 0:
                return scale
    mean_abs = float(np.mean(np.abs(train))) if len(train) else 0.0
    return mean_abs if mean_abs > 0 else 1.0


def rmsse_scale(train: np.ndarray, season: int = SEASON) -> float:
    """In-sample root mean squared error of the seasonal naive forecast (RMSSE denominator)."""
    for lag in (season, 1):
        if len(train) > lag:
            scale = float(np.sqrt(np.mean((train[lag:] - train[:-lag]) ** 2)))
            if scale > 0:
                return scale
    return 1.0


def demand_class(values: np.ndarray) -> str:
    nonzero = int(np.count_nonzero(values))
    if nonzero == 0:
        return "empty"
    adi = len(values) / nonzero
    return "intermittent" if adi >= INTERMITTENT_ADI else "smooth"


def _clean(out: dict, h: int) -> np.ndarray:
    mean = np.asarray(out["mean"], dtype=float)[:h]
    return np.where(np.isfinite(mean), mean, 0.0)


def backtest(values: np.ndarray, candidates: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Forecast errors (forecast - actual), shape (windows, CV_HORIZON), per candidate that ran."""
    cutoffs = backtest_cutoffs(len(values))
    actuals = np.stack([values[c : c + CV_HORIZON] for c in cutoffs])
    errors: dict[str, np.ndarray] = {}
    for name in candidates:
        try:
            rows = []
            if name in Model.ROLLED:
                model = _make(name)
                model.fit(y=values[: cutoffs[0]])
                for c in cutoffs:
                    rows.append(_clean(model.forward(y=values[:c], h=CV_HORIZON), CV_HORIZON))
            else:
                for c in cutoffs:
                    out = _make(name).forecast(y=values[:c], h=CV_HORIZON)
                    rows.append(_clean(out, CV_HORIZON))
            errors[name] = np.maximum(np.stack(rows), 0.0) - actuals
        except Exception:  # noqa: S112 - a model that cannot fit this series is not a candidate
            continue
    return errors


def _intervals_native(name: str, values: np.ndarray, h: int, fitted=None) -> dict[str, np.ndarray]:
    if fitted is not None:
        out = fitted.predict(h=h, level=[80, 95])
    else:
        out = _make(name).forecast(y=values, h=h, level=[80, 95])
    result = {"mean": _clean(out, h)}
    for key in ("lo-80", "hi-80", "lo-95", "hi-95"):
        arr = np.asarray(out.get(key, out["mean"]), dtype=float)[:h]
        result[key] = np.where(np.isfinite(arr), arr, result["mean"])
    return result


def _intervals_from_sigma(mean: np.ndarray, sigma: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "mean": mean,
        "lo-80": mean - Z80 * sigma,
        "hi-80": mean + Z80 * sigma,
        "lo-95": mean - Z95 * sigma,
        "hi-95": mean + Z95 * sigma,
    }


def _result(name: str, klass: str, out: dict, **kwargs) -> SeriesForecast:
    def clip(key):
        return [round(max(float(v), 0.0), 4) for v in out[key]]

    return SeriesForecast(
        model=name,
        demand_class=klass,
        point=clip("mean"),
        lo80=clip("lo-80"),
        hi80=clip("hi-80"),
        lo95=clip("lo-95"),
        hi95=clip("hi-95"),
        **kwargs,
    )


def _fallback(values: np.ndarray, h: int, reasons: list[str]) -> SeriesForecast:
    n = len(values)
    if n >= 2 * SEASON:
        name = Model.SEASONAL_NAIVE
        reasons.append(
            f"Only {n} days of history (a backtest needs {min_backtest_length()}): "
            "seasonal naive (last week repeated), not backtested."
        )
    else:
        name = Model.MEAN
        reasons.append(
            f"Only {n} day{'' if n == 1 else 's'} of history (seasonal naive needs {2 * SEASON}): "
            "the mean of the history, not backtested."
        )
    out = _intervals_native(name, values, h)
    if n < 2 or not np.all(np.isfinite(out["hi-95"])):
        # One observation has no spread: use its size as the standard deviation (Poisson-like).
        sigma = np.full(h, max(float(np.mean(values)), 1.0) ** 0.5)
        out = _intervals_from_sigma(out["mean"], sigma)
    return _result(name, "short", out, reasons=reasons)


def forecast_series(values, *, horizon: int = HORIZON, history_note: str = "") -> SeriesForecast:
    """Forecast one daily series (oldest first, ending the day before the forecast starts)."""
    # Constant stretches make statsmodels' seasonality test divide by zero; that is expected.
    with np.errstate(divide="ignore", invalid="ignore"):
        return _forecast_series(values, horizon=horizon, history_note=history_note)


def _forecast_series(values, *, horizon: int, history_note: str) -> SeriesForecast:
    values = np.asarray(values, dtype=float)
    reasons = [history_note] if history_note else []
    if len(values) and np.any(values < 0):
        days = int(np.sum(values < 0))
        reasons.append(
            f"Returns exceeded sales on {days} day{'' if days == 1 else 's'}; "
            "counted as zero demand."
        )
        values = np.maximum(values, 0.0)
    zeros = np.zeros(horizon)
    empty = dict.fromkeys(("mean", "lo-80", "hi-80", "lo-95", "hi-95"), zeros)
    if len(values) == 0:
        reasons.append("No demand history: forecast zero.")
        return _result(Model.ZERO, "empty", empty, reasons=reasons)
    if not np.any(values > 0):
        reasons.append(f"All {len(values)} days of history are zero: forecast zero.")
        return _result(Model.ZERO, "empty", empty, reasons=reasons)

    klass = demand_class(values)
    if len(values) < min_backtest_length():
        return _fallback(values, horizon, reasons)

    window = FIT_WINDOW_SMOOTH if klass == "smooth" else FIT_WINDOW_INTERMITTENT
    fit_values = values[-window:]
    candidates = Model.SMOOTH if klass == "smooth" else Model.INTERMITTENT
    errors = backtest(fit_values, candidates)
    if not errors:
        reasons.append("No candidate model could be backtested.")
        return _fallback(values, horizon, reasons)

    train = fit_values[: backtest_cutoffs(len(fit_values))[0]]
    scale = mase_scale(train)
    mases = {name: float(np.mean(np.abs(err))) / scale for name, err in errors.items()}
    if klass == "intermittent":
        # MAE rewards forecasting zero on intermittent demand (the median of most days), so the
        # choice is by squared error, minimised by the mean: RMSSE, as in the M5 competition.
        rscale = rmsse_scale(train)
        scores = {name: float(np.sqrt(np.mean(err**2))) / rscale for name, err in errors.items()}
        criterion = "RMSSE"
    else:
        scores, criterion = mases, "MASE"
    chosen = min(scores, key=lambda name: (round(scores[name], 9), Model.PREFERENCE.index(name)))
    err = errors[chosen]
    actual_total = float(np.sum(_actuals(fit_values)))
    bias = float(np.sum(err)) / actual_total if actual_total > 0 else None
    ranking = ", ".join(
        f"{name} {score:.2f}" for name, score in sorted(scores.items(), key=lambda kv: kv[1])
    )
    reasons.append(
        f"{klass.capitalize()} demand; chosen by rolling-origin backtest ({CV_WINDOWS} windows "
        f"of {CV_HORIZON} days, {criterion}: {ranking})."
    )
    fitted = None
    if chosen in Model.ROLLED:
        fitted = _make(chosen).fit(y=fit_values)
    cumulative_sigma = _cumulative_sigma(fit_values, chosen, horizon, fitted=fitted)
    if chosen in Model.BACKTEST_INTERVALS:
        mean = _clean(_make(chosen).forecast(y=fit_values, h=horizon), horizon)
        sigma = np.full(horizon, float(np.sqrt(np.mean(err**2))))
        out = _intervals_from_sigma(mean, sigma)
        reasons.append("Intervals from the backtest errors.")
    else:
        out = _intervals_native(chosen, fit_values, horizon, fitted=fitted)
    return _result(
        chosen,
        klass,
        out,
        mase=round(mases[chosen], 4),
        bias=None if bias is None else round(bias, 4),
        mae=round(float(np.mean(np.abs(err))), 4),
        candidates={k: round(v, 4) for k, v in scores.items()},
        reasons=reasons,
        cumulative_sigma=cumulative_sigma,
        sigma_span_days=len(fit_values) - SIGMA_MIN_TRAIN if cumulative_sigma else 0,
    )


SIGMA_STEP = 3
SIGMA_MIN_TRAIN = 4 * SEASON


def _cumulative_sigma(values: np.ndarray, name: str, horizon: int, fitted=None) -> list[float]:
    """Root mean square error of the running total (days 1..k, k = 1..horizon) of the chosen
    model's forecasts from origins every `SIGMA_STEP` days across the fitting window.

    This is the measured spread of lead-time demand that safety stock needs: it includes the
    model's bias, the promotions it missed and the correlation between days that per-day
    intervals lack. ETS/Theta are fitted once on the whole window and rolled forward (in-sample
    multi-step errors, like fitted residuals); the cheap models are refitted at each origin.
    """
    origins = list(range(SIGMA_MIN_TRAIN, len(values) - horizon + 1, SIGMA_STEP))
    if len(origins) < 8:
        return []
    try:
        if fitted is not None:
            rows = [_clean(fitted.forward(y=values[:c], h=horizon), horizon) for c in origins]
        else:
            rows = [_clean(_make(name).forecast(y=values[:c], h=horizon), horizon) for c in origins]
    except Exception:
        return []
    errors = np.stack(
        [
            np.cumsum(np.maximum(row, 0.0)) - np.cumsum(values[c : c + horizon])
            for c, row in zip(origins, rows, strict=True)
        ]
    )
    return [round(float(v), 4) for v in np.sqrt(np.mean(errors**2, axis=0))]


def _actuals(values: np.ndarray) -> np.ndarray:
    cutoffs = backtest_cutoffs(len(values))
    return np.stack([values[c : c + CV_HORIZON] for c in cutoffs])
