"""Change guard: refuse what AWS cannot do to what exists, before anything is built. Pure code.

Input is explicit: the validated config, whose `deployed` section (infra/config/stateful.py) and
`database.previous_shards` say what exists, and the network plan. `scaling plan --previous OLD.json`
fills the same section from the earlier plan (infra/planning/deployed.py), so both paths run these checks.
Each refusal is a ConfigError: one line naming the key, why AWS cannot do it and what is allowed.

Refused (each against the deployed value):
- a deployed region missing from `regions` (its KMS key, cache and subnet groups are protected)
  unless `allow_region_removal: true`, which releases them with a plan note;
- a region's VPC range differing from the deployed one (AWS replaces the VPC and all on it);
- `az_count` below the deployed count (those subnets are members of the cache / DB subnet groups);
- `primary: true` moving away from the region holding the shards (RDS cannot move regions);
- `database.storage_gb_per_shard` below the deployed allocation (RDS cannot shrink storage);
- `database.engine_version` below the deployed one (no downgrades), or above it without
  `database.allow_major_version_upgrade: true`;
- `database.sharding` differing on live shards (every key would map to another shard);
- `cache.engine_version` below the deployed one (ElastiCache cannot downgrade).
Read replicas of existing shards are never dropped while shards are added: the data planner splits the
load over the deployed shards until `previous_shards` is raised (infra/planning/data_plan.py).
"""
from __future__ import annotations

from infra.config import PLATFORM_KEY, ConfigError, PlatformConfig
from infra.config.stateful import DeployedConfig, DeployedDatabase
from infra.model.data import SHARDING_STRATEGIES
from infra.model.network import NetworkPlan
from infra.planning.network import zone_name

SOURCE = "stack config"  # the CLI replaces it with the stack file's name


def _refuse(key: str, message: str) -> ConfigError:
    return ConfigError(SOURCE, f"{PLATFORM_KEY}.{key}", message)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _protected(cfg: PlatformConfig, region: str) -> str:
    """What a deployed region holds that `protect` + `retain_on_delete` guard (components/database.py, cache.py)."""
    deployed_db = cfg.deployed.database if cfg.deployed else None
    holds_db = region in (cfg.database.cross_region_replicas or ()) or (
        deployed_db is not None and deployed_db.region == region)
    return "KMS key, Redis replication group, cache subnet group" + (", DB subnet group" if holds_db else "")


def _removed_regions(cfg: PlatformConfig, deployed: DeployedConfig) -> tuple[str, ...]:
    names = {r.name for r in cfg.regions}
    gone = [r.name for r in deployed.regions if r.name not in names]
    if gone and not cfg.allow_region_removal:
        first = gone[0]
        j = deployed.region(first)[0]  # type: ignore[index]
        raise _refuse("regions", f"{first} is deployed (deployed.regions[{j}]) but missing from regions: its "
                                 f"{_protected(cfg, first)} are protected and would leave the stack; keep it in "
                                 "regions (failed_regions takes its traffic away), or set allow_region_removal: "
                                 "true to release them (README: Removing a region)")
    if not gone:
        return ()
    note = (f"allow_region_removal: {', '.join(gone)} removed from the stack; the protected, retained resources "
            f"({_protected(cfg, gone[0])}) stay in AWS: delete each cache with a final snapshot and schedule the "
            "KMS key deletion by hand, `pulumi state unprotect` them, then `pulumi up` deletes the network and "
            f"forgets them; afterwards drop {', '.join(gone)} from deployed.regions")
    return (note,)


def _region_changes(cfg: PlatformConfig, deployed: DeployedConfig, network: dict[str, NetworkPlan]) -> None:
    for i, region in enumerate(cfg.regions):
        found = deployed.region(region.name)
        if found is None:
            continue
        j, was = found
        planned = network[region.name].vpc_cidr
        if was.vpc_cidr and planned != was.vpc_cidr:
            raise _refuse(f"regions[{i}].vpc_cidr",
                          f"{planned} would replace {region.name}'s deployed VPC {was.vpc_cidr} "
                          f"(deployed.regions[{j}].vpc_cidr) and every subnet, subnet group, security group, cache "
                          f"and database on it; allowed: {was.vpc_cidr} (set regions[{i}].vpc_cidr: {was.vpc_cidr})")
        if was.az_count and region.az_count < was.az_count:
            zones = ", ".join(zone_name(region.name, k) for k in range(region.az_count, was.az_count))
            raise _refuse(f"regions[{i}].az_count",
                          f"{region.az_count} < {was.az_count} deployed (deployed.regions[{j}].az_count): the subnets "
                          f"in {zones} are members of {region.name}'s cache/DB subnet groups and AWS cannot delete a "
                          f"subnet in use; allowed: {was.az_count}..6")


def _database_changes(cfg: PlatformConfig, was: DeployedDatabase) -> None:
    db, primary = cfg.database, cfg.primary_region.name
    if was.region and primary != was.region:
        names = [r.name for r in cfg.regions]
        where = (f"keep primary: true on {was.region} (regions[{names.index(was.region)}])" if was.region in names
                 else f"keep {was.region} in regions with primary: true")
        raise _refuse("regions", f"primary: true is on {primary} but the shards live in {was.region} "
                                 "(deployed.database.region): RDS cannot move an instance to another region, so every "
                                 f"shard would be replaced; {where}")
    if was.storage_gb_per_shard and db.storage_gb_per_shard < was.storage_gb_per_shard:
        raise _refuse("database.storage_gb_per_shard",
                      f"{db.storage_gb_per_shard} < {was.storage_gb_per_shard} GB allocated on every deployed shard "
                      "(deployed.database.storage_gb_per_shard): RDS cannot shrink allocated storage; allowed: >= "
                      f"{was.storage_gb_per_shard}")
    if was.engine_version:
        new, old = int(db.engine_version), int(was.engine_version)
        if new < old:
            raise _refuse("database.engine_version",
                          f"{new} < {old} deployed (deployed.database.engine_version): RDS cannot downgrade PostgreSQL; "
                          f"allowed: {old}, or a later major version with database.allow_major_version_upgrade: true")
        if new > old and not db.allow_major_version_upgrade:
            raise _refuse("database.engine_version",
                          f"{new} is a major upgrade of the deployed {old} (deployed.database.engine_version) and "
                          "database.allow_major_version_upgrade is false; allowed: "
                          f"{old}, or set allow_major_version_upgrade: true to upgrade every shard and replica in "
                          "place (downtime; take a snapshot first)")
    if was.sharding and db.sharding != was.sharding:
        raise _refuse("database.sharding",
                      f"{db.sharding} ({SHARDING_STRATEGIES[db.sharding]}) differs from the deployed {was.sharding} "
                      f"({SHARDING_STRATEGIES[was.sharding]}, deployed.database.sharding): switching the strategy of "
                      f"live shards maps every key to another shard; allowed: {was.sharding} (another strategy "
                      "needs a new shard set and a data migration)")


def check_changes(cfg: PlatformConfig, network: dict[str, NetworkPlan]) -> tuple[str, ...]:
    """Raise ConfigError for the first change AWS cannot make to what exists; return plan notes
    (a region released by allow_region_removal). Without a `deployed` section nothing is checked."""
    deployed = cfg.deployed
    if deployed is None or not deployed.regions:
        if cfg.allow_region_removal:
            raise _refuse("allow_region_removal", "true needs deployed.regions (the regions deployed now) to name "
                                                  "the regions to remove")
        if deployed is None:
            return ()
    notes = _removed_regions(cfg, deployed)
    _region_changes(cfg, deployed, network)
    if deployed.database is not None:
        _database_changes(cfg, deployed.database)
    if deployed.cache is not None and deployed.cache.engine_version:
        new, old = cfg.cache.engine_version, deployed.cache.engine_version
        if _version(new) < _version(old):
            raise _refuse("cache.engine_version",
                          f"{new} < {old} deployed (deployed.cache.engine_version): ElastiCache cannot downgrade "
                          f"Redis; allowed: {old} or later")
    return notes
