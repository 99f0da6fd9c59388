"""Issue 17: a failed primary region promotes each shard's cross-region replica (infra/planning/failover.py)."""
from __future__ import annotations

import pytest

from infra.config import ConfigError, parse_platform
from infra.model.data import promoted_identifier
from infra.planning.data_plan import plan_database
from infra.planning.failover import failover_region, plan_data_failover
from tests.conftest import stack_platform

FAILED = 'failed_regions=["us-east-1"]'
REPLICAS = 'database.cross_region_replicas=["eu-west-1","us-west-2"]'


def cfg_for(*overrides: str):
    platform, _ = stack_platform("prod", overrides)
    return parse_platform(platform, "Pulumi.prod.yaml")


def planned(*overrides: str):
    cfg = cfg_for(*overrides)
    return plan_data_failover(cfg, plan_database(cfg))


def test_healthy_primary_writes_in_the_primary_region():
    plan = planned(REPLICAS)
    assert (plan.promoted_region, plan.writer_region) == (None, "us-east-1")
    assert plan.writer_reason == "primary region us-east-1 (regions[].primary) is healthy"
    assert plan.writer_identifier("prod", 2) == "prod-db-shard-2"


def test_failed_primary_promotes_replica_0_in_the_first_failover_priority_region():
    # default failover_priority lists us-west-2 before eu-west-1, whatever order cross_region_replicas has
    cfg = cfg_for(FAILED, REPLICAS)
    assert cfg.failover_priority.index("us-west-2") < cfg.failover_priority.index("eu-west-1")
    plan = plan_data_failover(cfg, plan_database(cfg))
    assert (plan.promoted_region, plan.writer_region, plan.primary_region) == ("us-west-2", "us-west-2", "us-east-1")
    assert [plan.writer_identifier("prod", i) for i in range(plan.shards)] == [
        f"prod-db-shard-{i}-us-west-2-replica-0" for i in range(4)]
    assert plan.writer_reason.startswith("home region us-east-1 is in failed_regions: replica 0 in us-west-2 (first "
                                         "healthy region of failover_priority holding this shard's cross-region")
    note = plan.shard_notes[-1]
    assert note.startswith("novacron 5 promote, primary region us-east-1 failed: writers move to us-west-2 "
                           "(shards 0..3: <stack>-db-shard-<i> -> <stack>-db-shard-<i>-us-west-2-replica-0).")
    for part in ("Data-loss window", "ReplicaLag", "under 1000 ms", "--backup-retention-period 7",
                 "aws rds wait db-instance-available", "database.promoted_region: us-west-2",
                 "kept, protected, never deleted"):
        assert part in note, part


def test_failed_failover_region_is_skipped():
    assert failover_region(cfg_for('failed_regions=["us-east-1","us-west-2"]', REPLICAS)) == "eu-west-1"


def test_without_cross_region_replicas_nothing_is_promoted_and_the_note_is_loud():
    plan = planned(FAILED, "database.cross_region_replicas=[]")  # turned off explicitly (prod's default is on)
    assert (plan.promoted_region, plan.writer_region) == (None, "us-east-1")
    assert plan.shard_notes[-1].startswith("PRIMARY REGION us-east-1 FAILED and no healthy region holds "
                                           "cross-region replicas of shards 0..3 (database.cross_region_replicas: "
                                           "none)")


def test_recorded_promotion_survives_clearing_failed_regions():
    plan = planned(REPLICAS, "database.promoted_region=eu-west-1")
    assert (plan.promoted_region, plan.writer_identifier("prod", 0)) == ("eu-west-1", "prod-db-shard-0-eu-west-1-replica-0")
    assert promoted_identifier("prod", 0, "eu-west-1") == "prod-db-shard-0-eu-west-1-replica-0"
    # the kept writers say why they stay (the operator switches back, not the plan)
    assert plan.shard_notes[-1].startswith("database.promoted_region: shards 0..3 write in eu-west-1 (promoted from "
                                           "us-east-1); the promoted writer stays the writer until an operator "
                                           "switches back, because RDS cannot demote a primary to a replica")


def test_promoted_region_must_hold_replicas():
    with pytest.raises(ConfigError) as err:
        planned("database.promoted_region=eu-west-1")  # prod's default replica region is us-west-2
    assert str(err.value) == ("stack config: scaling-platform:platform.database.promoted_region: 'eu-west-1' holds no "
                              "cross-region replica of shard 0 to promote; allowed: us-west-2")


def test_replicated_shards_hold_all_the_data():
    # Issue 17: 4 governance shards each hold all 3000 + 500 GB = 3500 GB, not 3500 / 4 = 875
    plan = plan_database(cfg_for("database.sharding=governance"))
    assert (plan.shards, plan.storage_fill_gb) == (4, 3500.0)
    assert plan.storage_reason.startswith("replicated: each of the 4 shards holds all the data; 3500 GB / 1 shards = "
                                          "3500 GB per shard = 350.0% of 1000 GB allocated")
