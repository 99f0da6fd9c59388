"""The compute fleets planned in every region: `api`, `worker` and any `tiers.<name>` with a role.

Pure (no pulumi, no boto3). A tier's `role` (infra/model/tiers.py) decides how it is sized and scaled.
Per-instance capacities have sensible floors: a fleet is sized as ceil(demand / per-instance
capacity), and a capacity near zero asks for more instances than exist.
"""
from __future__ import annotations

import re
from typing import Annotated, Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from infra.config.base import InstanceType, NonNegInt, Section
from infra.config.errors import KeyPathError
from infra.model.tiers import DEFAULT_ROLES, ROLES, TierRole

# Forecast utilisation of the planned fleet, in percent of its capacity: above 100 means the forecast
# needs more than the fleet has (novacron checkScalingNeeded adds int(cpu/70) instances); 1000 % is
# ten times the fleet, past which the forecast, not the fleet, needs fixing.
ForecastPct = Annotated[float, Field(ge=0, le=1000)]
TIER_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")  # part of resource names: short, lowercase
MAX_TIERS = 8  # each tier is a fleet in every region; the schedule budget is per group


class TierConfig(Section):
    """One compute fleet planned in every region; its `role` (infra/model/tiers.py) decides how it is
    sized and scaled. `api` defaults to role stateless, `worker` to batch; other tiers name their role."""

    role: Literal["stateless", "batch"]
    instance_types: Annotated[list[InstanceType], Field(min_length=1, max_length=20)]
    # Forecast utilisation per instance at the planned size (novacron "3. Capacity Planning"
    # checkScalingNeeded); the defaults trigger nothing. See infra.planning.vertical.plan_vertical.
    forecast_cpu_pct: ForecastPct = 0
    forecast_memory_pct: ForecastPct = 0
    forecast_network_pct: ForecastPct = 0  # of the type's baseline bandwidth (novacron vertical network > 80 %)
    # Vertical ladder (novacron "Vertical Scaling Triggers"); None = the ladder holding instance_types[0].
    ladder: Literal["cpu", "memory", "network"] | None = None
    # Spot workload class from scaling.spot.classes, or "on_demand"; None = the role's class (dev stacks: dev).
    spot_class: Annotated[str, Field(max_length=64)] | None = None
    # Per-instance capacity: stateless tiers in requests/s (1 .. 1,000,000; a c5.large serves ~1000 in the
    # runbook), batch tiers in jobs/s (0.01, one job per 100 s, .. 1,000,000): the role's capacity_key.
    requests_per_instance: Annotated[float, Field(ge=1, le=1e6)] | None = None
    jobs_per_instance: Annotated[float, Field(ge=0.01, le=1e6)] | None = None
    min_instances: NonNegInt
    max_instances: Annotated[int, Field(ge=1, le=10_000)]
    # Batch tiers: the longest job, the termination hook's heartbeat (infra/planning/drain.py); None = 3600 s.
    # At most 48 h: AWS holds a terminating instance no longer (infra/model/drain.py HOOK_MAX_S).
    longest_job_s: Annotated[int, Field(ge=30, le=172_800)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _role_defaults(cls, data: object) -> object:
        """min/max default to the role's (api 3/100, worker 5/200: the runbooks' fleets)."""
        if isinstance(data, dict) and isinstance(data.get("role"), str) and data["role"] in ROLES:
            role = ROLES[data["role"]]
            data = {"min_instances": role.default_min_instances, "max_instances": role.default_max_instances} | data
        return data

    @property
    def per_instance(self) -> float:
        """Per-instance capacity in the role's demand unit."""
        return float(getattr(self, ROLES[self.role].capacity_key))


class TiersConfig(BaseModel):
    """The fleets planned in every region: `api` (the front, serving fleet behind the ALB), `worker`
    (queue consumers) and any further tier (`tiers.<name>` with a `role`)."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    __pydantic_extra__: dict[str, TierConfig]

    api: TierConfig
    worker: TierConfig

    @model_validator(mode="before")
    @classmethod
    def _default_roles(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        if len(data) > MAX_TIERS:
            raise KeyPathError("tiers", f"{len(data)} tiers; at most {MAX_TIERS}")
        out = {}
        for name, tier in data.items():
            if not isinstance(name, str) or not TIER_NAME.match(name):
                raise KeyPathError(f"tiers.{str(name)[:40]}",
                                   "a tier name is 1-12 lowercase letters or digits, starting with a letter")
            if isinstance(tier, dict) and "role" not in tier:
                if name not in DEFAULT_ROLES:
                    raise KeyPathError(f"tiers.{name}.role", f"required for tier {name!r}; allowed: {', '.join(ROLES)}")
                tier = {"role": DEFAULT_ROLES[name]} | tier
            out[name] = tier
        return out

    @model_validator(mode="after")
    def _capacity_of_role(self) -> TiersConfig:
        for name, tier in self.items():
            role = ROLES[tier.role]
            # the role's own key first: a missing capacity is the more useful message
            for key in sorted(("requests_per_instance", "jobs_per_instance"), key=lambda k: k != role.capacity_key):
                if key == role.capacity_key and getattr(tier, key) is None:
                    raise KeyPathError(f"tiers.{name}.{key}",
                                       f"required for a {tier.role} tier (per-instance capacity in {role.unit})")
                if key != role.capacity_key and getattr(tier, key) is not None:
                    raise KeyPathError(f"tiers.{name}.{key}",
                                       f"not used by a {tier.role} tier; allowed: {role.capacity_key}")
        return self

    def items(self) -> list[tuple[str, TierConfig]]:
        """(name, config) of every tier: api, worker, then the others in stack-file order."""
        return [("api", self.api), ("worker", self.worker), *(self.model_extra or {}).items()]

    def names(self) -> list[str]:
        """Every tier's name, in plan order."""
        return [name for name, _ in self.items()]

    def get(self, name: str) -> TierConfig:
        """The config of tier `name` (KeyError if there is none)."""
        return dict(self.items())[name]

    def role(self, name: str) -> TierRole:
        """The role of tier `name` (infra/model/tiers.py)."""
        return ROLES[self.get(name).role]


def tier_problems(tiers: TiersConfig) -> Iterator[tuple[str, str]]:
    """min <= max per tier, no instance type listed twice, longest_job_s only where jobs are drained."""
    for name, tier in tiers.items():
        if tier.longest_job_s is not None and not ROLES[tier.role].consumes_queue:
            yield (f"tiers.{name}.longest_job_s",
                   f"not used by a {tier.role} tier (nothing to drain); allowed on batch tiers only")
        if tier.min_instances > tier.max_instances:
            yield f"tiers.{name}.min_instances", f"{tier.min_instances} > max_instances {tier.max_instances}; need min <= max"
        for i, itype in enumerate(tier.instance_types):
            if tier.instance_types.index(itype) != i:
                yield f"tiers.{name}.instance_types[{i}]", f"{itype!r} is listed twice; list each type once"
