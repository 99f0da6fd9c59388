"""Burst planner (novacron "Burst Capacity Planning"): pre-warm before, hold 30 min after, within max and budget."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from infra import pricing
from infra.config import apply_overrides, parse_platform, read_stack_file
from infra.planning import plan_stack
from tests.conftest import ROOT, by_name, run_stack

NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)
EVENT = '[{name: black-friday, start: "2026-11-27T09:00:00", duration_hours: 6, peak_multiplier: 2.5, warmup_minutes: 20}]'


def plan(*overrides: str):
    stack_file = read_stack_file(ROOT / "Pulumi.prod.yaml")
    cfg = parse_platform(apply_overrides(stack_file.platform, list(overrides), "f"), "f")
    return plan_stack(cfg, now=NOW)


def actions(p, region: str, tier: str) -> dict[str, object]:
    schedule = p.regions[region].tiers[tier].scaling.schedule
    return {a.slug: a for a in schedule.actions}


def usd_per_hour(region: str, tier) -> float:
    """The cited on-demand price x the region multiplier (infra/pricing.py)."""
    return pricing.EC2_HOURLY_USD[tier.instance_type] * pricing.REGION_MULTIPLIER.get(region, 1.0)


def tiers_of(p):
    return [(region, tier) for region, reg in p.regions.items() for tier in reg.tiers.values()]


def planned_compute_usd(p) -> float:
    """Monthly on-demand cost of the planned desired counts: desired x $/h x 730 h, every tier."""
    return sum(t.desired * usd_per_hour(r, t) * pricing.HOURS_PER_MONTH for r, t in tiers_of(p))


def extra_usd(p, multiplier: float, hours: float) -> float:
    """Extra instances (ceil(desired x multiplier) capped at max, minus desired) x hours x $/h."""
    return sum((min(math.ceil(t.desired * multiplier), t.max) - t.desired) * hours * usd_per_hour(r, t)
               for r, t in tiers_of(p))


# black-friday window: 20 min warm-up + 6 h + 30 min cooldown
HOURS = (20 + 6 * 60 + 30) / 60


def test_event_prewarms_and_releases_after_cooldown():
    p = plan(f"events={EVENT}")
    api = actions(p, "us-east-1", "api")
    warm, release = api["event-black-friday-warm"], api["event-black-friday-release"]
    # ceil(14 desired x 2.5) = 35, from 20 min before 09:00 to 6 h + 30 min cooldown after
    assert (warm.min_size, warm.start_time, warm.recurrence) == (35, "2026-11-27T08:40:00Z", None)
    assert release.start_time == "2026-11-27T15:30:00Z"
    # back to the recurring minimum at 15:30 UTC = 10:30 New York on a Friday (business hours x1.5)
    floor = p.regions["us-east-1"].tiers["api"].scaling.schedule.curve[4 * 24 + 10]
    assert release.min_size == floor
    assert "ceil(14 desired x 2.5) = 35 (cap max 100)" in warm.reason
    summary = p.bursts["events"]["black-friday"]
    assert (summary["warm_at"], summary["release_at"]) == ("2026-11-27T08:40:00Z", "2026-11-27T15:30:00Z")
    # extra = (ceil(desired x 2.5) - desired) summed over 4 regions x 2 tiers = 138 instances, x 6 h 50 min
    extra = sum(min(math.ceil(t.desired * 2.5), t.max) - t.desired for _, t in tiers_of(p))
    assert extra == 21 + 33 + 15 + 26 + 11 + 17 + 6 + 9 == 138
    assert summary["extra_instance_hours"] == round(extra * HOURS, 2) == 943.0
    assert summary["extra_usd"] == round(extra_usd(p, 2.5, HOURS), 2) == 83.58
    # the budget is far above the plan: nothing is scaled down
    headroom = 250_000 - planned_compute_usd(p)
    assert p.bursts["budget_headroom_usd"] == round(headroom, 2) == 244_115.18
    assert p.bursts["scale"] == 1.0
    assert p.bursts["reason"] == "headroom = budget $250,000 - planned compute $5,885/month"


def test_event_is_capped_at_max_and_scaled_to_budget():
    capped = plan(f"events={EVENT.replace('2.5', '20')}")
    assert actions(capped, "ap-southeast-1", "api")["event-black-friday-warm"].min_size == 30  # region max
    # budget $6,000 - planned $5,884.82 = $115.18 headroom for $528.65 of wanted extra: scale = 0.2179
    tight = plan(f"events={EVENT.replace('2.5', '20')}", "budget_usd_month=6000")
    headroom = 6000 - planned_compute_usd(tight)
    wanted = extra_usd(tight, 20, HOURS)
    assert tight.bursts["budget_headroom_usd"] == round(headroom, 2) == 115.18
    assert round(wanted, 2) == 528.65
    assert tight.bursts["scale"] == round(headroom / wanted, 4) == 0.2179
    warm = actions(tight, "us-east-1", "api")["event-black-friday-warm"]
    # 14 + floor((100 - 14) x scale) = 14 + 18
    assert warm.min_size == 14 + math.floor(86 * headroom / wanted) == 32
    assert "ceil(14 desired x 20) = 100 (cap max 100), scaled to 32 to fit the budget headroom $115 " in warm.reason
    summary = tight.bursts["events"]["black-friday"]
    assert {k: v["min_during_event"] for k, v in summary["tiers"].items()} == {
        "us-east-1/api": 32, "us-east-1/worker": 60, "us-west-2/api": 18, "us-west-2/worker": 56,
        "eu-west-1/api": 16, "eu-west-1/worker": 52, "ap-southeast-1/api": 9, "ap-southeast-1/worker": 30}
    assert summary["extra_usd"] == 112.01 <= tight.bursts["budget_headroom_usd"]
    # a budget below the planned compute leaves no headroom: every event minimum stays at desired
    broke = plan(f"events={EVENT.replace('2.5', '20')}", "budget_usd_month=5800")
    assert (broke.bursts["budget_headroom_usd"], broke.bursts["scale"]) == (0.0, 0.0)
    assert actions(broke, "us-east-1", "api")["event-black-friday-warm"].min_size == 14
    assert broke.bursts["events"]["black-friday"]["extra_usd"] == 0.0


def test_past_events_are_ignored_with_a_note():
    p = plan('events=[{name: old, start: "2020-01-01T00:00:00", duration_hours: 1, peak_multiplier: 2}]')
    assert any("burst event old: already over" in note for note in p.notes)
    assert "event-old-warm" not in actions(p, "us-east-1", "api")


def test_release_is_30_minutes_after_the_event_end():
    event = '[{name: short, start: "2026-11-27T09:00:00", duration_hours: 1, peak_multiplier: 2, warmup_minutes: 0, tiers: [api]}]'
    p = plan(f"events={event}")
    api = actions(p, "us-east-1", "api")
    warm, release = api["event-short-warm"], api["event-short-release"]
    end = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)  # 09:00 + 1 h
    assert warm.start_time == "2026-11-27T09:00:00Z"  # no warm-up
    assert datetime.strptime(release.start_time, "%Y-%m-%dT%H:%M:%S%z") - end == timedelta(minutes=30)
    assert "to 2026-11-27T10:30:00Z (+30 min cooldown)" in warm.reason
    summary = p.bursts["events"]["short"]
    # the 30 min hold is paid for: (28-14 + 20-10 + 14-7 + 8-4) = 35 extra instances x 1.5 h
    assert summary["extra_instance_hours"] == 35 * 1.5 == 52.5
    assert "event-short-warm" not in actions(p, "us-east-1", "worker")  # tiers: [api] only


def _recurring_fires(action, tz: str, start: datetime, stop: datetime):
    """UTC instants in [start, stop) of a cron 'M H * * DAYS' recurring action in time zone tz."""
    minute, hour, _, _, days = action.recurrence.split()
    names = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
    allowed = set()
    for part in days.split(","):
        lo, _, hi = part.partition("-")
        allowed |= set(range(names.index(lo), names.index(hi or lo) + 1))
    local = start.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0, microsecond=0)
    while local < stop:
        fire = local.replace(hour=int(hour), minute=int(minute))
        if local.weekday() in allowed and start <= fire < stop:
            yield fire.astimezone(timezone.utc)
        local += timedelta(days=1)


@pytest.mark.xfail(strict=True, reason=(
    "infra/burst.py bug: the recurring floor actions stay active during an event, so at 06:00 and 09:00 "
    "New York (11:00 and 14:00 UTC) they lower the pre-warmed minimum 35 to 16 and 21 mid-event; the docstring "
    "says the minimum holds through the event and the 30 min cooldown; drop this xfail once fixed"))
def test_prewarmed_minimum_holds_until_the_release():
    p = plan(f"events={EVENT}")
    schedule = p.regions["us-east-1"].tiers["api"].scaling.schedule
    warm = datetime(2026, 11, 27, 8, 40, tzinfo=timezone.utc)
    release = datetime(2026, 11, 27, 15, 30, tzinfo=timezone.utc)
    lowered = [(when.strftime("%H:%M"), a.min_size) for a in schedule.actions if a.recurrence
               for when in _recurring_fires(a, schedule.time_zone, warm, release) if a.min_size < 35]
    assert lowered == []


def test_event_actions_are_one_time_schedules_in_the_stack():
    run = run_stack("prod", (f"events={EVENT.replace('2026', '2099')}",))
    warm = by_name(run, "prod-eu-west-1-worker-schedule-event-black-friday-warm")
    assert warm.inputs["startTime"] == "2099-11-27T08:40:00Z"
    assert "recurrence" not in warm.inputs and "timeZone" not in warm.inputs
    # ceil(11 desired x 2.5) = 28 from 20 min before 09:00 UTC
    assert warm.inputs["maxSize"] == -1 and warm.inputs["minSize"] == 28
    assert (warm.inputs["scheduledActionName"], warm.inputs["autoscalingGroupName"]) == (
        "floor-event-black-friday-warm", "prod-eu-west-1-worker-asg")
    release = by_name(run, "prod-eu-west-1-worker-schedule-event-black-friday-release")
    # 15:30 UTC = 15:30 Dublin (GMT in November) on Friday 2099-11-27: the recurring floor of that hour
    p = plan(f"events={EVENT.replace('2026', '2099')}")
    curve = p.regions["eu-west-1"].tiers["worker"].scaling.schedule.curve
    assert release.inputs["startTime"] == "2099-11-27T15:30:00Z"
    assert release.inputs["minSize"] == curve[4 * 24 + 15] == 20
