"""Resolve cross-resource references inside recorded inputs (pure; no pulumi, no boto3).

An input such as an ASG's `launchTemplate.id` or an alarm's `alarmActions` entry refers to
another resource's output. What that output looks like depends on who ran the program:
- under the SDK mocks (`scaling plan`) every resource's id is `f"{name}_id"`;
- under the CLI a real id/ARN arrives (`lt-0abc…`, `arn:…:policyName/<name>`), or the
  resource's own `name`/`id`/`arn` property when the engine knows it.
So a resource is known by several keys and a reference matches any of them. When nothing
matches, callers fall back to a sibling (same parent component), which is how the
components lay resources out (an ASG and its launch template are children of one ServiceTier).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Protocol


class _Named(Protocol):
    type: str
    name: str
    inputs: Mapping[str, Any]
    parent: str | None


def reference_keys(resource: _Named) -> set[str]:
    """Every string by which another resource's input may refer to `resource`."""
    keys = {resource.name, f"{resource.name}_id"}
    for prop in ("id", "arn", "name"):
        value = resource.inputs.get(prop)
        if isinstance(value, str) and value:
            keys.add(value)
    return keys


def resolve(ref: Any, candidates: Iterable[_Named], *, sibling_of: _Named | None = None) -> _Named | None:
    """The candidate `ref` points at; else the only candidate sharing `sibling_of`'s parent; else None.

    ARNs such as `arn:aws:autoscaling:…:policyName/web-scale-out` match by their last path segment.
    """
    pool = list(candidates)
    if isinstance(ref, str) and ref:
        tail = ref.rsplit("/", 1)[-1]
        for cand in pool:
            keys = reference_keys(cand)
            if ref in keys or tail in keys:
                return cand
    if sibling_of is not None and sibling_of.parent:
        siblings = [c for c in pool if c.parent == sibling_of.parent]
        if len(siblings) == 1:
            return siblings[0]
    return None
