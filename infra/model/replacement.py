"""Replacement and statefulness of resources, from the cited table in replacement_table.py (pure).

- `replacing_inputs(type)`: the inputs whose change makes `pulumi up` replace a resource;
- `replacement_causes(type, old, new)`: which of them a given change touches (with the why);
- `stateful_kind(type, inputs)`: whether a resource holds data (or is what data sits on), so that
  deleting or replacing it loses data or takes a database down: RDS instances and clusters,
  ElastiCache groups, KMS keys, DB/cache subnet groups, S3 buckets, EBS volumes, EFS and DynamoDB,
  and anything tagged `stateful: "true"`. VPCs and subnets count when a DB/cache subnet group sits
  on them; `resource_diff.stateful_names` resolves that from a whole plan.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from infra.model.replacement_table import (
    TABLE,
    ReplaceOn,
    TypeReplacement,
    version_tuple,
)
from infra.model.resource_types import KMS_KEY, RDS_INSTANCE

__all__ = [
    "BY_TYPE",
    "NETWORK_TYPES",
    "STATEFUL_TYPES",
    "SUBNET_GROUP_TYPES",
    "Cause",
    "ReplaceOn",
    "TypeReplacement",
    "impossible_changes",
    "replacement_causes",
    "replacing_inputs",
    "stateful_kind",
    "tags_of",
]

BY_TYPE: dict[str, TypeReplacement] = {entry.type: entry for entry in TABLE}

# Types that hold data (or keys to it) by themselves -> what losing them means, for the message.
STATEFUL_TYPES: dict[str, str] = {
    RDS_INSTANCE: "database instance",
    "aws:rds/cluster:Cluster": "database cluster",
    "aws:rds/clusterInstance:ClusterInstance": "database cluster instance",
    "aws:elasticache/replicationGroup:ReplicationGroup": "cache",
    "aws:elasticache/cluster:Cluster": "cache",
    "aws:elasticache/serverlessCache:ServerlessCache": "cache",
    KMS_KEY: "KMS key (data encrypted with it becomes unreadable)",
    "aws:rds/subnetGroup:SubnetGroup": "DB subnet group",
    "aws:elasticache/subnetGroup:SubnetGroup": "cache subnet group",
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:s3/bucketV2:BucketV2": "S3 bucket",
    "aws:ebs/volume:Volume": "EBS volume",
    "aws:efs/fileSystem:FileSystem": "EFS file system",
    "aws:dynamodb/table:Table": "DynamoDB table",
}
SUBNET_GROUP_TYPES = ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup")
NETWORK_TYPES = {"aws:ec2/subnet:Subnet": "subnet under a DB/cache subnet group",
                 "aws:ec2/vpc:Vpc": "VPC under a DB/cache subnet group"}


@dataclass(frozen=True)
class Cause:
    """Why a resource is replaced: the input (or `(parent)`/`(provider)`), old -> new, and the reason."""

    key: str
    old: Any
    new: Any
    why: str

    def describe(self) -> str:
        """`key old -> new (why)`, values shortened so a message stays one readable line."""
        return f"{self.key} {_short(self.old)} -> {_short(self.new)} ({self.why})"


def _short(value: Any, limit: int = 60) -> str:
    text = "(unset)" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def replacing_inputs(type_: str) -> tuple[str, ...]:
    """The input keys of `type_` whose change can replace the resource (empty for unknown types)."""
    entry = BY_TYPE.get(type_)
    return tuple(r.key for r in entry.inputs) if entry else ()


def replacement_causes(type_: str, old: Mapping[str, Any], new: Mapping[str, Any],
                       ignored: Collection[str] = (), replace_on_changes: Collection[str] = (),
                       same: Callable[[Any, Any], bool] | None = None) -> list[Cause]:
    """The causes by which changing `old` inputs to `new` replaces a resource of `type_`.

    `ignored` are the resource's `ignoreChanges` (the engine never diffs them);
    `replace_on_changes` its `replaceOnChanges` option (any change there replaces, whatever the
    provider says); `same(a, b)` compares two values (default `==`; callers pass one that treats
    references and unknowns the way a preview can).
    """
    equal: Callable[[Any, Any], bool] = same or (lambda a, b: bool(a == b))
    entry = BY_TYPE.get(type_)
    rules: list[ReplaceOn] = list(entry.inputs) if entry else []
    known = {r.key for r in rules}
    rules += [ReplaceOn(key, None, "replaceOnChanges option") for key in replace_on_changes
              if key not in known and key != "*"]
    if "*" in replace_on_changes:
        rules += [ReplaceOn(key, None, "replaceOnChanges option") for key in set(old) | set(new) if key not in known]
    out = []
    for rule in rules:
        if rule.key in ignored:
            continue
        before, after = old.get(rule.key), new.get(rule.key)
        if equal(before, after):
            continue
        if rule.when is not None and not rule.when(before, after, old, new):
            continue
        out.append(Cause(rule.key, before, after, rule.why))
    return out


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def impossible_changes(type_: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Changes AWS refuses outright, so `pulumi up` would stop part-way (neither update nor replace).

    Amazon RDS User Guide, "Working with storage": allocated storage can be increased, never
    reduced; "Upgrading a DB instance engine version": there is no engine version downgrade.
    """
    out: list[str] = []
    if type_ == RDS_INSTANCE:
        before, after = _number(old.get("allocatedStorage")), _number(new.get("allocatedStorage"))
        if before is not None and after is not None and after < before:
            out.append(f"allocatedStorage {before:g} -> {after:g} GB: RDS cannot reduce allocated storage")
        v_old, v_new = old.get("engineVersion"), new.get("engineVersion")
        if v_old and v_new and version_tuple(v_new) < version_tuple(v_old):
            out.append(f"engineVersion {v_old} -> {v_new}: RDS cannot downgrade an engine version")
    return out


def tags_of(inputs: Mapping[str, Any]) -> dict[str, str]:
    """A resource's tags (`tagsAll` overlaid by `tags`; ASG tag lists too)."""
    out: dict[str, str] = {}
    for field in ("tagsAll", "tags"):
        tags = inputs.get(field)
        if isinstance(tags, Mapping):
            out.update({str(k): str(v) for k, v in tags.items()})
        elif isinstance(tags, list):
            out.update({str(t.get("key")): str(t.get("value")) for t in tags if isinstance(t, Mapping)})
    return out


def stateful_kind(type_: str, inputs: Mapping[str, Any]) -> str | None:
    """What the resource is, when it holds state by itself (see the module doc), else None.

    A read replica is stateful too (deleting it drops reads from that copy; replacing it rebuilds
    it from the primary), and says so, so a reviewer can tell it from a shard primary.
    """
    if type_ == RDS_INSTANCE and inputs.get("replicateSourceDb"):
        return f"read replica of {str(inputs['replicateSourceDb']).removesuffix('_id')}"  # mock ids: <name>_id
    kind = STATEFUL_TYPES.get(type_)
    if kind:
        return kind
    if tags_of(inputs).get("stateful") == "true":
        return "stateful-tagged resource"
    return None
