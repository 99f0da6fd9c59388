"""InstanceIdentity: the IAM role and instance profile every fleet instance runs as.

Least privilege (issue 16): one inline policy instead of the broad AWS-managed
AmazonSSMManagedInstanceCore / CloudWatchAgentServerPolicy, granting only
- SSM Session Manager (no SSH, no bastion): the agent's registration and its ssmmessages /
  ec2messages channels (these actions have no resource-level permissions, so "*");
- the CloudWatch agent (the memory metric the triggers read, infra/model/user_data.py):
  PutMetricData only in its namespace (cloudwatch:namespace condition), DescribeTags for the
  AutoScalingGroupName dimension, and CloudWatch Logs only in the stack's own log groups;
- ssm:GetParameter(s) only under the stack's own parameter path. The program itself makes the
  instances read no parameter (the AMI's public parameter is resolved by EC2 at launch, not by the
  instance), so this path is where the app's own configuration goes, and nothing wider.

Changing the attachments to this policy updates neither the role nor the profile (same names,
same inputs): the old attachments are deleted, the inline policy is added.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.naming import Naming
from infra.model import security
from infra.model.user_data import MEMORY_METRIC

# Session Manager's instance permissions ("Verify or add instance permissions for Session Manager",
# Systems Manager User Guide) plus the ec2messages channel the SSM agent still polls.
SESSION_MANAGER_ACTIONS = (
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
)
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")
PARAMETER_ACTIONS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath")
# The only metric namespaces the instances may publish to (the CloudWatch agent's, user_data.py).
METRIC_NAMESPACES = (MEMORY_METRIC.namespace,)

_ASSUME_EC2 = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})


def instance_policy(account_id: str, stack: str) -> str:
    """The fleet's inline policy (JSON) for `stack` in `account_id`."""
    path = security.APP_PATH.format(stack=stack).strip("/")
    statements: list[dict[str, Any]] = [
        {"Sid": "SessionManagerRegistration", "Effect": "Allow", "Action": "ssm:UpdateInstanceInformation",
         "Resource": f"arn:aws:ec2:*:{account_id}:instance/*"},
        {"Sid": "SessionManagerChannels", "Effect": "Allow", "Action": list(SESSION_MANAGER_ACTIONS), "Resource": "*"},
        {"Sid": "AgentMetrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": list(METRIC_NAMESPACES)}}},
        {"Sid": "AgentAsgDimension", "Effect": "Allow", "Action": "ec2:DescribeTags", "Resource": "*"},
        {"Sid": "OwnLogGroups", "Effect": "Allow", "Action": list(LOG_ACTIONS),
         "Resource": f"arn:aws:logs:*:{account_id}:log-group:/{path}/*"},
        {"Sid": "OwnParameters", "Effect": "Allow", "Action": list(PARAMETER_ACTIONS),
         "Resource": [f"arn:aws:ssm:*:{account_id}:parameter/{path}",
                      f"arn:aws:ssm:*:{account_id}:parameter/{path}/*"]},
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class InstanceIdentityArgs:
    """Naming for the stack-wide instance role and profile, and the account its policy is scoped to."""

    naming: Naming
    account_id: pulumi.Input[str]


class InstanceIdentity(pulumi.ComponentResource):
    """Role + scoped inline policy + instance profile (IAM is global: created once per stack)."""

    def __init__(self, name: str, args: InstanceIdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:identity:InstanceIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(f"{name}-role", assume_role_policy=_ASSUME_EC2,
                                 description="scaling-platform fleet instances (SSM + CloudWatch agent only)",
                                 tags=args.naming.tags("instance-role"), opts=child)
        stack = args.naming.stack
        aws.iam.RolePolicy(f"{name}-policy", role=self.role.id,
                           policy=pulumi.Output.from_input(args.account_id).apply(
                               lambda account: instance_policy(account, stack)), opts=child)
        self.profile = aws.iam.InstanceProfile(f"{name}-profile", role=self.role.name,
                                               tags=args.naming.tags("instance-profile"), opts=child)
        self.register_outputs({"role_arn": self.role.arn, "instance_profile_arn": self.profile.arn})
