"""Region built alone (components/region.py): VPC over the planned AZs, NAT, security groups, ALB, target group."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.log_bucket import elb_log_policy
from components.region import ALB_LOGS_SSE_S3_REASON, BACKEND_HTTP_REASON, Region, RegionArgs
from infra.model.network import NetworkPlan, SubnetPair
from infra.model.security import CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES
from tests.components.alone import NAMING_DEV, NAMING_PROD, build_alone, check_conventions, tags

CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c"
ACCOUNT = "210987654321"


def network(az_count: int) -> NetworkPlan:
    """What infra/planning/network.py plans for eu-west-1 (10.2.0.0/16), by hand."""
    subnets = tuple(SubnetPair(f"eu-west-1{letter}", f"10.2.{16 * i}.0/20", f"10.2.{128 + 16 * i}.0/20")
                    for i, letter in enumerate("abcdef"[:az_count]))
    return NetworkPlan("eu-west-1", "10.2.0.0/16", subnets, "hand-made")


def build(naming=NAMING_PROD, az_count=3, certificate_arn=CERT, name="t-eu-west-1", prefix_list=None, secrets=(),
          edge_cidrs=(), health_check_prefix_list=None):
    def make():
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        return Region(name, RegionArgs(
            naming=naming, region="eu-west-1", network=network(az_count), health_check_path="/healthz",
            health_check_interval_s=15, health_check_timeout_s=5, drain_seconds=45, certificate_arn=certificate_arn,
            edge_prefix_list_id=prefix_list, origin_secrets=tuple(secrets), account_id=ACCOUNT,
            edge_cidrs=tuple(edge_cidrs), health_check_prefix_list_id=health_check_prefix_list),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)

ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012"


def test_region_alone_network_over_three_azs():
    built = build()
    check_conventions(built, "region", "Region")
    roles = built.roles()
    assert sorted(roles) == sorted(
        ["vpc", "igw", "nat-eip", "nat", "public-rt", "private-rt", "alb-sg", "app-sg", "alb", "api-tg", "https",
         "http", "default-sg", "flow-logs", "flow-logs-role", "flow-logs-policy", "flow-log", "waf", "waf-alb",
         "waf-logs", "waf-logging", "logs", "logs-ownership", "logs-public-access",
         "logs-versioning", "logs-encryption", "logs-lifecycle", "logs-policy"]
        + [f"{kind}-{az}" for kind in ("public", "private", "public-rta", "private-rta") for az in "abc"])
    assert {r.provider for r in built.children.values()} == {"aws-eu-west-1"}
    vpc = built.named("t-eu-west-1-vpc").inputs
    assert (vpc["cidrBlock"], vpc["enableDnsHostnames"], vpc["enableDnsSupport"]) == ("10.2.0.0/16", True, True)
    assert vpc["tags"] == tags(NAMING_PROD, "vpc", Name="t-eu-west-1-vpc")
    subnets = {n: (built.named(f"t-eu-west-1-{n}").inputs["availabilityZone"],
                   built.named(f"t-eu-west-1-{n}").inputs["cidrBlock"])
               for n in ("public-a", "public-b", "public-c", "private-a", "private-b", "private-c")}
    assert subnets == {"public-a": ("eu-west-1a", "10.2.0.0/20"), "public-b": ("eu-west-1b", "10.2.16.0/20"),
                       "public-c": ("eu-west-1c", "10.2.32.0/20"), "private-a": ("eu-west-1a", "10.2.128.0/20"),
                       "private-b": ("eu-west-1b", "10.2.144.0/20"), "private-c": ("eu-west-1c", "10.2.160.0/20")}
    assert all(built.named(f"t-eu-west-1-public-{az}").inputs["mapPublicIpOnLaunch"] is False for az in "abc")
    assert built.named("t-eu-west-1-nat").inputs["subnetId"] == "t-eu-west-1-public-a_id"
    assert built.named("t-eu-west-1-nat").inputs["allocationId"] == "t-eu-west-1-nat-eip_id"
    assert built.named("t-eu-west-1-public-rt").inputs["routes"] == [
        {"cidrBlock": "0.0.0.0/0", "gatewayId": "t-eu-west-1-igw_id"}]
    assert built.named("t-eu-west-1-private-rt").inputs["routes"] == [
        {"cidrBlock": "0.0.0.0/0", "natGatewayId": "t-eu-west-1-nat_id"}]
    for kind in ("public", "private"):
        for az in "abc":
            assert built.named(f"t-eu-west-1-{kind}-rta-{az}").inputs == {
                "subnetId": f"t-eu-west-1-{kind}-{az}_id", "routeTableId": f"t-eu-west-1-{kind}-rt_id"}


def test_region_alone_only_the_alb_is_public():
    built = build()
    alb_sg = built.named("t-eu-west-1-alb-sg").inputs
    assert alb_sg["ingress"] == [
        {"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": ["0.0.0.0/0"], "description": "public web"}
        for port in (443, 80)]
    assert alb_sg["egress"] == [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["10.2.0.0/16"],
                                 "description": "to app instances"}]
    app_sg = built.named("t-eu-west-1-app-sg").inputs
    assert app_sg["ingress"] == [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080,
                                  "securityGroups": ["t-eu-west-1-alb-sg_id"], "description": "from ALB"}]
    assert app_sg["vpcId"] == alb_sg["vpcId"] == "t-eu-west-1-vpc_id"


def test_region_alone_alb_target_group_and_tls_listeners():
    built = build()
    alb = built.named("t-eu-west-1-alb").inputs
    assert {k: v for k, v in alb.items() if k != "tags"} == {
        "name": "t-eu-west-1-alb", "loadBalancerType": "application", "internal": False,
        "securityGroups": ["t-eu-west-1-alb-sg_id"],
        "subnets": ["t-eu-west-1-public-a_id", "t-eu-west-1-public-b_id", "t-eu-west-1-public-c_id"],
        "dropInvalidHeaderFields": True, "enableDeletionProtection": True,  # prod
        "accessLogs": {"bucket": "t-eu-west-1-logs", "prefix": "alb", "enabled": True}}
    tg = built.named("t-eu-west-1-api-tg").inputs
    # plain HTTP to the instances, with the reason the pack requires (policies/rules/hardening.py alb-target-tls)
    assert tg["tags"] == tags(NAMING_PROD, "api-tg", **{"plaintext-reason": BACKEND_HTTP_REASON})
    assert {k: v for k, v in tg.items() if k != "tags"} == {
        "name": "t-eu-west-1-api", "port": 8080, "protocol": "HTTP", "targetType": "instance",
        "vpcId": "t-eu-west-1-vpc_id", "deregistrationDelay": 45,
        "healthCheck": {"path": "/healthz", "protocol": "HTTP", "interval": 15, "timeout": 5, "healthyThreshold": 3,
                        "unhealthyThreshold": 3, "matcher": "200-399"}}
    https = built.named("t-eu-west-1-https").inputs
    assert (https["port"], https["protocol"], https["sslPolicy"], https["certificateArn"]) == (
        443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", CERT)
    assert https["defaultActions"] == [{"type": "forward", "targetGroupArn": f"{ARN}:t-eu-west-1-api-tg"}]
    assert https["loadBalancerArn"] == f"{ARN}:t-eu-west-1-alb"
    http = built.named("t-eu-west-1-http").inputs
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]
    assert built.outputs == {"vpc_id": "t-eu-west-1-vpc_id",
                             "alb_dns_name": "t-eu-west-1-alb.eu-west-1.elb.amazonaws.com",
                             "target_group_arn": f"{ARN}:t-eu-west-1-api-tg", "alb_log_bucket": "t-eu-west-1-logs"}


def test_region_alone_dev_without_certificate_two_azs_long_name():
    name = "staging-blue-eu-west-1"  # "-alb" would be 26 chars, "-api" for the target group too: both fit
    built = build(naming=NAMING_DEV, az_count=2, certificate_arn=None, name=name)
    check_conventions(built, "region", "Region")
    assert f"{name}-https" not in built.children and f"{name}-public-c" not in built.children
    assert built.named(f"{name}-http").inputs["defaultActions"] == [
        {"type": "forward", "targetGroupArn": f"{ARN}:{name}-api-tg"}]
    assert built.named(f"{name}-alb").inputs["enableDeletionProtection"] is False
    assert built.named(f"{name}-alb").inputs["tags"] == tags(NAMING_DEV, "alb")


def test_region_alone_physical_names_shortened_to_32_chars_stably():
    name = "test-platform-canary-ap-southeast-1"  # + "-alb": 39 chars; AWS allows 32
    built = build(name=name, az_count=2)
    assert built.named(f"{name}-alb").inputs["name"] == "test-platform-canary-ap-s-6b0d1d"
    assert built.named(f"{name}-api-tg").inputs["name"] == "test-platform-canary-ap-s-4c9079"
    # prefix + sha256(full name)[:6]: the same name every plan, so the ALB is never replaced


PL = "pl-4fa04526"


def test_region_alone_behind_the_edge_accepts_only_cloudfront_with_the_secret_header():
    built = build(prefix_list=PL, secrets=[pulumi.Output.secret("current-secret-value"), "previous-secret-value"])
    check_conventions(built, "region", "Region")
    assert built.named("t-eu-west-1-alb-sg").inputs["ingress"] == [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": [PL],
         "description": "CloudFront origin-facing"}]
    https = built.named("t-eu-west-1-https").inputs
    assert https["defaultActions"] == [{"type": "fixed-response", "fixedResponse": {
        "contentType": "text/plain", "statusCode": "403", "messageBody": "Forbidden"}}]
    rule = built.named("t-eu-west-1-from-edge").inputs
    assert (rule["listenerArn"], rule["priority"]) == (f"{ARN}:t-eu-west-1-https", 10)
    assert rule["actions"] == [{"type": "forward", "targetGroupArn": f"{ARN}:t-eu-west-1-api-tg"}]
    # the header values are secrets: the recording never holds them in clear
    [condition] = rule["conditions"]
    assert condition["httpHeader"]["httpHeaderName"] == "X-Origin-Verify"
    assert "current-secret-value" not in str(rule)
    # port 80 only redirects (and is not even reachable: no ingress on it)
    assert built.named("t-eu-west-1-http").inputs["defaultActions"][0]["type"] == "redirect"


def test_region_alone_dev_behind_the_edge_checks_the_header_on_http():
    built = build(naming=NAMING_DEV, certificate_arn=None, prefix_list=PL, secrets=["s" * 32])
    assert built.named("t-eu-west-1-alb-sg").inputs["ingress"][0]["fromPort"] == 80
    assert built.named("t-eu-west-1-http").inputs["defaultActions"][0]["type"] == "fixed-response"
    rule = built.named("t-eu-west-1-from-edge").inputs
    assert rule["listenerArn"] == f"{ARN}:t-eu-west-1-http"
    assert rule["conditions"] == [{"httpHeader": {"httpHeaderName": "X-Origin-Verify", "values": ["s" * 32]}}]


def test_region_alone_regional_waf_flow_logs_and_default_sg():
    built = build()
    waf = built.named("t-eu-west-1-waf").inputs
    assert waf["scope"] == "REGIONAL"
    groups = [r["statement"]["managedRuleGroupStatement"]["name"] for r in waf["rules"]]
    assert groups == ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                      "AWSManagedRulesSQLiRuleSet"]
    sqli = waf["rules"][2]["statement"]["managedRuleGroupStatement"]["scopeDownStatement"]["byteMatchStatement"]
    assert [t["type"] for t in sqli["textTransformations"]] == ["URL_DECODE", "LOWERCASE"]
    assoc = built.named("t-eu-west-1-waf-alb").inputs
    assert assoc == {"resourceArn": f"{ARN}:t-eu-west-1-alb",
                     "webAclArn": "arn:aws:wafv2:eu-west-1:123456789012:t-eu-west-1-waf"}
    logging = built.named("t-eu-west-1-waf-logging").inputs
    assert logging["logDestinationConfigs"] == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-t-eu-west-1"]
    assert built.named("t-eu-west-1-default-sg").inputs == {
        "vpcId": "t-eu-west-1-vpc_id", "ingress": [], "egress": [], "tags": tags(NAMING_PROD, "default-sg")}
    flow = built.named("t-eu-west-1-flow-log").inputs
    assert (flow["vpcId"], flow["trafficType"], flow["logDestinationType"], flow["iamRoleArn"]) == (
        "t-eu-west-1-vpc_id", "ALL", "cloud-watch-logs", "arn:aws:iam:eu-west-1:123456789012:t-eu-west-1-flow-logs-role")
    assert built.named("t-eu-west-1-flow-logs").inputs["retentionInDays"] == 365


def test_region_alone_alb_access_log_bucket_is_hardened_and_writable_only_by_elb():
    built = build()
    bucket = built.named("t-eu-west-1-logs").inputs
    assert bucket == {"forceDestroy": False,
                      "tags": tags(NAMING_PROD, "alb-logs", **{"sse-s3-reason": ALB_LOGS_SSE_S3_REASON})}
    # ALB log delivery supports only SSE-S3; it writes through the bucket policy, so ACLs are off
    assert built.named("t-eu-west-1-logs-encryption").inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": True}]
    assert built.named("t-eu-west-1-logs-ownership").inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert built.named("t-eu-west-1-logs-versioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    block = built.named("t-eu-west-1-logs-public-access").inputs
    assert all(block[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                          "restrictPublicBuckets"))
    arn = "arn:aws:s3:eu-west-1:123456789012:t-eu-west-1-logs"  # the mock's bucket ARN
    write, deny = json.loads(built.named("t-eu-west-1-logs-policy").inputs["policy"])["Statement"]
    # eu-west-1 opened before August 2022: the regional Elastic Load Balancing account writes the logs
    assert write == {"Sid": "ElbLogDelivery", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::156460612806:root"},
                     "Action": "s3:PutObject", "Resource": f"{arn}/alb/AWSLogs/{ACCOUNT}/*"}
    assert deny == {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def test_elb_log_policy_in_a_newer_region_uses_the_service_principal():
    [write, _] = json.loads(elb_log_policy("arn:aws:s3:::b", "ap-southeast-5", ACCOUNT, "alb"))["Statement"]
    assert write == {"Sid": "ElbLogDelivery", "Effect": "Allow",
                     "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                     "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::b/alb/AWSLogs/{ACCOUNT}/*",
                     "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}


def test_region_alone_behind_cloudflare_only_accepts_its_ranges_and_route53_checks():
    built = build(edge_cidrs=CLOUDFLARE_IPV4_RANGES + CLOUDFLARE_IPV6_RANGES, health_check_prefix_list="pl-0badc0de")
    check_conventions(built, "region", "Region")
    assert built.named("t-eu-west-1-alb-sg").inputs["ingress"] == [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": list(CLOUDFLARE_IPV4_RANGES),
         "ipv6CidrBlocks": list(CLOUDFLARE_IPV6_RANGES), "description": "Cloudflare edge (published ranges)"},
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListIds": ["pl-0badc0de"],
         "description": "Route53 health checkers"}]
