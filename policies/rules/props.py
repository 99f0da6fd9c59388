"""How rules read resources: type tokens, provider inputs as the analyzer hands them, tags.

`props` are camelCase inputs as the provider receives them. Values unknown during `pulumi preview`
arrive as pulumi-policy's sentinel string (`UNKNOWN`); a rule reading one treats it as "not set".
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from infra.model.resource_types import (  # noqa: F401 (re-exported: the types the rules look at)
    ASG,
    CACHE_GROUP,
    DISTRIBUTION,
    EBS_VOLUME,
    LAMBDA_FUNCTION,
    LAUNCH_TEMPLATE,
    LOAD_BALANCER,
    METRIC_ALARM,
    NAT_GATEWAY,
    RDS_INSTANCE,
    WEB_ACL,
    WORKERS_ROUTE,
)
from infra.model.unknown import SDK_UNKNOWN

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SCALING_POLICY = "aws:autoscaling/policy:Policy"
CLOUDFLARE_RULESET = "cloudflare:index/ruleset:Ruleset"
CLOUDFLARE_RECORDS = ("cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/record:Record")

# pulumi-policy's stand-in for a value unknown during preview (pulumi_policy.proxy.UNKNOWN_STRING_VALUE;
# infra/model/unknown.py, not imported from pulumi: rules import no pulumi package).
UNKNOWN = SDK_UNKNOWN


def truthy(value: Any) -> bool:
    """Booleans may arrive as True or "true" (launch template EBS `encrypted` is a string)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def num(value: Any) -> float | None:
    """A numeric input as a float; None when absent or not a number (e.g. unknown at preview)."""
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def fmt(x: float | None) -> str:
    """A port or count as messages print it: `443`, or `?` when unknown."""
    return "?" if x is None else f"{x:g}"


def _json_maybe(value: Any) -> Any:
    """Provider inputs such as `defaultTags` reach the engine JSON-encoded; decode when needed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def tags_of(props: Mapping[str, Any]) -> dict[str, str]:
    """A resource's tags: `tagsAll` (provider default tags included) overlaid by `tags`.

    ASGs give tags as a list of {key, value, propagateAtLaunch}; everything else as a map.
    """
    out: dict[str, str] = {}
    for field in ("tagsAll", "tags"):
        tags = props.get(field)
        if isinstance(tags, Mapping):
            out.update({str(k): str(v) for k, v in tags.items()})
        elif isinstance(tags, Sequence) and not isinstance(tags, str):
            out.update({str(t.get("key")): str(t.get("value")) for t in tags if isinstance(t, Mapping)})
    return out


def prepare_props(props: Mapping[str, Any], provider_props: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Props as the rules see them: provider `defaultTags` merged into `tagsAll` (as AWS will).

    Both the pack and the offline engine call this, so a tag set on the provider counts the same
    in `pulumi preview` and in `scaling plan`.
    """
    out = dict(props)
    default = _json_maybe((provider_props or {}).get("defaultTags")) or {}
    default_tags = _json_maybe(default.get("tags")) if isinstance(default, Mapping) else None
    if isinstance(default_tags, Mapping) and default_tags:
        merged = {str(k): str(v) for k, v in default_tags.items()}
        if isinstance(out.get("tagsAll"), Mapping):
            merged.update(out["tagsAll"])
        out["tagsAll"] = merged
    return out


def environment(props: Mapping[str, Any], configured: str) -> str:
    """The environment a resource belongs to: the policy config's `environment`, else its `environment` tag."""
    return str(configured or tags_of(props).get("environment") or "")


def is_primary_db(props: Mapping[str, Any]) -> bool:
    """An RDS instance is a primary unless it replicates another (`replicateSourceDb`)."""
    return not props.get("replicateSourceDb")
