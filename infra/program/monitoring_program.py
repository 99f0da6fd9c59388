"""Wires the monitoring plan (infra/planning/monitoring.py) into one RegionMonitoring per region.

`infra/program/main.py` `build()` calls `build_monitoring` after the regions, groups and data tier exist
and before the edge and DNS, which attach the latency health checks it returns. Nothing is decided here:
thresholds, severities and the nearest healthy region come from the plan; targets from config `alerts`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pulumi
import pulumi_aws as aws

from components.monitoring import GroupWatch, RegionMonitoring, RegionMonitoringArgs
from components.naming import Naming
from components.region import Region
from infra.config import PROJECT, PlatformConfig
from infra.model.capacity import CapacityPlan
from infra.model.monitoring import SEVERITIES, MonitoringPlan
from infra.planning.monitoring import plan_monitoring
from infra.program.secrets import config_secret


@dataclass(frozen=True)
class MonitoringBuild:
    """What the edge and DNS need from the monitoring build, and the plan section for the outputs."""

    latency_checks: dict[str, pulumi.Output[str]]  # region -> Route53 CLOUDWATCH_METRIC check id
    nearest: dict[str, str]                        # region -> nearest healthy region (latency failover)
    plan: MonitoringPlan
    topics: dict[str, dict[str, pulumi.Output[str]]]


def routed_prefixes(cfg: PlatformConfig, plan: MonitoringPlan, stack: str, region: str) -> dict[str, list[str]]:
    """Severity -> name prefixes of the alarms other components own: scaling triggers of every tier
    (components/scaling_triggers.py `<stack>-<region>-<tier>-scaling-`) and the data alarms
    (components/shards.py `<stack>-db-`)."""
    out: dict[str, list[str]] = {}
    out.setdefault(plan.family_severity["scaling"], []).extend(
        f"{stack}-{region}-{tier}-scaling-" for tier in cfg.tiers.names())
    out.setdefault(plan.family_severity["data"], []).append(f"{stack}-db-")
    return out


def build_monitoring(cfg: PlatformConfig, plan: CapacityPlan, naming: Naming, providers: Mapping[str, aws.Provider],
                     regions: Mapping[str, Region], asg_names: Mapping[str, Mapping[str, pulumi.Input[str]]]
                     ) -> MonitoringBuild:
    """One RegionMonitoring per region; returns the latency checks, nearest regions and topics."""
    stack = naming.stack
    mplan = plan_monitoring(cfg, plan, stack)
    account_id = aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(provider=providers[cfg.primary_region.name])).account_id
    secrets = {s: config_secret(PROJECT, key, f"alerts.{s}.pagerduty_secret")
               for s in SEVERITIES if (key := cfg.alerts.secret_for(s))}
    checks: dict[str, pulumi.Output[str]] = {}
    topics: dict[str, dict[str, pulumi.Output[str]]] = {}
    for name, region in regions.items():
        rule = mplan.latency[name]
        component = RegionMonitoring(f"{stack}-{name}-monitoring", RegionMonitoringArgs(
            naming=naming, region=name, account_id=account_id, severities=SEVERITIES,
            subscriptions={s: cfg.alerts.subscriptions_for(s) for s in SEVERITIES},
            secret_subscriptions=secrets,
            groups=[GroupWatch(tier, asg_names[name][tier], mplan.groups[f"{name}/{tier}"]) for tier in asg_names[name]],
            databases=[d for d in mplan.databases if d.region == name],
            latency=rule, load_balancer_arn_suffix=region.alb.arn_suffix,
            routed_prefixes=routed_prefixes(cfg, mplan, stack, name)),
            opts=pulumi.ResourceOptions(providers={"aws": providers[name]}))
        if component.latency_check is not None:
            checks[name] = component.latency_check.id
        topics[name] = {s: t.arn for s, t in component.topics.items()}
    nearest = {n: r.nearest_healthy for n, r in mplan.latency.items() if r.nearest_healthy}
    return MonitoringBuild(latency_checks=checks, nearest=nearest, plan=mplan, topics=topics)


def monitoring_outputs(built: MonitoringBuild) -> dict[str, Any]:
    """The stack output `monitoring`: the plan section and each region's severity topics."""
    return {"monitoring": {**built.plan.to_dict(), "topics": built.topics}}
