"""The planned side of `scaling status` and `scaling emergency`: what the plan's recorded resources say
each live resource should be (group sizes and types, scheduled actions, alarms, RDS instances, the
parameter group's max_connections, caches). Pure: reads `RecordedResource`s, nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from infra.model.recorded import RecordedResource

ASG = "aws:autoscaling/group:Group"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SCHEDULE = "aws:autoscaling/schedule:Schedule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RDS = "aws:rds/instance:Instance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
AUTO_SUFFIX = re.compile(r"[0-9a-f]{7}")  # Pulumi auto-naming: `<logical name>-<7 hex>`


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _tags(inputs: Mapping[str, Any]) -> dict[str, str]:
    tags = inputs.get("tags") or {}
    if isinstance(tags, list):  # ASG tag blocks
        return {t["key"]: t["value"] for t in tags if isinstance(t, Mapping) and "key" in t}
    return dict(tags) if isinstance(tags, Mapping) else {}


@dataclass(frozen=True)
class PlannedGroup:
    """One planned Auto Scaling group and its scheduled actions (by action name)."""

    logical_name: str
    region: str
    tier: str
    min_size: int
    max_size: int
    desired: int
    instance_types: tuple[str, ...]
    actions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # Schedule inputs by action name


@dataclass(frozen=True)
class PlannedDb:
    """One planned RDS instance."""

    identifier: str
    region: str
    instance_class: str
    source: str | None
    parameter_group: str | None  # logical name of its parameter group
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedCache:
    """One planned replication group."""

    group_id: str
    region: str
    node_type: str
    nodes: int


@dataclass(frozen=True)
class PlannedState:
    """Everything `scaling status` compares, taken from one plan."""

    groups: tuple[PlannedGroup, ...]
    alarms: Mapping[str, str]  # alarm name -> region
    databases: tuple[PlannedDb, ...]
    parameters: Mapping[str, Mapping[str, str]]  # parameter group logical name -> name -> value
    caches: tuple[PlannedCache, ...]
    regions: tuple[str, ...]
    auto_named: frozenset[str] = frozenset()  # alarms without a `name` input: AWS name = logical + suffix

    def alarm_of(self, live_name: str) -> str | None:
        """The planned alarm a live alarm name stands for: the same name, or an auto-named alarm's
        logical name plus Pulumi's `-<7 hex>` suffix."""
        if live_name in self.alarms:
            return live_name
        base, _, suffix = live_name.rpartition("-")
        return base if base in self.auto_named and AUTO_SUFFIX.fullmatch(suffix) else None

    def group(self, region: str, tier: str) -> PlannedGroup | None:
        """The planned group of `tier` in `region`, or None."""
        return next((g for g in self.groups if g.region == region and g.tier == tier), None)


def planned_state(resources: Iterable[RecordedResource], regions: Iterable[str]) -> PlannedState:
    """Read the planned values out of the plan's recorded resources."""
    resources = list(resources)
    templates = {r.name: r.inputs.get("instanceType") for r in resources if r.type == LAUNCH_TEMPLATE}
    actions: dict[str, dict[str, Mapping[str, Any]]] = {}
    for r in resources:
        if r.type == SCHEDULE:
            actions.setdefault(str(r.inputs.get("autoscalingGroupName")), {})[
                str(r.inputs.get("scheduledActionName"))] = dict(r.inputs)
    groups = []
    for r in resources:
        if r.type != ASG or not r.region:
            continue
        tier = _tags(r.inputs).get("tier", "")
        mixed = ((r.inputs.get("mixedInstancesPolicy") or {}).get("launchTemplate") or {}).get("overrides") or []
        types = [o["instanceType"] for o in mixed if o.get("instanceType")]
        if not types and templates.get(r.name.removesuffix("-asg") + "-lt"):
            types = [templates[r.name.removesuffix("-asg") + "-lt"]]
        groups.append(PlannedGroup(
            logical_name=r.name, region=r.region, tier=tier, min_size=int(r.inputs["minSize"]),
            max_size=int(r.inputs["maxSize"]), desired=int(r.inputs.get("desiredCapacity", r.inputs["minSize"])),
            instance_types=tuple(sorted(set(types))), actions=actions.get(r.name, {})))
    databases = tuple(PlannedDb(
        identifier=str(r.inputs.get("identifier") or r.name), region=r.region or "",
        instance_class=str(r.inputs.get("instanceClass")), source=r.inputs.get("replicateSourceDb"),
        parameter_group=r.inputs.get("parameterGroupName"), tags=_tags(r.inputs))
        for r in resources if r.type == RDS)
    parameters = {r.name: {str(p["name"]): str(p["value"]) for p in r.inputs.get("parameters") or []}
                  for r in resources if r.type == PARAMETER_GROUP}
    caches = tuple(PlannedCache(group_id=str(r.inputs.get("replicationGroupId") or r.name), region=r.region or "",
                                node_type=str(r.inputs.get("nodeType")), nodes=int(r.inputs.get("numCacheClusters", 1)))
                   for r in resources if r.type == CACHE)
    alarms = {str(r.inputs.get("name") or r.name): r.region or "" for r in resources if r.type == ALARM}
    auto = frozenset(r.name for r in resources if r.type == ALARM and not r.inputs.get("name"))
    return PlannedState(groups=tuple(groups), alarms=alarms, databases=databases, parameters=parameters,
                        caches=caches, regions=tuple(regions), auto_named=auto)
