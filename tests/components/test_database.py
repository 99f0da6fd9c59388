"""Shards, replicas, DB network and alarms as the mock engine records them (components/database.py, shards.py)."""
from __future__ import annotations

import json
from collections import Counter

import pulumi
import pulumi_aws as aws
import pytest

from components.database import DataRegion, DataRegionArgs
from infra.model.unknown import UNKNOWN_TEXT
from tests.components.alone import NAMING_PROD, build_alone, check_conventions, tags
from tests.conftest import by_name, of_type, run_stack

RDS = "aws:rds/instance:Instance"
# the primary region alone (prod's default cross-region replicas off: tests/components/test_cross_region.py)
ISSUE_CHECK = ("database.read_qps=9500", "database.write_qps=500", "database.size_gb=500",
               "database.cross_region_replicas=[]")
SMALL = ()                           # prod: size_gb 3000 -> ceil(3500 / 1000) = 4 shards
BIG = ("database.size_gb=6000",)     # ceil(6500 / 1000) = 7 shards


def shards(run):
    return [r for r in of_type(run, RDS) if "replicateSourceDb" not in r.inputs]


def replicas(run):
    return [r for r in of_type(run, RDS) if "replicateSourceDb" in r.inputs]


@pytest.fixture(scope="module")
def issue_run():
    return run_stack("prod", ISSUE_CHECK)


def test_issue_check_one_shard_and_ten_replicas(issue_run):
    assert [r.name for r in shards(issue_run)] == ["prod-db-shard-0"]
    reps = replicas(issue_run)
    assert sorted(r.name for r in reps) == sorted(f"prod-db-shard-0-replica-{j}" for j in range(10))
    assert all(r.inputs["replicateSourceDb"] == "prod-db-shard-0" for r in reps)
    db = issue_run.outputs["capacity"]["database"]
    assert (db["shards"], db["read_replicas"], db["read_replicas_per_shard"]) == (1, 10, 10)


def test_shard_primary_inputs_and_options(issue_run):
    shard = by_name(issue_run, "prod-db-shard-0")
    i = shard.inputs
    assert i["identifier"] == "prod-db-shard-0" and i["engine"] == "postgres" and i["engineVersion"] == "16"
    assert i["instanceClass"] == "db.r5.2xlarge" and i["allocatedStorage"] == 1000 and i["storageType"] == "gp3"
    assert i["maxAllocatedStorage"] == 2000  # novacron 3 Storage > 85%: autoscaling up to 2 x allocated
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:prod-us-east-1-data-key"
    assert i["multiAz"] is True and i["publiclyAccessible"] is False and i["deletionProtection"] is True
    assert i["backupRetentionPeriod"] == 7 and i["skipFinalSnapshot"] is False
    assert i["finalSnapshotIdentifier"] == "prod-db-shard-0-final-snapshot" and i["copyTagsToSnapshot"] is True
    assert i["performanceInsightsEnabled"] is True and i["monitoringInterval"] == 60 and i["monitoringRoleArn"]
    assert i["manageMasterUserPassword"] is True and "password" not in i
    assert i["dbSubnetGroupName"] == "prod-us-east-1-data-db-subnets"
    assert i["vpcSecurityGroupIds"] == ["prod-us-east-1-data-db-sg_id"]
    assert shard.provider == "aws-us-east-1" and shard.parent == "prod-db"
    assert shard.options["protect"] is True and shard.options["retainOnDelete"] is True


def test_no_plain_text_password_anywhere(issue_run):
    for resource in issue_run.resources:
        text = json.dumps(resource.inputs)
        assert '"password"' not in text, resource.name
        # the Redis AUTH token is a Pulumi secret: present, but never in clear
        assert resource.inputs.get("authToken") in (None, "[secret]"), resource.name


def test_replicas_encrypted_monitored_private_and_disposable(issue_run):
    for replica in replicas(issue_run):
        i = replica.inputs
        assert i["storageEncrypted"] is True and i["kmsKeyId"].endswith("prod-us-east-1-data-key")
        assert i["publiclyAccessible"] is False and i["multiAz"] is True and i["monitoringInterval"] == 60
        assert i["maxAllocatedStorage"] == 2000 and "allocatedStorage" not in i  # inherits the source's size
        assert i["instanceClass"] == "db.r5.xlarge"  # novacron 5 manage_read_replicas add
        assert i["parameterGroupName"] == "prod-us-east-1-data-db-params" and "username" not in i
        assert replica.options["protect"] is False and i["deletionProtection"] is False


def test_db_network_private_and_only_from_app_tiers(issue_run):
    group = by_name(issue_run, "prod-us-east-1-data-db-subnets")
    assert group.inputs["subnetIds"] == ["prod-us-east-1-private-a_id", "prod-us-east-1-private-b_id"]
    assert group.options["protect"] and group.options["retainOnDelete"]
    sg = by_name(issue_run, "prod-us-east-1-data-db-sg")
    (rule,) = sg.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["securityGroups"]) == (5432, 5432, ["prod-us-east-1-app-sg_id"])
    assert "cidrBlocks" not in rule and sg.inputs.get("egress", []) == []
    key = by_name(issue_run, "prod-us-east-1-data-key")
    assert key.inputs["enableKeyRotation"] is True and key.options["protect"] and key.options["retainOnDelete"]
    assert by_name(issue_run, "prod-us-east-1-data-key-alias").inputs["name"] == "alias/prod-us-east-1-data"
    # RDS lives only in the primary region unless cross_region_replicas lists more
    assert [r.name for r in of_type(issue_run, "aws:rds/subnetGroup:SubnetGroup")] == ["prod-us-east-1-data-db-subnets"]


def test_parameter_group_topic_and_alarms(issue_run):
    params = of_type(issue_run, "aws:rds/parameterGroup:ParameterGroup")
    assert len(params) == 1 and params[0].inputs["family"] == "postgres16"
    values = {p["name"]: p["value"] for p in params[0].inputs["parameters"]}
    # Issue 17: RDS's own per-class formula, not a pinned 500 (db.r5.2xlarge: LEAST(7209, 5000) = 5000)
    assert values["max_connections"] == "LEAST({DBInstanceClassMemory/9531392},5000)"
    (topic,) = [t for t in of_type(issue_run, "aws:sns/topic:Topic") if t.name.endswith("-data-alarms")]
    assert topic.inputs["kmsMasterKeyId"].endswith("prod-us-east-1-data-key")
    alarms = {a.name: a.inputs for a in of_type(issue_run, "aws:cloudwatch/metricAlarm:MetricAlarm")
              if a.name.startswith("prod-db-")}
    # novacron 5: USAGE_PERCENT=$((CUR*100/5000)) -gt 80 first fires at 4050 (81%), -gt 90 at 4550
    assert alarms["prod-db-connections-80-0"]["threshold"] == 4049
    assert alarms["prod-db-connections-90-0"]["threshold"] == 4549
    assert alarms["prod-db-connections-80-0"]["alarmDescription"].startswith(
        "novacron 5: connection pool > 80% of max_connections 5000: raise database.max_connections above the 5000 "
        "in force (runbook level 500, applied only above the engine default; reboot); novacron 5: "
        "$((CUR*100/5000)) -gt 80 first holds at CUR 4050 (4050*100/5000 = 81); alarm > 4049")
    over = alarms["prod-db-connections-over-400-0"]  # novacron 3: Connections > 400 -> add read replica
    assert (over["threshold"], over["comparisonOperator"]) == (400, "GreaterThanThreshold")
    assert over["alarmDescription"] == ("novacron 3 checkScalingNeeded: Connections > 400 -> Add read replica (raise "
                                        "database.extra_replicas by 1) (instances: prod-db-shard-0)")
    storage = alarms["prod-db-storage-85-0"]  # novacron 3: Storage > 85% -> add storage
    assert (storage["threshold"], storage["comparisonOperator"]) == (150 * 2 ** 30, "LessThanThreshold")
    assert storage["metricQueries"][0]["metric"]["metricName"] == "FreeStorageSpace"
    assert storage["metricQueries"][-1]["expression"] == "MIN(METRICS())"
    assert storage["alarmDescription"] == (
        "novacron 3 checkScalingNeeded: storage > 85% of 1000 GB allocated (FreeStorageSpace < 15%): add storage: "
        "raise database.storage_gb_per_shard (autoscaling cap 2000 GB) (instances: prod-db-shard-0)")
    lag = alarms["prod-db-replica-lag-0"]
    assert lag["threshold"] == 1.0  # 1000 ms; CloudWatch ReplicaLag is in seconds
    watched = [q["metric"]["dimensions"]["DBInstanceIdentifier"] for q in lag["metricQueries"] if "metric" in q]
    assert len(watched) == 10  # one math alarm watches at most 10 instances
    assert all(a["alarmActions"] == ["arn:aws:sns:us-east-1:123456789012:prod-us-east-1-data-alarms"]
               for a in alarms.values())
    assert len(alarms) == 5


def test_emergency_database_raises_connections_and_replicas():
    # db.t3.medium: RDS default LEAST(4 GiB / 9531392 = 450, 5000) = 450 < novacron 2's 1000, so it is raised
    run = run_stack("prod", ("emergency.mode=up", "emergency.target=database", "database.instance_class=db.t3.medium"))
    for params in of_type(run, "aws:rds/parameterGroup:ParameterGroup"):  # the primary's and us-west-2's
        assert {p["name"]: p["value"] for p in params.inputs["parameters"]}["max_connections"] == "1000"
    assert len(replicas(run)) == 4 * (3 + 1) + 4  # + prod's default cross-region replica per shard
    # novacron 2: the emergency replica (highest number) is db.r5.2xlarge; the formula's three db.r5.xlarge
    assert Counter(r.inputs["instanceClass"] for r in replicas(run)) == {"db.r5.xlarge": 12 + 4, "db.r5.2xlarge": 4}
    assert {r.name for r in replicas(run) if r.inputs["instanceClass"] == "db.r5.2xlarge"} == {
        f"prod-db-shard-{i}-replica-3" for i in range(4)}
    thresholds = {a.name: a.inputs["threshold"] for a in of_type(run, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert (thresholds["prod-db-connections-80-0"], thresholds["prod-db-connections-90-0"]) == (809, 909)


def test_adding_shards_never_touches_existing_ones():
    small, big = run_stack("prod", SMALL), run_stack("prod", BIG)
    assert sorted(r.name for r in shards(small)) == sorted(f"prod-db-shard-{i}" for i in range(4))
    assert sorted(r.name for r in shards(big)) == sorted(f"prod-db-shard-{i}" for i in range(7))
    big_by_name = {r.name: r for r in big.resources}
    stateful = [r for r in small.resources if r.options["protect"]]
    # 4 shards, 2 DB subnet groups (primary region, us-west-2 for the cross-region replicas), per region: a
    # data key, an alert-topic key, a cache group and its subnet group; the CloudFront access-log key
    assert Counter(r.type for r in stateful) == {
        RDS: 4, "aws:rds/subnetGroup:SubnetGroup": 2, "aws:kms/key:Key": 9,
        "aws:elasticache/replicationGroup:ReplicationGroup": 4, "aws:elasticache/subnetGroup:SubnetGroup": 4}
    assert sorted(r.name for r in stateful) == sorted(
        [f"prod-db-shard-{i}" for i in range(4)] + ["prod-us-east-1-data-db-subnets", "prod-us-west-2-data-db-subnets"]
        + [f"prod-{region}-{role}" for region in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")
           for role in ("data-key", "monitoring-key", "cache-rg", "cache-subnets")] + ["prod-edge-logs-key"])
    for resource in stateful:
        after = big_by_name[resource.name]
        assert (after.type, after.inputs, after.options, after.parent, after.provider) == \
               (resource.type, resource.inputs, resource.options, resource.parent, resource.provider), resource.name


def test_shard_removal_only_drains_with_the_flag():
    run = run_stack("prod", ("database.previous_shards=6", "database.allow_shard_removal=true"))
    draining = by_name(run, "prod-db-shard-5")
    assert draining.options["protect"] is False and draining.inputs["deletionProtection"] is False
    assert draining.inputs["skipFinalSnapshot"] is False
    assert by_name(run, "prod-db-shard-3").options["protect"] is True
    assert not [r for r in replicas(run) if r.name.startswith(("prod-db-shard-4-", "prod-db-shard-5-"))]


def test_cross_region_replicas_use_the_region_provider_and_key():
    run = run_stack("prod", ("database.cross_region_replicas=[eu-west-1]",))
    remote = [r for r in replicas(run) if r.provider == "aws-eu-west-1"]
    assert sorted(r.name for r in remote) == sorted(f"prod-db-shard-{i}-eu-west-1-replica-0" for i in range(4))
    replica = by_name(run, "prod-db-shard-0-eu-west-1-replica-0")
    assert replica.inputs["replicateSourceDb"] == "arn:aws:rds:us-east-1:123456789012:prod-db-shard-0"
    assert replica.inputs["kmsKeyId"].endswith("prod-eu-west-1-data-key")
    assert replica.inputs["dbSubnetGroupName"] == "prod-eu-west-1-data-db-subnets"
    assert replica.inputs["instanceClass"] == "db.r5.xlarge"
    # Issue 17: one ReplicaLag alarm per cross-region replica, in its region, to that region's topic
    lag = by_name(run, "prod-db-shard-0-eu-west-1-replica-0-lag")
    assert (lag.provider, lag.inputs["threshold"], lag.inputs["alarmActions"]) == (
        "aws-eu-west-1", 1.0, ["arn:aws:sns:eu-west-1:123456789012:prod-eu-west-1-data-alarms"])


def test_outputs_publish_shard_map_and_endpoints(issue_run):
    assert issue_run.outputs["shard_map"]["shard_count"] == 1
    assert issue_run.outputs["database"]["endpoints"] == {"prod-db-shard-0": "prod-db-shard-0.us-east-1.rds.amazonaws.com"}


# --- DataRegion built alone from hand-made args (tests/components/alone.py) ----------------------------------

ACCOUNT = "111122223333"


def _build_data_region(rds: bool):
    def make():
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        return DataRegion("t-eu-west-1-data", DataRegionArgs(
            naming=NAMING_PROD, region="eu-west-1", account_id=ACCOUNT, vpc_id="vpc-0abc",
            subnet_ids=["subnet-private-a", "subnet-private-b"], app_security_group_id="sg-app", rds=rds,
            parameter_group_family="postgres16", max_connections=750),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def test_data_region_alone_with_rds():
    built = _build_data_region(rds=True)
    check_conventions(built, "database", "DataRegion")
    assert built.roles() == {"key": "aws:kms/key:Key", "key-alias": "aws:kms/alias:Alias",
                             "db-subnets": "aws:rds/subnetGroup:SubnetGroup",
                             "db-sg": "aws:ec2/securityGroup:SecurityGroup",
                             "db-params": "aws:rds/parameterGroup:ParameterGroup", "alarms": "aws:sns/topic:Topic"}
    key = built.named("t-eu-west-1-data-key")
    assert (key.inputs["enableKeyRotation"], key.inputs["deletionWindowInDays"]) == (True, 30)
    assert key.options["protect"] is True and key.options["retainOnDelete"] is True
    statements = json.loads(key.inputs["policy"])["Statement"]
    assert [(s["Sid"], s["Principal"]) for s in statements] == [
        ("AccountAdmin", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
        ("CloudWatchAlarmsToEncryptedSns", {"Service": "cloudwatch.amazonaws.com"})]
    assert statements[1]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    alias = built.named("t-eu-west-1-data-key-alias").inputs
    # key_id is computed by AWS: unknown at preview, i.e. read from the key, not written down
    assert alias == {"name": "alias/t-eu-west-1-data", "targetKeyId": UNKNOWN_TEXT}
    subnets = built.named("t-eu-west-1-data-db-subnets")
    assert subnets.inputs["subnetIds"] == ["subnet-private-a", "subnet-private-b"]
    assert subnets.options["protect"] is True and subnets.options["retainOnDelete"] is True
    sg = built.named("t-eu-west-1-data-db-sg")
    assert sg.inputs["ingress"] == [{"protocol": "tcp", "fromPort": 5432, "toPort": 5432,
                                     "securityGroups": ["sg-app"], "description": "from app tiers"}]
    assert (sg.inputs["egress"], sg.inputs["vpcId"], sg.options["protect"]) == ([], "vpc-0abc", False)
    params = built.named("t-eu-west-1-data-db-params").inputs
    assert params["family"] == "postgres16" and params["tags"] == tags(NAMING_PROD, "db-params")
    assert params["parameters"] == [
        {"name": "max_connections", "value": "750", "applyMethod": "pending-reboot"},  # static parameter
        {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"}]
    assert built.named("t-eu-west-1-data-alarms").inputs["kmsMasterKeyId"] == \
        "arn:aws:kms:eu-west-1:123456789012:t-eu-west-1-data-key"
    assert {r.provider for r in built.children.values()} == {"aws-eu-west-1"}
    assert built.outputs == {"key_arn": "arn:aws:kms:eu-west-1:123456789012:t-eu-west-1-data-key",
                             "subnet_group": "t-eu-west-1-data-db-subnets",
                             "alarm_topic_arn": "arn:aws:sns:eu-west-1:123456789012:t-eu-west-1-data-alarms"}


def test_data_region_alone_cache_only_region_has_just_the_key():
    built = _build_data_region(rds=False)
    check_conventions(built, "database", "DataRegion")
    assert set(built.roles()) == {"key", "key-alias"}
    assert built.outputs == {"key_arn": "arn:aws:kms:eu-west-1:123456789012:t-eu-west-1-data-key"}
