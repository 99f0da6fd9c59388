"""Scaling policy planner: triggers, trigger bounds, vertical ladders, schedules, spot, rollout, emergency.

Pure (no pulumi, no boto3). `apply_scaling(cfg, plan)` takes the capacity plan of
`infra.planning.capacity.plan_capacity` and returns it with every tier's `scaling` block filled in and the
tier numbers adjusted (ladder rung, trigger bounds, emergency mode), each change with its reason.
Components (`components/scaling_triggers.py`, `components/schedule.py`, `components/service_tier.py`)
only encode what is decided here.

Decisions (documented once, here):
- Trigger bounds. An ASG has one [min, max]; the runbook gives each trigger its own. The group's
  range is the union of the tier's trigger ranges intersected with the planned range:
  max = min(plan max, loosest trigger max), min = max(plan min, loosest trigger min) (never above max),
  so no trigger is stopped before its own runbook bound and none goes past the plan.
- Cooldowns. Scale-out rules are StepScaling policies (never blocked by a cooldown; AWS rejects
  `Cooldown` on them), so the runbook cooldown becomes their `estimatedInstanceWarmup`. Scale-in
  rules are SimpleScaling policies with `Cooldown` = the runbook cooldown: an alarm re-invokes its
  action every period while in ALARM and step scale-in has no warm-up, so only simple scaling keeps
  "remove N, cooldown S" from removing N every minute. Both are reported in the plan.
- Schedules. floor[h] = clamp(max(cost-schedule target[h], int(desired x time-of-day factor[h])),
  min, max) over the 168 local hours of the week (index 0 = Monday 00:00 in the region's zone);
  `build_schedule` accepts any 168-value curve (e.g. a forecast). A scheduled action only sets the
  group's MinSize (desired/max untouched, -1): the floor rises and falls, the triggers do the rest.
  A group holds at most MAX_SCHEDULED_ACTIONS: `fit_schedule` leaves room for the one-time actions
  of the burst events (infra/planning/burst.py) by merging transitions (keeping the higher value), and fails
  with a ConfigError on `events` when even a single recurring action would not fit.
- Emergency: applies to healthy regions (a failed region keeps its resources as planned).
  up: api min and desired x2, max raised to at least the doubled desired (so at most 2 x the planned
  max); workers +worker_step with the runbook's env. down: api min 3, workers min 5. reset:
  min 3 / max 20 / desired 5. Schedule actions keep their names and only change values, so leaving
  emergency mode replaces nothing.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from infra.model.catalog import AWS_REGION_TIMEZONES, INSTANCE_TYPES
from infra.config import PLATFORM_KEY, ConfigError, PlatformConfig
from infra.cost.pricing import on_demand_hourly, spot_max_price
from infra.config.scaling import TriggerConfig

# ---------------------------------------------------------------------------------------------
# Constants (runbook numbers that are not stack config)

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
EMERGENCY_DOWN_MIN = {"api": 3, "worker": 5}  # scale_down_safely: "Minimum 3 instances" / "Minimum 5 workers"
EMERGENCY_RESET = {"min": 3, "max": 20, "desired": 5}  # reset_to_baseline update-auto-scaling-group
COMPUTE_TIERS = ("api", "worker")  # database/cache emergency targets belong to the data tier


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


# ---------------------------------------------------------------------------------------------
# Plan data


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

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {"trigger": self.trigger, "direction": self.direction, "namespace": self.metric.namespace,
                "metric": self.metric.metric_name,
                "statistic": self.metric.statistic or self.metric.extended_statistic,
                "comparison": self.comparison, "threshold": self.threshold,
                "evaluation_periods": self.evaluation_periods, "period_s": self.period_s,
                "adjustment": self.adjustment, "cooldown_s": self.cooldown_s, "reason": self.reason}


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
    expected_spot_instances: int
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
        }


# ---------------------------------------------------------------------------------------------
# Triggers


def tier_triggers(cfg: PlatformConfig, tier: str) -> dict[str, TriggerConfig]:
    """The configured `scaling.triggers` entries that apply to `tier`, by trigger name."""
    triggers = cfg.scaling.triggers
    return {name: getattr(triggers, name) for name in type(triggers).model_fields
            if tier in getattr(triggers, name).tiers}


def trigger_rules(cfg: PlatformConfig, tier: str) -> tuple[TriggerRule, ...]:
    """novacron "Horizontal Scaling Triggers": one scale-out and one scale-in rule per trigger of the tier."""
    rules = []
    for name, trig in tier_triggers(cfg, tier).items():
        metric = TRIGGER_METRICS[name]
        if name == "queue":
            q = cfg.scaling.queue
            metric = MetricSpec(q.namespace, q.metric_name, q.statistic, None, "queue", dimension_name=q.dimension_name)
        unit = TRIGGER_UNITS[name]
        for direction, row, op, sign in (("out", trig.scale_out, "GreaterThanThreshold", 1),
                                         ("in", trig.scale_in, "LessThanThreshold", -1)):
            word = ">" if sign > 0 else "<"
            rules.append(TriggerRule(
                trigger=name, direction=direction, metric=metric, comparison=op,
                threshold=round(row.threshold * metric.unit_scale, 6), config_threshold=row.threshold,
                evaluation_periods=row.minutes, period_s=PERIOD_S, adjustment=sign * row.step,
                cooldown_s=row.cooldown_s,
                reason=f"{name} {word} {row.threshold:g}{unit} for {row.minutes} min -> "
                       f"{'add' if sign > 0 else 'remove'} {row.step}, cooldown {row.cooldown_s} s "
                       f"(scaling.triggers.{name}.scale_{direction})"))
    return tuple(rules)


def trigger_bounds(cfg: PlatformConfig, tier: str, lo: int, hi: int) -> tuple[int, int, str]:
    """Group range = loosest trigger range intersected with the plan's [lo, hi] (see module docstring)."""
    trigs = tier_triggers(cfg, tier)
    if not trigs:
        return lo, hi, "no triggers for this tier: plan bounds kept"
    t_lo = min(t.min_instances for t in trigs.values())
    t_hi = max(t.max_instances for t in trigs.values())
    new_hi = min(hi, t_hi)
    new_lo = min(max(lo, t_lo), new_hi)
    text = (f"triggers {', '.join(trigs)} allow [{t_lo}, {t_hi}] (loosest bounds); plan [{lo}, {hi}] -> "
            f"group [{new_lo}, {new_hi}]")
    if new_hi < hi:
        text += f"; max capped by trigger max {t_hi}"
    if new_lo > lo:
        text += f"; min raised to trigger min {t_lo}"
    return new_lo, new_hi, text


# ---------------------------------------------------------------------------------------------
# Vertical ladders


def ladder_of(instance_type: str, configured: str | None) -> str | None:
    """The tier's configured ladder, else the first of LADDERS containing `instance_type` (None if none)."""
    if configured:
        return configured
    return next((name for name, rungs in LADDERS.items() if instance_type in rungs), None)


def plan_vertical(instance_type: str, ladder: str | None, cpu_pct: float, memory_pct: float,
                  desired: int, max_size: int) -> VerticalPlan:
    """novacron checkScalingNeeded, horizontal first: CPU > 70 % adds int(cpu/70) instances, or moves one
    rung up the ladder when that would pass the group's max; memory > 80 % moves one rung up. One rung
    per plan at most."""
    rungs = LADDERS.get(ladder, ()) if ladder else ()
    to_type, added, why = instance_type, 0, []

    def next_rung() -> str | None:
        if instance_type not in rungs:
            return None
        i = rungs.index(instance_type)
        return rungs[i + 1] if i + 1 < len(rungs) else None

    if cpu_pct > CPU_LIMIT_PCT:
        add = int(cpu_pct / CPU_LIMIT_PCT)
        if desired + add <= max_size:
            added = add
            why.append(f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}%: add int({cpu_pct:g}/{CPU_LIMIT_PCT}) = {add} "
                       "instances")
        else:
            rung = next_rung()
            if rung:
                to_type = rung
                why.append(f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}%: +{add} instances would pass max "
                           f"{max_size}; {ladder} ladder {instance_type} -> {rung}")
            else:
                why.append(f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}% but +{add} would pass max {max_size} "
                           f"and {instance_type} has no higher rung on ladder {ladder}")
    if memory_pct > MEMORY_LIMIT_PCT:
        if to_type != instance_type:
            why.append(f"forecast memory {memory_pct:g}% > {MEMORY_LIMIT_PCT}%: already moved one rung")
        else:
            rung = next_rung()
            if rung:
                to_type = rung
                why.append(f"forecast memory {memory_pct:g}% > {MEMORY_LIMIT_PCT}%: {ladder} ladder "
                           f"{instance_type} -> {rung}")
            else:
                why.append(f"forecast memory {memory_pct:g}% > {MEMORY_LIMIT_PCT}% but {instance_type} has no "
                           f"higher rung on ladder {ladder}")
    if not why:
        why.append(f"forecast CPU {cpu_pct:g}% <= {CPU_LIMIT_PCT}% and memory {memory_pct:g}% <= "
                   f"{MEMORY_LIMIT_PCT}%: {instance_type} kept")
    return VerticalPlan(ladder, rungs, instance_type, to_type, added, "; ".join(why))


# ---------------------------------------------------------------------------------------------
# Schedules

_DOW_NUM = {name: i for i, name in enumerate(DAY_NAMES)} | {"0": 6, "7": 6, "1": 0, "2": 1, "3": 2, "4": 3,
                                                            "5": 4, "6": 5}


def cron_days(field_text: str) -> list[int]:
    """Day-of-week field ('MON-FRI', 'SAT', '1,3') -> day indexes, 0 = Monday."""
    days: list[int] = []
    for part in field_text.split(","):
        if "-" in part:
            a, b = (_DOW_NUM[x] for x in part.split("-"))
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            days.append(_DOW_NUM[part])
    return sorted(set(days))


def cost_schedule_curve(entries) -> list[int] | None:
    """novacron schedule_based_scaling as a step function over the week (each entry holds until the next)."""
    points: dict[int, int] = {}
    for entry in entries:
        _minute, hour, _dom, _mon, dow = entry.cron.split()
        for day in cron_days(dow):
            points[day * 24 + int(hour)] = entry.min_capacity
    if not points:
        return None
    last = points[max(points)]  # wraps from the end of the previous week
    curve = []
    for h in range(HOURS_PER_WEEK):
        last = points.get(h, last)
        curve.append(last)
    return curve


def time_of_day_factor(cfg: PlatformConfig, local_hour: int) -> tuple[float, str]:
    """(factor, band name) of the first time-of-day band containing `local_hour`, else the night factor."""
    sched = cfg.scaling.schedules
    for band in sched.time_of_day_factors:
        if band.start_hour <= local_hour <= band.end_hour:
            return band.factor, band.name
    return sched.night_factor, "night"


def floor_curve(cfg: PlatformConfig, desired: int, lo: int, hi: int) -> tuple[list[int], str]:
    """floor[h] = clamp(max(cost schedule[h], int(desired x factor[h])), lo, hi)."""
    cost = cost_schedule_curve(cfg.scaling.schedules.entries)
    curve = []
    for h in range(HOURS_PER_WEEK):
        factor, _ = time_of_day_factor(cfg, h % 24)
        value = max(cost[h] if cost else 0, int(desired * factor))
        curve.append(min(max(value, lo), hi))
    reason = (f"hour-of-week min (index 0 = Monday 00:00 local) = clamp(max(cost schedule target, "
              f"int(desired {desired} x time-of-day factor)), {lo}, {hi})")
    return curve, reason


def _segments(curve: Sequence[int]) -> list[tuple[int, int]]:
    """(start hour, value) where the value changes, cyclically; equal consecutive hours merged."""
    starts = [(h, v) for h, v in enumerate(curve) if v != curve[h - 1]]
    return starts or [(0, curve[0])]


def limit_segments(segments: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Merge the adjacent pair with the smallest difference (keeping the higher value: never under the
    curve) until at most `limit` transitions remain."""
    segs = list(segments)
    while len(segs) > limit:
        i = min(range(len(segs)), key=lambda k: (abs(segs[k][1] - segs[k - 1][1]), k))
        prev = i - 1
        merged = (segs[prev][0], max(segs[prev][1], segs[i][1]))
        segs[prev] = merged
        del segs[i]
    return segs


def _day_slug(days: list[int]) -> tuple[str, str]:
    """(cron field, name slug) with contiguous days as ranges: [0..4] -> ('MON-FRI', 'mon-fri')."""
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = [DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs]
    return ",".join(parts), "_".join(parts).lower()


def predictive_forecast_only(cfg: PlatformConfig) -> dict[str, Any]:
    """AWS predictive scaling, ForecastOnly: it forecasts and reports, never acts (our schedule does)."""
    per_minute = cfg.tiers.api.requests_per_instance * 60
    return {"mode": "ForecastOnly", "metric": "ALBRequestCount", "target_requests_per_instance_minute": per_minute,
            "reason": f"forecast-only comparison with this plan's forecast; target {cfg.tiers.api.requests_per_instance:g}"
                      f" req/s per instance = {per_minute:g} per minute"}


def recurring_limit(cfg: PlatformConfig, tier: str) -> int:
    """Scheduled actions left for the recurring curve after the burst events' two one-time actions each
    (pre-warm and release); `fit_schedule` also makes room for the re-asserts inside the windows."""
    return MAX_SCHEDULED_ACTIONS - 2 * sum(1 for event in cfg.events if tier in event.tiers)


def fire_times(action: ScheduledAction, time_zone: str, start: datetime, stop: datetime) -> list[datetime]:
    """UTC instants in [start, stop) at which a recurring action ('M H * * DAYS', local time) fires."""
    minute, hour, _dom, _month, dow = action.recurrence.split()
    days = set(cron_days(dow))
    zone = ZoneInfo(time_zone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = stop.astimezone(zone).date() + timedelta(days=1)
    fires = []
    while day <= last:
        if day.weekday() in days:
            fire = datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=zone).astimezone(timezone.utc)
            if start <= fire < stop:
                fires.append(fire)
        day += timedelta(days=1)
    return fires


def fit_schedule(cfg: PlatformConfig, tier: str, region: str, desired: int, max_size: int, curve: Sequence[int],
                 lo: int, hi: int, time_zone: str, reason: str,
                 action_bounds: tuple[int, int] | None = None) -> TierSchedule:
    """`build_schedule` with the largest transition limit whose recurring actions plus the burst events'
    one-time actions (`infra.planning.burst.reserved_actions`, an upper bound for that schedule) stay within
    MAX_SCHEDULED_ACTIONS. Fewer transitions merge keeping the higher value, so the floor is never
    lowered. ConfigError on `events` if not even one recurring action fits."""
    from infra.planning.burst import reserved_actions  # burst imports this module late; keep both late-bound

    limit = recurring_limit(cfg, tier)
    transitions = len(_segments([min(max(int(v), lo), hi) for v in curve])) if len(curve) == HOURS_PER_WEEK else 0
    reserved = MAX_SCHEDULED_ACTIONS - limit
    merged = False
    while limit >= 1:
        schedule = build_schedule(curve, lo, hi, time_zone, reason, limit=limit, action_bounds=action_bounds)
        reserved = reserved_actions(cfg, tier, schedule, desired, max_size)
        if len(schedule.actions) + reserved <= MAX_SCHEDULED_ACTIONS:
            if reserved:
                schedule = dataclasses.replace(schedule, reason=(
                    f"{schedule.reason}; at most {reserved} more kept free for the burst events' one-time "
                    f"actions (AWS limit {MAX_SCHEDULED_ACTIONS} scheduled actions per group)"
                    + ("; transitions merged (higher value kept) to make that room" if merged else "")))
            return schedule
        limit = min(limit, transitions) - 1  # a limit at or above the transition count changes nothing
        merged = True
    raise ConfigError("stack config", f"{PLATFORM_KEY}.events", (
        f"{region} {tier}: the burst events need up to {reserved} one-time scheduled actions, leaving no room for "
        f"one recurring action within the AWS limit of {MAX_SCHEDULED_ACTIONS} per group; "
        "use fewer, shorter or non-overlapping events"))


def build_schedule(curve: Sequence[int], lo: int, hi: int, time_zone: str, reason: str,
                   limit: int = MAX_SCHEDULED_ACTIONS, action_bounds: tuple[int, int] | None = None) -> TierSchedule:
    """Any 168-value hour-of-week min-capacity curve -> scheduled actions.

    The curve is clamped to [lo, hi]; equal consecutive hours merge; transitions at the same hour with
    the same value on several days become one action ('0 9 * * MON-FRI'); at most `limit` actions.
    `action_bounds` re-clamps the action values only (emergency mode): names stay those of `curve`.
    """
    if len(curve) != HOURS_PER_WEEK:
        raise ValueError(f"curve has {len(curve)} values; need {HOURS_PER_WEEK} (hour of week, Monday 00:00 first)")
    clamped = [min(max(int(v), lo), hi) for v in curve]
    segs = limit_segments(_segments(clamped), limit)
    grouped: dict[tuple[int, int], list[int]] = {}
    for start, value in segs:
        grouped.setdefault((start % 24, value), []).append(start // 24)
    out_lo, out_hi = action_bounds or (lo, hi)
    actions = []
    for (hour, value), days in sorted(grouped.items(), key=lambda kv: (min(kv[1]), kv[0][0])):
        cron_field, slug = _day_slug(sorted(days))
        actions.append(ScheduledAction(f"{slug}-{hour:02d}00", f"0 {hour} * * {cron_field}",
                                       min(max(value, out_lo), out_hi)))
    final = tuple(min(max(v, out_lo), out_hi) for v in clamped)
    text = f"{reason}; {len(segs)} transitions -> {len(actions)} scheduled actions (limit {limit})"
    if action_bounds and action_bounds != (lo, hi):
        text += f"; values re-clamped to emergency bounds [{out_lo}, {out_hi}]"
    return TierSchedule(time_zone, final, tuple(actions), text)


# ---------------------------------------------------------------------------------------------
# Spot and rollout


def spot_class_of(cfg: PlatformConfig, tier: str) -> str | None:
    """The tier's spot class: None if on-demand or spot is off, else configured, else "dev" in dev,
    else "stateless" (api) / "batch" (worker)."""
    chosen = getattr(cfg.tiers, tier).spot_class
    if chosen == "on_demand" or not cfg.scaling.spot.enabled:
        return None
    if chosen:
        return chosen
    if cfg.environment == "dev":
        return "dev"
    return {"api": "stateless", "worker": "batch"}[tier]


def plan_spot(cfg: PlatformConfig, tier: str, instance_type: str, min_size: int, desired: int,
              region: str | None = None) -> SpotPlan | None:
    """novacron implement_spot_strategy: a mixed-instances policy; the planned rung is the first override.

    max_price 'on_demand * factor' becomes one ASG-wide spot_max_price (AWS has no per-override
    max price): the planned rung's on-demand $/h in `region` (infra/cost/pricing.py) x the class factor.
    Larger overrides get spot only while their spot price is under that cap.
    """
    name = spot_class_of(cfg, tier)
    if name is None:
        return None
    cls = cfg.scaling.spot.classes[name]
    base = min_size if cls.on_demand_base_is_min else 0
    above = int(round(100 - cls.percentage_spot))
    spot = int((max(desired - base, 0)) * cls.percentage_spot / 100)
    types = tuple(dict.fromkeys([instance_type, *cls.instance_types]))
    share = round(spot / desired, 4) if desired else 0.0
    on_demand = on_demand_hourly(instance_type, region)
    max_price = spot_max_price(instance_type, region, cls.max_price_factor)
    return SpotPlan(name, cls.percentage_spot, base, above, types, cfg.scaling.spot.allocation_strategy, spot, share,
                    f"class {name}: {cls.percentage_spot:g}% spot above an on-demand base of {base} "
                    f"({'the planned min' if cls.on_demand_base_is_min else 'none'}); at desired {desired}: "
                    f"~{spot} spot = {share:.0%} of the tier; max price on_demand x {cls.max_price_factor:g} = "
                    f"{instance_type} ${on_demand:.6g}/h ({region or 'us-east-1'}) x {cls.max_price_factor:g} "
                    f"= ${max_price}/h (novacron §6 implement_spot_strategy)",
                    cls.max_price_factor, max_price)


def plan_rollout(cfg: PlatformConfig, tier: str, desired: int) -> RolloutPlan:
    """Instance refresh: novacron gradual_scaling steps of step_size instances, step_delay apart, with the
    check_health_metrics limits as rollback alarms."""
    r = cfg.scaling.rollout
    steps = max(1, math.ceil(max(desired, 1) / r.step_size))
    count = min(steps, r.max_checkpoints)
    checkpoints = tuple(sorted({math.ceil(100 * i / count) for i in range(1, count + 1)}))
    read = f"{HEALTH_CHECK_STATISTIC} of {HEALTH_CHECK_PERIOD_S} s, {HEALTH_CHECK_EVALUATION_PERIODS} period"
    alarms = {"cpu": f"CPUUtilization {read} > {r.cpu_pct:g}%"}
    thresholds = {"cpu": r.cpu_pct}
    if tier == "api":  # error rate and latency are ALB metrics: only the api tier has them
        # latency: check_health_metrics `get_metric('TargetResponseTime', 'Average', 60) > 500` (ms); ALB
        # reports seconds, so the threshold is latency_ms / 1000 = 0.5 s. A dedicated alarm: the p99
        # scale-out alarm (2 periods) is a different statistic and duration.
        alarms = {"error-rate": f"5XX / requests (sums of {HEALTH_CHECK_PERIOD_S} s) > {r.error_rate_pct:g}%",
                  "latency": f"TargetResponseTime {read} > {r.latency_ms:g} ms", **alarms}
        thresholds = {"error-rate": r.error_rate_pct, "latency": round(r.latency_ms / 1000, 6), **thresholds}
    return RolloutPlan(r.min_healthy_percentage, checkpoints, r.step_delay_s, r.auto_rollback, alarms, thresholds,
                       f"ceil(desired {desired} / step_size {r.step_size}) = {steps} steps"
                       + (f", capped at {r.max_checkpoints} checkpoints" if steps > count else "")
                       + f", {r.step_delay_s} s apart, >= {r.min_healthy_percentage}% healthy; auto-rollback on "
                       + ", ".join(alarms.values()))


# ---------------------------------------------------------------------------------------------
# Emergency


def _emergency_tiers(target: str) -> tuple[str, ...]:
    if target == "all":
        return COMPUTE_TIERS
    return (target,) if target in COMPUTE_TIERS else ()


def emergency_bounds(cfg: PlatformConfig, tier: str, lo: int, desired: int, hi: int) -> tuple[int, int, int, str]:
    """(min, desired, max, what changed) for one tier under cfg.emergency (unchanged when not targeted)."""
    em = cfg.emergency
    if em.mode == "none" or tier not in _emergency_tiers(em.target):
        return lo, desired, hi, ""
    if em.mode == "up" and tier == "api":
        # novacron §2 scale_up_emergency api: new_count = current_count * 2. The ASG ignores changes to
        # desiredCapacity once it exists, so only the minimum moves a running group: the minimum is raised
        # to the doubled desired (capped at max), as capacity.redistribute_failed does for a failed region.
        n_d = desired * EMERGENCY_API_FACTOR
        n_hi = max(hi, n_d)
        n_lo = min(max(lo * EMERGENCY_API_FACTOR, n_d), n_hi)
        why = (f"up: desired {desired}->{n_d} (x{EMERGENCY_API_FACTOR}), min {lo}->{n_lo} (raised to the doubled "
               f"desired, capped at max, so the running group grows: desired is ignored once the ASG exists), "
               f"max {hi}->{n_hi}")
    elif em.mode == "up":
        step = em.worker_step
        n_lo, n_d = lo + step, desired + step
        n_hi = max(hi, n_d)
        why = f"up: min {lo}->{n_lo}, desired {desired}->{n_d} (+{step} worker_step), max {hi}->{n_hi}"
    elif em.mode == "down":
        n_lo = EMERGENCY_DOWN_MIN[tier]
        n_hi = max(hi, n_lo)
        n_d = min(max(desired, n_lo), n_hi)
        why = f"down: min {lo}->{n_lo} (never below {n_lo}); scale-in triggers shrink the group"
    else:
        n_lo, n_hi, n_d = EMERGENCY_RESET["min"], EMERGENCY_RESET["max"], EMERGENCY_RESET["desired"]
        why = f"reset: min {lo}->{n_lo}, desired {desired}->{n_d}, max {hi}->{n_hi} (baseline)"
    return n_lo, n_d, n_hi, why


def emergency_ceiling_usd(cfg: PlatformConfig) -> float:
    """What `stack-budget` enforces in this mode: in `up`, emergency.budget_ceiling_usd_month or
    pricing.EMERGENCY_CEILING_FACTOR × budget; otherwise the budget itself."""
    from infra.cost.pricing import EMERGENCY_CEILING_FACTOR

    if cfg.emergency.mode != "up":
        return cfg.budget_usd_month
    return cfg.emergency.budget_ceiling_usd_month or EMERGENCY_CEILING_FACTOR * cfg.budget_usd_month


def emergency_block(cfg: PlatformConfig, changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan's `emergency` section: mode and target, and while active the changes, budget ceiling and note."""
    em = cfg.emergency
    active = em.mode != "none"
    block: dict[str, Any] = {"active": active, "mode": em.mode, "target": em.target}
    if not active:
        return block
    tiers = _emergency_tiers(em.target)
    block.update({
        "compute_tiers": list(tiers), "changes": changes,
        "budget_usd_month": cfg.budget_usd_month,
        "budget_ceiling_usd_month": em.budget_ceiling_usd_month,
        "note": (f"EMERGENCY MODE {em.mode.upper()} ACTIVE for {em.target}: capacity departs from the computed "
                 f"plan; spend may exceed budget {cfg.budget_usd_month:g} only up to the ceiling "
                 f"{emergency_ceiling_usd(cfg):g} USD/month. "
                 "Set emergency.mode=none to return to the plan (nothing is destroyed)."),
    })
    if em.mode == "up" and "api" in tiers:
        block["k8s_api_resources"] = EMERGENCY_API_K8S_RESOURCES
    if em.mode == "up" and "worker" in tiers:
        block["worker_env"] = dict(EMERGENCY_WORKER_ENV)
    if em.target in ("database", "cache", "all"):
        block["data_tier"] = f"{'database/cache' if em.target == 'all' else em.target}: handled by the data-tier planner"
    return block


# ---------------------------------------------------------------------------------------------
# The whole pass


def queue_name(cfg: PlatformConfig, stack_prefix: str, region: str) -> str:
    """The worker queue's name: `scaling.queue.queue_name`, else `<stack_prefix>-<region>-jobs`."""
    return cfg.scaling.queue.queue_name or f"{stack_prefix}-{region}-jobs"


def apply_scaling(cfg: PlatformConfig, plan):
    """capacity.CapacityPlan -> the same plan with tiers adjusted and `scaling` filled in."""
    changes: list[dict[str, Any]] = []
    regions = {}
    for rname, region in plan.regions.items():
        tz = cfg.scaling.schedules.time_zones.get(rname, AWS_REGION_TIMEZONES[rname])
        tiers = {}
        for tname, tier in region.tiers.items():
            tcfg = getattr(cfg.tiers, tname)
            reasons = dict(tier.reasons)
            # 1. vertical ladder (forecast utilisation per instance)
            vert = plan_vertical(tier.instance_type, ladder_of(tier.instance_type, tcfg.ladder),
                                 tcfg.forecast_cpu_pct, tcfg.forecast_memory_pct, tier.desired, tier.max)
            desired, lo, hi = tier.desired + vert.added_instances, tier.min, tier.max
            if vert.added_instances:
                lo = max(lo, desired)
                reasons["min"] = f"{reasons['min']}; raised to desired {desired} after the CPU forecast add"
            reasons["instance_type"] = vert.reason
            # 2. trigger bounds
            lo, hi, bounds_reason = trigger_bounds(cfg, tname, lo, hi)
            desired = min(max(desired, lo), hi)
            base_lo, base_desired, base_hi = lo, desired, hi
            # 3. emergency mode (healthy regions only)
            why = ""
            if not region.failed:
                lo, desired, hi, why = emergency_bounds(cfg, tname, lo, desired, hi)
            if why:
                changes.append({"region": rname, "tier": tname, "change": why})
                for key in ("min", "desired", "max"):
                    reasons[key] = f"EMERGENCY {why}"
            reasons["bounds"] = bounds_reason
            # 4. schedule: transitions from the computed plan, values clamped to the final bounds
            action_bounds, pin_note = (lo, hi), ""
            if why and cfg.emergency.mode in ("down", "reset"):
                # novacron §2 Emergency Scaling, scale_down_safely / reset_to_baseline: the emergency minimum
                # is the floor. Clamped to [lo, hi] the time-of-day/cost floors would raise the minimum
                # again (reset: 20 every business day). Every recurring action is set to the emergency
                # minimum rather than dropped: the same Schedule resources (names) stay, nothing is
                # destroyed, and emergency.mode=none restores their values.
                action_bounds = (lo, lo)
                pin_note = (f"; EMERGENCY {cfg.emergency.mode}: every recurring action set to the emergency "
                            f"minimum {lo} (kept, not dropped, so emergency.mode=none restores them) so the "
                            "schedule never raises the minimum above it")
            schedule = None
            if tier.forecast_curve is not None:
                # A demand history replaces the runbook's fixed schedule: the forecast band's
                # hour-of-week minimum (UTC), on top of which the triggers react.
                schedule = fit_schedule(cfg, tname, rname, desired, hi, list(tier.forecast_curve), base_lo,
                                        base_hi, FORECAST_TIME_ZONE, tier.forecast_reason + pin_note,
                                        action_bounds=action_bounds)
            elif cfg.scaling.schedules.enabled and tname in cfg.scaling.schedules.tiers:
                curve, creason = floor_curve(cfg, base_desired, base_lo, base_hi)
                schedule = fit_schedule(cfg, tname, rname, desired, hi, curve, base_lo, base_hi, tz,
                                        creason + pin_note, action_bounds=action_bounds)
            env = dict(EMERGENCY_WORKER_ENV) if (why and cfg.emergency.mode == "up" and tname == "worker") else {}
            scaling = TierScaling(
                triggers=trigger_rules(cfg, tname), bounds_reason=bounds_reason, vertical=vert,
                spot=plan_spot(cfg, tname, vert.to_type, lo, desired, rname), rollout=plan_rollout(cfg, tname, desired),
                schedule=schedule, queue_name=queue_name(cfg, cfg.environment, rname) if tname == "worker" else None,
                emergency_env=env, emergency_changes=(why,) if why else (),
                predictive=predictive_forecast_only(cfg) if tier.forecast_curve is not None and tname == "api"
                else None)
            spec = INSTANCE_TYPES[vert.to_type]
            profile = tier.profile if vert.to_type == tier.instance_type else _profile(spec.vcpu, spec.memory_gib)
            reason = tier.reason + (f"; {vert.reason}" if vert.to_type != tier.instance_type or vert.added_instances
                                    else "") + (f"; EMERGENCY {why}" if why else "")
            tiers[tname] = dataclasses.replace(tier, instance_type=vert.to_type, profile=profile, min=lo,
                                               desired=desired, max=hi, reason=reason, reasons=reasons,
                                               scaling=scaling)
        regions[rname] = dataclasses.replace(region, tiers=tiers)
    block = emergency_block(cfg, changes)
    notes = plan.notes + ((block["note"],) if block["active"] else ())
    return dataclasses.replace(plan, regions=regions, emergency=block, notes=notes)


def _profile(vcpu: float, memory_gib: float) -> str:
    from infra.planning.capacity import select_profile  # capacity imports this module lazily; keep it one-way
    return select_profile(vcpu, memory_gib)

