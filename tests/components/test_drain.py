"""WorkerDrain: the termination lifecycle hook and the drain handler's permissions, alone and in the program."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from components.drain import WorkerDrain, WorkerDrainArgs, drain_policy_document
from infra.model.drain import DrainPlan
from tests.components.alone import build_alone, check_conventions
from tests.conftest import by_name, of_type, run_stack

HOOK = "aws:autoscaling/lifecycleHook:LifecycleHook"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")
ACTIONS = ["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat",
           "autoscaling:SetInstanceProtection"]
ASG_ARN = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/t-worker-asg"


def test_worker_drain_alone():
    plan = DrainPlan("drain-jobs", "autoscaling:EC2_INSTANCE_TERMINATING", 900, 900, "CONTINUE", None, 10, "test")

    def make():
        provider = aws.Provider("aws-us-east-1", region="us-east-1")
        return WorkerDrain("t-worker-drain", WorkerDrainArgs(
            asg_name="t-worker-asg", asg_arn=ASG_ARN, instance_role_name="t-role", drain=plan),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))

    built = build_alone(make)
    check_conventions(built, "drain", "WorkerDrain")
    assert built.roles() == {"hook": HOOK, "policy": ROLE_POLICY}
    assert built.named("t-worker-drain-hook").inputs == {
        "name": "drain-jobs", "autoscalingGroupName": "t-worker-asg",
        "lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING", "heartbeatTimeout": 900,
        "defaultResult": "CONTINUE"}
    policy = built.named("t-worker-drain-policy").inputs
    assert policy["role"] == "t-role"
    assert json.loads(policy["policy"]) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "DrainOwnGroup", "Effect": "Allow", "Action": ACTIONS, "Resource": ASG_ARN}]}


def test_policy_document_is_one_group_three_actions_no_wildcard():
    doc = drain_policy_document(ASG_ARN)
    (statement,) = doc["Statement"]
    assert statement["Resource"] == ASG_ARN and statement["Action"] == ACTIONS
    assert "*" not in json.dumps(doc)


@pytest.mark.parametrize("region", REGIONS)
def test_every_prod_worker_group_drains_and_no_api_group_does(region):
    run = run_stack("prod")
    hook = by_name(run, f"prod-{region}-worker-drain-hook")
    assert hook.type == HOOK and hook.parent == f"prod-{region}-worker-drain"
    assert hook.inputs == {"name": "drain-jobs", "autoscalingGroupName": f"prod-{region}-worker-asg",
                           "lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
                           "heartbeatTimeout": 3600, "defaultResult": "CONTINUE"}
    policy = by_name(run, f"prod-{region}-worker-drain-policy").inputs
    assert policy["role"] == "prod-identity-role"  # the stack-wide instance role, scoped to this group only
    assert json.loads(policy["policy"])["Statement"][0]["Resource"] == \
        f"arn:aws:autoscaling:{region}:123456789012:prod-{region}-worker-asg"
    assert {h.inputs["autoscalingGroupName"] for h in of_type(run, HOOK)} == \
        {f"prod-{r}-worker-asg" for r in REGIONS}


@pytest.mark.parametrize("longest,heartbeat", [(600, 600), (7200, 7200), (10800, 7200), (30, 30)])
def test_heartbeat_follows_the_longest_job_within_the_aws_limits(longest, heartbeat):
    run = run_stack("prod", (f"tiers.worker.longest_job_s={longest}",))
    assert by_name(run, "prod-us-east-1-worker-drain-hook").inputs["heartbeatTimeout"] == heartbeat


def test_a_second_batch_tier_drains_too():
    run = run_stack("prod", ("tiers.ingest={role: batch, instance_types: [c5.large], jobs_per_instance: 100, "
                             "longest_job_s: 1200}",))
    assert by_name(run, "prod-us-east-1-ingest-drain-hook").inputs["heartbeatTimeout"] == 1200
