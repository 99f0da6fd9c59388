"""The CrossGuard policies: `policies.rules.RULES` wrapped as pulumi_policy objects.

Importable without starting a server (constructing `PolicyPack` would start one and block; only
`policies/__main__.py` does that). Each wrapper converts what the analyzer hands it into the
same shapes the offline engine uses (plain dicts, `RecordedResource`s, provider default tags
merged by `rules.prepare_props`) and resolves config with `rules.resolve_config`, so
`pulumi preview --policy-pack policies` and `scaling plan` report identical messages.
"""
from __future__ import annotations

from typing import Any, Mapping

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import _DictProxy, _ListProxy  # to unwrap, not to re-implement

from infra.model.recorded import RecordedResource
from policies.rules import RULES, Rule, prepare_props, resolve_config

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


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation) -> None:
        provider = args.provider
        props = prepare_props(plain(args.props), plain(provider.props) if provider is not None else None)
        config = resolve_config(rule, args.get_config())
        for message in rule.check(args.resource_type, props, config, name=args.name):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=_level(rule), config_schema=PolicyConfigSchema(dict(rule.schema)) if rule.schema else None)


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation) -> None:
        resources = [to_recorded(r) for r in args.resources]
        urns = {r.name: r.urn for r in resources}
        config = resolve_config(rule, args.get_config())
        for violation in rule.check(resources, config):
            report_violation(violation.message, urns.get(violation.resource) if violation.resource else None)

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=_level(rule), config_schema=PolicyConfigSchema(dict(rule.schema)) if rule.schema else None)


def build_policies() -> list:
    """One pulumi_policy object per rule, in `RULES` order."""
    return [_resource_policy(r) if r.kind == "resource" else _stack_policy(r) for r in RULES]


POLICIES = build_policies()
