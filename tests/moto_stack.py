"""A moto server on 127.0.0.1 and a deployed stack built from a plan, for `scaling status` / `emergency`.

`MotoServer` runs moto's server on a free loopback port (one per test session, reset between tests);
`deploy(resources, stack)` creates in it what `pulumi up` would have created from the plan's recorded
resources: groups (auto-named `<logical>-<suffix>`, tagged stack/tier/project, launch template with
the planned type), their scheduled actions, the alarms, the parameter group (auto-named), shard
primaries and read replicas, and the caches.
"""
from __future__ import annotations

import functools
import logging
import os
import socket
import time
import urllib.request
from typing import Any, Iterable

import boto3

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
               "AWS_EC2_METADATA_DISABLED": "true"}
SUFFIX = "0a1b2c3"  # what Pulumi's auto-naming appends


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _per_group_scheduled_actions() -> None:
    """moto keys scheduled actions by name per region; AWS per group (api and worker groups both have
    `floor-mon-0800`). Re-key them by group/name so a deployed stack looks as it does in AWS."""
    from moto.autoscaling.models import AutoScalingBackend

    original = AutoScalingBackend.put_scheduled_update_group_action
    if getattr(original, "per_group", False):
        return

    def put(self, name, *args, **kwargs):
        action = original(self, name, *args, **kwargs)
        self.scheduled_actions.pop(action.scheduled_action_name, None)
        self.scheduled_actions[f"{name}/{action.scheduled_action_name}"] = action
        return action

    put.per_group = True  # type: ignore[attr-defined]
    AutoScalingBackend.put_scheduled_update_group_action = put


class MotoServer:
    """moto's server (ThreadedMotoServer: the `moto_server` app in a thread of the test process, so the
    scheduled-action fix above applies) on 127.0.0.1, on a free port; `url`, `reset()`, `stop()`."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        _per_group_scheduled_actions()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # bounded wait for the port, no fixed sleep
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("moto server did not start in 30 s")

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10).read()

    def stop(self) -> None:
        self.server.stop()


@functools.lru_cache(maxsize=None)
def clients(region: str, url: str) -> dict[str, Any]:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    aws_session_token="testing", region_name=region)
    return {name: session.client(name, endpoint_url=url)
            for name in ("autoscaling", "ec2", "rds", "elasticache", "cloudwatch")}


def _tags(inputs: dict[str, Any]) -> dict[str, str]:
    tags = inputs.get("tags") or {}
    return {t["key"]: t["value"] for t in tags} if isinstance(tags, list) else dict(tags)


def deploy(resources: Iterable[Any], stack: str, url: str, desired: dict[tuple[str, str], int] | None = None,
           skip: Iterable[str] = ()) -> dict[str, str]:
    """Create the plan's groups, schedules, alarms, RDS and caches in moto; return logical -> real group names.
    `desired` overrides a group's running desired count ((region, tier) -> n); `skip` names resources not to create."""
    resources = [r for r in resources if r.name not in set(skip)]
    by_type: dict[str, list[Any]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    names: dict[str, str] = {}
    templates = {r.name: r.inputs.get("instanceType") for r in by_type.get("aws:ec2/launchTemplate:LaunchTemplate", [])}
    for r in by_type.get("aws:autoscaling/group:Group", []):
        aws = clients(r.region, url)
        tags = _tags(r.inputs)
        itype = templates.get(r.name.removesuffix("-asg") + "-lt") or "c5.large"
        template = aws["ec2"].create_launch_template(LaunchTemplateName=f"{r.name}-lt-{SUFFIX}", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": itype})["LaunchTemplate"]["LaunchTemplateId"]
        real = f"{r.name}-{SUFFIX}"
        count = (desired or {}).get((r.region, tags["tier"]), int(r.inputs["desiredCapacity"]))
        aws["autoscaling"].create_auto_scaling_group(
            AutoScalingGroupName=real, MinSize=int(r.inputs["minSize"]), MaxSize=int(r.inputs["maxSize"]),
            DesiredCapacity=count, LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
            AvailabilityZones=[f"{r.region}a"],
            Tags=[{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()])
        names[r.name] = real
    for r in by_type.get("aws:autoscaling/schedule:Schedule", []):
        if r.inputs["autoscalingGroupName"] not in names:
            continue
        kwargs = {"AutoScalingGroupName": names[r.inputs["autoscalingGroupName"]],
                  "ScheduledActionName": r.inputs["scheduledActionName"], "MinSize": int(r.inputs["minSize"])}
        if r.inputs.get("recurrence"):
            kwargs.update(Recurrence=r.inputs["recurrence"], TimeZone=r.inputs["timeZone"])
        clients(r.region, url)["autoscaling"].put_scheduled_update_group_action(**kwargs)
    for r in by_type.get("aws:cloudwatch/metricAlarm:MetricAlarm", []):
        clients(r.region, url)["cloudwatch"].put_metric_alarm(
            AlarmName=r.inputs.get("name") or f"{r.name}-{SUFFIX}", MetricName=r.inputs.get("metricName", "m"),
            Namespace=r.inputs.get("namespace", "n"), Statistic="Average", Period=60, EvaluationPeriods=1,
            Threshold=float(r.inputs.get("threshold", 1)), ComparisonOperator=r.inputs["comparisonOperator"])
    groups = {}
    for r in by_type.get("aws:rds/parameterGroup:ParameterGroup", []):
        rds = clients(r.region, url)["rds"]
        real = f"{r.name}-{SUFFIX}"
        rds.create_db_parameter_group(DBParameterGroupName=real, DBParameterGroupFamily=r.inputs["family"],
                                      Description="test")
        rds.modify_db_parameter_group(DBParameterGroupName=real, Parameters=[
            {"ParameterName": p["name"], "ParameterValue": p["value"], "ApplyMethod": p["applyMethod"]}
            for p in r.inputs["parameters"]])
        groups[r.name] = real
    instances = by_type.get("aws:rds/instance:Instance", [])
    for r in sorted(instances, key=lambda r: bool(r.inputs.get("replicateSourceDb"))):  # primaries first
        rds = clients(r.region, url)["rds"]
        if r.inputs.get("replicateSourceDb"):
            rds.create_db_instance_read_replica(DBInstanceIdentifier=r.inputs["identifier"],
                                                SourceDBInstanceIdentifier=r.inputs["replicateSourceDb"],
                                                DBInstanceClass=r.inputs["instanceClass"])
        else:
            rds.create_db_instance(DBInstanceIdentifier=r.inputs["identifier"], DBInstanceClass=r.inputs["instanceClass"],
                                   Engine="postgres", AllocatedStorage=int(r.inputs["allocatedStorage"]),
                                   MasterUsername="admin_user", MasterUserPassword="password-123456",
                                   DBParameterGroupName=groups[r.inputs["parameterGroupName"]])
    for r in by_type.get("aws:elasticache/replicationGroup:ReplicationGroup", []):
        clients(r.region, url)["elasticache"].create_replication_group(
            ReplicationGroupId=r.inputs["replicationGroupId"], ReplicationGroupDescription="test",
            CacheNodeType=r.inputs["nodeType"], Engine="redis", NumCacheClusters=int(r.inputs["numCacheClusters"]),
            ReplicasPerNodeGroup=int(r.inputs["numCacheClusters"]) - 1)  # moto counts members from this one
    return names


def aws_env(monkeypatch: Any, url: str) -> None:
    """Point boto3 at the moto server with test credentials."""
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    os.environ.pop("AWS_CONFIG_FILE", None)
