"""Review settings of a stack: `scaling diff` guardrails and the secrets `pulumi up` needs (pure).

`PlatformConfig.review` holds the per-stack defaults of `scaling diff --fail-on-cost-increase`
(percent) and `--fail-on-cost-increase-usd`; the command-line flags override them. Both are off
(None) unless a stack sets them.

`PlatformConfig.required_secrets` names the secret config keys the stack needs for `pulumi up`
(`namespace:key`, set with `pulumi config set --secret`). `required_secrets(cfg)` adds the ones the
program itself reads for `up` from what the config enables (infra/program/edge_program.py): a
preview runs with a placeholder, `up` stops. `scaling plan --mode update` reports every one that
the stack file does not set.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

SecretKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$", max_length=200)]

# The secrets infra/program/edge_program.py reads with `_secret(...)`: the plan runs without them
# (placeholder), `pulumi up` raises. Key -> (what needs it, predicate over the config).
JWT_SECRET = "scaling-platform:jwtSecret"
KUBECONFIG = "scaling-platform:kubeconfig"


class ReviewConfig(BaseModel):
    """`review:` guardrails for `scaling diff` (None = off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fail_on_cost_increase_pct: Annotated[float | None, Field(ge=0, le=1e6)] = None
    fail_on_cost_increase_usd: Annotated[float | None, Field(ge=0, le=1e12)] = None


def required_secrets(cfg: Any) -> dict[str, str]:
    """Secret key -> what needs it, for `pulumi up` of this config: the stack's own
    `required_secrets` plus those the program reads for what the config enables."""
    out: dict[str, str] = {key: "listed in required_secrets" for key in cfg.required_secrets}
    edge = cfg.edge
    if edge.enabled and edge.provider("cloudflare"):
        out[JWT_SECRET] = "the auth-validator Cloudflare Worker (JWT_SECRET)"
    if cfg.kubernetes.enabled:
        out[KUBECONFIG] = "the Kubernetes provider (kubernetes.enabled)"
    return out


def missing_secrets(cfg: Any, other: Mapping[str, Any]) -> dict[str, str]:
    """The required secrets (above) that the stack file does not set (absent, null or empty)."""
    def is_set(value: Any) -> bool:
        if isinstance(value, Mapping):
            return bool(value.get("secure"))
        return value not in (None, "")
    return {key: why for key, why in required_secrets(cfg).items() if not is_set(other.get(key))}
