"""Build the data tier from the plan: per region a DataRegion, a Cache and the writers' SSM parameter; the
ShardSet (shard primaries, replicas, alarms). Called once by `infra.program.main.build`.

Where the data lives is the plan's (infra/planning/placement.py): each shard's home region (the primary
region, or the region a geographic shard serves) and its cross-region replica regions; every region that
holds a shard instance gets its own KMS key, subnet group, security group, parameter group and alarm topic,
and its instances use that region's provider. Every region gets a cache.
"""
from __future__ import annotations

from typing import Mapping

import pulumi
import pulumi_aws as aws

from components.cache import Cache, CacheArgs
from components.database import DataRegion, DataRegionArgs
from components.db_endpoints import WriterEndpoints, WriterEndpointsArgs, parameter_name
from components.naming import Naming
from components.region import Region
from components.shards import DataRegionRefs, ShardSet, ShardSetArgs
from infra.config import PROJECT, PlatformConfig
from infra.model.capacity import CapacityPlan
from infra.planning.shard_map import build_shard_map
from infra.program.secrets import REDIS_AUTH_TOKEN_KEY, config_secret


def _refs(data: DataRegion) -> DataRegionRefs:
    assert data.subnet_group and data.security_group and data.parameter_group and data.topic
    return DataRegionRefs(key_arn=data.key.arn, subnet_group_name=data.subnet_group.name,
                          security_group_id=data.security_group.id,
                          parameter_group_name=data.parameter_group.name, alarm_topic_arn=data.topic.arn)


def build_data_tier(cfg: PlatformConfig, plan: CapacityPlan, naming: Naming, regions: Mapping[str, Region],
                    providers: Mapping[str, aws.Provider]) -> dict[str, object]:
    """Create the data tier; return the stack outputs `shard_map`, `database` and `caches`."""
    stack = naming.stack
    db, cache_plan = plan.database, plan.cache
    assert db is not None and cache_plan is not None
    primary = db.primary_region
    account_id = aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(provider=providers[primary])).account_id
    data: dict[str, DataRegion] = {}
    rds_regions = db.rds_regions
    others = [name for name in rds_regions if name != primary]
    caches: dict[str, Cache] = {}
    auth_token = config_secret(PROJECT, REDIS_AUTH_TOKEN_KEY, "Redis AUTH")
    for name, region in regions.items():
        opts = pulumi.ResourceOptions(providers={"aws": providers[name]})
        private = [subnet.id for subnet in region.private_subnets]
        data[name] = DataRegion(f"{stack}-{name}-data", DataRegionArgs(
            naming=naming, region=name, account_id=account_id, vpc_id=region.vpc.id, subnet_ids=private,
            app_security_group_id=region.app_sg.id, rds=name in rds_regions,
            parameter_group_family=db.parameter_group_family, max_connections=db.max_connections_parameter,
            subscriptions=cfg.alerts.subscriptions()), opts=opts)
        caches[name] = Cache(f"{stack}-{name}-cache", CacheArgs(
            naming=naming, region=name, plan=cache_plan, vpc_id=region.vpc.id, subnet_ids=private,
            app_security_group_id=region.app_sg.id, kms_key_arn=data[name].key.arn, auth_token=auth_token),
            opts=opts)
    shards = ShardSet(f"{stack}-db", ShardSetArgs(
        naming=naming, plan=db, primary=_refs(data[primary]),
        cross_regions={name: _refs(data[name]) for name in others},
        providers={name: providers[name] for name in others}),
        opts=pulumi.ResourceOptions(providers={"aws": providers[primary]}))
    shard_ids = {i: f"{stack}-db-shard-{i}" for i in range(db.shards)}
    for name in regions:
        # Issue 17: what the applications read (every region), pointing at the writers, promoted or not
        WriterEndpoints(f"{stack}-{name}-db-endpoints", WriterEndpointsArgs(
            naming=naming, region=name, addresses={shard_ids[i]: shards.writers[i].address for i in shard_ids},
            regions={shard_ids[i]: db.placement(i).writer for i in shard_ids},
            identifiers={shard_ids[i]: db.writer_identifier(stack, i) for i in shard_ids}),
            opts=pulumi.ResourceOptions(providers={"aws": providers[name]}))
    return {
        "shard_map": build_shard_map(cfg, db, stack),
        "database": {
            "region": primary, "shard_count": db.shards, "strategy": db.strategy,
            "read_replicas": db.read_replicas, "max_connections": db.max_connections,
            # What the applications connect to: each shard's writer (the promoted replica after a primary-region
            # failover, infra/planning/failover.py), so the endpoint follows the data.
            "endpoints": {name: shards.writers[i].address for i, name in
                          ((i, f"{stack}-db-shard-{i}") for i in db.shard_indexes)},
            "writer_region": db.writer_region,
            "writers": {f"{stack}-db-shard-{i}": db.writer_identifier(stack, i) for i in range(db.shards)},
            "writer_regions": {shard_ids[i]: db.placement(i).writer for i in shard_ids},
            "endpoints_parameter": parameter_name(stack),
            "alarm_topic_arn": data[primary].topic.arn if data[primary].topic else None,
        },
        "caches": {name: cache.group.primary_endpoint_address for name, cache in caches.items()},
    }
