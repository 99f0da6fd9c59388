"""DataRegion: what the data tier needs in one region before any database exists.

Every region: a customer-managed KMS key (rotation on, alias) for its cache. Regions that hold
RDS instances (a shard's home, or a region of its cross-region replicas: DatabasePlan.rds_regions) also get the DB
subnet group (private subnets), the DB security group (5432 only from the app tiers' SG), the
parameter group carrying the plan's max_connections, and the SNS topic the data alarms notify
(encrypted with the key; CloudWatch may use the key to publish) with a subscription per `alerts` target.

The key and the subnet group are stateful: `protect` + `retain_on_delete`, and nothing that a
scaling change touches is part of their inputs, so they are never replaced.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Sequence

import pulumi
import pulumi_aws as aws

from components.naming import Naming

POSTGRES_PORT = 5432
KMS_DELETION_WINDOW_DAYS = 30  # the longest AWS allows: time to notice a mistaken key deletion


def stateful(parent: pulumi.Resource, **extra) -> pulumi.ResourceOptions:
    """Options for anything holding data or needed to read it back: never deleted by a plan change."""
    return pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True, **extra)


def key_policy(account_id: str, region: str = "*") -> str:
    """Account admins manage the key (IAM decides who); CloudWatch may encrypt alarm messages to SNS,
    only for this account's alarms (aws:SourceAccount + aws:SourceArn: the confused-deputy guard of
    "Enable compatibility between event sources from AWS services and encrypted topics", SNS guide)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdmin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "CloudWatchAlarmsToEncryptedSns", "Effect": "Allow",
             "Principal": {"Service": "cloudwatch.amazonaws.com"},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                           "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:*"}}},
        ],
    })


@dataclass(frozen=True)
class DataRegionArgs:
    """One region's data-tier network, key and (with `rds`) parameter-group inputs from the data plan."""

    naming: Naming
    region: str
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private subnets only
    app_security_group_id: pulumi.Input[str]
    rds: bool  # this region holds shard primaries or replicas
    parameter_group_family: str
    max_connections: int | str  # a number, or RDS's formula (e.g. LEAST({DBInstanceClassMemory/9531392},5000))
    # (SNS protocol, endpoint) of who the alarm topic notifies (config `alerts`, Issue 17).
    subscriptions: tuple[tuple[str, str], ...] = ()


class DataRegion(pulumi.ComponentResource):
    """KMS key + alias; with `rds`: DB subnet group, DB security group, parameter group, alarm topic."""

    def __init__(self, name: str, args: DataRegionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:database:DataRegion", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.naming.tags
        self.key = aws.kms.Key(
            f"{name}-key", description=f"{args.naming.stack} data tier in {args.region}: RDS, ElastiCache, SNS",
            enable_key_rotation=True, deletion_window_in_days=KMS_DELETION_WINDOW_DAYS,
            policy=pulumi.Output.from_input(args.account_id).apply(lambda acct: key_policy(acct, args.region)),
            tags=tags("data-key"), opts=stateful(self))
        aws.kms.Alias(f"{name}-key-alias", name=f"alias/{name}", target_key_id=self.key.key_id, opts=child)
        self.subnet_group: aws.rds.SubnetGroup | None = None
        self.security_group: aws.ec2.SecurityGroup | None = None
        self.parameter_group: aws.rds.ParameterGroup | None = None
        self.topic: aws.sns.Topic | None = None
        outputs: dict[str, object] = {"key_arn": self.key.arn}
        if args.rds:
            self.subnet_group = aws.rds.SubnetGroup(
                f"{name}-db-subnets", subnet_ids=list(args.subnet_ids),
                description="shard primaries and replicas: private subnets only",
                tags=tags("db-subnet-group"), opts=stateful(self))
            self.security_group = aws.ec2.SecurityGroup(
                f"{name}-db-sg", vpc_id=args.vpc_id,
                description="PostgreSQL: only the app tiers may connect",
                ingress=[{"protocol": "tcp", "from_port": POSTGRES_PORT, "to_port": POSTGRES_PORT,
                          "security_groups": [args.app_security_group_id], "description": "from app tiers"}],
                egress=[], tags=tags("db-sg"), opts=child)
            self.parameter_group = aws.rds.ParameterGroup(
                f"{name}-db-params", family=args.parameter_group_family,
                description="scaling-platform: max_connections from the plan, TLS required",
                parameters=[
                    # Static parameter: RDS refuses "immediate" (the runbook's ApplyMethod=immediate).
                    {"name": "max_connections", "value": str(args.max_connections), "apply_method": "pending-reboot"},
                    {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
                ],
                tags=tags("db-params"), opts=child)
            self.topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=self.key.arn,
                                       tags=tags("data-alarms"), opts=child)
            for protocol, endpoint in args.subscriptions:
                # Named by a hash of the endpoint, not its position: adding a target never renames the others.
                digest = hashlib.sha256(endpoint.encode()).hexdigest()[:8]
                aws.sns.TopicSubscription(f"{name}-alarms-{protocol}-{digest}", topic=self.topic.arn,
                                          protocol=protocol, endpoint=endpoint, opts=child)
            outputs.update(subnet_group=self.subnet_group.name, alarm_topic_arn=self.topic.arn)
        self.register_outputs(outputs)
