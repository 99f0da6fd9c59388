"""The pack loads: every policy constructs, names are unique, schemas and stack configs are valid."""
from __future__ import annotations

import json
import runpy
from pathlib import Path

import jsonschema
import pulumi_policy.policy as pp
import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pydantic import ValidationError

from policies import engine
from policies.pack import PACK_NAME, POLICIES
from policies.rules import RULES

CONFIG_DIR = engine.CONFIG_DIR


def _schema(policy) -> dict:
    props = policy.config_schema.properties if policy.config_schema else {}
    return {"type": "object", "properties": props}


def test_every_rule_is_a_policy_with_a_unique_name():
    names = [p.name for p in POLICIES]
    assert names == [r.name for r in RULES]
    assert len(set(names)) == len(names)
    for policy, rule in zip(POLICIES, RULES):
        expected = ResourceValidationPolicy if rule.kind == "resource" else StackValidationPolicy
        assert isinstance(policy, expected)
        assert policy.enforcement_level.value == rule.enforcement
        assert policy.description


def test_schemas_are_valid_and_defaults_conform():
    for policy in POLICIES:
        schema = _schema(policy)
        jsonschema.Draft7Validator.check_schema(schema)
        for key, prop in schema["properties"].items():
            assert "default" in prop and prop.get("description"), (policy.name, key)
        defaults = {k: v["default"] for k, v in schema["properties"].items()}
        jsonschema.validate(defaults, schema)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_configs_validate_against_the_schemas(stack):
    config = json.loads((CONFIG_DIR / f"{stack}.json").read_text())
    by_name = {p.name: p for p in POLICIES}
    for name, entry in config.items():
        assert name in by_name, f"{stack}.json configures unknown policy {name}"
        jsonschema.validate({k: v for k, v in entry.items() if k != "enforcementLevel"}, _schema(by_name[name]))
    # The budget is configured for two policies; both must read the same numbers.
    shared = set(config["stack-budget"]) & set(config["stack-budget-advisory"])
    assert all(config["stack-budget"][k] == config["stack-budget-advisory"][k] for k in shared)
    assert config["asg-min-max"]["environment"] == config["multi-az-in-prod"]["environment"] == stack


def test_policy_pack_constructs_with_every_policy(monkeypatch):
    """Run policies/__main__.py; record what it hands PolicyPack instead of serving (the real
    construction and gRPC serving are exercised in a subprocess by test_grpc_analyzer.py)."""
    built = {}

    def spy(self, *args, **kwargs):
        built.update(kwargs)

    monkeypatch.setattr(pp.PolicyPack, "__init__", spy)
    runpy.run_path(str(Path(engine.__file__).parent / "__main__.py"), run_name="__main__")
    assert built["name"] == PACK_NAME == "scaling-platform-policies"
    assert [p.name for p in built["policies"]] == [p.name for p in POLICIES]


def test_adapter_survives_values_unknown_during_preview(good_stack):
    """A launch-template id unknown at preview must not stop the other checks on the ASG."""
    from pulumi_policy import ResourceValidationArgs
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

    asg = next(r for r in good_stack if r.name == "prod-us-east-1-api-asg")
    props = dict(asg.inputs, maxSize=400.0, launchTemplate={"id": UNKNOWN_STRING_VALUE})
    args = ResourceValidationArgs(asg.type, unknown_checking_proxy(props), asg.urn, asg.name, None, None, {})
    reported = []
    policy = next(p for p in POLICIES if p.name == "asg-min-max")
    policy.validate(args, lambda message, urn=None: reported.append(message))
    assert reported == ["maxSize 400 exceeds the prod hard limit of 300"]


@pytest.mark.parametrize("policy, settings, valid", [
    ("asg-min-max", {"hard_limits": "abc"}, False),
    ("asg-min-max", {"hard_limits": {"qa": {"min_size": 0, "max_size": 1}}}, False),
    ("asg-min-max", {"hard_limits": {"prod": {"min_size": 2.0, "max_size": 300.0}}}, True),
    ("asg-min-max", {"environment": "production"}, False),
    ("no-public-ingress", {"alb_public_ports": ["https"]}, False),
    ("no-public-ingress", {"alb_public_ports": [70000]}, False),
    ("no-public-ingress", {"alb_public_ports": [443.0, 80.0]}, True),
    ("required-tags", {"required_tags": 5}, False),
    ("instance-type-allowlist", {"allowed_instance_types": "t3.medium"}, False),
    ("stack-budget", {"pricing_model": "bogus"}, False),
    ("stack-budget", {"advisory_pct": 120}, False),
    ("stack-budget", {"budget_usd": True}, False),
    ("stack-budget", {"budget_usd": 250000, "pricing_model": "flat"}, True),
    ("edge-tls-minimum", {"minimum_protocol_version": "SSLv3"}, False),
    ("deletion-protection", {"require_final_snapshot": "false"}, False),
])
def test_the_schema_the_cli_checks_agrees_with_the_offline_validation(policy, settings, valid):
    """`pulumi preview` validates --policy-pack-config against the served schema; `scaling plan`
    validates with the model it is generated from. Both accept and refuse the same values."""
    rule = next(r for r in RULES if r.name == policy)
    served = next(p for p in POLICIES if p.name == policy)
    config = {**rule.defaults(), **settings}  # what the CLI validates: schema defaults + the file's entry
    cli_ok = jsonschema.Draft7Validator(_schema(served)).is_valid(config)
    try:
        rule.settings(settings)
        offline_ok = True
    except ValidationError:
        offline_ok = False
    assert cli_ok == offline_ok == valid


def test_the_pack_refuses_config_the_cli_lets_through(good_stack):
    """The CLI's schema check ignores unknown keys; the pack stops the policy with the offline line."""
    from pulumi_policy import ResourceValidationArgs

    asg = next(r for r in good_stack if r.name == "prod-us-east-1-api-asg")
    policy = next(p for p in POLICIES if p.name == "asg-min-max")
    config = {"environment": "prod", "hard_limit": {"prod": {"max_size": 10}}}
    args = ResourceValidationArgs(asg.type, asg.inputs, asg.urn, asg.name, None, None, config)
    with pytest.raises(ValueError) as err:
        policy.validate(args, lambda message, urn=None: None)
    assert str(err.value) == ("policy config: asg-min-max.hard_limit: unknown key; "
                              "allowed keys: enforcementLevel, environment, hard_limits")
