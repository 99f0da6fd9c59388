"""Issue 17: where shards live (infra/planning/placement.py): cross-region replicas by default in prod, geographic
homes that never move, and the pins `scaling plan --previous` carries over."""
from __future__ import annotations

import pytest

from infra.config import ConfigError, parse_platform
from infra.planning.data_plan import plan_database
from infra.planning.deployed import deployed_from_plan, with_deployed
from infra.planning.failover import plan_data_failover
from infra.planning.pipeline import plan_capacity
from infra.planning.placement import plan_placements, region_ring
from tests.conftest import stack_platform

GEO = "database.sharding=content"
FRANKFURT = {"name": "eu-central-1", "min_instances": 3, "max_instances": 30, "current_instances": 3,
             "latency_ms": 80, "traffic_weight": 10,
             "certificate_arn": "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000005"}


def platform_for(*overrides: str, stack: str = "prod") -> dict:
    return stack_platform(stack, overrides)[0]


def cfg_of(platform: dict):
    return parse_platform(platform, "Pulumi.prod.yaml")


def homes(cfg) -> dict[int, str]:
    return {p.index: p.region for p in plan_database(cfg).placements}


def test_the_ring_is_primary_then_failover_priority_then_the_rest():
    assert region_ring(cfg_of(platform_for())) == ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
    ring = region_ring(cfg_of(platform_for('failover_priority=["eu-west-1"]')))
    assert ring == ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"]


def test_prod_gets_one_cross_region_replica_per_shard_by_default():
    plan = plan_database(cfg_of(platform_for()))
    assert [(p.index, p.region, p.cross_regions, p.cross_per_region) for p in plan.placements] == [
        (i, "us-east-1", ("us-west-2",), 1) for i in range(4)]
    assert plan.cross_region_replicas == {"us-west-2": 1}
    assert plan.placements[0].cross_reason == (
        "default in prod: the region after us-east-1 in the failover ring (us-east-1 -> us-west-2 -> eu-west-1 -> "
        "ap-southeast-1: primary, failover_priority, the rest) = us-west-2; 1 per region "
        "(database.cross_region_replicas_per_shard)")
    assert plan.rds_regions == ("us-east-1", "us-west-2")


def test_off_in_dev_and_off_when_listed_empty():
    dev = plan_database(cfg_of(platform_for(stack="dev")))
    assert (dev.cross_region_replicas, dev.placements[0].cross_regions) == ({}, ())
    assert dev.cross_region_reason == ("none: dev is not one of prod (set database.cross_region_replicas to add them)")
    off = plan_database(cfg_of(platform_for("database.cross_region_replicas=[]")))
    assert (off.cross_region_replicas, off.rds_regions) == ({}, ("us-east-1",))


def test_explicit_regions_replace_the_default():
    plan = plan_database(cfg_of(platform_for('database.cross_region_replicas=["eu-west-1","ap-southeast-1"]',
                                             "database.cross_region_replicas_per_shard=2")))
    assert plan.placements[3].cross_regions == ("eu-west-1", "ap-southeast-1")
    assert plan.cross_region_replicas == {"eu-west-1": 2, "ap-southeast-1": 2}


def test_geographic_shards_live_in_the_regions_they_serve():
    cfg = cfg_of(platform_for(GEO))
    plan = plan_database(cfg)
    assert [(p.index, p.region, p.cross_regions) for p in plan.placements] == [
        (0, "us-east-1", ("us-west-2",)), (1, "us-west-2", ("eu-west-1",)), (2, "eu-west-1", ("ap-southeast-1",)),
        (3, "ap-southeast-1", ("us-east-1",))]
    assert plan.placements[1].region_reason == (
        "geographic: shard 1 serves regions[1 mod 4] = us-west-2 (round robin in stack-file order; pin it in "
        "database.shard_regions before adding a region)")
    more = cfg_of(platform_for(GEO, "database.size_gb=6000"))  # 7 shards: round robin over the 4 regions
    assert homes(more) == {0: "us-east-1", 1: "us-west-2", 2: "eu-west-1", 3: "ap-southeast-1", 4: "us-east-1",
                           5: "us-west-2", 6: "eu-west-1"}


def test_pins_win_and_adding_a_region_moves_no_pinned_shard():
    pinned = cfg_of(platform_for(GEO, 'database.shard_regions={"0": eu-west-1, "3": us-west-2}'))
    assert homes(pinned) == {0: "eu-west-1", 1: "us-west-2", 2: "eu-west-1", 3: "us-west-2"}
    assert plan_database(pinned).placements[0].region_reason == (
        "geographic: database.shard_regions pins shard 0 to eu-west-1")
    # 7 deployed shards over 4 regions; a fifth region is added. The bare round robin would move shard 4
    # (us-east-1 -> eu-central-1); pinned from the earlier plan (what --previous does) none moves.
    before = cfg_of(platform_for(GEO, "database.size_gb=6000"))
    doc = {"capacity": plan_capacity(before).to_dict()}
    grown = platform_for(GEO, "database.size_gb=6000")
    grown["regions"] = grown["regions"] + [FRANKFURT]
    assert homes(cfg_of(grown))[4] == "eu-central-1"
    patched = with_deployed(grown, deployed_from_plan(doc, "old.json"))
    assert patched["database"]["shard_regions"] == {"0": "us-east-1", "1": "us-west-2", "2": "eu-west-1",
                                                    "3": "ap-southeast-1", "4": "us-east-1", "5": "us-west-2",
                                                    "6": "eu-west-1"}
    assert homes(cfg_of(patched)) == homes(before)
    # a new shard (the eighth) goes by the round robin over the five regions: regions[7 mod 5] = eu-west-1
    bigger = with_deployed(platform_for(GEO, "database.size_gb=7000"), deployed_from_plan(doc, "old.json"))
    bigger["regions"] = bigger["regions"] + [FRANKFURT]
    assert homes(cfg_of(bigger)) == {**homes(before), 7: "eu-west-1"}


def test_previous_plan_records_the_promoted_writers():
    failed = cfg_of(platform_for('failed_regions=["us-east-1"]'))
    doc = {"capacity": plan_capacity(failed).to_dict()}
    patch = deployed_from_plan(doc, "failed.json")
    assert patch["database"]["promoted_shards"] == {str(i): "us-west-2" for i in range(4)}
    back = cfg_of(with_deployed(platform_for(), patch))
    plan = plan_data_failover(back, plan_database(back))
    assert [(p.writer, p.promoted) for p in plan.placements] == [("us-west-2", True)] * 4
    # the stack file's own record wins over the earlier plan's
    mine = with_deployed(platform_for('database.promoted_shards={"0": us-west-2}'), patch)
    assert mine["database"]["promoted_shards"]["0"] == "us-west-2"


@pytest.mark.parametrize(("overrides", "key", "message"), [
    (('database.shard_regions={"0": us-west-2}',), "database.shard_regions",
     "pins shards to regions, which only geographic sharding (sharding: content) does; sharding user keeps every "
     "shard in the primary region us-east-1"),
    ((GEO, 'database.shard_regions={"1": eu-central-1}'), "database.shard_regions.1",
     "'eu-central-1' is not a configured region; allowed: us-east-1, us-west-2, eu-west-1, ap-southeast-1"),
    (('database.promoted_shards={"2": eu-west-1}',), "database.promoted_shards.2",
     "'eu-west-1' holds no cross-region replica of shard 2 to promote; allowed: us-west-2"),
])
def test_bad_placements_name_the_key(overrides, key, message):
    cfg = cfg_of(platform_for(*overrides))
    with pytest.raises(ConfigError) as err:
        plan_data_failover(cfg, plan_database(cfg))
    assert str(err.value) == f"stack config: scaling-platform:platform.{key}: {message}"


def test_placements_cover_draining_shards_too():
    cfg = cfg_of(platform_for("database.previous_shards=6", "database.allow_shard_removal=true"))
    assert [p.index for p in plan_placements(cfg, (0, 1, 2, 3, 4, 5))] == [0, 1, 2, 3, 4, 5]
    assert [p.index for p in plan_database(cfg).placements] == [0, 1, 2, 3, 4, 5]
