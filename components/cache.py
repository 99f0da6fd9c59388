"""Cache: one region's Redis replication group (ElastiCache), sized by infra/data_plan.plan_cache.

Node type and replica count change in place: the group id is derived from the stack and region
only (never from the node type), and `num_cache_clusters`/`node_type` are updatable inputs, so a
bigger cache (e.g. emergency cache.r5.xlarge x 5 replicas, novacron 2) modifies the running group
(`apply_immediately`, as the runbook's --apply-immediately) instead of replacing it. The group and
its subnet group are protected and retained on delete.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pulumi
import pulumi_aws as aws

from components.database import stateful
from components.naming import Naming, short_name
from infra.model.data import FINAL_SNAPSHOT_SUFFIX, CachePlan

REDIS_PORT = 6379
REPLICATION_GROUP_ID_MAX = 40  # ElastiCache limit on replication_group_id
# "Modifying the AUTH token on an existing cluster" (ElastiCache user guide): ROTATE accepts the new
# token next to the old one (or none), so adding AUTH to a running group has no downtime.
AUTH_TOKEN_STRATEGY = "ROTATE"


@dataclass(frozen=True)
class CacheArgs:
    """One region's cache plan, its private network, the app tiers' security group and the KMS key."""

    naming: Naming
    region: str
    plan: CachePlan
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private subnets only
    app_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    # Redis AUTH (with the TLS already required): a secret from Pulumi config. ROTATE adds it to a
    # running group without dropping connected clients; see README "Security" for the SET step.
    auth_token: pulumi.Input[str] | None = None


class Cache(pulumi.ComponentResource):
    """Subnet group, security group (6379 only from the app tiers), encrypted Multi-AZ replication group."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:cache:Cache", name, None, opts)
        tags = args.naming.tags
        plan = args.plan
        group_id = short_name(name.lower(), REPLICATION_GROUP_ID_MAX)
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets", subnet_ids=list(args.subnet_ids), description="Redis: private subnets only",
            tags=tags("cache-subnet-group"), opts=stateful(self))
        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description="Redis: only the app tiers may connect",
            ingress=[{"protocol": "tcp", "from_port": REDIS_PORT, "to_port": REDIS_PORT,
                      "security_groups": [args.app_security_group_id], "description": "from app tiers"}],
            egress=[], tags=tags("cache-sg"), opts=pulumi.ResourceOptions(parent=self))
        self.group = aws.elasticache.ReplicationGroup(
            f"{name}-rg", replication_group_id=group_id,
            description=f"{args.naming.stack} Redis in {args.region}",
            engine="redis", engine_version=plan.engine_version, port=REDIS_PORT,
            node_type=plan.node_type, num_cache_clusters=1 + plan.replicas,
            automatic_failover_enabled=plan.automatic_failover, multi_az_enabled=plan.automatic_failover,
            at_rest_encryption_enabled=True, kms_key_id=args.kms_key_arn, transit_encryption_enabled=True,
            subnet_group_name=subnets.name, security_group_ids=[security_group.id],
            snapshot_retention_limit=plan.snapshot_retention_days,
            final_snapshot_identifier=f"{group_id}{FINAL_SNAPSHOT_SUFFIX}",
            auto_minor_version_upgrade=True, apply_immediately=True,
            auth_token=args.auth_token, auth_token_update_strategy=AUTH_TOKEN_STRATEGY if args.auth_token else None,
            tags=tags("cache", region=args.region), opts=stateful(self))
        self.register_outputs({"replication_group_id": self.group.id,
                               "primary_endpoint": self.group.primary_endpoint_address})
