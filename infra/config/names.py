"""The stack name is part of many AWS and Cloudflare names: check it yields names they accept.

Pure (no pulumi, no boto3). The physical names below are the ones components/ and infra/program/
derive from the stack name (the templates are cited where they are built); Pulumi auto-naming adds
AUTONAME_SUFFIX characters (`-` + 7 random) to a logical name that has no explicit physical name.
tests/infra/config/test_names.py runs the program with the longest accepted stack name and checks
every recorded name against these limits, so a new template cannot slip past this list.
"""
from __future__ import annotations

import re
from typing import Any

from infra.model.data import SHARDING_STRATEGIES
from infra.model.placement import CROSS_REGION_DEFAULT_ENVIRONMENTS, failover_ring, ring_next

AUTONAME_SUFFIX = 8
# Lowercase letter first, then lowercase letters/digits in hyphen-separated runs: the intersection of
# what S3 buckets, RDS and ElastiCache identifiers, ALB names and Cloudflare script names allow.
STACK_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
# Replica numbers stay below this (database.extra_replicas <= 15 plus the planned ones).
_MAX_REPLICA_NUMBER = 99


def _default_cross(cfg: Any) -> list[str]:
    """Regions the prod default puts cross-region replicas in (infra/planning/placement.py): the ring neighbour
    of the primary, or of every region for geographic shards (each lives in its own region)."""
    if cfg.environment not in CROSS_REGION_DEFAULT_ENVIRONMENTS:
        return []
    names = [r.name for r in cfg.regions]
    ring = failover_ring(cfg.primary_region.name, cfg.failover_priority, names)
    homes = names if SHARDING_STRATEGIES[cfg.database.sharding] == "geographic" else [cfg.primary_region.name]
    return [r for r in (ring_next(ring, home) for home in homes) if r]


def derived_names(stack: str, cfg: Any) -> list[tuple[str, str, int]]:
    """(what, longest physical name, AWS limit) for every length-limited name built from `stack`."""
    db = cfg.database
    cross = db.cross_region_replicas if db.cross_region_replicas is not None else _default_cross(cfg)
    longest_cross = max((f"-{r}" for r in cross), key=len, default="")
    # components/shards.py: `<stack>-db-shard-<i>[-<region>]-replica-<n>` (RDS identifier, <= 63).
    rds = f"{stack}-db-shard-{db.max_shards - 1}{longest_cross}-replica-{_MAX_REPLICA_NUMBER}"
    auto = "x" * AUTONAME_SUFFIX
    return [
        ("RDS instance identifier", rds, 63),
        # components/shards.py monitoring role, auto-named (IAM role names <= 64).
        ("IAM role name", f"{stack}-db-monitoring-role{auto}", 64),
        # components/edge.py Lambda@Edge functions, auto-named (function names <= 64).
        ("Lambda function name", f"{stack}-edge-response-modifier{auto}", 64),
        # components/edge.py log bucket, auto-named (S3 bucket names <= 63).
        ("S3 bucket name", f"{stack}-edge-logs{auto}", 63),
        # components/region.py ALB access-log bucket `<stack>-<region>-logs`, auto-named (<= 63).
        ("S3 bucket name", f"{stack}-{max((r.name for r in cfg.regions), key=len)}-logs{auto}", 63),
        # components/cloudflare.py script_name `<stack>-<worker>` (Cloudflare Worker names <= 63).
        ("Cloudflare Worker name", f"{stack}-rate-limiter", 63),
        ("Cloudflare Worker name", f"{stack}-auth-validator", 63),
    ]


def stack_name_syntax_problem(stack: str) -> str | None:
    """What is wrong with the characters of `stack` (any config), or None."""
    if not STACK_NAME.fullmatch(stack):
        shown = stack if len(stack) <= 40 else f"{stack[:30]}... ({len(stack)} characters)"
        return (f"{shown!r} cannot name AWS resources (S3, RDS, ElastiCache, ALB); need lowercase letters, "
                "digits and single hyphens, starting with a letter, e.g. prod or team-a-prod")
    return None


def stack_name_problem(stack: str, cfg: Any) -> str | None:
    """What is wrong with `stack` as the source of this config's resource names, or None."""
    syntax = stack_name_syntax_problem(stack)
    if syntax:
        return syntax
    for what, name, limit in derived_names(stack, cfg):
        if len(name) > limit:
            room = limit - (len(name) - len(stack))
            return (f"{stack!r} makes the {what} {len(name)} characters (AWS allows {limit}); "
                    f"use a stack name of at most {room} characters")
    return None
