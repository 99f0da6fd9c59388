"""The `stateful-guard` stack policy: nothing that holds data is deleted or replaced.

It compares the stack about to be deployed with the previous plan given in its config
(`previous_resources`: the `resources` of an earlier `scaling plan --format json`, whole or only
its stateful part), the way `pulumi up` would treat the change (infra/model/resource_diff.py with
the cited replacement table of infra/model/replacement_table.py). Every stateful resource of the
previous plan (databases and their replicas, caches, KMS keys, DB/cache subnet groups, buckets,
volumes, and the subnets and VPCs a subnet group sits on) that the new plan deletes or replaces is
a violation naming the resource and the input that forces it.

`scaling plan --previous OLD.json` fills `previous_resources` from the file; under
`pulumi preview --policy-pack policies` it comes from the `--policy-pack-config` file.
`previous_stateful` (a hand-kept list of names, checked for deletion only) still works.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra.model.resource_diff import diff_resources, stateful_losses

SCHEMA: dict[str, dict[str, Any]] = {
    "previous_resources": {"type": "array", "items": {"type": "object"}, "default": [],
                           "description": "resources[] of the previous plan (scaling plan --format json)"},
    "previous_stateful": {"type": "array", "items": {"type": "string"}, "default": [],
                          "description": "Legacy: names of stateful resources that must stay (deletion only)"},
    "allowed": {"type": "array", "items": {"type": "string"}, "default": [],
                "description": "Names whose deletion or replacement is reviewed and allowed"},
    "allow_stateful_removal": {"type": "boolean", "default": False,
                               "description": "Allow deleting (not replacing) any previous stateful resource"},
}


def check(resources: Sequence[Any], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(resource name, message) for every stateful resource of the previous plan that `resources`
    delete or replace, minus what the config allows."""
    allowed = set(config.get("allowed") or [])
    removal_ok = bool(config.get("allow_stateful_removal"))
    out: list[tuple[str, str]] = []
    previous = config.get("previous_resources") or []
    if previous:
        for loss in stateful_losses(diff_resources(previous, resources)):
            if loss.res.name in allowed or (removal_ok and loss.action == "deleted"):
                continue
            out.append((loss.res.name, loss.message() + "; to accept it, list the name in stateful-guard.allowed"))
    if not removal_ok:
        present = {getattr(r, "name", None) or r.get("name") for r in resources}
        named = {name for name, _ in out}
        out += [(name, f"stateful resource {name} would be removed; set allow_stateful_removal to true to allow it")
                for name in config.get("previous_stateful") or []
                if name not in present and name not in allowed and name not in named]
    return out
