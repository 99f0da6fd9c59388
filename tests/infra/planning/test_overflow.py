"""Capacity exhaustion (novacron §4 capacity_exhausted -> overflow_to_secondary): excess demand spills by
failover_priority, the weights follow the served demand and sum to 100, unserved demand is a warning."""
from __future__ import annotations

from infra.config import apply_overrides, parse_platform, read_stack_file
from infra.model.capacity import CapacityPlan
from infra.planning.overflow import largest_remainder, overflow_order
from infra.planning.pipeline import plan_capacity
from tests.conftest import ROOT

# us-east-1 needs ceil(30000 x 0.4 x 1.1 / 1000) = 14 api instances; capped at 12 by its region row.
CAPPED = ("regions[0].max_instances=12", "regions[0].current_instances=12")


def cfg_of(*overrides: str):
    stack_file = read_stack_file(ROOT / "Pulumi.prod.yaml")
    return parse_platform(apply_overrides(stack_file.platform, list(overrides), "f"), "f")


def plan(*overrides: str) -> CapacityPlan:
    return plan_capacity(cfg_of(*overrides))


def api(p: CapacityPlan) -> dict[str, tuple[int, int, int]]:
    return {name: (r.tiers["api"].min, r.tiers["api"].desired, r.tiers["api"].max) for name, r in p.regions.items()}


def weights(p: CapacityPlan) -> dict[str, int]:
    return {name: int(r.weight.value) for name, r in p.regions.items()}


def test_uncapped_prod_is_unchanged():
    p = plan()
    assert weights(p) == {"us-east-1": 40, "us-west-2": 30, "eu-west-1": 20, "ap-southeast-1": 10}
    assert not [n for n in p.notes if "capacity exhausted" in n]


def test_capped_region_spills_to_first_priority_region_and_weights_follow():
    p = plan(*CAPPED)
    # 2 instances (1200 rps) go to us-west-2, failover_priority[0]; mins are not raised.
    assert api(p) == {"us-east-1": (10, 12, 12), "us-west-2": (5, 12, 50),
                      "eu-west-1": (5, 7, 50), "ap-southeast-1": (3, 4, 30)}
    # served rps 12000 / 11100 / 6600 / 3300 of 33000 -> 36.36 / 33.64 / 20 / 10 -> largest remainder
    assert weights(p) == {"us-east-1": 36, "us-west-2": 34, "eu-west-1": 20, "ap-southeast-1": 10}
    assert sum(weights(p).values()) == 100
    assert ("capacity exhausted in us-east-1 api: 2 instances overflow to us-west-2 +2 (1200.0 rps) "
            "(failover_priority)") in p.notes
    east = p.regions["us-east-1"].tiers["api"].reason
    assert "capacity exhausted: needs 14 > max 12, shortfall 2 instances (1200.0 rps)" in east
    assert p.regions["us-west-2"].tiers["api"].reason.endswith(
        "+2 overflow from capacity-exhausted us-east-1 (1200.0 rps, failover_priority) -> 12")
    assert p.regions["us-east-1"].weight.reason.startswith("12000.0 rps served / 33000.0")


def test_spill_respects_receiver_caps_in_priority_order():
    # us-west-2 can take only 1 more (max 11, needs 10): the 2nd instance goes to eu-west-1 (priority[1]).
    p = plan(*CAPPED, "regions[1].max_instances=11", "regions[1].current_instances=11")
    assert api(p)["us-west-2"] == (5, 11, 11)
    assert api(p)["eu-west-1"] == (5, 8, 50)
    # served: 12000 / 9900+1000 / 6600+200 / 3300 of 33000
    assert weights(p) == {"us-east-1": 36, "us-west-2": 33, "eu-west-1": 21, "ap-southeast-1": 10}
    assert sum(weights(p).values()) == 100


def test_every_region_capped_warns_with_unserved_demand():
    p = plan(*CAPPED, "regions[1].max_instances=10", "regions[1].current_instances=10",
             "regions[2].max_instances=7", "regions[2].current_instances=7",
             "regions[3].max_instances=4", "regions[3].current_instances=4")
    assert api(p)["us-east-1"] == (10, 12, 12)
    assert ("WARNING: api: 1200.0 rps of us-east-1's demand is unserved: every region is at max_instances "
            "(raise max_instances or add a region)") in p.notes
    assert sum(weights(p).values()) == 100


def test_failed_region_neither_gives_nor_takes():
    p = plan(*CAPPED, 'failed_regions=["us-west-2"]')
    assert p.regions["us-west-2"].weight.value == 0
    assert sum(weights(p).values()) == 100
    assert api(p)["us-west-2"][1] == 10  # kept as planned, no overflow into a failed region


def test_overflow_order_and_largest_remainder():
    cfg = cfg_of()
    assert overflow_order(cfg, "us-west-2") == ["eu-west-1", "ap-southeast-1", "us-east-1"]
    assert overflow_order(cfg, "us-east-1") == ["us-west-2", "eu-west-1", "ap-southeast-1"]
    assert largest_remainder({"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert largest_remainder({"a": 0.0}) == {"a": 0}
