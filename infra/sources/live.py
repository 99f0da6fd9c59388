"""Read what runs: a stack's Auto Scaling groups, scheduled actions, RDS instances (with replica lag and
connections), ElastiCache groups, parameter groups and alarms, region by region, with boto3.

Resources are found the way the program names and tags them (components/naming.py): groups by their
`stack` and `tier` tags (Pulumi auto-names a group `<logical name>-<suffix>`, so the name alone is not
known), RDS instances by the identifier prefix `<stack>-db-`, caches by `<stack>-<region>-cache`,
alarms by the name prefix `<stack>-`. Every call is paginated and every botocore error becomes a
one-line `AwsError` (infra/sources/aws.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from infra.model.live import LiveAlarm, LiveCache, LiveDbInstance, LiveGroup, LiveRegion, LiveScheduledAction, LiveState
from infra.sources.aws import AwsError, client, require_credentials, translated

PROJECT_TAG = ("project", "scaling-platform")
# novacron "Database Scaling" monitoring reads the last minutes of each metric; the latest Maximum of
# 60 s datapoints over this window is what status shows.
METRIC_WINDOW = timedelta(minutes=10)
METRIC_PERIOD_S = 60
MAX_QUERIES_PER_CALL = 500  # GetMetricData limit


def _tags(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items or []}


def _tier_from_name(name: str, stack: str, region: str) -> str | None:
    prefix = f"{stack}-{region}-"
    if not name.startswith(prefix) or "-asg" not in name:
        return None
    return name[len(prefix):].split("-asg")[0] or None


def read_groups(asg: Any, stack: str, region: str) -> tuple[LiveGroup, ...]:
    """The stack's groups here: tagged `stack=<stack>` (and a `tier` tag), or named `<stack>-<region>-<tier>-asg*`."""
    found: dict[str, dict[str, Any]] = {}
    with translated("autoscaling DescribeAutoScalingGroups", region):
        pages = asg.get_paginator("describe_auto_scaling_groups").paginate(
            Filters=[{"Name": "tag:stack", "Values": [stack]}])
        for page in pages:
            for group in page["AutoScalingGroups"]:
                found[group["AutoScalingGroupName"]] = group
        prefix = f"{stack}-{region}-"
        for page in asg.get_paginator("describe_auto_scaling_groups").paginate():
            for group in page["AutoScalingGroups"]:
                if group["AutoScalingGroupName"].startswith(prefix):
                    found.setdefault(group["AutoScalingGroupName"], group)
    groups = []
    for name, group in sorted(found.items()):
        tags = _tags(group.get("Tags", []))
        tier = tags.get("tier") or _tier_from_name(name, stack, region)
        if not tier:
            continue
        instances = group.get("Instances", [])
        groups.append(LiveGroup(
            name=name, region=region, tier=tier, min_size=int(group["MinSize"]), max_size=int(group["MaxSize"]),
            desired=int(group["DesiredCapacity"]),
            in_service=sum(1 for i in instances if i.get("LifecycleState") == "InService"),
            instance_types=tuple(sorted({i["InstanceType"] for i in instances if i.get("InstanceType")})),
            suspended=tuple(sorted(p["ProcessName"] for p in group.get("SuspendedProcesses", []))),
            actions=read_actions(asg, name, region)))
    return tuple(groups)


def _size(value: Any) -> int | None:
    return None if value is None or int(value) < 0 else int(value)


def read_actions(asg: Any, group: str, region: str) -> tuple[LiveScheduledAction, ...]:
    """Scheduled actions of one group, by name."""
    out = []
    with translated("autoscaling DescribeScheduledActions", region):
        for page in asg.get_paginator("describe_scheduled_actions").paginate(AutoScalingGroupName=group):
            for a in page["ScheduledUpdateGroupActions"]:
                start = a.get("StartTime")
                out.append(LiveScheduledAction(
                    name=a["ScheduledActionName"], min_size=_size(a.get("MinSize")), max_size=_size(a.get("MaxSize")),
                    desired=_size(a.get("DesiredCapacity")), recurrence=a.get("Recurrence"),
                    time_zone=a.get("TimeZone"),
                    start_time=start.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(start, datetime) else start))
    return tuple(sorted(out, key=lambda a: a.name))


def read_databases(rds: Any, cloudwatch: Any, stack: str, region: str,
                   now: datetime | None = None) -> tuple[tuple[LiveDbInstance, ...], dict[str, dict[str, str]]]:
    """The stack's RDS instances here (with latest ReplicaLag / DatabaseConnections) and the user-set
    parameters of their parameter groups."""
    rows = []
    with translated("rds DescribeDBInstances", region):
        for page in rds.get_paginator("describe_db_instances").paginate():
            for db in page["DBInstances"]:
                if db["DBInstanceIdentifier"].startswith(f"{stack}-db-"):
                    rows.append(db)
    metrics = _latest_metrics(cloudwatch, [db["DBInstanceIdentifier"] for db in rows], region, now)
    out, parameters = [], {}
    for db in sorted(rows, key=lambda d: d["DBInstanceIdentifier"]):
        ident = db["DBInstanceIdentifier"]
        groups = [g["DBParameterGroupName"] for g in db.get("DBParameterGroups", [])]
        out.append(LiveDbInstance(
            identifier=ident, region=region, instance_class=db["DBInstanceClass"],
            status=db.get("DBInstanceStatus", ""), source=_source_id(db.get("ReadReplicaSourceDBInstanceIdentifier")),
            parameter_group=groups[0] if groups else None,
            replica_lag_s=metrics.get(("ReplicaLag", ident)), connections=metrics.get(("DatabaseConnections", ident))))
        for name in groups:
            if name not in parameters and not name.startswith("default."):
                parameters[name] = read_parameters(rds, name, region)
    return tuple(out), parameters


def _source_id(value: str | None) -> str | None:
    # cross-region replicas name their source by ARN: keep the identifier
    return value.rsplit(":", 1)[-1] if value else None


def read_parameters(rds: Any, group: str, region: str) -> dict[str, str]:
    """Parameters set by the user in one DB parameter group (name -> value)."""
    out = {}
    with translated("rds DescribeDBParameters", region):
        for page in rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group):
            for p in page.get("Parameters", []):
                if p.get("ParameterValue") is not None and p.get("Source", "user") == "user":
                    out[p["ParameterName"]] = str(p["ParameterValue"])
    return out


def _latest_metrics(cloudwatch: Any, identifiers: list[str], region: str,
                    now: datetime | None) -> dict[tuple[str, str], float]:
    """Latest Maximum of ReplicaLag and DatabaseConnections per instance (absent when CloudWatch has none)."""
    queries = [(f"m{i}_{j}", metric, ident) for i, ident in enumerate(identifiers)
               for j, metric in enumerate(("ReplicaLag", "DatabaseConnections"))]
    end = (now or datetime.now(timezone.utc)).replace(second=0, microsecond=0)
    found: dict[tuple[str, str], float] = {}
    for chunk in range(0, len(queries), MAX_QUERIES_PER_CALL):
        batch = queries[chunk:chunk + MAX_QUERIES_PER_CALL]
        by_id = {qid: (metric, ident) for qid, metric, ident in batch}
        with translated("cloudwatch GetMetricData", region):
            pages = cloudwatch.get_paginator("get_metric_data").paginate(
                MetricDataQueries=[{"Id": qid, "ReturnData": True, "MetricStat": {
                    "Metric": {"Namespace": "AWS/RDS", "MetricName": metric,
                               "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": ident}]},
                    "Period": METRIC_PERIOD_S, "Stat": "Maximum"}} for qid, metric, ident in batch],
                StartTime=end - METRIC_WINDOW, EndTime=end, ScanBy="TimestampDescending")
            for page in pages:
                for result in page.get("MetricDataResults", []):
                    if result.get("Values") and by_id.get(result["Id"]) not in found:
                        found[by_id[result["Id"]]] = float(result["Values"][0])
    return found


def read_caches(elasticache: Any, stack: str, region: str) -> tuple[LiveCache, ...]:
    """The stack's Redis replication groups here (`<stack>-<region>-cache`)."""
    out = []
    with translated("elasticache DescribeReplicationGroups", region):
        for page in elasticache.get_paginator("describe_replication_groups").paginate():
            for rg in page["ReplicationGroups"]:
                if rg["ReplicationGroupId"].startswith(f"{stack}-"):
                    out.append(LiveCache(group_id=rg["ReplicationGroupId"], region=region,
                                         node_type=rg.get("CacheNodeType"), nodes=len(rg.get("MemberClusters", [])),
                                         status=rg.get("Status", "")))
    return tuple(sorted(out, key=lambda c: c.group_id))


def read_alarms(cloudwatch: Any, stack: str, region: str) -> tuple[LiveAlarm, ...]:
    """Every metric alarm named `<stack>-...` here, with its state."""
    out = []
    with translated("cloudwatch DescribeAlarms", region):
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{stack}-",
                                                                         AlarmTypes=["MetricAlarm"]):
            for alarm in page.get("MetricAlarms", []):
                out.append(LiveAlarm(name=alarm["AlarmName"], region=region, state=alarm.get("StateValue", ""),
                                     reason=" ".join(str(alarm.get("StateReason", "")).split())))
    return tuple(sorted(out, key=lambda a: a.name))


def read_region(stack: str, region: str, now: datetime | None = None) -> LiveRegion:
    """Everything `scaling status` compares, in one region."""
    cloudwatch = client("cloudwatch", region)
    databases, parameters = read_databases(client("rds", region), cloudwatch, stack, region, now)
    return LiveRegion(region=region, groups=read_groups(client("autoscaling", region), stack, region),
                      databases=databases, caches=read_caches(client("elasticache", region), stack, region),
                      alarms=read_alarms(cloudwatch, stack, region), parameters=parameters)


def read_stack(stack: str, regions: Iterable[str], now: datetime | None = None) -> LiveState:
    """The live state of `stack` in each of `regions`. Raises AwsError (one line) on missing credentials,
    throttling after retries, an unreachable endpoint or a refused call."""
    require_credentials()
    return LiveState(stack=stack, regions={region: read_region(stack, region, now) for region in regions})


__all__ = ["AwsError", "read_stack", "read_region", "read_groups", "read_actions", "read_databases",
           "read_caches", "read_alarms", "read_parameters"]
