"""Security posture (issue 16): origins only through the edge, WAF everywhere, Redis AUTH, hardened logs.

Each rule is what a security review (AWSGuard / Checkov, named in docs/policies.md) would flag:
- `alb-edge-only`: an ALB security group open to 0.0.0.0/0 or ::/0 lets clients skip the edge;
  ALBs accept only CloudFront's origin-facing prefix list (infra/model/security.py).
- `waf-managed-rules`: every web ACL runs the AWS managed rule groups of its scope.
- `waf-attached`: every ALB has a regional web ACL association, every distribution a web ACL.
- `redis-auth`: every replication group requires TLS and an AUTH token or RBAC user groups.
- `log-bucket-hardened`: every bucket has a full public-access block, versioning, encryption and a lifecycle.

The stack rules count rather than match ids: during `pulumi preview` a new ALB's ARN or bucket id
is unknown, so "one association per ALB" is the check that works both offline and in preview.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from infra.model import security
from infra.model.recorded import RecordedResource
from policies.rules.base import MANDATORY, Name, NoConfig, PolicyConfig, ResourcePolicy, StackPolicy, Violation
from policies.rules.network import OPEN_CIDRS, is_alb_security_group
from policies.rules.props import (
    CACHE_GROUP,
    DISTRIBUTION,
    LOAD_BALANCER,
    SECURITY_GROUP,
    UNKNOWN,
    WEB_ACL,
    fmt,
    num,
    truthy,
)

WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
ENCRYPTION = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
              "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
LIFECYCLE = ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
             "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

# --- alb-edge-only ----------------------------------------------------------------------------


class AlbEdgeOnlyConfig(PolicyConfig):
    allow_public_alb: Annotated[bool, Field(
        description="Allow ALB ingress from the internet (a stack without CloudFront in front)")] = False
    edge_cidrs: Annotated[list[Name], Field(
        description="The only CIDR ranges an ALB security group may admit (default: Cloudflare's published ranges)")] = [
        *security.CLOUDFLARE_IPV4_RANGES, *security.CLOUDFLARE_IPV6_RANGES]


ALB_OPEN = ("ALB security group ingress {protocol} ports {ports} is open to {cidr}; ALBs accept only the edge "
            "(CloudFront origin-facing prefix list)")
ALB_NOT_EDGE = ("ALB security group ingress {protocol} ports {ports} admits {cidr}, which is not an edge range "
                "(CloudFront prefix list, or Cloudflare's published ranges in infra/model/security.py)")


def alb_edge_only(resource_type: str, props: Mapping[str, Any], config: AlbEdgeOnlyConfig | Mapping[str, Any],
                  *, name: str = "") -> list[str]:
    """ALB security groups have no ingress from 0.0.0.0/0 or ::/0 (unless `allow_public_alb`), and admit
    no other CIDR than the edge's (`edge_cidrs`); prefix lists and security groups are not CIDRs."""
    cfg = AlbEdgeOnlyConfig.of(config)
    if resource_type != SECURITY_GROUP or cfg.allow_public_alb:
        return []
    if not is_alb_security_group(resource_type, props, name):
        return []
    out = []
    for rule in props.get("ingress") or []:
        for cidr in list(rule.get("cidrBlocks") or []) + list(rule.get("ipv6CidrBlocks") or []):
            proto = str(rule.get("protocol"))
            ports = "all" if proto in ("-1", "all") else f"{fmt(num(rule.get('fromPort')))}-{fmt(num(rule.get('toPort')))}"
            if cidr in OPEN_CIDRS:
                out.append(ALB_OPEN.format(protocol=proto, ports=ports, cidr=cidr))
            elif cidr not in cfg.edge_cidrs:
                out.append(ALB_NOT_EDGE.format(protocol=proto, ports=ports, cidr=cidr))
    return out


ALB_EDGE_ONLY = ResourcePolicy(
    "alb-edge-only", "ALB security groups accept only the edge (no ingress from 0.0.0.0/0 or ::/0).",
    MANDATORY, alb_edge_only, AlbEdgeOnlyConfig, (ALB_OPEN, ALB_NOT_EDGE))

# --- waf-managed-rules ------------------------------------------------------------------------


class WafManagedRulesConfig(PolicyConfig):
    cloudfront_rule_groups: Annotated[list[Name], Field(
        description="AWS managed rule groups every CLOUDFRONT web ACL must run")] = list(security.MANAGED_RULE_GROUPS)
    regional_rule_groups: Annotated[list[Name], Field(
        description="AWS managed rule groups every REGIONAL web ACL must run")] = [
        g for g in security.MANAGED_RULE_GROUPS if g != "AWSManagedRulesAmazonIpReputationList"]


WAF_GROUP_MISSING = "{scope} web ACL does not run the AWS managed rule group {group}"


def _managed_groups(rules: Any) -> set[str]:
    out = set()
    for rule in rules or []:
        statement = (rule.get("statement") or {}).get("managedRuleGroupStatement") or {}
        if statement.get("vendorName") == "AWS" and statement.get("name"):
            out.add(str(statement["name"]))
    return out


def waf_managed_rules(resource_type: str, props: Mapping[str, Any],
                      config: WafManagedRulesConfig | Mapping[str, Any], *, name: str = "") -> list[str]:
    """A web ACL runs every managed rule group required for its scope (rules given inline)."""
    if resource_type != WEB_ACL or props.get("rules") == UNKNOWN:
        return []
    cfg = WafManagedRulesConfig.of(config)
    scope = str(props.get("scope") or "")
    required = cfg.cloudfront_rule_groups if scope == "CLOUDFRONT" else cfg.regional_rule_groups
    present = _managed_groups(props.get("rules"))
    return [WAF_GROUP_MISSING.format(scope=scope, group=g) for g in required if g not in present]


WAF_MANAGED_RULES = ResourcePolicy(
    "waf-managed-rules", "Every web ACL runs the AWS managed rule groups (common, known bad inputs, IP reputation).",
    MANDATORY, waf_managed_rules, WafManagedRulesConfig, (WAF_GROUP_MISSING,))

# --- waf-attached -----------------------------------------------------------------------------

ALB_WITHOUT_WAF = ("{albs} application load balancer(s) but {associations} WAF web ACL association(s): "
                   "every ALB needs a regional web ACL")
DISTRIBUTION_WITHOUT_WAF = "distribution has no WAF web ACL (webAclId)"


def waf_attached(resources: list[RecordedResource], config: NoConfig | Mapping[str, Any]) -> list[Violation]:
    """Every application load balancer has a web ACL association; every distribution a webAclId."""
    out: list[Violation] = []
    albs = [r for r in resources if r.type == LOAD_BALANCER
            and (r.inputs.get("loadBalancerType") or "application") == "application"]
    associations = [r for r in resources if r.type == WEB_ACL_ASSOCIATION]
    if len(associations) < len(albs):
        out.append(Violation(None, ALB_WITHOUT_WAF.format(albs=len(albs), associations=len(associations))))
    out += [Violation(r.name, DISTRIBUTION_WITHOUT_WAF) for r in resources
            if r.type == DISTRIBUTION and not r.inputs.get("webAclId")]
    return out


WAF_ATTACHED = StackPolicy(
    "waf-attached", "Every ALB has a regional WAF web ACL and every CloudFront distribution a web ACL.",
    MANDATORY, waf_attached, NoConfig, (ALB_WITHOUT_WAF, DISTRIBUTION_WITHOUT_WAF))

# --- redis-auth -------------------------------------------------------------------------------

REDIS_NO_TLS = "replication group does not require TLS (transitEncryptionEnabled)"
REDIS_NO_AUTH = "replication group has neither an AUTH token (authToken) nor RBAC user groups (userGroupIds)"


def redis_auth(resource_type: str, props: Mapping[str, Any], config: NoConfig | Mapping[str, Any],
               *, name: str = "") -> list[str]:
    """Redis requires TLS and either an AUTH token or RBAC user groups."""
    if resource_type != CACHE_GROUP:
        return []
    out = []
    if not truthy(props.get("transitEncryptionEnabled")):
        out.append(REDIS_NO_TLS)
    if not props.get("authToken") and not props.get("authTokenWo") and not props.get("userGroupIds"):
        out.append(REDIS_NO_AUTH)
    return out


REDIS_AUTH = ResourcePolicy(
    "redis-auth", "Redis replication groups require TLS and an AUTH token or RBAC user groups.",
    MANDATORY, redis_auth, NoConfig, (REDIS_NO_TLS, REDIS_NO_AUTH))

# --- log-bucket-hardened ----------------------------------------------------------------------

BUCKET_CONTROL_MISSING = "{buckets} bucket(s) but {controls} {control}: every bucket needs one"


def log_bucket_hardened(resources: list[RecordedResource], config: NoConfig | Mapping[str, Any]) -> list[Violation]:
    """Every bucket has a public-access block with all four flags, versioning enabled, SSE and an enabled lifecycle rule."""
    buckets = sum(1 for r in resources if r.type == BUCKET)
    blocks = sum(1 for r in resources if r.type == PUBLIC_ACCESS_BLOCK
                 and all(truthy(r.inputs.get(f)) for f in PUBLIC_ACCESS_FLAGS))
    versioned = sum(1 for r in resources if r.type in VERSIONING
                    and (r.inputs.get("versioningConfiguration") or {}).get("status") == "Enabled")
    encrypted = sum(1 for r in resources if r.type in ENCRYPTION and r.inputs.get("rules"))
    expiring = sum(1 for r in resources if r.type in LIFECYCLE
                   and any(rule.get("status") == "Enabled" for rule in r.inputs.get("rules") or []))
    out = []
    for count, control in ((blocks, "full public-access block(s)"), (versioned, "enabled versioning configuration(s)"),
                           (encrypted, "server-side encryption configuration(s)"),
                           (expiring, "enabled lifecycle configuration(s)")):
        if count < buckets:
            out.append(Violation(None, BUCKET_CONTROL_MISSING.format(buckets=buckets, controls=count, control=control)))
    return out


LOG_BUCKET_HARDENED = StackPolicy(
    "log-bucket-hardened",
    "Every S3 bucket has a full public-access block, versioning, server-side encryption and a lifecycle.",
    MANDATORY, log_bucket_hardened, NoConfig, (BUCKET_CONTROL_MISSING,))
