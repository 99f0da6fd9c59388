"""Primary-region failure for the data tier: which cross-region replica becomes each shard's writer.

Pure (no pulumi, no boto3). novacron "4. Multi-Region Scaling" moves compute away from a failed region
(infra/planning/capacity.py); this module makes the data follow, by novacron "5. Database Scaling
Operations" manage_read_replicas `promote` (promote-read-replica, wait for db-instance-available, update the
application's endpoint):

- With the primary region in `failed_regions`, the writer region is the first healthy region of
  `failover_priority` that holds cross-region replicas (`database.cross_region_replicas`), else the first
  healthy one in that list. Replica 0 of every shard there is promoted *in place*: the component drops its
  `replicate_source_db` (an RDS promotion, same name and identifier, never a replacement) and gives it the
  primary's backups, deletion protection and final snapshot. The old primaries are kept, protected, untouched.
- `database.promoted_region` records a promotion that was applied, so clearing `failed_regions` afterwards
  keeps the promoted writers standalone (RDS cannot demote a primary back to a replica): leaving the failed
  state is a non-destructive plan change too.
- Without any healthy cross-region replica there is nothing to promote: the plan says so in a note, and the
  mandatory policy `writer-in-healthy-region` (policies/rules/failover.py) fails the plan (exit 1): a plan
  that looks fine while no shard can take writes would be worse than a red one.
"""
from __future__ import annotations

import dataclasses

from infra.config import PlatformConfig
from infra.model.data import (
    BACKUP_RETENTION_DAYS,
    PROMOTED_REPLICA_NUMBER,
    REPLICA_LAG_LIMIT_MS,
    DatabasePlan,
)

# novacron 5 manage_read_replicas promote: `aws rds promote-read-replica --backup-retention-period 7`, then
# `aws rds wait db-instance-available`, then update the application's endpoint.
PROMOTE_STEPS = (
    "aws rds promote-read-replica --db-instance-identifier {ident} --backup-retention-period {days} "
    "(what `pulumi up` does by dropping replicate_source_db)",
    "aws rds wait db-instance-available --db-instance-identifier {ident}",
    "point the applications at the stack output database.endpoints (now the promoted writers)",
)


def failover_region(cfg: PlatformConfig) -> str | None:
    """The healthy region whose replicas take over the writes: failover_priority order first, then the
    order of database.cross_region_replicas; None when no healthy region holds cross-region replicas."""
    holders = [r for r in cfg.database.cross_region_replicas if r not in cfg.failed_regions]
    ranked = [r for r in cfg.failover_priority if r in holders] + [r for r in holders if r not in cfg.failover_priority]
    return ranked[0] if ranked else None


def _steps(ident: str) -> str:
    return "; ".join(f"({n}) " + step.format(ident=ident, days=BACKUP_RETENTION_DAYS)
                     for n, step in enumerate(PROMOTE_STEPS, start=1))


def plan_data_failover(cfg: PlatformConfig, plan: DatabasePlan) -> DatabasePlan:
    """The database plan with its writer region decided (unchanged while the primary region is healthy
    and no promotion is recorded)."""
    primary = plan.primary_region
    recorded = cfg.database.promoted_region
    if recorded:
        reason = (f"database.promoted_region {recorded}: the shards' replica 0 there was promoted (novacron 5 "
                  f"promote) and stays the standalone writer; {primary}'s old primaries are kept, protected")
        return dataclasses.replace(plan, promoted_region=recorded, writer_reason=reason)
    if primary not in cfg.failed_regions:
        return dataclasses.replace(plan, writer_reason=f"primary region {primary} (regions[].primary) is healthy")
    region = failover_region(cfg)
    if region is None:
        note = (f"PRIMARY REGION {primary} FAILED and no healthy region holds cross-region replicas "
                f"(database.cross_region_replicas: {', '.join(cfg.database.cross_region_replicas) or 'none'}): "
                f"no shard can take writes outside {primary}; nothing is promoted and the shard primaries stay "
                f"there (kept, not deleted). Add a healthy region to database.cross_region_replicas before a "
                f"failure; now restore from snapshots (novacron 5) by hand. Policy writer-in-healthy-region fails "
                f"this plan.")
        return dataclasses.replace(plan, writer_reason=f"primary region {primary} failed; no replica to promote",
                                   shard_notes=plan.shard_notes + (note,))
    reason = (f"primary region {primary} is in failed_regions: replica 0 of every shard in {region} (first "
              f"healthy region of failover_priority holding database.cross_region_replicas) is promoted "
              f"(novacron 5 manage_read_replicas promote)")
    ident = f"<stack>-db-shard-<i>-{region}-replica-{PROMOTED_REPLICA_NUMBER}"  # infra.model.data.promoted_identifier
    writers = f"shards 0..{plan.shards - 1}: <stack>-db-shard-<i> -> {ident}"
    note = (f"novacron 5 promote, primary region {primary} failed: writers move to {region} ({writers}). "
            f"Data-loss window: writes not yet replicated when {primary} failed are lost, i.e. up to the replicas' "
            f"ReplicaLag at that moment (the lag alarm keeps it under {REPLICA_LAG_LIMIT_MS} ms while healthy; "
            f"read the last ReplicaLag datapoint before promoting). Steps: {_steps(ident)}. "
            f"Then set database.promoted_region: {region} in the stack file, so clearing failed_regions later keeps "
            f"the promoted writers (RDS cannot demote them). The old primaries in {primary} are kept, protected, "
            f"never deleted: do not write to them (split brain); other regions' replicas still follow them and "
            f"must be re-created from the new writers by hand once {primary} is back.")
    return dataclasses.replace(plan, promoted_region=region, writer_reason=reason,
                               shard_notes=plan.shard_notes + (note,))
