"""CloudFront + Lambda@Edge + WAF + multi-CDN DNS as registered under the mocks (issue 7)."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from components.edge import CLOUDFRONT_LOGS_ACL_REASON, CdnDns, CdnDnsArgs, Edge, EdgeArgs, EdgeOrigin
from edge.lambda_edge.request_router import parse_routing_table
from infra.config import ConfigError, parse_platform
from infra.model.edge import (
    MANAGED_CACHE_POLICIES,
    ORIGIN_REQUEST_ALL_VIEWER_AND_CLOUDFRONT,
    EdgeFunctionPlan,
)
from infra.planning import edge_plan
from tests.components.alone import NAMING_DEV, NAMING_PROD, build_alone, check_conventions, tags
from tests.conftest import ROOT, by_name, of_type, run_stack, stack_platform

DIST = "aws:cloudfront/distribution:Distribution"
FUNC = "aws:lambda/function:Function"


@pytest.fixture(scope="module")
def prod():
    return run_stack("prod")


@pytest.fixture(scope="module")
def dist(prod):
    return by_name(prod, "prod-edge-cdn")


def behavior(dist, path):
    return next(b for b in dist.inputs["orderedCacheBehaviors"] if b["pathPattern"] == path)


def test_distribution_is_in_us_east_1_with_price_class_waf_logs(prod, dist):
    assert dist.provider == "aws-us-east-1" and dist.parent == "prod-edge"
    assert dist.inputs["priceClass"] == "PriceClass_All"
    assert dist.inputs["webAclId"].endswith("prod-edge-waf")
    assert dist.inputs["loggingConfig"]["bucket"] == "prod-edge-logs.s3.amazonaws.com"
    ownership = by_name(prod, "prod-edge-logs-ownership")
    assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerPreferred"
    cert = dist.inputs["viewerCertificate"]
    assert cert["minimumProtocolVersion"] == "TLSv1.2_2021" and cert["sslSupportMethod"] == "sni-only"
    assert dist.inputs["aliases"] == ["www.example.com"]


def test_origins_are_https_only_albs_in_a_failover_group(dist):
    origins = {o["originId"]: o for o in dist.inputs["origins"]}
    assert set(origins) == {"alb-us-east-1", "alb-us-west-2", "alb-eu-west-1", "alb-ap-southeast-1"}
    for origin in origins.values():
        assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
        assert origin["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    assert origins["alb-us-east-1"]["domainName"] == "origin-us-east-1.example.com"
    [group] = dist.inputs["originGroups"]
    # primary region first, then the first of failover_priority (us-west-2)
    assert [m["originId"] for m in group["members"]] == ["alb-us-east-1", "alb-us-west-2"]
    assert group["failoverCriteria"]["statusCodes"] == [500, 502, 503, 504]


def test_api_behavior_no_cache_all_methods_router_and_modifier(dist):
    api = behavior(dist, "/api/*")
    assert api["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert api["originRequestPolicyId"] == ORIGIN_REQUEST_ALL_VIEWER_AND_CLOUDFRONT
    assert sorted(api["allowedMethods"]) == sorted(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"])
    # An origin group cannot take POST: /api/* goes to the primary ALB, the router picks the region.
    assert api["targetOriginId"] == "alb-us-east-1"
    assert api["viewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    assocs = {a["eventType"]: a["lambdaArn"] for a in api["lambdaFunctionAssociations"]}
    assert assocs == {
        "origin-request": "arn:aws:lambda:us-east-1:123456789012:function:prod-edge-request-router:1",
        "origin-response": "arn:aws:lambda:us-east-1:123456789012:function:prod-edge-response-modifier:1"}


def test_static_behavior_one_year_from_the_origin_group(prod, dist):
    static = behavior(dist, "/static/*")
    assert static["targetOriginId"] == "alb-failover"
    assert static["allowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    policy = by_name(prod, "prod-edge-static-cache")
    assert static["cachePolicyId"] == "prod-edge-static-cache_id"
    assert policy.inputs["minTtl"] == policy.inputs["defaultTtl"] == policy.inputs["maxTtl"] == 31536000
    default = dist.inputs["defaultCacheBehavior"]
    assert default["targetOriginId"] == "alb-failover"
    assert default["cachePolicyId"] == MANAGED_CACHE_POLICIES["CachingOptimized"]
    assert [a["eventType"] for a in default["lambdaFunctionAssociations"]] == ["origin-response"]


def test_waf_rate_limits_api_per_ip(prod):
    acl = by_name(prod, "prod-edge-waf")
    assert acl.inputs["scope"] == "CLOUDFRONT" and acl.provider == "aws-us-east-1"
    rule, *managed = acl.inputs["rules"]
    rate = rule["statement"]["rateBasedStatement"]
    assert rule["action"] == {"block": {}}
    assert rate["aggregateKeyType"] == "IP" and rate["limit"] == 500
    match = rate["scopeDownStatement"]["byteMatchStatement"]
    assert (match["searchString"], match["positionalConstraint"]) == ("/api/", "STARTS_WITH")
    # /API/ and /%61pi/ are matched too: decode, then lowercase
    assert match["textTransformations"] == [{"priority": 0, "type": "URL_DECODE"}, {"priority": 1, "type": "LOWERCASE"}]
    assert [(r["name"], r["priority"], r["overrideAction"]) for r in managed] == [
        ("AWSManagedRulesCommonRuleSet", 10, {"none": {}}), ("AWSManagedRulesKnownBadInputsRuleSet", 11, {"none": {}}),
        ("AWSManagedRulesAmazonIpReputationList", 12, {"none": {}}), ("AWSManagedRulesSQLiRuleSet", 13, {"none": {}})]
    common = managed[0]["statement"]["managedRuleGroupStatement"]
    assert common["ruleActionOverrides"] == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    logging = by_name(prod, "prod-edge-waf-logging").inputs
    assert logging["resourceArn"] == "arn:aws:wafv2:us-east-1:123456789012:prod-edge-waf"
    assert logging["logDestinationConfigs"] == ["arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-prod-edge"]
    assert [f["singleHeader"]["name"] for f in logging["redactedFields"]] == ["x-origin-verify", "authorization"]


def test_origins_carry_the_secret_header_and_the_log_bucket_is_hardened(prod):
    dist = by_name(prod, "prod-edge-cdn").inputs
    for origin in dist["origins"]:
        assert origin["customHeaders"] == [{"name": "X-Origin-Verify", "value": "[secret]"}]
    block = by_name(prod, "prod-edge-logs-public-access").inputs
    assert block == {"bucket": "prod-edge-logs_id", "blockPublicAcls": True, "blockPublicPolicy": True,
                     "ignorePublicAcls": True, "restrictPublicBuckets": True}
    assert by_name(prod, "prod-edge-logs-versioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    [sse] = by_name(prod, "prod-edge-logs-encryption").inputs["rules"]
    key_arn = "arn:aws:kms:us-east-1:123456789012:prod-edge-logs-key"  # the mock's ARN of the log key
    assert sse == {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn},
                   "bucketKeyEnabled": True}
    key = by_name(prod, "prod-edge-logs-key")
    assert key.inputs["enableKeyRotation"] is True and key.options["protect"] and key.options["retainOnDelete"]
    assert json.loads(key.inputs["policy"])["Statement"][1] == {
        "Sid": "LogDeliveryEncryptsLogs", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "kms:GenerateDataKey*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}
    # CloudFront standard logging writes through an ACL grant: ACLs stay on, and the bucket says why
    assert by_name(prod, "prod-edge-logs-ownership").inputs["rule"] == {"objectOwnership": "BucketOwnerPreferred"}
    assert by_name(prod, "prod-edge-logs").inputs["tags"]["acl-reason"] == CLOUDFRONT_LOGS_ACL_REASON
    [deny] = json.loads(by_name(prod, "prod-edge-logs-policy").inputs["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == ["arn:aws:s3:us-east-1:123456789012:prod-edge-logs",
                                "arn:aws:s3:us-east-1:123456789012:prod-edge-logs/*"]
    [life] = by_name(prod, "prod-edge-logs-lifecycle").inputs["rules"]
    assert (life["expiration"], life["noncurrentVersionExpiration"], life["abortIncompleteMultipartUpload"]) == (
        {"days": 365}, {"noncurrentDays": 30}, {"daysAfterInitiation": 7})


def test_lambda_edge_functions_package_code_and_routing_from_plan(prod):
    router = by_name(prod, "prod-edge-request-router")
    modifier = by_name(prod, "prod-edge-response-modifier")
    for fn in (router, modifier):
        assert fn.provider == "aws-us-east-1"
        assert fn.inputs["runtime"] == "python3.12" and fn.inputs["publish"] is True
        assert fn.inputs["role"].endswith("prod-edge-edge-role")
    assert (router.inputs["memorySize"], router.inputs["timeout"]) == (128, 5)
    assert (modifier.inputs["memorySize"], modifier.inputs["timeout"]) == (256, 10)
    assert router.inputs["handler"] == "request_router.handler"
    assets = router.inputs["code"]["assets"]
    assert set(assets) == {"request_router.py", "routing.json"}
    table = json.loads(assets["routing.json"]["text"])
    parse_routing_table(table)
    weights = {o["region"]: o["weight"] for o in table["origins"]}
    assert weights == {"us-east-1": 40, "us-west-2": 30, "eu-west-1": 20, "ap-southeast-1": 10}
    assert table["default_region"] == "us-east-1"
    assert set(modifier.inputs["code"]["assets"]) == {"response_modifier.py"}


def test_edge_role_trusts_lambda_and_edgelambda_with_logging_only(prod):
    role = by_name(prod, "prod-edge-edge-role")
    principal = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"]["Service"]
    assert sorted(principal) == ["edgelambda.amazonaws.com", "lambda.amazonaws.com"]
    attached = [r for r in of_type(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.parent == "prod-edge"]
    assert [a.inputs["policyArn"] for a in attached] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]


def test_multi_cdn_weighted_dns_with_cloudfront_health_check(prod):
    aws_rec, cf_rec = by_name(prod, "prod-cdn-dns-aws"), by_name(prod, "prod-cdn-dns-cloudflare")
    assert aws_rec.inputs["records"] == ["prod-edge-cdn.cloudfront.net"]
    assert aws_rec.inputs["weightedRoutingPolicies"] == [{"weight": 70}]
    assert aws_rec.inputs["healthCheckId"] == "prod-cdn-dns-aws-hc_id"
    assert cf_rec.inputs["records"] == ["www.example.com.cdn.cloudflare.net"]
    assert cf_rec.inputs["weightedRoutingPolicies"] == [{"weight": 30}]
    assert prod.outputs["edge"]["traffic"]["by_provider"]["aws"]["gb_month"] == pytest.approx(35000)


def test_failed_primary_region_is_drained_at_the_edge():
    run = run_stack("prod", ('failed_regions=["us-east-1"]',))
    dist = by_name(run, "prod-edge-cdn")
    assert behavior(dist, "/api/*")["targetOriginId"] == "alb-us-west-2"
    assert [m["originId"] for m in dist.inputs["originGroups"][0]["members"]] == ["alb-us-west-2", "alb-eu-west-1"]
    table = json.loads(by_name(run, "prod-edge-request-router").inputs["code"]["assets"]["routing.json"]["text"])
    east = next(o for o in table["origins"] if o["region"] == "us-east-1")
    assert (east["weight"], east["healthy"], table["default_region"]) == (0, False, "us-west-2")


def test_viewer_events_are_held_to_cloudfront_caps():
    # Pure: the component passes edge_functions() through unchanged (asserted on prod above).
    from infra.config import apply_overrides
    platform, _ = stack_platform("prod")
    cfg = parse_platform(apply_overrides(platform, ["edge.cloudfront.modifier_event_type=viewer-response",
                                                    "edge.cloudfront.router_event_type=viewer-request"], "t"), "t")
    router, modifier = edge_plan.edge_functions(cfg)
    assert (router.event_type, router.memory_mb, router.timeout_s) == ("viewer-request", 128, 5)
    assert (modifier.event_type, modifier.memory_mb, modifier.timeout_s) == ("viewer-response", 128, 5)


def test_dev_is_cloudfront_only_single_origin_default_certificate():
    run = run_stack("dev")
    dist = by_name(run, "dev-edge-cdn")
    assert dist.inputs["priceClass"] == "PriceClass_100"
    assert "originGroups" not in dist.inputs or not dist.inputs["originGroups"]
    assert dist.inputs["defaultCacheBehavior"]["targetOriginId"] == "alb-us-east-1"
    assert dist.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert dist.inputs["origins"][0]["customOriginConfig"]["originProtocolPolicy"] == "http-only"
    assert not [r for r in run.resources if r.type.startswith("cloudflare:")]
    assert not of_type(run, "aws:route53/record:Record")


@pytest.mark.parametrize("override, key", [
    ("edge.providers[2].enabled=true", "edge.providers[2].enabled"),            # azure
    ("edge.cloudfront.acm_certificate_arn=null", "edge.cloudfront.acm_certificate_arn"),
    ("regions[1].certificate_arn=null", "regions[1].certificate_arn"),
    ("edge.cloudflare=null", "edge.cloudflare"),
])
def test_bad_edge_config_is_one_clear_error(override, key):
    from infra.config import apply_overrides
    platform, _ = stack_platform("prod")
    with pytest.raises(ConfigError) as err:
        parse_platform(apply_overrides(platform, [override], "Pulumi.prod.yaml"), "Pulumi.prod.yaml")
    assert err.value.key == f"scaling-platform:platform.{key}"


# --- Edge and CdnDns built alone from hand-made args (tests/components/alone.py) -----------------------------

ROUTER = EdgeFunctionPlan("request-router", "request_router.py", "request_router.handler", "python3.12",
                          "origin-request", 128, 5, ("/api/*",), "hand-made router")
MODIFIER = EdgeFunctionPlan("response-modifier", "response_modifier.py", "response_modifier.handler", "python3.12",
                            "origin-response", 256, 10, ("default", "/api/*", "/static/*"), "hand-made modifier")
ORIGINS = (EdgeOrigin("us-east-1", "use1.origin.example.com", "use1-alb.elb.amazonaws.com", "Z35SXDOTRQ7X7K"),
           EdgeOrigin("eu-west-1", "euw1.origin.example.com", "euw1-alb.elb.amazonaws.com", "Z32O12XQLNTSW2"))
EDGE_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/edge"
TABLE = {"default_region": "us-east-1", "origins": [{"region": "us-east-1", "weight": 100}]}
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function"


def _build_edge(naming=NAMING_PROD, origins=ORIGINS, certificate_arn=EDGE_CERT, hosted_zone_id="Z0123456789ABC",
                create_origin_records=True):
    def make():
        provider = aws.Provider("aws-us-east-1", region="us-east-1")
        return Edge("t-edge", EdgeArgs(
            naming=naming, origins=origins, routing_table=TABLE, functions=(ROUTER, MODIFIER),
            price_class="PriceClass_100", default_cache_policy_id=MANAGED_CACHE_POLICIES["CachingOptimized"],
            certificate_arn=certificate_arn, hostname="www.example.com", api_rate_limit_per_5min=2000,
            log_prefix="cdn/", origin_protocol_policy="https-only", hosted_zone_id=hosted_zone_id,
            create_origin_records=create_origin_records, account_id="210987654321"),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def test_edge_alone_children_functions_waf_logs():
    built = _build_edge()
    check_conventions(built, "edge", "Edge")
    assert built.roles() == {
        "logs": "aws:s3/bucket:Bucket", "logs-ownership": "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "logs-key": "aws:kms/key:Key", "logs-policy": "aws:s3/bucketPolicy:BucketPolicy",
        "edge-role": "aws:iam/role:Role", "edge-logs": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "request-router": FUNC, "response-modifier": FUNC, "static-cache": "aws:cloudfront/cachePolicy:CachePolicy",
        "waf": "aws:wafv2/webAcl:WebAcl", "cdn": DIST, "origin-us-east-1": "aws:route53/record:Record",
        "origin-eu-west-1": "aws:route53/record:Record",
        "logs-public-access": "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "logs-versioning": "aws:s3/bucketVersioning:BucketVersioning",
        "logs-encryption": "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "logs-lifecycle": "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "waf-logs": "aws:cloudwatch/logGroup:LogGroup",
        "waf-logging": "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"}
    assert {r.provider for r in built.children.values()} == {"aws-us-east-1"}
    assert built.named("t-edge-logs").inputs == {
        "forceDestroy": False, "tags": tags(NAMING_PROD, "cdn-logs", **{"acl-reason": CLOUDFRONT_LOGS_ACL_REASON})}
    assert built.named("t-edge-logs-ownership").inputs == {"bucket": "t-edge-logs_id",
                                                           "rule": {"objectOwnership": "BucketOwnerPreferred"}}
    assert built.named("t-edge-edge-logs").inputs == {
        "role": "t-edge-edge-role", "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
    router = built.named("t-edge-request-router").inputs
    assert (router["runtime"], router["handler"], router["memorySize"], router["timeout"], router["publish"]) == (
        "python3.12", "request_router.handler", 128, 5, True)
    assert router["role"] == "arn:aws:iam:us-east-1:123456789012:t-edge-edge-role"
    # routing.json is packaged from the plan in memory, next to the source file
    assert router["code"]["assets"] == {
        "request_router.py": {"path": str(ROOT / "edge" / "lambda_edge" / "request_router.py")},
        "routing.json": {"text": json.dumps(TABLE, sort_keys=True)}}
    assert set(built.named("t-edge-response-modifier").inputs["code"]["assets"]) == {"response_modifier.py"}
    static = built.named("t-edge-static-cache").inputs
    assert (static["name"], static["minTtl"], static["defaultTtl"], static["maxTtl"]) == (
        "t-edge-static-1y", 31536000, 31536000, 31536000)
    rule = built.named("t-edge-waf").inputs["rules"][0]
    assert (built.named("t-edge-waf").inputs["scope"], rule["action"]) == ("CLOUDFRONT", {"block": {}})
    rate = rule["statement"]["rateBasedStatement"]
    assert (rate["limit"], rate["aggregateKeyType"], rate["evaluationWindowSec"]) == (2000, "IP", 300)
    assert rate["scopeDownStatement"]["byteMatchStatement"]["searchString"] == "/api/"
    assert built.named("t-edge-origin-eu-west-1").inputs == {
        "zoneId": "Z0123456789ABC", "name": "euw1.origin.example.com", "type": "A",
        "aliases": [{"name": "euw1-alb.elb.amazonaws.com", "zoneId": "Z32O12XQLNTSW2", "evaluateTargetHealth": True}]}
    assert built.outputs == {
        "distribution_id": "t-edge-cdn_id", "domain_name": "t-edge-cdn.cloudfront.net",
        "web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:t-edge-waf", "log_bucket": "t-edge-logs",
        "function_arns": {"request-router": f"{LAMBDA}:t-edge-request-router:1",
                          "response-modifier": f"{LAMBDA}:t-edge-response-modifier:1"}}


def test_edge_alone_distribution_behaviours_and_origin_group():
    d = _build_edge().named("t-edge-cdn").inputs
    assert (d["priceClass"], d["aliases"], d["webAclId"]) == (
        "PriceClass_100", ["www.example.com"], "arn:aws:wafv2:us-east-1:123456789012:t-edge-waf")
    assert d["viewerCertificate"] == {"acmCertificateArn": EDGE_CERT, "sslSupportMethod": "sni-only",
                                      "minimumProtocolVersion": "TLSv1.2_2021"}
    assert d["loggingConfig"] == {"bucket": "t-edge-logs.s3.amazonaws.com", "prefix": "cdn/", "includeCookies": False}
    assert [(o["originId"], o["domainName"], o["customOriginConfig"]["originProtocolPolicy"],
             o["customOriginConfig"]["originSslProtocols"]) for o in d["origins"]] == [
        ("alb-us-east-1", "use1.origin.example.com", "https-only", ["TLSv1.2"]),
        ("alb-eu-west-1", "euw1.origin.example.com", "https-only", ["TLSv1.2"])]
    assert d["originGroups"] == [{"originId": "alb-failover", "failoverCriteria": {"statusCodes": [500, 502, 503, 504]},
                                  "members": [{"originId": "alb-us-east-1"}, {"originId": "alb-eu-west-1"}]}]
    default = d["defaultCacheBehavior"]
    assert (default["targetOriginId"], default["allowedMethods"], default["cachePolicyId"]) == (
        "alb-failover", ["GET", "HEAD", "OPTIONS"], MANAGED_CACHE_POLICIES["CachingOptimized"])
    assert default["lambdaFunctionAssociations"] == [
        {"eventType": "origin-response", "lambdaArn": f"{LAMBDA}:t-edge-response-modifier:1", "includeBody": False}]
    api, static = d["orderedCacheBehaviors"]
    assert (api["pathPattern"], api["targetOriginId"], api["cachePolicyId"], api["originRequestPolicyId"]) == (
        "/api/*", "alb-us-east-1", MANAGED_CACHE_POLICIES["CachingDisabled"], ORIGIN_REQUEST_ALL_VIEWER_AND_CLOUDFRONT)
    assert api["allowedMethods"] == ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    assert [a["eventType"] for a in api["lambdaFunctionAssociations"]] == ["origin-request", "origin-response"]
    assert (static["pathPattern"], static["targetOriginId"], static["cachePolicyId"]) == (
        "/static/*", "alb-failover", "t-edge-static-cache_id")


def test_edge_alone_single_origin_default_certificate_no_dns():
    built = _build_edge(naming=NAMING_DEV, origins=ORIGINS[:1], certificate_arn=None, hosted_zone_id=None)
    check_conventions(built, "edge", "Edge")
    assert not [n for n in built.roles() if n.startswith("origin-")]
    d = built.named("t-edge-cdn").inputs
    assert "originGroups" not in d and "aliases" not in d  # an alias needs our certificate
    assert d["defaultCacheBehavior"]["targetOriginId"] == "alb-us-east-1"
    assert d["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert built.named("t-edge-logs").inputs["forceDestroy"] is True  # dev logs may go with the stack


def test_cdn_dns_alone_weighted_cnames_health_checked_where_probeable():
    def make():
        provider = aws.Provider("aws-us-east-1", region="us-east-1")
        return CdnDns("t-cdn-dns", CdnDnsArgs(
            naming=NAMING_PROD, hosted_zone_id="Z0123456789ABC", hostname="www.example.com",
            targets={"aws": "d111.cloudfront.net", "cloudflare": "www.example.com.cdn.cloudflare.net"},
            weights={"aws": 70, "cloudflare": 30}, health_checks={"aws": "d111.cloudfront.net"},
            health_check_path="/healthz", request_interval_s=30),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    built = build_alone(make)
    check_conventions(built, "edge", "CdnDns")
    assert built.roles() == {"aws-hc": "aws:route53/healthCheck:HealthCheck", "aws": "aws:route53/record:Record",
                             "cloudflare": "aws:route53/record:Record"}
    assert built.named("t-cdn-dns-aws-hc").inputs == {
        "fqdn": "d111.cloudfront.net", "type": "HTTPS", "port": 443, "resourcePath": "/healthz",
        "requestInterval": 30, "failureThreshold": 3, "enableSni": True,
        "tags": tags(NAMING_PROD, "cdn-health-check", cdn="aws")}
    assert built.named("t-cdn-dns-aws").inputs == {
        "zoneId": "Z0123456789ABC", "name": "www.example.com", "type": "CNAME", "ttl": 60,
        "records": ["d111.cloudfront.net"], "setIdentifier": "aws", "weightedRoutingPolicies": [{"weight": 70}],
        "healthCheckId": "t-cdn-dns-aws-hc_id"}
    cloudflare = built.named("t-cdn-dns-cloudflare").inputs
    assert cloudflare["weightedRoutingPolicies"] == [{"weight": 30}] and "healthCheckId" not in cloudflare
    assert built.outputs == {"hostname": "www.example.com", "weights": {"aws": 70, "cloudflare": 30}}
