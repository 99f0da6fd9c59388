"""Hourly demand history: the `HourlyHistory` grid every loader returns, and its shared helpers.

One value per hour on a *contiguous* hourly grid, with NaN for hours that were not observed. Gaps,
duplicates, time-zone offsets and blank values are never silently repaired into numbers; they stay
NaN and are described in `HourlyHistory.issues`, so the forecaster can mask them and the plan can
show the operator what the forecast was built on. Loaders: infra/sources/history_csv.py (CSV) and
infra/sources/metrics.py (CloudWatch). Bad input raises `HistoryError` (one line: file, row, what is
allowed; the CLI exits 2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

HOUR = timedelta(hours=1)

# Fewer observed hours than one day cannot show even a daily cycle; refuse rather than guess.
MIN_OBSERVED_HOURS = 24

# Issues list at most this many gap ranges verbatim; the rest are summarised by count.
_MAX_LISTED_RANGES = 5


class HistoryError(Exception):
    """Unusable demand history. `str()` is one line: file, row/key, what is allowed."""


@dataclass(frozen=True, eq=False)
class HourlyHistory:
    """Hourly demand on a contiguous grid.

    `start` is the first hour (naive datetime, see the module docstring for time zones);
    `values[i]` is the demand of hour `start + i h`, NaN where the hour was not observed;
    `source` names where it came from; `issues` are human-readable notes on gaps, duplicates,
    offsets and blank values found while loading.
    """

    start: datetime
    values: np.ndarray
    source: str
    issues: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A read-only float copy: the history is shared by forecasts and must not drift.
        arr = np.array(self.values, dtype=float, copy=True)
        if arr.ndim != 1:
            raise ValueError("HourlyHistory.values must be one-dimensional")
        arr.setflags(write=False)
        object.__setattr__(self, "values", arr)
        object.__setattr__(self, "issues", tuple(self.issues))

    def __len__(self) -> int:
        return int(self.values.size)

    @property
    def end(self) -> datetime:
        """The hour *after* the last grid hour (exclusive end); forecasts start here."""
        return self.start + len(self) * HOUR

    @property
    def timestamps(self) -> list[datetime]:
        """Hour-start datetime of every grid position (same length as `values`)."""
        return [self.start + i * HOUR for i in range(len(self))]

    @property
    def observed_hours(self) -> int:
        """Number of hours with a measured (non-NaN) value."""
        return int(np.count_nonzero(~np.isnan(self.values)))

    @property
    def missing_hours(self) -> int:
        """Number of grid hours without a measurement."""
        return len(self) - self.observed_hours


def fmt_hour(ts: datetime) -> str:
    """`2024-03-04T09:00`: how messages and issues name an hour."""
    return ts.strftime("%Y-%m-%dT%H:%M")


def describe_gaps(start: datetime, values: np.ndarray) -> str | None:
    """One line summarising the NaN runs of an hourly grid, or None if there are none.

    Example: "3 gaps, 41 missing hours: 1995-08-01T14:00..1995-08-03T03:00 (38 h), ...".
    The range is inclusive: first and last missing hour.
    """
    missing = np.isnan(values)
    if not missing.any():
        return None
    # Run boundaries of the missing mask.
    padded = np.concatenate(([False], missing, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    runs = list(zip(edges[0::2], edges[1::2]))
    runs_desc = sorted(runs, key=lambda r: (-(r[1] - r[0]), r[0]))
    listed = sorted(runs_desc[:_MAX_LISTED_RANGES])
    parts = [
        f"{fmt_hour(start + int(a) * HOUR)}..{fmt_hour(start + int(b - 1) * HOUR)} ({int(b - a)} h)"
        for a, b in listed
    ]
    if len(runs) > len(listed):
        parts.append(f"and {len(runs) - len(listed)} shorter")
    noun = "gap" if len(runs) == 1 else "gaps"
    return (
        f"{len(runs)} {noun}, {int(missing.sum())} missing hours (left as NaN, not interpolated): "
        + ", ".join(parts)
    )


def grid_from_points(
    points: dict[datetime, float], source: str, issues: list[str]
) -> HourlyHistory:
    """Place hour→value points on a contiguous grid and validate the result."""
    name = str(source) if source else "history"
    finite = {k: v for k, v in points.items() if not math.isnan(v)}
    if len(finite) < MIN_OBSERVED_HOURS:
        raise HistoryError(
            f"{name}: only {len(finite)} hours with a value "
            f"(expected at least {MIN_OBSERVED_HOURS} hourly rows of demand)"
        )
    hours = sorted(points)
    start, last = hours[0], hours[-1]
    n = int((last - start) / HOUR) + 1
    values = np.full(n, np.nan)
    for ts, v in points.items():
        values[int((ts - start) / HOUR)] = v
    gaps = describe_gaps(start, values)
    if gaps:
        issues.append(gaps)
    return HourlyHistory(start=start, values=values, source=source, issues=tuple(issues))
