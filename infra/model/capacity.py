"""Capacity plan types: the plan document's regions, tiers, nodes and the relay/novacron constants they carry.

Planners (infra/planning/) fill these; components and the program only read them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.model.data import CachePlan, DatabasePlan
from infra.model.network import NetworkPlan
from infra.model.scaling import TierScaling


@dataclass(frozen=True)
class NodeTypeLimits:
    """relay NodeScaling.nodeTypes limits of one node type: min, optimal and max counts."""

    min_count: int
    optimal_count: int
    max_count: int
NODE_TYPES: dict[str, NodeTypeLimits] = {
    "validator": NodeTypeLimits(21, 51, 101),
    "relay": NodeTypeLimits(100, 500, 1000),
    "storage": NodeTypeLimits(50, 200, 500),
    "gateway": NodeTypeLimits(20, 100, 200),
}


# Scale level = how many of these thresholds a metric meets (0..4).
USER_THRESHOLDS = (1_000, 10_000, 100_000, 1_000_000)
TPS_THRESHOLDS = (10, 100, 1_000, 10_000)
STORAGE_TB_THRESHOLDS = (1, 10, 100, 1_000)
MAX_SCALE_LEVEL = 4


@dataclass(frozen=True)
class ResourceProfile:
    """One relay resource profile: vCPU, GiB memory, GB storage, Mbps bandwidth and its EC2 type."""

    cpu: int
    memory_gib: int
    storage_gb: int
    bandwidth_mbps: int
    instance_type: str  # the EC2 type that provides exactly this cpu/memory
RESOURCE_PROFILES: dict[str, ResourceProfile] = {
    "light": ResourceProfile(2, 4, 100, 100, "c5.large"),
    "standard": ResourceProfile(4, 8, 500, 500, "c5.xlarge"),
    "heavy": ResourceProfile(8, 16, 1000, 1000, "c5.2xlarge"),
    "enterprise": ResourceProfile(16, 32, 2000, 2000, "c5.4xlarge"),
}


# relay "Network Scaling" -> "Load Balancing": healthCheck { interval: 30, timeout: 10 } (seconds).
HEALTH_CHECK_INTERVAL_S = 30
HEALTH_CHECK_TIMEOUT_S = 10


# Route53 health checks (regional ALBs, multi-CDN records): unhealthy after 3 consecutive failures.
# The runbooks give no count (relay "Load Balancing" names only interval and timeout): this
# project's choice, Route53's default FailureThreshold.
HEALTH_CHECK_FAILURE_THRESHOLD = 3


# novacron "2. Manual Scaling Procedures" scale_down_safely: `sleep 30  # Wait for LB to remove from rotation`.
DRAIN_SECONDS = 30


@dataclass(frozen=True)
class Figure:
    """A planned number and the sentence a reviewer reads to check it."""

    value: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {"value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class TierPlan:
    """min/desired/max of one tier in one region (ASG bounds), each with its reason."""

    tier: str
    instance_type: str
    profile: str
    min: int
    desired: int
    max: int
    reason: str
    reasons: dict[str, str]
    demand: float  # demand units this region/tier must serve (rps or jobs/s) after growth
    scaling: TierScaling | None = None  # triggers, schedule, spot, refresh, ladder (infra/planning/scaling_policy.py)
    # With a demand history: instances per hour of week (UTC, Monday 00:00 first) from the
    # forecast's calibrated upper band; the schedule encodes it as the ASG's minimum.
    forecast_curve: tuple[int, ...] | None = None
    forecast_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "min": self.min, "desired": self.desired, "max": self.max, "reason": self.reason,
            "reasons": dict(self.reasons), "instance_type": self.instance_type,
            "profile": self.profile, "demand": round(self.demand, 3),
            **(self.scaling.to_dict() if self.scaling is not None else {}),
        }


@dataclass(frozen=True)
class RegionPlan:
    """One region: primary/failed flags, time zone, latency, AZ count, Route53 weight and its tiers."""

    name: str
    primary: bool
    failed: bool
    timezone: str
    latency_ms: float
    az_count: int
    weight: Figure
    tiers: dict[str, TierPlan]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "primary": self.primary, "failed": self.failed, "timezone": self.timezone,
            "latency_ms": self.latency_ms, "az_count": self.az_count,
            "weight": int(self.weight.value), "weight_reason": self.weight.reason,
            "tiers": {name: tier.to_dict() for name, tier in self.tiers.items()},
        }


@dataclass(frozen=True)
class NodePlan:
    """relay "Node Distribution": the scale level and the count of every node type, with reasons."""

    level: Figure
    counts: dict[str, Figure]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "level": int(self.level.value), "level_reason": self.level.reason,
            "types": {
                name: {"count": int(fig.value), "min": NODE_TYPES[name].min_count,
                       "optimal": NODE_TYPES[name].optimal_count, "max": NODE_TYPES[name].max_count,
                       "reason": fig.reason}
                for name, fig in self.counts.items()
            },
        }


@dataclass(frozen=True)
class CapacityPlan:
    """Everything the program builds, decided up front. `to_dict()` is the plan JSON's `capacity`."""

    environment: str
    growth: Figure
    regions: dict[str, RegionPlan]
    nodes: NodePlan
    notes: tuple[str, ...] = field(default_factory=tuple)
    emergency: dict[str, Any] = field(default_factory=dict)  # infra.planning.scaling_policy.emergency_block
    database: DatabasePlan | None = None  # infra/planning/data_plan.py: shards, replicas, max_connections
    cache: CachePlan | None = None  # infra/planning/data_plan.py: per-region Redis
    bursts: dict[str, Any] = field(default_factory=dict)  # infra/planning/burst.py: pre-warmed events
    # infra/planning/network.py: each region's VPC range and subnets (from the region, never its position).
    network: dict[str, NetworkPlan] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "emergency": dict(self.emergency),
            "environment": self.environment,
            "growth_factor": self.growth.to_dict(),
            "regions": {name: region.to_dict() for name, region in self.regions.items()},
            "nodes": self.nodes.to_dict(),
            "notes": list(self.notes),
            **({"database": self.database.to_dict()} if self.database else {}),
            **({"cache": self.cache.to_dict()} if self.cache else {}),
            **({"bursts": dict(self.bursts)} if self.bursts else {}),
        }
