"""ShardSet built alone (components/shards.py): primaries, local and cross-region replicas, grouped alarms."""
from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.shards import DataRegionRefs, ShardSet, ShardSetArgs
from infra.model.data import DatabasePlan
from tests.components.alone import NAMING_PROD, build_alone, check_conventions

RDS = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
GIB = 2 ** 30
PRIMARY = DataRegionRefs(key_arn="arn:kms:use1", subnet_group_name="use1-db-subnets", security_group_id="sg-use1-db",
                         parameter_group_name="use1-db-params", alarm_topic_arn="arn:sns:use1-alarms")
EU = DataRegionRefs(key_arn="arn:kms:euw1", subnet_group_name="euw1-db-subnets", security_group_id="sg-euw1-db",
                    parameter_group_name="euw1-db-params", alarm_topic_arn="arn:sns:euw1-alarms")


def plan(shards=2, draining=(2,), replicas=2, emergency=1, cross=None, max_storage=2000) -> DatabasePlan:
    return DatabasePlan(
        engine="postgres", engine_version="16", parameter_group_family="postgres16", instance_class="db.r5.2xlarge",
        strategy="hash", sharding="user", shards=shards, shards_reason="hand-made", draining_shards=draining,
        read_replicas_per_shard=replicas, read_replicas_per_shard_reason="hand-made",
        replica_instance_class="db.r5.xlarge", emergency_replicas_per_shard=emergency, max_connections=500,
        max_connections_reason="hand-made", storage_gb_per_shard=1000, max_allocated_storage_gb=max_storage,
        storage_fill_gb=600.0, storage_reason="hand-made", multi_az=True, primary_region="us-east-1",
        cross_region_replicas=cross if cross is not None else {"eu-west-1": 1}, cross_region_reason="hand-made")


def build(db: DatabasePlan):
    def make():
        use1 = aws.Provider("aws-us-east-1", region="us-east-1")
        regions = {r: aws.Provider(f"aws-{r}", region=r) for r in db.cross_region_replicas}
        return ShardSet("test-db", ShardSetArgs(
            naming=NAMING_PROD, plan=db, primary=PRIMARY, cross_regions={r: EU for r in regions}, providers=regions),
            opts=pulumi.ResourceOptions(providers={"aws": use1}))
    return build_alone(make)


def test_shards_alone_primaries_protected_draining_released():
    built = build(plan())
    check_conventions(built, "shards", "ShardSet")
    primaries = {r.name: r for r in built.of_type(RDS) if "replicateSourceDb" not in r.inputs}
    assert set(primaries) == {"test-db-shard-0", "test-db-shard-1", "test-db-shard-2"}
    live = primaries["test-db-shard-0"]
    i = live.inputs
    assert (i["identifier"], i["engine"], i["engineVersion"], i["instanceClass"]) == (
        "test-db-shard-0", "postgres", "16", "db.r5.2xlarge")
    assert (i["allocatedStorage"], i["maxAllocatedStorage"], i["storageType"]) == (1000, 2000, "gp3")
    assert (i["storageEncrypted"], i["kmsKeyId"], i["masterUserSecretKmsKeyId"]) == (
        True, "arn:kms:use1", "arn:kms:use1")
    assert (i["dbSubnetGroupName"], i["vpcSecurityGroupIds"], i["parameterGroupName"]) == (
        "use1-db-subnets", ["sg-use1-db"], "use1-db-params")
    assert (i["multiAz"], i["publiclyAccessible"], i["manageMasterUserPassword"], i["username"]) == (
        True, False, True, "platform_admin")
    assert "password" not in i
    assert (i["backupRetentionPeriod"], i["deletionProtection"], i["skipFinalSnapshot"]) == (7, True, False)
    assert i["finalSnapshotIdentifier"] == "test-db-shard-0-final-snapshot"
    assert (i["monitoringInterval"], i["monitoringRoleArn"]) == (
        60, "arn:aws:iam:us-east-1:123456789012:test-db-monitoring-role")
    assert (live.options["protect"], live.options["retainOnDelete"], live.provider) == (True, True, "aws-us-east-1")
    draining = primaries["test-db-shard-2"]
    assert (draining.options["protect"], draining.options["retainOnDelete"]) == (False, False)
    assert (draining.inputs["deletionProtection"], draining.inputs["skipFinalSnapshot"]) == (False, False)
    role = built.named("test-db-monitoring-policy").inputs
    assert role == {"role": "test-db-monitoring-role",
                    "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"}
    assert built.outputs == {"shards": {f"test-db-shard-{i}": f"test-db-shard-{i}.us-east-1.rds.amazonaws.com"
                                        for i in range(3)}, "replica_count": 6,
                             "writers": {f"test-db-shard-{i}": f"test-db-shard-{i}.us-east-1.rds.amazonaws.com"
                                         for i in range(3)}}


def test_shards_alone_local_emergency_and_cross_region_replicas():
    built = build(plan())
    replicas = {r.name: r for r in built.of_type(RDS) if "replicateSourceDb" in r.inputs}
    # 2 live shards x (2 local + 1 in eu-west-1); the draining shard keeps none
    assert set(replicas) == {f"test-db-shard-{s}{where}-replica-{j}"
                             for s in (0, 1) for where, count in (("", 2), ("-eu-west-1", 1)) for j in range(count)}
    normal, emergency = replicas["test-db-shard-1-replica-0"], replicas["test-db-shard-1-replica-1"]
    assert (normal.inputs["instanceClass"], emergency.inputs["instanceClass"]) == ("db.r5.xlarge", "db.r5.2xlarge")
    assert normal.inputs["replicateSourceDb"] == "test-db-shard-1"  # same region: by identifier
    assert (normal.inputs["skipFinalSnapshot"], normal.inputs["deletionProtection"]) == (True, False)
    assert normal.options["protect"] is False and "allocatedStorage" not in normal.inputs
    assert normal.provider == "aws-us-east-1"
    cross = replicas["test-db-shard-0-eu-west-1-replica-0"]
    assert cross.provider == "aws-eu-west-1"
    assert cross.inputs["replicateSourceDb"] == "arn:aws:rds:us-east-1:123456789012:test-db-shard-0"  # by ARN
    assert (cross.inputs["identifier"], cross.inputs["instanceClass"]) == (
        "test-db-shard-0-eu-west-1-replica-0", "db.r5.xlarge")  # never an emergency class across regions
    assert (cross.inputs["kmsKeyId"], cross.inputs["dbSubnetGroupName"], cross.inputs["vpcSecurityGroupIds"],
            cross.inputs["parameterGroupName"]) == ("arn:kms:euw1", "euw1-db-subnets", ["sg-euw1-db"], "euw1-db-params")


def _watched(alarm) -> list[str]:
    return [q["metric"]["dimensions"]["DBInstanceIdentifier"] for q in alarm.inputs["metricQueries"] if "metric" in q]


def test_shards_alone_alarm_thresholds_and_topics():
    built = build(plan())
    alarms = {r.name: r for r in built.of_type(ALARM)}
    assert set(alarms) == {"test-db-connections-80-0", "test-db-connections-90-0", "test-db-connections-over-400-0",
                           "test-db-storage-85-0", "test-db-replica-lag-0",
                           "test-db-shard-0-eu-west-1-replica-0-lag", "test-db-shard-1-eu-west-1-replica-0-lag"}
    # novacron 5: $((CUR*100/500)) -gt 80 first holds at 405 -> alarm > 404; -gt 90 at 455 -> > 454
    assert {n: alarms[n].inputs["threshold"] for n in ("test-db-connections-80-0", "test-db-connections-90-0",
                                                       "test-db-connections-over-400-0")} == {
        "test-db-connections-80-0": 404, "test-db-connections-90-0": 454, "test-db-connections-over-400-0": 400}
    storage = alarms["test-db-storage-85-0"].inputs
    assert (storage["threshold"], storage["comparisonOperator"]) == (1000 * GIB * 15 // 100, "LessThanThreshold")
    assert storage["metricQueries"][-1] == {"id": "worst", "expression": "MIN(METRICS())",
                                            "label": "min FreeStorageSpace", "returnData": True}
    for name in ("test-db-connections-80-0", "test-db-storage-85-0"):
        assert _watched(alarms[name]) == ["test-db-shard-0", "test-db-shard-1"]  # live shards only
        assert alarms[name].inputs["alarmActions"] == alarms[name].inputs["okActions"] == ["arn:sns:use1-alarms"]
    lag = alarms["test-db-replica-lag-0"]
    assert lag.inputs["threshold"] == 1.0 and lag.inputs["evaluationPeriods"] == 3  # 1000 ms, in seconds
    assert _watched(lag) == ["test-db-shard-0-replica-0", "test-db-shard-0-replica-1",
                             "test-db-shard-1-replica-0", "test-db-shard-1-replica-1"]
    # Issue 17: one ReplicaLag alarm per cross-region replica, in the replica's region, to that region's topic
    for i in range(2):
        eu_lag = alarms[f"test-db-shard-{i}-eu-west-1-replica-0-lag"]
        assert eu_lag.provider == "aws-eu-west-1" and eu_lag.inputs["alarmActions"] == ["arn:sns:euw1-alarms"]
        assert _watched(eu_lag) == [f"test-db-shard-{i}-eu-west-1-replica-0"]
        assert eu_lag.inputs["threshold"] == 1.0


def test_shards_alone_alarms_group_ten_instances_each():
    built = build(plan(shards=11, draining=(), replicas=0, emergency=0, cross={}, max_storage=None))
    check_conventions(built, "shards", "ShardSet")
    alarms = {r.name: r for r in built.of_type(ALARM)}
    assert _watched(alarms["test-db-connections-90-0"]) == [f"test-db-shard-{i}" for i in range(10)]
    assert _watched(alarms["test-db-connections-90-1"]) == ["test-db-shard-10"]
    assert not [n for n in alarms if "replica-lag" in n]  # no replicas, no lag alarm
    assert "maxAllocatedStorage" not in built.named("test-db-shard-10").inputs
    assert built.outputs["replica_count"] == 0
