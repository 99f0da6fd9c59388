"""Tier roles are data (issue 13 item 4): a third tier is a stack-file change only."""
from __future__ import annotations

import pytest

from infra.config import ConfigError, parse_platform
from infra.cost.pricing import estimate_stack
from infra.model.tiers import ROLES
from infra.planning.pipeline import plan_capacity
from tests.conftest import by_name, of_type, run_stack, stack_platform

INGEST = ("tiers.ingest={role: batch, instance_types: [c5.large], jobs_per_instance: 100, "
          "min_instances: 2, max_instances: 40}",)


def three_tier_cfg():
    platform, _ = stack_platform("prod", INGEST)
    return parse_platform(platform, "Pulumi.prod.yaml")


def test_third_tier_is_sized_from_its_role():
    plan = plan_capacity(three_tier_cfg())
    for region in plan.regions.values():
        assert list(region.tiers) == ["api", "worker", "ingest"]
    ingest = plan.regions["us-east-1"].tiers["ingest"]
    # batch role: jobs demand = tps 2500 x 40/100 weight x 1.1 growth = 1100 jobs/s, / 100 per instance
    assert ingest.desired == 11 and ingest.max == 40
    assert ingest.reason.startswith("ceil(2500 tps x 40/100 weight x 1.1000 growth = 1100.0 jobs/s / 100 jobs/s")
    scaling = ingest.scaling
    assert [(t.trigger, t.direction) for t in scaling.triggers] == [
        ("cpu", "out"), ("cpu", "in"), ("memory", "out"), ("memory", "in"), ("queue", "out"), ("queue", "in")]
    assert scaling.spot is not None and scaling.spot.spot_class == "batch"
    assert scaling.queue_name == "prod-us-east-1-jobs"
    assert scaling.schedule is not None and len(scaling.schedule.actions) >= 1
    # stateless api keeps its ALB-only triggers; the third tier gets none of them
    api = plan.regions["us-east-1"].tiers["api"].scaling
    assert {t.trigger for t in api.triggers} == {"cpu", "memory", "requests", "latency"}


def test_third_tier_is_encoded_and_priced():
    run = run_stack("prod", INGEST)
    asg = by_name(run, "prod-us-east-1-ingest-asg")
    assert asg.inputs["maxSize"] == 40.0
    assert not asg.inputs.get("targetGroupArns")  # only the front tier sits behind the ALB
    ingest_groups = [r for r in of_type(run, "aws:autoscaling/group:Group") if "-ingest-" in r.name]
    assert len(ingest_groups) == 4
    items = {line.item for line in estimate_stack(run.resources).lines}
    assert {f"prod-{r}-ingest-asg" for r in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")} <= items


@pytest.mark.parametrize(("override", "message"), [
    ("tiers.ingest={instance_types: [c5.large], jobs_per_instance: 10}",
     "tiers.ingest.role: required for tier 'ingest'; allowed: stateless, batch"),
    ("tiers.ingest={role: batch, instance_types: [c5.large], requests_per_instance: 10}",
     "tiers.ingest.jobs_per_instance: required for a batch tier (per-instance capacity in jobs/s)"),
    ("tiers.Bad_Name={role: batch, instance_types: [c5.large], jobs_per_instance: 10}",
     "tiers.Bad_Name: a tier name is 1-12 lowercase letters or digits, starting with a letter"),
    ("scaling.schedules.tiers=[api, nope]", "scaling.schedules.tiers[1]: unknown tier 'nope'; allowed: api, worker"),
    ("emergency={mode: up, target: nope}",
     "emergency.target: 'nope' is not allowed; allowed: api, worker, database, cache, all"),
])
def test_bad_tier_config_is_one_line(override, message):
    with pytest.raises(ConfigError) as err:
        stack_platform("prod", (override,))
    assert str(err.value) == f"{err.value.source}: scaling-platform:platform.{message}"


def test_roles_carry_the_runbook_numbers():
    # novacron §2 scale_down_safely minimums and §6 spot classes, by role
    assert (ROLES["stateless"].emergency_down_min, ROLES["batch"].emergency_down_min) == (3, 5)
    assert (ROLES["stateless"].spot_class, ROLES["batch"].spot_class) == ("stateless", "batch")
