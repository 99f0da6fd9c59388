"""Demand history loaders: an hourly CSV (pure) and CloudWatch (boto3, imported lazily).

Both return a `HourlyHistory`: one value per hour on a *contiguous* hourly grid, with NaN for
hours that were not observed. Gaps, duplicates, time-zone offsets and blank values are never
silently repaired into numbers; they stay NaN and are described in `HourlyHistory.issues`, so the
forecaster can mask them and the plan can show the operator what the forecast was built on.

Time zones: timestamps without an offset are taken as they are (the grid is "wall clock of the
file"; `shared/traces/nasa_http_hourly_1995.csv` is EDT, the Wikipedia trace is UTC). Timestamps
with an offset (`+02:00`, `Z`) are converted to UTC and the offset dropped, so every
`HourlyHistory` holds naive datetimes. A file mixing naive and offset timestamps is rejected:
there is no safe way to line the two up.

Bad input raises `HistoryError`, whose message is one line naming the file, the row and what is
allowed; the CLI maps it to exit code 2.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

HOUR = timedelta(hours=1)

# Fewer observed hours than one day cannot show even a daily cycle; refuse rather than guess.
MIN_OBSERVED_HOURS = 24

# Blank cells and these spellings mean "not measured this hour": kept as a reported gap.
_MISSING_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none", "-"})

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


# --------------------------------------------------------------------------- helpers


def _fmt(ts: datetime) -> str:
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
        f"{_fmt(start + int(a) * HOUR)}..{_fmt(start + int(b - 1) * HOUR)} ({int(b - a)} h)"
        for a, b in listed
    ]
    if len(runs) > len(listed):
        parts.append(f"and {len(runs) - len(listed)} shorter")
    noun = "gap" if len(runs) == 1 else "gaps"
    return (
        f"{len(runs)} {noun}, {int(missing.sum())} missing hours (left as NaN, not interpolated): "
        + ", ".join(parts)
    )


def _grid_from_points(
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


# --------------------------------------------------------------------------- CSV


def _parse_timestamp(text: str) -> datetime | None:
    """ISO-8601 (`2009-10-15 00:00:00`, `...T00:00Z`, `...+02:00`) or Unix seconds; else None."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and len(text) >= 9:
        try:
            return datetime.fromtimestamp(int(text), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            # Seconds beyond what datetime/the C library can represent (e.g. year > 9999): not a timestamp.
            return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _parse_number(text: str) -> float | None:
    """A finite float, NaN for a recognised 'missing' token, None if not a number at all."""
    t = text.strip()
    if t.lower() in _MISSING_TOKENS:
        return math.nan
    try:
        v = float(t.replace("_", ""))
    except ValueError:
        return None
    if math.isinf(v):
        return None
    return v


def load_history_csv(path: str | Path) -> HourlyHistory:
    """Load an hourly demand CSV: column 1 hour-start timestamp, column 2 demand.

    A header row is recognised (first row whose first cell is not a timestamp). Further columns
    are ignored. Reported, not fatal: missing hours (NaN), blank/`nan` demand cells (NaN),
    duplicate hours (the first row is kept), rows out of order (sorted), UTC offsets (converted
    to UTC). Fatal (`HistoryError`): missing/empty file, unparseable timestamp, a timestamp not
    on the hour, non-numeric or negative demand, mixed naive/offset timestamps, fewer than
    `MIN_OBSERVED_HOURS` observed hours.
    """
    p = Path(path)
    name = str(p)  # the path as given, so the message names the file the user passed
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise HistoryError(f"{p}: file not found (expected an hourly demand CSV)") from None
    except IsADirectoryError:
        raise HistoryError(f"{p}: is a directory (expected an hourly demand CSV)") from None
    except UnicodeDecodeError:
        raise HistoryError(f"{name}: not a UTF-8 text file (expected an hourly demand CSV)") from None
    except OSError as exc:
        raise HistoryError(f"{p}: cannot read ({exc.strerror})") from None

    rows = [r for r in csv.reader(text.splitlines())]
    numbered = [(i + 1, r) for i, r in enumerate(rows) if r and any(c.strip() for c in r)]
    if not numbered:
        raise HistoryError(
            f"{name}: file is empty (expected rows of 'hour start timestamp, demand')"
        )

    # Header: the first non-blank row, if its first cell is not a timestamp.
    if _parse_timestamp(numbered[0][1][0]) is None:
        numbered = numbered[1:]
    if not numbered:
        raise HistoryError(f"{name}: only a header row (expected rows of 'hour start, demand')")

    points: dict[datetime, float] = {}
    issues: list[str] = []
    duplicates: list[str] = []
    blanks = 0
    offsets: set[str] = set()
    naive_row = aware_row = None
    out_of_order = False
    prev: datetime | None = None
    for rowno, row in numbered:
        if len(row) < 2:
            raise HistoryError(
                f"{name}: row {rowno}: {len(row)} column (expected 'hour start timestamp, demand')"
            )
        ts = _parse_timestamp(row[0])
        if ts is None:
            raise HistoryError(
                f"{name}: row {rowno} column 1: {row[0].strip()!r} is not a timestamp "
                "(expected an ISO hour start such as 2009-10-15 00:00:00)"
            )
        if ts.tzinfo is not None:
            aware_row = aware_row or rowno
            offsets.add(ts.strftime("%z") or "+0000")
            ts = ts.astimezone(timezone.utc).replace(tzinfo=None)
        else:
            naive_row = naive_row or rowno
        if naive_row and aware_row:
            raise HistoryError(
                f"{name}: row {max(naive_row, aware_row)} column 1: mixes timestamps with and "
                f"without a UTC offset (rows {min(naive_row, aware_row)} and "
                f"{max(naive_row, aware_row)}; expected one convention for the whole file)"
            )
        if ts.minute or ts.second or ts.microsecond:
            raise HistoryError(
                f"{name}: row {rowno} column 1: {row[0].strip()!r} is not an hour start "
                "(expected minutes and seconds of 00)"
            )
        v = _parse_number(row[1])
        if v is None:
            raise HistoryError(
                f"{name}: row {rowno} column 2: {row[1].strip()!r} is not a number "
                "(expected a non-negative request count)"
            )
        if v < 0:
            raise HistoryError(
                f"{name}: row {rowno} column 2: {row[1].strip()} is negative "
                "(expected a non-negative request count)"
            )
        if math.isnan(v):
            blanks += 1
        if prev is not None and ts < prev:
            out_of_order = True
        prev = ts
        if ts in points:
            duplicates.append(f"{_fmt(ts)} (row {rowno})")
            continue
        points[ts] = v

    if offsets:
        issues.append(
            f"timestamps carry UTC offsets ({', '.join(sorted(offsets))}); converted to UTC"
        )
    if out_of_order:
        issues.append("rows were not in time order; sorted by hour")
    if duplicates:
        shown = ", ".join(duplicates[:_MAX_LISTED_RANGES])
        more = f" and {len(duplicates) - _MAX_LISTED_RANGES} more" if len(duplicates) > _MAX_LISTED_RANGES else ""
        issues.append(
            f"{len(duplicates)} duplicate hour{'s' if len(duplicates) != 1 else ''} "
            f"(kept the first row): {shown}{more}"
        )
    if blanks:
        issues.append(f"{blanks} row{'s' if blanks != 1 else ''} with a blank/NaN demand (treated as missing)")
    return _grid_from_points(points, str(p), issues)


# --------------------------------------------------------------------------- CloudWatch


def _hour_floor(ts: datetime) -> datetime:
    if ts.tzinfo is not None:
        ts = ts.astimezone(timezone.utc).replace(tzinfo=None)
    return ts.replace(minute=0, second=0, microsecond=0)


def load_history_cloudwatch(
    region: str,
    *,
    load_balancer: str | None = None,
    asg_name: str | None = None,
    start: datetime,
    end: datetime,
    client: Any = None,
    max_datapoints: int | None = None,
    metric: tuple[str, str, dict[str, str], str] | None = None,
) -> HourlyHistory:
    """Hourly history from CloudWatch `GetMetricData`, one query, paginated via NextToken.

    Exactly one of `load_balancer` (ALB dimension value, e.g. `app/web/0123456789abcdef`:
    `AWS/ApplicationELB` `RequestCount`, Sum per hour, i.e. requests per hour), `asg_name`
    (`AWS/EC2` `CPUUtilization`, Average per hour by `AutoScalingGroupName`, percent) or `metric`
    = (namespace, metric name, dimensions, statistic) for any metric (infra/sources/history_source.py).
    `start`/`end` are hour-aligned (naive = UTC); the grid covers `[start, end)` and hours
    CloudWatch returns nothing for are NaN and reported. `client` is an injected
    `boto3.client("cloudwatch")` (tests pass a moto-backed one); `max_datapoints` bounds the page
    size (CloudWatch's own default otherwise).
    """
    if [load_balancer, asg_name, metric].count(None) != 2:
        raise HistoryError(
            "cloudwatch: give exactly one of load_balancer or asg_name "
            "(expected an ALB dimension value or an Auto Scaling group name) or metric"
        )
    start_h, end_h = _hour_floor(start), _hour_floor(end)
    if end_h <= start_h:
        raise HistoryError(
            f"cloudwatch: end {_fmt(end_h)} is not after start {_fmt(start_h)} "
            "(expected start < end, whole hours)"
        )
    if client is None:
        import boto3  # lazy: planning modules and tests of the CSV path never need boto3

        client = boto3.client("cloudwatch", region_name=region)

    if load_balancer is not None:
        namespace, name, dims, stat = "AWS/ApplicationELB", "RequestCount", {"LoadBalancer": load_balancer}, "Sum"
        what = f"alb {load_balancer} RequestCount Sum/h"
    elif asg_name is not None:
        namespace, name, dims, stat = "AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": asg_name}, "Average"
        what = f"asg {asg_name} CPUUtilization Average/h"
    else:
        namespace, name, dims, stat = metric  # type: ignore[misc]
        what = f"{namespace}/{name}" + "".join(f" {k}={v}" for k, v in dims.items()) + f" {stat}/h"
    source = f"cloudwatch:{region}:{what}"
    query = {"Namespace": namespace, "MetricName": name,
             "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}

    kwargs: dict[str, Any] = {
        "MetricDataQueries": [
            {
                "Id": "demand",
                "MetricStat": {"Metric": query, "Period": 3600, "Stat": stat},
                "ReturnData": True,
            }
        ],
        "StartTime": start_h.replace(tzinfo=timezone.utc),
        "EndTime": end_h.replace(tzinfo=timezone.utc),
        "ScanBy": "TimestampAscending",
    }
    if max_datapoints is not None:
        kwargs["MaxDatapoints"] = max_datapoints

    points: dict[datetime, float] = {}
    pages = 0
    while True:
        resp = client.get_metric_data(**kwargs)
        pages += 1
        for result in resp.get("MetricDataResults", []):
            for ts, val in zip(result.get("Timestamps", []), result.get("Values", [])):
                h = _hour_floor(ts)
                if start_h <= h < end_h:
                    # Pages never overlap for one query; keep the first value if they do.
                    points.setdefault(h, float(val))
        token = resp.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token

    # Pin the grid to the requested window so leading/trailing silence shows up as gaps.
    points.setdefault(start_h, math.nan)
    points.setdefault(end_h - HOUR, math.nan)
    issues = [f"fetched in {pages} page{'s' if pages != 1 else ''}"] if pages > 1 else []
    try:
        return _grid_from_points(points, source, issues)
    except HistoryError as exc:
        raise HistoryError(f"{source}: {str(exc).split(': ', 1)[1]}") from None
