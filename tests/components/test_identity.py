"""InstanceIdentity built alone (components/identity.py): the fleet role, its scoped inline policy, the profile."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.identity import InstanceIdentity, InstanceIdentityArgs
from tests.components.alone import NAMING_PROD, build_alone, check_conventions, tags


def build():
    def make():
        primary = aws.Provider("aws-us-west-2", region="us-west-2")
        return InstanceIdentity("t-identity", InstanceIdentityArgs(naming=NAMING_PROD, account_id="210987654321"),
                                opts=pulumi.ResourceOptions(providers={"aws": primary}))
    return build_alone(make)


def test_identity_alone_role_policies_profile():
    built = build()
    check_conventions(built, "identity", "InstanceIdentity")
    assert built.roles() == {"role": "aws:iam/role:Role", "policy": "aws:iam/rolePolicy:RolePolicy",
                             "profile": "aws:iam/instanceProfile:InstanceProfile"}
    role = built.named("t-identity-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    assert role.inputs["tags"] == tags(NAMING_PROD, "instance-role")
    # unchanged from the managed-policy version: the role is updated in place, never replaced
    assert role.inputs["description"] == "scaling-platform fleet instances (SSM + CloudWatch agent only)"
    assert "inlinePolicies" not in role.inputs and "managedPolicyArns" not in role.inputs
    policy = built.named("t-identity-policy")
    assert policy.inputs["role"] == "t-identity-role_id"
    assert json.loads(policy.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "SessionManagerRegistration", "Effect": "Allow", "Action": "ssm:UpdateInstanceInformation",
         "Resource": "arn:aws:ec2:*:210987654321:instance/*"},
        {"Sid": "SessionManagerChannels", "Effect": "Allow", "Action": [
            "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage",
            "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"],
         "Resource": "*"},
        {"Sid": "AgentMetrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": ["CWAgent"]}}},
        {"Sid": "AgentAsgDimension", "Effect": "Allow", "Action": "ec2:DescribeTags", "Resource": "*"},
        {"Sid": "OwnLogGroups", "Effect": "Allow", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": "arn:aws:logs:*:210987654321:log-group:/scaling-platform/test/*"},
        {"Sid": "OwnParameters", "Effect": "Allow",
         "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
         "Resource": ["arn:aws:ssm:*:210987654321:parameter/scaling-platform/test",
                      "arn:aws:ssm:*:210987654321:parameter/scaling-platform/test/*"]}]}
    profile = built.named("t-identity-profile")
    assert profile.inputs == {"role": "t-identity-role", "tags": tags(NAMING_PROD, "instance-profile")}
    # IAM is global, but every child goes through the provider the program hands the component
    assert {r.provider for r in built.children.values()} == {"aws-us-west-2"}
    assert all(not r.options["protect"] for r in built.children.values())
    assert built.outputs == {"role_arn": "arn:aws:iam:us-west-2:123456789012:t-identity-role",
                             "instance_profile_arn": "arn:aws:iam:us-west-2:123456789012:t-identity-profile"}
