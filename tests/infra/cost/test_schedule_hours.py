"""infra/cost/schedule_hours.py: ASGs priced at what the schedule keeps running, hour by hour."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cost.lines import PricingError
from infra.cost.pricing import estimate_stack
from infra.cost.schedule_hours import floor_curve, split_on_demand, week_count
from infra.model.cron import cron_days, recurrence_hours
from infra.model.recorded import RecordedResource as R

ROOT = Path(__file__).resolve().parents[3]
SCHED = "aws:autoscaling/schedule:Schedule"


def sched(name, cron, minimum, group="api-asg"):
    return R(SCHED, name, {"recurrence": cron, "minSize": float(minimum), "maxSize": -1.0,
                           "desiredCapacity": -1.0, "autoscalingGroupName": group, "timeZone": "Asia/Singapore"})


def lt():
    return R("aws:ec2/launchTemplate:LaunchTemplate", "api-lt", {"instanceType": "c5.large", "blockDeviceMappings": [
        {"ebs": {"volumeSize": 30.0, "volumeType": "gp3"}}]}, parent="api")


def asg(desired=4.0, minimum=3.0, base=3.0, pct=30.0):
    return R("aws:autoscaling/group:Group", "api-asg", {
        "minSize": minimum, "maxSize": 30.0, "desiredCapacity": desired, "launchTemplate": {"id": "api-lt_id"},
        "mixedInstancesPolicy": {"instancesDistribution": {
            "onDemandBaseCapacity": base, "onDemandPercentageAboveBaseCapacity": pct, "spotMaxPrice": "0.0595"}}},
        parent="api", provider="aws-us-east-1")


WORKDAY = [sched("s-0900", "0 9 * * MON-FRI", 10), sched("s-1700", "0 17 * * MON-FRI", 2)]


def test_cron_fields():
    assert cron_days("MON-FRI") == [0, 1, 2, 3, 4]
    assert cron_days("SAT,SUN") == [5, 6]
    assert cron_days("FRI-MON") == [0, 4, 5, 6]
    assert cron_days("0") == [6]
    assert recurrence_hours("0 8 * * MON") == [8]
    assert recurrence_hours("30 18 * * SAT-SUN") == [5 * 24 + 18, 6 * 24 + 18]
    with pytest.raises(ValueError, match="expected '<minute> <hour> \\* \\* <days>'"):
        recurrence_hours("0 8 1 * MON")


def test_floor_curve_wraps_from_the_end_of_the_week():
    curve = floor_curve(WORKDAY)
    assert len(curve) == 168
    assert curve[0] == 2  # Monday 00:00 still runs Friday 17:00's floor
    assert curve[9] == 10 and curve[16] == 10 and curve[17] == 2
    assert sum(curve) == 40 * 10 + 128 * 2 == 656
    assert floor_curve([]) is None
    # A one-time action (burst event) and a MinSize of -1 (left alone) set no recurring floor.
    assert floor_curve([R(SCHED, "x", {"startTime": "2026-01-01T00:00:00Z", "minSize": 50.0}),
                        sched("y", "0 1 * * MON", -1)]) is None
    with pytest.raises(PricingError, match="^bad: recurrence '0 \\*/2 \\* \\* MON'"):
        floor_curve([sched("bad", "0 */2 * * MON", 4)])


def test_week_count_is_max_of_floor_desired_and_min_each_hour():
    week = week_count(floor_curve(WORKDAY), desired=4, min_size=3, base=3, pct_on_demand=30)
    # 40 weekday hours at the floor 10, the other 128 at desired 4: 400 + 512 = 912 instance-hours.
    assert week.instance_hours == 912
    assert week.avg_instances == pytest.approx(912 / 168) == pytest.approx(5.428571, abs=1e-6)
    # Per hour, base 3 on-demand first, then 30 %: 10 -> 4.9 spot, 4 -> 0.7 spot; (40 x 4.9 + 128 x 0.7) / 168.
    assert week.avg_spot == pytest.approx((196 + 89.6) / 168) == pytest.approx(1.7)
    assert week.scheduled_hours == 40
    assert week.text == ("avg 5.43 instances over 168 h (912 instance-hours/week = max(scheduled floor, desired 4, "
                         "min 3) each hour; floor above 4 in 40 h)")
    assert week_count(None, desired=4, min_size=3).text == "4"


def test_split_puts_the_on_demand_base_first():
    assert split_on_demand(10, 3, 30) == pytest.approx((5.1, 4.9))
    assert split_on_demand(2, 3, 30) == (2, 0)
    assert split_on_demand(20, 0, 10) == pytest.approx((2, 18))


def test_asg_line_priced_from_the_schedule():
    est = estimate_stack([lt(), asg(), *WORKDAY])
    line = est.lines[0]
    # (on-demand 5.428571 - 1.7 + 1.7 spot x 0.7) x $0.085 x 730 h
    assert line.monthly_usd == pytest.approx((912 / 168 - 1.7 + 1.7 * 0.7) * 0.085 * 730) \
        == pytest.approx(305.1974, abs=1e-4)
    assert line.reason == ("avg 5.43 instances over 168 h (912 instance-hours/week = max(scheduled floor, desired 4, "
                           "min 3) each hour; floor above 4 in 40 h) × c5.large × $0.085/h × 730 h, 31% spot at ×0.7")
    ebs = est.lines[1]
    assert ebs.monthly_usd == pytest.approx(912 / 168 * 30 * 0.08)
    assert ebs.reason == "5.43 (avg) × 30 GB gp3 × $0.08/GB-month"
    # Without schedules, the desired count, as before.
    assert estimate_stack([lt(), asg()]).lines[0].reason.startswith("4 × c5.large")
    # Schedules of another group do not count.
    other = [sched(s.name, s.inputs["recurrence"], s.inputs["minSize"], group="other-asg") for s in WORKDAY]
    assert estimate_stack([lt(), asg(), *other]).lines[0].reason.startswith("4 × c5.large")


def test_golden_prod_asg_lines_at_or_above_schedule_weighted_hours():
    """Every ASG line of the bundled prod plan is at least its schedule-weighted instance-hours priced
    at the cheapest share (spot at its cap), and the budget verdict sees the full total."""
    plan = json.loads((ROOT / "tests" / "golden" / "prod.json").read_text())
    lines = {line["item"]: line for line in plan["cost"]["lines"]}
    ap = lines["prod-ap-southeast-1-api-asg"]
    # Singapore api, each day: 6 from 09:00 (9 h), 5 from 18:00 (5 h), 4 otherwise (desired): 119 h a day.
    assert ap["reason"].startswith("avg 4.96 instances over 168 h (833 instance-hours/week")
    assert ap["monthly_usd"] == 324.47
    floor_hours = {f"{r}/{t}": sum(tier["schedule"]["hour_of_week_min"]) for r, region in
                   plan["capacity"]["regions"].items() for t, tier in region["tiers"].items()}
    for item, line in lines.items():
        if item.endswith("-asg"):
            avg = float(line["reason"].split()[1])
            region, tier = item[len("prod-"):-len("-asg")].rsplit("-", 1)
            assert avg * 168 >= floor_hours[f"{region}/{tier}"] - 0.5, item
    assert plan["cost"]["monthly_usd"] == pytest.approx(sum(line["monthly_usd"] for line in plan["cost"]["lines"]),
                                                        abs=0.05)
