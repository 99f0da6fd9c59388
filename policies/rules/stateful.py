"""Stateful safety: databases, caches and stateful-tagged resources are not removed by accident.

Stateful resources: RDS instances, ElastiCache replication groups, and anything tagged
`stateful: "true"`. `stateful_names(resources)` lists them, to record as the next deployment's
`previous_stateful`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from infra.model.recorded import RecordedResource
from policies.rules.base import MANDATORY, Name, PolicyConfig, StackPolicy, Violation
from policies.rules.props import CACHE_GROUP, RDS_INSTANCE, tags_of


def is_stateful(resource: RecordedResource) -> bool:
    """RDS instances, ElastiCache replication groups and resources tagged `stateful: "true"`."""
    return resource.type in (RDS_INSTANCE, CACHE_GROUP) or tags_of(resource.inputs).get("stateful") == "true"


def stateful_names(resources: list[RecordedResource]) -> list[str]:
    """Names of the stateful resources in `resources`: what to record as the next `previous_stateful`."""
    return [r.name for r in resources if is_stateful(r)]


class StatefulGuardConfig(PolicyConfig):
    previous_stateful: Annotated[list[Name], Field(
        description="Names of the stateful resources in the last deployment")] = []
    allow_stateful_removal: Annotated[bool, Field(description="Allow removing a previous stateful resource")] = False


STATEFUL_REMOVED = "stateful resource {name} would be removed; set allow_stateful_removal to true to allow it"


def stateful_guard(resources: list[RecordedResource],
                   config: StatefulGuardConfig | Mapping[str, Any]) -> list[Violation]:
    """Every name in `previous_stateful` (the stateful resources of the last deployment) must
    still be present, unless `allow_stateful_removal` is true (a reviewed, deliberate removal)."""
    cfg = StatefulGuardConfig.of(config)
    if cfg.allow_stateful_removal:
        return []
    present = {r.name for r in resources}
    return [Violation(name, STATEFUL_REMOVED.format(name=name))
            for name in cfg.previous_stateful if name not in present]


STATEFUL_GUARD = StackPolicy(
    "stateful-guard",
    "Stateful resources (databases, caches, stateful-tagged) are not removed without an explicit allow.",
    MANDATORY, stateful_guard, StatefulGuardConfig, (STATEFUL_REMOVED,))
