"""Tier roles: what a compute tier does decides how it is sized, scaled and priced — data, not code.

A stack's `tiers` maps a tier name to its config; each tier has a `role`. Adding a tier (say
`tiers.ingest` with role `batch`) is a stack-file change only: every planner looks the behaviour up
here instead of testing the tier's name.

The front tier (FRONT_TIER, "api") is the one serving fleet behind each region's ALB: the region
table's min/max/current bound it (DESIGN "Stack configuration"), Route53 weights follow it, and only it
has ALB metrics (requests/latency triggers, rollout error/latency alarms, predictive scaling).
"""
from __future__ import annotations

from dataclasses import dataclass

FRONT_TIER = "api"


@dataclass(frozen=True)
class TierRole:
    """How every tier of one role is sized and scaled."""

    name: str
    demand: str  # "requests": demand.peak_rps; "jobs": demand.jobs_per_second (default tps)
    unit: str  # the demand unit in reasons
    capacity_key: str  # the tier config key holding the per-instance capacity
    consumes_queue: bool  # reads the region's job queue (queue trigger, queue name, KEDA)
    spot_class: str  # novacron "6. Cost Optimization" implement_spot_strategy workload class
    # novacron "2. Manual Scaling Procedures" emergency-scale.sh: scale_up_emergency doubles the serving
    # fleet and adds worker_step workers with the worker env; scale_down_safely keeps these minimums
    # ("Minimum 3 instances" / "Minimum 5 workers").
    emergency_up: str  # "double" | "step"
    emergency_down_min: int
    default_min_instances: int
    default_max_instances: int


ROLES: dict[str, TierRole] = {
    "stateless": TierRole("stateless", "requests", "rps", "requests_per_instance", False, "stateless",
                          "double", 3, 3, 100),
    "batch": TierRole("batch", "jobs", "jobs/s", "jobs_per_instance", True, "batch", "step", 5, 5, 200),
}
# The runbooks' two fleets keep their roles when a stack file names none.
DEFAULT_ROLES: dict[str, str] = {"api": "stateless", "worker": "batch"}
