"""Least privilege, asserted as exact rule lists over the whole prod plan.

Network: the ALB SG is the only ingress open to 0.0.0.0/0 (443, 80); the app SG admits only the
ALB SG on the app port; the DB SG only the app SG on 5432; the cache SG only the app SG on 6379.
Every SecurityGroup and every standalone ingress-rule resource in the plan is scanned, so an SG or
rule added later is caught too.

IAM: the instance role has exactly the SSM + CloudWatch agent managed policies, the Lambda@Edge
role only basic logging, the RDS monitoring role only the enhanced-monitoring policy; no role has
an inline policy (inline `inlinePolicies`, `aws:iam/rolePolicy`) or a customer-managed policy.
"""
from __future__ import annotations

import pytest

from components.identity import INSTANCE_POLICY_ARNS
from components.region import APP_PORT
from tests.conftest import of_type

SG = "aws:ec2/securityGroup:SecurityGroup"
# Standalone rule resources (none today; if one appears it must pass the same checks).
RULE_TYPES = ("aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")
DB_REGIONS = ("us-east-1",)  # prod: shard primaries in the primary region, no cross-region replicas


def _rule(port: int, description: str, *, cidrs=None, groups=None) -> dict:
    rule = {"protocol": "tcp", "fromPort": float(port), "toPort": float(port), "description": description}
    if cidrs is not None:
        rule["cidrBlocks"] = cidrs
    if groups is not None:
        rule["securityGroups"] = groups
    return rule


def expected_ingress(stack: str = "prod") -> dict[str, list[dict]]:
    """Every security group of the prod plan -> its exact ingress rules (mock ids are `<name>_id`)."""
    expected: dict[str, list[dict]] = {}
    for region in REGIONS:
        prefix = f"{stack}-{region}"
        expected[f"{prefix}-alb-sg"] = [_rule(443, "public web", cidrs=["0.0.0.0/0"]),
                                        _rule(80, "public web", cidrs=["0.0.0.0/0"])]
        expected[f"{prefix}-app-sg"] = [_rule(APP_PORT, "from ALB", groups=[f"{prefix}-alb-sg_id"])]
        expected[f"{prefix}-cache-sg"] = [_rule(6379, "from app tiers", groups=[f"{prefix}-app-sg_id"])]
        if region in DB_REGIONS:
            expected[f"{prefix}-data-db-sg"] = [_rule(5432, "from app tiers", groups=[f"{prefix}-app-sg_id"])]
    return expected


def test_every_security_group_has_exactly_the_expected_ingress(prod_run):
    actual = {sg.name: sg.inputs.get("ingress", []) for sg in of_type(prod_run, SG)}
    assert actual == expected_ingress()


def test_only_the_alb_security_groups_are_open_to_the_internet(prod_run):
    open_to_world = set()
    for sg in of_type(prod_run, SG):
        for rule in sg.inputs.get("ingress", []):
            if "0.0.0.0/0" in rule.get("cidrBlocks", []) or "::/0" in rule.get("ipv6CidrBlocks", []):
                open_to_world.add(sg.name)
    for rule in (r for t in RULE_TYPES for r in of_type(prod_run, t)):
        if rule.inputs.get("type", "ingress") == "ingress" and (
                "0.0.0.0/0" in rule.inputs.get("cidrBlocks", []) or rule.inputs.get("cidrIpv4") == "0.0.0.0/0"
                or rule.inputs.get("cidrIpv6") == "::/0"):
            open_to_world.add(rule.name)
    assert open_to_world == {f"prod-{r}-alb-sg" for r in REGIONS}


def test_no_standalone_rules_widen_the_groups(prod_run):
    # Inline rules are the whole truth only while no standalone rule resource adds to a group.
    assert [r.name for t in RULE_TYPES for r in of_type(prod_run, t)] == []


def test_data_groups_allow_no_egress_and_alb_egress_only_to_the_app_port(prod_run):
    for sg in of_type(prod_run, SG):
        if sg.name.endswith(("-cache-sg", "-db-sg")):
            assert sg.inputs["egress"] == [], sg.name
        if sg.name.endswith("-alb-sg"):
            [egress] = sg.inputs["egress"]
            assert (egress["fromPort"], egress["toPort"], egress["protocol"]) == (APP_PORT, APP_PORT, "tcp")
            assert egress["cidrBlocks"][0].endswith(".0.0/16")  # its own VPC only


def test_data_stores_and_instances_use_only_the_private_groups(prod_run):
    for db in of_type(prod_run, "aws:rds/instance:Instance"):
        assert db.inputs["vpcSecurityGroupIds"] == ["prod-us-east-1-data-db-sg_id"], db.name
        assert db.inputs["publiclyAccessible"] is False
    for rg in of_type(prod_run, "aws:elasticache/replicationGroup:ReplicationGroup"):
        region = rg.provider.removeprefix("aws-")
        assert rg.inputs["securityGroupIds"] == [f"prod-{region}-cache-sg_id"], rg.name
    for lt in of_type(prod_run, "aws:ec2/launchTemplate:LaunchTemplate"):
        region = lt.provider.removeprefix("aws-")
        assert lt.inputs["vpcSecurityGroupIds"] == [f"prod-{region}-app-sg_id"], lt.name
        assert not any(n.get("associatePublicIpAddress") for n in lt.inputs.get("networkInterfaces", []))


# --- IAM ---------------------------------------------------------------------------------------------

ROLE_POLICIES = {
    "prod-identity-role": list(INSTANCE_POLICY_ARNS),
    "prod-edge-edge-role": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    "prod-db-monitoring-role": ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
}


def test_instance_policies_are_ssm_and_cloudwatch_agent():
    assert INSTANCE_POLICY_ARNS == ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                                    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy")


def test_each_role_has_exactly_its_managed_policies(prod_run):
    roles = {r.name for r in of_type(prod_run, "aws:iam/role:Role")}
    assert roles == set(ROLE_POLICIES)
    attached: dict[str, list[str]] = {name: [] for name in roles}
    for attachment in of_type(prod_run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        attached[attachment.inputs["role"]].append(attachment.inputs["policyArn"])
    # registration order of the attachments is asynchronous: compare as sets of policies per role
    assert {k: sorted(v) for k, v in attached.items()} == {k: sorted(v) for k, v in ROLE_POLICIES.items()}


@pytest.mark.parametrize("kind", ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy",
                                  "aws:iam/policyAttachment:PolicyAttachment",
                                  "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive",
                                  "aws:iam/user:User", "aws:iam/accessKey:AccessKey"])
def test_no_inline_or_customer_managed_policies(prod_run, kind):
    assert of_type(prod_run, kind) == []


def test_roles_carry_no_inline_policies_and_trust_one_service(prod_run):
    import json

    trusted = {"prod-identity-role": "ec2.amazonaws.com",
               "prod-db-monitoring-role": "monitoring.rds.amazonaws.com",
               "prod-edge-edge-role": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]}
    for role in of_type(prod_run, "aws:iam/role:Role"):
        assert not role.inputs.get("inlinePolicies"), role.name
        assert not role.inputs.get("managedPolicyArns"), role.name  # attachments only, listed above
        [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
        assert statement["Principal"] == {"Service": trusted[role.name]}, role.name
    profiles = of_type(prod_run, "aws:iam/instanceProfile:InstanceProfile")
    assert [p.inputs["role"] for p in profiles] == ["prod-identity-role"]
