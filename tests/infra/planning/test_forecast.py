"""Forecast: runbook fallback numbers, calibrated band, NaN masking, purity, JSON contract."""
from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import infra.planning.forecast as F
from infra.planning.forecast import (
    DemandForecast,
    fallback_forecast,
    forecast_demand,
    hour_of_week_curve,
    runbook_factor,
)
from infra.sources.metrics import HourlyHistory

MONDAY = datetime(2024, 1, 1)  # a Monday; Jan 1 is also a "1st of the month" day


def synthetic(weeks: int, sigma: float, seed: int = 7, growth_per_week: float = 0.0,
              start: datetime = MONDAY) -> HourlyHistory:
    """Daily + weekly seasonality, optional growth, lognormal noise of known sigma."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks * 168)
    daily = 1.0 + 0.5 * np.sin(2 * np.pi * ((t % 24) - 8) / 24)
    weekly = np.where((t // 24) % 7 >= 5, 0.6, 1.0)
    trend = np.exp(np.log1p(growth_per_week) * t / 168)
    y = 1000.0 * daily * weekly * trend * np.exp(rng.normal(0.0, sigma, t.size))
    return HourlyHistory(start, y, f"synthetic sigma={sigma}")


def split(h: HourlyHistory, hours: int) -> tuple[HourlyHistory, np.ndarray]:
    return HourlyHistory(h.start, h.values[:-hours], h.source), h.values[-hours:]


# ------------------------------------------------------------------------------ purity


def test_forecast_module_imports_neither_pulumi_nor_boto3():
    tree = ast.parse(Path(F.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"pulumi", "pulumi_aws", "boto3", "botocore"}
    assert imported <= {"__future__", "math", "dataclasses", "datetime", "typing", "numpy", "infra"}


def test_metrics_imports_boto3_only_inside_the_cloudwatch_loader():
    import infra.sources.metrics as M

    tree = ast.parse(Path(M.__file__).read_text())
    top = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    assert "boto3" not in top and "pulumi" not in top


# ------------------------------------------------------------------------------ runbook


def test_runbook_growth_weekend_and_month_day_factors():
    # 10 %/month over 30 days -> x1.1 (novacron "3. Capacity Planning").
    assert runbook_factor(datetime(2024, 1, 31), 30, 0.10) == pytest.approx(1.1)
    assert runbook_factor(datetime(2024, 1, 6), 0, 0.0) == pytest.approx(0.7)  # Saturday
    assert runbook_factor(datetime(2024, 1, 15), 0, 0.0) == pytest.approx(1.3)  # Monday 15th
    assert runbook_factor(datetime(2024, 6, 1), 0, 0.0) == pytest.approx(0.7 * 1.3)  # Saturday 1st
    assert runbook_factor(datetime(2024, 1, 2), 15, 0.21) == pytest.approx(1.1)  # sqrt(1.21)


def test_fallback_forecast_numbers_and_reasons():
    fc = fallback_forecast(100.0, start=datetime(2024, 1, 2), hours=31 * 24, growth_rate_monthly=0.10)
    assert len(fc.starts) == 744 and fc.starts[0] == datetime(2024, 1, 2)
    assert fc.point[0] == pytest.approx(100.0)  # Tuesday 2nd, no growth yet
    # 2024-02-01 00:00 is 30 days on, a Thursday and the 1st: 100 * 1.1 * 1.3
    i = fc.starts.index(datetime(2024, 2, 1))
    assert i == 720 and fc.point[i] == pytest.approx(143.0)
    sat = fc.starts.index(datetime(2024, 1, 6, 12))
    assert fc.point[sat] == pytest.approx(100 * 1.1 ** ((sat / 24) / 30) * 0.7)
    assert fc.upper == pytest.approx(fc.point * F.FALLBACK_PEAK_MULTIPLIER)
    assert "runbook" in fc.method and "x1.2" in fc.headroom
    assert fc.reasons[0] == "base demand 100 (configured base demand)"
    assert "growth 10.0%/month" in fc.reasons[1]
    with pytest.raises(ValueError):
        fallback_forecast(-1.0, start=MONDAY)


def test_short_history_falls_back_to_the_static_rule_on_its_peak():
    h = HourlyHistory(MONDAY, synthetic(1, 0.05).values[:120], "five weekdays")
    fc = forecast_demand(h, 72, growth_rate_monthly=0.0)  # Saturday .. Monday
    assert fc.method.startswith("runbook fallback")
    peak = float(np.nanmax(h.values))
    assert fc.starts[0] == h.end == MONDAY + timedelta(days=5)  # Saturday 6th
    # no x0.7 weekend under a peak the history really had, no x1.3 on the 1st: 1.2 x peak flat
    assert fc.point.tolist() == [pytest.approx(peak)] * 72
    assert fc.upper.tolist() == [pytest.approx(peak * 1.2)] * 72
    assert any("too short to calibrate" in r for r in fc.reasons)
    assert any("no weekend/month-day factors" in r for r in fc.reasons)


def test_a_week_of_history_adds_the_hour_of_day_ceiling():
    h = synthetic(1, 0.05)
    fc = forecast_demand(h, 48, growth_rate_monthly=0.0)
    assert fc.method.startswith("runbook fallback")
    y = h.values.reshape(7, 24).max(axis=0)  # a short history: the highest day of each hour of day
    top = np.maximum(y, np.maximum(np.roll(y, 1), np.roll(y, -1)))  # +-1 h envelope, hour 0 = Monday 00:00
    expected = np.minimum(1.2 * float(np.nanmax(h.values)), F.HOD_CEILING_FACTOR * top)
    assert fc.upper[:24] == pytest.approx(expected) and fc.upper[24:] == pytest.approx(expected)
    assert fc.upper[0] < 0.7 * fc.upper.max()  # the night is not provisioned for the afternoon
    assert (fc.point <= fc.upper).all()
    assert "capped at x1.5 the highest demand of their hour of day" in fc.headroom


# ------------------------------------------------------------------------------ seasonal


def test_band_is_calibrated_on_the_history_and_meets_target_out_of_sample():
    target = 0.99
    misses = hours = 0
    for seed in (1, 2, 3):
        h = synthetic(12, 0.08, seed=seed)
        past, actual = split(h, 168)
        cal = F._calibrate(past.values, target, past.end.hour)
        assert cal is not None and cal.backtest_under_pct <= (1 - target) * 100 + 1e-9
        fc = forecast_demand(past, 168, quantile_target=target)
        misses += int((fc.upper < actual).sum())
        hours += actual.size
    assert misses / hours <= 0.01
    assert "calibrated on this history" in fc.headroom and "rolling-origin backtests" in fc.headroom


def test_band_width_follows_the_noise_not_a_fixed_percentage():
    widths = []
    for sigma in (0.02, 0.10):
        fc = forecast_demand(synthetic(10, sigma), 168)
        widths.append(float(np.median(fc.upper / fc.point)))
    assert widths[0] < 1.10 < widths[1]
    assert widths[1] - 1 > 3 * (widths[0] - 1)


def test_point_forecast_recovers_daily_and_weekly_shape_and_trend():
    h = synthetic(10, 0.01, growth_per_week=0.03)
    past, actual = split(h, 168)
    fc = forecast_demand(past, 168)
    err = np.abs(fc.point / actual - 1)
    assert float(np.median(err)) < 0.03
    assert (fc.upper >= fc.point).all()
    weekday_peak = fc.point[:120].max()
    weekend_peak = fc.point[120:].max()
    assert weekend_peak / weekday_peak == pytest.approx(0.6, abs=0.05)


def test_gaps_are_masked_and_no_nan_leaks():
    h = synthetic(8, 0.05)
    y = np.array(h.values)
    y[500:540] = np.nan  # a 40 h outage
    y[-30:] = np.nan  # history ends in a gap
    y[np.arange(0, y.size, 97)] = np.nan  # scattered missing hours
    gappy = HourlyHistory(h.start, y, "gappy")
    fc = forecast_demand(gappy, 200)
    assert len(fc.starts) == 200 and fc.starts[0] == gappy.end
    assert np.isfinite(fc.point).all() and np.isfinite(fc.upper).all()
    clean = forecast_demand(h, 200)
    # The outage is masked, not read as low demand: peaks stay close to the clean forecast.
    assert fc.point.max() == pytest.approx(clean.point.max(), rel=0.05)


def test_hour_of_week_curve_is_monday_first_max_of_upper():
    start = datetime(2024, 1, 3, 5)  # Wednesday 05:00
    n = 200
    upper = np.arange(n, dtype=float) + 10
    fc = DemandForecast([start + timedelta(hours=i) for i in range(n)], upper - 1, upper, "m", "h")
    curve = hour_of_week_curve(fc)
    assert len(curve) == 168
    wed5 = 2 * 24 + 5
    assert curve[wed5] == 10 + 168  # the same hour a week later is larger
    assert curve[0] == 10 + (168 - wed5)  # Monday 00:00
    short = DemandForecast([start], [1.0], [2.0], "m", "h")
    assert hour_of_week_curve(short) == [2.0] * 168


def test_to_json_matches_the_forecast_command_contract():
    fc = forecast_demand(synthetic(5, 0.05), 3)
    doc = fc.to_json()
    assert set(doc) == {"hours", "method", "headroom"}
    assert [set(r) for r in doc["hours"]] == [{"start", "forecast", "capacity"}] * 3
    assert doc["hours"][0]["start"] == (MONDAY + timedelta(weeks=5)).isoformat()
    assert all(r["capacity"] >= r["forecast"] for r in doc["hours"])


def test_invalid_arguments():
    h = synthetic(3, 0.05)
    with pytest.raises(ValueError):
        forecast_demand(h, 0)
    with pytest.raises(ValueError):
        forecast_demand(h, quantile_target=1.0)
    with pytest.raises(ValueError):
        DemandForecast([MONDAY], [np.nan], [1.0], "m", "h")


def test_capacity_never_exceeds_the_static_rule_even_for_sparse_counts():
    rng = np.random.default_rng(0)
    t = np.arange(8 * 168)
    y = rng.poisson(np.where((t % 24 >= 9) & (t % 24 < 18), 3.0, 0.05)).astype(float)
    h = HourlyHistory(MONDAY, y, "sparse")
    fc = forecast_demand(h, 168)
    assert np.isfinite(fc.upper).all() and (fc.upper >= fc.point).all()
    ceiling = F.FALLBACK_PEAK_MULTIPLIER * y[-4 * 168:].max() * np.exp(F.MAX_WEEKLY_LOG_GROWTH * 1.5)
    assert fc.upper.max() <= ceiling
