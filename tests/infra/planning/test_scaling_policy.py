"""Scaling planner: trigger rows, the scaling-loop config error, ladders, schedules, spot, emergency modes."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra.config import ConfigError, parse_platform
from infra.model.scaling import LADDERS, MAX_SCHEDULED_ACTIONS
from infra.planning import scaling_policy as sp
from infra.planning.pipeline import plan_capacity
from infra.planning.rollout import plan_rollout
from infra.planning.schedule import build_schedule, cost_schedule_curve, floor_curve, group_shares
from infra.planning.vertical import plan_vertical
from tests.conftest import ROOT, stack_platform


def cfg_of(stack: str = "prod", *overrides: str):
    platform, _ = stack_platform(stack, tuple(overrides))
    return parse_platform(platform, f"Pulumi.{stack}.yaml")


def plan_of(stack: str = "prod", *overrides: str):
    return plan_capacity(cfg_of(stack, *overrides))


# novacron "Horizontal Scaling Triggers": (tier, trigger, direction, threshold, periods, adjustment, cooldown)
TRIGGER_ROWS = [
    ("api", "cpu", "out", 70, 2, 2, 300), ("api", "cpu", "in", 30, 10, -1, 600),
    ("api", "memory", "out", 80, 3, 2, 300), ("api", "memory", "in", 40, 15, -1, 600),
    ("api", "requests", "out", 1000, 1, 3, 180), ("api", "requests", "in", 200, 20, -2, 900),
    ("api", "latency", "out", 0.5, 2, 4, 240), ("api", "latency", "in", 0.1, 30, -1, 1200),
    ("worker", "cpu", "out", 70, 2, 2, 300), ("worker", "memory", "in", 40, 15, -1, 600),
    ("worker", "queue", "out", 1000, 1, 5, 120), ("worker", "queue", "in", 100, 15, -2, 600),
]


@pytest.mark.parametrize("tier,trigger,direction,threshold,periods,adjustment,cooldown", TRIGGER_ROWS)
def test_trigger_rows(tier, trigger, direction, threshold, periods, adjustment, cooldown):
    rules = {(r.trigger, r.direction): r for r in sp.trigger_rules(cfg_of(), tier)}
    rule = rules[(trigger, direction)]
    assert (rule.threshold, rule.evaluation_periods, rule.adjustment, rule.cooldown_s, rule.period_s) == \
        (threshold, periods, adjustment, cooldown, 60)
    assert rule.comparison == ("GreaterThanThreshold" if direction == "out" else "LessThanThreshold")


def test_trigger_sets_per_tier():
    assert {r.trigger for r in sp.trigger_rules(cfg_of(), "api")} == {"cpu", "memory", "requests", "latency"}
    assert {r.trigger for r in sp.trigger_rules(cfg_of(), "worker")} == {"cpu", "memory", "queue"}


@pytest.mark.parametrize("override,message", [
    ("scaling.triggers.cpu.scale_in.threshold=70",
     "scaling-platform:platform.scaling.triggers.cpu.scale_in.threshold: 70 >= scale_out.threshold 70: scaling "
     "loop; scale-in threshold must be below the scale-out threshold"),
    ("scaling.triggers.queue.scale_in.cooldown_s=100",
     "scaling-platform:platform.scaling.triggers.queue.scale_in.cooldown_s: 100 < scale_out.cooldown_s 120: "
     "scaling loop; scale-in cooldown must be at least the scale-out cooldown"),
    ("scaling.triggers.requests.scale_in.step=4",
     "scaling-platform:platform.scaling.triggers.requests.scale_in.step: 4 > scale_out.step 3: scaling loop; "
     "scale-in step must not exceed the scale-out step"),
])
def test_scaling_loop_is_a_config_error(override, message):
    platform, _ = stack_platform("prod")
    from infra.config import apply_overrides
    with pytest.raises(ConfigError) as err:
        parse_platform(apply_overrides(platform, [override], "Pulumi.prod.yaml"), "Pulumi.prod.yaml")
    assert str(err.value) == f"Pulumi.prod.yaml: {message}"


def test_trigger_bounds_loosest_max_strictest_min():
    cfg = cfg_of()
    assert sp.trigger_bounds(cfg, "api", 10, 100)[:2] == (10, 100)
    assert sp.trigger_bounds(cfg, "api", 1, 400)[:2] == (5, 150)  # requests floor 5, loosest max 150
    assert sp.trigger_bounds(cfg, "worker", 5, 300)[:2] == (10, 200)  # queue min_workers 10 / max_workers 200
    assert sp.trigger_bounds(cfg, "api", 1, 2)[:2] == (1, 2)  # a floor that does not fit: the stack's range stands
    assert sp.trigger_bounds(cfg, "api", 1, 50, "region x min_instances")[:2] == (1, 50)  # explicit min wins


# ------------------------------------------------------------------ ladders

LADDER_STEPS = [(name, a, b) for name, rungs in LADDERS.items() for a, b in zip(rungs, rungs[1:])]


@pytest.mark.parametrize("ladder,frm,to", LADDER_STEPS)
def test_memory_over_80_moves_one_rung(ladder, frm, to):
    vert = plan_vertical(frm, ladder, 0, 85, desired=10, max_size=100)
    assert (vert.to_type, vert.added_instances) == (to, 0)
    assert f"{frm} -> {to}" in vert.reason


@pytest.mark.parametrize("ladder", list(LADDERS))
def test_top_rung_stays(ladder):
    top = LADDERS[ladder][-1]
    vert = plan_vertical(top, ladder, 0, 95, desired=10, max_size=100)
    assert vert.to_type == top and "no higher rung" in vert.reason


def test_cpu_over_70_adds_int_cpu_over_70_first():
    vert = plan_vertical("c5.large", "cpu", 150, 85, desired=10, max_size=100)
    assert vert.added_instances == 2  # int(150/70)
    assert vert.to_type == "c5.xlarge"  # memory > 80 still moves the rung


def test_cpu_add_past_max_moves_rung_instead():
    vert = plan_vertical("c5.large", "cpu", 150, 0, desired=99, max_size=100)
    assert (vert.added_instances, vert.to_type) == (0, "c5.xlarge")


def test_defaults_trigger_nothing_and_plan_applies_ladder():
    assert all(t.instance_type == "c5.large" for r in plan_of().regions.values() for t in r.tiers.values())
    plan = plan_of("prod", "tiers.api.forecast_memory_pct=90", "tiers.worker.forecast_cpu_pct=140")
    api, worker = plan.regions["us-east-1"].tiers["api"], plan.regions["us-east-1"].tiers["worker"]
    base = plan_of().regions["us-east-1"].tiers["worker"]
    # memory-bound c5.large: the memory-optimised family (r5.large), not up the CPU ladder (issue 18)
    assert api.instance_type == "r5.large" and "c5.large -> r5.large" in api.reason
    assert api.scaling.vertical.binding == "memory"
    assert worker.desired == base.desired + 2 and worker.min == worker.desired


# ------------------------------------------------------------------ schedules

def test_cost_schedule_curve_is_the_runbook_week():
    curve = cost_schedule_curve(cfg_of().scaling.schedules.entries)
    mon, sat, sun = 0, 5 * 24, 6 * 24
    assert curve[mon + 7] == 3 and curve[mon + 8] == 25 and curve[mon + 9] == 20 and curve[mon + 18] == 5
    assert curve[24 + 3] == 5 and curve[sat + 0] == 3 and curve[sun + 12] == 3


def test_floor_curve_combines_schedule_and_factors():
    cfg = cfg_of()
    curve, reason = floor_curve(cfg, desired=14, lo=10, hi=100)
    assert len(curve) == 168
    assert curve[3] == 10              # night: max(3, int(14 x 0.7)=9) -> clamped to min 10
    assert curve[7] == 16              # morning: int(14 x 1.2) = 16
    assert curve[8] == 25              # Monday 08:00 surge 25 > 16
    assert curve[24 + 12] == 21        # business: max(20, int(14 x 1.5)=21)
    assert curve[24 + 20] == 18        # evening: int(14 x 1.3) = 18
    assert "clamp(max(cost schedule target" in reason


def test_prod_schedule_in_region_time_zone():
    plan = plan_of()
    sched = plan.regions["ap-southeast-1"].tiers["api"].scaling.schedule
    assert sched.time_zone == "Asia/Singapore" and len(sched.curve) == 168
    api = plan.regions["us-east-1"].tiers["api"].scaling.schedule
    assert {a.recurrence: a.min_size for a in api.actions} == {
        "0 6 * * MON-SUN": 16, "0 9 * * MON-SUN": 21, "0 18 * * MON-SUN": 18, "0 23 * * MON-SUN": 10}


def test_build_schedule_merges_clamps_and_limits():
    curve = [5] * 168
    curve[30:40] = [50] * 10
    sched = build_schedule(curve, 6, 40, "UTC", "test")
    assert [(a.recurrence, a.min_size) for a in sched.actions] == [("0 6 * * TUE", 40), ("0 16 * * TUE", 6)]
    assert max(sched.curve) == 40 and min(sched.curve) == 6
    zigzag = [i % 2 * 10 + i for i in range(168)]  # 168 transitions
    limited = build_schedule(zigzag, 0, 1000, "UTC", "test")
    assert len(limited.actions) <= MAX_SCHEDULED_ACTIONS
    with pytest.raises(ValueError, match="need 168"):
        build_schedule([1] * 24, 0, 10, "UTC", "test")


# ------------------------------------------------------------------ spot and rollout

def test_spot_classes():
    plan = plan_of()
    api, worker = (plan.regions["us-east-1"].tiers[t].scaling.spot for t in ("api", "worker"))
    assert (api.spot_class, api.percentage_spot, api.on_demand_base, api.on_demand_percentage_above_base) == \
        ("stateless", 70, 10, 30)
    assert api.instance_types == ("c5.large", "t3.medium", "t3.large", "t3.xlarge")
    assert (worker.spot_class, worker.percentage_spot, worker.on_demand_base) == ("batch", 90, 0)
    assert worker.allocation_strategy == "price-capacity-optimized"
    # novacron §6 max_price 'on_demand * 0.7' / 0.6 / 0.5: c5.large $0.085/h in us-east-1
    assert (api.max_price_factor, api.spot_max_price, worker.max_price_factor, worker.spot_max_price) == \
        (0.7, "0.0595", 0.6, "0.051")
    assert api.reason.endswith("max price on_demand x 0.7 = c5.large $0.085/h (us-east-1) x 0.7 = $0.0595/h "
                               "(novacron §6 implement_spot_strategy)")
    dev = plan_of("dev").regions["us-east-1"].tiers["api"].scaling.spot
    assert (dev.spot_class, dev.percentage_spot, dev.instance_types) == ("dev", 100, ("t3.medium", "t3.small"))
    assert (dev.max_price_factor, dev.spot_max_price) == (0.5, "0.0208")  # t3.medium $0.0416/h x 0.5
    assert plan_of("prod", "tiers.api.spot_class=on_demand").regions["us-east-1"].tiers["api"].scaling.spot is None


def test_rollout_from_gradual_scaling():
    roll = plan_rollout(cfg_of(), "api", desired=14)
    assert (roll.min_healthy_percentage, roll.checkpoint_delay_s, roll.auto_rollback) == (90, 120, True)
    assert roll.checkpoint_percentages == (15, 29, 43, 58, 72, 86, 100)  # steps of 2 of 14
    assert roll.health_thresholds == {"error-rate": 1.0, "latency": 0.5, "cpu": 85}
    assert (roll.health_statistic, roll.health_period_s, roll.health_evaluation_periods) == ("Average", 60, 1)
    assert roll.health_alarms["latency"] == "TargetResponseTime Average of 60 s, 1 period > 500 ms"
    assert len(plan_rollout(cfg_of(), "worker", desired=200).checkpoint_percentages) == 10


# ------------------------------------------------------------------ emergency

def _tiers(plan, tier):
    return {name: region.tiers[tier] for name, region in plan.regions.items()}


def test_emergency_up_api_doubles_healthy_regions():
    base = _tiers(plan_of("prod", "failed_regions=[ap-southeast-1]"), "api")
    plan = plan_of("prod", "failed_regions=[ap-southeast-1]", "emergency.mode=up", "emergency.target=api")
    up = _tiers(plan, "api")
    # no live count recorded: the region table's current_instances (25 / 15 / 12) is what is doubled
    for name, current in (("us-east-1", 25), ("us-west-2", 15), ("eu-west-1", 12)):
        assert (up[name].min, up[name].desired) == (current * 2, current * 2)
        assert up[name].max == max(base[name].max, current * 2)
        assert up[name].reasons["desired"].endswith(
            f"(doubled: current_instances {current} (region table {name}; no live count recorded))")
    assert (up["ap-southeast-1"].min, up["ap-southeast-1"].desired) == \
        (base["ap-southeast-1"].min, base["ap-southeast-1"].desired)
    assert _tiers(plan, "worker")["us-east-1"].min == \
        _tiers(plan_of("prod", "failed_regions=[ap-southeast-1]"), "worker")["us-east-1"].min
    block = plan.to_dict()["emergency"]
    assert block["active"] and block["mode"] == "up" and "EMERGENCY MODE UP" in block["note"]
    assert block["k8s_api_resources"]["limits"] == {"cpu": "2000m", "memory": "4Gi"}
    assert block["note"] in plan.notes



def test_emergency_up_api_raises_min_to_the_doubled_desired():
    # novacron §2 scale_up_emergency: new_count = current_count * 2; desiredCapacity is ignored once the
    # ASG exists, so the minimum carries the doubled count (capped at max).
    base = plan_of().regions["us-east-1"].tiers["api"]
    assert (base.min, base.desired, base.max) == (10, 14, 100)
    up = plan_of("prod", "emergency.mode=up", "emergency.target=api").regions["us-east-1"].tiers["api"]
    # the count doubled is the region table's current_instances 25 (what runs now), not the planned 14
    assert (up.min, up.desired, up.max) == (50, 50, 100)
    assert "desired 25->50 (x2), min 10->50 (raised to the doubled desired, capped at max" in up.reasons["min"]
    assert up.reasons["min"].endswith("(doubled: current_instances 25 (region table us-east-1; no live count recorded))")
    # a live count recorded by `scaling emergency --apply` wins over current_instances
    live = plan_of("prod", "emergency.mode=up", "emergency.target=api",
                   "emergency.live_desired={us-east-1: {api: 30}}").regions["us-east-1"].tiers["api"]
    assert (live.min, live.desired, live.max) == (60, 60, 100)
    assert live.reasons["min"].endswith("(doubled: live count 30 (emergency.live_desired))")
    # the region table's current_instances bounds the front tier only: workers step from the planned count
    ap = plan_of("prod", "emergency.mode=up", "emergency.target=api").regions["ap-southeast-1"].tiers["api"]
    assert (ap.min, ap.desired, ap.max) == (16, 16, 30)  # current_instances 8 x 2


def test_emergency_up_worker_step_and_env():
    base, plan = _tiers(plan_of(), "worker"), plan_of("prod", "emergency.mode=up", "emergency.target=worker")
    w = _tiers(plan, "worker")["us-east-1"]
    assert (w.min, w.desired) == (base["us-east-1"].min + 10, base["us-east-1"].desired + 10)
    assert w.scaling.emergency_env == {"MAX_CONCURRENT_JOBS": "50", "WORKER_THREADS": "16"}
    assert plan.to_dict()["emergency"]["worker_env"] == {"MAX_CONCURRENT_JOBS": "50", "WORKER_THREADS": "16"}


def test_emergency_down_and_reset_and_all():
    down = plan_of("prod", "emergency.mode=down", "emergency.target=all")
    assert {t.min for t in _tiers(down, "api").values()} == {3}
    assert {t.min for t in _tiers(down, "worker").values()} == {5}
    reset = plan_of("prod", "emergency.mode=reset", "emergency.target=api")
    assert {(t.min, t.max, t.desired) for t in _tiers(reset, "api").values()} == {(3, 20, 5)}
    assert _tiers(reset, "worker")["us-east-1"].min == _tiers(plan_of(), "worker")["us-east-1"].min
    db = plan_of("prod", "emergency.mode=up", "emergency.target=database")
    assert _tiers(db, "api")["us-east-1"].min == _tiers(plan_of(), "api")["us-east-1"].min
    assert "data-tier" in db.to_dict()["emergency"]["data_tier"]


def test_emergency_keeps_schedule_names_and_clamps_values():
    base = plan_of().regions["us-east-1"].tiers["api"].scaling.schedule
    up = plan_of("prod", "emergency.mode=up", "emergency.target=api").regions["us-east-1"].tiers["api"]
    assert [a.slug for a in up.scaling.schedule.actions] == [a.slug for a in base.actions]
    assert min(a.min_size for a in up.scaling.schedule.actions) >= up.min



SLUGS_US_EAST_1_API = ["mon-sun-0600", "mon-sun-0900", "mon-sun-1800", "mon-sun-2300"]


@pytest.mark.parametrize("mode,target,tier,floor", [
    ("reset", "api", "api", 3), ("down", "all", "api", 3), ("down", "all", "worker", 5)])
def test_emergency_down_and_reset_pin_the_recurring_schedule_to_the_emergency_minimum(mode, target, tier, floor):
    # novacron §2 reset_to_baseline (--min-size 3) / scale_down_safely (Minimum 3 instances / 5 workers):
    # no recurring action may raise the minimum above it (was mon-sun-0900=20, mon-0800=20 under reset).
    base = plan_of().regions["us-east-1"].tiers[tier].scaling.schedule
    t = plan_of("prod", f"emergency.mode={mode}", f"emergency.target={target}").regions["us-east-1"].tiers[tier]
    assert t.min == floor
    assert [a.slug for a in t.scaling.schedule.actions] == [a.slug for a in base.actions]
    assert [a.min_size for a in t.scaling.schedule.actions] == [floor] * len(base.actions)
    assert set(t.scaling.schedule.curve) == {floor}
    assert (f"EMERGENCY {mode}: every recurring action set to the emergency minimum {floor}"
            in t.scaling.schedule.reason)


def test_emergency_reset_schedule_resources_under_the_mocks():
    from tests.conftest import run_stack

    run = run_stack("prod", ("emergency.mode=reset", "emergency.target=api"))
    actions = {r.inputs["scheduledActionName"]: r.inputs["minSize"] for r in run.resources
               if r.type == "aws:autoscaling/schedule:Schedule" and r.parent
               and "prod-us-east-1-api-schedule" in r.name}
    assert actions == {f"floor-{slug}": 3 for slug in SLUGS_US_EAST_1_API}


def test_planners_are_pure():
    for module in ("infra/planning/scaling_policy.py", "infra/config/scaling.py"):
        tree = ast.parse(Path(ROOT / module).read_text())
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not names & {"pulumi", "pulumi_aws", "boto3"}, module


def test_cost_schedule_targets_split_over_the_groups():
    """novacron §6 targets (20/5/3/25) are its one fleet-wide ASG's: each group carries its share of the
    desired instances, so the Monday 08:00 cost-schedule floors sum to about 25, not 8 x 25 = 201."""
    cfg = cfg_of()
    curve, reason = floor_curve(cfg, desired=14, lo=0, hi=100, share=(14, 91))
    assert curve[8] == 16  # ceil(25 x 14/91) = 4 < int(14 x 1.2) = 16: the time-of-day factor binds
    assert "ceil(cost schedule target x 14/91: this group's share" in reason
    alone, _ = floor_curve(cfg, desired=0, lo=0, hi=100, share=(14, 91))
    assert (alone[8], alone[24 + 12], alone[24 + 20], alone[5 * 24 + 12]) == (4, 4, 1, 1)  # 25/20/5/3 x 14/91
    plan = plan_of()
    desired = {(r, t): tier.desired for r, region in plan.regions.items() for t, tier in region.tiers.items()}
    assert sum(desired.values()) == 95  # ap-southeast-1 worker 6 -> 10 (queue rule min_workers 10)
    shares = group_shares(cfg, desired)
    parts = [floor_curve(cfg, 0, 0, 1000, shares[key])[0][8] for key in desired]
    assert sorted(parts) == [2, 2, 3, 3, 3, 4, 5, 6] and sum(parts) == 28  # 25 + rounding up per group
    mon_0800 = sum(tier.scaling.schedule.curve[8] for region in plan.regions.values() for tier in region.tiers.values())
    assert mon_0800 == 111  # the time-of-day factor 1.2 on desired binds everywhere (was 201 with 8 x 25)
