"""Data-tier planner: shards, read replicas, connection limits and the cache, each with a reason.

Pure (no pulumi, no boto3). `components/database.py`, `components/shards.py` and
`components/cache.py` only encode what this module decides. Every runbook rule lives here once,
as a named constant or function, with a comment citing its section:

- relay "Database Scaling" -> "Sharding Strategy" (DatabaseSharding): shard count and strategy.
- relay "Database Scaling" -> "Read Replicas" (ReadReplicaScaling.calculateReplicaNeeds).
- novacron "5. Database Scaling Operations": replication lag, connection pool rules, add/remove shard.
- novacron "2. Manual Scaling Procedures" (emergency-scale.sh): emergency database and cache.
- novacron "3. Capacity Planning" checkScalingNeeded: Storage > 85% (autoscaling, alarm, plan flag) and
  Connections > 400 (add a read replica alarm).

Where the data tier lives (infra/planning/placement.py): hash, time and replicated shards are one global
data set in the **primary region**; geographic shards live in the regions they serve. Every shard gets
cross-region read replicas (by default in prod: the next region of the failover ring). Every region gets its
own cache.
"""
from __future__ import annotations

import math

from infra.config import DatabaseConfig, PlatformConfig
from infra.model.catalog import CACHE_NODE_TYPES
from infra.model.data import (
    EMERGENCY_CACHE_NODE_TYPE,
    EMERGENCY_CACHE_REPLICAS,
    EMERGENCY_DB_EXTRA_REPLICAS,
    EMERGENCY_MAX_CONNECTIONS,
    EMERGENCY_REPLICA_INSTANCE_CLASS,
    POOL_ADD_REPLICA_PCT,
    RDS_MAX_STORAGE_GB,
    SHARDING_STRATEGIES,
    STORAGE_AUTOSCALING_FACTOR,
    STORAGE_FULL_PCT,
    CachePlan,
    DatabasePlan,
)

# Multi-AZ environments are also enforced by the policy pack: named once in infra/model/guardrails.py.
from infra.model.guardrails import MULTI_AZ_ENVIRONMENTS  # noqa: F401 (re-exported)
from infra.planning.connections import REBOOT_NOTE, plan_max_connections
from infra.planning.errors import DataPlanError  # noqa: F401 (re-exported: raised by this planner)
from infra.planning.placement import plan_placements

# relay "Read Replicas" calculateReplicaNeeds: (read share above, reads per replica); else branch below.
REPLICA_RULES: tuple[tuple[float, float], ...] = (
    (0.9, 1000.0),  # very read-heavy: 1 replica per 1000 reads/s
    (0.7, 2000.0),  # moderately read-heavy: 1 per 2000 reads/s
)
BALANCED_READS_PER_REPLICA = 5000.0  # balanced or write-heavy: max(1, ceil(reads / 5000))
MIN_BALANCED_REPLICAS = 1
# RDS for PostgreSQL allows at most 15 read replicas per source instance (RDS User Guide,
# "Working with DB instance read replicas", quotas; 2026).
RDS_MAX_REPLICAS_PER_SOURCE = 15


# MULTI_AZ_ENVIRONMENTS (the runbook's replicas: --multi-az true): infra/model/guardrails.py.
# Growth per month -> per forecast horizon: a month is 30 days (novacron "3. Capacity Planning").
DAYS_PER_MONTH = 30


def parameter_group_family(engine: str, engine_version: str) -> str:
    """RDS parameter group family of an engine major version: "postgres" + "16" -> "postgres16"."""
    return f"{engine}{engine_version}"


# The family of DatabaseConfig's default engine and major version (components' default).
DEFAULT_PARAMETER_GROUP_FAMILY = parameter_group_family(
    DatabaseConfig.model_fields["engine"].default, DatabaseConfig.model_fields["engine_version"].default)


def _ceil(value: float) -> int:
    # Guard float noise: 9500/1000 must be 10 even if represented as 10.000000000000002.
    return math.ceil(round(value, 9))


# ---------------------------------------------------------------------------------------------
# relay "Sharding Strategy": createShardingPlan projectedShards.


def shards_needed(size_gb: float, growth_gb_month: float, forecast_days: int, shard_target_gb: float) -> tuple[int, str]:
    """ceil((size + growth/month x days/30) / target), at least 1."""
    growth = growth_gb_month * forecast_days / DAYS_PER_MONTH
    projected = size_gb + growth
    raw = _ceil(projected / shard_target_gb)
    count = max(1, raw)
    reason = (f"ceil(({size_gb:g} GB + {growth_gb_month:g} GB/month x {forecast_days}/{DAYS_PER_MONTH} months) / "
              f"{shard_target_gb:g} GB per shard) = ceil({projected:g} / {shard_target_gb:g}) = {raw}")
    if count != raw:
        reason += ", at least 1"
    return count, reason


# relay "Read Replicas": calculateReplicaNeeds.


def replicas_needed(read_qps: float, write_qps: float) -> tuple[int, str]:
    """ceil(read/1000) if reads > 90% of load, ceil(read/2000) if > 70%, else max(1, ceil(read/5000))."""
    total = read_qps + write_qps
    share = read_qps / total if total > 0 else 0.0
    head = f"reads {read_qps:g}/({read_qps:g} + {write_qps:g}) = {share:.1%}"
    for above, per_replica in REPLICA_RULES:
        if share > above:
            count = _ceil(read_qps / per_replica)
            return count, f"{head} > {above:.0%}: ceil({read_qps:g} / {per_replica:g}) = {count}"
    count = max(MIN_BALANCED_REPLICAS, _ceil(read_qps / BALANCED_READS_PER_REPLICA))
    return count, (f"{head} <= {REPLICA_RULES[-1][0]:.0%}: max({MIN_BALANCED_REPLICAS}, "
                   f"ceil({read_qps:g} / {BALANCED_READS_PER_REPLICA:g})) = {count}")


def plan_storage(projected_gb: float, shards: int, allocated_gb: int) -> tuple[int | None, float, str, tuple[str, ...]]:
    """novacron 3 Storage > 85%: autoscaling cap, planned fill per shard, reason, and a note when above 85%.

    The planner flags a shard planned above 85% but does not raise allocated_storage itself: a value
    derived from the plan would go down when a shard is added (less data per shard), and RDS cannot
    shrink storage; autoscaling (up to the cap) and the FreeStorageSpace alarm cover the gap instead,
    and raising database.storage_gb_per_shard (only ever upward) is the operator's explicit step.
    """
    limit = min(allocated_gb * STORAGE_AUTOSCALING_FACTOR, RDS_MAX_STORAGE_GB)
    cap: int | None = limit
    fill = round(projected_gb / shards, 6)
    pct = fill * 100 / allocated_gb
    if limit > allocated_gb:
        auto = (f"autoscaling up to {STORAGE_AUTOSCALING_FACTOR} x {allocated_gb} = {cap} GB"
                + (f" (RDS max {RDS_MAX_STORAGE_GB})" if cap == RDS_MAX_STORAGE_GB else ""))
    else:
        cap, auto = None, f"no autoscaling: {allocated_gb} GB is the RDS maximum"
    reason = (f"{projected_gb:g} GB / {shards} shards = {fill:g} GB per shard = {pct:.1f}% of {allocated_gb} GB "
              f"allocated; {auto}; FreeStorageSpace alarm below {100 - STORAGE_FULL_PCT}% free "
              f"(novacron 3: Storage > {STORAGE_FULL_PCT}% -> add storage)")
    notes: tuple[str, ...] = ()
    if pct > STORAGE_FULL_PCT:
        needed = _ceil(fill * 100 / STORAGE_FULL_PCT)
        reason += f"; above {STORAGE_FULL_PCT}% at plan time"
        notes = (f"novacron 3 checkScalingNeeded: each shard is planned {pct:.1f}% full ({fill:g} of {allocated_gb} GB) "
                 f"> {STORAGE_FULL_PCT}%: raise database.storage_gb_per_shard to >= {needed} (in place; never lowered) "
                 f"or lower shard_target_gb for more shards; until then storage autoscaling"
                 + (f" (up to {cap} GB)" if cap else " (unavailable)") + " and the FreeStorageSpace alarm cover it",)
    return cap, fill, reason, notes


def _emergency_applies(cfg: PlatformConfig, target: str) -> bool:
    return cfg.emergency.mode == "up" and cfg.emergency.target in (target, "all")


def _plan_shard_count(cfg: PlatformConfig) -> tuple[int, str, tuple[int, ...], tuple[str, ...]]:
    db = cfg.database
    needed, reason = shards_needed(db.size_gb, db.growth_gb_month, cfg.demand.forecast_days, db.shard_target_gb)
    if needed < db.min_shards:
        needed, reason = db.min_shards, f"{reason}; raised to database.min_shards {db.min_shards}"
    if needed > db.max_shards:
        raise DataPlanError("database.max_shards",
                            f"the data needs {needed} shards ({reason}) but max_shards is {db.max_shards}; "
                            "raise max_shards or shard_target_gb (<= storage_gb_per_shard)")
    previous = db.previous_shards
    if previous is None or needed >= previous:
        if previous is not None and needed > previous:
            reason += f"; adds shards {previous}..{needed - 1} (shards 0..{previous - 1} unchanged)"
        return needed, reason, (), ()
    if not db.allow_shard_removal:
        raise DataPlanError("database.previous_shards",
                            f"{previous} shards are deployed but the plan needs {needed} ({reason}); shards are never "
                            "removed implicitly: keep min_shards >= previous_shards, or set "
                            "database.allow_shard_removal: true to drain shards "
                            f"{needed}..{previous - 1} (novacron 5 remove_shard)")
    draining = tuple(range(needed, previous))
    note = (f"novacron 5 remove_shard: shards {needed}..{previous - 1} are draining: no keys route to them, they are "
            "unprotected and deleted with a final snapshot once database.previous_shards is lowered to "
            f"{needed} after their data has migrated")
    return needed, f"{reason}; {previous} deployed, allow_shard_removal: draining {len(draining)}", draining, (note,)


def plan_database(cfg: PlatformConfig) -> DatabasePlan:
    """Shards, replicas per shard and max_connections for the stack (data tier in the primary region)."""
    db = cfg.database
    primary = cfg.primary_region.name
    shards, shards_reason, draining, notes = _plan_shard_count(cfg)
    # Issue 17: each shard's home and cross-region replica regions (infra/planning/placement.py)
    placements = plan_placements(cfg, tuple(range(shards)) + draining)
    strategy = SHARDING_STRATEGIES[db.sharding]

    # relay "Read Replicas": per shard, with load split evenly over shards. A replicated shard
    # (governance) holds everything, so each receives every write and 1/N of the reads.
    # Issue 14: new shards hold no data until their keys have moved (novacron 5 add_shard), so while the plan
    # adds shards the load is still split over the deployed ones: their read replicas are never cut before
    # the data has moved. Raising database.previous_shards after the move lets the replicas follow the split.
    holders = min(shards, db.previous_shards) if db.previous_shards else shards
    held = (f"{holders} deployed shards (shards {holders}..{shards - 1} hold no data until their keys have moved; "
            f"then raise database.previous_shards to {shards})") if holders < shards else f"{shards} shards"
    shard_reads = db.read_qps / holders
    shard_writes = db.write_qps if strategy == "replicated" else db.write_qps / holders
    split = (f"per shard: {db.read_qps:g} reads/s / {held} = {shard_reads:g}, "
             + (f"every write on every replicated shard = {shard_writes:g}" if strategy == "replicated"
                else f"{db.write_qps:g} writes/s / {holders} = {shard_writes:g}"))
    per_shard, rule_reason = replicas_needed(shard_reads, shard_writes)
    reason = f"{split}; {rule_reason}"
    emergency = 0
    if _emergency_applies(cfg, "database"):
        emergency = EMERGENCY_DB_EXTRA_REPLICAS
        per_shard += emergency
        reason += (f"; emergency up {cfg.emergency.target}: +{emergency} {EMERGENCY_REPLICA_INSTANCE_CLASS} "
                   f"(novacron 2) = {per_shard}")
    if db.extra_replicas:
        per_shard += db.extra_replicas
        reason += (f"; database.extra_replicas +{db.extra_replicas} (novacron 5: pool > {POOL_ADD_REPLICA_PCT}% adds a "
                   f"replica) = {per_shard}")
    cross = {region: p.cross_per_region for p in placements for region in p.cross_regions}
    most_cross = max((len(p.cross_regions) * p.cross_per_region for p in placements), default=0)
    room = RDS_MAX_REPLICAS_PER_SOURCE - most_cross
    if per_shard > room:
        reason += (f"; capped at {room}: RDS allows {RDS_MAX_REPLICAS_PER_SOURCE} replicas per source"
                   + (f" and {most_cross} are cross-region" if most_cross else ""))
        notes += (f"read replicas capped at {room} per shard; add shards (lower shard_target_gb) for more read "
                  "capacity",)
        per_shard = room
        emergency = min(emergency, per_shard)
    reason += (f"; class {db.replica_instance_class} (database.replica_instance_class; novacron 5 "
               "manage_read_replicas add)" + (f", emergency {EMERGENCY_REPLICA_INSTANCE_CLASS}" if emergency else ""))

    # Issue 17: the engine's default for the class first; the runbooks' raises only upward (connections.py).
    connections = plan_max_connections(
        db.instance_class, db.max_connections,
        EMERGENCY_MAX_CONNECTIONS if _emergency_applies(cfg, "database") else None)
    max_conn, conn_reason = connections.limit, connections.reason
    if connections.raised:
        notes += (f"max_connections {connections.parameter} on every shard instance: {REBOOT_NOTE}",)

    projected = db.size_gb + db.growth_gb_month * cfg.demand.forecast_days / DAYS_PER_MONTH
    # Issue 17: a replicated shard (governance) holds every key, so it is sized for the whole data set.
    holding = 1 if strategy == "replicated" else shards
    cap, fill, storage_reason, storage_notes = plan_storage(projected, holding, db.storage_gb_per_shard)
    if strategy == "replicated":
        storage_reason = f"replicated: each of the {shards} shards holds all the data; {storage_reason}"
    notes += storage_notes

    reasons = sorted({p.cross_reason for p in placements})
    cross_reason = "; ".join(reasons) if cross else (reasons[0] if reasons else "none")
    return DatabasePlan(
        engine=db.engine, engine_version=db.engine_version,
        parameter_group_family=parameter_group_family(db.engine, db.engine_version),
        instance_class=db.instance_class, strategy=strategy, sharding=db.sharding,
        shards=shards, shards_reason=f"{shards_reason}; strategy {strategy} (relay: {db.sharding} -> {strategy})",
        draining_shards=draining, read_replicas_per_shard=per_shard, read_replicas_per_shard_reason=reason,
        replica_instance_class=db.replica_instance_class, emergency_replicas_per_shard=emergency,
        max_connections=max_conn, max_connections_reason=conn_reason,
        max_connections_parameter=connections.parameter, storage_gb_per_shard=db.storage_gb_per_shard,
        max_allocated_storage_gb=cap, storage_fill_gb=fill, storage_reason=storage_reason,
        multi_az=cfg.environment in MULTI_AZ_ENVIRONMENTS, primary_region=primary,
        cross_region_replicas=cross, cross_region_reason=cross_reason, shard_notes=notes,
        allow_major_version_upgrade=db.allow_major_version_upgrade, placements=placements)


# ---------------------------------------------------------------------------------------------
# ElastiCache (novacron 2 emergency "cache").


def _larger_node(configured: str, floor: str) -> str:
    # CACHE_NODE_TYPES is ordered smallest to largest; emergency never shrinks a bigger node.
    return max(configured, floor, key=CACHE_NODE_TYPES.index)


def plan_cache(cfg: PlatformConfig) -> CachePlan:
    """Node type and replica count of every region's Redis replication group."""
    cache = cfg.cache
    node, node_reason = cache.node_type, f"cache.node_type {cache.node_type}"
    replicas, replicas_reason = cache.replicas, f"cache.replicas {cache.replicas}"
    if _emergency_applies(cfg, "cache"):
        node = _larger_node(cache.node_type, EMERGENCY_CACHE_NODE_TYPE)
        node_reason += f"; emergency up {cfg.emergency.target}: at least {EMERGENCY_CACHE_NODE_TYPE} (novacron 2) = {node}"
        replicas = max(cache.replicas, EMERGENCY_CACHE_REPLICAS)
        replicas_reason += (f"; emergency up {cfg.emergency.target}: at least {EMERGENCY_CACHE_REPLICAS} replicas "
                            f"(novacron 2) = {replicas}")
    if replicas < 1:
        replicas_reason += "; no replica: automatic failover and Multi-AZ are off"
    return CachePlan(node_type=node, node_type_reason=node_reason, replicas=replicas, replicas_reason=replicas_reason,
                     engine_version=cache.engine_version, snapshot_retention_days=cache.snapshot_retention_days,
                     regions=tuple(r.name for r in cfg.regions))
