"""policies/rules/compute.py: asg-min-max and instance-type-allowlist (baseline passes, one mutation each)."""
from __future__ import annotations

from infra.model import guardrails
from policies.rules.compute import (
    ASG_MIN_MAX,
    DEFAULT_HARD_LIMITS,
    INSTANCE_TYPE_ALLOWLIST,
)
from tests.policies.stacks import by_name, check, mutate

ASG_NAME = "prod-us-east-1-api-asg"


def test_baseline_passes(good_stack):
    assert [m for r in good_stack for m in check(ASG_MIN_MAX, r, environment="prod")] == []
    assert [m for r in good_stack for m in check(INSTANCE_TYPE_ALLOWLIST, r)] == []


# ---- asg-min-max
def test_asg_desired_outside_min_max(good_stack):
    asg = by_name(mutate(good_stack, ASG_NAME, desiredCapacity=120.0), ASG_NAME)
    assert check(ASG_MIN_MAX, asg) == ["desiredCapacity 120 is outside [minSize 10, maxSize 100]"]


def test_asg_min_greater_than_max(good_stack):
    asg = by_name(mutate(good_stack, ASG_NAME, minSize=200.0, desiredCapacity=None), ASG_NAME)
    assert check(ASG_MIN_MAX, asg) == ["minSize 200 is greater than maxSize 100"]


def test_asg_hard_limit_per_environment(good_stack):
    asg = by_name(good_stack, ASG_NAME)
    assert check(ASG_MIN_MAX, asg, environment="dev") == ["maxSize 100 exceeds the dev hard limit of 50"]
    # Empty environment falls back to the resource's environment tag (prod: max 300).
    assert check(ASG_MIN_MAX, asg) == []
    low = by_name(mutate(good_stack, ASG_NAME, minSize=1.0), ASG_NAME)
    assert check(ASG_MIN_MAX, low, environment="prod") == ["minSize 1 is below the prod hard minimum of 2"]


def test_hard_limits_from_the_cli_arrive_as_floats(good_stack):
    # The Pulumi CLI hands every number as a float: 300.0 is the integer 300, and messages read the same.
    asg = by_name(mutate(good_stack, ASG_NAME, maxSize=400.0), ASG_NAME)
    limits = {"prod": {"min_size": 2.0, "max_size": 300.0}}
    assert check(ASG_MIN_MAX, asg, hard_limits=limits) == ["maxSize 400 exceeds the prod hard limit of 300"]


def test_default_prod_limit_is_the_named_guardrail():
    assert DEFAULT_HARD_LIMITS["prod"] == {"min_size": 2, "max_size": guardrails.PROD_MAX_GROUP_SIZE}
    assert ASG_MIN_MAX.settings().hard_limits["prod"].max_size == 300


# ---- instance-type-allowlist
def test_disallowed_instance_type(good_stack):
    lt = by_name(mutate(good_stack, "prod-us-east-1-api-lt", instanceType="p4d.24xlarge"), "prod-us-east-1-api-lt")
    assert check(INSTANCE_TYPE_ALLOWLIST, lt, allowed_instance_types=["c5.large", "m5.large"]) == [
        "instance type p4d.24xlarge is not allowed; allowed: c5.large, m5.large"]


def test_disallowed_asg_override(good_stack):
    asg = by_name(good_stack, ASG_NAME)
    mip = dict(asg.inputs["mixedInstancesPolicy"])
    mip["launchTemplate"] = dict(mip["launchTemplate"], overrides=[{"instanceType": "c5.large"}, {"instanceType": "x1e.32xlarge"}])
    bad = by_name(mutate(good_stack, ASG_NAME, mixedInstancesPolicy=mip), ASG_NAME)
    assert check(INSTANCE_TYPE_ALLOWLIST, bad, allowed_instance_types=["c5.large"]) == [
        "instance type x1e.32xlarge is not allowed; allowed: c5.large"]


def test_disallowed_db_class(good_stack):
    db = by_name(mutate(good_stack, "prod-db-primary", instanceClass="db.x2g.16xlarge"), "prod-db-primary")
    assert check(INSTANCE_TYPE_ALLOWLIST, db) == [
        "RDS instance class db.x2g.16xlarge is not allowed; allowed: db.t3.medium, db.r5.large, db.r5.xlarge, "
        "db.r5.2xlarge, db.r5.4xlarge"]


def test_disallowed_cache_node_type(good_stack):
    cache = by_name(mutate(good_stack, "prod-cache", nodeType="cache.m7g.large"), "prod-cache")
    assert check(INSTANCE_TYPE_ALLOWLIST, cache, allowed_cache_node_types=["cache.r5.large"]) == [
        "cache node type cache.m7g.large is not allowed; allowed: cache.r5.large"]
