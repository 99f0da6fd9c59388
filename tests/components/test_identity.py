"""InstanceIdentity built alone (components/identity.py): the fleet role, its two managed policies, the profile."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.identity import InstanceIdentity, InstanceIdentityArgs
from tests.components.alone import NAMING_PROD, build_alone, check_conventions, tags


def build():
    def make():
        primary = aws.Provider("aws-us-west-2", region="us-west-2")
        return InstanceIdentity("t-identity", InstanceIdentityArgs(naming=NAMING_PROD),
                                opts=pulumi.ResourceOptions(providers={"aws": primary}))
    return build_alone(make)


def test_identity_alone_role_policies_profile():
    built = build()
    check_conventions(built, "identity", "InstanceIdentity")
    assert built.roles() == {"role": "aws:iam/role:Role",
                             "policy-0": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                             "policy-1": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                             "profile": "aws:iam/instanceProfile:InstanceProfile"}
    role = built.named("t-identity-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    assert role.inputs["tags"] == tags(NAMING_PROD, "instance-role")
    assert "inlinePolicies" not in role.inputs and "managedPolicyArns" not in role.inputs
    assert {built.named(f"t-identity-policy-{i}").inputs["policyArn"] for i in (0, 1)} == {
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"}
    assert {built.named(f"t-identity-policy-{i}").inputs["role"] for i in (0, 1)} == {"t-identity-role"}
    profile = built.named("t-identity-profile")
    assert profile.inputs == {"role": "t-identity-role", "tags": tags(NAMING_PROD, "instance-profile")}
    # IAM is global, but every child goes through the provider the program hands the component
    assert {r.provider for r in built.children.values()} == {"aws-us-west-2"}
    assert all(not r.options["protect"] for r in built.children.values())
    assert built.outputs == {"role_arn": "arn:aws:iam:us-west-2:123456789012:t-identity-role",
                             "instance_profile_arn": "arn:aws:iam:us-west-2:123456789012:t-identity-profile"}
