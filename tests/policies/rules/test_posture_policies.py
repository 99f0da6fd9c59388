"""policies/rules/posture.py: each rule passes the baseline stacks and fails on one mutation."""
from __future__ import annotations

from infra.model.security import CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES
from policies.rules.base import Violation
from policies.rules.posture import (
    ALB_EDGE_ONLY,
    REDIS_AUTH,
    WAF_MANAGED_RULES,
    log_bucket_hardened,
    waf_attached,
)
from policies.rules.props import SECURITY_GROUP
from tests.policies.stacks import _r, by_name, check, mutate

ALB_SG = "prod-us-east-1-alb-sg"


def test_alb_from_cloudfront_prefix_list_passes(good_stack):
    assert check(ALB_EDGE_ONLY, by_name(good_stack, ALB_SG)) == []


def test_alb_open_to_the_internet_fails(good_stack):
    sg = by_name(mutate(good_stack, ALB_SG, ingress=[
        {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]}]), ALB_SG)
    assert check(ALB_EDGE_ONLY, sg) == [
        "ALB security group ingress tcp ports 443-443 is open to 0.0.0.0/0; ALBs accept only the edge "
        "(CloudFront origin-facing prefix list)"]
    assert check(ALB_EDGE_ONLY, sg, allow_public_alb=True) == []
    # other security groups are no-public-ingress's business
    assert ALB_EDGE_ONLY.check(SECURITY_GROUP, sg.inputs | {"tags": {}}, ALB_EDGE_ONLY.settings(),
                               name="prod-us-east-1-api-sg") == []


def test_web_acls_with_managed_groups_pass(edge_stack):
    assert check(WAF_MANAGED_RULES, by_name(edge_stack, "prod-edge-waf")) == []


def test_web_acl_without_ip_reputation_fails(edge_stack):
    acl = by_name(edge_stack, "prod-edge-waf")
    rules = [r for r in acl.inputs["rules"] if r["name"] != "AWSManagedRulesAmazonIpReputationList"]
    assert check(WAF_MANAGED_RULES, by_name(mutate(edge_stack, acl.name, rules=rules), acl.name)) == [
        "CLOUDFRONT web ACL does not run the AWS managed rule group AWSManagedRulesAmazonIpReputationList"]
    # a regional ACL needs only the common and known-bad-inputs groups
    assert check(WAF_MANAGED_RULES, by_name(mutate(edge_stack, acl.name, rules=rules, scope="REGIONAL"),
                                            acl.name)) == []


def test_waf_attached_passes_and_fails(good_stack, edge_stack):
    assert waf_attached(good_stack + edge_stack, {}) == []
    without = [r for r in good_stack if r.name != "prod-us-east-1-waf-alb"]
    assert waf_attached(without, {}) == [Violation(
        None, "1 application load balancer(s) but 0 WAF web ACL association(s): every ALB needs a regional web ACL")]
    assert waf_attached(mutate(edge_stack, "prod-edge-cdn", webAclId=None), {}) == [
        Violation("prod-edge-cdn", "distribution has no WAF web ACL (webAclId)")]


def test_redis_with_tls_and_auth_passes(good_stack):
    assert check(REDIS_AUTH, by_name(good_stack, "prod-cache")) == []
    rbac = mutate(good_stack, "prod-cache", authToken=None, userGroupIds=["prod-users"])
    assert check(REDIS_AUTH, by_name(rbac, "prod-cache")) == []


def test_redis_without_auth_fails(good_stack):
    bare = by_name(mutate(good_stack, "prod-cache", authToken=None, transitEncryptionEnabled=False), "prod-cache")
    assert check(REDIS_AUTH, bare) == [
        "replication group does not require TLS (transitEncryptionEnabled)",
        "replication group has neither an AUTH token (authToken) nor RBAC user groups (userGroupIds)"]


def _bucket_stack(**block):
    flags = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
             "restrictPublicBuckets": True} | block
    return [
        _r("aws:s3/bucket:Bucket", "prod-edge-logs", {}),
        _r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "prod-edge-logs-public-access",
           {"bucket": "prod-edge-logs_id", **flags}),
        _r("aws:s3/bucketVersioning:BucketVersioning", "prod-edge-logs-versioning",
           {"bucket": "prod-edge-logs_id", "versioningConfiguration": {"status": "Enabled"}}),
        _r("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
           "prod-edge-logs-encryption", {"bucket": "prod-edge-logs_id", "rules": [
               {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}),
        _r("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "prod-edge-logs-lifecycle",
           {"bucket": "prod-edge-logs_id", "rules": [{"id": "expire-access-logs", "status": "Enabled",
                                                     "expiration": {"days": 365.0}}]}),
    ]


def test_hardened_bucket_passes():
    assert log_bucket_hardened(_bucket_stack(), {}) == []


def test_bucket_with_partial_public_access_block_fails():
    assert log_bucket_hardened(_bucket_stack(restrictPublicBuckets=False), {}) == [
        Violation(None, "1 bucket(s) but 0 full public-access block(s): every bucket needs one")]
    unversioned = [r for r in _bucket_stack() if "versioning" not in r.name]
    assert log_bucket_hardened(unversioned, {}) == [
        Violation(None, "1 bucket(s) but 0 enabled versioning configuration(s): every bucket needs one")]


def test_bucket_without_an_enabled_lifecycle_fails():
    stack = _bucket_stack()
    disabled = mutate(stack, "prod-edge-logs-lifecycle", rules=[{"id": "expire-access-logs", "status": "Disabled"}])
    expected = [Violation(None, "1 bucket(s) but 0 enabled lifecycle configuration(s): every bucket needs one")]
    assert log_bucket_hardened(disabled, {}) == expected
    assert log_bucket_hardened([r for r in stack if "lifecycle" not in r.name], {}) == expected


def test_alb_open_only_to_cloudflare_passes_and_other_cidrs_fail(good_stack):
    cloudflare = [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0,
                   "cidrBlocks": list(CLOUDFLARE_IPV4_RANGES), "ipv6CidrBlocks": list(CLOUDFLARE_IPV6_RANGES)},
                  {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "prefixListIds": ["pl-0123abcd"]}]
    assert check(ALB_EDGE_ONLY, by_name(mutate(good_stack, ALB_SG, ingress=cloudflare), ALB_SG)) == []
    office = cloudflare + [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["203.0.113.0/24"]}]
    sg = by_name(mutate(good_stack, ALB_SG, ingress=office), ALB_SG)
    assert check(ALB_EDGE_ONLY, sg) == [
        "ALB security group ingress tcp ports 443-443 admits 203.0.113.0/24, which is not an edge range "
        "(CloudFront prefix list, or Cloudflare's published ranges in infra/model/security.py)"]
    assert check(ALB_EDGE_ONLY, sg, edge_cidrs=["203.0.113.0/24", *CLOUDFLARE_IPV4_RANGES,
                                                 *CLOUDFLARE_IPV6_RANGES]) == []


def test_cloudflare_ranges_are_one_maintained_list():
    # https://www.cloudflare.com/ips/ : 15 IPv4 and 7 IPv6 ranges, each a valid network, no duplicates
    import ipaddress

    assert len(CLOUDFLARE_IPV4_RANGES) == 15 and len(CLOUDFLARE_IPV6_RANGES) == 7
    assert all(ipaddress.ip_network(c).version == 4 for c in CLOUDFLARE_IPV4_RANGES)
    assert all(ipaddress.ip_network(c).version == 6 for c in CLOUDFLARE_IPV6_RANGES)
    assert len(set(CLOUDFLARE_IPV4_RANGES + CLOUDFLARE_IPV6_RANGES)) == 22
