"""The `scaling` section of the platform config: triggers, schedules, spot classes, rollout.

Pure (no pulumi, no boto3). Every default here is a runbook number, cited where it is defined;
`infra/planning/scaling_policy.py` reads them from the parsed config and never repeats them.
`infra/config/platform.py` hangs `ScalingConfig` under `PlatformConfig.scaling` and turns the first
problem `scaling_errors` finds into its usual one-line `_KeyError`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from infra.config.base import QueueName, Section, Text, TimeZoneName
from infra.model.triggers import TriggerRule, trigger

Pct = Annotated[float, Field(ge=0, le=100)]
Minutes = Annotated[int, Field(ge=1, le=1440)]
Steps = Annotated[int, Field(ge=1, le=1000)]
CooldownS = Annotated[int, Field(ge=0, le=86_400)]
Count = Annotated[int, Field(ge=0, le=10_000)]


# Names that end up in scheduled-action and alarm names: letters, digits, `_` and `-`.
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
                            description="a name of 1-64 letters, digits, _ and -")]
# Day-of-week field of a cron: day names or 0-7 (0 and 7 = Sunday), single or ranges, comma-separated.
_DAY = r"(MON|TUE|WED|THU|FRI|SAT|SUN|[0-7])"
_DAYS = rf"{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*"
# Upper bound of each trigger's thresholds, in the metric's unit (infra/model/triggers.py): utilisation is
# a percentage; p99 latency past 10 minutes is an outage, not a scaling signal.
THRESHOLD_MAX = {"cpu": 100.0, "memory": 100.0, "requests": 1e7, "latency": 600_000.0, "queue": 1e9}
def _merge(default: dict, given: object) -> object:
    """`given` laid over `default`, key by key, so a stack file may change one number of a runbook row."""
    if not isinstance(given, dict):
        return given
    out = dict(default)
    for key, value in given.items():
        out[key] = _merge(default[key], value) if isinstance(default.get(key), dict) else value
    return out


def _merge_defaults(data: object, defaults: Mapping[str, BaseModel]) -> object:
    if not isinstance(data, dict):
        return data
    return {key: _merge(defaults[key].model_dump(), value) if key in defaults else value
            for key, value in data.items()}


class TriggerDirection(Section):
    """One row half of novacron "Horizontal Scaling Triggers": `<metric> <op> threshold for N minutes`."""

    threshold: Annotated[float, Field(ge=0, le=1e9)]
    minutes: Minutes  # CloudWatch evaluation periods at a 60 s period
    step: Steps       # instances added (scale_out) or removed (scale_in)
    cooldown_s: CooldownS


class TriggerConfig(Section):
    """A horizontal trigger: scale_out above `scale_out.threshold`, scale_in below `scale_in.threshold`.

    `max_instances`/`min_instances` are the runbook's per-trigger bounds; see
    scaling_policy.trigger_bounds for how they combine with the planned ASG range.
    """

    # tier names this row scales; None = by role: cpu/memory every tier, requests/latency the front
    # tier (ALB metrics), queue depth the queue-consuming (batch) tiers (infra/planning/scaling_policy.py)
    tiers: Annotated[list[str], Field(max_length=16)] | None = None
    scale_out: TriggerDirection
    scale_in: TriggerDirection
    max_instances: Annotated[int, Field(ge=1, le=10_000)]
    min_instances: Count


def _from_table(metric: str) -> TriggerConfig:
    """Default trigger config from the runbook table in infra/model/triggers.py (the one place its numbers live)."""
    up, down = trigger(metric, "up"), trigger(metric, "down")
    return TriggerConfig(
        # The queue scale-out row has no duration in the runbook: it acts on one 60 s period.
        scale_out=TriggerDirection(threshold=up.threshold, minutes=max(1, int(up.duration_min)), step=up.step,
                                   cooldown_s=up.cooldown_s),
        scale_in=TriggerDirection(threshold=down.threshold, minutes=int(down.duration_min), step=abs(down.step),
                                  cooldown_s=down.cooldown_s),
        max_instances=up.bound, min_instances=down.bound)


# novacron "1. Auto-scaling Triggers & Thresholds" (table in infra/model/triggers.py); which tiers each row
# scales follows the tier roles (see TriggerConfig.tiers).
DEFAULT_CPU_TRIGGER = _from_table("cpu")
DEFAULT_MEMORY_TRIGGER = _from_table("memory")
DEFAULT_REQUESTS_TRIGGER = _from_table("requests")
DEFAULT_LATENCY_TRIGGER = _from_table("latency")
DEFAULT_QUEUE_TRIGGER = _from_table("queue_depth")


class TriggersConfig(Section):
    """Units: cpu/memory in percent, requests in requests/s per instance, latency in ms (p99), queue in messages."""

    cpu: TriggerConfig = DEFAULT_CPU_TRIGGER
    memory: TriggerConfig = DEFAULT_MEMORY_TRIGGER
    requests: TriggerConfig = DEFAULT_REQUESTS_TRIGGER
    latency: TriggerConfig = DEFAULT_LATENCY_TRIGGER
    queue: TriggerConfig = DEFAULT_QUEUE_TRIGGER

    @model_validator(mode="before")
    @classmethod
    def _partial_rows(cls, data: object) -> object:
        return _merge_defaults(data, {"cpu": DEFAULT_CPU_TRIGGER, "memory": DEFAULT_MEMORY_TRIGGER,
                                      "requests": DEFAULT_REQUESTS_TRIGGER, "latency": DEFAULT_LATENCY_TRIGGER,
                                      "queue": DEFAULT_QUEUE_TRIGGER})


class QueueMetricConfig(Section):
    """Where the worker queue depth is read: SQS by default, or any custom metric with one dimension."""

    # CloudWatch limits: namespace, metric and dimension names 1-255 printable characters.
    namespace: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/#:-][A-Za-z0-9._/#: -]{0,254}$",
                                    description="a CloudWatch namespace: 1-255 letters, digits, . _ / # : -")] = "AWS/SQS"
    metric_name: Text(255, "a CloudWatch metric name") = "ApproximateNumberOfMessagesVisible"  # type: ignore[valid-type]
    dimension_name: Text(255, "a CloudWatch dimension name") = "QueueName"  # type: ignore[valid-type]
    # Default queue name: `<stack>-<region>-jobs`, one per region.
    queue_name: QueueName | None = None
    statistic: Literal["Average", "Maximum", "Sum", "Minimum"] = "Maximum"


class ScheduleEntry(Section):
    """One novacron cost schedule: at `cron` (minute hour * * day-of-week) the floor becomes `min_capacity`."""

    name: Slug
    cron: Annotated[str, Field(max_length=100)]
    min_capacity: Count

    @field_validator("cron")
    @classmethod
    def _cron_shape(cls, value: str) -> str:
        if not re.fullmatch(rf"0 ([01]?\d|2[0-3]) \* \* {_DAYS}", value.strip()):
            raise ValueError(f"cron {value!r} must look like '0 <hour> * * <days>', e.g. '0 9 * * MON-FRI'")
        return value.strip()


# novacron "6. Cost Optimization" schedule_based_scaling.
DEFAULT_SCHEDULES = (
    ScheduleEntry(name="weekday_business_hours", cron="0 9 * * MON-FRI", min_capacity=20),
    ScheduleEntry(name="weekday_after_hours", cron="0 18 * * MON-FRI", min_capacity=5),
    ScheduleEntry(name="weekend", cron="0 0 * * SAT", min_capacity=3),
    ScheduleEntry(name="monday_morning", cron="0 8 * * MON", min_capacity=25),  # extra for the Monday surge
)


class TimeOfDayFactor(Section):
    """Local hours [start_hour, end_hour] (inclusive) get `factor`; hours no band covers get `default`."""

    name: Slug
    start_hour: Annotated[int, Field(ge=0, le=23)]
    end_hour: Annotated[int, Field(ge=0, le=23)]
    factor: Annotated[float, Field(gt=0, le=100)]


# novacron "4. Multi-Region Scaling" predictive_regional_scaling (local hour of each region).
DEFAULT_TIME_OF_DAY_FACTORS = (
    TimeOfDayFactor(name="business", start_hour=9, end_hour=17, factor=1.5),
    TimeOfDayFactor(name="evening", start_hour=18, end_hour=22, factor=1.3),
    TimeOfDayFactor(name="morning", start_hour=6, end_hour=8, factor=1.2),
)
DEFAULT_NIGHT_FACTOR = 0.7  # "else: # Night time scale_factor = 0.7"


class SchedulesConfig(Section):
    """`scaling.schedules`: which tiers get scheduled floors, cost-schedule entries and time-of-day factors."""

    enabled: bool = True
    tiers: Annotated[list[str], Field(max_length=16)] | None = None  # tier names; None = every tier
    entries: Annotated[list[ScheduleEntry], Field(max_length=50)] = list(DEFAULT_SCHEDULES)
    time_of_day_factors: Annotated[list[TimeOfDayFactor], Field(max_length=24)] = list(DEFAULT_TIME_OF_DAY_FACTORS)
    night_factor: Annotated[float, Field(gt=0, le=100)] = DEFAULT_NIGHT_FACTOR
    # Per-region IANA zone override; default infra.model.catalog.AWS_REGION_TIMEZONES.
    time_zones: Annotated[dict[str, TimeZoneName], Field(max_length=64)] = {}


class SpotClass(Section):
    """A workload class of novacron implement_spot_strategy."""

    percentage_spot: Pct
    instance_types: Annotated[list[str], Field(min_length=1, max_length=20)]
    # On-demand base capacity: the tier's planned min (True) or 0 (False).
    on_demand_base_is_min: bool
    # max_price 'on_demand * <factor>': the ASG's spot_max_price = on-demand $/h of the planned type x this.
    max_price_factor: Annotated[float, Field(gt=0, le=1)]


# novacron "6. Cost Optimization" implement_spot_strategy. Base capacity is ours: the serving fleet
# keeps its planned min on demand (a spot reclaim never takes the floor); batch/dev retry, so base 0.
DEFAULT_SPOT_CLASSES = {
    "stateless": SpotClass(percentage_spot=70, instance_types=["t3.medium", "t3.large", "t3.xlarge"],
                           on_demand_base_is_min=True, max_price_factor=0.7),   # 'on_demand * 0.7'
    "batch": SpotClass(percentage_spot=90, instance_types=["c5.large", "c5.xlarge", "c5.2xlarge"],
                       on_demand_base_is_min=False, max_price_factor=0.6),      # 'on_demand * 0.6'
    "dev": SpotClass(percentage_spot=100, instance_types=["t3.small", "t3.medium"], on_demand_base_is_min=False,
                     max_price_factor=0.5),                                     # 'on_demand * 0.5'
}


class SpotConfig(Section):
    """`scaling.spot`: on/off, the spot classes (partial overrides keep the runbook's) and allocation strategy."""

    enabled: bool = True
    classes: Annotated[dict[Slug, SpotClass], Field(max_length=20)] = dict(DEFAULT_SPOT_CLASSES)

    @model_validator(mode="before")
    @classmethod
    def _partial_classes(cls, data: object) -> object:
        # A stack may override one class (or one field of it); the other runbook classes stay.
        if isinstance(data, dict) and isinstance(data.get("classes"), dict):
            merged = _merge_defaults(data["classes"], dict(DEFAULT_SPOT_CLASSES))
            assert isinstance(merged, dict)  # a dict in, a dict out
            data = dict(data, classes={**DEFAULT_SPOT_CLASSES, **merged})
        return data
    # AWS-recommended strategy: lowest price among the pools least likely to be interrupted.
    allocation_strategy: Literal["price-capacity-optimized", "capacity-optimized", "lowest-price"] = \
        "price-capacity-optimized"


class RolloutConfig(Section):
    """How a launch-template change (e.g. a ladder rung) rolls out: ASG instance refresh."""

    min_healthy_percentage: Annotated[int, Field(ge=0, le=100)] = 90
    # novacron "2. Manual Scaling Procedures" gradual_scaling.py example: step_size=2, step_delay=120.
    step_size: Annotated[int, Field(ge=1, le=1000)] = 2
    step_delay_s: Annotated[int, Field(ge=0, le=172_800)] = 120
    max_checkpoints: Annotated[int, Field(ge=1, le=100)] = 10  # ours: keeps the refresh readable
    auto_rollback: bool = True
    # gradual_scaling.check_health_metrics: error rate > 1 %, latency > 500 ms, CPU > 85 %.
    error_rate_pct: Pct = 1.0
    latency_ms: Annotated[float, Field(gt=0, le=1e6)] = 500
    cpu_pct: Pct = 85


class ScalingConfig(Section):
    """`scaling:` — everything the autoscaler does between two `pulumi up`s."""

    triggers: TriggersConfig = TriggersConfig()
    queue: QueueMetricConfig = QueueMetricConfig()
    schedules: SchedulesConfig = SchedulesConfig()
    spot: SpotConfig = SpotConfig()
    rollout: RolloutConfig = RolloutConfig()


def scaling_errors(scaling: ScalingConfig, instance_types: Mapping[str, Any],
                   regions: Sequence[str] = ()) -> tuple[str, str] | None:
    """First (key, message) wrong in the scaling section, or None.

    novacron "9. Troubleshooting Guide", "Scaling Loop" (rapid scale up/down cycles: increase cooldown,
    adjust thresholds): scale-in must never be more aggressive than scale-out.
    """
    for name in TriggersConfig.model_fields:
        trig: TriggerConfig = getattr(scaling.triggers, name)
        key = f"scaling.triggers.{name}"
        out, inn = trig.scale_out, trig.scale_in
        for direction in ("scale_out", "scale_in"):
            threshold = getattr(trig, direction).threshold
            if threshold > THRESHOLD_MAX[name]:
                return (f"{key}.{direction}.threshold",
                        f"{threshold:g} is above {THRESHOLD_MAX[name]:g}, the most a {name} threshold can be; "
                        f"allowed 0..{THRESHOLD_MAX[name]:g}")
        if trig.tiers is not None and len(set(trig.tiers)) != len(trig.tiers):
            return f"{key}.tiers", "a tier is listed twice; list each tier once"
        if inn.threshold >= out.threshold:
            return (f"{key}.scale_in.threshold",
                    f"{inn.threshold:g} >= scale_out.threshold {out.threshold:g}: scaling loop; "
                    "scale-in threshold must be below the scale-out threshold")
        if inn.cooldown_s < out.cooldown_s:
            return (f"{key}.scale_in.cooldown_s",
                    f"{inn.cooldown_s} < scale_out.cooldown_s {out.cooldown_s}: scaling loop; "
                    "scale-in cooldown must be at least the scale-out cooldown")
        if inn.step > out.step:
            return (f"{key}.scale_in.step",
                    f"{inn.step} > scale_out.step {out.step}: scaling loop; "
                    "scale-in step must not exceed the scale-out step")
        if trig.min_instances > trig.max_instances:
            return f"{key}.min_instances", f"{trig.min_instances} > max_instances {trig.max_instances}; need min <= max"
    for cls_name, cls in scaling.spot.classes.items():
        for i, itype in enumerate(cls.instance_types):
            if itype not in instance_types:
                return (f"scaling.spot.classes.{cls_name}.instance_types[{i}]",
                        f"unknown instance type {itype!r}; allowed: {', '.join(instance_types)}")
    schedules = scaling.schedules
    for field in ("entries", "time_of_day_factors"):
        names = [item.name for item in getattr(schedules, field)]
        for i, name in enumerate(names):
            if names.index(name) != i:
                return f"scaling.schedules.{field}[{i}].name", f"{name!r} is used twice; names must be unique"
    if schedules.tiers is not None and len(set(schedules.tiers)) != len(schedules.tiers):
        return "scaling.schedules.tiers", "a tier is listed twice; list each tier once"
    for region in schedules.time_zones:
        if regions and region not in regions:
            return (f"scaling.schedules.time_zones.{region}",
                    f"{region!r} is not a configured region; allowed: {', '.join(regions)}")
    for i, band in enumerate(scaling.schedules.time_of_day_factors):
        if band.start_hour > band.end_hour:
            return (f"scaling.schedules.time_of_day_factors[{i}].start_hour",
                    f"{band.start_hour} > end_hour {band.end_hour}; bands are inclusive local hours, start <= end")
    return None


def configured_trigger(triggers: "TriggersConfig", metric: str, direction: str) -> TriggerRule:
    """The stack's (possibly overridden) trigger row as a TriggerRule, so every consumer (ASG step
    policies, k8s HPA/KEDA behaviour) reads the same configured numbers."""
    row: TriggerConfig = getattr(triggers, "queue" if metric == "queue_depth" else metric)
    if direction == "up":
        half, bound, sign = row.scale_out, row.max_instances, 1
    else:
        half, bound, sign = row.scale_in, row.min_instances, -1
    base = trigger(metric, direction)  # type: ignore[arg-type]  # direction is checked by the caller
    return TriggerRule(metric, direction, half.threshold, base.unit, half.minutes,  # type: ignore[arg-type]
                       sign * half.step, half.cooldown_s, bound)
