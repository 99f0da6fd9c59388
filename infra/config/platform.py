"""Stack configuration: one validated, frozen model of the `scaling-platform:platform` key.

Pure (no pulumi, no boto3). The Pulumi program and the offline `scaling plan` command both
parse the same dict through `parse_platform`, so a value that `pulumi preview` would reject
is rejected offline with the same one-line message: file, key path, what is allowed.

Field names follow shared/DESIGN.md ("Stack configuration"); units are in the names. The sections
live in their own modules (regions, demand, tiers, data, kubernetes, edge, scaling); this one holds
the whole, the rules that span sections, and the parse entry point.
"""
from __future__ import annotations

from typing import Annotated, Any, Iterator, Literal

from pydantic import Field, ValidationError, model_validator

from infra.config.alerts import AlertsConfig
from infra.config.base import Section, TagValue
from infra.config.data import CacheConfig, DatabaseConfig
from infra.config.demand import BurstEvent, DemandConfig, event_problems
from infra.config.edge import EdgeConfig, check_edge
from infra.config.errors import ConfigError, KeyPathError, first_problem
from infra.config.kubernetes import KubernetesConfig, kubernetes_problems
from infra.config.names import stack_name_problem
from infra.config.regions import DEFAULT_FAILOVER_PRIORITY, DnsConfig, RegionConfig, region_problems
from infra.config.review import ReviewConfig, SecretKey
from infra.config.scaling import ScalingConfig, scaling_errors
from infra.config.stateful import DeployedConfig
from infra.config.tiers import TiersConfig, tier_problems
from infra.model.catalog import INSTANCE_TYPES

PROJECT = "scaling-platform"
PLATFORM_KEY = f"{PROJECT}:platform"

# novacron "2. Manual Scaling Procedures" (emergency-scale.sh "all"): `$0 up worker 10`.
EMERGENCY_WORKER_STEP = 10


class EmergencyConfig(Section):
    """Emergency scaling switch (relay "Emergency Scaling Procedures", novacron emergency-scale.sh)."""

    mode: Literal["none", "up", "down", "reset"] = "none"
    target: Annotated[str, Field(max_length=64)] = "all"  # a tier name, database, cache or all (checked against `tiers`)
    worker_step: Annotated[int, Field(ge=1, le=1000)] = EMERGENCY_WORKER_STEP
    # At least the monthly budget (an emergency spends more, not less), at most 1e10.
    budget_ceiling_usd_month: Annotated[float | None, Field(gt=0, le=1e10)] = None
    # Written by `scaling emergency --apply` (region -> tier -> the running desired count it read):
    # novacron §2 scales from the *current* count (`new_count = current_count * 2`), so the plan's
    # emergency starts from these instead of the planned desired and agrees with what was applied.
    live_desired: dict[str, dict[str, Annotated[int, Field(ge=0, le=100_000)]]] = {}
    declared_at: Annotated[str | None, Field(max_length=64)] = None  # when it was applied (UTC, informational)


class PlatformConfig(Section):
    """The whole `scaling-platform:platform` key of a `Pulumi.<stack>.yaml`."""

    environment: Literal["dev", "staging", "prod"]
    # Required tags on every resource: AWS tag-value characters only.
    owner: Annotated[TagValue, Field(min_length=1, max_length=128)] = "platform-team"
    cost_center: Annotated[TagValue, Field(min_length=1, max_length=128)] = "platform"
    budget_usd_month: Annotated[float, Field(gt=0, le=1e9)]
    regions: Annotated[list[RegionConfig], Field(min_length=1, max_length=64)]
    failed_regions: Annotated[list[str], Field(max_length=64)] = []
    # Overflow order after a region failure; default: the runbook's order among the configured regions.
    failover_priority: Annotated[list[str], Field(max_length=64)] = list(DEFAULT_FAILOVER_PRIORITY)
    demand: DemandConfig
    tiers: TiersConfig
    database: DatabaseConfig = DatabaseConfig()
    cache: CacheConfig = CacheConfig()
    emergency: EmergencyConfig = EmergencyConfig()
    kubernetes: KubernetesConfig = KubernetesConfig()
    dns: DnsConfig | None = None
    alerts: AlertsConfig = AlertsConfig()  # Issue 17: who the alarm topics notify (infra/config/alerts.py)
    scaling: ScalingConfig = ScalingConfig()
    edge: EdgeConfig = Field(default_factory=lambda: EdgeConfig())
    # Known traffic events (each adds scheduled actions to the 125-action budget the planner checks).
    events: Annotated[list[BurstEvent], Field(max_length=100)] = []
    # What exists now (infra/config/stateful.py) and the one explicit way to drop a deployed region.
    deployed: DeployedConfig | None = None
    allow_region_removal: bool = False
    review: ReviewConfig = ReviewConfig()  # scaling diff guardrails (infra/config/review.py)
    required_secrets: list[SecretKey] = []  # secret keys `pulumi up` needs (infra/config/review.py)

    @model_validator(mode="after")
    def _cross_checks(self) -> PlatformConfig:
        for key, message in _problems(self):
            raise KeyPathError(key, message)
        check_edge(self)
        return self

    def event_tiers(self, event: BurstEvent) -> list[str]:
        """The tiers a burst event pre-warms (every tier when it names none)."""
        return list(event.tiers) if event.tiers is not None else self.tiers.names()

    @property
    def primary_region(self) -> RegionConfig:
        """The one region with `primary: true` (the validators guarantee exactly one)."""
        return next(r for r in self.regions if r.primary)

    @property
    def healthy_regions(self) -> list[RegionConfig]:
        """The configured regions not listed in `failed_regions`, in stack-file order."""
        return [r for r in self.regions if r.name not in self.failed_regions]


def _problems(cfg: PlatformConfig) -> Iterator[tuple[str, str]]:
    """Rules that span sections, in the order a reader fixes them: regions, tiers, scaling, the rest."""
    yield from region_problems(cfg)
    yield from tier_problems(cfg.tiers)
    api = cfg.tiers.api
    for i, region in enumerate(cfg.regions):
        # The api fleet is bounded by both the region row and the api tier; they must overlap.
        if max(region.min_instances, api.min_instances) > min(region.max_instances, api.max_instances):
            yield (f"regions[{i}].min_instances",
                   f"region bounds [{region.min_instances}, {region.max_instances}] do not overlap "
                   f"tiers.api bounds [{api.min_instances}, {api.max_instances}]")
    problem = scaling_errors(cfg.scaling, INSTANCE_TYPES, [r.name for r in cfg.regions])
    if problem:
        yield problem
    yield from _tier_reference_problems(cfg)
    for tier_name, tier_cfg in cfg.tiers.items():
        chosen = tier_cfg.spot_class
        if chosen is not None and chosen != "on_demand" and chosen not in cfg.scaling.spot.classes:
            yield (f"tiers.{tier_name}.spot_class",
                   f"unknown spot class {chosen!r}; allowed: on_demand, {', '.join(cfg.scaling.spot.classes)}")
    yield from event_problems(cfg.events)
    yield from kubernetes_problems(cfg.kubernetes)
    ceiling = cfg.emergency.budget_ceiling_usd_month
    if ceiling is not None and ceiling < cfg.budget_usd_month:
        yield ("emergency.budget_ceiling_usd_month",
               f"{ceiling:g} < budget_usd_month {cfg.budget_usd_month:g}; the emergency ceiling is at least the budget")


def _tier_reference_problems(cfg: PlatformConfig) -> Iterator[tuple[str, str]]:
    """Every tier named by a trigger, the schedules, an event or the emergency target exists."""
    names = cfg.tiers.names()
    regions = [r.name for r in cfg.regions]
    for region_name, tiers in cfg.emergency.live_desired.items():
        if region_name not in regions:
            yield (f"emergency.live_desired.{region_name}",
                   f"{region_name!r} is not a configured region; allowed: {', '.join(regions)}")
        for tier_name in tiers:
            if tier_name not in names:
                yield (f"emergency.live_desired.{region_name}.{tier_name}", f"unknown tier; allowed: {', '.join(names)}")
    refs = [(f"scaling.triggers.{row}.tiers", getattr(cfg.scaling.triggers, row).tiers or [])
            for row in type(cfg.scaling.triggers).model_fields]
    refs.append(("scaling.schedules.tiers", cfg.scaling.schedules.tiers or []))
    refs += [(f"events[{i}].tiers", event.tiers or []) for i, event in enumerate(cfg.events)]
    for key, listed in refs:
        for j, name in enumerate(listed):
            if name not in names:
                yield f"{key}[{j}]", f"unknown tier {name!r}; allowed: {', '.join(names)}"
    targets = [*names, "database", "cache", "all"]
    if cfg.emergency.target not in targets:
        yield "emergency.target", f"{cfg.emergency.target!r} is not allowed; allowed: {', '.join(targets)}"


def parse_platform(raw: Any, source: str, stack: str | None = None) -> PlatformConfig:
    """Validate the `scaling-platform:platform` value; raise ConfigError (one line) on bad input.

    With `stack`, also check that every AWS name derived from the stack name is one AWS accepts
    (the error then names `stack`, the one thing to change).
    """
    if not isinstance(raw, dict):
        raise ConfigError(source, PLATFORM_KEY, f"must be a mapping of settings, got {type(raw).__name__}")
    try:
        cfg = PlatformConfig.model_validate(raw)
    except KeyPathError as err:
        raise ConfigError(source, f"{PLATFORM_KEY}.{err.key}", err.message) from None
    except ValidationError as err:
        key, message = first_problem(err, PlatformConfig)
        raise ConfigError(source, f"{PLATFORM_KEY}.{key}", message) from None
    except RecursionError:
        raise ConfigError(source, PLATFORM_KEY, "nested too deeply; a stack config nests a few levels") from None
    if stack is not None:
        problem = stack_name_problem(stack, cfg)
        if problem:
            raise ConfigError(source, "stack name", problem)
    return cfg
