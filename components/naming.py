"""Names and tags, derived in one place so every resource of a stack reads the same way.

Logical names are `<stack>-<region>-<role>` (DESIGN.md: children `f"{name}-<role>"`); physical
names that AWS limits to 32 characters (ALB, target group) are shortened deterministically so
they never change between plans.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

# AWS name limit for load balancers and target groups.
AWS_LB_NAME_MAX = 32


@dataclass(frozen=True)
class Naming:
    """Stack identity shared by every component: where names and required tags come from."""

    stack: str
    environment: str
    owner: str
    cost_center: str

    def tags(self, role: str, **extra: str) -> dict[str, str]:
        """Required tags (environment, owner, cost-center) plus the resource's role."""
        return {
            "environment": self.environment,
            "owner": self.owner,
            "cost-center": self.cost_center,
            "managed-by": "pulumi",
            "project": "scaling-platform",
            "stack": self.stack,
            "role": role,
            **extra,
        }


def short_name(name: str, limit: int = AWS_LB_NAME_MAX) -> str:
    """`name` if it fits, else a prefix plus a stable 6-char hash (same input, same output)."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{digest}"


def asg_tags(tags: dict[str, str]) -> list[dict[str, object]]:
    """ASG tag blocks; propagated so every instance carries the required tags."""
    return [{"key": k, "value": v, "propagate_at_launch": True} for k, v in sorted(tags.items())]
