"""Per-trigger bounds (novacron §1 min_instances/max_instances, min_workers 10 / max_workers 200) on the
planned groups: the binding bound, the explicit stack values that win, and the reasons that say so."""
from __future__ import annotations

import pytest

from infra.config import parse_platform
from infra.planning.edge_plan import k8s_workloads
from infra.planning.pipeline import plan_capacity
from tests.conftest import stack_platform


def plan_of(stack: str, *overrides: str):
    platform, _ = stack_platform(stack, tuple(overrides))
    return plan_capacity(parse_platform(platform, f"Pulumi.{stack}.yaml"))


@pytest.mark.parametrize("region,desired", [("us-east-1", 22), ("us-west-2", 17), ("eu-west-1", 11),
                                            ("ap-southeast-1", 10)])
def test_prod_worker_min_is_the_queue_rules_min_workers(region, desired):
    tier = plan_of("prod").regions[region].tiers["worker"]
    assert (tier.min, tier.desired, tier.max) == (10, desired, 200)
    assert tier.reasons["min"] == (
        "min 10 raised from plan min 5 by the binding floor: queue rule min_instances 10 (scaling.triggers.queue, "
        "novacron §1 default, strictest of cpu 3, memory 3, queue 10)")
    assert "max 200 = plan max (rules allow up to 200: queue)" in tier.reasons["bounds"]


def test_ap_southeast_1_worker_desired_raised_to_the_floor():
    tier = plan_of("prod").regions["ap-southeast-1"].tiers["worker"]
    assert tier.reasons["desired"].endswith("= 6; within [5, 200]; raised to the group min 10 (trigger bounds)")
    assert tier.reason.endswith("-> 10 within the trigger bounds [10, 200]")


@pytest.mark.parametrize("region,lo", [("us-east-1", 10), ("us-west-2", 5), ("eu-west-1", 5), ("ap-southeast-1", 3)])
def test_prod_api_keeps_the_region_table_min(region, lo):
    tier = plan_of("prod").regions[region].tiers["api"]
    assert tier.min == lo
    assert "an explicit stack value wins over the binding floor: requests rule min_instances 5" in tier.reasons["bounds"]


@pytest.mark.parametrize("tier_name", ["api", "worker"])
def test_dev_configured_minimum_of_1_stays_1(tier_name):
    tier = plan_of("dev").regions["us-east-1"].tiers[tier_name]
    assert (tier.min, tier.desired, tier.max) == (1, 1, 4)


def test_dev_worker_reason_says_the_floor_does_not_fit():
    tier = plan_of("dev").regions["us-east-1"].tiers["worker"]
    assert tier.reasons["bounds"].startswith(
        "min 1 = plan min (binding floor: queue rule min_instances 10 (scaling.triggers.queue, novacron §1 default, "
        "strictest of cpu 3, memory 3, queue 10) does not fit under max 4: the stack's range stands)")


def test_stack_override_of_the_queue_floor_wins():
    tier = plan_of("prod", "scaling.triggers.queue.min_instances=1").regions["us-east-1"].tiers["worker"]
    assert tier.min == 5  # the explicit floor 1 replaces the cpu/memory defaults 3; the tier min 5 stays
    assert "binding floor: queue rule min_instances 1 (scaling.triggers.queue, strictest of queue 1)" \
        in tier.reasons["bounds"]
    tier = plan_of("prod", "scaling.triggers.queue.min_instances=7").regions["us-east-1"].tiers["worker"]
    assert tier.min == 7


def test_trigger_max_caps_the_group():
    tier = plan_of("prod", "tiers.worker.max_instances=500").regions["us-east-1"].tiers["worker"]
    assert tier.max == 200
    assert tier.reasons["max"] == "max 200 capped by the queue rule max_instances 200 (loosest of the tier's rules)"


def test_k8s_worker_uses_the_same_floor():
    platform, _ = stack_platform("prod")
    cfg = parse_platform(platform, "Pulumi.prod.yaml")
    plan = plan_capacity(cfg)
    assert k8s_workloads(cfg, plan)["worker"].min == plan.regions["us-east-1"].tiers["worker"].min == 10
