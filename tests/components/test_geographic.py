"""Issue 17 "Strategies that hold": a geographic (sharding: content) prod stack puts each shard in the region it
serves, with that region's provider, key, subnet group, replicas and alarms, and passes every policy."""
from __future__ import annotations

import pytest

from policies import engine
from tests.conftest import by_name, of_type, run_stack

RDS = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
HOMES = {0: "us-east-1", 1: "us-west-2", 2: "eu-west-1", 3: "ap-southeast-1"}
NEXT = {0: "us-west-2", 1: "eu-west-1", 2: "ap-southeast-1", 3: "us-east-1"}  # the failover ring, wrapped


@pytest.fixture(scope="module")
def geo():
    return run_stack("prod", ("database.sharding=content",))


def key(region: str) -> str:
    return f"arn:aws:kms:{region}:123456789012:prod-{region}-data-key"


def test_each_shard_lives_in_its_region_with_its_own_key_and_subnet_group(geo):
    for i, home in HOMES.items():
        primary = by_name(geo, f"prod-db-shard-{i}")
        assert (primary.provider, primary.inputs["kmsKeyId"], primary.inputs["dbSubnetGroupName"]) == (
            f"aws-{home}", key(home), f"prod-{home}-data-db-subnets")
        assert primary.inputs["parameterGroupName"] == f"prod-{home}-data-db-params"
        assert (primary.options["protect"], primary.inputs["deletionProtection"]) == (True, True)
        for n in range(3):  # local read replicas in the home region
            local = by_name(geo, f"prod-db-shard-{i}-replica-{n}")
            assert (local.provider, local.inputs["replicateSourceDb"], local.inputs["kmsKeyId"]) == (
                f"aws-{home}", f"prod-db-shard-{i}", key(home))
        far = by_name(geo, f"prod-db-shard-{i}-{NEXT[i]}-replica-0")  # the DR copy, next region of the ring
        assert (far.provider, far.inputs["replicateSourceDb"], far.inputs["kmsKeyId"],
                far.inputs["dbSubnetGroupName"]) == (
            f"aws-{NEXT[i]}", f"arn:aws:rds:{home}:123456789012:prod-db-shard-{i}", key(NEXT[i]),
            f"prod-{NEXT[i]}-data-db-subnets")
        assert by_name(geo, f"prod-db-shard-{i}-{NEXT[i]}-replica-0-lag").provider == f"aws-{NEXT[i]}"
    assert sorted(r.provider for r in of_type(geo, "aws:rds/subnetGroup:SubnetGroup")) == sorted(
        f"aws-{r}" for r in HOMES.values())


def test_alarms_watch_each_region_in_that_region(geo):
    names = {a.name: a for a in of_type(geo, ALARM) if a.name.startswith("prod-db-")}
    assert by_name(geo, "prod-db-connections-80-0").provider == "aws-us-east-1"  # the primary keeps its names
    for i, home in list(HOMES.items())[1:]:
        alarm = names[f"prod-db-{home}-connections-80-0"]
        watched = [q["metric"]["dimensions"]["DBInstanceIdentifier"] for q in alarm.inputs["metricQueries"]
                   if "metric" in q]
        assert (alarm.provider, watched) == (f"aws-{home}", [f"prod-db-shard-{i}"])
        assert names[f"prod-db-{home}-replica-lag-0"].provider == f"aws-{home}"


def test_shard_map_and_plan_say_where_shards_live(geo):
    doc = geo.outputs["shard_map"]
    assert doc["geographic"]["regions"] == {home: [i] for i, home in HOMES.items()}
    assert [(s["index"], s["region"], s["writer_region"]) for s in doc["shards"]] == [
        (i, home, home) for i, home in HOMES.items()]
    assert doc["shards"][3]["cross_region_replicas"] == [{
        "identifier": "prod-db-shard-3-us-east-1-replica-0", "region": "us-east-1",
        "lag_alarm": "prod-db-shard-3-us-east-1-replica-0-lag"}]
    placement = geo.outputs["capacity"]["database"]["shard_placement"]
    assert [(p["shard"], p["region"], list(p["cross_region_replicas"])) for p in placement] == [
        (i, HOMES[i], [NEXT[i]]) for i in range(4)]


def test_a_geographic_stack_passes_every_policy(geo):
    assert engine.evaluate(geo.resources, engine.load_policy_config("prod")) == []


def test_a_failed_geographic_region_promotes_only_its_shard():
    run = run_stack("prod", ("database.sharding=content", 'failed_regions=["us-west-2"]'))
    writers = run.outputs["database"]["writer_regions"]
    assert writers == {"prod-db-shard-0": "us-east-1", "prod-db-shard-1": "eu-west-1", "prod-db-shard-2": "eu-west-1",
                       "prod-db-shard-3": "ap-southeast-1"}
    promoted = by_name(run, "prod-db-shard-1-eu-west-1-replica-0")
    assert "replicateSourceDb" not in promoted.inputs
    assert (promoted.inputs["backupRetentionPeriod"], promoted.inputs["deletionProtection"]) == (7, True)
    assert engine.evaluate(run.resources, {**engine.load_policy_config("prod"),
                                           "writer-in-healthy-region": {"failed_regions": ["us-west-2"]}}) == []
