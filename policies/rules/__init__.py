"""The policy registry: every policy of the pack, in pack order, collected from `rules/<area>.py`.

One source of truth for `pulumi preview --policy-pack policies` (`policies/pack.py` wraps `RULES`
as pulumi_policy objects; `policies/__main__.py` serves them) and for `scaling plan`
(`policies/engine.py` runs `RULES` offline; `policies/config_file.py` validates the per-stack
config files against each policy's config schema). Each area module defines its rules, each
next to its registration (name, description, enforcement, config schema with defaults, exact
messages); adding a policy is one registration there plus one line here.

The order below is the pack's order and the order of verdicts on one resource.
"""
from __future__ import annotations

from policies.rules import (
    budget,
    compute,
    data,
    edge,
    hardening,
    kubernetes,
    network,
    posture,
    scaling,
    security,
    stateful,
    tags,
)
from policies.rules.base import ResourcePolicy, Rule, StackPolicy, Violation
from policies.rules.budget import emergency_ceiling, estimate_for, stack_budget
from policies.rules.props import prepare_props
from policies.rules.stateful import stateful_names

RULES: tuple[Rule, ...] = (
    compute.ASG_MIN_MAX,
    budget.STACK_BUDGET,
    budget.STACK_BUDGET_ADVISORY,
    scaling.SCALING_HYGIENE,
    security.STORAGE_ENCRYPTED,
    security.RDS_NOT_PUBLIC,
    data.MULTI_AZ_IN_PROD,
    data.DELETION_PROTECTION,
    data.WRITER_IN_HEALTHY_REGION,
    security.IMDSV2_REQUIRED,
    network.NO_PUBLIC_INGRESS,
    tags.REQUIRED_TAGS,
    compute.INSTANCE_TYPE_ALLOWLIST,
    edge.EDGE_HTTPS_ONLY,
    edge.EDGE_TLS_MINIMUM,
    edge.EDGE_API_PROTECTION,
    edge.EDGE_LAMBDA_PUBLISHED,
    edge.CLOUDFLARE_API_CACHE_BYPASS,
    kubernetes.POD_HARDENED, kubernetes.IMAGE_DIGEST_POLICY, kubernetes.NETWORK_POLICY_DEFAULT_DENY,
    posture.ALB_EDGE_ONLY,
    posture.WAF_MANAGED_RULES,
    posture.WAF_ATTACHED,
    posture.REDIS_AUTH,
    posture.LOG_BUCKET_HARDENED,
    hardening.ACCESS_LOGS,
    hardening.BUCKET_KMS_ENCRYPTION,
    hardening.BUCKET_ACLS_DISABLED,
    hardening.KMS_KEY_HARDENED,
    hardening.IAM_LEAST_PRIVILEGE,
    hardening.ALB_TARGET_TLS,
    stateful.STATEFUL_GUARD,
)
RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}

__all__ = [
    "RULES", "RULES_BY_NAME", "ResourcePolicy", "Rule", "StackPolicy", "Violation", "emergency_ceiling",
    "estimate_for", "prepare_props", "stack_budget", "stateful_names",
]
