"""The Pulumi program: read the stack config, plan capacity, build the components that encode the plan.

`infra/__main__.py` calls `main()` under the Pulumi CLI; `infra/offline/runner.py` calls it under the SDK
mocks for `scaling plan` and the tests. Nothing here decides a number: every size comes from
`infra.planning.pipeline.plan_capacity`.
"""
from __future__ import annotations

import dataclasses

import pulumi
import pulumi_aws as aws

from components.drain import WorkerDrain, WorkerDrainArgs
from components.identity import InstanceIdentity, InstanceIdentityArgs
from components.naming import Naming
from components.region import Region, RegionArgs
from components.scaling_triggers import (
    ScalingTriggers,
    ScalingTriggersArgs,
    health_alarm_names,
)
from components.schedule import CapacitySchedule, CapacityScheduleArgs
from components.service_tier import (
    InstanceRefresh,
    MixedInstances,
    ServiceTier,
    ServiceTierArgs,
)
from components.traffic import RegionEndpoint, TrafficRouting, TrafficRoutingArgs
from infra.config import PROJECT, ConfigError, PlatformConfig, parse_platform
from infra.model.capacity import (
    DRAIN_SECONDS,
    HEALTH_CHECK_INTERVAL_S,
    HEALTH_CHECK_TIMEOUT_S,
    CapacityPlan,
)
from infra.model.tiers import FRONT_TIER
from infra.program.data_tier import build_data_tier
from infra.program.edge_program import build_edge
from infra.program.monitoring_program import build_monitoring, monitoring_outputs
from infra.program.origin_lockdown import (
    cloudflare_edge_cidrs,
    cloudfront_prefix_list_id,
    edge_alias,
    health_check_prefix_list_id,
    origin_secrets,
)


def load_config() -> PlatformConfig:
    """The validated platform config of the current stack; a bad value stops the run with one line."""
    stack = pulumi.get_stack()
    raw = pulumi.Config(PROJECT).require_object("platform")
    try:
        return parse_platform(raw, f"Pulumi.{stack}.yaml", stack=stack)
    except ConfigError as err:
        raise pulumi.RunError(str(err)) from None


def aws_provider(region: str) -> aws.Provider:
    """One explicit provider per region: every regional resource names the region it lives in."""
    return aws.Provider(f"aws-{region}", region=region)


def build(cfg: PlatformConfig, plan: CapacityPlan) -> dict[str, object]:
    """Create every component from the plan; return the stack outputs."""
    stack = pulumi.get_stack()
    naming = Naming(stack=stack, environment=cfg.environment, owner=cfg.owner, cost_center=cfg.cost_center)
    providers = {r.name: aws_provider(r.name) for r in cfg.regions}
    primary = cfg.primary_region.name
    account_id = aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(provider=providers[primary])).account_id
    identity = InstanceIdentity(f"{stack}-identity", InstanceIdentityArgs(naming=naming, account_id=account_id),
                                opts=pulumi.ResourceOptions(providers={"aws": providers[primary]}))
    endpoints: list[RegionEndpoint] = []
    # Behind CloudFront, every ALB accepts only CloudFront and only with the secret origin header.
    secrets = origin_secrets(cfg)
    cloudflare_cidrs = cloudflare_edge_cidrs(cfg)  # only when Cloudflare alone fronts the ALBs
    region_outputs: dict[str, object] = {}
    built_regions: dict[str, Region] = {}
    asg_names: dict[str, dict[str, pulumi.Output[str]]] = {}
    for region_cfg in cfg.regions:
        region_plan = plan.regions[region_cfg.name]
        opts = pulumi.ResourceOptions(providers={"aws": providers[region_cfg.name]})
        region = Region(f"{stack}-{region_cfg.name}", RegionArgs(
            naming=naming, region=region_cfg.name, network=plan.network[region_cfg.name],
            health_check_path=cfg.dns.health_check_path if cfg.dns else "/health",
            health_check_interval_s=HEALTH_CHECK_INTERVAL_S,
            health_check_timeout_s=HEALTH_CHECK_TIMEOUT_S, drain_seconds=DRAIN_SECONDS,
            certificate_arn=region_cfg.certificate_arn,
            edge_prefix_list_id=cloudfront_prefix_list_id(providers[region_cfg.name]) if secrets else None,
            origin_secrets=secrets, edge_cidrs=cloudflare_cidrs, account_id=account_id,
            health_check_prefix_list_id=health_check_prefix_list_id(providers[region_cfg.name], region_cfg.name)
            if cloudflare_cidrs and cfg.dns else None), opts=opts)
        built_regions[region_cfg.name] = region
        groups = {}
        for tier_name, tier in region_plan.tiers.items():
            tier_id = f"{stack}-{region_cfg.name}-{tier_name}"
            scaling = tier.scaling
            groups[tier_name] = ServiceTier(tier_id, ServiceTierArgs(
                naming=naming, tier=tier_name, instance_type=tier.instance_type, min_size=tier.min,
                max_size=tier.max, desired_capacity=tier.desired,
                subnet_ids=[s.id for s in region.private_subnets], security_group_ids=[region.app_sg.id],
                instance_profile_arn=identity.profile.arn,
                target_group_arns=[region.target_group.arn] if tier_name == FRONT_TIER else [],
                plan_reason=tier.reason, **_scaling_tier_args(scaling, f"{tier_id}-scaling")), opts=opts)
            if scaling is not None:
                _build_scaling(tier_id, tier_name, scaling, groups[tier_name], region, naming, opts)
            if scaling is not None and scaling.drain is not None:
                WorkerDrain(f"{tier_id}-drain", WorkerDrainArgs(
                    asg_name=groups[tier_name].group.name, asg_arn=groups[tier_name].group.arn,
                    instance_role_name=identity.role.name, drain=scaling.drain), opts=opts)
        asg_names[region_cfg.name] = {name: group.group.name for name, group in groups.items()}
        endpoints.append(RegionEndpoint(region=region_cfg.name, weight=int(region_plan.weight.value),
                                        alb_dns_name=region.alb.dns_name, alb_zone_id=region.alb.zone_id,
                                        https=bool(region_cfg.certificate_arn)))
        region_outputs[region_cfg.name] = {
            "alb_dns_name": region.alb.dns_name, "weight": int(region_plan.weight.value),
            "asg_names": {name: group.group.name for name, group in groups.items()},
        }
    data_outputs = build_data_tier(cfg, plan, naming, built_regions, providers)
    # Severity topics, relay thresholds, latency failover alarms + Route53 checks (Issue 17).
    monitoring = build_monitoring(cfg, plan, naming, providers, built_regions, asg_names)
    endpoints = [dataclasses.replace(e, latency_check_id=monitoring.latency_checks.get(e.region)) for e in endpoints]
    edge_outputs = build_edge(cfg, plan, naming, providers, endpoints, origin_secret=secrets[0] if secrets else None)
    if cfg.dns:
        TrafficRouting(f"{stack}-dns", TrafficRoutingArgs(
            naming=naming, hosted_zone_id=cfg.dns.hosted_zone_id, record_name=cfg.dns.record_name,
            health_check_path=cfg.dns.health_check_path, request_interval_s=HEALTH_CHECK_INTERVAL_S,
            endpoints=endpoints, edge=edge_alias(edge_outputs) if secrets else None),
            opts=pulumi.ResourceOptions(providers={"aws": providers[primary]}))
    return {"regions": region_outputs, "capacity": plan.to_dict(), **data_outputs, **edge_outputs,
            **monitoring_outputs(monitoring)}


def _scaling_tier_args(scaling, triggers_name: str) -> dict[str, object]:
    """ServiceTier inputs from the tier's scaling plan: mixed instances, instance refresh, emergency env."""
    if scaling is None:
        return {}
    spot, rollout = scaling.spot, scaling.rollout
    return {
        "mixed_instances": MixedInstances(spot.instance_types, spot.on_demand_base,
                                          spot.on_demand_percentage_above_base, spot.allocation_strategy,
                                          spot.spot_max_price)
        if spot else None,
        "instance_refresh": InstanceRefresh(
            rollout.min_healthy_percentage, rollout.checkpoint_percentages, rollout.checkpoint_delay_s,
            rollout.auto_rollback, list(health_alarm_names(triggers_name, rollout, scaling.triggers).values())),
        "env": dict(scaling.emergency_env),
        "drain": scaling.drain,
    }


def _build_scaling(tier_id: str, tier_name: str, scaling, group: ServiceTier, region: Region, naming: Naming,
                   opts: pulumi.ResourceOptions) -> None:
    """Trigger alarms + step policies, and the scheduled floor, for one tier."""
    asg_name = group.group.name
    ScalingTriggers(f"{tier_id}-scaling", ScalingTriggersArgs(
        naming=naming, tier=tier_name, asg_name=asg_name, rules=scaling.triggers, rollout=scaling.rollout,
        load_balancer_arn_suffix=region.alb.arn_suffix if tier_name == FRONT_TIER else None,
        target_group_arn_suffix=region.target_group.arn_suffix if tier_name == FRONT_TIER else None,
        queue_name=scaling.queue_name, predictive=scaling.predictive,
        vertical_alarms=scaling.vertical_alarms), opts=opts)
    if scaling.schedule is not None and scaling.schedule.actions:
        CapacitySchedule(f"{tier_id}-schedule", CapacityScheduleArgs(
            asg_name=asg_name, time_zone=scaling.schedule.time_zone, actions=scaling.schedule.actions), opts=opts)


def main(plan: CapacityPlan | None = None) -> None:
    """Pulumi program entry point.

    `plan` lets the offline runner hand in the plan it already computed from the same config
    (planning is pure, so it is the plan this function would compute); under the CLI it is None.
    """
    cfg = load_config()
    if plan is None:
        from infra.planning.pipeline import plan_stack
        from infra.sources.metrics import HistoryError

        try:
            plan = plan_stack(cfg)
        except (ConfigError, HistoryError) as err:  # planner-level config or history errors: one line
            raise pulumi.RunError(str(err)) from None
    for key, value in build(cfg, plan).items():
        pulumi.export(key, value)
