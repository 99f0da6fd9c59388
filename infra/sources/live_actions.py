"""Change what runs: the AWS calls of `scaling emergency --apply`, one function per kind of change.

Each function makes one change with boto3 and raises a one-line `AwsError` (infra/sources/aws.py) when
AWS refuses it, so the caller can say exactly which changes were applied before the one that failed.
The values come from the emergency plan (infra/cli/emergency_changes.py); nothing is decided here.
"""
from __future__ import annotations

from typing import Any, Mapping

from infra.sources.aws import client, translated


def set_group_size(region: str, group: str, min_size: int, max_size: int, desired: int) -> None:
    """UpdateAutoScalingGroup min/max/desired (novacron §2: `aws autoscaling update-auto-scaling-group`)."""
    with translated(f"autoscaling UpdateAutoScalingGroup {group}", region):
        client("autoscaling", region).update_auto_scaling_group(
            AutoScalingGroupName=group, MinSize=min_size, MaxSize=max_size, DesiredCapacity=desired)


def put_scheduled_action(region: str, group: str, action: Mapping[str, Any]) -> None:
    """Create or re-point one scheduled action; `action` holds the planned Schedule inputs
    (scheduledActionName, minSize, maxSize, desiredCapacity, recurrence, timeZone, startTime)."""
    kwargs: dict[str, Any] = {"AutoScalingGroupName": group, "ScheduledActionName": action["scheduledActionName"]}
    for key, arg in (("minSize", "MinSize"), ("maxSize", "MaxSize"), ("desiredCapacity", "DesiredCapacity")):
        if action.get(key) is not None and int(action[key]) >= 0:  # -1 = leave the size as it is
            kwargs[arg] = int(action[key])
    for key, arg in (("recurrence", "Recurrence"), ("timeZone", "TimeZone"), ("startTime", "StartTime")):
        if action.get(key):
            kwargs[arg] = action[key]
    with translated(f"autoscaling PutScheduledUpdateGroupAction {group}/{kwargs['ScheduledActionName']}", region):
        client("autoscaling", region).put_scheduled_update_group_action(**kwargs)


def create_read_replica(region: str, identifier: str, source: str, instance_class: str,
                        tags: Mapping[str, str]) -> None:
    """CreateDBInstanceReadReplica (novacron §2 `aws rds create-db-instance-read-replica`)."""
    with translated(f"rds CreateDBInstanceReadReplica {identifier}", region):
        client("rds", region).create_db_instance_read_replica(
            DBInstanceIdentifier=identifier, SourceDBInstanceIdentifier=source, DBInstanceClass=instance_class,
            Tags=[{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())])


def set_db_parameter(region: str, group: str, name: str, value: str, apply_method: str) -> None:
    """ModifyDBParameterGroup one parameter (novacron §2 `aws rds modify-db-parameter-group`)."""
    with translated(f"rds ModifyDBParameterGroup {group} {name}", region):
        client("rds", region).modify_db_parameter_group(
            DBParameterGroupName=group,
            Parameters=[{"ParameterName": name, "ParameterValue": value, "ApplyMethod": apply_method}])


def set_cache_node_type(region: str, group_id: str, node_type: str) -> None:
    """ModifyReplicationGroup --cache-node-type --apply-immediately (novacron §2 cache)."""
    with translated(f"elasticache ModifyReplicationGroup {group_id}", region):
        client("elasticache", region).modify_replication_group(
            ReplicationGroupId=group_id, CacheNodeType=node_type, ApplyImmediately=True)


def set_cache_replicas(region: str, group_id: str, replicas: int, current: int) -> None:
    """IncreaseReplicaCount / DecreaseReplicaCount to `replicas` (novacron §2 `increase-replica-count`)."""
    if replicas == current:
        return
    call = "increase_replica_count" if replicas > current else "decrease_replica_count"
    with translated(f"elasticache {call} {group_id}", region):
        getattr(client("elasticache", region), call)(
            ReplicationGroupId=group_id, NewReplicaCount=replicas, ApplyImmediately=True)
