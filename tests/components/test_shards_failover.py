"""Issue 17: the ShardSet encodes a primary-region failover as in-place promotions (components/shards.py),
the program's endpoints follow the writers, and policy writer-in-healthy-region guards the rest."""
from __future__ import annotations

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
    assert names(before) == names(failed)  # same names and type tokens: no RDS instance added, replaced or deleted
    for i in range(4):
        was = by_name(before, f"prod-db-shard-{i}-us-west-2-replica-0")
        now = by_name(failed, f"prod-db-shard-{i}-us-west-2-replica-0")
        assert was.inputs["replicateSourceDb"] == f"arn:aws:rds:us-east-1:123456789012:prod-db-shard-{i}"
        assert "replicateSourceDb" not in now.inputs  # the provider promotes it (promote-read-replica)
        changed = {k for k in set(was.inputs) | set(now.inputs) if was.inputs.get(k) != now.inputs.get(k)}
        assert changed == {"replicateSourceDb", "backupRetentionPeriod", "deletionProtection", "skipFinalSnapshot",
                           "finalSnapshotIdentifier"}
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
    # us-west-2 held only replica 0 of each shard: once promoted there is no ReplicaLag left to watch there
    lag = by_name(before, "prod-db-us-west-2-replica-lag-0")
    watched = [q["metric"]["dimensions"]["DBInstanceIdentifier"] for q in lag.inputs["metricQueries"] if "metric" in q]
    assert watched == [f"prod-db-shard-{i}-us-west-2-replica-0" for i in range(4)]
    assert not [r for r in failed.resources if r.name == "prod-db-us-west-2-replica-lag-0"]
    assert by_name(failed, "prod-db-eu-west-1-replica-lag-0")  # eu-west-1's replicas are still watched


def test_clearing_failed_regions_after_the_promotion_keeps_the_writers(failed):
    back = run_stack("prod", (REPLICAS, "database.promoted_region=us-west-2"))
    for i in range(4):
        name = f"prod-db-shard-{i}-us-west-2-replica-0"
        assert (by_name(back, name).inputs, by_name(back, name).options) == (
            by_name(failed, name).inputs, by_name(failed, name).options)


def test_policy_passes_with_a_promoted_writer_and_fails_without(failed):
    config = {"failed_regions": ["us-east-1"]}
    assert writer_in_healthy_region(list(failed.resources), config) == []
    stuck = run_stack("prod", (FAILED,))
    violations = writer_in_healthy_region(list(stuck.resources), config)
    assert [(v.resource, v.message) for v in violations][0] == (
        "prod-db-shard-0", "shard 0 has no writer outside the failed regions us-east-1: list a healthy region in "
        "database.cross_region_replicas so its replica can be promoted (novacron 5 promote)")
    assert len(violations) == 4 and WRITER_IN_HEALTHY_REGION.enforcement == "mandatory"
    assert writer_in_healthy_region(list(stuck.resources), {}) == []  # nothing failed: nothing to check
