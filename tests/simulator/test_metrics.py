"""The benchmark's figures on a hand-computed example."""

import datetime as dt

from simulator.metrics import Observation, horizon_metrics, improvement

T = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T + dt.timedelta(minutes=minutes)


def test_metrics_per_horizon_by_hand():
    # Three stops seen 60 min ahead. Actual arrival at 0; ETA, window and plan per stop:
    #   stop 1: eta -2 min, window [-10, +5]   → error +120 s, inside, width 900 s
    #   stop 2: eta +4 min, window [+1, +10]   → error -240 s, outside, width 540 s
    #   stop 3: eta  0,     window [-5, +5]    → error 0,      inside, width 600 s
    # planned: -40, +10, +20 min → baseline errors +2400, -600, -1200 s
    obs = [
        Observation(1, 3600, at(0), at(-2), at(-10), at(5), at(-40)),
        Observation(2, 3600, at(0), at(4), at(1), at(10), at(10)),
        Observation(3, 3600, at(0), at(0), at(-5), at(5), at(20)),
        Observation(1, 900, at(0), at(1), at(-1), at(3), at(-40)),
    ]
    result = horizon_metrics(obs)
    assert list(result) == ["15", "60"]
    h60 = result["60"]
    assert h60["n"] == 3
    assert h60["mae_s"] == 120.0  # (120 + 240 + 0) / 3
    assert h60["bias_s"] == -40.0  # (120 - 240 + 0) / 3
    assert h60["coverage"] == 0.667
    assert h60["width_s"] == 680.0  # (900 + 540 + 600) / 3
    assert h60["baseline_mae_s"] == 1400.0  # (2400 + 600 + 1200) / 3
    assert h60["baseline_coverage"] == 0.667  # ±30 min holds stops 2 and 3
    assert improvement(h60) == 0.914  # 1 - 120 / 1400
    assert result["15"]["mae_s"] == 60.0 and result["15"]["coverage"] == 1.0


def test_improvement_without_a_baseline_is_unknown():
    assert improvement({"mae_s": 10, "baseline_mae_s": 0}) is None
