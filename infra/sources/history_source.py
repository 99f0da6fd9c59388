"""`--history SOURCE` for `scaling plan`, `forecast` and `simulate`: a CSV path or a CloudWatch metric.

CloudWatch syntax (one argument; quote it in a shell because of `?` and `&`):

    cloudwatch:<Namespace>/<MetricName>?<Dimension>=<Value>&...[&stat=Sum][&region=R][&days=28]
                                        [&start=2024-01-01&end=2024-02-01][&period=3600]

- Namespace may hold slashes (`AWS/ApplicationELB`): the metric name is the part after the last `/`.
- Every query key other than stat, region, period, days, start, end is a dimension; write
  `dimension.<Name>=<Value>` for a dimension called like one of those. Values are %-decoded
  (`%26` for `&`); `+` stays a plus.
- stat: Sum (default), Average, Maximum, Minimum, SampleCount or a percentile pNN[.N].
- region: default the stack's primary region (`plan`), else AWS_REGION / AWS_DEFAULT_REGION.
- Time range: `days` (default 28) hours back from the last whole hour, or `start`/`end` (ISO date or
  date-time, UTC; `end` defaults to the last whole hour). CloudWatch keeps hourly data 455 days.
- period: 3600 only (the history is hourly; a longer period has no hourly shape to forecast).

The values are taken in `demand.history_unit` (default requests per hour: ALB RequestCount Sum/h).
`scaling simulate`'s short form `cloudwatch:<region>:<ALB dimension value>[:<days>]` is read too
(ALB RequestCount Sum per hour).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

from infra.sources.aws import client, require_credentials, translated
from infra.sources.metrics import HistoryError, HourlyHistory, load_history_cloudwatch, load_history_csv

PREFIX = "cloudwatch:"
SYNTAX = ("cloudwatch:<Namespace>/<Metric>?<Dimension>=<Value>&stat=Sum&region=us-east-1&days=28 "
          "(see README: History from CloudWatch)")
STATS = ("Sum", "Average", "Maximum", "Minimum", "SampleCount")
RESERVED = ("stat", "region", "period", "days", "start", "end")
DEFAULT_DAYS = 28  # four weeks: enough weekly cycles for the forecaster's seasonal fit
MAX_DAYS = 455  # CloudWatch retention of 1-hour datapoints
HOURLY_PERIOD_S = 3600


@dataclass(frozen=True)
class CloudWatchSource:
    """A parsed `cloudwatch:` history source."""

    namespace: str
    metric: str
    dimensions: dict[str, str] = field(default_factory=dict)
    stat: str = "Sum"
    region: str | None = None
    start: datetime | None = None  # naive UTC
    end: datetime | None = None
    days: int = DEFAULT_DAYS


def is_cloudwatch(text: str | None) -> bool:
    """True when `--history` names a CloudWatch metric rather than a file."""
    return bool(text) and str(text).startswith(PREFIX)


def _bad(text: str, key: str, allowed: str) -> HistoryError:
    return HistoryError(f"--history {text}: {key}: {allowed}")


def _when(text: str, key: str, value: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(text, key, f"{value!r} is not a date; allowed an ISO date or date-time (UTC), "
                              "e.g. 2024-01-01 or 2024-01-01T06:00") from None
    return stamp.astimezone(timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp


SHORT_FORM = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+):(?P<alb>[^:?]+)(?::(?P<days>\d+))?$")


def parse(text: str) -> CloudWatchSource:
    """Parse a `cloudwatch:` source; HistoryError (one line: the source, the key, what is allowed)."""
    body = text[len(PREFIX):]
    short = SHORT_FORM.match(body)
    if short:  # simulate's `cloudwatch:<region>:<ALB>[:<days>]`
        days = int(short["days"] or DEFAULT_DAYS)
        if not 1 <= days <= MAX_DAYS:
            raise _bad(text, "days", f"{days} is not allowed; allowed a whole number 1..{MAX_DAYS}")
        return CloudWatchSource(namespace="AWS/ApplicationELB", metric="RequestCount",
                                dimensions={"LoadBalancer": short["alb"]}, region=short["region"], days=days)
    path, _, query = body.partition("?")
    namespace, _, metric = path.rpartition("/")
    if not namespace or not metric:
        raise _bad(text, "metric", f"expected <Namespace>/<MetricName>, e.g. {SYNTAX}")
    params: dict[str, str] = {}
    dims: dict[str, str] = {}
    for item in filter(None, query.split("&")):
        key, sep, value = item.partition("=")
        key, value = unquote(key), unquote(value)
        if not sep or not key:
            raise _bad(text, item, "expected key=value")
        if key.startswith("dimension."):
            dims[key[len("dimension."):]] = value
        elif key in RESERVED:
            params[key] = value
        else:
            dims[key] = value
    stat = params.get("stat", "Sum")
    if stat not in STATS and not re.fullmatch(r"p\d{1,2}(\.\d+)?", stat):
        raise _bad(text, "stat", f"{stat!r} is not allowed; allowed: {', '.join(STATS)} or a percentile pNN")
    if params.get("period", str(HOURLY_PERIOD_S)) not in (str(HOURLY_PERIOD_S), "1h"):
        raise _bad(text, "period", f"{params['period']!r} is not allowed; the history is hourly: period=3600")
    days_text = params.get("days", str(DEFAULT_DAYS))
    if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_DAYS:
        raise _bad(text, "days", f"{days_text!r} is not allowed; allowed a whole number 1..{MAX_DAYS}")
    start = _when(text, "start", params["start"]) if "start" in params else None
    end = _when(text, "end", params["end"]) if "end" in params else None
    if start and end and end <= start:
        raise _bad(text, "end", f"{params['end']} is not after start {params['start']}")
    return CloudWatchSource(namespace=namespace, metric=metric, dimensions=dims, stat=stat,
                            region=params.get("region"), start=start, end=end, days=int(days_text))


def window(source: CloudWatchSource, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the query: explicit bounds, else `days` back from the last whole hour (UTC)."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    end = source.end or now.replace(minute=0, second=0, microsecond=0)
    return source.start or end - timedelta(days=source.days), end


def load_history(text: str | Path, default_region: str | None = None, now: datetime | None = None,
                 cloudwatch: object | None = None) -> HourlyHistory:
    """A CSV file or a CloudWatch source as an HourlyHistory. Raises HistoryError (bad source, empty
    data) or AwsError (credentials, throttling after retries, unreachable endpoint, refused)."""
    if not is_cloudwatch(str(text)):
        return load_history_csv(text)
    text = str(text)
    source = parse(text)
    region = source.region or default_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise _bad(text, "region", "no region: add &region=<aws region> or set AWS_REGION")
    start, end = window(source, now)
    if cloudwatch is None:
        require_credentials()
        cloudwatch = client("cloudwatch", region)
    with translated("cloudwatch GetMetricData", region):
        return load_history_cloudwatch(region, start=start, end=end, client=cloudwatch,
                                       metric=(source.namespace, source.metric, source.dimensions, source.stat))
