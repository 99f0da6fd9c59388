"""The CrossGuard policies: the registry's rules (`policies.rules.RULES`) wrapped as pulumi_policy objects.

Importable without starting a server (constructing `PolicyPack` would start one and block; only
`policies/__main__.py` does that). Each wrapper converts what the analyzer hands it into the
same shapes the offline engine uses (plain dicts, `RecordedResource`s, provider default tags
merged by `prepare_props`) and resolves config with the rule's own model (`Rule.settings`), so
`pulumi preview --policy-pack policies` and `scaling plan` report identical messages. The config
schema the CLI validates `--policy-pack-config` against is generated from that same model.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import _DictProxy, _ListProxy  # to unwrap, not to re-implement
from pydantic import ValidationError

from infra.model.recorded import RecordedResource
from policies.config_file import describe_error
from policies.rules import RULES, Rule
from policies.rules.base import PolicyConfig
from policies.rules.props import prepare_props

PACK_NAME = "scaling-platform-policies"
PACK_ENFORCEMENT = EnforcementLevel.MANDATORY


def plain(value: Any) -> Any:
    """Unwrap pulumi_policy's unknown-checking proxies into plain dicts and lists.

    Reading an unknown value through a proxy raises; unwrapping keeps the unknown sentinel
    strings instead, so one id unknown during preview does not stop every rule on the resource.
    """
    if isinstance(value, _DictProxy):
        return {k: plain(v) for k, v in value["__target"].items()}
    if isinstance(value, _ListProxy):
        return [plain(v) for v in value["__target"]]
    if isinstance(value, Mapping):
        return {k: plain(value[k]) for k in value}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _parent_name(res) -> str | None:
    if getattr(res, "parent", None) is not None:
        return res.parent.name
    urn = getattr(res.opts, "parent", None) if getattr(res, "opts", None) else None
    return urn.rsplit("::", 1)[-1] if urn else None


def to_recorded(res) -> RecordedResource:
    """A pulumi_policy PolicyResource as the `RecordedResource` the rules and pricing read."""
    provider = getattr(res, "provider", None)
    props = prepare_props(plain(res.props), plain(provider.props) if provider is not None else None)
    return RecordedResource(type=res.resource_type, name=res.name, inputs=props, parent=_parent_name(res),
                            provider=provider.name if provider is not None else None, urn=res.urn)


def _level(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel(rule.enforcement)


def _schema(rule: Rule) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(dict(rule.schema)) if rule.schema else None


def _settings(rule: Rule, given: Mapping[str, Any] | None) -> PolicyConfig:
    """The rule's typed config from what the CLI passed (schema defaults + the config file; every
    number a float). A value the model refuses stops the policy with the offline engine's line."""
    try:
        return rule.settings(plain(given) if given else None)
    except ValidationError as err:
        path, message = describe_error(rule, err)
        raise ValueError(f"policy config: {rule.name}.{path}: {message}") from None


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation) -> None:
        provider = args.provider
        props = prepare_props(plain(args.props), plain(provider.props) if provider is not None else None)
        config = _settings(rule, args.get_config())
        for message in rule.check(args.resource_type, props, config, name=args.name):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=_level(rule), config_schema=_schema(rule))


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation) -> None:
        resources = [to_recorded(r) for r in args.resources]
        urns = {r.name: r.urn for r in resources}
        config = _settings(rule, args.get_config())
        for violation in rule.check(resources, config):
            report_violation(violation.message, urns.get(violation.resource) if violation.resource else None)

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=_level(rule), config_schema=_schema(rule))


def build_policies() -> list:
    """One pulumi_policy object per rule, in `RULES` order."""
    return [_resource_policy(r) if r.kind == "resource" else _stack_policy(r) for r in RULES]


POLICIES = build_policies()
