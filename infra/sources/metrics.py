"""Demand history from CloudWatch (boto3, imported lazily), and the public names of every loader.

`load_history_cloudwatch` returns the same `HourlyHistory` as the CSV loader
(infra/sources/history_csv.py); both are importable from here.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from infra.sources.history import HOUR, MIN_OBSERVED_HOURS, HistoryError, HourlyHistory, describe_gaps, grid_from_points
from infra.sources.history import fmt_hour as _fmt
from infra.sources.history_csv import load_history_csv

__all__ = ["HOUR", "MIN_OBSERVED_HOURS", "HistoryError", "HourlyHistory", "describe_gaps", "load_history_csv",
           "load_history_cloudwatch"]


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
        return grid_from_points(points, source, issues)
    except HistoryError as exc:
        raise HistoryError(f"{source}: {str(exc).split(': ', 1)[1]}") from None
