"""CapacitySchedule built alone (components/schedule.py): one MinSize-only scheduled action per planned action."""
from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.schedule import CapacitySchedule, CapacityScheduleArgs
from infra.model.scaling import ScheduledAction
from tests.components.alone import build_alone, check_conventions

SCHEDULE = "aws:autoscaling/schedule:Schedule"
ACTIONS = (
    ScheduledAction("mon-fri-0800", "0 8 * * MON-FRI", 12, reason="business hours"),
    ScheduledAction("mon-fri-2000", "0 20 * * MON-FRI", 4),
    ScheduledAction("burst-black-friday-0600", None, 40, start_time="2030-11-29T06:00:00Z", reason="burst event"),
)


def build(actions=ACTIONS):
    def make():
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        return CapacitySchedule("t-eu-west-1-api-schedule", CapacityScheduleArgs(
            asg_name="t-eu-west-1-api-asg", time_zone="Europe/Dublin", actions=actions),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def test_schedule_alone_recurring_and_one_time_actions():
    built = build()
    check_conventions(built, "schedule", "CapacitySchedule")
    assert built.roles() == {"mon-fri-0800": SCHEDULE, "mon-fri-2000": SCHEDULE, "burst-black-friday-0600": SCHEDULE}
    assert built.named("t-eu-west-1-api-schedule-mon-fri-0800").inputs == {
        "autoscalingGroupName": "t-eu-west-1-api-asg", "scheduledActionName": "floor-mon-fri-0800",
        "recurrence": "0 8 * * MON-FRI", "timeZone": "Europe/Dublin",
        "minSize": 12, "maxSize": -1, "desiredCapacity": -1}  # -1: max and desired stay as they are
    assert built.named("t-eu-west-1-api-schedule-mon-fri-2000").inputs["minSize"] == 4
    # a one-time action carries its own UTC start time: no recurrence, no time zone
    assert built.named("t-eu-west-1-api-schedule-burst-black-friday-0600").inputs == {
        "autoscalingGroupName": "t-eu-west-1-api-asg", "scheduledActionName": "floor-burst-black-friday-0600",
        "startTime": "2030-11-29T06:00:00Z", "minSize": 40, "maxSize": -1, "desiredCapacity": -1}
    assert {r.provider for r in built.children.values()} == {"aws-eu-west-1"}
    assert built.outputs == {"time_zone": "Europe/Dublin", "action_count": 3}


def test_schedule_alone_names_follow_the_slug_not_the_position():
    """Dropping the first action leaves the others' names (and so their resources) untouched."""
    built = build(ACTIONS[1:])
    assert set(built.roles()) == {"mon-fri-2000", "burst-black-friday-0600"}
    assert built.outputs["action_count"] == 2
