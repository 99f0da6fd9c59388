"""Origins reachable only through the edge (issue 16): what the program passes the regions and DNS.

When CloudFront fronts the ALBs (edge enabled with the `aws` provider), each region's ALB accepts
its serving port only from CloudFront's origin-facing managed prefix list (looked up per region:
the id differs by region) and forwards only requests carrying the secret origin header; the
service name's Route53 records alias the distribution instead of the ALBs.
"""
from __future__ import annotations

from typing import Any, Mapping

import pulumi
import pulumi_aws as aws

from components.traffic import EdgeAlias
from infra.config import PROJECT, PlatformConfig
from infra.model import security
from infra.program.secrets import config_secret, optional_secret

# Route53 hosted zone id of every CloudFront distribution (alias targets; Route53 API reference).
CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"


def behind_cloudfront(cfg: PlatformConfig) -> bool:
    """True when the stack's CloudFront distribution fronts the regional ALBs."""
    return cfg.edge.enabled and cfg.edge.provider("aws") is not None


def origin_secrets(cfg: PlatformConfig) -> list[pulumi.Output[str]]:
    """[current, previous?] origin header values when behind CloudFront; [] otherwise."""
    if not behind_cloudfront(cfg):
        return []
    current = config_secret(PROJECT, security.ORIGIN_SECRET_KEY, "the ALB origin header (edge enabled)")
    previous = optional_secret(PROJECT, security.ORIGIN_SECRET_PREVIOUS_KEY)
    return [current] + ([previous] if previous is not None else [])


def cloudflare_edge_cidrs(cfg: PlatformConfig) -> tuple[str, ...]:
    """Cloudflare's published ranges when Cloudflare alone fronts the ALBs; () otherwise.

    With CloudFront enabled too, Cloudflare's proxied record resolves to the service name, which
    aliases the distribution (or, without DNS, to the distribution itself; edge_program.py), so
    Cloudflare never connects to an ALB and the ALBs stay closed to its ranges.
    """
    if cfg.edge.enabled and cfg.edge.provider("cloudflare") is not None and not behind_cloudfront(cfg):
        return security.CLOUDFLARE_IPV4_RANGES + security.CLOUDFLARE_IPV6_RANGES
    return ()


def health_check_prefix_list_id(provider: aws.Provider, region: str) -> pulumi.Output[str]:
    """The id of Route53's health-checker managed prefix list in `region` (the weighted records'
    health checks probe the ALBs directly when no CloudFront fronts them)."""
    return aws.ec2.get_managed_prefix_list_output(
        name=security.ROUTE53_HEALTH_CHECK_PREFIX_LIST.format(region=region),
        opts=pulumi.InvokeOutputOptions(provider=provider)).id


def cloudfront_prefix_list_id(provider: aws.Provider) -> pulumi.Output[str]:
    """The id of CloudFront's origin-facing managed prefix list in the provider's region."""
    return aws.ec2.get_managed_prefix_list_output(
        name=security.CLOUDFRONT_ORIGIN_PREFIX_LIST, opts=pulumi.InvokeOutputOptions(provider=provider)).id


def edge_alias(edge_outputs: Mapping[str, Any]) -> EdgeAlias | None:
    """The distribution the service name should alias (None when the stack builds no CloudFront)."""
    cloudfront = (edge_outputs.get("edge") or {}).get("cloudfront")
    if not cloudfront:
        return None
    return EdgeAlias(domain_name=cloudfront["domain_name"], zone_id=CLOUDFRONT_HOSTED_ZONE_ID)
