"""ServiceTier: one tier (api or worker) of one region — a launch template and its Auto Scaling group.

min/max come from the plan on every update; desired is set at creation only
(`ignore_changes=["desiredCapacity"]`) so `pulumi up` never fights the autoscaler.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.naming import Naming, asg_tags
from infra.model.drain import DrainPlan
from infra.model.user_data import launch_template_user_data

# Amazon Linux 2023, resolved by EC2 at launch from the public SSM parameter: no AMI id to pin per region.
AMI_SSM_PARAMETER = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
ROOT_VOLUME_GB = 30
HEALTH_CHECK_GRACE_S = 300


@dataclass(frozen=True)
class MixedInstances:
    """Spot/on-demand split (infra.planning.scaling_policy.SpotPlan); the first type is the planned rung."""

    instance_types: Sequence[str]
    on_demand_base: int
    on_demand_percentage_above_base: int
    spot_allocation_strategy: str
    spot_max_price: str | None = None  # novacron §6 max_price 'on_demand * factor' ($/h); None = on-demand cap


@dataclass(frozen=True)
class InstanceRefresh:
    """Rolling instance refresh (infra.planning.scaling_policy.RolloutPlan) with auto-rollback alarms."""

    min_healthy_percentage: int
    checkpoint_percentages: Sequence[int]
    checkpoint_delay_s: int
    auto_rollback: bool
    alarm_names: Sequence[str]


@dataclass(frozen=True)
class ServiceTierArgs:
    """What the plan decided for one tier in one region."""

    naming: Naming
    tier: str
    instance_type: str
    min_size: int
    max_size: int
    desired_capacity: int
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    instance_profile_arn: pulumi.Input[str]
    target_group_arns: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    plan_reason: str = ""
    mixed_instances: MixedInstances | None = None
    instance_refresh: InstanceRefresh | None = None
    env: Mapping[str, str] = field(default_factory=dict)  # written to /etc/scaling-platform/env by user data
    # (user data always installs the CloudWatch agent for the memory alarms: infra.model.user_data.py)
    drain: DrainPlan | None = None  # batch tiers: user data also runs the drain handler (components/drain.py)


class ServiceTier(pulumi.ComponentResource):
    """Launch template (IMDSv2 only, encrypted gp3 root, tagged) + ASG bounded by the plan."""

    def __init__(self, name: str, args: ServiceTierArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:service_tier:ServiceTier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.naming.tags(f"{args.tier}-tier", tier=args.tier)
        self.launch_template = aws.ec2.LaunchTemplate(
            f"{name}-lt", image_id=AMI_SSM_PARAMETER, instance_type=args.instance_type,
            update_default_version=True,
            iam_instance_profile={"arn": args.instance_profile_arn},
            vpc_security_group_ids=list(args.security_group_ids),
            # IMDSv2 only: a stolen SSRF request cannot read instance credentials.
            metadata_options={"http_tokens": "required", "http_endpoint": "enabled",
                              "http_put_response_hop_limit": 1, "instance_metadata_tags": "enabled"},
            block_device_mappings=[{"device_name": "/dev/xvda",
                                    "ebs": {"volume_size": ROOT_VOLUME_GB, "volume_type": "gp3",
                                            "encrypted": "true", "delete_on_termination": "true"}}],
            monitoring={"enabled": True},
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in ("instance", "volume")],
            user_data=launch_template_user_data(args.env, args.drain), tags=tags, opts=child)
        # A numbered version (not $Latest): a template change starts the instance refresh, and AWS
        # auto-rollback needs a fixed version.
        version = self.launch_template.latest_version.apply(str)
        mixed = args.mixed_instances
        self.group = aws.autoscaling.Group(
            f"{name}-asg", min_size=args.min_size, max_size=args.max_size,
            desired_capacity=args.desired_capacity, vpc_zone_identifiers=list(args.subnet_ids),
            launch_template=None if mixed else {"id": self.launch_template.id, "version": version},
            mixed_instances_policy={
                "launch_template": {
                    "launch_template_specification": {"launch_template_id": self.launch_template.id,
                                                      "version": version},
                    "overrides": [{"instance_type": t} for t in mixed.instance_types]},
                "instances_distribution": {
                    "on_demand_allocation_strategy": "prioritized",
                    "on_demand_base_capacity": mixed.on_demand_base,
                    "on_demand_percentage_above_base_capacity": mixed.on_demand_percentage_above_base,
                    "spot_allocation_strategy": mixed.spot_allocation_strategy,
                    "spot_max_price": mixed.spot_max_price}} if mixed else None,
            instance_refresh=_refresh(args.instance_refresh),
            target_group_arns=list(args.target_group_arns),
            health_check_type="ELB" if args.target_group_arns else "EC2",
            health_check_grace_period=HEALTH_CHECK_GRACE_S,
            enabled_metrics=["GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances"],
            tags=asg_tags(tags),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCapacity"]))
        self.register_outputs({"asg_name": self.group.name, "min_size": args.min_size, "max_size": args.max_size,
                               "launch_template_id": self.launch_template.id})


def _refresh(refresh: InstanceRefresh | None) -> dict | None:
    if refresh is None:
        return None
    preferences: dict = {"min_healthy_percentage": refresh.min_healthy_percentage,
                         "checkpoint_percentages": list(refresh.checkpoint_percentages),
                         "checkpoint_delay": str(refresh.checkpoint_delay_s),
                         "auto_rollback": refresh.auto_rollback}
    if refresh.alarm_names:
        preferences["alarm_specification"] = {"alarms": list(refresh.alarm_names)}
    return {"strategy": "Rolling", "preferences": preferences}
