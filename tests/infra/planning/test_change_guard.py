"""infra/planning/change_guard.py: changes AWS cannot make to what exists are refused, one exact line each.

"What exists" is the bundled prod plan (tests/golden/prod.json) read as a `deployed` section, i.e. what
`scaling plan --previous` feeds the same checks.
"""
from __future__ import annotations

import json

import pytest

from infra.config import ConfigError, apply_overrides, parse_platform
from infra.planning.deployed import with_deployed
from infra.planning.pipeline import plan_capacity
from tests.conftest import stack_platform
from tests.infra.planning.test_deployed import PROD_DEPLOYED

KEY = "stack config: scaling-platform:platform."


def live(*overrides: str) -> dict:
    platform, _ = stack_platform("prod")
    return apply_overrides(with_deployed(platform, PROD_DEPLOYED), list(overrides), "f")


def plan(*overrides: str):
    return plan_capacity(parse_platform(live(*overrides), "f"))


def refused(*overrides: str) -> str:
    with pytest.raises(ConfigError) as err:
        plan(*overrides)
    return str(err.value)


def without(name: str) -> str:
    platform, _ = stack_platform("prod")
    return "regions=" + json.dumps([r for r in platform["regions"] if r["name"] != name])


REFUSED = {
    "region removed": (
        (without("ap-southeast-1"),),
        ("regions: ap-southeast-1 is deployed (deployed.regions[3]) but missing from regions: its KMS key, Redis "
         "replication group, cache subnet group are protected and would leave the stack; keep it in regions "
         "(failed_regions takes its traffic away), or set allow_region_removal: true to release them (README: "
         "Removing a region)")),
    "VPC range moved": (
        ("regions[1].vpc_cidr=10.77.0.0/16",),
        ("regions[1].vpc_cidr: 10.77.0.0/16 would replace us-west-2's deployed VPC 10.1.0.0/16 "
         "(deployed.regions[1].vpc_cidr) and every subnet, subnet group, security group, cache and database on it; "
         "allowed: 10.1.0.0/16 (set regions[1].vpc_cidr: 10.1.0.0/16)")),
    "AZ under a subnet group removed": (
        ("deployed.regions[0].az_count=3",),
        ("regions[0].az_count: 2 < 3 deployed (deployed.regions[0].az_count): the subnets in us-east-1c are members "
         "of us-east-1's cache/DB subnet groups and AWS cannot delete a subnet in use; allowed: 3..6")),
    "primary moved off the shards": (
        ("regions[0].primary=false", "regions[1].primary=true"),
        ("regions: primary: true is on us-west-2 but the shards live in us-east-1 (deployed.database.region): RDS "
         "cannot move an instance to another region, so every shard would be replaced; keep primary: true on "
         "us-east-1 (regions[0])")),
    "storage decrease": (
        ("database.storage_gb_per_shard=500", "database.shard_target_gb=500"),
        ("database.storage_gb_per_shard: 500 < 1000 GB allocated on every deployed shard "
         "(deployed.database.storage_gb_per_shard): RDS cannot shrink allocated storage; allowed: >= 1000")),
    "engine downgrade": (
        ("database.engine_version='15'",),
        ("database.engine_version: 15 < 16 deployed (deployed.database.engine_version): RDS cannot downgrade "
         "PostgreSQL; allowed: 16, or a later major version with database.allow_major_version_upgrade: true")),
    "major upgrade not allowed": (
        ("database.engine_version='17'",),
        ("database.engine_version: 17 is a major upgrade of the deployed 16 (deployed.database.engine_version) and "
         "database.allow_major_version_upgrade is false; allowed: 16, or set allow_major_version_upgrade: true to "
         "upgrade every shard and replica in place (downtime; take a snapshot first)")),
    "strategy switch on live shards": (
        ("database.sharding=transaction",),
        ("database.sharding: transaction (time) differs from the deployed user (hash, deployed.database.sharding): "
         "switching the strategy of live shards maps every key to another shard; allowed: user (another strategy "
         "needs a new shard set and a data migration)")),
    "cache downgrade": (
        ("cache.engine_version='7.0'",),
        ("cache.engine_version: 7.0 < 7.1 deployed (deployed.cache.engine_version): ElastiCache cannot downgrade "
         "Redis; allowed: 7.1 or later")),
    "removal flag without deployed regions": (
        ("deployed.regions=[]", "allow_region_removal=true"),
        "allow_region_removal: true needs deployed.regions (the regions deployed now) to name the regions to remove"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_change_is_one_exact_line(case):
    overrides, message = REFUSED[case]
    assert refused(*overrides) == KEY + message


def test_shard_removal_against_the_deployed_count_is_refused():
    # previous_shards 4 comes from the earlier plan: fewer shards needs allow_shard_removal (Issue 5).
    assert refused("database.size_gb=500").startswith(
        KEY + "database.previous_shards: 4 shards are deployed but the plan needs 1 (")


@pytest.mark.parametrize("overrides", [
    (),                                                     # nothing changed
    ("database.storage_gb_per_shard=1500",),                # storage grows in place
    ("database.engine_version='17'", "database.allow_major_version_upgrade=true"),  # the explicit upgrade
    ("regions[0].az_count=3",),                             # more AZs: subnets added, groups updated in place
    ("cache.node_type=cache.r5.xlarge",),                   # bigger cache in place
])
def test_allowed_changes_plan(overrides):
    assert plan(*overrides).notes == plan().notes


def test_explicit_region_removal_is_a_plan_note():
    notes = plan(without("ap-southeast-1"), "allow_region_removal=true").notes
    assert notes[-1] == (
        "allow_region_removal: ap-southeast-1 removed from the stack; the protected, retained resources (KMS key, "
        "Redis replication group, cache subnet group) stay in AWS: delete each cache with a final snapshot and "
        "schedule the KMS key deletion by hand, `pulumi state unprotect` them, then `pulumi up` deletes the network "
        "and forgets them; afterwards drop ap-southeast-1 from deployed.regions")


def test_major_upgrade_reaches_the_shards():
    db = plan("database.engine_version='17'", "database.allow_major_version_upgrade=true").database
    assert (db.engine_version, db.parameter_group_family, db.allow_major_version_upgrade) == ("17", "postgres17", True)
    assert plan().database.allow_major_version_upgrade is False


def test_halving_the_shard_target_keeps_the_replicas_of_existing_shards():
    """prod: 4 shards x 3 replicas. Halving shard_target_gb plans 7 shards; without what exists the load would be
    split over 7 (2 replicas each, dropping one replica of each existing shard before any data moved)."""
    db = plan("database.shard_target_gb=500").database
    assert (db.shards, db.read_replicas_per_shard) == (7, 3)
    assert db.read_replicas_per_shard_reason.startswith(
        "per shard: 9500 reads/s / 4 deployed shards (shards 4..6 hold no data until their keys have moved; then "
        "raise database.previous_shards to 7) = 2375, 500 writes/s / 4 = 125;")
    platform, _ = stack_platform("prod")
    fresh = plan_capacity(parse_platform(apply_overrides(platform, ["database.shard_target_gb=500"], "f"), "f"))
    assert (fresh.database.shards, fresh.database.read_replicas_per_shard) == (7, 2)
    after_move = plan("database.shard_target_gb=500", "database.previous_shards=7").database
    assert after_move.read_replicas_per_shard == 2  # once the data has moved, replicas follow the split
