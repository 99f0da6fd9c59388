"""policies/rules/network.py: no-public-ingress (ALB security groups recognised by tag or name)."""
from __future__ import annotations

from policies.rules.network import NO_PUBLIC_INGRESS, no_public_ingress
from policies.rules.props import INGRESS_RULE, SECURITY_GROUP
from tests.policies.stacks import by_name, check, mutate


def test_baseline_passes(good_stack):
    assert [m for r in good_stack for m in check(NO_PUBLIC_INGRESS, r)] == []


def test_public_ingress_on_app_sg(good_stack):
    sg = by_name(mutate(good_stack, "prod-us-east-1-api-sg", ingress=[
        {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"]}]), "prod-us-east-1-api-sg")
    assert check(NO_PUBLIC_INGRESS, sg) == [
        "ingress tcp ports 22-22 is open to 0.0.0.0/0 (only ALB security groups may be open to the internet)"]


def test_alb_sg_on_other_port(good_stack):
    sg = by_name(mutate(good_stack, "prod-us-east-1-alb-sg", ingress=[
        {"protocol": "tcp", "fromPort": 8080.0, "toPort": 8080.0, "ipv6CidrBlocks": ["::/0"]}]), "prod-us-east-1-alb-sg")
    assert check(NO_PUBLIC_INGRESS, sg) == [
        "ingress tcp ports 8080-8080 is open to ::/0 (ALB security groups may only open ports 443, 80)"]
    # Ports the CLI passes as floats print as the integers they are.
    assert check(NO_PUBLIC_INGRESS, sg, alb_public_ports=[443.0]) == [
        "ingress tcp ports 8080-8080 is open to ::/0 (ALB security groups may only open ports 443)"]


def test_all_protocols_never_allowed(good_stack):
    sg = by_name(mutate(good_stack, "prod-us-east-1-alb-sg", ingress=[
        {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}]), "prod-us-east-1-alb-sg")
    assert check(NO_PUBLIC_INGRESS, sg) == [
        "ingress -1 ports all is open to 0.0.0.0/0 (ALB security groups may only open ports 443, 80)"]


def test_alb_sg_recognised_by_name_suffix_without_tag():
    props = {"ingress": [{"protocol": "tcp", "fromPort": 80.0, "toPort": 80.0, "cidrBlocks": ["0.0.0.0/0"]}]}
    config = NO_PUBLIC_INGRESS.settings()
    assert no_public_ingress(SECURITY_GROUP, props, config, name="prod-eu-west-1-alb-sg") == []
    assert no_public_ingress(SECURITY_GROUP, props, config, name="prod-eu-west-1-web-sg") == [
        "ingress tcp ports 80-80 is open to 0.0.0.0/0 (only ALB security groups may be open to the internet)"]


def test_standalone_ingress_rule():
    props = {"cidrIpv4": "0.0.0.0/0", "fromPort": 443.0, "toPort": 443.0, "ipProtocol": "tcp",
             "securityGroupId": "prod-us-east-1-alb-sg_id"}
    assert no_public_ingress(INGRESS_RULE, props, {}, name="prod-https") == []
    props["securityGroupId"] = "prod-us-east-1-api-sg_id"
    assert no_public_ingress(INGRESS_RULE, props, {}, name="prod-https") == [
        "ingress tcp ports 443-443 is open to 0.0.0.0/0 (only ALB security groups may be open to the internet)"]
