"""WorkerDrain: a batch group's termination lifecycle hook and the instance permissions its drain handler needs.

Encodes `TierScaling.drain` (infra/planning/drain.py, novacron §2 scale_down_safely): when the group
terminates an instance (scale-in, emergency down, instance refresh) it waits in Terminating:Wait up to the
heartbeat timeout; the instance's handler (infra/model/user_data.py) stops taking jobs, finishes the current
one and completes the action. The same handler sets scale-in protection while a job runs, so the group
picks idle instances first.

The instance role is stack-wide (components/identity.py); the handler's three autoscaling actions are
granted here as a separate inline policy on that role, scoped to this group's ARN only
(`drain_policy_document`), so no other group -- and nothing else in the account -- can be touched.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.model.drain import DRAIN_IAM_ACTIONS, DrainPlan


def drain_policy_document(asg_arn: str) -> dict[str, Any]:
    """IAM policy: complete/heartbeat the lifecycle action and set scale-in protection on one group only."""
    return {"Version": "2012-10-17",
            "Statement": [{"Sid": "DrainOwnGroup", "Effect": "Allow", "Action": list(DRAIN_IAM_ACTIONS),
                           "Resource": asg_arn}]}


@dataclass(frozen=True)
class WorkerDrainArgs:
    """The group to drain, its plan, and the instance role that runs the handler."""

    asg_name: pulumi.Input[str]
    asg_arn: pulumi.Input[str]
    instance_role_name: pulumi.Input[str]
    drain: DrainPlan


class WorkerDrain(pulumi.ComponentResource):
    """`<name>-hook` LifecycleHook (EC2_INSTANCE_TERMINATING) + `<name>-policy` RolePolicy on the instance role."""

    def __init__(self, name: str, args: WorkerDrainArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:drain:WorkerDrain", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        plan = args.drain
        self.hook = aws.autoscaling.LifecycleHook(
            f"{name}-hook", name=plan.hook_name, autoscaling_group_name=args.asg_name,
            lifecycle_transition=plan.lifecycle_transition, heartbeat_timeout=plan.heartbeat_timeout_s,
            default_result=plan.default_result, opts=child)
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy", role=args.instance_role_name,
            policy=pulumi.Output.from_input(args.asg_arn).apply(lambda arn: json.dumps(drain_policy_document(arn))),
            opts=child)
        self.register_outputs({"hook_name": self.hook.name, "heartbeat_timeout_s": plan.heartbeat_timeout_s,
                               "policy_name": self.policy.name})
