"""policies/config/<stack>.json (what `pulumi preview --policy-pack-config` reads) agrees with the
rule defaults and with the stack file it belongs to, so preview and `scaling plan` see one number."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.cost.prices import EMERGENCY_CEILING_FACTOR
from infra.model import guardrails
from infra.model.triggers import trigger
from policies.rules import compute
from policies.rules.budget import emergency_ceiling

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / "policies" / "config"
STACKS = sorted(p.stem for p in CONFIG_DIR.glob("*.json"))
BUDGET_POLICIES = ("stack-budget", "stack-budget-advisory")


def _pack_config(stack: str) -> dict:
    return json.loads((CONFIG_DIR / f"{stack}.json").read_text())


def _platform(stack: str) -> dict:
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return doc["config"]["scaling-platform:platform"]


def test_every_pack_config_has_a_stack_file():
    assert STACKS
    for stack in STACKS:
        assert (ROOT / f"Pulumi.{stack}.yaml").is_file(), stack


def test_prod_hard_limit_is_the_worker_max_plus_the_named_headroom():
    worker_max = trigger("queue_depth", "up").bound
    assert worker_max == guardrails.WORKER_MAX == 200  # novacron §1 queue_depth max_workers
    expected = worker_max + worker_max * guardrails.HARD_LIMIT_HEADROOM_PCT // 100
    assert compute.DEFAULT_HARD_LIMITS["prod"]["max_size"] == guardrails.PROD_MAX_GROUP_SIZE == expected == 300


@pytest.mark.parametrize("stack", STACKS)
def test_hard_limits_and_environment_match_the_defaults_and_the_stack(stack):
    config, platform = _pack_config(stack), _platform(stack)
    env = platform["environment"]
    asg = config["asg-min-max"]
    assert asg["environment"] == env
    assert asg["hard_limits"][env] == compute.DEFAULT_HARD_LIMITS[env]
    assert config.get("multi-az-in-prod", {}).get("environment") == env


@pytest.mark.parametrize("stack", STACKS)
def test_budget_and_emergency_ceiling_match_the_stack_file(stack):
    config, platform = _pack_config(stack), _platform(stack)
    budget = platform["budget_usd_month"]
    explicit = (platform.get("emergency") or {}).get("budget_ceiling_usd_month")
    ceiling = explicit or EMERGENCY_CEILING_FACTOR * budget  # as infra.planning.scaling_policy.emergency_ceiling_usd
    for name in BUDGET_POLICIES:
        entry = config[name]
        assert entry["budget_usd"] == budget, (name, entry["budget_usd"], budget)
        assert entry["emergency_ceiling_usd"] == ceiling, (name, entry["emergency_ceiling_usd"], ceiling)
        assert emergency_ceiling(entry) == ceiling
        if not explicit:  # the file's number is the rule's own default, factor x budget
            assert emergency_ceiling({"budget_usd": budget}) == ceiling
