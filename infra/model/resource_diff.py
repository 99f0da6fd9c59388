"""Compare two plans' resources the way `pulumi up` would treat the change (pure).

Resources are matched by (type token, logical name), which is how the engine tells them apart
inside one stack. A matched pair is *updated* when inputs changed, *replaced* when a changed input
is one the provider cannot change in place (infra/model/replacement_table.py), when its URN changes
(another parent type chain) or its provider changes; unmatched ones are *added* or *deleted*.

Two things a name-by-name comparison misses are handled here:
- **references**: under the SDK mocks an id is `<name>_id` and an ARN ends with the name, so a
  subnet's `vpcId` reads the same before and after its VPC is replaced. Every input that refers to
  another resource of the same plan is compared as that reference, and a replacement propagates
  to every resource whose replacing input refers to a replaced one (VPC -> subnets -> ...), until
  nothing changes;
- **real ids against mock ids**: an earlier plan may come from the real engine (the policy pack
  under `pulumi preview`). A reference on one side and an opaque id on the other, or an unknown
  value, cannot be compared and is not reported as a change.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.model.replacement import (
    NETWORK_TYPES,
    SUBNET_GROUP_TYPES,
    Cause,
    replacement_causes,
    replacing_inputs,
    stateful_kind,
)

UNKNOWN = ("[unknown]", "04da6b54-80e4-46f7-96ec-b56ff0331ba9")  # offline and engine unknown sentinels
OPTION_KEYS = ("protect", "retainOnDelete", "ignoreChanges", "deleteBeforeReplace", "replaceOnChanges")


@dataclass(frozen=True)
class Res:
    """One resource of a plan (a plan JSON `resources[]` item or a RecordedResource, normalised)."""

    type: str
    name: str
    parent: str | None
    provider: str | None
    inputs: Mapping[str, Any]
    options: Mapping[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.name)

    @property
    def custom(self) -> bool:
        """A cloud resource (provider-managed), as opposed to a component or a provider."""
        return not self.type.startswith("pulumi:") and self.type.split(":")[0] in ("aws", "cloudflare", "kubernetes")


def as_res(item: Any) -> Res:
    """A plan JSON resource dict or any object with type/name/inputs/... as a `Res`."""
    get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
    return Res(str(get("type")), str(get("name")), get("parent"), get("provider"),
               dict(get("inputs") or {}), dict(get("options") or {}))


@dataclass(frozen=True)
class Ref:
    """An input value that refers to another resource of the same plan."""

    type: str
    name: str

    def __str__(self) -> str:
        return self.name


class _Index:
    """Every string by which an input can name a cloud resource of one plan -> that resource."""

    def __init__(self, resources: Iterable[Res]):
        self.by_key: dict[str, Res] = {}
        for res in resources:
            if not res.custom:
                continue
            for key in (res.name, f"{res.name}_id"):
                self.by_key.setdefault(key, res)

    def find(self, value: str) -> Res | None:
        hit = self.by_key.get(value)
        if hit is None and value.startswith("arn:"):
            tail = value.rsplit(":", 1)[-1]
            hit = self.by_key.get(tail) or self.by_key.get(tail.rsplit("/", 1)[-1])
        return hit

    def normalise(self, value: Any, own: str = "") -> Any:
        """`value` with every reference to another resource of this plan replaced by a `Ref`
        (a resource's own name, e.g. an RDS `identifier`, stays a plain value)."""
        if isinstance(value, str):
            hit = self.find(value)
            return Ref(hit.type, hit.name) if hit and hit.name != own else value
        if isinstance(value, Mapping):
            return {k: _asset_path(v) if k == "path" else self.normalise(v, own) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.normalise(v, own) for v in value]
        return value


def _asset_path(value: Any) -> Any:
    """A file asset's absolute path depends on where the repository is checked out (a `--base-ref`
    worktree is elsewhere): compare its last three parts (e.g. edge/lambda_edge/handler.py)."""
    if isinstance(value, str) and value.startswith("/"):
        return "/".join(value.rstrip("/").split("/")[-3:])
    return value


# What the real engine puts where the mocks put `<name>_id`: `vpc-0abc…`, `sg-…`, or an ARN.
_REAL_ID = re.compile(r"^(arn:.*|[a-z]{1,16}(-[a-z]{1,16})?-[0-9a-f]{8,17})$")


def same(a: Any, b: Any) -> bool:
    """Equal for a preview: unknowns, and a reference against a real engine id, compare as equal."""
    if isinstance(a, str) and a in UNKNOWN or isinstance(b, str) and b in UNKNOWN:
        return True
    if isinstance(a, Ref) != isinstance(b, Ref):
        other = b if isinstance(a, Ref) else a
        return isinstance(other, str) and bool(_REAL_ID.match(other))  # mock reference vs real id: cannot tell
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def refs_in(value: Any) -> list[Ref]:
    """Every `Ref` inside a normalised value."""
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in refs_in(v)]
    if isinstance(value, list):
        return [r for v in value for r in refs_in(v)]
    return []


@dataclass
class Change:
    """A matched resource that changes: the input keys that change, and for a replacement why."""

    res: Res
    inputs: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)


@dataclass
class ResourceDiff:
    """What `pulumi up` would do going from the base plan to the head plan."""

    added: list[Res]
    updated: list[Change]
    replaced: list[Change]
    deleted: list[Res]
    base: dict[tuple[str, str], Res]


def _chain(res: Res, by_name: Mapping[str, Res]) -> str:
    """The parent type chain of the URN (`parentType$...$type`), which changes when a parent does."""
    types, seen, parent = [res.type], set(), res.parent
    while parent and parent not in seen:
        seen.add(parent)
        owner = by_name.get(parent)
        if owner is None:
            break
        types.append(owner.type)
        parent = owner.parent
    return "$".join(reversed(types))


def _by_name(resources: Iterable[Res]) -> dict[str, Res]:
    out: dict[str, Res] = {}
    for res in resources:  # a component wins a name it shares with a cloud resource: parents are components
        if res.name not in out or not res.custom:
            out[res.name] = res
    return out


def _ignored(res: Res) -> set[str]:
    return {str(k).split(".")[0].split("[")[0] for k in res.options.get("ignoreChanges") or []}


def diff_resources(base_items: Iterable[Any], head_items: Iterable[Any]) -> ResourceDiff:
    """Classify every resource of two plans as added, updated, replaced or deleted (module doc)."""
    base = {r.key: r for r in map(as_res, base_items)}
    head = {r.key: r for r in map(as_res, head_items)}
    b_index, h_index = _Index(base.values()), _Index(head.values())
    b_names, h_names = _by_name(base.values()), _by_name(head.values())
    changes: dict[tuple[str, str], Change] = {}
    normalised: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for key in base.keys() & head.keys():
        old, new = base[key], head[key]
        b_in, h_in = b_index.normalise(old.inputs, old.name), h_index.normalise(new.inputs, new.name)
        normalised[key] = (b_in, h_in)
        ignored = _ignored(new)
        change = Change(new)
        change.inputs = sorted(k for k in set(b_in) | set(h_in)
                               if k not in ignored and not same(b_in.get(k), h_in.get(k)))
        change.options = [k for k in OPTION_KEYS if old.options.get(k) != new.options.get(k)]
        change.causes = replacement_causes(new.type, b_in, h_in, ignored,
                                           new.options.get("replaceOnChanges") or (), same)
        if _chain(old, b_names) != _chain(new, h_names):
            change.causes.append(Cause("(parent)", _chain(old, b_names), _chain(new, h_names),
                                       "the URN changes with the parent type chain: delete and create"))
        if old.provider != new.provider:
            change.causes.append(Cause("(provider)", old.provider, new.provider, "another provider manages it"))
        changes[key] = change
    _propagate(changes, normalised, head)
    replaced = [c for c in changes.values() if c.causes]
    updated = [c for c in changes.values() if not c.causes and (c.inputs or c.options)]
    for change in replaced:
        change.inputs = list(dict.fromkeys(c.key for c in change.causes))

    def order(item: Change | Res) -> tuple[str, str]:
        return item.res.key if isinstance(item, Change) else item.key

    return ResourceDiff(sorted((head[k] for k in head.keys() - base.keys()), key=order), sorted(updated, key=order),
                        sorted(replaced, key=order), sorted((base[k] for k in base.keys() - head.keys()), key=order),
                        base)


def _propagate(changes: dict[tuple[str, str], Change],
               normalised: Mapping[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]],
               head: Mapping[tuple[str, str], Res]) -> None:
    """A resource whose replacing input (or provider) refers to a replaced resource is replaced too;
    one whose other inputs refer to it is updated (the new id). Repeated until nothing changes."""
    providers = {name: key for key in head for name in [key[1]] if key[0].startswith("pulumi:providers:")}
    grown = True
    while grown:
        grown = False
        replaced = {key for key, change in changes.items() if change.causes}
        for key, change in changes.items():
            h_in = normalised[key][1]
            forcing = set(replacing_inputs(key[0])) | set(change.res.options.get("replaceOnChanges") or ())
            ignored = _ignored(change.res)
            for input_key, value in h_in.items():
                if input_key in ignored:
                    continue
                hits = [r for r in refs_in(value) if (r.type, r.name) in replaced and (r.type, r.name) != key]
                if not hits:
                    continue
                if input_key in forcing and key not in replaced:
                    change.causes.append(Cause(input_key, hits[0].name, f"new {hits[0].name}",
                                               f"{hits[0].name} is replaced, so this reference changes"))
                    grown = True
                    break
                if input_key not in change.inputs:
                    change.inputs.append(input_key)
            provider_key = providers.get(change.res.provider or "")
            if provider_key in replaced and key not in replaced and not change.causes:
                change.causes.append(Cause("(provider)", change.res.provider, f"new {change.res.provider}",
                                           "its provider is replaced"))
                grown = True
        for change in changes.values():
            change.inputs.sort()


def stateful_names(resources: Iterable[Any]) -> dict[tuple[str, str], str]:
    """(type, name) -> what it is, for every resource of a plan that holds state or that a
    DB/cache subnet group sits on (its subnets, and their VPC)."""
    items = [as_res(r) for r in resources]
    index = _Index(items)
    out = {r.key: kind for r in items if (kind := stateful_kind(r.type, r.inputs))}
    subnets = {(ref.type, ref.name) for r in items if r.type in SUBNET_GROUP_TYPES
               for ref in refs_in(index.normalise(r.inputs.get("subnetIds")))}
    by_key = {r.key: r for r in items}
    for key in subnets:
        if key[0] in NETWORK_TYPES:
            out.setdefault(key, NETWORK_TYPES[key[0]])
            vpc = by_key[key].inputs.get("vpcId") if key in by_key else None
            for ref in refs_in(index.normalise(vpc)):
                if ref.type in NETWORK_TYPES:
                    out.setdefault((ref.type, ref.name), NETWORK_TYPES[ref.type])
    return out


@dataclass(frozen=True)
class StatefulLoss:
    """A stateful resource of the base plan that the head plan deletes or replaces."""

    res: Res
    kind: str
    action: str  # "deleted" | "replaced"
    causes: tuple[Cause, ...] = ()

    def message(self) -> str:
        """The one-line reason a reviewer reads (policy verdict and diff finding alike)."""
        head = f"{self.kind} {self.res.name} ({self.res.type}) would be {self.action}"
        if self.action == "replaced":
            return f"{head}: " + "; ".join(c.describe() for c in self.causes) + \
                "; keep these inputs, or migrate the data and allow the replacement explicitly"
        notes = ["it is not in the new plan"]
        if self.res.options.get("protect"):
            notes.append("it is protected, so `pulumi up` fails until protect is lifted")
        if self.res.options.get("retainOnDelete"):
            notes.append("retainOnDelete keeps it in AWS, but it leaves the stack")
        return f"{head}: " + "; ".join(notes)


def stateful_losses(diff: ResourceDiff) -> list[StatefulLoss]:
    """Every stateful resource of the base plan (by `stateful_names`) deleted or replaced in the head."""
    kinds = stateful_names(diff.base.values())
    out = [StatefulLoss(res, kinds[res.key], "deleted") for res in diff.deleted if res.key in kinds]
    out += [StatefulLoss(diff.base[c.res.key], kinds[c.res.key], "replaced", tuple(c.causes))
            for c in diff.replaced if c.res.key in kinds]
    return sorted(out, key=lambda loss: (loss.res.type, loss.res.name))
