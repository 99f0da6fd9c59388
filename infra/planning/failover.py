"""Primary-region failure for the data tier: which cross-region replica becomes each shard's writer.

Pure (no pulumi, no boto3). novacron "4. Multi-Region Scaling" moves compute away from a failed region
(infra/planning/capacity.py); this module makes the data follow, by novacron "5. Database Scaling
Operations" manage_read_replicas `promote` (promote-read-replica, wait for db-instance-available, update the
application's endpoint):

- Per shard (infra/planning/placement.py): with its home region in `failed_regions`, the writer region is the
  first healthy region of `failover_priority` holding that shard's cross-region replicas, else the first
  healthy one of them. Replica 0 of the shard there is promoted *in place*: the component drops its
  `replicate_source_db` (an RDS promotion, same name and identifier, never a replacement) and gives it the
  primary's backups, deletion protection and final snapshot. The old primaries are kept, protected, untouched.
- The replicas follow the new writer: it gets the shard's local read replicas in its own region and a
  cross-region copy in the next healthy region of the ring (new instances numbered after the existing ones:
  nothing is re-pointed, renamed or deleted; the failed region's replicas stay as they are).
- `database.promoted_region` (shards of the primary region) and `database.promoted_shards` (per shard) record
  a promotion that was applied; `scaling plan --previous` reads them from the earlier plan. Clearing
  `failed_regions` afterwards keeps the promoted writers standalone and their replicas: leaving the failed
  state is a non-destructive plan change. Chosen over switching back automatically because RDS cannot demote a
  primary to a replica: going back is a second failover (a replica of the new writer in the old home, promoted
  during a write freeze), which an operator schedules; the plan says so in a note.
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
from infra.model.placement import FollowReplicas, ShardPlacement
from infra.planning.errors import DataPlanError
from infra.planning.placement import next_region, region_ring

# novacron 5 manage_read_replicas promote: `aws rds promote-read-replica --backup-retention-period 7`, then
# `aws rds wait db-instance-available`, then update the application's endpoint.
PROMOTE_STEPS = (
    "aws rds promote-read-replica --db-instance-identifier {ident} --backup-retention-period {days} "
    "(what `pulumi up` does by dropping replicate_source_db)",
    "aws rds wait db-instance-available --db-instance-identifier {ident}",
    "point the applications at the stack output database.endpoints (now the promoted writers)",
)


def failover_region(cfg: PlatformConfig, regions: tuple[str, ...] | None = None) -> str | None:
    """The healthy region whose replica takes over the writes: failover_priority order first, then the order
    of `regions` (a shard's cross-region replica regions; default database.cross_region_replicas); None when
    no healthy region holds one."""
    held = regions if regions is not None else tuple(cfg.database.cross_region_replicas or ())
    holders = [r for r in held if r not in cfg.failed_regions]
    ranked = [r for r in cfg.failover_priority if r in holders] + [r for r in holders if r not in cfg.failover_priority]
    return ranked[0] if ranked else None


def _steps(ident: str) -> str:
    return "; ".join(f"({n}) " + step.format(ident=ident, days=BACKUP_RETENTION_DAYS)
                     for n, step in enumerate(PROMOTE_STEPS, start=1))


def _recorded(cfg: PlatformConfig, item: ShardPlacement, primary: str) -> tuple[str | None, str]:
    """The promotion recorded for this shard (region, config key), checked against its replica regions."""
    db = cfg.database
    if item.index in db.promoted_shards:
        region, key = db.promoted_shards[item.index], f"database.promoted_shards.{item.index}"
    elif db.promoted_region and item.region == primary:
        region, key = db.promoted_region, "database.promoted_region"
    else:
        return None, ""
    if region not in item.cross_regions:
        raise DataPlanError(key, f"{region!r} holds no cross-region replica of shard {item.index} to promote; "
                                 f"allowed: {', '.join(item.cross_regions) or '(none: list it in cross_region_replicas)'}")
    return region, key


def _follow(cfg: PlatformConfig, plan: DatabasePlan, item: ShardPlacement, writer: str) -> tuple[FollowReplicas, ...]:
    """The promoted writer's own replicas: local read replicas in its region, a copy in the next healthy one."""
    def taken(region: str) -> int:  # replica numbers the shard's cross-region replicas already use there
        return item.cross_per_region if region in item.cross_regions else 0

    out = []
    if plan.read_replicas_per_shard:
        out.append(FollowReplicas(writer, taken(writer), plan.read_replicas_per_shard,
                                  f"the shard's {plan.read_replicas_per_shard} local read replicas (read_replicas_per_"
                                  f"shard) follow the writer to {writer}; {item.region}'s stay, not deleted"))
    after = next_region(region_ring(cfg), writer, skip=(item.region, *cfg.failed_regions))
    if after is not None:
        out.append(FollowReplicas(after, taken(after), max(1, item.cross_per_region),
                                  f"cross-region copy of the new writer: the next healthy region after {writer} in "
                                  f"the failover ring (not the old home {item.region})"))
    return tuple(out)


def _shards_text(indexes: list[int]) -> str:
    if indexes == list(range(indexes[0], indexes[-1] + 1)) and len(indexes) > 1:
        return f"shards {indexes[0]}..{indexes[-1]}"
    return ("shard " if len(indexes) == 1 else "shards ") + ", ".join(map(str, indexes))


def plan_data_failover(cfg: PlatformConfig, plan: DatabasePlan) -> DatabasePlan:
    """The database plan with every shard's writer decided (its home region unless that region failed or a
    promotion is recorded)."""
    primary = plan.primary_region
    placed: list[ShardPlacement] = []
    moved: dict[tuple[str, str], list[int]] = {}  # (failed home, new writer region) -> shards promoted now
    kept: dict[tuple[str, str, str], list[int]] = {}  # (home, writer, config key) -> shards recorded as promoted
    stuck: dict[str, list[int]] = {}  # failed home -> shards without a healthy replica to promote
    for item in (plan.placement(i) for i in plan.shard_indexes):
        live = item.index < plan.shards
        recorded, key = _recorded(cfg, item, primary) if live else (None, "")
        failed = item.region in cfg.failed_regions
        target = recorded or (failover_region(cfg, item.cross_regions) if failed and live else None)
        if target is None:
            if failed and live:
                stuck.setdefault(item.region, []).append(item.index)
                placed.append(dataclasses.replace(item, writer_reason=f"home region {item.region} failed; no healthy "
                                                                      "cross-region replica to promote"))
            else:
                placed.append(item)
            continue
        if recorded:
            kept.setdefault((item.region, target, key.rsplit(".", 1)[0] if key.count(".") > 1 else key),
                            []).append(item.index)
            why = (f"{key} {target}: replica {PROMOTED_REPLICA_NUMBER} there was promoted (novacron 5 promote) and "
                   f"stays the standalone writer until an operator switches back; {item.region}'s old primary is "
                   "kept, protected")
        else:
            moved.setdefault((item.region, target), []).append(item.index)
            why = (f"home region {item.region} is in failed_regions: replica {PROMOTED_REPLICA_NUMBER} in {target} "
                   f"(first healthy region of failover_priority holding this shard's cross-region replicas) is "
                   f"promoted (novacron 5 manage_read_replicas promote)")
        placed.append(dataclasses.replace(item, writer_region=target, promoted=True, writer_reason=why,
                                          follow=_follow(cfg, plan, item, target)))
    notes = plan.shard_notes + tuple(_stuck_note(cfg, home, shards) for home, shards in stuck.items())
    notes += tuple(_promote_note(home, region, shards, primary) for (home, region), shards in moved.items())
    notes += tuple(_kept_note(home, region, key, shards) for (home, region, key), shards in kept.items())
    primary_writers = {p.writer for p in placed if p.region == primary and p.index < plan.shards}
    promoted_region = next(iter(primary_writers)) if primary_writers and primary not in primary_writers else None
    first = next((p for p in placed if p.region == primary), placed[0] if placed else None)
    if first is not None and first.promoted:
        reason = first.writer_reason
    elif primary in cfg.failed_regions and stuck:
        reason = f"primary region {primary} failed; no replica to promote"
    else:
        reason = f"primary region {primary} (regions[].primary) is healthy"
    return dataclasses.replace(plan, placements=tuple(placed), promoted_region=promoted_region, writer_reason=reason,
                               shard_notes=notes)


def _stuck_note(cfg: PlatformConfig, home: str, shards: list[int]) -> str:
    what = "PRIMARY REGION" if home == cfg.primary_region.name else "REGION"
    return (f"{what} {home} FAILED and no healthy region holds cross-region replicas of {_shards_text(shards)} "
            f"(database.cross_region_replicas: "
            f"{', '.join(cfg.database.cross_region_replicas or []) or 'none'}): no such shard can take writes "
            f"outside {home}; nothing is promoted and the shard primaries stay there (kept, not deleted). Add a "
            f"healthy region to database.cross_region_replicas before a failure; now restore from snapshots "
            f"(novacron 5) by hand. Policy writer-in-healthy-region fails this plan.")


def _promote_note(home: str, region: str, shards: list[int], primary: str) -> str:
    ident = f"<stack>-db-shard-<i>-{region}-replica-{PROMOTED_REPLICA_NUMBER}"  # infra.model.data.promoted_identifier
    what = "primary region" if home == primary else "region"
    record = (f"database.promoted_region: {region}" if home == primary else
              "database.promoted_shards: {" + ", ".join(f"{i}: {region}" for i in shards) + "}")
    return (f"novacron 5 promote, {what} {home} failed: writers move to {region} ({_shards_text(shards)}: "
            f"<stack>-db-shard-<i> -> {ident}). "
            f"Data-loss window: writes not yet replicated when {home} failed are lost, i.e. up to the replicas' "
            f"ReplicaLag at that moment (the lag alarm keeps it under {REPLICA_LAG_LIMIT_MS} ms while healthy; "
            f"read the last ReplicaLag datapoint before promoting). Steps: {_steps(ident)}. "
            f"Then set {record} in the stack file (or plan with --previous), so clearing failed_regions later "
            f"keeps the promoted writers (RDS cannot demote them). The old primaries in {home} are kept, protected, "
            f"never deleted: do not write to them (split brain); the new writers get their own read replicas and "
            f"a cross-region copy, alarms and the SSM endpoint parameters follow them; other regions' replicas "
            f"of the old primaries still follow those and are retired by hand once {home} is back.")


def _kept_note(home: str, region: str, key: str, shards: list[int]) -> str:
    return (f"{key}: {_shards_text(shards)} write in {region} (promoted from {home}); the promoted writer "
            f"stays the writer until an operator switches back, because RDS cannot demote a primary to a replica "
            f"and an automatic switch would lose writes. To switch back: add a replica of the writer in {home}, "
            f"freeze writes, let ReplicaLag reach 0, promote it, repoint, then record the new writer here.")
