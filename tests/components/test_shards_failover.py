"""Issue 17: the ShardSet encodes a primary-region failover as in-place promotions (components/shards.py),
the program's endpoints follow the writers, and policy writer-in-healthy-region guards the rest."""
from __future__ import annotations

import json

import pytest

from policies.rules.data import WRITER_IN_HEALTHY_REGION, writer_in_healthy_region
from tests.conftest import by_name, of_type, run_stack

FAILED = 'failed_regions=["us-east-1"]'
REPLICAS = 'database.cross_region_replicas=["eu-west-1","us-west-2"]'
RDS = "aws:rds/instance:Instance"


@pytest.fixture(scope="module")
def before():
    return run_stack("prod", (REPLICAS,))


@pytest.fixture(scope="module")
def failed():
    return run_stack("prod", (FAILED, REPLICAS))


def test_promotion_is_in_place_and_nothing_is_removed(before, failed):
    names = lambda run: {(r.type, r.name) for r in of_type(run, RDS)}  # noqa: E731
    # same names and type tokens: no RDS instance replaced or deleted; only the new writers' replicas are added
    assert names(failed) - names(before) == {(RDS, f"prod-db-shard-{i}-{where}") for i in range(4) for where in (
        "us-west-2-replica-1", "us-west-2-replica-2", "us-west-2-replica-3", "eu-west-1-replica-1")}
    assert names(before) <= names(failed)
    for i in range(4):
        was = by_name(before, f"prod-db-shard-{i}-us-west-2-replica-0")
        now = by_name(failed, f"prod-db-shard-{i}-us-west-2-replica-0")
        assert was.inputs["replicateSourceDb"] == f"arn:aws:rds:us-east-1:123456789012:prod-db-shard-{i}"
        assert "replicateSourceDb" not in now.inputs  # the provider promotes it (promote-read-replica)
        changed = {k for k in set(was.inputs) | set(now.inputs) if was.inputs.get(k) != now.inputs.get(k)}
        assert changed == {"replicateSourceDb", "backupRetentionPeriod", "deletionProtection", "skipFinalSnapshot",
                           "finalSnapshotIdentifier", "allowMajorVersionUpgrade"}
        assert now.inputs["allowMajorVersionUpgrade"] is False  # like every primary: RDS refuses a major upgrade
        assert (now.inputs["backupRetentionPeriod"], now.inputs["deletionProtection"], now.inputs["skipFinalSnapshot"],
                now.inputs["finalSnapshotIdentifier"]) == (7, True, False,
                                                           f"prod-db-shard-{i}-us-west-2-replica-0-final-snapshot")
        assert (now.options["protect"], now.options["retainOnDelete"], now.provider) == (True, True, "aws-us-west-2")
        assert (now.inputs["identifier"], now.inputs["kmsKeyId"]) == (was.inputs["identifier"], was.inputs["kmsKeyId"])
        # the old primary is untouched and still protected; eu-west-1's replicas still follow it
        old_was, old_now = by_name(before, f"prod-db-shard-{i}"), by_name(failed, f"prod-db-shard-{i}")
        assert (old_now.inputs, old_now.options) == (old_was.inputs, old_was.options)
        assert old_now.options["protect"] is True
        assert by_name(failed, f"prod-db-shard-{i}-eu-west-1-replica-0").inputs["replicateSourceDb"] == (
            f"arn:aws:rds:us-east-1:123456789012:prod-db-shard-{i}")


def test_endpoints_point_at_the_new_writers(before, failed):
    db = failed.outputs["database"]
    assert db["writer_region"] == "us-west-2"
    assert db["endpoints"] == {f"prod-db-shard-{i}": f"prod-db-shard-{i}-us-west-2-replica-0.us-west-2.rds.amazonaws.com"
                               for i in range(4)}
    assert before.outputs["database"]["endpoints"]["prod-db-shard-0"] == "prod-db-shard-0.us-east-1.rds.amazonaws.com"
    shard0 = failed.outputs["shard_map"]["shards"][0]
    assert (shard0["writer"], shard0["writer_region"]) == ("prod-db-shard-0-us-west-2-replica-0", "us-west-2")


def test_lag_alarm_no_longer_watches_the_promoted_writers(before, failed):
    # each cross-region replica has its own ReplicaLag alarm; a promoted writer has no lag left to watch
    lag = by_name(before, "prod-db-shard-0-us-west-2-replica-0-lag")
    watched = [q["metric"]["dimensions"]["DBInstanceIdentifier"] for q in lag.inputs["metricQueries"] if "metric" in q]
    assert (watched, lag.provider) == (["prod-db-shard-0-us-west-2-replica-0"], "aws-us-west-2")
    assert not [r for r in failed.resources if r.name.endswith("us-west-2-replica-0-lag")]
    assert by_name(failed, "prod-db-shard-0-eu-west-1-replica-0-lag")  # eu-west-1's replicas are still watched


def test_replicas_follow_the_new_writer(failed):
    for i in range(4):
        writer = f"prod-db-shard-{i}-us-west-2-replica-0"
        for n in (1, 2, 3):  # the shard's 3 local read replicas, now of the new writer, in its region
            local = by_name(failed, f"prod-db-shard-{i}-us-west-2-replica-{n}")
            assert (local.provider, local.inputs["replicateSourceDb"], local.inputs["dbSubnetGroupName"]) == (
                "aws-us-west-2", writer, "prod-us-west-2-data-db-subnets")
            assert local.inputs["kmsKeyId"] == "arn:aws:kms:us-west-2:123456789012:prod-us-west-2-data-key"
        # and a cross-region copy in the next healthy region (eu-west-1's replica-0 still follows the old primary)
        copy = by_name(failed, f"prod-db-shard-{i}-eu-west-1-replica-1")
        assert (copy.provider, copy.inputs["replicateSourceDb"], copy.inputs["kmsKeyId"]) == (
            "aws-eu-west-1", f"arn:aws:rds:us-west-2:123456789012:{writer}",
            "arn:aws:kms:eu-west-1:123456789012:prod-eu-west-1-data-key")
        assert by_name(failed, f"prod-db-shard-{i}-eu-west-1-replica-1-lag").provider == "aws-eu-west-1"
    # the failed region's replicas stay as they were (not deleted, not re-pointed)
    for name in ("prod-db-shard-0-replica-0", "prod-db-shard-0-eu-west-1-replica-0"):
        assert by_name(failed, name).inputs["replicateSourceDb"].endswith("prod-db-shard-0")


def test_alarms_follow_the_new_writer(before, failed):
    old = by_name(before, "prod-db-connections-80-0")
    assert old.provider == "aws-us-east-1"
    assert not [r for r in failed.resources if r.name == "prod-db-connections-80-0"]
    for name in ("prod-db-us-west-2-connections-80-0", "prod-db-us-west-2-storage-85-0"):
        alarm = by_name(failed, name)
        watched = [q["metric"]["dimensions"]["DBInstanceIdentifier"] for q in alarm.inputs["metricQueries"]
                   if "metric" in q]
        assert watched == [f"prod-db-shard-{i}-us-west-2-replica-0" for i in range(4)]
        assert (alarm.provider, alarm.inputs["alarmActions"]) == (
            "aws-us-west-2", ["arn:aws:sns:us-west-2:123456789012:prod-us-west-2-data-alarms"])
    lag = by_name(failed, "prod-db-us-west-2-replica-lag-0")  # the new writers' local replicas, grouped by 10
    watched = [q["metric"]["dimensions"]["DBInstanceIdentifier"] for q in lag.inputs["metricQueries"] if "metric" in q]
    assert watched[:3] == [f"prod-db-shard-0-us-west-2-replica-{n}" for n in (1, 2, 3)] and len(watched) == 10


def test_ssm_parameters_the_apps_read_point_to_the_new_writers(before, failed):
    for region in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"):
        param = by_name(failed, f"prod-{region}-db-endpoints-writers")
        assert (param.provider, param.inputs["name"], param.inputs["type"]) == (
            f"aws-{region}", "/prod/database/writers", "String")
        doc = json.loads(param.inputs["insecureValue"])
        assert doc["prod-db-shard-2"] == {
            "address": "prod-db-shard-2-us-west-2-replica-0.us-west-2.rds.amazonaws.com",
            "identifier": "prod-db-shard-2-us-west-2-replica-0", "region": "us-west-2"}
        assert sorted(doc) == [f"prod-db-shard-{i}" for i in range(4)]
        was = json.loads(by_name(before, f"prod-{region}-db-endpoints-writers").inputs["insecureValue"])
        assert was["prod-db-shard-2"]["address"] == "prod-db-shard-2.us-east-1.rds.amazonaws.com"


def test_clearing_failed_regions_after_the_promotion_keeps_the_writers(failed):
    back = run_stack("prod", (REPLICAS, "database.promoted_region=us-west-2"))
    # every RDS instance, its replicas and the writers' SSM parameters stay exactly as in the failed plan
    kept = lambda run: {r.name: (r.inputs, r.options, r.provider) for r in run.resources  # noqa: E731
                        if r.type in (RDS, "aws:ssm/parameter:Parameter", "aws:rds/subnetGroup:SubnetGroup")}
    assert kept(back) == kept(failed)
    assert "replicateSourceDb" not in by_name(back, "prod-db-shard-0-us-west-2-replica-0").inputs


def test_policy_passes_with_a_promoted_writer_and_fails_without(failed):
    config = {"failed_regions": ["us-east-1"]}
    assert writer_in_healthy_region(list(failed.resources), config) == []
    stuck = run_stack("prod", (FAILED, "database.cross_region_replicas=[]"))
    violations = writer_in_healthy_region(list(stuck.resources), config)
    assert [(v.resource, v.message) for v in violations][0] == (
        "prod-db-shard-0", "shard 0 has no writer outside the failed regions us-east-1: list a healthy region in "
        "database.cross_region_replicas so its replica can be promoted (novacron 5 promote)")
    assert len(violations) == 4 and WRITER_IN_HEALTHY_REGION.enforcement == "mandatory"
    assert writer_in_healthy_region(list(stuck.resources), {}) == []  # nothing failed: nothing to check
