"""Data durability policies: Multi-AZ databases and caches, protected primaries with a final snapshot, and a
writer for every shard outside the failed regions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from infra.model import guardrails
from infra.model.recorded import RecordedResource
from policies.rules.base import (
    MANDATORY,
    EnvironmentName,
    Name,
    PolicyConfig,
    ResourcePolicy,
    StackEnvironment,
    StackPolicy,
    Violation,
)
from policies.rules.props import (
    CACHE_GROUP,
    RDS_INSTANCE,
    environment,
    is_primary_db,
    tags_of,
    truthy,
)

# ---------------------------------------------------------------------------- multi-az-in-prod


class MultiAzConfig(PolicyConfig):
    environment: StackEnvironment = ""
    multi_az_environments: Annotated[list[EnvironmentName], Field(
        description="Environments that must run Multi-AZ")] = list(guardrails.MULTI_AZ_ENVIRONMENTS)


RDS_SINGLE_AZ = "RDS primary is not Multi-AZ in {env} (multiAz must be true)"
CACHE_SINGLE_AZ = "ElastiCache replication group is not Multi-AZ in {env} (multiAzEnabled must be true)"


def multi_az_in_prod(resource_type: str, props: Mapping[str, Any], config: MultiAzConfig | Mapping[str, Any], *,
                     name: str = "") -> list[str]:
    """In the environments listed in `multi_az_environments` RDS primaries run Multi-AZ and cache
    replication groups have multiAzEnabled (`environment` as in asg-min-max)."""
    if resource_type not in (RDS_INSTANCE, CACHE_GROUP):
        return []
    cfg = MultiAzConfig.of(config)
    env = environment(props, cfg.environment)
    if env not in cfg.multi_az_environments:
        return []
    if resource_type == RDS_INSTANCE and is_primary_db(props) and not truthy(props.get("multiAz")):
        return [RDS_SINGLE_AZ.format(env=env)]
    if resource_type == CACHE_GROUP and not truthy(props.get("multiAzEnabled")):
        return [CACHE_SINGLE_AZ.format(env=env)]
    return []


MULTI_AZ_IN_PROD = ResourcePolicy(
    "multi-az-in-prod", "In prod, RDS primaries and cache replication groups are Multi-AZ.",
    MANDATORY, multi_az_in_prod, MultiAzConfig, (RDS_SINGLE_AZ, CACHE_SINGLE_AZ))

# ---------------------------------------------------------------------------- deletion-protection


class DeletionProtectionConfig(PolicyConfig):
    require_final_snapshot: Annotated[bool, Field(
        description="Also require skipFinalSnapshot false and a finalSnapshotIdentifier")] = True


NO_DELETION_PROTECTION = "RDS primary has no deletion protection (deletionProtection must be true)"
SKIPS_FINAL_SNAPSHOT = "RDS primary skips its final snapshot (skipFinalSnapshot must be false)"
NO_FINAL_SNAPSHOT_ID = "RDS primary has no finalSnapshotIdentifier"


def deletion_protection(resource_type: str, props: Mapping[str, Any],
                        config: DeletionProtectionConfig | Mapping[str, Any], *, name: str = "") -> list[str]:
    """RDS primaries (no replicateSourceDb) have deletionProtection and, when
    `require_final_snapshot`, keep a final snapshot."""
    if resource_type != RDS_INSTANCE or not is_primary_db(props):
        return []
    cfg = DeletionProtectionConfig.of(config)
    out: list[str] = []
    if not truthy(props.get("deletionProtection")):
        out.append(NO_DELETION_PROTECTION)
    if cfg.require_final_snapshot:
        if truthy(props.get("skipFinalSnapshot")):
            out.append(SKIPS_FINAL_SNAPSHOT)
        elif not props.get("finalSnapshotIdentifier"):
            out.append(NO_FINAL_SNAPSHOT_ID)
    return out


DELETION_PROTECTION = ResourcePolicy(
    "deletion-protection", "RDS primaries have deletion protection and keep a final snapshot.",
    MANDATORY, deletion_protection, DeletionProtectionConfig,
    (NO_DELETION_PROTECTION, SKIPS_FINAL_SNAPSHOT, NO_FINAL_SNAPSHOT_ID))

# ---------------------------------------------------------------------------- writer-in-healthy-region


class WriterRegionConfig(PolicyConfig):
    failed_regions: Annotated[list[Name], Field(
        description="Regions marked failed (the stack's failed_regions; `scaling plan` fills it in)")] = []


NO_HEALTHY_WRITER = ("shard {shard} has no writer outside the failed regions {failed}: list a healthy region "
                     "in database.cross_region_replicas so its replica can be promoted (novacron 5 promote)")


def writer_in_healthy_region(resources: list[RecordedResource],
                             config: WriterRegionConfig | Mapping[str, Any]) -> list[Violation]:
    """Issue 17: every shard (RDS instances grouped by their `shard` tag) keeps at least one writer (an
    instance without replicateSourceDb) in a region not listed in `failed_regions`; otherwise the plan
    would look deployable while no shard can take writes (infra/planning/failover.py)."""
    cfg = WriterRegionConfig.of(config)
    if not cfg.failed_regions:
        return []
    failed = set(cfg.failed_regions)
    healthy: dict[str, bool] = {}
    first: dict[str, str] = {}
    for res in resources:
        shard = tags_of(res.inputs).get("shard")
        if res.type != RDS_INSTANCE or shard is None:
            continue
        first.setdefault(shard, res.name)
        writer_ok = is_primary_db(res.inputs) and res.region is not None and res.region not in failed
        healthy[shard] = healthy.get(shard, False) or writer_ok
    listed = ", ".join(sorted(failed))
    return [Violation(first[shard], NO_HEALTHY_WRITER.format(shard=shard, failed=listed))
            for shard, ok in healthy.items() if not ok]


WRITER_IN_HEALTHY_REGION = StackPolicy(
    "writer-in-healthy-region",
    "With failed regions, every database shard keeps a writer (a promoted replica) in a healthy region.",
    MANDATORY, writer_in_healthy_region, WriterRegionConfig, (NO_HEALTHY_WRITER,))
