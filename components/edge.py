"""Edge: CloudFront in front of the regional ALBs, Lambda@Edge, WAF, access logs, multi-CDN DNS.

novacron "7. Edge Location Scaling" (cdn_configuration.cloudfront, edge_compute.lambda_edge) and
relay "CDN Integration" (several CDNs, DNS failover). Every number and choice comes from
`infra/planning/edge_model.py`; this file only encodes it. All resources use the us-east-1 provider
(CloudFront, its ACM certificate, Lambda@Edge and CLOUDFRONT-scope WAF live there).

Behaviours (CloudFront only fails an origin group over for GET/HEAD/OPTIONS, and a behaviour
that allows POST/PUT/PATCH/DELETE cannot target an origin group):
- `/api/*`: all 7 methods, CachingDisabled, all viewer + CloudFront headers/cookies/query
  strings forwarded, target = the first healthy region's ALB origin; the request router
  (origin-request) rewrites the origin to the region it picks, so failover for the API is the
  router's job (routing.json weights/health from the plan), not the origin group's.
- `/static/*`: GET/HEAD/OPTIONS, a one-year cache policy, target = the origin group.
- default: GET/HEAD/OPTIONS, the configured managed cache policy, target = the origin group.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.log_bucket import LogBucketSpec, log_bucket, log_key
from components.naming import Naming, short_name
from components.waf import api_path_match, managed_rules, waf_logging
from infra.model import edge as edge_model
from infra.model import guardrails, security
from infra.model.capacity import HEALTH_CHECK_FAILURE_THRESHOLD
from infra.model.edge import EdgeFunctionPlan

# Lambda@Edge may only have a role trusted by both services (Lambda@Edge developer guide,
# "Setting IAM permissions and roles for Lambda@Edge").
_ASSUME_EDGE_LAMBDA = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                   "Principal": {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]}}],
})
BASIC_LOGGING_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
ORIGIN_GROUP_ID = "alb-failover"
# The bucket's `acl-reason` tag (tag values allow only letters, digits, spaces and + - = . _ : / @).
CLOUDFRONT_LOGS_ACL_REASON = "CloudFront standard logging writes through an ACL grant - CloudFront Developer Guide"
# WAFv2 rate-based rules count per 5-minute window by default; we name it to keep units honest.
WAF_EVALUATION_WINDOW_S = 300


@dataclass(frozen=True)
class EdgeOrigin:
    """One regional ALB as a CloudFront origin: its host name and the ALB alias target."""

    region: str
    domain_name: pulumi.Input[str]   # the origin host (template name or ALB DNS name)
    alb_dns_name: pulumi.Input[str]
    alb_zone_id: pulumi.Input[str]


@dataclass(frozen=True)
class EdgeArgs:
    """What the plan decided for the CloudFront distribution, its functions, WAF and logs."""

    naming: Naming
    origins: Sequence[EdgeOrigin]                   # in failover order: [0] = /api/* and group primary
    routing_table: pulumi.Input[Mapping[str, Any]]  # routing.json content (edge_model.routing_table)
    functions: Sequence[EdgeFunctionPlan]
    price_class: str
    default_cache_policy_id: str
    certificate_arn: str | None
    hostname: str | None
    api_rate_limit_per_5min: int
    log_prefix: str
    origin_protocol_policy: str
    # The account of the log key's policy (admins, and the log-delivery service for this account only).
    account_id: pulumi.Input[str]
    hosted_zone_id: str | None = None
    create_origin_records: bool = False  # Route53 alias for each templated origin name -> its ALB
    origin_records: Sequence[EdgeOrigin] = ()  # whose names get those aliases (default: `origins`)
    # Secret header value CloudFront adds to every origin request (the ALBs forward only with it).
    origin_secret: pulumi.Input[str] | None = None


class Edge(pulumi.ComponentResource):
    """CloudFront distribution + Lambda@Edge + WAF + log bucket (+ multi-CDN weighted DNS)."""

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:edge:Edge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.naming.tags

        # --- Access logs (components/log_bucket.py): CloudFront standard logging writes with an ACL grant,
        # so ACLs stay enabled (BucketOwnerPreferred); SSE-KMS with a rotated key the log-delivery
        # service may use for this account only.
        self.log_key = log_key(f"{name}-logs-key", args.naming, args.account_id,
                               f"{args.naming.stack} CloudFront access logs", child)
        self.log_bucket, log_controls = log_bucket(
            f"{name}-logs", args.naming,
            LogBucketSpec(role="cdn-logs", object_ownership="BucketOwnerPreferred", kms_key_arn=self.log_key.arn,
                          extra_tags=((security.ACL_REASON_TAG, CLOUDFRONT_LOGS_ACL_REASON),),
                          force_destroy=args.naming.environment != "prod"),
            child)

        # --- Lambda@Edge
        self.role = aws.iam.Role(f"{name}-edge-role", assume_role_policy=_ASSUME_EDGE_LAMBDA,
                                 description="Lambda@Edge request-router/response-modifier: logs only",
                                 tags=tags("edge-lambda-role"), opts=child)
        attach = aws.iam.RolePolicyAttachment(f"{name}-edge-logs", role=self.role.name,
                                              policy_arn=BASIC_LOGGING_POLICY_ARN, opts=child)
        self.functions: dict[str, aws.lambda_.Function] = {}
        for fn in args.functions:
            source = pulumi.FileAsset(str(edge_model.LAMBDA_EDGE_DIR / fn.source_file))
            if fn.name == "request-router":
                # routing.json is built from the plan in memory, never written into the tree.
                code = pulumi.Output.from_input(args.routing_table).apply(
                    lambda table, src=source, file=fn.source_file: pulumi.AssetArchive({
                        file: src, "routing.json": pulumi.StringAsset(json.dumps(table, sort_keys=True))}))
            else:
                code = pulumi.AssetArchive({fn.source_file: source})
            self.functions[fn.name] = aws.lambda_.Function(
                f"{name}-{fn.name}", role=self.role.arn, runtime=fn.runtime, handler=fn.handler,
                memory_size=fn.memory_mb, timeout=fn.timeout_s, publish=True, code=code,
                architectures=["x86_64"], description=f"novacron §7 {fn.name} ({fn.event_type}); {fn.note}",
                tags=tags("edge-function", function=fn.name, event_type=fn.event_type),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[attach]))

        def associations(path: str) -> list[dict[str, Any]]:
            return [{"event_type": fn.event_type, "lambda_arn": self.functions[fn.name].qualified_arn,
                     "include_body": False}
                    for fn in args.functions if path in fn.paths]

        # --- /static/*: one year, nothing in the key but the path (+ compression).
        self.static_policy = aws.cloudfront.CachePolicy(
            f"{name}-static-cache", name=short_name(f"{name}-static-1y", 64),
            comment="novacron §7 /static/* max-age-31536000",
            min_ttl=edge_model.STATIC_MAX_AGE_S, default_ttl=edge_model.STATIC_MAX_AGE_S,
            max_ttl=edge_model.STATIC_MAX_AGE_S,
            parameters_in_cache_key_and_forwarded_to_origin={
                "cookies_config": {"cookie_behavior": "none"}, "headers_config": {"header_behavior": "none"},
                "query_strings_config": {"query_string_behavior": "none"},
                "enable_accept_encoding_gzip": True, "enable_accept_encoding_brotli": True},
            opts=child)

        # --- WAF: rate limit per client IP on /api/* (normalised match) + AWS managed rule groups.
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-waf", name=short_name(f"{name}-waf", 128), scope="CLOUDFRONT",
            description="Rate limit per client IP on /api/*",  # unchanged: the ACL keeps its identity
            default_action={"allow": {}},
            rules=[{
                "name": "api-rate-limit", "priority": 1, "action": {"block": {}},
                "statement": {"rate_based_statement": {
                    "limit": args.api_rate_limit_per_5min, "aggregate_key_type": "IP",
                    "evaluation_window_sec": WAF_EVALUATION_WINDOW_S,
                    "scope_down_statement": api_path_match()}},
                "visibility_config": {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True,
                                      "metric_name": "api-rate-limit"}},
                *managed_rules(security.MANAGED_RULE_GROUPS, first_priority=10)],
            visibility_config={"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True,
                               "metric_name": short_name(f"{name}-waf", 128)},
            tags=tags("waf"), opts=child)
        waf_logging(name, args.naming, self.web_acl, child)

        # --- Distribution
        origins = [{
            "origin_id": edge_model.origin_id(o.region), "domain_name": o.domain_name,
            "custom_origin_config": {"http_port": 80, "https_port": 443,
                                     "origin_protocol_policy": args.origin_protocol_policy,
                                     "origin_ssl_protocols": list(guardrails.ORIGIN_TLS)},
            "custom_headers": [{"name": security.ORIGIN_SECRET_HEADER, "value": args.origin_secret}]
            if args.origin_secret is not None else None}
            for o in args.origins]
        primary_id = edge_model.origin_id(args.origins[0].region)
        origin_groups = []
        cached_target = primary_id
        if len(args.origins) >= 2:
            origin_groups = [{"origin_id": ORIGIN_GROUP_ID,
                              "failover_criteria": {"status_codes": list(edge_model.FAILOVER_STATUS_CODES)},
                              "members": [{"origin_id": primary_id},
                                          {"origin_id": edge_model.origin_id(args.origins[1].region)}]}]
            cached_target = ORIGIN_GROUP_ID
        viewer_policy = "redirect-to-https"
        if args.certificate_arn:
            viewer_certificate = {"acm_certificate_arn": args.certificate_arn, "ssl_support_method": "sni-only",
                                  "minimum_protocol_version": guardrails.VIEWER_MIN_TLS}
        else:
            # Limitation: the default *.cloudfront.net certificate ignores minimum_protocol_version
            # (CloudFront keeps TLSv1 for it); set edge.cloudfront.acm_certificate_arn in real stacks.
            viewer_certificate = {"cloudfront_default_certificate": True}
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-cdn", enabled=True, is_ipv6_enabled=True, http_version="http2and3",
            comment=f"{args.naming.stack} edge (novacron §7)", price_class=args.price_class,
            aliases=[args.hostname] if args.hostname and args.certificate_arn else None,
            origins=origins, origin_groups=origin_groups or None,
            default_cache_behavior={
                "target_origin_id": cached_target, "viewer_protocol_policy": viewer_policy,
                "allowed_methods": list(edge_model.READ_METHODS), "cached_methods": list(edge_model.CACHED_METHODS),
                "cache_policy_id": args.default_cache_policy_id, "compress": True,
                "lambda_function_associations": associations("default")},
            ordered_cache_behaviors=[
                {"path_pattern": guardrails.API_PATH, "target_origin_id": primary_id,
                 "viewer_protocol_policy": viewer_policy,
                 "allowed_methods": list(edge_model.ALL_METHODS), "cached_methods": list(edge_model.CACHED_METHODS),
                 "cache_policy_id": edge_model.MANAGED_CACHE_POLICIES["CachingDisabled"],
                 "origin_request_policy_id": edge_model.ORIGIN_REQUEST_ALL_VIEWER_AND_CLOUDFRONT,
                 "compress": True, "lambda_function_associations": associations(guardrails.API_PATH)},
                {"path_pattern": edge_model.STATIC_PATH, "target_origin_id": cached_target,
                 "viewer_protocol_policy": viewer_policy,
                 "allowed_methods": list(edge_model.READ_METHODS), "cached_methods": list(edge_model.CACHED_METHODS),
                 "cache_policy_id": self.static_policy.id, "compress": True,
                 "lambda_function_associations": associations(edge_model.STATIC_PATH)},
            ],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=viewer_certificate,
            logging_config={"bucket": self.log_bucket.bucket_domain_name, "prefix": args.log_prefix,
                            "include_cookies": False},
            web_acl_id=self.web_acl.arn,
            tags=tags("cdn"), opts=pulumi.ResourceOptions(parent=self, depends_on=list(log_controls)))

        # --- DNS: templated origin names -> their ALBs (the names the ALB certificates cover).
        if args.hosted_zone_id and args.create_origin_records:
            for o in args.origin_records or args.origins:
                aws.route53.Record(f"{name}-origin-{o.region}", zone_id=args.hosted_zone_id,
                                   name=o.domain_name, type="A",
                                   aliases=[{"name": o.alb_dns_name, "zone_id": o.alb_zone_id,
                                             "evaluate_target_health": True}], opts=child)
        self.register_outputs({
            "distribution_id": self.distribution.id, "domain_name": self.distribution.domain_name,
            "web_acl_arn": self.web_acl.arn, "log_bucket": self.log_bucket.bucket,
            "function_arns": {n: f.qualified_arn for n, f in self.functions.items()},
        })


@dataclass(frozen=True)
class CdnDnsArgs:
    """Multi-CDN split of the public name (relay "CDN Integration": several CDNs, DNS failover)."""

    naming: Naming
    hosted_zone_id: str
    hostname: str
    targets: Mapping[str, pulumi.Input[str]]   # provider -> CNAME target
    weights: Mapping[str, int]                 # provider -> Route53 weight (edge.providers)
    health_checks: Mapping[str, pulumi.Input[str]]  # provider -> fqdn Route53 can probe
    health_check_path: str
    request_interval_s: int


class CdnDns(pulumi.ComponentResource):
    """One weighted CNAME per CDN for the public name, health-checked where Route53 can probe.

    A CDN whose health check fails drops out of the answer and its share goes to the others
    (Route53 weighted routing with health checks): that is the runbook's "DNS failover".
    """

    def __init__(self, name: str, args: CdnDnsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:edge:CdnDns", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.records: dict[str, aws.route53.Record] = {}
        for provider, target in args.targets.items():
            check = None
            if provider in args.health_checks:
                check = aws.route53.HealthCheck(
                    f"{name}-{provider}-hc", fqdn=args.health_checks[provider], type="HTTPS", port=443,
                    resource_path=args.health_check_path, request_interval=args.request_interval_s,
                    failure_threshold=HEALTH_CHECK_FAILURE_THRESHOLD, enable_sni=True,
                    tags=args.naming.tags("cdn-health-check", cdn=provider), opts=child)
            self.records[provider] = aws.route53.Record(
                f"{name}-{provider}", zone_id=args.hosted_zone_id, name=args.hostname, type="CNAME", ttl=60,
                records=[target], set_identifier=provider,
                weighted_routing_policies=[{"weight": args.weights[provider]}],
                health_check_id=check.id if check else None, opts=child)
        self.register_outputs({"hostname": args.hostname, "weights": dict(args.weights)})
