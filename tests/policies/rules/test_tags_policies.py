"""policies/rules/tags.py: required-tags (ASG list tags, provider default tags)."""
from __future__ import annotations

from policies.rules.props import NAT_GATEWAY, SCALING_POLICY, prepare_props
from policies.rules.tags import REQUIRED_TAGS, required_tags
from tests.policies.stacks import by_name, check, mutate


def test_baseline_passes(good_stack):
    assert [m for r in good_stack for m in check(REQUIRED_TAGS, r)] == []


def test_missing_tags(good_stack):
    nat = by_name(mutate(good_stack, "prod-us-east-1-nat", tags={"environment": "prod"}), "prod-us-east-1-nat")
    assert check(REQUIRED_TAGS, nat) == ["missing required tags: owner, cost-center"]
    assert check(REQUIRED_TAGS, nat, required_tags=["environment"]) == []


def test_untaggable_types_are_not_checked():
    assert required_tags(SCALING_POLICY, {}, {}) == []


def test_provider_default_tags_count():
    provider = {"defaultTags": '{"tags": {"owner": "platform", "cost-center": "cc-1"}}'}
    props = prepare_props({"tags": {"environment": "dev"}}, provider)
    assert required_tags(NAT_GATEWAY, props, {}) == []


def test_asg_list_tags(good_stack):
    asg = by_name(mutate(good_stack, "prod-us-east-1-api-asg",
                         tags=[{"key": "owner", "value": "x", "propagateAtLaunch": True}]), "prod-us-east-1-api-asg")
    assert check(REQUIRED_TAGS, asg) == ["missing required tags: environment, cost-center"]
