"""infra/planning/data_plan.py: the runbook formulas for shards, replicas, connections and the cache (plain values)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from infra.config import ConfigError, parse_platform
from infra.model.data import (
    EMERGENCY_DB_EXTRA_REPLICAS,
    EMERGENCY_MAX_CONNECTIONS,
)
from infra.planning import data_plan
from infra.planning.data_plan import (
    DataPlanError,
    plan_cache,
    plan_database,
    replicas_needed,
    shards_needed,
)
from infra.planning.pipeline import plan_capacity
from tests.conftest import ROOT, stack_platform


def cfg_for(*overrides: str, stack: str = "prod"):
    platform, _ = stack_platform(stack, overrides)
    return parse_platform(platform, f"Pulumi.{stack}.yaml")


@pytest.mark.parametrize("size, growth, days, target, expected, projected", [
    (3000, 500, 30, 1000, 4, "3500"),   # prod: ceil(3500 / 1000)
    (500, 500, 30, 1000, 1, "1000"),    # exactly one shard's worth
    (1000.5, 0, 30, 1000, 2, "1000.5"),
    (0, 0, 30, 1000, 1, "0"),           # at least 1
    (3000, 500, 90, 1000, 5, "4500"),   # growth scaled by forecast_days / 30
])
def test_shard_formula(size, growth, days, target, expected, projected):
    count, reason = shards_needed(size, growth, days, target)
    assert count == expected
    raw = 0 if size == growth == 0 else expected
    assert reason == (f"ceil(({size:g} GB + {growth:g} GB/month x {days}/30 months) / {target:g} GB per shard) = "
                      f"ceil({projected} / {target:g}) = {raw}" + (", at least 1" if raw != expected else ""))


@pytest.mark.parametrize("reads, writes, expected", [
    (9500, 500, 10),     # 95% reads > 90%: ceil(9500 / 1000)
    (9000, 1000, 5),     # exactly 90% is not > 90%: ceil(9000 / 2000)
    (8000, 2000, 4),     # 80% > 70%: ceil(8000 / 2000)
    (7000, 3000, 2),     # exactly 70%: balanced branch, max(1, ceil(7000 / 5000))
    (12000, 8000, 3),    # 60%: ceil(12000 / 5000)
    (100, 900, 1),       # write-heavy: at least 1
    (0, 0, 1),           # no load: at least 1
])
def test_replica_formula(reads, writes, expected):
    assert replicas_needed(reads, writes)[0] == expected


def test_issue_check_one_shard_ten_replicas():
    plan = plan_database(cfg_for("database.read_qps=9500", "database.write_qps=500", "database.size_gb=500"))
    assert (plan.shards, plan.read_replicas_per_shard, plan.read_replicas) == (1, 10, 10)
    assert "95.0% > 90%" in plan.read_replicas_per_shard_reason


def test_prod_defaults():
    plan = plan_database(cfg_for())
    assert plan.shards == 4 and plan.strategy == "hash"
    # per shard 2375 reads / 125 writes: 95% reads -> ceil(2375 / 1000) = 3
    assert plan.read_replicas_per_shard == 3 and plan.read_replicas == 12
    # Issue 17: RDS default for db.r5.2xlarge: LEAST(64 GiB / 9531392 = 7209, 5000) = 5000, not a pinned 500
    assert (plan.max_connections, plan.max_connections_parameter) == (
        5000, "LEAST({DBInstanceClassMemory/9531392},5000)")
    # novacron 5: $((CUR*100/5000)) -gt 80 / -gt 90 first hold at 4050 / 4550 -> GreaterThanThreshold 4049 / 4549
    assert plan.connection_alarm_thresholds == {80: 4049, 90: 4549}
    assert plan.connection_alarm_reasons[80] == (
        "novacron 5: $((CUR*100/5000)) -gt 80 first holds at CUR 4050 (4050*100/5000 = 81); alarm > 4049")
    assert plan.multi_az and plan.primary_region == "us-east-1"
    assert plan.parameter_group_family == "postgres16" and plan.storage_gb_per_shard == 1000


def test_prod_storage_is_flagged_above_85_percent_with_autoscaling():
    # novacron 3 checkScalingNeeded: Storage > 85 -> add storage. prod: 3500 GB / 4 = 875 GB on 1000 GB.
    plan = plan_database(cfg_for())
    assert (plan.storage_fill_gb, plan.storage_fill_pct, plan.max_allocated_storage_gb) == (875, 87.5, 2000)
    assert plan.free_storage_alarm_bytes == 150 * 2 ** 30
    assert plan.storage_reason == (
        "3500 GB / 4 shards = 875 GB per shard = 87.5% of 1000 GB allocated; autoscaling up to 2 x 1000 = 2000 GB; "
        "FreeStorageSpace alarm below 15% free (novacron 3: Storage > 85% -> add storage); above 85% at plan time")
    assert plan.shard_notes == (
        "novacron 3 checkScalingNeeded: each shard is planned 87.5% full (875 of 1000 GB) > 85%: raise "
        "database.storage_gb_per_shard to >= 1030 (in place; never lowered) or lower shard_target_gb for more shards; "
        "until then storage autoscaling (up to 2000 GB) and the FreeStorageSpace alarm cover it",)
    roomy = plan_database(cfg_for("database.storage_gb_per_shard=1030"))
    assert roomy.shard_notes == () and not roomy.storage_reason.endswith("at plan time")
    assert roomy.max_allocated_storage_gb == 2060
    at_max = plan_database(cfg_for("database.storage_gb_per_shard=65536", "database.shard_target_gb=1000"))
    assert at_max.max_allocated_storage_gb is None and "no autoscaling" in at_max.storage_reason
    assert plan_database(cfg_for("database.storage_gb_per_shard=40000")).max_allocated_storage_gb == 65536


def test_dev_is_single_az():
    plan = plan_database(cfg_for(stack="dev"))
    assert not plan.multi_az and plan.shards == 1


@pytest.mark.parametrize("sharding, strategy", [
    ("user", "hash"), ("transaction", "time"), ("content", "geographic"), ("governance", "replicated")])
def test_strategy_per_data_type(sharding, strategy):
    assert plan_database(cfg_for(f"database.sharding={sharding}")).strategy == strategy


def test_replicated_shards_take_every_write():
    # 4 replicated shards: each gets 9500/4 reads and all 500 writes -> 82.6% reads -> ceil(2375/2000) = 2
    plan = plan_database(cfg_for("database.sharding=governance"))
    assert plan.read_replicas_per_shard == 2


@pytest.mark.parametrize("target", ["database", "all"])
def test_emergency_database_adds_replica_and_connections(target):
    plan = plan_database(cfg_for("emergency.mode=up", f"emergency.target={target}", "database.instance_class=db.r5.large"))
    assert plan.read_replicas_per_shard == 3 + EMERGENCY_DB_EXTRA_REPLICAS
    # db.r5.large's own default LEAST(16 GiB / 9531392 = 1802, 5000) = 1802 is above novacron 2's 1000: kept
    assert (plan.max_connections, EMERGENCY_MAX_CONNECTIONS) == (1802, 1000)
    assert plan.max_connections_reason.endswith(
        "; emergency up (novacron 2) 1000 <= 1802: not applied (raises only go upward from the engine default); "
        "parameter group holds the formula (per instance class)")
    small = plan_database(cfg_for("emergency.mode=up", f"emergency.target={target}", "database.instance_class=db.t3.medium"))
    assert (small.max_connections, small.max_connections_parameter) == (1000, "1000")  # 450 -> 1000
    assert small.shard_notes[0].startswith("max_connections 1000 on every shard instance: max_connections is a "
                                           "static parameter (apply_method pending-reboot)")


def test_replica_classes_normal_and_emergency():
    # novacron 5 manage_read_replicas add: db.r5.xlarge; novacron 2 emergency replica: db.r5.2xlarge
    plan = plan_database(cfg_for())
    assert [plan.replica_class(j) for j in range(3)] == ["db.r5.xlarge"] * 3
    up = plan_database(cfg_for("emergency.mode=up", "emergency.target=database"))
    assert up.emergency_replicas_per_shard == 1
    assert [up.replica_class(j) for j in range(4)] == ["db.r5.xlarge"] * 3 + ["db.r5.2xlarge"]
    assert up.read_replicas_per_shard_reason.endswith(
        "emergency up database: +1 db.r5.2xlarge (novacron 2) = 4; class db.r5.xlarge "
        "(database.replica_instance_class; novacron 5 manage_read_replicas add), emergency db.r5.2xlarge")
    large = plan_database(cfg_for("database.replica_instance_class=db.r5.large"))
    assert large.replica_class(0) == "db.r5.large"


def test_emergency_other_targets_leave_data_tier_alone():
    cfg = cfg_for("emergency.mode=up", "emergency.target=api")
    assert plan_database(cfg) == plan_database(cfg_for())
    assert plan_cache(cfg) == plan_cache(cfg_for())
    assert plan_database(cfg_for("emergency.mode=down", "emergency.target=database")) == plan_database(cfg_for())


def test_extra_replicas_knob_and_rds_cap():
    assert plan_database(cfg_for("database.extra_replicas=2")).read_replicas_per_shard == 5
    busy = ("database.read_qps=40000", "database.write_qps=100", "database.size_gb=100")
    capped = plan_database(cfg_for(*busy, "database.cross_region_replicas=[]"))
    assert capped.read_replicas_per_shard == data_plan.RDS_MAX_REPLICAS_PER_SOURCE
    assert "capped" in capped.read_replicas_per_shard_reason and capped.shard_notes
    # prod's default cross-region replica counts against RDS's 15 per source
    default = plan_database(cfg_for(*busy))
    assert default.read_replicas_per_shard == data_plan.RDS_MAX_REPLICAS_PER_SOURCE - 1
    assert "capped at 14: RDS allows 15 replicas per source and 1 are cross-region" in default.read_replicas_per_shard_reason


@pytest.mark.parametrize("target", ["cache", "all"])
def test_emergency_cache(target):
    plan = plan_cache(cfg_for("emergency.mode=up", f"emergency.target={target}"))
    assert (plan.node_type, plan.replicas) == ("cache.r5.xlarge", 5)


def test_emergency_cache_never_shrinks_a_bigger_node():
    plan = plan_cache(cfg_for("emergency.mode=up", "cache.node_type=cache.r5.2xlarge"))
    assert plan.node_type == "cache.r5.2xlarge"


def test_cache_without_replicas_cannot_fail_over():
    plan = plan_cache(cfg_for("cache.replicas=0"))
    assert not plan.automatic_failover and "failover" in plan.replicas_reason


def test_shard_removal_is_rejected_without_the_flag():
    cfg = cfg_for("database.previous_shards=6")
    with pytest.raises(DataPlanError) as err:
        plan_database(cfg)
    message = str(err.value)
    assert "\n" not in message and "database.previous_shards" in message and "allow_shard_removal" in message


def test_shard_removal_with_the_flag_drains_the_extra_shards():
    plan = plan_database(cfg_for("database.previous_shards=6", "database.allow_shard_removal=true"))
    assert plan.shards == 4 and plan.draining_shards == (4, 5) and plan.shard_indexes == (0, 1, 2, 3, 4, 5)
    assert plan.read_replicas == 12  # draining shards keep no replicas
    assert plan.shard_notes


def test_growth_from_previous_shards_is_fine_and_min_shards_is_a_floor():
    assert plan_database(cfg_for("database.previous_shards=2")).shards == 4
    assert plan_database(cfg_for("database.min_shards=6", "database.previous_shards=6")).shards == 6


@pytest.mark.parametrize("overrides, key", [
    (("database.allow_shard_removal=true",), "database.allow_shard_removal"),
    (("database.shard_target_gb=1500",), "database.shard_target_gb"),
    (("database.min_shards=10", "database.max_shards=5"), "database.min_shards"),
    (("database.cross_region_replicas=[mars-1]",), "database.cross_region_replicas"),
    (("database.replica_instance_class=db.x2g.16xlarge",), "database.replica_instance_class"),
])
def test_bad_database_config_is_one_line(overrides, key):
    platform, _ = stack_platform("prod")
    from infra.config import apply_overrides
    with pytest.raises(ConfigError) as err:
        parse_platform(apply_overrides(platform, list(overrides), "f"), "Pulumi.prod.yaml")
    assert key in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("overrides, key", [
    (("database.size_gb=100000",), "database.max_shards"),
    (("database.cross_region_replicas=[us-east-1]",), "database.cross_region_replicas[0]"),
    (("database.cross_region_replicas=[eu-central-1]",), "database.cross_region_replicas[0]"),
])
def test_planner_rejections(overrides, key):
    with pytest.raises(DataPlanError) as err:
        plan_database(cfg_for(*overrides))
    assert key in str(err.value)


def test_capacity_plan_carries_database_and_cache():
    doc = plan_capacity(cfg_for()).to_dict()
    db = doc["database"]
    assert db["shards"] == 4
    assert db["shards_reason"] == ("ceil((3000 GB + 500 GB/month x 30/30 months) / 1000 GB per shard) = "
                                   "ceil(3500 / 1000) = 4; strategy hash (relay: user -> hash)")
    assert db["read_replicas"] == 12 and db["read_replicas_per_shard"] == 3
    assert db["read_replicas_per_shard_reason"] == (
        "per shard: 9500 reads/s / 4 shards = 2375, 500 writes/s / 4 = 125; "
        "reads 2375/(2375 + 125) = 95.0% > 90%: ceil(2375 / 1000) = 3; "
        "class db.r5.xlarge (database.replica_instance_class; novacron 5 manage_read_replicas add)")
    assert (db["instance_class"], db["replica_instance_class"], db["emergency_replicas_per_shard"]) == (
        "db.r5.2xlarge", "db.r5.xlarge", 0)
    assert db["read_replicas_reason"] == "3 per shard x 4 shards in us-east-1"
    assert (db["max_connections"], db["max_connections_reason"]) == (5000, (
        "RDS default LEAST({DBInstanceClassMemory/9531392},5000) for db.r5.2xlarge (64 GiB): LEAST(64 GiB / 9531392 "
        "= 7209, 5000) = 5000; parameter group holds the formula (per instance class)"))
    assert (db["connection_replica_alarm"], db["connection_replica_alarm_reason"]) == (
        400, "novacron 3 checkScalingNeeded: Connections > 400 -> Add read replica (raise database.extra_replicas by 1)")
    assert doc["cache"]["node_type"] == "cache.r5.large" and doc["cache"]["replicas"] == 2


def test_planners_are_pure():
    code = ("import sys, infra.planning.data_plan, infra.planning.shard_map; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pulumi', 'pulumi_aws', 'pulumi_kubernetes', 'pulumi_cloudflare', 'pulumi_policy', 'boto3', 'botocore')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == "[]\n"  # importing the planners loads no SDK module
