"""`--history cloudwatch:...`: the syntax, the loader over moto, and the CLI (forecast, plan) with errors."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.cli import main as cli
from infra.sources.aws import AwsError
from infra.sources.history_source import CloudWatchSource, load_history, parse, window
from infra.sources.metrics import HistoryError
from tests.conftest import ROOT

ALB = "app/web/0123456789abcdef"
T0 = datetime(2024, 1, 1)


def test_parse_namespace_metric_dimensions_and_options():
    source = parse(f"cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer={ALB}&stat=Sum&region=eu-west-1&days=14")
    assert source == CloudWatchSource(namespace="AWS/ApplicationELB", metric="RequestCount",
                                      dimensions={"LoadBalancer": ALB}, stat="Sum", region="eu-west-1", days=14)
    custom = parse("cloudwatch:Shop/Orders?Env=prod%26eu&dimension.region=x+y&stat=p99&start=2024-01-01&end=2024-01-03")
    assert custom.dimensions == {"Env": "prod&eu", "region": "x+y"}
    assert (custom.stat, custom.start, custom.end) == ("p99", datetime(2024, 1, 1), datetime(2024, 1, 3))
    assert window(custom) == (datetime(2024, 1, 1), datetime(2024, 1, 3))
    assert window(parse("cloudwatch:A/B?days=2"), now=datetime(2024, 5, 3, 10, 42)) == (
        datetime(2024, 5, 1, 10), datetime(2024, 5, 3, 10))
    # `scaling simulate`'s short form means the same ALB metric
    assert parse(f"cloudwatch:us-east-1:{ALB}:14") == CloudWatchSource(
        namespace="AWS/ApplicationELB", metric="RequestCount", dimensions={"LoadBalancer": ALB}, region="us-east-1",
        days=14)


@pytest.mark.parametrize("text, message", [
    ("cloudwatch:RequestCount", "--history cloudwatch:RequestCount: metric: expected <Namespace>/<MetricName>"),
    ("cloudwatch:A/B?stat=Median", "stat: 'Median' is not allowed; allowed: Sum, Average, Maximum, Minimum, SampleCount"),
    ("cloudwatch:A/B?period=60", "period: '60' is not allowed; the history is hourly: period=3600"),
    ("cloudwatch:A/B?days=0", "days: '0' is not allowed; allowed a whole number 1..455"),
    ("cloudwatch:A/B?start=yesterday", "start: 'yesterday' is not a date"),
    ("cloudwatch:A/B?start=2024-02-01&end=2024-01-01", "end: 2024-01-01 is not after start 2024-02-01"),
    ("cloudwatch:A/B?LoadBalancer", "LoadBalancer: expected key=value"),
])
def test_bad_sources_name_the_key_and_what_is_allowed(text, message):
    with pytest.raises(HistoryError) as err:
        parse(text)
    assert message in str(err.value) and "\n" not in str(err.value)


def _seed(cw, hours: int, value=lambda i: 1000.0 + i) -> None:
    for start in range(0, hours, 500):
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
            {"MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer", "Value": ALB}],
             "Timestamp": (T0 + timedelta(hours=i, minutes=5)).replace(tzinfo=timezone.utc), "Value": value(i)}
            for i in range(start, min(hours, start + 500))])


def test_load_a_metric_with_any_dimensions_through_the_existing_loader():
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        _seed(cw, 48)
        history = load_history(f"cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer={ALB}&start=2024-01-01"
                               "&end=2024-01-03", default_region="us-east-1", cloudwatch=cw)
    assert (history.start, len(history), history.observed_hours) == (T0, 48, 48)
    assert (history.values[0], history.values[47]) == (1000.0, 1047.0)
    assert history.source == f"cloudwatch:us-east-1:AWS/ApplicationELB/RequestCount LoadBalancer={ALB} Sum/h"


class Throttled:
    def get_metric_data(self, **_):
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "GetMetricData")


def test_throttling_after_retries_is_one_line():
    with pytest.raises(AwsError) as err:
        load_history("cloudwatch:A/B?region=us-east-1", cloudwatch=Throttled())
    assert str(err.value) == ("cloudwatch GetMetricData in us-east-1: throttled by AWS (Throttling) after 5 attempts; "
                              "retry in a minute")
    assert err.value.kind == "throttled"


def test_forecast_and_plan_read_cloudwatch_through_the_endpoint(aws, capsys):
    # moto's server cannot read botocore's gzip-compressed PutMetricData bodies
    cw = boto3.client("cloudwatch", region_name="us-east-1", config=Config(disable_request_compression=True))
    _seed(cw, 24 * 14, value=lambda i: 1_000_000.0 + 400_000.0 * ((i % 24) in range(9, 18)))
    source = f"cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer={ALB}&start=2024-01-01&end=2024-01-15"
    assert cli.main(["forecast", "--history", source + "&region=us-east-1", "--hours", "24", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr()[0])
    assert len(doc["hours"]) == 24 and doc["hours"][0]["start"] == "2024-01-15T00:00:00"
    assert doc["hours"][10]["forecast"] > doc["hours"][3]["forecast"]  # the daily shape came through
    # plan: the region defaults to the stack's primary region (us-east-1)
    code = cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--history", source, "--format", "json"])
    plan = json.loads(capsys.readouterr()[0])
    assert code in (0, 1)
    assert plan["capacity"]["regions"]["us-east-1"]["tiers"]["api"]["reason"].startswith("ceil(forecast upper band")


def test_empty_metric_and_missing_region_exit_2_with_one_line(aws, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert cli.main(["forecast", "--history", "cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer=none"]) == 2
    assert capsys.readouterr()[1] == ("error: --history cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer=none: "
                                      "region: no region: add &region=<aws region> or set AWS_REGION\n")
    code = cli.main(["forecast", "--history", "cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer=none"
                     "&region=us-east-1&days=3"])
    err = capsys.readouterr()[1]
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: cloudwatch:us-east-1:AWS/ApplicationELB/RequestCount LoadBalancer=none Sum/h: "
                          "only 0 hours with a value")
