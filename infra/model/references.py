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

from typing import Any, Generic, Iterable, Mapping, Protocol, Sequence, TypeVar


class _Named(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def parent(self) -> str | None: ...


NamedT = TypeVar("NamedT", bound=_Named)


def reference_keys(resource: _Named) -> set[str]:
    """Every string by which another resource's input may refer to `resource`."""
    keys = {resource.name, f"{resource.name}_id"}
    for prop in ("id", "arn", "name", "identifier"):
        value = resource.inputs.get(prop)
        if isinstance(value, str) and value:
            keys.add(value)
    return keys


class ReferenceIndex(Generic[NamedT]):
    """Every reference key of a fixed list of candidates -> the position of the first candidate with it.

    Built once per candidate list (O(n)), so resolving m references against n candidates costs
    O(n + m) instead of O(n * m). Callers that resolve many references against one list (a policy
    checking every alarm action against every scaling policy) should build one and call `find`.
    """

    def __init__(self, candidates: Sequence[NamedT]):
        self.candidates = candidates
        self._first: dict[str, int] = {}
        for position, cand in enumerate(candidates):
            for key in reference_keys(cand):
                self._first.setdefault(key, position)

    def find(self, ref: str) -> NamedT | None:
        """The first candidate (in list order) known by `ref`, by its last path segment `tail`, or by the
        last `:` field of that (`arn:aws:rds:…:db:<identifier>`: a cross-region replica names its source by ARN)."""
        tail = ref.rsplit("/", 1)[-1]
        field = tail.rsplit(":", 1)[-1]
        hits = [p for p in (self._first.get(ref), self._first.get(tail), self._first.get(field)) if p is not None]
        return self.candidates[min(hits)] if hits else None


def resolve(ref: Any, candidates: Iterable[NamedT], *, sibling_of: _Named | None = None) -> NamedT | None:
    """The candidate `ref` points at; else the only candidate sharing `sibling_of`'s parent; else None.

    ARNs such as `arn:aws:autoscaling:…:policyName/web-scale-out` match by their last path segment.
    The first candidate (in order) whose keys hold `ref` or its last segment wins.
    """
    pool = list(candidates)
    if isinstance(ref, str) and ref:
        found = ReferenceIndex(pool).find(ref)
        if found is not None:
            return found
    if sibling_of is not None and sibling_of.parent:
        siblings = [c for c in pool if c.parent == sibling_of.parent]
        if len(siblings) == 1:
            return siblings[0]
    return None
