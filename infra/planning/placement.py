"""Where each shard lives (Issue 17 "Cross-region data" and "Strategies that hold"). Pure code.

- Home region: hash, time and replicated shards are one global data set, written in the primary region.
  Geographic shards (relay "Sharding Strategy": content -> geographic) live in the regions they serve:
  `database.shard_regions` pins a shard to a region; an unpinned shard i goes round robin over `regions` in
  stack-file order (regions[i mod R]). The round robin alone would move shards when a region is added, so
  the deployed shards are pinned first: by hand in the stack file or, with `scaling plan --previous OLD.json`,
  from the earlier plan (infra/planning/deployed.py); a pinned shard never moves.
- Cross-region read replicas: `database.cross_region_replicas` lists the regions explicitly (every shard gets
  replicas there, except in its own home); left unset, every shard of a prod stack gets one in the next region
  of the failover ring after its home (`region_ring`: primary, then failover_priority, then the other regions;
  novacron "4. Multi-Region Scaling" failover_rules priority), so a failed home always has a copy to promote.
  The ring ignores `failed_regions`: marking a region failed must never move a replica (a delete and a create).
"""
from __future__ import annotations

from infra.config import PlatformConfig
from infra.model.data import SHARDING_STRATEGIES
from infra.model.placement import (
    CROSS_REGION_DEFAULT_ENVIRONMENTS,
    ShardPlacement,
    failover_ring,
    ring_next,
)
from infra.planning.errors import DataPlanError


def region_ring(cfg: PlatformConfig) -> list[str]:
    """Configured regions in failover order: the primary, then failover_priority, then the rest (file order)."""
    return failover_ring(cfg.primary_region.name, cfg.failover_priority, [r.name for r in cfg.regions])


def next_region(ring: list[str], region: str, skip: tuple[str, ...] = ()) -> str | None:
    """The first region after `region` around the ring that is neither `region` nor in `skip`."""
    return ring_next(ring, region, skip)


def _check_inputs(cfg: PlatformConfig, geographic: bool) -> None:
    db, names, primary = cfg.database, [r.name for r in cfg.regions], cfg.primary_region.name
    for i, region in enumerate(db.cross_region_replicas or []):
        if region not in names or (region == primary and not geographic):
            raise DataPlanError(f"database.cross_region_replicas[{i}]",
                                f"{region!r} must be a configured region other than the primary {primary}; "
                                f"allowed: {', '.join(n for n in names if n != primary) or '(none)'}")
    if db.shard_regions and not geographic:
        raise DataPlanError("database.shard_regions",
                            f"pins shards to regions, which only geographic sharding (sharding: content) does; "
                            f"sharding {db.sharding} keeps every shard in the primary region {primary}")
    for index, region in db.shard_regions.items():
        if region not in names:
            raise DataPlanError(f"database.shard_regions.{index}",
                                f"{region!r} is not a configured region; allowed: {', '.join(names)}")


def _home(cfg: PlatformConfig, index: int, geographic: bool) -> tuple[str, str]:
    primary = cfg.primary_region.name
    if not geographic:
        return primary, f"primary region {primary}: {cfg.database.sharding} shards are one global data set"
    pinned = cfg.database.shard_regions.get(index)
    if pinned:
        return pinned, f"geographic: database.shard_regions pins shard {index} to {pinned}"
    names = [r.name for r in cfg.regions]
    region = names[index % len(names)]
    return region, (f"geographic: shard {index} serves regions[{index} mod {len(names)}] = {region} (round robin in "
                    f"stack-file order; pin it in database.shard_regions before adding a region)")


def _cross(cfg: PlatformConfig, ring: list[str], home: str) -> tuple[tuple[str, ...], str]:
    db = cfg.database
    if db.cross_region_replicas is not None:
        regions = tuple(r for r in db.cross_region_replicas if r != home)
        return regions, ("database.cross_region_replicas" + (f" (without the home region {home})"
                                                             if len(regions) < len(db.cross_region_replicas) else "")
                         if regions else "none: database.cross_region_replicas lists no region besides the home")
    if cfg.environment not in CROSS_REGION_DEFAULT_ENVIRONMENTS:
        return (), (f"none: {cfg.environment} is not one of {', '.join(CROSS_REGION_DEFAULT_ENVIRONMENTS)} (set "
                    "database.cross_region_replicas to add them)")
    after = next_region(ring, home)
    if after is None:
        return (), f"none: {home} is the only configured region"
    return (after,), (f"default in {cfg.environment}: the region after {home} in the failover ring "
                      f"({' -> '.join(ring)}: primary, failover_priority, the rest) = {after}")


def plan_placements(cfg: PlatformConfig, indexes: tuple[int, ...]) -> tuple[ShardPlacement, ...]:
    """Home region and cross-region replica regions of every shard in `indexes` (writers: failover.py)."""
    geographic = SHARDING_STRATEGIES[cfg.database.sharding] == "geographic"
    _check_inputs(cfg, geographic)
    ring = region_ring(cfg)
    out = []
    for index in indexes:
        home, why = _home(cfg, index, geographic)
        cross, cross_why = _cross(cfg, ring, home)
        per = cfg.database.cross_region_replicas_per_shard
        out.append(ShardPlacement(index=index, region=home, region_reason=why, cross_regions=cross,
                                  cross_per_region=per if cross else 0,
                                  cross_reason=cross_why + (f"; {per} per region (database.cross_region_replicas_per_"
                                                            "shard)" if cross else ""),
                                  writer_region=home, writer_reason=f"home region {home} is healthy"))
    return tuple(out)
