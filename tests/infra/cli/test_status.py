"""`scaling status` against a moto server (AWS_ENDPOINT_URL) with the dev stack deployed from its plan."""
from __future__ import annotations

import functools
import json

import boto3

from infra.cli import main as cli
from infra.cli.stackplan import load_stack_plan
from tests.conftest import ROOT
from tests.moto_stack import SUFFIX, deploy

REGION = "us-east-1"


@functools.lru_cache(maxsize=1)
def dev_plan():
    return load_stack_plan("dev", ROOT)


def status(capsys, *extra: str) -> tuple[int, str, str]:
    code = cli.main(["status", "--stack", "dev", "--project-dir", str(ROOT), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_deployed_plan_is_in_line(aws, capsys):
    deploy(dev_plan().resources, "dev", aws.url)
    code, out, err = status(capsys, "--format", "json")
    doc = json.loads(out)
    assert (code, err, doc["in_line"], doc["drift"]) == (0, "", True, 0)
    api = next(row for row in doc["groups"] if row["tier"] == "api")
    assert api["group"] == f"dev-us-east-1-api-asg-{SUFFIX}"
    # dev's configured minimum 1 (the region table) is the group's min; 4 scheduled floors
    assert api["planned"] == {"min": 1, "desired": 1, "max": 4, "instance_types": ["t3.medium", "t3.small"], "actions": 4}
    assert api["live"] == {"min": 1, "desired": 1, "max": 4, "in_service": 1, "instance_types": ["t3.medium"],
                           "actions": 4}
    rds = {row["name"]: row for row in doc["data"] if row["kind"] == "rds"}
    assert rds["dev-db-shard-0"]["live"] == rds["dev-db-shard-0"]["planned"] == "db.t3.medium"
    cache = next(row for row in doc["data"] if row["kind"] == "cache")
    assert (cache["planned"], cache["live"]) == ("cache.t3.small x 2", "cache.t3.small x 2")
    code, out, _ = status(capsys)
    assert code == 0 and "IN LINE with the plan, 0 warnings" in out
    assert "\x1b[" not in out  # piped: no colour codes


def test_drift_exits_1_and_names_each_difference(aws, capsys):
    deploy(dev_plan().resources, "dev", aws.url, skip=["dev-us-east-1-api-scaling-cpu-in"])
    asg = boto3.client("autoscaling", region_name=REGION)
    group = f"dev-us-east-1-worker-asg-{SUFFIX}"
    asg.update_auto_scaling_group(AutoScalingGroupName=group, MinSize=0, MaxSize=9, DesiredCapacity=6)
    asg.put_scheduled_update_group_action(AutoScalingGroupName=group, ScheduledActionName="floor-mon-0800",
                                          MinSize=1, Recurrence="0 8 * * MON", TimeZone="America/New_York")
    cw = boto3.client("cloudwatch", region_name=REGION)
    cw.put_metric_alarm(AlarmName="dev-hand-made", MetricName="m", Namespace="n", Statistic="Average", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="dev-us-east-1-api-scaling-cpu-out", StateValue="ALARM", StateReason="cpu 93%")
    code, out, err = status(capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and err == "" and doc["in_line"] is False
    drift = {(f["resource"], f["field"]): (f["planned"], f["live"]) for f in doc["findings"] if f["level"] == "drift"}
    assert drift == {
        (group, "min"): (1, 0), (group, "max"): (4, 9), (group, "desired"): ("1..4", 6),
        (group, "action floor-mon-0800"): ("min 4 0 8 * * MON", "min 1 0 8 * * MON"),
        ("dev-us-east-1-api-scaling-cpu-in", "alarm"): ("present", None),
        ("dev-hand-made", "alarm"): (None, "OK"),
    }
    warnings = [f for f in doc["findings"] if f["level"] == "warning"]
    assert [(w["resource"], w["message"]) for w in warnings] == [("dev-us-east-1-api-scaling-cpu-out", "cpu 93%")]
    assert doc["alarms_in_alarm"] == ["dev-us-east-1-api-scaling-cpu-out"]
    code, out, _ = status(capsys)
    assert code == 1 and "DRIFT: 6 differences, 1 warnings" in out
    assert f"DRIFT us-east-1 {group}: worker min 0, plan 1" in out


def test_missing_group_and_extra_replica_are_drift(aws, capsys):
    deploy(dev_plan().resources, "dev", aws.url, skip=["dev-us-east-1-api-asg"])
    boto3.client("rds", region_name=REGION).create_db_instance_read_replica(
        DBInstanceIdentifier="dev-db-shard-0-replica-9", SourceDBInstanceIdentifier="dev-db-shard-0",
        DBInstanceClass="db.r5.large")
    code, out, _ = status(capsys, "--format", "json")
    doc = json.loads(out)
    messages = {(f["resource"], f["message"]) for f in doc["findings"] if f["level"] == "drift"}
    assert ("dev-us-east-1-api-asg", "api group not found (no group tagged stack/tier here)") in messages
    assert ("dev-db-shard-0-replica-9", "RDS instance not in the plan") in messages
    assert code == 1


def test_missing_credentials_is_one_line_exit_2(capsys, monkeypatch, tmp_path):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    code, out, err = status(capsys)
    assert (code, out) == (2, "")
    assert err == ("error: no AWS credentials found; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                   "(and AWS_ENDPOINT_URL for a local endpoint such as moto)\n")


def test_unreachable_endpoint_is_one_line_exit_2(capsys, monkeypatch):
    from tests.moto_stack import CREDENTIALS, free_port

    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code, out, err = status(capsys)
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert err.startswith("error: rds DescribeDBInstances in us-east-1: cannot reach " + url)
