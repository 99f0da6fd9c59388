"""What exists, read from an earlier plan: `scaling plan --previous OLD.json` as a `deployed` section.

Pure code over the plan JSON document (DESIGN "The main job: the offline plan"). The earlier plan is what
`pulumi up` applied, so its capacity section and resources say which regions exist (with their VPC ranges
and AZ counts), where the shards live, their storage, engine version and strategy, how many shards exist
(live and draining) and the cache engine version. `with_deployed` writes that into a platform dict, so the
very checks a hand-written `deployed:` section gets (infra/planning/change_guard.py, the data planner's
replica split) run against the earlier plan; a value given on the command line wins over the stack file.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from infra.config import ConfigError

VPC_TYPE = "aws:ec2/vpc:Vpc"
EXPECTED = "need the output of `scaling plan --format json`"


def _section(doc: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = doc.get(key)
    if not isinstance(value, Mapping):
        raise ConfigError(source, key, f"missing or not an object; {EXPECTED}")
    return value


def _vpc_cidrs(doc: Mapping[str, Any]) -> dict[str, str]:
    """Region -> the cidrBlock of the VPC its provider (`aws-<region>`) created."""
    out: dict[str, str] = {}
    for res in doc.get("resources") or []:
        if isinstance(res, Mapping) and res.get("type") == VPC_TYPE and str(res.get("provider", "")).startswith("aws-"):
            cidr = (res.get("inputs") or {}).get("cidrBlock")
            if isinstance(cidr, str):
                out[str(res["provider"])[len("aws-"):]] = cidr
    return out


def deployed_from_plan(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Platform-dict fragment `{"deployed": {...}, "database": {"previous_shards": N}}` for the plan `doc`
    (read from `source`, named in errors). Values are checked when the merged config is parsed."""
    capacity = _section(doc, "capacity", source)
    regions = _section(capacity, "regions", source)
    cidrs = _vpc_cidrs(doc)
    deployed: dict[str, Any] = {"regions": []}
    for name, region in regions.items():
        entry: dict[str, Any] = {"name": name}
        if isinstance(region, Mapping) and isinstance(region.get("az_count"), int):
            entry["az_count"] = region["az_count"]
        if name in cidrs:
            entry["vpc_cidr"] = cidrs[name]
        deployed["regions"].append(entry)
    patch: dict[str, Any] = {"deployed": deployed}
    database = capacity.get("database")
    if isinstance(database, Mapping):
        deployed["database"] = {key: database[key] for key in ("region", "engine_version", "storage_gb_per_shard",
                                                                "sharding") if key in database}
        shards, draining = database.get("shards"), database.get("draining_shards") or []
        if not isinstance(shards, int) or not isinstance(draining, list):
            raise ConfigError(source, "capacity.database.shards", f"must be a whole number; {EXPECTED}")
        # Draining shards still exist (their data is moving off): they count as deployed.
        patch["database"] = {"previous_shards": shards + len(draining), **_placements(database)}
    cache = capacity.get("cache")
    if isinstance(cache, Mapping) and "engine_version" in cache:
        deployed["cache"] = {"engine_version": cache["engine_version"]}
    return patch


def _placements(database: Mapping[str, Any]) -> dict[str, Any]:
    """Issue 17: where the earlier plan put each shard (geographic: `shard_regions` pins, so adding a region
    moves none) and which writers it promoted (`promoted_shards`, so clearing failed_regions keeps them)."""
    # keys as text: a stack file's mapping keys are text ("0"), and the config model reads them as shard indexes
    pins: dict[str, str] = {}
    promoted: dict[str, str] = {}
    for item in database.get("shard_placement") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("shard"), int):
            continue
        if database.get("strategy") == "geographic" and isinstance(item.get("region"), str):
            pins[str(item["shard"])] = item["region"]
        if item.get("promoted") and isinstance(item.get("writer_region"), str):
            promoted[str(item["shard"])] = item["writer_region"]
    return {**({"shard_regions": pins} if pins else {}), **({"promoted_shards": promoted} if promoted else {})}


def with_deployed(platform: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `platform` with `patch` (from deployed_from_plan) written over its `deployed` section and
    `database.previous_shards`."""
    out = copy.deepcopy(dict(platform))
    out["deployed"] = copy.deepcopy(patch["deployed"])
    if "database" in patch:
        database = dict(out.get("database") or {})
        for key, value in patch["database"].items():
            if key in ("shard_regions", "promoted_shards"):  # the stack file's own entries win
                value = {**value, **{str(k): v for k, v in (database.get(key) or {}).items()}}
            database[key] = value
        out["database"] = database
    return out
