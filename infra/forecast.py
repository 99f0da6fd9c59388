"""Demand forecast and capacity band, calibrated on the history itself. PURE: no pulumi, no boto3.

Method (see docs/forecast.md for the long version):

* **Point forecast — robust seasonal profile.** The last `W` whole weeks before the origin are
  cut into a `W x 168` block (hour-of-week slots). Each week is divided by its level, the
  hour-of-week *shape* is the median of the normalised weeks (a holiday or an outage in one week
  does not bend it), missing hours are masked (NaN), never interpolated. The level of the last
  week is re-estimated robustly (median of value/shape), optionally carried forward with a
  Theil–Sen trend over the weekly levels. Daily and weekly seasonality both live in the
  168-slot shape.
* **Variant choice and band — rolling-origin backtests.** At many past origins (one a day over
  the last weeks) each candidate variant (window `W`, trend on/off) forecasts the next week using
  only data before the origin; the ratios actual/forecast are collected per horizon day.
  The capacity multiplier of each horizon day is a high empirical quantile of those ratios
  (`quantile_target`, default 0.995: half the 1 % under-provisioning budget, because a quantile
  estimated in-sample under-covers slightly out of sample). The variant with the least
  calibrated capacity on the backtest wins. No constant is fitted to any particular trace.
* **Fallback.** With less than `MIN_SEASONAL_HOURS` of history the runbook rules apply
  (`fallback_forecast`): growth `(1+g)^(days/30)`, weekend x0.7, 1st/15th x1.3
  (novacron "3. Capacity Planning").

Everything returned carries its reason; `DemandForecast.to_json()` is the `scaling forecast`
JSON contract of DESIGN.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

import numpy as np

from infra.metrics import HourlyHistory

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
HOUR = timedelta(hours=1)

# --- runbook rules (fallback) -------------------------------------------------------------
# novacron "3. Capacity Planning": growthFactor := math.Pow(1+GrowthRate, daysAhead/30)
GROWTH_PERIOD_DAYS = 30.0
# novacron "3. Capacity Planning": weekdayFactor = 0.7 on Saturday/Sunday ("30% less busy")
WEEKEND_FACTOR = 0.7
# novacron "3. Capacity Planning": monthFactor = 1.3 on day 1 and 15 ("busier")
MONTH_PEAK_FACTOR = 1.3
MONTH_PEAK_DAYS = (1, 15)
# novacron "3. Capacity Planning" BurstCapacityPlanner leaves PeakMultiplier to the caller; with
# no history to calibrate against we use the common static 20 % headroom (also the benchmark's
# baseline rule), stated in the forecast's headroom string.
FALLBACK_PEAK_MULTIPLIER = 1.2

# --- seasonal method -----------------------------------------------------------------------
# Two weeks: one week to learn a weekly shape plus one week of actuals for at least one backtest.
MIN_SEASONAL_HOURS = 2 * HOURS_PER_WEEK
# Candidate (weeks of profile, trend on?) variants; the backtest picks one per history.
# 1 week = "last week, rescaled" (fast to react), 4 and 8 weeks = robust medians.
CANDIDATE_VARIANTS: tuple[tuple[int, bool], ...] = ((1, False), (4, False), (4, True), (8, False), (8, True))
# Backtest origins: one per day, the latest one week before the end, reaching back this far.
BACKTEST_SPAN_DAYS = 56
BACKTEST_STEP_HOURS = HOURS_PER_DAY
# A week needs at least this share of observed hours to count for the level/shape.
MIN_WEEK_COVERAGE = 0.5
# Trend is the weekly log-growth; clip so one odd week cannot extrapolate into absurd numbers.
MAX_WEEKLY_LOG_GROWTH = 0.10
# Per-horizon-day multipliers need enough ratios for the quantile to mean something:
# at least this many samples beyond the quantile; otherwise one multiplier for all horizons.
MIN_TAIL_SAMPLES = 5
DEFAULT_QUANTILE_TARGET = 0.995


@dataclass(frozen=True, eq=False)
class DemandForecast:
    """An hourly demand forecast and the capacity band the plan provisions.

    `starts[i]` is the hour start; `point[i]` the expected demand; `upper[i]` the capacity to
    provision in demand units (the calibrated band, `upper >= point`). `method` names how the
    point forecast was made, `headroom` how the band was calibrated, `reasons` the rest.
    """

    starts: tuple[datetime, ...]
    point: np.ndarray
    upper: np.ndarray
    method: str
    headroom: str
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("point", "upper"):
            arr = np.array(getattr(self, name), dtype=float, copy=True)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "starts", tuple(self.starts))
        object.__setattr__(self, "reasons", tuple(self.reasons))
        if not (len(self.starts) == self.point.size == self.upper.size):
            raise ValueError("starts, point and upper must have the same length")
        if not (np.isfinite(self.point).all() and np.isfinite(self.upper).all()):
            raise ValueError("forecast contains NaN/inf")

    def to_json(self, digits: int = 3) -> dict:
        """The `scaling forecast --format json` contract (DESIGN.md "The forecast command")."""
        return {
            "hours": [
                {"start": s.isoformat(), "forecast": round(float(p), digits), "capacity": round(float(u), digits)}
                for s, p, u in zip(self.starts, self.point, self.upper)
            ],
            "method": self.method,
            "headroom": self.headroom,
        }


# ------------------------------------------------------------------------------ fallback


def runbook_factor(ts: datetime, days_ahead: float, growth_rate_monthly: float) -> float:
    """The runbook multiplier for one hour: growth x weekend x day-of-month.

    novacron "3. Capacity Planning": `(1+g)^(days/30)`, x0.7 on Saturday/Sunday,
    x1.3 on the 1st and 15th of the month.
    """
    growth = (1.0 + growth_rate_monthly) ** (days_ahead / GROWTH_PERIOD_DAYS)
    weekend = WEEKEND_FACTOR if ts.weekday() >= 5 else 1.0
    month = MONTH_PEAK_FACTOR if ts.day in MONTH_PEAK_DAYS else 1.0
    return growth * weekend * month


def fallback_forecast(
    base_demand: float,
    *,
    start: datetime,
    hours: int = HOURS_PER_WEEK,
    growth_rate_monthly: float = 0.0,
    peak_multiplier: float = FALLBACK_PEAK_MULTIPLIER,
    base_reason: str = "configured base demand",
) -> DemandForecast:
    """Runbook forecast for when there is no (or too little) history.

    `point[i] = base_demand * (1+g)^(days/30) * weekend(0.7) * month-day(1.3)`, where `days` is
    the time from `start` to the hour in days (novacron "3. Capacity Planning");
    `upper = point * peak_multiplier` (the runbook's burst PeakMultiplier, default 1.2).
    """
    if not (base_demand >= 0 and math.isfinite(base_demand)):
        raise ValueError(f"base_demand must be a finite non-negative number, got {base_demand!r}")
    if hours < 1:
        raise ValueError(f"hours must be >= 1, got {hours}")
    if growth_rate_monthly <= -1:
        raise ValueError(f"growth_rate_monthly must be > -1, got {growth_rate_monthly}")
    if peak_multiplier < 1:
        raise ValueError(f"peak_multiplier must be >= 1, got {peak_multiplier}")
    starts = [start + i * HOUR for i in range(hours)]
    factors = np.array(
        [runbook_factor(ts, i / HOURS_PER_DAY, growth_rate_monthly) for i, ts in enumerate(starts)]
    )
    point = base_demand * factors
    upper = point * peak_multiplier
    end_growth = (1.0 + growth_rate_monthly) ** ((hours - 1) / HOURS_PER_DAY / GROWTH_PERIOD_DAYS)
    return DemandForecast(
        starts=starts,
        point=point,
        upper=upper,
        method="runbook fallback (novacron 3. Capacity Planning)",
        headroom=(
            f"static x{peak_multiplier:g} peak multiplier (no history to calibrate a band against)"
        ),
        reasons=(
            f"base demand {base_demand:g} ({base_reason})",
            f"growth {growth_rate_monthly:.1%}/month as (1+g)^(days/30): x{end_growth:.4f} at the last hour",
            f"weekend x{WEEKEND_FACTOR:g}, days {'/'.join(map(str, MONTH_PEAK_DAYS))} of the month x{MONTH_PEAK_FACTOR:g}",
        ),
    )


# ------------------------------------------------------------------------- seasonal method


def _nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    """nanmedian without the all-NaN RuntimeWarning (all-NaN slices give NaN)."""
    mask = np.isnan(a)
    if not mask.any():
        return np.median(a, axis=axis)
    filled = np.sort(np.where(mask, np.inf, a), axis=axis)
    counts = (~mask).sum(axis=axis)
    out = np.full(counts.shape, np.nan)
    ok = counts > 0
    lo = np.take_along_axis(filled, np.expand_dims((counts - 1) // 2, axis), axis).squeeze(axis)
    hi = np.take_along_axis(filled, np.expand_dims(counts // 2, axis), axis).squeeze(axis)
    out[ok] = 0.5 * (lo[ok] + hi[ok])
    return out


@dataclass(frozen=True)
class _Point:
    values: np.ndarray
    weeks_used: int
    weekly_log_growth: float
    level: float


def _seasonal_point(y: np.ndarray, hours: int, weeks: int, trend: bool) -> _Point | None:
    """Point forecast for the `hours` after the end of `y` (NaN = missing). None if unusable."""
    w = min(weeks, y.size // HOURS_PER_WEEK)
    if w < 1:
        return None
    block = y[y.size - w * HOURS_PER_WEEK:].reshape(w, HOURS_PER_WEEK)
    obs = ~np.isnan(block)
    coverage = obs.mean(axis=1)
    good = coverage >= MIN_WEEK_COVERAGE
    if not good.any():
        return None
    block = block[good]
    idx = np.flatnonzero(good)  # week positions (0 = oldest) for the trend fit
    with np.errstate(invalid="ignore", divide="ignore"):
        lvl0 = np.nanmean(block, axis=1)
        lvl0 = np.where(lvl0 > 0, lvl0, np.nan)
        shape = _nanmedian(block / lvl0[:, None], axis=0)
    if np.isnan(shape).any():
        # A slot never observed in the window: borrow the same hour of day from other days.
        by_hod = _nanmedian(shape.reshape(7, HOURS_PER_DAY), axis=0)
        fill = np.tile(by_hod, 7)
        shape = np.where(np.isnan(shape), fill, shape)
        shape = np.where(np.isnan(shape), 1.0, shape)
    shape = np.maximum(shape, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(shape[None, :] > 0, block / shape[None, :], np.nan)
    levels = _nanmedian(ratio, axis=1)
    finite = np.isfinite(levels) & (levels > 0)
    if not finite.any():
        return None
    last = int(np.flatnonzero(finite)[-1])
    level = float(levels[last])
    slope = 0.0
    if trend and finite.sum() >= 3:
        x = idx[finite].astype(float)
        ly = np.log(levels[finite])
        i, j = np.triu_indices(x.size, k=1)
        slope = float(np.median((ly[j] - ly[i]) / (x[j] - x[i])))
        slope = float(np.clip(slope, -MAX_WEEKLY_LOG_GROWTH, MAX_WEEKLY_LOG_GROWTH))
    # The level is the middle of week `idx[last]`; hour t after the origin is this far from it.
    weeks_after_end = w - 1 - idx[last]
    t = np.arange(hours, dtype=float)
    dt_weeks = (t + HOURS_PER_WEEK / 2 + weeks_after_end * HOURS_PER_WEEK) / HOURS_PER_WEEK
    point = level * np.exp(slope * dt_weeks) * shape[np.arange(hours) % HOURS_PER_WEEK]
    return _Point(point, int(good.sum()), slope, level)


@dataclass(frozen=True, eq=False)
class _Calibration:
    variant: tuple[int, bool]
    multipliers: np.ndarray  # one per horizon day (7), or 7 equal values
    per_day: bool
    origins: int
    ratios: int
    backtest_under_pct: float
    backtest_capacity_ratio: float


def _backtest_origins(n: int) -> list[int]:
    """Origins (indices into the history) whose next week is fully inside it, newest first."""
    latest = n - HOURS_PER_WEEK
    earliest = max(HOURS_PER_WEEK, latest - BACKTEST_SPAN_DAYS * HOURS_PER_DAY)
    return list(range(latest, earliest - 1, -BACKTEST_STEP_HOURS))


def _calibrate(y: np.ndarray, q: float) -> _Calibration | None:
    """Rolling-origin backtest of every candidate variant; pick the one with least capacity."""
    origins = _backtest_origins(y.size)
    if not origins:
        return None
    best: _Calibration | None = None
    best_cost = math.inf
    h_day = np.arange(HOURS_PER_WEEK) // HOURS_PER_DAY
    for weeks, trend in CANDIDATE_VARIANTS:
        preds, acts, days = [], [], []
        for o in origins:
            p = _seasonal_point(y[:o], HOURS_PER_WEEK, weeks, trend)
            if p is None:
                continue
            a = y[o:o + HOURS_PER_WEEK]
            ok = np.isfinite(a) & (p.values > 0)
            preds.append(p.values[ok])
            acts.append(a[ok])
            days.append(h_day[ok])
        if not preds:
            continue
        pred, act, day = np.concatenate(preds), np.concatenate(acts), np.concatenate(days)
        if pred.size == 0:
            continue
        ratio = act / pred
        # Per-horizon-day quantiles when each day has enough tail samples, else one quantile.
        need = MIN_TAIL_SAMPLES / (1.0 - q)
        counts = np.bincount(day, minlength=7)
        per_day = bool((counts >= need).all())
        if per_day:
            mult = np.array([np.quantile(ratio[day == d], q, method="higher") for d in range(7)])
        else:
            mult = np.full(7, np.quantile(ratio, q, method="higher"))
        mult = np.maximum(mult, 1.0)  # never provision below the point forecast
        cap = pred * mult[day]
        cost = float(cap.sum() / act.sum()) if act.sum() > 0 else math.inf
        under = float(np.mean(cap < act) * 100.0)
        cal = _Calibration((weeks, trend), mult, per_day, len(preds), int(ratio.size), under, cost)
        if cost < best_cost:
            best, best_cost = cal, cost
    return best


def forecast_demand(
    history: HourlyHistory,
    hours: int = HOURS_PER_WEEK,
    *,
    quantile_target: float = DEFAULT_QUANTILE_TARGET,
    growth_rate_monthly: float = 0.0,
) -> DemandForecast:
    """Forecast the `hours` after `history.end` and the capacity band to provision.

    With at least `MIN_SEASONAL_HOURS` of history (and usable backtests): the seasonal-profile
    method, variant and band chosen by rolling-origin backtests on `history` itself, the band
    being the `quantile_target` quantile of actual/forecast per horizon day. Horizons beyond a
    week reuse the day-7 multiplier. Otherwise the runbook fallback from the observed peak, with
    `growth_rate_monthly` as the configured growth.
    """
    if hours < 1:
        raise ValueError(f"hours must be >= 1, got {hours}")
    if not 0.5 < quantile_target < 1.0:
        raise ValueError(f"quantile_target must be in (0.5, 1), got {quantile_target}")
    y = np.asarray(history.values, dtype=float)
    start = history.end
    notes = [f"history {history.source}: {len(history)} h from {history.start.isoformat()}, "
             f"{history.observed_hours} observed"]
    notes += [f"history issue: {i}" for i in history.issues]

    cal = _calibrate(y, quantile_target) if y.size >= MIN_SEASONAL_HOURS else None
    point = None
    if cal is not None:
        weeks, trend = cal.variant
        point = _seasonal_point(y, hours, weeks, trend)
    if cal is None or point is None:
        observed = y[np.isfinite(y)]
        base = float(observed.max()) if observed.size else 0.0
        fb = fallback_forecast(
            base, start=start, hours=hours, growth_rate_monthly=growth_rate_monthly,
            base_reason=f"peak of {observed.size} observed hours; fewer than "
                        f"{MIN_SEASONAL_HOURS} h of history, too short to calibrate",
        )
        return DemandForecast(fb.starts, fb.point, fb.upper, fb.method, fb.headroom,
                              tuple(notes) + fb.reasons)

    h_day = np.minimum(np.arange(hours) // HOURS_PER_DAY, 6)
    upper = point.values * cal.multipliers[h_day]
    weeks, trend = cal.variant
    method = (
        f"seasonal hour-of-week profile: median shape of the last {point.weeks_used} week(s), "
        f"robust level {point.level:.6g}"
        + (f", Theil-Sen trend {math.expm1(point.weekly_log_growth):+.2%}/week" if trend else ", no trend")
    )
    mult_txt = (
        "per horizon day " + ", ".join(f"d{d + 1} x{m:.3f}" for d, m in enumerate(cal.multipliers))
        if cal.per_day else f"x{cal.multipliers[0]:.3f} for all horizons"
    )
    headroom = (
        f"calibrated band: q{quantile_target * 100:g} of actual/forecast over {cal.origins} "
        f"rolling-origin backtests ({cal.ratios} hours, one origin a day, each forecasting the next "
        f"{HOURS_PER_WEEK} h from earlier data only): {mult_txt}; on those backtests "
        f"{cal.backtest_under_pct:.2f}% of hours were under capacity at a capacity/demand ratio of "
        f"{cal.backtest_capacity_ratio:.3f}"
    )
    reasons = tuple(notes) + (
        f"variant chosen by backtest among (weeks, trend) {list(CANDIDATE_VARIANTS)}: {cal.variant}",
        "missing hours are masked out of shape and level, never interpolated",
    )
    return DemandForecast(
        starts=[start + i * HOUR for i in range(hours)],
        point=point.values,
        upper=upper,
        method=method,
        headroom=headroom,
        reasons=reasons,
    )


def hour_of_week_curve(forecast: DemandForecast) -> list[float]:
    """168 capacities, Monday 00:00 first: the max of `upper` per hour-of-week over the horizon.

    Hours of the week the horizon does not cover take the overall max (safe side); the plan
    turns this curve into ASG scheduled actions.
    """
    out = np.full(HOURS_PER_WEEK, -np.inf)
    for ts, u in zip(forecast.starts, forecast.upper):
        how = ts.weekday() * HOURS_PER_DAY + ts.hour
        out[how] = max(out[how], float(u))
    fill = float(np.max(forecast.upper)) if forecast.upper.size else 0.0
    return [float(v) if np.isfinite(v) else fill for v in out]
