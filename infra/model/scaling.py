"""Scaling plan types (triggers, schedules, spot, rollout, vertical ladder) and the novacron constants behind them.

Planners (infra/planning/scaling_policy.py and friends) fill these; components only encode them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # model/drain.py and model/vertical_triggers.py import MetricSpec from here
    from infra.model.drain import DrainPlan
    from infra.model.vertical_triggers import VerticalAlarm

PERIOD_S = 60  # every trigger alarm evaluates 60 s periods; evaluation periods = the row's minutes


# novacron §2 gradual_scaling.check_health_metrics: each limit is one get_metric(<metric>, 'Average', 60)
# reading, so every rollback alarm is one 60 s period of the Average (latency: TargetResponseTime Average,
# not the p99 of the scale-out trigger).
HEALTH_CHECK_STATISTIC = "Average"
HEALTH_CHECK_PERIOD_S = 60
HEALTH_CHECK_EVALUATION_PERIODS = 1
HOURS_PER_WEEK = 168


# AWS Auto Scaling quota: 125 scheduled actions per group.
MAX_SCHEDULED_ACTIONS = 125
FORECAST_TIME_ZONE = "Etc/UTC"  # history timestamps are UTC (infra/sources/metrics.py), so is the forecast curve
DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


# novacron "Vertical Scaling Triggers" instance_resize options, as ordered rungs.
LADDERS: dict[str, tuple[str, ...]] = {
    "cpu": ("t3.medium", "c5.large", "c5.xlarge", "c5.2xlarge"),          # cpu_intensive
    "memory": ("m5.large", "r5.large", "r5.xlarge", "r5.2xlarge"),        # memory_intensive
    "network": ("m5.large", "m5n.large", "m5n.xlarge"),                   # network_intensive
}


# novacron "3. Capacity Planning" checkScalingNeeded: CPU > 70 -> "Add int(cpu/70) instances";
# Memory > 80 -> "Upgrade to higher memory tier".
CPU_LIMIT_PCT = 70
MEMORY_LIMIT_PCT = 80


# novacron "2. Manual Scaling Procedures" emergency-scale.sh.
EMERGENCY_API_FACTOR = 2  # scale_up_emergency api: new_count = current_count * 2
EMERGENCY_API_K8S_RESOURCES = {  # kubectl set resources deployment novacron-api
    "limits": {"cpu": "2000m", "memory": "4Gi"}, "requests": {"cpu": "1000m", "memory": "2Gi"}}
EMERGENCY_WORKER_ENV = {"MAX_CONCURRENT_JOBS": "50", "WORKER_THREADS": "16"}  # kubectl set env novacron-worker
EMERGENCY_RESET = {"min": 3, "max": 20, "desired": 5}  # reset_to_baseline update-auto-scaling-group


@dataclass(frozen=True)
class MetricSpec:
    """Where a trigger's metric lives and how the config unit maps onto the metric's unit."""

    namespace: str
    metric_name: str
    statistic: str | None
    extended_statistic: str | None
    dimensions: str  # "asg" | "target_group" | "load_balancer" | "queue"
    unit_scale: float = 1.0  # alarm threshold = config threshold x unit_scale
    expression: str | None = None  # metric math over m1 (then the alarm uses metric queries)
    dimension_name: str | None = None  # for "queue": the dimension that names the queue
TRIGGER_METRICS: dict[str, MetricSpec] = {
    "cpu": MetricSpec("AWS/EC2", "CPUUtilization", "Average", None, "asg"),
    # Needs the CloudWatch agent (instance role has CloudWatchAgentServerPolicy), ASG dimension appended.
    "memory": MetricSpec("CWAgent", "mem_used_percent", "Average", None, "asg"),
    # requests_per_instance in requests/s: the per-target count per period divided by the period.
    "requests": MetricSpec("AWS/ApplicationELB", "RequestCountPerTarget", "Sum", None, "target_group",
                           expression="m1 / PERIOD(m1)"),
    # TargetResponseTime is in seconds; the config is in ms.
    "latency": MetricSpec("AWS/ApplicationELB", "TargetResponseTime", None, "p99", "load_balancer",
                          unit_scale=0.001),
    "queue": MetricSpec("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", None, "queue",
                        dimension_name="QueueName"),
}
TRIGGER_UNITS = {"cpu": "%", "memory": "%", "requests": " req/s per instance", "latency": " ms", "queue": " messages"}


@dataclass(frozen=True)
class GuardTerm:
    """"Load is high": `metric` above `threshold` (the metric's unit)."""

    trigger: str
    metric: MetricSpec
    threshold: float


@dataclass(frozen=True)
class LoadGuard:
    """A scale-in alarm's guard: while any term is high the alarm evaluates to its own threshold (no breach)."""

    terms: tuple[GuardTerm, ...]
    reason: str

    def condition(self, ids: tuple[str, ...]) -> str:
        """Metric-math condition over the terms' query ids, e.g. `g1 > 70 || g2 > 1000`."""
        return " || ".join(f"{i} > {t.threshold:g}" for i, t in zip(ids, self.terms))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {"high_when": [f"{t.metric.metric_name} > {t.threshold:g}" for t in self.terms], "reason": self.reason}


@dataclass(frozen=True)
class TriggerRule:
    """One alarm + one step policy."""

    trigger: str
    direction: str  # "out" | "in"
    metric: MetricSpec
    comparison: str
    threshold: float  # in the metric's unit
    config_threshold: float
    evaluation_periods: int
    period_s: int
    adjustment: int  # signed
    cooldown_s: int
    reason: str
    guard: LoadGuard | None = None  # scale-in only: quiet while load is high (infra/planning/drain.py)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        out: dict[str, Any] = {
            "trigger": self.trigger, "direction": self.direction, "namespace": self.metric.namespace,
            "metric": self.metric.metric_name, "statistic": self.metric.statistic or self.metric.extended_statistic,
            "comparison": self.comparison, "threshold": self.threshold,
            "evaluation_periods": self.evaluation_periods, "period_s": self.period_s,
            "adjustment": self.adjustment, "cooldown_s": self.cooldown_s, "reason": self.reason}
        if self.guard is not None:
            out["guard"] = self.guard.to_dict()
        return out


@dataclass(frozen=True)
class ScheduledAction:
    """One scheduled MinSize change of a group: recurring (cron) or one-time (burst event)."""

    slug: str  # stable part of the resource name, e.g. "mon-fri-0900"
    recurrence: str | None  # cron in the schedule's time zone; None for a one-time action
    min_size: int
    start_time: str | None = None  # one-time actions (burst events): UTC "YYYY-MM-DDTHH:MM:SSZ"
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        out: dict[str, Any] = {"name": self.slug, "recurrence": self.recurrence, "min_size": self.min_size}
        if self.start_time:
            out.update(start_time=self.start_time, reason=self.reason)
        return out


@dataclass(frozen=True)
class TierSchedule:
    """A tier's hour-of-week floor curve in its time zone and the scheduled actions encoding it."""

    time_zone: str
    curve: tuple[int, ...]  # 168 values, index 0 = Monday 00:00 local
    actions: tuple[ScheduledAction, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {"time_zone": self.time_zone, "hour_of_week_min": list(self.curve),
                "actions": [a.to_dict() for a in self.actions], "reason": self.reason}


@dataclass(frozen=True)
class SpotPlan:
    """A tier's mixed-instances policy: spot class, on-demand base/share, instance types, strategy."""

    spot_class: str
    percentage_spot: float
    on_demand_base: int
    on_demand_percentage_above_base: int
    instance_types: tuple[str, ...]
    allocation_strategy: str
    expected_spot_instances: float  # week average (infra/planning/spot.expected_week)
    spot_share: float
    reason: str
    # novacron §6 implement_spot_strategy max_price 'on_demand * factor' (per class) and the ASG's
    # spot_max_price: the planned type's on-demand $/h in the region x factor, as AWS takes it (a string).
    max_price_factor: float = 1.0
    spot_max_price: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return dataclasses.asdict(self) | {"instance_types": list(self.instance_types)}


@dataclass(frozen=True)
class RolloutPlan:
    """A tier's instance refresh: min healthy %, checkpoints, delay, rollback alarms and thresholds."""

    min_healthy_percentage: int
    checkpoint_percentages: tuple[int, ...]
    checkpoint_delay_s: int
    auto_rollback: bool
    health_alarms: dict[str, str]  # kind -> "<metric> > <threshold>"
    health_thresholds: dict[str, float]  # kind -> alarm threshold in the metric's unit (latency in s)
    reason: str
    strategy: str = "Rolling"
    # check_health_metrics reads each metric once: statistic, period and evaluation periods of every rollback alarm
    health_statistic: str = HEALTH_CHECK_STATISTIC
    health_period_s: int = HEALTH_CHECK_PERIOD_S
    health_evaluation_periods: int = HEALTH_CHECK_EVALUATION_PERIODS

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return dataclasses.asdict(self) | {"checkpoint_percentages": list(self.checkpoint_percentages)}


@dataclass(frozen=True)
class VerticalPlan:
    """A tier's vertical ladder decision: the rung moved from/to and any instances added instead."""

    ladder: str | None
    rungs: tuple[str, ...]
    from_type: str
    to_type: str
    added_instances: int
    reason: str
    binding: str | None = None  # the resource that moved the type: "cpu" | "memory" | "network"
    next_types: dict[str, str | None] = field(default_factory=dict)  # resource -> the type it would move to

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return dataclasses.asdict(self) | {"rungs": list(self.rungs)}


@dataclass(frozen=True)
class TierScaling:
    """The `scaling` view of one tier in one region (merged into the plan's tier dict)."""

    triggers: tuple[TriggerRule, ...]
    bounds_reason: str
    vertical: VerticalPlan
    spot: SpotPlan | None
    rollout: RolloutPlan
    schedule: TierSchedule | None = None
    queue_name: str | None = None
    emergency_env: dict[str, str] = field(default_factory=dict)
    emergency_changes: tuple[str, ...] = ()
    # With a demand history, the api tier also gets AWS predictive scaling in forecast-only mode, so
    # AWS's own forecast can be compared with ours before anyone trusts it with capacity.
    predictive: dict[str, Any] | None = None
    vertical_alarms: tuple[VerticalAlarm, ...] = ()  # novacron "Vertical Scaling Triggers" (planning/vertical.py)
    drain: DrainPlan | None = None  # batch tiers: termination hook + drain handler (planning/drain.py)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "predictive": dict(self.predictive) if self.predictive else None,
            "triggers": [t.to_dict() for t in self.triggers], "trigger_bounds": self.bounds_reason,
            "vertical": self.vertical.to_dict(), "spot": self.spot.to_dict() if self.spot else None,
            "instance_refresh": self.rollout.to_dict(),
            "schedule": self.schedule.to_dict() if self.schedule else None,
            "queue_name": self.queue_name, "emergency_env": dict(self.emergency_env),
            "emergency_changes": list(self.emergency_changes),
            "vertical_alarms": [a.to_dict() for a in self.vertical_alarms],
            "drain": self.drain.to_dict() if self.drain else None,
        }
