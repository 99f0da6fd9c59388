"""Compute policies: Auto Scaling group bounds and the instance types the platform may run."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, model_validator

from infra.cost.prices import ALLOWED_INSTANCE_TYPES, CACHE_NODE_HOURLY_USD, RDS_HOURLY_USD
from infra.model import guardrails
from policies.rules.base import (
    MANDATORY,
    Count,
    EnvironmentName,
    Name,
    PolicyConfig,
    ResourcePolicy,
    StackEnvironment,
)
from policies.rules.props import (
    ASG,
    CACHE_GROUP,
    LAUNCH_TEMPLATE,
    RDS_INSTANCE,
    environment,
    num,
)

# ---------------------------------------------------------------------------- asg-min-max


class HardLimit(PolicyConfig):
    """One environment's bounds on every group's minSize / maxSize."""

    min_size: Count
    max_size: Count

    @model_validator(mode="after")
    def _ordered(self) -> HardLimit:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is greater than max_size {self.max_size}; "
                             "allowed: min_size <= max_size")
        return self


# Defaults per environment: dev is a sandbox (scale to zero allowed, small ceiling); prod keeps
# at least 2 instances per group (one per AZ) and caps a group at guardrails.PROD_MAX_GROUP_SIZE
# (300: the worker tier's runbook max 200 plus HARD_LIMIT_HEADROOM_PCT 50 % for emergencies).
# Per-stack files in policies/config/ may override them.
DEFAULT_HARD_LIMITS = {
    "dev": {"min_size": 0, "max_size": 50},
    "staging": {"min_size": 1, "max_size": 100},
    "prod": {"min_size": 2, "max_size": guardrails.PROD_MAX_GROUP_SIZE},
}


class AsgMinMaxConfig(PolicyConfig):
    environment: StackEnvironment = ""
    hard_limits: Annotated[dict[EnvironmentName, HardLimit], Field(
        description="Per environment {min_size, max_size} hard limits; an environment without an entry "
                    "has no hard limits")] = DEFAULT_HARD_LIMITS  # type: ignore[assignment]


MIN_OVER_MAX = "minSize {min:g} is greater than maxSize {max:g}"
DESIRED_OUTSIDE = "desiredCapacity {desired:g} is outside [minSize {min:g}, maxSize {max:g}]"
OVER_HARD_LIMIT = "maxSize {max:g} exceeds the {env} hard limit of {limit:g}"
UNDER_HARD_MINIMUM = "minSize {min:g} is below the {env} hard minimum of {limit:g}"


def asg_min_max(resource_type: str, props: Mapping[str, Any], config: AsgMinMaxConfig | Mapping[str, Any], *,
                name: str = "") -> list[str]:
    """minSize ≤ desiredCapacity ≤ maxSize, and min/max within the environment's hard limits
    (`environment` empty: the resource's `environment` tag)."""
    if resource_type != ASG:
        return []
    cfg = AsgMinMaxConfig.of(config)
    out: list[str] = []
    lo, hi, desired = num(props.get("minSize")), num(props.get("maxSize")), num(props.get("desiredCapacity"))
    if lo is not None and hi is not None and lo > hi:
        out.append(MIN_OVER_MAX.format(min=lo, max=hi))
    if desired is not None and lo is not None and hi is not None and not lo <= desired <= hi:
        out.append(DESIRED_OUTSIDE.format(desired=desired, min=lo, max=hi))
    env = environment(props, cfg.environment)
    limits = cfg.hard_limits.get(env)
    if limits:
        if hi is not None and hi > limits.max_size:
            out.append(OVER_HARD_LIMIT.format(max=hi, env=env, limit=limits.max_size))
        if lo is not None and lo < limits.min_size:
            out.append(UNDER_HARD_MINIMUM.format(min=lo, env=env, limit=limits.min_size))
    return out


ASG_MIN_MAX = ResourcePolicy(
    "asg-min-max",
    "Auto Scaling groups keep minSize <= desiredCapacity <= maxSize within the environment's hard limits.",
    MANDATORY, asg_min_max, AsgMinMaxConfig, (MIN_OVER_MAX, DESIRED_OUTSIDE, OVER_HARD_LIMIT, UNDER_HARD_MINIMUM))

# ---------------------------------------------------------------------------- instance-type-allowlist


class InstanceTypeAllowlistConfig(PolicyConfig):
    # Defaults: exactly the types infra/cost/prices.py can price, so everything allowed can be budgeted.
    allowed_instance_types: Annotated[list[Name], Field(
        min_length=1, description="EC2 instance types the platform may run")] = list(ALLOWED_INSTANCE_TYPES)
    allowed_db_instance_classes: Annotated[list[Name], Field(
        min_length=1, description="RDS instance classes the platform may run")] = list(RDS_HOURLY_USD)
    allowed_cache_node_types: Annotated[list[Name], Field(
        min_length=1, description="ElastiCache node types the platform may run")] = list(CACHE_NODE_HOURLY_USD)


INSTANCE_TYPE_NOT_ALLOWED = "instance type {type} is not allowed; allowed: {allowed}"
DB_CLASS_NOT_ALLOWED = "RDS instance class {type} is not allowed; allowed: {allowed}"
NODE_TYPE_NOT_ALLOWED = "cache node type {type} is not allowed; allowed: {allowed}"


def instance_type_allowlist(resource_type: str, props: Mapping[str, Any],
                            config: InstanceTypeAllowlistConfig | Mapping[str, Any], *, name: str = "") -> list[str]:
    """EC2 types (launch templates, ASG overrides), RDS classes and cache node types come from the allowlists."""
    cfg = InstanceTypeAllowlistConfig.of(config)
    found: list[tuple[str, Any, list[str]]] = []  # (message, value, allowlist)
    if resource_type == LAUNCH_TEMPLATE and props.get("instanceType"):
        found.append((INSTANCE_TYPE_NOT_ALLOWED, props["instanceType"], cfg.allowed_instance_types))
    elif resource_type == ASG:
        mlt = ((props.get("mixedInstancesPolicy") or {}).get("launchTemplate") or {})
        found += [(INSTANCE_TYPE_NOT_ALLOWED, o["instanceType"], cfg.allowed_instance_types)
                  for o in mlt.get("overrides") or [] if o.get("instanceType")]
    elif resource_type == RDS_INSTANCE and props.get("instanceClass"):
        found.append((DB_CLASS_NOT_ALLOWED, props["instanceClass"], cfg.allowed_db_instance_classes))
    elif resource_type == CACHE_GROUP and props.get("nodeType"):
        found.append((NODE_TYPE_NOT_ALLOWED, props["nodeType"], cfg.allowed_cache_node_types))
    return [message.format(type=value, allowed=", ".join(allowed))
            for message, value, allowed in found if value not in allowed]


INSTANCE_TYPE_ALLOWLIST = ResourcePolicy(
    "instance-type-allowlist",
    "EC2 instance types, RDS classes and cache node types come from the allowlists.",
    MANDATORY, instance_type_allowlist, InstanceTypeAllowlistConfig,
    (INSTANCE_TYPE_NOT_ALLOWED, DB_CLASS_NOT_ALLOWED, NODE_TYPE_NOT_ALLOWED))
