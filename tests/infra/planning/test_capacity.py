"""Capacity planner: numbers from the runbook formulas, each with a reason naming its binding limit."""
from __future__ import annotations

import math

import pytest

from infra.config import apply_overrides, parse_platform, read_stack_file
from infra.model.capacity import RESOURCE_PROFILES, USER_THRESHOLDS, CapacityPlan
from infra.planning import capacity
from infra.planning.pipeline import plan_capacity
from tests.conftest import ROOT


def plan(*overrides: str) -> CapacityPlan:
    stack_file = read_stack_file(ROOT / "Pulumi.prod.yaml")
    return plan_capacity(parse_platform(apply_overrides(stack_file.platform, list(overrides), "f"), "f"))


def tiers(p: CapacityPlan, tier: str) -> dict[str, tuple[int, int, int]]:
    return {name: (r.tiers[tier].min, r.tiers[tier].desired, r.tiers[tier].max) for name, r in p.regions.items()}


def test_growth_factor_is_runbook_compound_monthly():
    assert capacity.growth_factor(0.10, 30).value == pytest.approx(1.10)
    assert capacity.growth_factor(0.10, 60).value == pytest.approx(1.21)
    assert capacity.growth_factor(0.10, 15).value == pytest.approx(1.1 ** 0.5)


def test_prod_api_and_worker_per_region():
    p = plan()
    # api: ceil(30000 x weight/100 x 1.1 / 1000), clamped to region/tier bounds
    assert tiers(p, "api") == {"us-east-1": (10, 14, 100), "us-west-2": (5, 10, 50),
                               "eu-west-1": (5, 7, 50), "ap-southeast-1": (3, 4, 30)}
    # worker: ceil(2500 tps x weight/100 x 1.1 / 50 jobs per instance) within the tier's [5, 200]
    # min 10: the queue rule's min_workers (novacron §1), which also lifts ap-southeast-1's 6 to 10
    assert tiers(p, "worker") == {"us-east-1": (10, 22, 200), "us-west-2": (10, 17, 200),
                                  "eu-west-1": (10, 11, 200), "ap-southeast-1": (10, 10, 200)}
    api = p.regions["us-east-1"].tiers["api"]
    assert api.reason == ("ceil(30000 peak rps x 40/100 weight x 1.1000 growth = 13200.0 rps / 1000 rps per instance)"
                          " = 14; within [10, 100]")
    assert api.reasons["min"] == "region us-east-1 min_instances"


def test_clamp_names_the_binding_limit():
    low = plan("demand.peak_rps=100").regions["us-east-1"].tiers["api"]
    assert (low.desired, low.reason.split("; ")[-1]) == (10, "raised to min 10 (binding: region us-east-1 min_instances)")
    high = plan("demand.peak_rps=1000000").regions["ap-southeast-1"].tiers["api"]
    # (every region capped: the overflow planner appends the unserved demand after the binding limit)
    assert high.desired == 30 and "capped at max 30 (binding: region ap-southeast-1 max_instances)" in high.reason.split("; ")
    tier_cap = plan("demand.peak_rps=1000000", "tiers.api.max_instances=40").regions["us-east-1"].tiers["api"]
    assert (tier_cap.max, tier_cap.desired) == (40, 40)
    assert "capped at max 40 (binding: tier api max_instances)" in tier_cap.reason.split("; ")


def test_no_extra_instance_from_float_noise():
    # 30000 x 0.4 x 1.1 = 13200.000000000002 in floating point; still 14, and exact multiples stay exact.
    assert plan("demand.peak_rps=25000", "demand.growth_rate_monthly=0").regions["us-east-1"].tiers["api"].desired == 10


def test_node_distribution_levels_and_counts():
    nodes = capacity.plan_nodes(users=250_000, tps=2_500, storage_tb=40)
    assert nodes.level.value == 3  # users 3, tps 3, storage 2
    assert {k: v.value for k, v in nodes.counts.items()} == {"validator": 81, "relay": 775, "storage": 388, "gateway": 155}
    assert capacity.plan_nodes(0, 0, 0).counts["relay"].value == 100
    assert {k: v.value for k, v in capacity.plan_nodes(2e6, 0, 0).counts.items()} == {
        "validator": 101, "relay": 1000, "storage": 500, "gateway": 200}
    assert capacity.scale_level(1000, USER_THRESHOLDS) == 1
    assert capacity.scale_level(999, USER_THRESHOLDS) == 0
    one = capacity.plan_nodes(users=5000, tps=0, storage_tb=0)  # level 1: 50 + 450/4 = 162.5 -> 163
    assert one.counts["storage"].value == 163


def test_resource_profiles_map_to_instance_types():
    assert capacity.select_profile(2, 4) == "light"
    assert capacity.select_profile(3, 4) == "standard"
    assert capacity.select_profile(8, 16, storage_gb=1000, bandwidth_mbps=1000) == "heavy"
    assert capacity.select_profile(16, 32) == "enterprise"
    assert capacity.select_profile(32, 64) == "custom"
    assert {n: p.instance_type for n, p in RESOURCE_PROFILES.items()} == {
        "light": "c5.large", "standard": "c5.xlarge", "heavy": "c5.2xlarge", "enterprise": "c5.4xlarge"}
    assert plan().regions["us-east-1"].tiers["api"].profile == "light"


def test_region_failure_redistributes_desired_and_weights():
    p = plan('failed_regions=["us-east-1"]')
    # us-east-1 planned 14 api; 14 // 3 healthy = 4 added to each healthy region (novacron 4), and the
    # remainder 2 to us-west-2, first in failover_priority: all 14 are placed
    assert tiers(p, "api") == {"us-east-1": (10, 14, 100), "us-west-2": (16, 16, 50),
                               "eu-west-1": (11, 11, 50), "ap-southeast-1": (8, 8, 30)}
    weights = {name: r.weight.value for name, r in p.regions.items()}
    # 16 / 11 / 8 of 35 healthy api desired = 45.71 / 31.43 / 22.86 %, whole percents summing to 100 by largest
    # remainder (infra/planning/overflow.py): .86 and .71 get the points int() truncation lost
    assert weights == {"us-east-1": 0, "us-west-2": 46, "eu-west-1": 31, "ap-southeast-1": 23}
    assert p.regions["us-east-1"].failed and "weight 0" in p.regions["us-east-1"].tiers["api"].reason
    assert ("+4 of us-east-1's 14 (14 // 3 healthy = 4); +2 remainder/overflow from us-east-1 (failover_priority) -> 16"
            in p.regions["us-west-2"].tiers["api"].reason)
    # workers move too: 22 // 3 = 7 each, the remainder 1 to us-west-2
    assert tiers(p, "worker")["us-west-2"] == (25, 25, 200)


def test_healthy_weights_follow_the_traffic_table():
    assert {n: r.weight.value for n, r in plan().regions.items()} == {
        "us-east-1": 40, "us-west-2": 30, "eu-west-1": 20, "ap-southeast-1": 10}


def test_failure_overflow_goes_to_priority_order_when_max_binds():
    # 150000 rps: us-east-1 plans 66 -> 66 // 3 = 22 per healthy region. eu-west-1 (33 -> 55 > max 50) and
    # ap-southeast-1 (17 -> 39 > max 30) overflow 5 + 9 = 14, which goes first to us-west-2 (failover_priority).
    p = plan("demand.peak_rps=150000", "regions[1].max_instances=100", 'failed_regions=["us-east-1"]')
    assert tiers(p, "api")["eu-west-1"] == (50, 50, 50)
    assert tiers(p, "api")["ap-southeast-1"] == (30, 30, 30)
    assert tiers(p, "api")["us-west-2"] == (86, 86, 100)
    assert p.regions["us-west-2"].tiers["api"].reason.endswith(
        "region failure: +22 of us-east-1's 66 (66 // 3 healthy = 22); +14 remainder/overflow from us-east-1 (failover_priority) -> 86")
    # nothing left unplaced; the only note is Issue 17's warning that prod's alarm topics have no subscriber
    assert [n for n in p.notes if not n.startswith("WARNING: prod critical alarms publish")] == []


def test_unplaceable_overflow_is_reported():
    p = plan("demand.peak_rps=2000000", 'failed_regions=["us-east-1"]')
    assert any("could not be placed" in note for note in p.notes)
    for name, region in p.regions.items():
        for t in region.tiers.values():
            assert t.min <= t.desired <= t.max


def test_plan_dict_has_contract_keys():
    d = plan().to_dict()
    tier = d["regions"]["us-east-1"]["tiers"]["api"]
    assert {k: tier[k] for k in ("min", "desired", "max")} == {"min": 10, "desired": 14, "max": 100}
    assert tier["reason"] and d["nodes"]["types"]["validator"]["count"] == 81
    assert math.isclose(d["growth_factor"]["value"], 1.1)
