"""InstanceIdentity: the IAM role and instance profile every fleet instance runs as.

Least privilege: only the two AWS-managed policies the instances need — SSM Session Manager
(no SSH, no bastion) and the CloudWatch agent (the memory/latency metrics the triggers read).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import Naming

INSTANCE_POLICY_ARNS = (
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
)

_ASSUME_EC2 = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})


@dataclass(frozen=True)
class InstanceIdentityArgs:
    """Naming for the stack-wide instance role and profile."""

    naming: Naming


class InstanceIdentity(pulumi.ComponentResource):
    """Role + managed-policy attachments + instance profile (IAM is global: created once per stack)."""

    def __init__(self, name: str, args: InstanceIdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:identity:InstanceIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(f"{name}-role", assume_role_policy=_ASSUME_EC2,
                                 description="scaling-platform fleet instances (SSM + CloudWatch agent only)",
                                 tags=args.naming.tags("instance-role"), opts=child)
        for index, arn in enumerate(INSTANCE_POLICY_ARNS):
            aws.iam.RolePolicyAttachment(f"{name}-policy-{index}", role=self.role.name, policy_arn=arn, opts=child)
        self.profile = aws.iam.InstanceProfile(f"{name}-profile", role=self.role.name,
                                               tags=args.naming.tags("instance-profile"), opts=child)
        self.register_outputs({"role_arn": self.role.arn, "instance_profile_arn": self.profile.arn})
