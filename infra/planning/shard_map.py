"""The shard map: which shard holds a key, for each relay "Sharding Strategy". Pure code.

Published as the stack output `shard_map` and (by `scaling plan --out`) as `shard_map.json`;
applications route with the same rules as `route()` below. One invariant for every strategy:
**adding shard N moves keys only to shard N, never between existing shards** (shards are
numbered 0..N-1 forever; a new shard always gets the next index).

- hash (user): jump consistent hash (Lamping & Veach, 2014, arXiv:1406.2294) of a 64-bit key
  hash. Going from N to N+1 shards moves 1/(N+1) of the keys in expectation, all to the new one.
- time (transaction): consecutive ranges of months per shard from `database.time_epoch_month`;
  the last shard's range is open. A new shard closes the last range at its planned end, so only
  months not yet written move.
- geographic (content): shard i lives in and serves its home region (infra/planning/placement.py:
  database.shard_regions pins, else regions[i mod R] in stack-file order); a region with several shards
  spreads its keys over them by jump hash; a region without a shard of its own (fewer shards than
  regions) uses one shard picked by jump hash of the region name.
- replicated (governance): every shard holds every key: write to all, read from any.
"""
from __future__ import annotations

import hashlib
from typing import Any

from infra.config import PlatformConfig
from infra.model.data import DatabasePlan, replica_identifier, shard_name
from infra.planning.data_plan import plan_database
from infra.planning.failover import plan_data_failover

# Time sharding: months per shard = shard_target_gb / growth_gb_month (the months a shard takes to
# fill, relay createShardingPlan's target size); 12 when the data does not grow.
DEFAULT_MONTHS_PER_SHARD = 12
KEY_HASH = "blake2b digest_size=8 of the UTF-8 key, read big-endian (unsigned 64-bit)"
# The 64-bit LCG multiplier of Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm"
# (2014), Fig. 1; Guava, go-jump and the other ports use the same, so any client routes keys like us.
_JUMP_MULTIPLIER = 2862933555777941757
_MASK64 = (1 << 64) - 1


def key_hash(key: str) -> int:
    """Unsigned 64-bit hash of a key (see KEY_HASH); stable across processes and languages."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


def jump_hash(key: int, buckets: int) -> int:
    """Jump consistent hash: bucket in [0, buckets) for a 64-bit key (Lamping & Veach, Fig. 1)."""
    if buckets < 1:
        raise ValueError("buckets must be >= 1")
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _JUMP_MULTIPLIER + 1) & _MASK64
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b


def months_per_shard(cfg: PlatformConfig) -> int:
    """Months of growth one shard holds: shard_target_gb // growth_gb_month (at least 1);
    DEFAULT_MONTHS_PER_SHARD when there is no growth."""
    db = cfg.database
    if db.growth_gb_month <= 0:
        return DEFAULT_MONTHS_PER_SHARD
    return max(1, int(db.shard_target_gb // db.growth_gb_month))


def _add_months(month: str, count: int) -> str:
    year, mon = (int(part) for part in month.split("-"))
    total = year * 12 + (mon - 1) + count
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _geographic(regions: list[str], plan: DatabasePlan) -> dict[str, list[int]]:
    """Region -> the live shards living there (plan placements); a region without one borrows a shard."""
    owned: dict[str, list[int]] = {name: [] for name in regions}
    for index in range(plan.shards):
        owned.setdefault(plan.placement(index).region, []).append(index)
    return {name: (idx if idx else [jump_hash(key_hash(name), plan.shards)]) for name, idx in owned.items()}


def _shard_entry(plan: DatabasePlan, stack: str, index: int) -> dict[str, Any]:
    item = plan.placement(index)
    cross = plan.lag_alarm_replicas(index)
    # components/shards.py names each cross-region replica's ReplicaLag alarm `<replica logical name>-lag`
    return {"index": index, "identifier": shard_name(stack, index), "region": item.region,
            "writer": plan.writer_identifier(stack, index), "writer_region": item.writer,
            "cross_region_replicas": [{"identifier": replica_identifier(stack, index, region, n), "region": region,
                                       "lag_alarm": f"{stack}-db-shard-{index}-{region}-replica-{n}-lag"}
                                      for region, n in cross]}


def build_shard_map(cfg: PlatformConfig, plan: DatabasePlan, stack: str) -> dict[str, Any]:
    """The shard map document (JSON-serialisable) for the stack's live shards."""
    shards = [_shard_entry(plan, stack, i) for i in range(plan.shards)]
    doc: dict[str, Any] = {
        "stack": stack, "sharding": plan.sharding, "strategy": plan.strategy, "shard_count": plan.shards,
        "shards": shards,
        "draining": [shard_name(stack, i) for i in plan.draining_shards],
    }
    if plan.strategy == "hash":
        doc["hash"] = {"algorithm": "jump consistent hash (Lamping & Veach 2014)", "key_hash": KEY_HASH,
                       "rule": "shard = jump_hash(key_hash(key), shard_count)"}
    elif plan.strategy == "time":
        step = months_per_shard(cfg)
        epoch = cfg.database.time_epoch_month
        doc["time"] = {
            "months_per_shard": step, "epoch": epoch,
            "ranges": [{"shard": i, "from": _add_months(epoch, i * step),
                        "to": None if i == plan.shards - 1 else _add_months(epoch, (i + 1) * step)}
                       for i in range(plan.shards)],
            "rule": "key is a month YYYY-MM (or a date starting with one); from <= month < to; months before "
                    "the epoch go to shard 0",
        }
    elif plan.strategy == "geographic":
        doc["geographic"] = {
            "regions": _geographic([r.name for r in cfg.regions], plan),
            "rule": "key is '<region>/<id>'; shard = region_shards[jump_hash(key_hash(key), len(region_shards))]",
        }
    else:
        doc["replicated"] = {"write": "every shard", "read": "any shard", "rule": "every shard holds every key"}
    return doc


def shard_map_for(cfg: PlatformConfig, stack: str) -> dict[str, Any]:
    """Shard map of a validated config: what `scaling plan --out` writes as shard_map.json."""
    return build_shard_map(cfg, plan_data_failover(cfg, plan_database(cfg)), stack)


def route(shard_map: dict[str, Any], key: str) -> tuple[int, ...]:
    """Indexes of the shards that hold `key` (one, except for replicated: all)."""
    count = shard_map["shard_count"]
    strategy = shard_map["strategy"]
    if strategy == "hash":
        return (jump_hash(key_hash(key), count),)
    if strategy == "time":
        month = key[:7]
        for item in shard_map["time"]["ranges"]:
            if item["to"] is None or month < item["to"]:
                return (item["shard"],)
        raise AssertionError("the last time range is open")  # pragma: no cover
    if strategy == "geographic":
        region = key.split("/", 1)[0]
        own = shard_map["geographic"]["regions"].get(region)
        if own is None:
            raise KeyError(f"unknown region {region!r} in key {key!r}")
        return (own[jump_hash(key_hash(key), len(own))],)
    return tuple(range(count))
