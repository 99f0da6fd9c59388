"""policies/rules/__init__.py (the registry) and base.py (what a policy is)."""
from __future__ import annotations

import importlib
import pkgutil
import typing

import pytest
from pydantic import ValidationError

import policies.rules as registry
from infra.config import PlatformConfig
from policies.rules import RULES, RULES_BY_NAME
from policies.rules.base import (
    ENVIRONMENTS,
    PolicyConfig,
    ResourcePolicy,
    Rule,
    StackPolicy,
    message_pattern,
)
from policies.rules.budget import BudgetConfig
from policies.rules.compute import AsgMinMaxConfig
from tests.policies.conftest import PROD_CONFIG

# The pack's order: the CLI lists policies in it and `evaluate` reports one resource's verdicts in it.
PACK_ORDER = [
    "asg-min-max", "stack-budget", "stack-budget-advisory", "scaling-hygiene", "storage-encrypted", "rds-not-public",
    "multi-az-in-prod", "deletion-protection", "writer-in-healthy-region", "imdsv2-required", "no-public-ingress",
    "required-tags",
    "instance-type-allowlist", "edge-https-only", "edge-tls-minimum", "edge-api-protection", "edge-lambda-published",
    "cloudflare-api-cache-bypass", "k8s-pod-hardened", "k8s-image-digest", "k8s-network-policy-default-deny",
    "alb-edge-only", "waf-managed-rules", "waf-attached", "redis-auth", "log-bucket-hardened",
    "access-logs", "bucket-kms-encryption", "bucket-acls-disabled", "kms-key-hardened", "iam-least-privilege",
    "alb-target-tls", "stateful-guard",
]


def _area_modules():
    return [importlib.import_module(f"policies.rules.{m.name}") for m in pkgutil.iter_modules(registry.__path__)]


def test_registry_holds_every_registration_once_in_pack_order():
    assert [r.name for r in RULES] == PACK_ORDER
    defined = [v for module in _area_modules() for v in vars(module).values() if isinstance(v, Rule)]
    assert sorted(r.name for r in defined) == sorted(PACK_ORDER)  # none defined but left out
    for rule in RULES:
        assert isinstance(rule, ResourcePolicy if rule.kind == "resource" else StackPolicy)
        # each check is defined in the area module that registers it
        assert any(vars(m).get(rule.check.__name__) is rule.check and rule in vars(m).values() for m in _area_modules())
        assert rule.enforcement in ("mandatory", "advisory") and rule.description.endswith(".")


def test_every_policy_passes_the_baseline_stacks(good_stack, edge_stack):
    for rule in RULES:
        config = rule.settings(PROD_CONFIG.get(rule.name))
        if rule.kind == "resource":
            found = [m for r in good_stack + edge_stack for m in rule.check(r.type, r.inputs, config, name=r.name)]
        else:
            found = rule.check(good_stack + edge_stack, config)
        assert found == [], rule.name


def test_public_names_for_callers():
    # infra/cli/main.py and tests outside policies/ read these from `policies.rules`.
    assert {"RULES", "RULES_BY_NAME", "estimate_for", "emergency_ceiling", "stack_budget", "prepare_props",
            "stateful_names"} <= set(registry.__all__)
    assert RULES_BY_NAME["stack-budget"].config is BudgetConfig


# ---- base: config models


def test_environments_are_the_platforms():
    # Read from the platform config's `environment` field, so a new environment reaches the policies.
    assert ENVIRONMENTS == typing.get_args(PlatformConfig.model_fields["environment"].annotation) \
        == ("dev", "staging", "prod")


def test_settings_are_defaults_overlaid_and_strict():
    config = AsgMinMaxConfig.of({"environment": "dev", "hard_limits": {"dev": {"min_size": 0.0, "max_size": 50.0}}})
    assert config.environment == "dev" and config.hard_limits["dev"].max_size == 50
    assert type(config.hard_limits["dev"].max_size) is int  # 50.0 from the CLI is the integer 50
    assert AsgMinMaxConfig.of(config) is config
    assert RULES_BY_NAME["asg-min-max"].settings({"enforcementLevel": "advisory"}) == AsgMinMaxConfig()
    for bad in ({"budget_usd": True}, {"budget_usd": "1"}, {"budget_usd": float("nan")}, {"budget": 1}):
        with pytest.raises(ValidationError):
            BudgetConfig.of(bad)


def test_schema_properties_are_self_contained_with_defaults():
    for rule in RULES:
        for key, prop in rule.schema.items():
            assert {"default", "description"} <= set(prop), (rule.name, key)
            assert "$ref" not in str(prop) and "title" not in prop, (rule.name, key)
        assert rule.config.of(rule.defaults()) == rule.config()  # the documented defaults validate
    assert RULES_BY_NAME["no-public-ingress"].schema["alb_public_ports"] == {
        "default": [443, 80], "description": "Ports an ALB security group may open to the internet",
        "items": {"maximum": 65535, "minimum": 1, "type": "integer"}, "type": "array"}


def test_message_pattern_drops_format_specs():
    assert message_pattern("estimated monthly cost ${cost:,.2f} is {share:.0%}") == "estimated monthly cost ${cost} is {share}"
    assert issubclass(BudgetConfig, PolicyConfig)
