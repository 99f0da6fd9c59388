"""The Pulumi program: read the stack config, plan capacity, build the components that encode the plan.

`infra/__main__.py` calls `main()` under the Pulumi CLI; `infra/offline.py` calls it under the SDK
mocks for `scaling plan` and the tests. Nothing here decides a number: every size comes from
`infra.capacity.plan_capacity`.
"""
from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.identity import InstanceIdentity, InstanceIdentityArgs
from components.naming import Naming
from components.region import Region, RegionArgs
from components.service_tier import ServiceTier, ServiceTierArgs
from components.traffic import RegionEndpoint, TrafficRouting, TrafficRoutingArgs
from infra import capacity
from infra.config import PROJECT, ConfigError, PlatformConfig, parse_platform
from infra.edge_program import build_edge


def load_config() -> PlatformConfig:
    """The validated platform config of the current stack; a bad value stops the run with one line."""
    stack = pulumi.get_stack()
    raw = pulumi.Config(PROJECT).require_object("platform")
    try:
        return parse_platform(raw, f"Pulumi.{stack}.yaml")
    except ConfigError as err:
        raise pulumi.RunError(str(err)) from None


def aws_provider(region: str) -> aws.Provider:
    """One explicit provider per region: every regional resource names the region it lives in."""
    return aws.Provider(f"aws-{region}", region=region)


def build(cfg: PlatformConfig, plan: capacity.CapacityPlan) -> dict[str, object]:
    """Create every component from the plan; return the stack outputs."""
    stack = pulumi.get_stack()
    naming = Naming(stack=stack, environment=cfg.environment, owner=cfg.owner, cost_center=cfg.cost_center)
    providers = {r.name: aws_provider(r.name) for r in cfg.regions}
    primary = cfg.primary_region.name
    identity = InstanceIdentity(f"{stack}-identity", InstanceIdentityArgs(naming=naming),
                                opts=pulumi.ResourceOptions(providers={"aws": providers[primary]}))
    endpoints: list[RegionEndpoint] = []
    region_outputs: dict[str, object] = {}
    for index, region_cfg in enumerate(cfg.regions):
        region_plan = plan.regions[region_cfg.name]
        opts = pulumi.ResourceOptions(providers={"aws": providers[region_cfg.name]})
        region = Region(f"{stack}-{region_cfg.name}", RegionArgs(
            naming=naming, region=region_cfg.name, vpc_cidr_index=index, az_count=region_plan.az_count,
            health_check_path=cfg.dns.health_check_path if cfg.dns else "/health",
            health_check_interval_s=capacity.HEALTH_CHECK_INTERVAL_S,
            health_check_timeout_s=capacity.HEALTH_CHECK_TIMEOUT_S, drain_seconds=capacity.DRAIN_SECONDS,
            certificate_arn=region_cfg.certificate_arn), opts=opts)
        groups = {}
        for tier_name, tier in region_plan.tiers.items():
            groups[tier_name] = ServiceTier(f"{stack}-{region_cfg.name}-{tier_name}", ServiceTierArgs(
                naming=naming, tier=tier_name, instance_type=tier.instance_type, min_size=tier.min,
                max_size=tier.max, desired_capacity=tier.desired,
                subnet_ids=[s.id for s in region.private_subnets], security_group_ids=[region.app_sg.id],
                instance_profile_arn=identity.profile.arn,
                target_group_arns=[region.target_group.arn] if tier_name == "api" else [],
                plan_reason=tier.reason), opts=opts)
        endpoints.append(RegionEndpoint(region=region_cfg.name, weight=int(region_plan.weight.value),
                                        alb_dns_name=region.alb.dns_name, alb_zone_id=region.alb.zone_id,
                                        https=bool(region_cfg.certificate_arn)))
        region_outputs[region_cfg.name] = {
            "alb_dns_name": region.alb.dns_name, "weight": int(region_plan.weight.value),
            "asg_names": {name: group.group.name for name, group in groups.items()},
        }
    if cfg.dns:
        TrafficRouting(f"{stack}-dns", TrafficRoutingArgs(
            naming=naming, hosted_zone_id=cfg.dns.hosted_zone_id, record_name=cfg.dns.record_name,
            health_check_path=cfg.dns.health_check_path, request_interval_s=capacity.HEALTH_CHECK_INTERVAL_S,
            endpoints=endpoints), opts=pulumi.ResourceOptions(providers={"aws": providers[primary]}))
    return {"regions": region_outputs, "capacity": plan.to_dict(), **build_edge(cfg, plan, naming, providers, endpoints)}


def main() -> None:
    """Pulumi program entry point."""
    cfg = load_config()
    plan = capacity.plan_capacity(cfg)
    for key, value in build(cfg, plan).items():
        pulumi.export(key, value)
