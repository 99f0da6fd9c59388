"""Data tier sections: RDS (shards, replicas, connections) and ElastiCache.

Pure (no pulumi, no boto3). Defaults are the runbook numbers, cited where they are defined.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from infra.config.base import AwsRegionName, CacheNodeType, DbInstanceClass, Section
from infra.config.errors import KeyPathError


def _major_text(value: Any) -> Any:
    """`engine_version: 16` (a YAML number) means "16"."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _index_keys(value: Any) -> Any:
    """Shard-index keys: YAML gives ints, the program's JSON config gives "0"; both mean shard 0."""
    if isinstance(value, dict):
        return {int(k) if isinstance(k, str) and k.isdigit() else k: v for k, v in value.items()}
    return value


# shard index -> region (database.shard_regions, database.promoted_shards)
ShardRegionMap = Annotated[dict[Annotated[int, Field(ge=0, le=1023)], AwsRegionName], Field(max_length=1024),
                           BeforeValidator(_index_keys)]


def _version_text(value: Any) -> Any:
    """`engine_version: 7.0` (a YAML number) means "7.0"."""
    if isinstance(value, float):
        return f"{value:.1f}"
    return _major_text(value)


class DatabaseConfig(Section):
    """RDS sizing inputs (relay "Database Scaling", novacron "5. Database Scaling Operations").

    Defaults are the runbook numbers; `infra/planning/data_plan.py` turns them into shards, replicas and
    max_connections, each with a reason.
    """

    engine: Literal["postgres"] = "postgres"
    # Major version only: RDS applies minor upgrades itself (auto_minor_version_upgrade), so the pin
    # never drifts; the parameter group family is "postgres<major>".
    engine_version: Annotated[Literal["14", "15", "16", "17"], BeforeValidator(_major_text)] = "16"
    instance_class: DbInstanceClass = "db.r5.2xlarge"  # novacron 5 add_shard: --db-instance-class db.r5.2xlarge
    # novacron 5 manage_read_replicas add: --db-instance-class db.r5.xlarge (normal read replicas; the
    # emergency replica keeps novacron 2's db.r5.2xlarge). A class change is an in-place RDS modify.
    replica_instance_class: DbInstanceClass = "db.r5.xlarge"
    read_qps: Annotated[float, Field(ge=0, le=1e9)] = 0
    write_qps: Annotated[float, Field(ge=0, le=1e9)] = 0
    size_gb: Annotated[float, Field(ge=0, le=1e7)] = 0
    growth_gb_month: Annotated[float, Field(ge=0, le=1e7)] = 0
    shard_target_gb: Annotated[float, Field(ge=1, le=1e6)] = 1000
    sharding: Literal["user", "transaction", "content", "governance"] = "user"
    # novacron 5 add_shard: --allocated-storage 1000 (GB of gp3 per shard primary).
    storage_gb_per_shard: Annotated[int, Field(ge=20, le=65_536)] = 1000
    # novacron 5 manage_connection_pool: pool > 80% -> raise max_connections. None (default): RDS's own
    # formula for the instance class (infra/planning/connections.py); a value only applies above it.
    max_connections: Annotated[int | None, Field(ge=20, le=10_000)] = None
    # novacron 5: pool > 90% -> `manage_read_replicas add`. The 90% alarm asks the operator to raise this
    # (read replicas added to every shard on top of the relay "Read Replicas" formula).
    extra_replicas: Annotated[int, Field(ge=0, le=15)] = 0
    # Regions (besides a shard's home region) that get read replicas of every shard (local reads, DR copy).
    # None (default): Issue 17 "Cross-region data": in prod (infra.model.placement.CROSS_REGION_DEFAULT_ENVIRONMENTS)
    # each shard gets one in the region after its home in the failover ring (primary, then failover_priority,
    # then the other regions: infra/planning/placement.py); elsewhere none. [] turns them off explicitly.
    cross_region_replicas: Annotated[list[AwsRegionName] | None, Field(max_length=16)] = None
    cross_region_replicas_per_shard: Annotated[int, Field(ge=1, le=5)] = 1
    # Issue 17: after a primary-region failover has been applied (`pulumi up` promoted replica 0 of every shard
    # in this region), name the region here so the promoted writers stay standalone when `failed_regions` is
    # cleared again: RDS cannot turn a promoted instance back into a replica. None = no promotion done.
    promoted_region: AwsRegionName | None = None
    # The same record per shard (shard index -> region whose replica 0 became its writer), for shards whose home
    # is not the primary region (geographic sharding); `scaling plan --previous` fills it from the earlier plan.
    promoted_shards: ShardRegionMap = {}
    # Geographic sharding (sharding: content): shard index -> its home region, pinned. Unpinned shards go round
    # robin over `regions` in stack-file order (infra/planning/placement.py); pin the deployed shards (or plan
    # with --previous, which pins them from the earlier plan) before adding a region, so none moves.
    shard_regions: ShardRegionMap = {}
    # Shard safety (Issue 5): shards are never removed implicitly. `previous_shards` is the count now
    # deployed (stack output database.shard_count); planning fewer needs allow_shard_removal: true.
    min_shards: Annotated[int, Field(ge=1, le=1024)] = 1
    max_shards: Annotated[int, Field(ge=1, le=1024)] = 64
    previous_shards: Annotated[int | None, Field(ge=1, le=1024)] = None
    allow_shard_removal: bool = False
    # A major engine_version upgrade of live shards (RDS upgrades in place, with downtime) needs this
    # explicit true (the RDS input of the same name); with `deployed.database` the plan refuses it otherwise.
    allow_major_version_upgrade: bool = False
    # Time-based sharding (sharding: transaction): month the first shard's range starts.
    time_epoch_month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="a month YYYY-MM")] = "2024-01"

    @field_validator("cross_region_replicas")
    @classmethod
    def _unique_regions(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("a region is listed twice; list each region once")
        return value

    @model_validator(mode="after")
    def _shard_bounds(self) -> "DatabaseConfig":
        if self.shard_target_gb > self.storage_gb_per_shard:
            raise KeyPathError("database.shard_target_gb",
                            f"{self.shard_target_gb:g} > storage_gb_per_shard {self.storage_gb_per_shard}: a shard "
                            "would outgrow its allocated storage; need shard_target_gb <= storage_gb_per_shard")
        if self.min_shards > self.max_shards:
            raise KeyPathError("database.min_shards", f"{self.min_shards} > max_shards {self.max_shards}; need min <= max")
        if self.allow_shard_removal and self.previous_shards is None:
            raise KeyPathError("database.allow_shard_removal",
                            "true needs database.previous_shards (the shard count deployed now) to name the "
                            "shards to remove")
        return self


class CacheConfig(Section):
    """ElastiCache Redis per region (novacron "2. Manual Scaling Procedures" emergency cache)."""

    node_type: CacheNodeType = "cache.r5.large"
    replicas: Annotated[int, Field(ge=0, le=5)] = 2
    engine_version: Annotated[Literal["6.2", "7.0", "7.1"], BeforeValidator(_version_text)] = "7.1"
    snapshot_retention_days: Annotated[int, Field(ge=1, le=35)] = 7
