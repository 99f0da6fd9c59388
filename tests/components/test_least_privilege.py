"""Least privilege, asserted as exact rule lists over the whole prod plan.

Network: nothing is open to 0.0.0.0/0: the ALB SG admits only CloudFront's origin-facing prefix
list on 443; the app SG admits only the ALB SG on the app port and reaches out only on 443, the
DB/cache ports and DNS; the DB SG only the app SG on 5432; the cache SG only the app SG on 6379;
each VPC's default SG has no rules.
Every SecurityGroup and every standalone ingress-rule resource in the plan is scanned, so an SG or
rule added later is caught too.

IAM: the instance role has no managed policy, only its scoped inline policy (Session Manager, the
CloudWatch agent's namespace, its own log groups and parameter path); the Lambda@Edge role only basic
logging, the RDS monitoring role only the enhanced-monitoring policy; the other inline policies are the
flow-log roles', each writing to its own log group; no customer-managed policy.
"""
from __future__ import annotations

import pytest

from components.identity import instance_policy
from components.region import APP_PORT
from infra.offline.runner import MOCK_ACCOUNT
from tests.conftest import of_type

SG = "aws:ec2/securityGroup:SecurityGroup"
# Standalone rule resources (none today; if one appears it must pass the same checks).
RULE_TYPES = ("aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")
# The mock's stable per-region ids of com.amazonaws.global.cloudfront.origin-facing (infra/offline/runner.py).
PREFIX_LISTS = {"us-east-1": "pl-a003e002", "us-west-2": "pl-1c4e2e19", "eu-west-1": "pl-d5a12aff",
                "ap-southeast-1": "pl-5358fc61"}
DB_REGIONS = ("us-east-1", "us-west-2")  # the primary, and prod's default cross-region replicas (Issue 17)


def _rule(port: int, description: str, *, cidrs=None, groups=None, prefix_lists=None, protocol="tcp") -> dict:
    rule = {"protocol": protocol, "fromPort": float(port), "toPort": float(port), "description": description}
    if prefix_lists is not None:
        rule["prefixListIds"] = prefix_lists
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
        expected[f"{prefix}-alb-sg"] = [_rule(443, "CloudFront origin-facing", prefix_lists=[PREFIX_LISTS[region]])]
        expected[f"{prefix}-app-sg"] = [_rule(APP_PORT, "from ALB", groups=[f"{prefix}-alb-sg_id"])]
        expected[f"{prefix}-cache-sg"] = [_rule(6379, "from app tiers", groups=[f"{prefix}-app-sg_id"])]
        if region in DB_REGIONS:
            expected[f"{prefix}-data-db-sg"] = [_rule(5432, "from app tiers", groups=[f"{prefix}-app-sg_id"])]
    return expected


def test_every_security_group_has_exactly_the_expected_ingress(prod_run):
    actual = {sg.name: sg.inputs.get("ingress", []) for sg in of_type(prod_run, SG)}
    assert actual == expected_ingress()


def test_nothing_is_open_to_the_internet(prod_run):
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
    assert open_to_world == set()


def test_app_egress_only_https_data_ports_and_dns(prod_run):
    sg = next(s for s in of_type(prod_run, SG) if s.name == "prod-us-east-1-app-sg")
    vpc = sg.inputs["egress"][1]["cidrBlocks"]
    assert vpc[0].endswith(".0.0/16")
    assert sg.inputs["egress"] == [
        _rule(443, "HTTPS: AWS APIs, updates via NAT", cidrs=["0.0.0.0/0"]), _rule(5432, "database", cidrs=vpc),
        _rule(6379, "cache", cidrs=vpc), _rule(53, "VPC DNS", cidrs=vpc, protocol="udp"),
        _rule(53, "VPC DNS", cidrs=vpc)]


def test_default_security_groups_have_no_rules(prod_run):
    defaults = of_type(prod_run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert sorted(d.name for d in defaults) == sorted(f"prod-{r}-default-sg" for r in REGIONS)
    for d in defaults:
        assert (d.inputs["ingress"], d.inputs["egress"]) == ([], []), d.name
        assert d.inputs["vpcId"] == d.name.replace("-default-sg", "-vpc_id")


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
        region = db.provider.removeprefix("aws-")  # each instance: its own region's DB group
        assert db.inputs["vpcSecurityGroupIds"] == [f"prod-{region}-data-db-sg_id"], db.name
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
    "prod-identity-role": [],
    "prod-edge-edge-role": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    "prod-db-monitoring-role": ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
    **{f"prod-{r}-flow-logs-role": [] for r in REGIONS},
}


def test_instance_role_has_only_its_scoped_inline_policy(prod_run):
    import json

    [policy] = [p for p in of_type(prod_run, "aws:iam/rolePolicy:RolePolicy") if p.name == "prod-identity-policy"]
    assert policy.inputs["role"] == "prod-identity-role_id"
    assert policy.inputs["policy"] == instance_policy(MOCK_ACCOUNT, "prod")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["AgentMetrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": ["CWAgent"]}}
    assert statements["OwnLogGroups"]["Resource"] == f"arn:aws:logs:*:{MOCK_ACCOUNT}:log-group:/scaling-platform/prod/*"
    assert statements["OwnParameters"]["Resource"] == [
        f"arn:aws:ssm:*:{MOCK_ACCOUNT}:parameter/scaling-platform/prod",
        f"arn:aws:ssm:*:{MOCK_ACCOUNT}:parameter/scaling-platform/prod/*"]
    assert statements["OwnParameters"]["Action"] == ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    # nothing but these six statements, none allowing a whole service
    assert sorted(statements) == ["AgentAsgDimension", "AgentMetrics", "OwnLogGroups", "OwnParameters",
                                  "SessionManagerChannels", "SessionManagerRegistration"]
    assert not any(a == "*" or a.endswith(":*") for s in statements.values()
                   for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))


def test_each_role_has_exactly_its_managed_policies(prod_run):
    roles = {r.name for r in of_type(prod_run, "aws:iam/role:Role")}
    assert roles == set(ROLE_POLICIES)
    attached: dict[str, list[str]] = {name: [] for name in roles}
    for attachment in of_type(prod_run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        attached[attachment.inputs["role"]].append(attachment.inputs["policyArn"])
    # registration order of the attachments is asynchronous: compare as sets of policies per role
    assert {k: sorted(v) for k, v in attached.items()} == {k: sorted(v) for k, v in ROLE_POLICIES.items()}


def test_the_only_inline_policies_let_flow_logs_write_their_own_group(prod_run):
    import json

    every = [p for p in of_type(prod_run, "aws:iam/rolePolicy:RolePolicy") if p.name != "prod-identity-policy"]
    policies = [p for p in every if p.name.endswith("-flow-logs-policy")]
    assert sorted(p.name for p in policies) == sorted(f"prod-{r}-flow-logs-policy" for r in REGIONS)
    # the only others: each worker group's drain handler, on its own group (tests/components/test_drain.py)
    assert sorted(p.name for p in every if p not in policies) == sorted(f"prod-{r}-worker-drain-policy"
                                                                       for r in REGIONS)
    for policy in policies:
        region = policy.name.removeprefix("prod-").removesuffix("-flow-logs-policy")
        arn = f"arn:aws:logs:{region}:{MOCK_ACCOUNT}:log-group:/vpc/flow-logs/prod-{region}"
        assert policy.inputs["role"] == f"prod-{region}-flow-logs-role_id"
        assert json.loads(policy.inputs["policy"])["Statement"] == [{
            "Effect": "Allow", "Resource": [arn, f"{arn}:*"],
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]}]


@pytest.mark.parametrize("kind", ["aws:iam/policy:Policy",
                                  "aws:iam/policyAttachment:PolicyAttachment",
                                  "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive",
                                  "aws:iam/user:User", "aws:iam/accessKey:AccessKey"])
def test_no_inline_or_customer_managed_policies(prod_run, kind):
    assert of_type(prod_run, kind) == []


def test_roles_carry_no_inline_policies_and_trust_one_service(prod_run):
    import json

    trusted = {"prod-identity-role": "ec2.amazonaws.com",
               "prod-db-monitoring-role": "monitoring.rds.amazonaws.com",
               "prod-edge-edge-role": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"],
               **{f"prod-{r}-flow-logs-role": "vpc-flow-logs.amazonaws.com" for r in REGIONS}}
    for role in of_type(prod_run, "aws:iam/role:Role"):
        assert not role.inputs.get("inlinePolicies"), role.name
        assert not role.inputs.get("managedPolicyArns"), role.name  # attachments only, listed above
        [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
        assert statement["Principal"] == {"Service": trusted[role.name]}, role.name
    profiles = of_type(prod_run, "aws:iam/instanceProfile:InstanceProfile")
    assert [p.inputs["role"] for p in profiles] == ["prod-identity-role"]
