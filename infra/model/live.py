"""What runs: the live state of a stack as `infra/sources/live.py` reads it from the AWS APIs.

Plain frozen records, no boto3: the status comparison (`infra/cli/drift.py`) and the emergency
change set (`infra/cli/emergency_changes.py`) are pure functions over these and the planned resources,
so they are tested with hand-made values as well as against moto.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class LiveScheduledAction:
    """One scheduled action of a group (`describe-scheduled-actions`); -1/None = not set."""

    name: str
    min_size: int | None
    max_size: int | None
    desired: int | None
    recurrence: str | None
    time_zone: str | None = None
    start_time: str | None = None


@dataclass(frozen=True)
class LiveGroup:
    """One Auto Scaling group of the stack (found by its `stack` and `tier` tags)."""

    name: str  # the real group name (Pulumi auto-names it `<logical name>-<suffix>`)
    region: str
    tier: str
    min_size: int
    max_size: int
    desired: int
    in_service: int  # instances in lifecycle state InService
    instance_types: tuple[str, ...]  # types of the running instances, sorted, unique
    suspended: tuple[str, ...] = ()  # suspended processes (e.g. ScheduledActions)
    actions: tuple[LiveScheduledAction, ...] = ()


@dataclass(frozen=True)
class LiveDbInstance:
    """One RDS instance of the stack (identifier `<stack>-db-shard-<i>[-replica-<n>]`)."""

    identifier: str
    region: str
    instance_class: str
    status: str
    source: str | None  # the primary a read replica follows
    parameter_group: str | None
    replica_lag_s: float | None = None  # CloudWatch ReplicaLag, latest Maximum (None: no datapoint)
    connections: float | None = None  # CloudWatch DatabaseConnections, latest Maximum


@dataclass(frozen=True)
class LiveCache:
    """One ElastiCache replication group (id `<stack>-<region>-cache`)."""

    group_id: str
    region: str
    node_type: str | None
    nodes: int  # member clusters: primary + replicas
    status: str


@dataclass(frozen=True)
class LiveAlarm:
    """One CloudWatch alarm whose name starts with the stack's prefix."""

    name: str
    region: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    reason: str = ""


@dataclass(frozen=True)
class LiveRegion:
    """Everything read in one region."""

    region: str
    groups: tuple[LiveGroup, ...] = ()
    databases: tuple[LiveDbInstance, ...] = ()
    caches: tuple[LiveCache, ...] = ()
    alarms: tuple[LiveAlarm, ...] = ()
    parameters: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # parameter group -> name -> value

    def group(self, tier: str) -> LiveGroup | None:
        """The stack's group of this tier here, or None."""
        return next((g for g in self.groups if g.tier == tier), None)


@dataclass(frozen=True)
class LiveState:
    """The live state of one stack across its regions."""

    stack: str
    regions: Mapping[str, LiveRegion]

    def group(self, region: str, tier: str) -> LiveGroup | None:
        """The group of `tier` in `region`, or None when it is not deployed (or the region was not read)."""
        live = self.regions.get(region)
        return live.group(tier) if live else None

    def database(self, identifier: str) -> LiveDbInstance | None:
        """The RDS instance with this identifier in any region, or None."""
        return next((d for r in self.regions.values() for d in r.databases if d.identifier == identifier), None)

    def cache(self, group_id: str) -> LiveCache | None:
        """The replication group with this id in any region, or None."""
        return next((c for r in self.regions.values() for c in r.caches if c.group_id == group_id), None)
