"""evaluate(): the pack's rules offline, with defaults, overrides and per-stack configs."""
from __future__ import annotations

import dataclasses

import pytest

from infra.config import ConfigError
from infra.model.recorded import RecordedResource
from policies.engine import (
    Verdict,
    evaluate,
    has_mandatory,
    load_policy_config,
    rule_config,
    with_budget,
)
from policies.rules import RULES_BY_NAME
from tests.policies.stacks import mutate


def test_good_stack_has_no_verdicts(good_stack, prod_config):
    assert evaluate(good_stack, prod_config) == []
    assert evaluate(good_stack, load_policy_config("prod")) == []


def test_resource_and_stack_verdicts(good_stack, prod_config):
    stack = mutate(good_stack, "prod-db-primary", publiclyAccessible=True)
    prod_config["stack-budget"]["budget_usd"] = 5000
    assert evaluate(stack, prod_config) == [
        Verdict("rds-not-public", "mandatory", "prod-db-primary",
                "RDS instance is publicly accessible (publiclyAccessible must be false)"),
        Verdict("stack-budget", "mandatory", "",
                "estimated monthly cost $5,367.97 exceeds the budget of $5,000.00"),
    ]


def test_advisory_only_is_not_blocking(good_stack, prod_config):
    prod_config["stack-budget-advisory"]["budget_usd"] = 6000
    verdicts = evaluate(good_stack, prod_config)
    assert [(v.policy, v.enforcement) for v in verdicts] == [("stack-budget-advisory", "advisory")]
    assert not has_mandatory(verdicts)


def test_enforcement_overrides(good_stack, prod_config):
    stack = mutate(good_stack, "prod-db-primary", publiclyAccessible=True)
    assert evaluate(stack, {**prod_config, "rds-not-public": "disabled"}) == []
    verdicts = evaluate(stack, {**prod_config, "all": "advisory"})
    assert [v.enforcement for v in verdicts] == ["advisory"]
    verdicts = evaluate(stack, {**prod_config, "all": "advisory", "rds-not-public": {"enforcementLevel": "mandatory"}})
    assert has_mandatory(verdicts)


@pytest.mark.parametrize("forms, level", [
    ({"rds-not-public": "advisory"}, "advisory"),
    ({"rds-not-public": {"enforcementLevel": "advisory"}}, "advisory"),
    ({"all": "advisory"}, "advisory"),
    ({"all": {"enforcementLevel": "advisory"}}, "advisory"),
    ({"all": {"enforcementLevel": "disabled"}, "rds-not-public": "remediate"}, "mandatory"),  # remediate reports as mandatory
    ({"all": "disabled"}, None),
])
def test_every_enforcement_form_is_honoured(good_stack, forms, level):
    """Each form the CLI accepts in --policy-pack-config means offline what it means to the CLI."""
    stack = mutate(good_stack, "prod-db-primary", publiclyAccessible=True)
    verdicts = [v for v in evaluate(stack, forms) if v.policy == "rds-not-public"]
    assert [v.enforcement for v in verdicts] == ([level] if level else [])


def test_with_budget_keeps_a_level_given_as_a_string(good_stack):
    # "stack-budget": "advisory" once lost its level when the budget was overlaid (mandatory again).
    config = with_budget({"stack-budget": "advisory"}, 5000)
    assert config["stack-budget"] == {"enforcementLevel": "advisory", "budget_usd": 5000}
    assert evaluate(good_stack, config) == [Verdict(
        "stack-budget", "advisory", "", "estimated monthly cost $5,367.97 exceeds the budget of $5,000.00")]


def test_dev_config_limits(good_stack):
    # The prod-sized ASG (max 100) breaks dev's hard limit of 50; tags say prod but config wins.
    verdicts = evaluate(good_stack, load_policy_config("dev"))
    assert Verdict("asg-min-max", "mandatory", "prod-us-east-1-api-asg",
                   "maxSize 100 exceeds the dev hard limit of 50") in verdicts


def test_provider_default_tags_are_applied(good_stack):
    nat = next(r for r in good_stack if r.name == "prod-us-east-1-nat")
    untagged = dataclasses.replace(nat, inputs={})
    provider = RecordedResource("pulumi:providers:aws", "aws-us-east-1",
                                {"region": "us-east-1", "defaultTags": '{"tags":{"environment":"prod","owner":"p","cost-center":"c"}}'})
    stack = [provider] + [untagged if r is nat else r for r in good_stack]
    assert evaluate(stack, {}) == []
    assert [v.message for v in evaluate([untagged], {})] == ["missing required tags: environment, owner, cost-center"]


def test_stateful_guard_from_config(good_stack):
    config = {"stateful-guard": {"previous_stateful": ["prod-cache", "prod-old-cache"]}}
    assert evaluate(good_stack, config) == [Verdict(
        "stateful-guard", "mandatory", "",
        "stateful resource prod-old-cache would be removed; set allow_stateful_removal to true to allow it")]


def test_with_budget_sets_both_budget_policies(good_stack):
    config = with_budget(load_policy_config("prod"), 5000, emergency=True, emergency_ceiling_usd=5300)
    assert config["stack-budget"]["budget_usd"] == config["stack-budget-advisory"]["budget_usd"] == 5000
    assert [v.message for v in evaluate(good_stack, config)] == [
        "estimated monthly cost $5,367.97 exceeds the emergency ceiling of $5,300.00"]


def test_rule_config_is_the_defaults_overlaid_by_the_entry():
    config = rule_config(RULES_BY_NAME["stack-budget"], {"stack-budget": {"budget_usd": 10, "enforcementLevel": "advisory"}})
    assert config == {"budget_usd": 10, "advisory_pct": 80.0, "emergency": False, "emergency_ceiling_usd": 0,
                      "emergency_ceiling_factor": 1.5, "pricing_model": "aws", "edge_gb_month": 0,
                      "edge_requests_month": 0, "cloudflare_requests_month": 0}


def test_load_policy_config_rejects_bad_files_naming_the_key(tmp_path):
    assert load_policy_config("qa", tmp_path) == {}
    (tmp_path / "qa.json").write_text('{"rds-not-public": "blocking"}')
    with pytest.raises(ConfigError) as err:
        load_policy_config("qa", tmp_path)
    assert str(err.value) == (f"{tmp_path / 'qa.json'}: rds-not-public: enforcement level 'blocking' is not "
                              "allowed; allowed: advisory, mandatory, remediate, disabled")
    (tmp_path / "qa.json").write_text("[1, 2]")
    with pytest.raises(ConfigError, match=r"qa\.json: \(file\): must be a JSON object"):
        load_policy_config("qa", tmp_path)
