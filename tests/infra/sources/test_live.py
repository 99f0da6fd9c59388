"""infra/sources/live.py over moto (in-process): groups by tag or by name, actions, RDS metrics, caches,
parameters, alarms; and the pure drift comparison over hand-made live records."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from infra.cli.drift import compare
from infra.cli.planned import PlannedCache, PlannedDb, PlannedGroup, PlannedState
from infra.model.live import LiveAlarm, LiveCache, LiveDbInstance, LiveGroup, LiveRegion, LiveState
from infra.sources.aws import AwsError
from infra.sources.live import read_region, read_stack
from tests.moto_stack import CREDENTIALS

moto = pytest.importorskip("moto")
NOW = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def mocked(monkeypatch):
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        yield


def _group(asg, ec2, name: str, tags: dict[str, str], desired: int = 2) -> None:
    template = ec2.create_launch_template(LaunchTemplateName=f"{name}-lt", LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "c5.large"})["LaunchTemplate"]["LaunchTemplateId"]
    asg.create_auto_scaling_group(AutoScalingGroupName=name, MinSize=1, MaxSize=5, DesiredCapacity=desired,
                                  LaunchTemplate={"LaunchTemplateId": template}, AvailabilityZones=["eu-west-1a"],
                                  Tags=[{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()])


def test_groups_by_tag_or_name_with_actions_and_instances(mocked):
    asg, ec2 = boto3.client("autoscaling", "eu-west-1"), boto3.client("ec2", "eu-west-1")
    _group(asg, ec2, "qa-eu-west-1-api-asg-1234567", {"stack": "qa", "tier": "api"}, desired=3)
    _group(asg, ec2, "qa-eu-west-1-worker-asg-89abcde", {})  # untagged: found by its name
    _group(asg, ec2, "other-eu-west-1-api-asg-1234567", {"stack": "other", "tier": "api"})
    asg.put_scheduled_update_group_action(AutoScalingGroupName="qa-eu-west-1-api-asg-1234567",
                                          ScheduledActionName="floor-mon-0800", MinSize=4, Recurrence="0 8 * * MON",
                                          TimeZone="Europe/Dublin")
    asg.suspend_processes(AutoScalingGroupName="qa-eu-west-1-api-asg-1234567", ScalingProcesses=["ScheduledActions"])
    region = read_region("qa", "eu-west-1", now=NOW)
    api, worker = region.group("api"), region.group("worker")
    assert (api.name, api.min_size, api.desired, api.max_size, api.in_service) == (
        "qa-eu-west-1-api-asg-1234567", 1, 3, 5, 3)
    assert api.instance_types == ("c5.large",) and api.suspended == ("ScheduledActions",)
    assert [(a.name, a.min_size, a.max_size, a.recurrence, a.time_zone) for a in api.actions] == [
        ("floor-mon-0800", 4, None, "0 8 * * MON", "Europe/Dublin")]
    assert worker.name == "qa-eu-west-1-worker-asg-89abcde"
    assert [g.name for g in region.groups] == ["qa-eu-west-1-api-asg-1234567", "qa-eu-west-1-worker-asg-89abcde"]


def test_databases_with_lag_connections_parameters_caches_and_alarms(mocked):
    rds, cw = boto3.client("rds", "us-east-1"), boto3.client("cloudwatch", "us-east-1")
    rds.create_db_parameter_group(DBParameterGroupName="qa-params-1", DBParameterGroupFamily="postgres16",
                                  Description="t")
    rds.modify_db_parameter_group(DBParameterGroupName="qa-params-1", Parameters=[
        {"ParameterName": "max_connections", "ParameterValue": "500", "ApplyMethod": "pending-reboot"}])
    rds.create_db_instance(DBInstanceIdentifier="qa-db-shard-0", DBInstanceClass="db.r5.large", Engine="postgres",
                           AllocatedStorage=100, MasterUsername="u", MasterUserPassword="password-1",
                           DBParameterGroupName="qa-params-1")
    rds.create_db_instance_read_replica(DBInstanceIdentifier="qa-db-shard-0-replica-0",
                                        SourceDBInstanceIdentifier="qa-db-shard-0", DBInstanceClass="db.r5.large")
    for minutes, lag in ((8, 0.4), (2, 2.5)):
        cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{
            "MetricName": "ReplicaLag", "Value": lag, "Timestamp": NOW - timedelta(minutes=minutes),
            "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "qa-db-shard-0-replica-0"}]}])
    cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": "DatabaseConnections", "Value": 431, "Timestamp": NOW - timedelta(minutes=3),
        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "qa-db-shard-0"}]}])
    boto3.client("elasticache", "us-east-1").create_replication_group(
        ReplicationGroupId="qa-us-east-1-cache", ReplicationGroupDescription="t", CacheNodeType="cache.r5.large",
        Engine="redis", NumCacheClusters=3, ReplicasPerNodeGroup=2)
    cw.put_metric_alarm(AlarmName="qa-db-replica-lag-0-abcdef1", MetricName="ReplicaLag", Namespace="AWS/RDS",
                        Statistic="Maximum", Period=60, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="qa-db-replica-lag-0-abcdef1", StateValue="ALARM", StateReason="lag 2.5 s")
    state = read_stack("qa", ["us-east-1"], now=NOW)
    replica = state.database("qa-db-shard-0-replica-0")
    assert (replica.source, replica.replica_lag_s, replica.instance_class) == ("qa-db-shard-0", 2.5, "db.r5.large")
    primary = state.database("qa-db-shard-0")
    assert (primary.connections, primary.parameter_group) == (431.0, "qa-params-1")
    assert state.regions["us-east-1"].parameters["qa-params-1"]["max_connections"] == "500"
    cache = state.cache("qa-us-east-1-cache")
    assert (cache.node_type, cache.nodes) == ("cache.r5.large", 3)
    assert [(a.name, a.state, a.reason) for a in state.regions["us-east-1"].alarms] == [
        ("qa-db-replica-lag-0-abcdef1", "ALARM", "lag 2.5 s")]


def test_no_credentials_is_one_line(monkeypatch, tmp_path):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(AwsError) as err:
        read_stack("qa", ["us-east-1"])
    assert err.value.kind == "credentials" and str(err.value).startswith("no AWS credentials found; set AWS_PROFILE")


def _planned() -> PlannedState:
    return PlannedState(
        groups=(PlannedGroup("qa-r1-api-asg", "r1", "api", 3, 10, 4, ("c5.large",),
                             {"floor-mon-0800": {"minSize": 5.0, "recurrence": "0 8 * * MON"}}),),
        alarms={"qa-r1-api-cpu-out": "r1", "qa-db-lag-0": "r1"}, auto_named=frozenset({"qa-db-lag-0"}),
        databases=(PlannedDb("qa-db-shard-0", "r1", "db.r5.large", None, "qa-params"),),
        parameters={"qa-params": {"max_connections": "500"}},
        caches=(PlannedCache("qa-r1-cache", "r1", "cache.r5.large", 3),), regions=("r1",))


def _live(**group) -> LiveState:
    g = dict(name="qa-r1-api-asg-1", region="r1", tier="api", min_size=3, max_size=10, desired=4, in_service=4,
             instance_types=("c5.large",), actions=())
    g.update(group)
    from infra.model.live import LiveScheduledAction

    if "actions" not in group:
        g["actions"] = (LiveScheduledAction("floor-mon-0800", 5, None, None, "0 8 * * MON"),)
    return LiveState("qa", {"r1": LiveRegion(
        "r1", groups=(LiveGroup(**g),),
        databases=(LiveDbInstance("qa-db-shard-0", "r1", "db.r5.large", "available", None, "qa-params-x",
                                  replica_lag_s=None, connections=12.0),),
        caches=(LiveCache("qa-r1-cache", "r1", "cache.r5.large", 3, "available"),),
        alarms=(LiveAlarm("qa-r1-api-cpu-out", "r1", "OK"), LiveAlarm("qa-db-lag-0-0a1b2c3", "r1", "OK")),
        parameters={"qa-params-x": {"max_connections": "500"}})})


def test_compare_in_line_then_each_kind_of_drift():
    assert compare(_planned(), _live()) == []
    found = [(f.level, f.field, f.planned, f.live) for f in compare(
        _planned(), _live(min_size=2, desired=12, max_size=12, in_service=9, instance_types=("m5.large",),
                          actions=()))]
    assert found == [("drift", "min", 3, 2), ("drift", "max", 10, 12), ("drift", "desired", "3..10", 12),
                     ("drift", "instance_types", ["c5.large"], ["m5.large"]), ("warning", "in_service", 12, 9),
                     ("drift", "action floor-mon-0800", 5, None)]
