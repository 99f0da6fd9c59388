"""Scaling simulator: replay a demand history through the plan's real behaviour. PURE (no pulumi, no boto3).

`simulate(cfg, history)` splits the stack's requests/s by the plan's region weights into one demand
series per Auto Scaling group (region x tier; workers get jobs/s = requests/s x jobs per request,
as the capacity planner sizes them), resolves it to minutes (`infra.planning.sim_inputs`), and
replays every group under each strategy (`infra.planning.sim_engine`):

* `static`: a fixed fleet of ceil(peak x STATIC_HEADROOM / per-instance) instances (peak = the
  highest hourly demand the strategy may know: the whole history, or in a backtest the
  STATIC_WINDOW_HOURS before the origin), within the group's [min, max];
* `schedule`: the runbook's fixed schedule (cost schedule + time-of-day factors) sets the capacity;
  no triggers;
* `reactive`: the plan's triggers alone from the group's constant minimum;
* `runbook`: the runbook's schedule as MinSize + the triggers (the plan of a stack without history);
* `plan`: the forecast floor (scheduled MinSize from the forecast band) + the triggers, i.e. the plan
  `scaling plan --history` builds from this history.

`backtest(cfg, history, origins)` rebuilds both plans at each weekly origin from the history before
it only, and replays the following week. Scores: % of demand-minutes short, % of demand unserved,
peak shortfall, capacity ratio (capacity-hours / demand-hours), instance-hours, on-demand cost,
scaling actions and flapping (a reversal within the previous action's warm-up/cooldown).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from infra.config import PlatformConfig
from infra.cost.pricing import on_demand_hourly
from infra.planning import pipeline
from infra.planning.forecast import HOURS_PER_WEEK, forecast_demand
from infra.planning.sim_engine import METRIC_CODES, replay_group
from infra.planning.sim_inputs import MINUTES_PER_HOUR, min_size_series, minute_demand
from infra.sources.metrics import HourlyHistory

Rule = tuple[str, int, float, int, int, int]  # sim_engine.replay_group: metric, +-1, threshold, periods, step, hold
# {strategy: {group name: (score, series for charts)}}
Results = dict[str, dict[str, tuple["Score", dict[str, np.ndarray]]]]

# The static baseline of the forecast benchmark (bench/forecast_backtest.py): 1.2 x the peak of the
# last 4 weeks, the usual "last month's peak + 20 %" rule (novacron BurstCapacityPlanner's peak multiplier).
STATIC_HEADROOM = 1.2
STATIC_WINDOW_HOURS = 4 * HOURS_PER_WEEK
STRATEGIES = ("static", "schedule", "reactive", "runbook", "plan")
DESCRIPTIONS = {
    "static": f"fixed fleet: ceil(peak x {STATIC_HEADROOM:g} / per instance), no scaling",
    "schedule": "the runbook's fixed schedule sets the capacity; no triggers",
    "reactive": "the plan's triggers alone, from the group's minimum",
    "runbook": "the runbook's schedule as MinSize + the triggers (plan without history)",
    "plan": "forecast floor as MinSize + the triggers (the plan built from this history)",
}


@dataclass(frozen=True)
class Group:
    """One Auto Scaling group as the simulator sees it (from a plan's tier in one region)."""

    region: str
    tier: str
    units: str  # the tier role's demand unit: "rps" (stateless) or "jobs/s" (batch)
    share: float  # of the stack's requests/s
    units_per_request: float  # 1 for request-driven tiers; jobs per request for job-driven ones
    per_instance: float  # units/s one instance serves
    instance_type: str
    price_hour: float
    min: int
    max: int
    rules: tuple[Rule, ...]  # sim_engine.replay_group rules
    not_simulated: tuple[str, ...]
    schedule: Any  # TierSchedule or None
    boot_min: int

    @property
    def name(self) -> str:
        """`<region>/<tier>`."""
        return f"{self.region}/{self.tier}"


def _hold_minutes(seconds: float) -> int:
    return math.ceil(seconds / 60.0)


def groups_of(cfg: PlatformConfig, plan: Any, boot_s: int | None = None) -> list[Group]:
    """The plan's groups: region weight share, per-instance capacity, bounds, simulable triggers, schedule.

    Boot time: `boot_s`, else the shortest estimated warm-up of the group's scale-out policies (the
    runbook cooldown the plan gives them, scaling_policy module docstring), at least one minute.
    """
    weights = {name: float(region.weight.value) for name, region in plan.regions.items()}
    total = sum(weights.values()) or 1.0
    jobs = cfg.demand.jobs_per_second if cfg.demand.jobs_per_second is not None else cfg.demand.tps
    # as infra.planning.capacity.plan_regions: every tier follows requests, jobs per request from the config
    per_request = {"requests": 1.0, "jobs": jobs / cfg.demand.peak_rps if cfg.demand.peak_rps else 0.0}
    tiers = dict(cfg.tiers.items())
    out = []
    for rname, region in plan.regions.items():
        for tname, tier in region.tiers.items():
            rules, skipped = [], []
            triggers = tier.scaling.triggers if tier.scaling is not None else ()
            for rule in triggers:
                if rule.trigger not in METRIC_CODES:
                    skipped.append(f"{rule.trigger} {rule.direction}")
                    continue
                periods = max(1, round(rule.evaluation_periods * rule.period_s / 60))
                rules.append((rule.trigger, 1 if rule.direction == "out" else -1, float(rule.config_threshold),
                              periods, int(rule.adjustment), _hold_minutes(rule.cooldown_s)))
            warmups = [r[5] for r in rules if r[1] > 0]
            boot = _hold_minutes(boot_s) if boot_s is not None else max(1, min(warmups) if warmups else 1)
            role = cfg.tiers.role(tname)
            out.append(Group(rname, tname, role.unit, weights[rname] / total, per_request[role.demand],
                             float(tiers[tname].per_instance),
                             tier.instance_type, on_demand_hourly(tier.instance_type, rname), tier.min, tier.max,
                             tuple(rules), tuple(skipped),
                             tier.scaling.schedule if tier.scaling is not None else None, boot))
    return out


def plans_for(cfg: PlatformConfig, history: HourlyHistory | None) -> tuple[Any, Any]:
    """(runbook plan: the stack without history, forecast plan: built from `history` in requests/s)."""
    demand = cfg.demand.model_copy(update={"history_csv": None, "history_unit": "rps"})
    bare = cfg.model_copy(update={"demand": demand})
    runbook = pipeline.plan_stack(bare, forecast=None)
    if history is None:
        return runbook, runbook
    forecast = forecast_demand(history, hours=cfg.demand.forecast_days * 24,
                               growth_rate_monthly=cfg.demand.growth_rate_monthly)
    return runbook, pipeline.plan_stack(bare, forecast=forecast)


@dataclass
class Score:
    """Sums of one strategy over one group (or over all groups)."""

    demand_minutes: int = 0
    short_minutes: int = 0
    demand_units: float = 0.0  # instance-equivalents x minutes (demand / per instance)
    unserved_units: float = 0.0
    capacity_units: float = 0.0
    peak_shortfall: float = 0.0  # units/s (api: requests/s)
    instance_minutes: int = 0
    cost_usd: float = 0.0
    actions: int = 0
    flaps: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, other: Score) -> None:
        """Accumulate another score (the peak shortfall is the max)."""
        for name in ("demand_minutes", "short_minutes", "demand_units", "unserved_units", "capacity_units",
                     "instance_minutes", "cost_usd", "actions", "flaps"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.peak_shortfall = max(self.peak_shortfall, other.peak_shortfall)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: short_pct, capacity_ratio, cost_usd, actions, ..."""
        return {
            "short_pct": round(100.0 * self.short_minutes / self.demand_minutes, 4) if self.demand_minutes else 0.0,
            "short_minutes": self.short_minutes,
            "unserved_pct": round(100.0 * self.unserved_units / self.demand_units, 4) if self.demand_units else 0.0,
            "peak_shortfall": round(self.peak_shortfall, 3),
            "capacity_ratio": round(self.capacity_units / self.demand_units, 4) if self.demand_units else None,
            "instance_hours": round(self.instance_minutes / 60.0, 2),
            "cost_usd": round(self.cost_usd, 2),
            "actions": self.actions, "flaps": self.flaps, **self.extra,
        }


def score(totals: dict[str, float], group: Group) -> Score:
    """A Score from `sim_engine.replay_group`'s totals (definitions in sim_engine.TOTALS)."""
    return Score(
        demand_minutes=int(totals["demand_minutes"]), short_minutes=int(totals["short_minutes"]),
        demand_units=totals["demand_units"], unserved_units=totals["unserved_units"],
        capacity_units=totals["capacity_units"], peak_shortfall=totals["peak_shortfall"],
        instance_minutes=int(totals["instance_minutes"]),
        cost_usd=totals["instance_minutes"] / 60.0 * group.price_hour,
        actions=int(totals["actions"]), flaps=int(totals["flaps"]))


def static_size(group: Group, peak_rps: float) -> int:
    """ceil(peak x STATIC_HEADROOM / per instance) in the group's units, within [min, max]."""
    need = math.ceil(round(peak_rps * group.share * group.units_per_request * STATIC_HEADROOM / group.per_instance, 6))
    return min(max(need, group.min), group.max)


def replay_strategies(demand_rps: np.ndarray, observed: np.ndarray, start: datetime, static_peak_rps: float,
                      runbook_groups: list[Group], plan_groups: list[Group],
                      strategies: tuple[str, ...] = STRATEGIES, keep_minutes: int = 0
                      ) -> Results:
    """Replay every group under every strategy over the minute series `demand_rps` (stack requests/s).

    Returns {strategy: {group name: (score, series)}}; series holds the last `keep_minutes` minutes of
    demand, capacity (units/s) and MinSize for charts (empty arrays with keep_minutes=0).
    """
    minutes = demand_rps.size
    out: Results = {s: {} for s in strategies}
    for rb, pl in zip(runbook_groups, plan_groups):
        d = demand_rps * rb.share * rb.units_per_request
        first = math.ceil(d[0] / rb.per_instance) if minutes else 0
        floors: dict[str, np.ndarray] = {}
        for name in strategies:
            g = pl if name == "plan" else rb
            rules: tuple[Rule, ...] = ()
            if name == "static":
                lo = np.full(minutes, static_size(g, static_peak_rps), dtype=np.int64)
                follow = True
            elif name == "reactive":
                lo, follow, rules = np.full(minutes, g.min, dtype=np.int64), False, g.rules
            else:  # schedule alone; runbook / plan: scheduled floor + triggers
                key = "plan" if name == "plan" else "runbook"
                if key not in floors:
                    floors[key] = min_size_series(g.schedule, start, minutes, g.min, g.max)
                lo = floors[key]
                follow = name == "schedule"
                rules = () if follow else g.rules
            init = int(lo[0]) if follow else min(max(int(lo[0]), first), g.max)
            in_service, _running, _actions, _flaps, totals = replay_group(
                d, lo, g.max, per_instance=g.per_instance, boot_min=g.boot_min, init_desired=init,
                rules=rules, follow_min=follow, observed=observed)
            tail = slice(minutes - min(keep_minutes, minutes), minutes)
            out[name][g.name] = (score(totals, g),
                                 {"demand": d[tail].copy(), "capacity": in_service[tail] * g.per_instance,
                                  "min_size": lo[tail].copy()})
    return out


def to_rps(history: HourlyHistory, unit: str, peak_rps: float | None = None) -> HourlyHistory:
    """The history in requests/s (`unit` requests_per_hour divides by 3600), optionally rescaled so its
    highest observed hour is `peak_rps` (replay a real trace's shape at the stack's size)."""
    values = np.asarray(history.values, dtype=float) / (3600.0 if unit == "requests_per_hour" else 1.0)
    note = f"{unit}" + (" / 3600" if unit == "requests_per_hour" else "")
    if peak_rps is not None:
        top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
        if top > 0:
            values = values * (peak_rps / top)
            note += f", rescaled x{peak_rps / top:.6g} to a peak of {peak_rps:g} rps"
    return HourlyHistory(history.start, values, f"{history.source} ({note})", history.issues)


def simulate(cfg: PlatformConfig, history: HourlyHistory, *, seed: int = 0, boot_s: int | None = None,
             strategies: tuple[str, ...] = STRATEGIES, keep_minutes: int = 0
             ) -> tuple[dict[str, Any], Results]:
    """Replay the whole `history` (requests/s) through the plan built from it, and the baselines.

    Returns (the JSON document, the per-strategy/group results with the last `keep_minutes` of series).
    """
    runbook, plan = plans_for(cfg, history)
    rb_groups, pl_groups = groups_of(cfg, runbook, boot_s), groups_of(cfg, plan, boot_s)
    demand, observed, sigma = minute_demand(history.values, seed)
    peak = float(np.nanmax(history.values))
    result = replay_strategies(demand, observed, history.start, peak, rb_groups, pl_groups, strategies,
                               keep_minutes)
    return summarise(result, pl_groups, len(history), sigma, seed, mode=(
        "whole history, plan built from it (in-sample); static peak = the history's highest hour")), result


def backtest(cfg: PlatformConfig, history: HourlyHistory, origins: list[int], *, seed: int = 0,
             boot_s: int | None = None, strategies: tuple[str, ...] = STRATEGIES) -> dict[str, Any]:
    """At each origin (hour index), plans from history[:origin] only; replay the next week."""
    demand, observed, sigma = minute_demand(history.values, seed)
    merged: Results = {s: {} for s in strategies}
    groups: list[Group] = []
    hours = 0
    for o in origins:
        past = HourlyHistory(history.start, history.values[:o], history.source)
        runbook, plan = plans_for(cfg, past)
        rb_groups, pl_groups = groups_of(cfg, runbook, boot_s), groups_of(cfg, plan, boot_s)
        groups = groups or pl_groups
        window = history.values[max(0, o - STATIC_WINDOW_HOURS):o]
        peak = float(np.nanmax(window)) if np.isfinite(window).any() else float(np.nanmax(history.values))
        span = slice(o * MINUTES_PER_HOUR, min(len(history), o + HOURS_PER_WEEK) * MINUTES_PER_HOUR)
        week = replay_strategies(demand[span], observed[span], history.start + timedelta(hours=o), peak,
                                 rb_groups, pl_groups, strategies)
        hours += (span.stop - span.start) // MINUTES_PER_HOUR
        for name, per_group in week.items():
            for gname, (sc, _series) in per_group.items():
                if gname in merged[name]:
                    merged[name][gname][0].add(sc)
                else:
                    merged[name][gname] = (sc, {})
    return summarise(merged, groups, hours, sigma, seed, mode=(
        f"backtest: {len(origins)} weekly origins, plans rebuilt from the history before each origin only; "
        f"static peak = the {STATIC_WINDOW_HOURS} h before the origin"))


def summarise(result: Results, groups: list[Group], hours: int, sigma: float,
              seed: int, mode: str) -> dict[str, Any]:
    """The `scaling simulate --format json` document (DESIGN.md "More commands")."""
    strategies = []
    units = {g.name: g.units for g in groups}
    for name, per_group in result.items():
        total = Score()
        for sc, _series in per_group.values():
            total.add(sc)
        api_peak = max((sc.peak_shortfall for g, (sc, _) in per_group.items() if units.get(g) == "rps"), default=0.0)
        doc = total.to_dict()
        doc["peak_shortfall"] = round(api_peak, 3)
        strategies.append({"name": name, "description": DESCRIPTIONS.get(name, name), **doc})
    group_docs = []
    for g in groups:
        group_docs.append({
            "group": g.name, "region": g.region, "tier": g.tier, "share": round(g.share, 4),
            "units": "requests/s" if g.units == "rps" else g.units, "per_instance": g.per_instance,
            "instance_type": g.instance_type, "price_hour_usd": g.price_hour, "min": g.min, "max": g.max,
            "boot_s": g.boot_min * 60,
            "triggers": [f"{m} {'>' if d > 0 else '<'} {thr:g} for {n} min -> {adj:+d}, hold {hold} min"
                         for m, d, thr, n, adj, hold in g.rules],
            "not_simulated": list(g.not_simulated),
            "strategies": [{"name": name, **result[name][g.name][0].to_dict()}
                           for name in result if g.name in result[name]],
        })
    return {"hours": hours, "mode": mode, "strategies": strategies, "groups": group_docs,
            "minute_model": {"seed": seed, "sigma": round(sigma, 4), "description": (
                "hour value = the minutes' mean; linear ramp between hour midpoints x seeded log-normal noise "
                "(10-minute bursts) of the history's own hour-to-hour spread sigma; unobserved hours interpolated "
                "for the controllers and not scored")},
            "metrics": "requests per instance = demand / in service; CPU = 100 % x demand / rated capacity; "
                       "queue = fluid backlog; memory and latency alarms are not simulated (no signal in a "
                       "request history); cost at on-demand prices (spot savings not modelled)"}
