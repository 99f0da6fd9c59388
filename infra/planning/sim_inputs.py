"""Inputs of the scaling simulator: minute demand from an hourly history, MinSize per minute from a
plan's scheduled actions. PURE: numpy and the standard library only.

**Within-hour demand model** (documented, seeded): an hourly history says nothing about the minutes
inside an hour, yet alarms act on 60 s periods. The minute series is
1. a ramp: linear between the hours' midpoints (so a rising evening climbs minute by minute);
2. times a multiplicative noise exp(s x e - s^2/2), with e a unit-variance moving average of white
   noise over an exponential kernel of `BURST_MINUTES` (bursts last minutes, not one minute);
   s is the history's own hour-to-hour variability: the robust spread (MAD) of
   log y[t] - (log y[t-1] + log y[t+1]) / 2, divided by sqrt(1.5) (that difference of three
   independent noises has 1.5x the variance of one), clipped to [0, MAX_MINUTE_SIGMA];
3. rescaled hour by hour so that every hour's mean is exactly the history's value.
Unobserved hours (NaN) are interpolated for the controllers and masked out of every score.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from infra.model.cron import cron_days

MINUTES_PER_HOUR = 60
MINUTES_PER_WEEK = 7 * 24 * 60
# Correlation time of the within-hour noise, minutes: a burst of traffic lasts minutes.
BURST_MINUTES = 10.0
# Cap of the within-hour log-spread: beyond this the "noise" is an outage or a spike train, not noise.
MAX_MINUTE_SIGMA = 0.5
# With fewer than this many usable hour triples the spread falls back to DEFAULT_MINUTE_SIGMA.
MIN_SIGMA_SAMPLES = 24
DEFAULT_MINUTE_SIGMA = 0.05


def hourly_sigma(hourly: np.ndarray) -> float:
    """The history's hour-to-hour log-spread (see the module docstring), clipped to [0, MAX_MINUTE_SIGMA]."""
    y = np.asarray(hourly, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ly = np.where(y > 0, np.log(np.where(y > 0, y, 1.0)), np.nan)
    if ly.size < 3:
        return DEFAULT_MINUTE_SIGMA
    r = ly[1:-1] - 0.5 * (ly[:-2] + ly[2:])
    r = r[np.isfinite(r)]
    if r.size < MIN_SIGMA_SAMPLES:
        return DEFAULT_MINUTE_SIGMA
    mad = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    return float(min(max(mad / math.sqrt(1.5), 0.0), MAX_MINUTE_SIGMA))


def _fill(hourly: np.ndarray) -> np.ndarray:
    y = np.asarray(hourly, dtype=float)
    ok = np.isfinite(y)
    if ok.all():
        return y.copy()
    if not ok.any():
        return np.zeros_like(y)
    idx = np.arange(y.size)
    filled: np.ndarray = np.interp(idx, idx[ok], y[ok])
    return filled


def _hour_means(m: np.ndarray, hours: int) -> np.ndarray:
    means: np.ndarray = m.reshape(hours, MINUTES_PER_HOUR).mean(axis=1)
    return means


def minute_demand(hourly: np.ndarray, seed: int = 0, sigma: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """(minute demand, observed mask per minute, sigma used) for an hourly series (NaN = unobserved)."""
    y = _fill(hourly)
    hours = y.size
    s = hourly_sigma(hourly) if sigma is None else float(sigma)
    t = (np.arange(hours * MINUTES_PER_HOUR) + 0.5) / MINUTES_PER_HOUR
    ramp = np.interp(t, np.arange(hours) + 0.5, y)
    if s > 0:
        rng = np.random.default_rng(seed)
        k = np.exp(-np.arange(int(5 * BURST_MINUTES)) / BURST_MINUTES)
        white = rng.standard_normal(ramp.size + k.size - 1)
        e = np.convolve(white, k, mode="valid") / math.sqrt(float((k * k).sum()))
        ramp = ramp * np.exp(s * e - 0.5 * s * s)
    means = _hour_means(ramp, hours)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(means > 0, y / means, 0.0)
    minutes = ramp * np.repeat(scale, MINUTES_PER_HOUR)
    observed = np.repeat(np.isfinite(np.asarray(hourly, dtype=float)), MINUTES_PER_HOUR)
    return minutes, observed, s


# ------------------------------------------------------------------------------- schedules


def _local_minute_of_week(start: datetime, hours: int, zone: str) -> np.ndarray:
    """Local minute-of-week (Monday 00:00 = 0) at the start of each UTC hour from `start` (naive UTC).

    The zone's offset is looked up once a day, and hour by hour only on the days it changes (DST).
    """
    tz = ZoneInfo(zone)
    base = start.replace(tzinfo=UTC)

    def offset_min(k: int) -> int:
        off = (base + timedelta(hours=k)).astimezone(tz).utcoffset() or timedelta(0)
        return int(off.total_seconds() // 60)

    days = hours // 24 + 2
    daily = np.array([offset_min(24 * j) for j in range(days)], dtype=np.int64)
    off = np.repeat(daily, 24)[:hours]
    for j in np.flatnonzero(daily[:-1] != daily[1:]):
        for k in range(24 * int(j), min(24 * (int(j) + 1), hours)):
            off[k] = offset_min(k)
    utc_mow = base.weekday() * 1440 + base.hour * 60 + base.minute
    return (utc_mow + 60 * np.arange(hours, dtype=np.int64) + off) % MINUTES_PER_WEEK


def min_size_series(schedule: Any, start: datetime, minutes: int, base_min: int, max_size: int) -> np.ndarray:
    """MinSize in force each minute from `start` (naive UTC) under `schedule` (a TierSchedule or None).

    Recurring actions ('M H * * DAYS' in the schedule's time zone, DST included) and one-time actions
    (UTC start_time) are applied in time order from one week before `start`, so the value in force
    at `start` is the one the last earlier action set; before any action the group's own minimum
    `base_min` holds. Values never exceed `max_size`.
    """
    out = np.full(minutes, min(base_min, max_size), dtype=np.int64)
    actions: Sequence[Any] = getattr(schedule, "actions", ()) or ()
    if not actions:
        return out
    lead = MINUTES_PER_WEEK
    hours = -(-(minutes + lead) // MINUTES_PER_HOUR)
    origin = start - timedelta(minutes=lead)
    lmow = _local_minute_of_week(origin, hours, schedule.time_zone)
    events: list[tuple[int, int, int]] = []  # (minute from origin, order, value)
    for order, action in enumerate(actions):
        if action.recurrence:
            minute, hour, _dom, _mon, dow = action.recurrence.split()
            for day in cron_days(dow):
                target = day * 1440 + int(hour) * 60 + int(minute)
                delta = (target - lmow) % MINUTES_PER_WEEK
                for k in np.flatnonzero(delta < MINUTES_PER_HOUR):
                    events.append((int(k) * MINUTES_PER_HOUR + int(delta[k]), order, action.min_size))
        elif action.start_time:
            when = datetime.strptime(action.start_time, "%Y-%m-%dT%H:%M:%SZ")
            m = int((when - origin).total_seconds() // 60)
            if 0 <= m < minutes + lead:
                events.append((m, order, action.min_size))
    if not events:
        return out
    events.sort()
    starts = np.array([e[0] for e in events], dtype=np.int64)
    values = np.array([e[2] for e in events], dtype=np.int64)
    keep = np.append(starts[1:] != starts[:-1], True)  # same minute: the later action in time order wins
    starts, values = starts[keep], values[keep]
    total = minutes + lead
    inside = starts < total
    starts, values = starts[inside], values[inside]
    if starts.size == 0 or starts[0] > 0:  # before the first action the group's own minimum holds
        starts = np.concatenate(([0], starts))
        values = np.concatenate(([min(base_min, max_size)], values))
    series = np.repeat(values, np.diff(np.append(starts, total)))
    capped: np.ndarray = np.minimum(series[lead:], max_size)
    return capped
