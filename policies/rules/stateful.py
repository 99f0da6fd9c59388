"""Stateful safety: nothing that holds data is deleted or replaced.

`stateful-guard` compares the stack about to be deployed with the previous plan given in its config
(`previous_resources`: the `resources` of an earlier `scaling plan --format json`, whole or only
its stateful part), the way `pulumi up` would treat the change (infra/model/resource_diff.py with
the cited replacement table of infra/model/replacement_table.py). Every stateful resource of the
previous plan — databases and their read replicas, caches, KMS keys, DB/cache subnet groups,
buckets, volumes, anything tagged `stateful: "true"`, and the subnets and VPCs a subnet group sits
on — that the new plan deletes or replaces is a violation naming the resource and the input that
forces it. `scaling plan --previous OLD.json` fills `previous_resources`; under
`pulumi preview --policy-pack policies` it comes from the `--policy-pack-config` file.
`previous_stateful` (a hand-kept list of names, checked for deletion only) still works.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from infra.model.recorded import RecordedResource
from infra.model.replacement import stateful_kind
from infra.model.resource_diff import diff_resources, stateful_losses
from policies.rules.base import MANDATORY, Name, PolicyConfig, StackPolicy, Violation


def is_stateful(resource: RecordedResource) -> bool:
    """Holds data by itself (infra/model/replacement.py `stateful_kind`): databases, caches, KMS keys,
    subnet groups, buckets, volumes, and anything tagged `stateful: "true"`."""
    return stateful_kind(resource.type, resource.inputs) is not None


def stateful_names(resources: list[RecordedResource]) -> list[str]:
    """Names of the stateful resources in `resources` (what the legacy `previous_stateful` lists)."""
    return [r.name for r in resources if is_stateful(r)]


class StatefulGuardConfig(PolicyConfig):
    previous_resources: Annotated[list[dict[str, Any]], Field(
        description="resources[] of the previous plan (scaling plan --format json)")] = []
    allowed: Annotated[list[Name], Field(
        description="Names whose deletion or replacement is reviewed and allowed")] = []
    allow_stateful_removal: Annotated[bool, Field(
        description="Allow deleting (not replacing) any previous stateful resource")] = False
    previous_stateful: Annotated[list[Name], Field(
        description="Legacy: names of stateful resources that must stay (deletion only)")] = []


# `{loss}` is resource_diff.StatefulLoss.message(): "{what} {name} ({type}) would be replaced: {input}
# {old} -> {new} ({why}); keep these inputs, …" or "… would be deleted: it is not in the new plan[; …]".
STATEFUL_LOST = "{loss}; to accept it, list the name in stateful-guard.allowed"
STATEFUL_REMOVED = "stateful resource {name} would be removed; set allow_stateful_removal to true to allow it"


def stateful_guard(resources: list[RecordedResource],
                   config: StatefulGuardConfig | Mapping[str, Any]) -> list[Violation]:
    """Stateful resources of the previous plan deleted or replaced, minus what the config allows."""
    cfg = StatefulGuardConfig.of(config)
    allowed = set(cfg.allowed)
    out: list[Violation] = []
    if cfg.previous_resources:
        for loss in stateful_losses(diff_resources(cfg.previous_resources, resources)):
            if loss.res.name in allowed or (cfg.allow_stateful_removal and loss.action == "deleted"):
                continue
            out.append(Violation(loss.res.name, STATEFUL_LOST.format(loss=loss.message())))
    if not cfg.allow_stateful_removal:
        present = {r.name for r in resources}
        named = {v.resource for v in out}
        out += [Violation(name, STATEFUL_REMOVED.format(name=name)) for name in cfg.previous_stateful
                if name not in present and name not in allowed and name not in named]
    return out


STATEFUL_GUARD = StackPolicy(
    "stateful-guard",
    "Stateful resources (databases, caches, keys, subnet groups, buckets and the networks under them) "
    "are not deleted or replaced.",
    MANDATORY, stateful_guard, StatefulGuardConfig, (STATEFUL_LOST, STATEFUL_REMOVED))
