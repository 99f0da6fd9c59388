"""infra/program/origin_lockdown.py + the Cloudflare origin in edge_program.py: who may reach the ALBs.

- CloudFront on (prod: CloudFront + Cloudflare): ALBs admit only CloudFront's prefix list; Cloudflare's
  proxied record points at the service name, which aliases the distribution, so the ALBs stay closed to
  Cloudflare's ranges.
- Cloudflare alone: the ALBs admit Cloudflare's published ranges (infra/model/security.py) on the serving
  port, plus Route53's health checkers (the weighted records probe the ALBs); never 0.0.0.0/0.
"""
from __future__ import annotations

from infra.config import parse_platform
from infra.model.security import CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES
from infra.program.origin_lockdown import behind_cloudfront, cloudflare_edge_cidrs
from tests.conftest import by_name, of_type, run_stack, stack_platform

CLOUDFLARE_ONLY = ("edge.providers=[{name: aws, weight: 0, enabled: false}, {name: cloudflare, weight: 100, enabled: true}]",)


def _cfg(overrides=()):
    platform, _ = stack_platform("prod", overrides)
    return parse_platform(platform, "Pulumi.prod.yaml", stack="prod")


def test_behind_cloudfront_the_albs_stay_closed_to_cloudflare():
    cfg = _cfg()
    assert behind_cloudfront(cfg) and cfg.edge.provider("cloudflare") is not None
    assert cloudflare_edge_cidrs(cfg) == ()
    run = run_stack("prod")
    # Cloudflare -> api.example.com (aliases CloudFront) -> ALB
    [record] = of_type(run, "cloudflare:index/dnsRecord:DnsRecord")
    assert record.inputs["content"] == "api.example.com"
    assert all("cidrBlocks" not in rule for rule in by_name(run, "prod-us-east-1-alb-sg").inputs["ingress"])


def test_cloudflare_alone_opens_the_albs_to_its_ranges_and_route53_checks_only():
    cfg = _cfg(CLOUDFLARE_ONLY)
    assert not behind_cloudfront(cfg)
    assert cloudflare_edge_cidrs(cfg) == CLOUDFLARE_IPV4_RANGES + CLOUDFLARE_IPV6_RANGES
    run = run_stack("prod", CLOUDFLARE_ONLY)
    edge_rule, checks = by_name(run, "prod-eu-west-1-alb-sg").inputs["ingress"]
    assert (edge_rule["fromPort"], edge_rule["cidrBlocks"], edge_rule["ipv6CidrBlocks"]) == (
        443, list(CLOUDFLARE_IPV4_RANGES), list(CLOUDFLARE_IPV6_RANGES))
    assert checks["prefixListIds"][0].startswith("pl-") and checks["description"] == "Route53 health checkers"
    # no origin header without CloudFront, and nothing from the whole internet
    assert of_type(run, "aws:lb/listenerRule:ListenerRule") == []
    assert not any("0.0.0.0/0" in r.get("cidrBlocks", []) for sg in of_type(run, "aws:ec2/securityGroup:SecurityGroup")
                   if sg.name.endswith("-alb-sg") for r in sg.inputs["ingress"])


def test_edge_disabled_opens_nothing_to_cloudflare():
    assert cloudflare_edge_cidrs(_cfg(("edge.enabled=false",))) == ()
