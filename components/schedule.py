"""CapacitySchedule: scheduled MinSize changes of one Auto Scaling group, in the region's own time zone.

Encodes `infra.planning.scaling_policy.TierSchedule` (novacron schedule_based_scaling + predictive_regional_scaling
time-of-day factors, or any 168-value hour-of-week curve). Each action sets only MinSize; max and
desired stay untouched (-1), so the triggers keep working between two actions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pulumi
import pulumi_aws as aws

from infra.model.scaling import ScheduledAction

UNCHANGED = -1  # AWS: -1 leaves the size as it is at the scheduled time


@dataclass(frozen=True)
class CapacityScheduleArgs:
    """The group, its time zone and the planned scheduled actions."""

    asg_name: pulumi.Input[str]
    time_zone: str
    actions: Sequence[ScheduledAction]


class CapacitySchedule(pulumi.ComponentResource):
    """One `aws.autoscaling.Schedule` per action, named `<name>-<days>-<HHMM>` (stable across plans)."""

    def __init__(self, name: str, args: CapacityScheduleArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:schedule:CapacitySchedule", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.actions = [
            aws.autoscaling.Schedule(
                f"{name}-{action.slug}", autoscaling_group_name=args.asg_name,
                scheduled_action_name=f"floor-{action.slug}", recurrence=action.recurrence,
                # one-time actions (burst events) carry their own UTC start time instead of a cron
                start_time=action.start_time, time_zone=None if action.start_time else args.time_zone,
                min_size=action.min_size, max_size=UNCHANGED, desired_capacity=UNCHANGED, opts=child)
            for action in args.actions]
        self.register_outputs({"time_zone": args.time_zone, "action_count": len(self.actions)})
