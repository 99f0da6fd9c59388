"""Data-tier plan types (shards, replicas, caches), the relay/novacron data-tier constants and shard naming.

Planners (infra/planning/data_plan.py, shard_map.py) fill these; components only encode them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra.model.placement import ShardPlacement

# relay "Sharding Strategy": shardingStrategies { user: hash_based, transaction: time_based,
# content: geographic, governance: replicated }.
SHARDING_STRATEGIES: dict[str, str] = {
    "user": "hash",
    "transaction": "time",
    "content": "geographic",
    "governance": "replicated",
}


# novacron 5 manage_read_replicas "sync": alert if replication lag > 1000 (ms). CloudWatch's RDS
# `ReplicaLag` metric is in seconds, so the alarm threshold is 1000 / 1000 = 1 s.
REPLICA_LAG_LIMIT_MS = 1000


# novacron 5 manage_connection_pool: > 80% -> max_connections 500; > 90% -> add a read replica. The 500 applies
# only where it raises the engine's default (infra/planning/connections.py), never as a pinned value.
POOL_RAISE_PCT = 80
POOL_RAISED_MAX_CONNECTIONS = 500
POOL_ADD_REPLICA_PCT = 90


# novacron 3 checkScalingNeeded: `if usage.Connections > 400` -> "Add read replica" (an absolute count,
# independent of max_connections): one more DatabaseConnections alarm per shard primary.
CONNECTIONS_ADD_REPLICA = 400
CONNECTIONS_ADD_REPLICA_REASON = (f"novacron 3 checkScalingNeeded: Connections > {CONNECTIONS_ADD_REPLICA} -> "
                                  "Add read replica (raise database.extra_replicas by 1)")


# novacron 3 checkScalingNeeded: `if usage.Storage > 85` -> "Add ... storage". Encoded three ways:
# RDS storage autoscaling (max_allocated_storage, an in-place modify, never a replacement), a
# FreeStorageSpace alarm at 15% free of allocated, and the plan flags a shard planned above 85%.
STORAGE_FULL_PCT = 85


# Autoscaling cap = 2 x allocated: a shard sized at shard_target_gb (<= allocated) may double before the
# cap; by then relay "Sharding Strategy" should have added shards (shards_needed), so hitting the cap means
# resharding is overdue, not that storage should grow without bound (and the bill with it).
STORAGE_AUTOSCALING_FACTOR = 2


# RDS for PostgreSQL gp3: at most 65,536 GiB per instance (RDS User Guide, "Amazon RDS DB instance storage").
RDS_MAX_STORAGE_GB = 65_536
GIB = 2 ** 30  # allocated_storage is GiB; CloudWatch FreeStorageSpace is bytes


# novacron 5 "promote": --backup-retention-period 7 (days of automated backups on every primary).
BACKUP_RETENTION_DAYS = 7


# novacron 5 remove_shard: --final-snapshot-identifier "$2-final-snapshot".
FINAL_SNAPSHOT_SUFFIX = "-final-snapshot"


# novacron 2 emergency-scale.sh "database": create one more read replica (`$0 up database 1`) and
# set max_connections = 1000 in the parameter group.
EMERGENCY_DB_EXTRA_REPLICAS = 1


# novacron 2 emergency-scale.sh "database": that replica is --db-instance-class db.r5.2xlarge (normal replicas:
# database.replica_instance_class, novacron 5 manage_read_replicas add: db.r5.xlarge).
EMERGENCY_REPLICA_INSTANCE_CLASS = "db.r5.2xlarge"
EMERGENCY_MAX_CONNECTIONS = 1000


# novacron 2 emergency-scale.sh "cache": --cache-node-type cache.r5.xlarge, --new-replica-count 5.
EMERGENCY_CACHE_NODE_TYPE = "cache.r5.xlarge"
EMERGENCY_CACHE_REPLICAS = 5


def pool_alarm_threshold(max_connections: int, pct: int) -> int:
    """novacron 5 manage_connection_pool: USAGE_PERCENT=$((CUR*100/MAX)) (integer division), `-gt pct`.

    The rule first fires at the smallest CUR with CUR*100 // MAX > pct, i.e. CUR >= ceil((pct+1) x MAX / 100);
    a GreaterThanThreshold alarm on the (integer) connection count therefore uses that CUR minus 1.
    """
    first = -(-(pct + 1) * max_connections // 100)  # exact integer ceil
    return first - 1


def pool_alarm_reason(max_connections: int, pct: int) -> str:
    """The threshold's derivation, as the plan and the alarm description show it."""
    first = pool_alarm_threshold(max_connections, pct) + 1
    return (f"novacron 5: $((CUR*100/{max_connections})) -gt {pct} first holds at CUR {first} "
            f"({first}*100/{max_connections} = {first * 100 // max_connections}); alarm > {first - 1}")


@dataclass(frozen=True)
class ShardPlan:
    """One shard index of the shard map; `draining` while its data moves off before removal."""

    index: int
    draining: bool  # kept only while its data migrates away (allow_shard_removal); no keys route to it


@dataclass(frozen=True)
class DatabasePlan:
    """Everything the database components encode. Counts are plain ints; reasons sit beside them."""

    engine: str
    engine_version: str
    parameter_group_family: str
    instance_class: str
    strategy: str
    sharding: str
    shards: int  # shards that hold data (the shard map routes to 0..shards-1)
    shards_reason: str
    draining_shards: tuple[int, ...]  # indexes >= shards kept until removal is confirmed
    read_replicas_per_shard: int
    read_replicas_per_shard_reason: str
    replica_instance_class: str  # normal replicas (novacron 5); emergency ones: EMERGENCY_REPLICA_INSTANCE_CLASS
    emergency_replicas_per_shard: int  # the highest replica numbers of each shard (novacron 2 emergency)
    max_connections: int
    max_connections_reason: str
    storage_gb_per_shard: int
    max_allocated_storage_gb: int | None  # RDS storage autoscaling cap (None: allocated is already the RDS max)
    storage_fill_gb: float  # planned data per shard at the end of the forecast horizon
    storage_reason: str
    multi_az: bool
    primary_region: str
    cross_region_replicas: dict[str, int]  # region -> replicas per shard there
    cross_region_reason: str
    shard_notes: tuple[str, ...] = field(default_factory=tuple)
    allow_major_version_upgrade: bool = False  # database.allow_major_version_upgrade (the RDS input)
    # Issue 17 (infra/planning/failover.py): the region whose cross-region replica 0 of every shard is promoted
    # to a standalone writer; None = the shard primaries in primary_region write.
    promoted_region: str | None = None
    writer_reason: str = ""
    # The parameter group's max_connections value: RDS's formula, or a number above it (connections.py).
    max_connections_parameter: str = ""
    # Issue 17: per shard (live and draining, in shard_indexes order) its home region, cross-region replicas and
    # writer (infra/planning/placement.py, failover.py). Empty (hand-made plans): every shard lives in
    # primary_region with `cross_region_replicas` everywhere, see `placement`.
    placements: tuple[ShardPlacement, ...] = ()

    def placement(self, index: int) -> ShardPlacement:
        """Where shard `index` lives (the planned placement, else the primary region with every cross region)."""
        for item in self.placements:
            if item.index == index:
                return item
        cross = tuple(self.cross_region_replicas)
        promoted = self.promoted_region is not None and index < self.shards
        return ShardPlacement(index=index, region=self.primary_region, region_reason="primary region",
                              cross_regions=cross, cross_per_region=max(self.cross_region_replicas.values(), default=0),
                              cross_reason=self.cross_region_reason, writer_region=self.promoted_region or "",
                              promoted=promoted, writer_reason=self.writer_reason)

    @property
    def rds_regions(self) -> tuple[str, ...]:
        """Every region holding a shard instance (homes, cross-region replicas, replicas of promoted writers)."""
        seen = [self.primary_region]
        for index in self.shard_indexes:
            item = self.placement(index)
            seen += [item.region, *item.cross_regions, *(f.region for f in item.follow)]
        return tuple(dict.fromkeys(seen))

    @property
    def writer_region(self) -> str:
        """Where the primary region's shards write: the promoted region after a failover, else the primary region."""
        return self.promoted_region or self.primary_region

    def writer_identifier(self, stack: str, index: int) -> str:
        """RDS identifier of shard `index`'s writer (the promoted cross-region replica 0 after a failover)."""
        item = self.placement(index)
        if item.promoted:
            return promoted_identifier(stack, index, item.writer)
        return shard_name(stack, index)

    def lag_alarm_replicas(self, index: int) -> list[tuple[str, int]]:
        """(region, number) of shard `index`'s cross-region replicas, each with its own ReplicaLag alarm (every
        one except a promoted writer, which has no lag; plus the promoted writer's copy in another region)."""
        item = self.placement(index)
        cross = [(region, n) for region in item.cross_regions for n in range(item.cross_per_region)
                 if not (item.promoted and region == item.writer and n == PROMOTED_REPLICA_NUMBER)]
        # the promoted writer's copy in another region is a cross-region replica too
        return cross + [(f.region, n) for f in item.follow if f.region != item.writer for n in f.numbers()]

    @property
    def shard_indexes(self) -> tuple[int, ...]:
        """Every shard the program declares: the live ones and any still draining."""
        return tuple(range(self.shards)) + self.draining_shards

    @property
    def read_replicas(self) -> int:
        """Read replicas in the primary region (draining shards keep none: no keys route to them)."""
        return self.read_replicas_per_shard * self.shards

    def replica_class(self, number: int) -> str:
        """Instance class of a shard's local replica `number`: the top `emergency_replicas_per_shard` are emergency."""
        if number >= self.read_replicas_per_shard - self.emergency_replicas_per_shard:
            return EMERGENCY_REPLICA_INSTANCE_CLASS
        return self.replica_instance_class

    @property
    def storage_fill_pct(self) -> float:
        """Planned fill of one shard's allocated storage, percent."""
        return self.storage_fill_gb * 100 / self.storage_gb_per_shard

    @property
    def free_storage_alarm_bytes(self) -> int:
        """novacron 3 Storage > 85%: FreeStorageSpace (bytes) below 15% of allocated (LessThanThreshold)."""
        return self.storage_gb_per_shard * GIB * (100 - STORAGE_FULL_PCT) // 100

    @property
    def connection_alarm_thresholds(self) -> dict[int, int]:
        """novacron 5 pool rules as DatabaseConnections thresholds (GreaterThanThreshold): percent -> connections."""
        return {pct: pool_alarm_threshold(self.max_connections, pct) for pct in (POOL_RAISE_PCT, POOL_ADD_REPLICA_PCT)}

    @property
    def connection_alarm_reasons(self) -> dict[int, str]:
        """Why each pool threshold is what it is (the runbook's integer percent arithmetic)."""
        return {pct: pool_alarm_reason(self.max_connections, pct) for pct in (POOL_RAISE_PCT, POOL_ADD_REPLICA_PCT)}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "engine": self.engine, "engine_version": self.engine_version,
            "instance_class": self.instance_class, "replica_instance_class": self.replica_instance_class,
            "emergency_replicas_per_shard": self.emergency_replicas_per_shard,
            "emergency_replica_instance_class": EMERGENCY_REPLICA_INSTANCE_CLASS,
            "region": self.primary_region,
            "sharding": self.sharding, "strategy": self.strategy,
            "shards": self.shards, "shards_reason": self.shards_reason,
            "draining_shards": list(self.draining_shards),
            "read_replicas_per_shard": self.read_replicas_per_shard,
            "read_replicas_per_shard_reason": self.read_replicas_per_shard_reason,
            "read_replicas": self.read_replicas,
            "read_replicas_reason": (f"{self.read_replicas_per_shard} per shard x {self.shards} shards "
                                     f"in {self.primary_region}"),
            "cross_region_replicas": dict(self.cross_region_replicas),
            "cross_region_replicas_reason": self.cross_region_reason,
            "max_connections": self.max_connections, "max_connections_reason": self.max_connections_reason,
            "max_connections_parameter": self.max_connections_parameter,
            "storage_gb_per_shard": self.storage_gb_per_shard,
            "max_allocated_storage_gb": self.max_allocated_storage_gb,
            "storage_fill_gb": self.storage_fill_gb, "storage_fill_pct": round(self.storage_fill_pct, 2),
            "storage_reason": self.storage_reason,
            "free_storage_alarm_bytes": self.free_storage_alarm_bytes, "multi_az": self.multi_az,
            "replica_lag_alarm_ms": REPLICA_LAG_LIMIT_MS,
            "connection_alarms": {f"{pct}%": value for pct, value in self.connection_alarm_thresholds.items()},
            "connection_alarms_reason": {f"{pct}%": r for pct, r in self.connection_alarm_reasons.items()},
            "connection_replica_alarm": CONNECTIONS_ADD_REPLICA,
            "connection_replica_alarm_reason": CONNECTIONS_ADD_REPLICA_REASON,
            "writer_region": self.writer_region, "writer_reason": self.writer_reason,
            "promoted_region": self.promoted_region,
            "shard_placement": [self._placement_dict(i) for i in self.shard_indexes],
            "notes": list(self.shard_notes),
        }


    def _placement_dict(self, index: int) -> dict[str, Any]:
        item = self.placement(index)
        writer = (f"{item.writer} cross-region replica {PROMOTED_REPLICA_NUMBER} (promoted)" if item.promoted
                  else f"{item.region} shard primary")
        alarms = [{"replica": f"{region} replica {n}", "region": region, "metric": "ReplicaLag",
                   "threshold_ms": REPLICA_LAG_LIMIT_MS,
                   "reason": f"novacron 5 manage_read_replicas sync: alert if lag > {REPLICA_LAG_LIMIT_MS} ms"}
                  for region, n in self.lag_alarm_replicas(index)]
        return item.to_dict({"writer": writer, "draining": index in self.draining_shards,
                             "local_replicas": 0 if index in self.draining_shards else self.read_replicas_per_shard,
                             "lag_alarms": alarms})


@dataclass(frozen=True)
class CachePlan:
    """The per-region ElastiCache Redis replication group: node type, replicas, version, regions."""

    node_type: str
    node_type_reason: str
    replicas: int
    replicas_reason: str
    engine_version: str
    snapshot_retention_days: int
    regions: tuple[str, ...]

    @property
    def automatic_failover(self) -> bool:
        """True with at least one replica: ElastiCache needs one to fail over to (and for Multi-AZ)."""
        return self.replicas >= 1

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "engine": "redis", "engine_version": self.engine_version,
            "node_type": self.node_type, "node_type_reason": self.node_type_reason,
            "replicas": self.replicas, "replicas_reason": self.replicas_reason,
            "automatic_failover": self.automatic_failover, "regions": list(self.regions),
            "snapshot_retention_days": self.snapshot_retention_days,
        }


def shard_name(stack: str, index: int) -> str:
    """Logical name and RDS identifier of shard `index`: stable forever, so shard 4 never renames 0-3."""
    base = re.sub(r"[^a-z0-9-]+", "-", stack.lower()).strip("-") or "stack"
    if not base[0].isalpha():
        base = f"s-{base}"
    return f"{base}-db-shard-{index}"


# novacron 5 manage_read_replicas "promote" promotes one replica: the first (number 0) cross-region replica of
# each shard in the failover region, so its logical name and identifier stay what they were as a replica.
PROMOTED_REPLICA_NUMBER = 0


def replica_identifier(stack: str, index: int, region: str | None, number: int) -> str:
    """RDS identifier of a read replica: `<shard>-replica-<n>` locally, `<shard>-<region>-replica-<n>` cross-region."""
    where = f"-{region}" if region else ""
    return f"{shard_name(stack, index)}{where}-replica-{number}"


def promoted_identifier(stack: str, index: int, region: str) -> str:
    """The cross-region replica of shard `index` that a primary-region failover promotes to its writer."""
    return replica_identifier(stack, index, region, PROMOTED_REPLICA_NUMBER)
