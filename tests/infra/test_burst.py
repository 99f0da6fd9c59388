"""Burst planner (novacron "Burst Capacity Planning"): pre-warm before, hold 30 min after, within max and budget."""
from __future__ import annotations

from datetime import datetime, timezone

from infra import burst
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
    assert summary["warm_at"] == "2026-11-27T08:40:00Z" and summary["extra_usd"] > 0


def test_event_is_capped_at_max_and_scaled_to_budget():
    capped = plan(f"events={EVENT.replace('2.5', '20')}")
    assert actions(capped, "ap-southeast-1", "api")["event-black-friday-warm"].min_size == 30  # region max
    tight = plan(f"events={EVENT.replace('2.5', '20')}", "budget_usd_month=5800")
    scale = tight.bursts["scale"]
    assert 0 <= scale < 1
    assert "to fit the budget headroom" in actions(tight, "us-east-1", "api")["event-black-friday-warm"].reason


def test_past_events_are_ignored_with_a_note():
    p = plan('events=[{name: old, start: "2020-01-01T00:00:00", duration_hours: 1, peak_multiplier: 2}]')
    assert any("burst event old: already over" in note for note in p.notes)
    assert "event-old-warm" not in actions(p, "us-east-1", "api")


def test_event_window_constants():
    assert burst.COOLDOWN_MINUTES == 30


def test_event_actions_are_one_time_schedules_in_the_stack():
    run = run_stack("prod", (f"events={EVENT.replace('2026', '2099')}",))
    warm = by_name(run, "prod-eu-west-1-worker-schedule-event-black-friday-warm")
    assert warm.inputs["startTime"] == "2099-11-27T08:40:00Z"
    assert "recurrence" not in warm.inputs and "timeZone" not in warm.inputs
    assert warm.inputs["maxSize"] == -1 and warm.inputs["minSize"] >= 1
