"""Edge policies: a passing CloudFront + Cloudflare edge, and one mutation per rule (exact messages)."""
from __future__ import annotations

import dataclasses

import pytest

from infra.model.edge import MANAGED_CACHE_POLICIES
from infra.model.recorded import RecordedResource
from policies import rules
from policies.engine import evaluate, load_policy_config
from policies.rules import RULES_BY_NAME, resolve_config

TAGS = {"environment": "prod", "owner": "platform", "cost-center": "cc-100"}
ROUTER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:prod-edge-request-router:1"
MODIFIER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:prod-edge-response-modifier:1"


def _r(type_, name, inputs, parent="prod-edge", provider="aws-us-east-1"):
    return RecordedResource(type=type_, name=name, inputs=inputs, parent=parent, provider=provider,
                            urn=f"urn:pulumi:prod::scaling-platform::{type_}::{name}")


def _origin(region):
    return {"originId": f"alb-{region}", "domainName": f"origin-{region}.example.com",
            "customOriginConfig": {"originProtocolPolicy": "https-only", "originSslProtocols": ["TLSv1.2"],
                                   "httpPort": 80.0, "httpsPort": 443.0}}


def make_edge_stack() -> list[RecordedResource]:
    """What components/edge.py and components/cloudflare.py register for prod, trimmed to the checked inputs."""
    def behavior(path=None, assoc=(), cache="CachingOptimized"):
        b = {"viewerProtocolPolicy": "redirect-to-https", "cachePolicyId": MANAGED_CACHE_POLICIES[cache],
             "targetOriginId": "alb-us-east-1",
             "lambdaFunctionAssociations": [{"eventType": e, "lambdaArn": a, "includeBody": False} for e, a in assoc]}
        return dict(b, pathPattern=path) if path else b

    modifier = ("origin-response", MODIFIER_ARN)
    return [
        _r("aws:lambda/function:Function", "prod-edge-request-router", {
            "memorySize": 128.0, "timeout": 5.0, "publish": True, "tags": dict(TAGS, role="edge-function")}),
        _r("aws:lambda/function:Function", "prod-edge-response-modifier", {
            "memorySize": 256.0, "timeout": 10.0, "publish": True, "tags": dict(TAGS, role="edge-function")}),
        _r("aws:wafv2/webAcl:WebAcl", "prod-edge-waf", {
            "scope": "CLOUDFRONT", "defaultAction": {"allow": {}}, "tags": dict(TAGS),
            "rules": [{"name": "api-rate-limit", "priority": 1.0, "action": {"block": {}}, "statement": {
                "rateBasedStatement": {"limit": 500.0, "aggregateKeyType": "IP", "scopeDownStatement": {
                    "byteMatchStatement": {"positionalConstraint": "STARTS_WITH", "searchString": "/api/",
                                           "fieldToMatch": {"uriPath": {}},
                                           "textTransformations": [{"priority": 0.0, "type": "NONE"}]}}}}}]}),
        _r("aws:cloudfront/distribution:Distribution", "prod-edge-cdn", {
            "enabled": True, "tags": dict(TAGS), "webAclId": "arn:aws:wafv2:us-east-1:123456789012:prod-edge-waf",
            "origins": [_origin("us-east-1"), _origin("us-west-2")],
            "defaultCacheBehavior": behavior(assoc=[modifier]),
            "orderedCacheBehaviors": [
                behavior("/api/*", [("origin-request", ROUTER_ARN), modifier], cache="CachingDisabled"),
                behavior("/static/*", [modifier])],
            "viewerCertificate": {"acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
                                  "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021"},
            "loggingConfig": {"bucket": "prod-edge-logs.s3.amazonaws.com", "prefix": "cloudfront/"}}),
        _r("cloudflare:index/dnsRecord:DnsRecord", "prod-cloudflare-record", {
            "zoneId": "z1", "name": "www.example.com", "type": "CNAME", "proxied": True},
           parent="prod-cloudflare", provider="cloudflare-prod"),
        _r("cloudflare:index/ruleset:Ruleset", "prod-cloudflare-cache-rules", {
            "zoneId": "z1", "kind": "zone", "phase": "http_request_cache_settings", "rules": [
                {"ref": "api_bypass", "action": "set_cache_settings", "actionParameters": {"cache": False},
                 "expression": '(http.host eq "www.example.com" and starts_with(http.request.uri.path, "/api/"))'},
                {"ref": "static", "action": "set_cache_settings", "actionParameters": {"cache": True},
                 "expression": '(http.host eq "www.example.com" and starts_with(http.request.uri.path, "/static/"))'}]},
           parent="prod-cloudflare", provider="cloudflare-prod"),
        _r("cloudflare:index/workersScript:WorkersScript", "prod-cloudflare-rate-limiter", {
            "scriptName": "prod-rate-limiter", "limits": {"cpuMs": 10.0}}, parent="prod-cloudflare",
           provider="cloudflare-prod"),
        _r("cloudflare:index/workersRoute:WorkersRoute", "prod-cloudflare-rate-limiter-route", {
            "zoneId": "z1", "pattern": "www.example.com/api/*", "script": "prod-rate-limiter"},
           parent="prod-cloudflare", provider="cloudflare-prod"),
    ]


@pytest.fixture
def edge_stack():
    return make_edge_stack()


def cfg(policy, **overrides):
    return resolve_config(RULES_BY_NAME[policy], overrides)


def mutate(stack, name, **changes):
    return [dataclasses.replace(r, inputs={**r.inputs, **changes}) if r.name == name else r for r in stack]


def by_name(stack, name):
    return next(r for r in stack if r.name == name)


def check(policy, res, **config):
    return RULES_BY_NAME[policy].check(res.type, res.inputs, cfg(policy, **config), name=res.name)


EDGE_RULES = ("edge-https-only", "edge-tls-minimum", "edge-api-protection", "edge-lambda-published",
              "cloudflare-api-cache-bypass")


def test_edge_stack_passes_every_edge_rule_and_the_prod_config(edge_stack):
    for name in EDGE_RULES:
        rule = RULES_BY_NAME[name]
        if rule.kind == "resource":
            assert [m for r in edge_stack for m in check(name, r)] == [], name
        else:
            assert rule.check(edge_stack, cfg(name)) == [], name
    assert [v for v in evaluate(edge_stack, load_policy_config("prod")) if v.policy in EDGE_RULES] == []


# ---- edge-https-only
def test_viewer_allow_all_fails(edge_stack):
    dist = by_name(edge_stack, "prod-edge-cdn")
    behaviors = [dict(b, viewerProtocolPolicy="allow-all") if b["pathPattern"] == "/static/*" else b
                 for b in dist.inputs["orderedCacheBehaviors"]]
    bad = by_name(mutate(edge_stack, dist.name, orderedCacheBehaviors=behaviors), dist.name)
    assert check("edge-https-only", bad) == [
        "behaviour /static/* viewerProtocolPolicy is allow-all (must be redirect-to-https or https-only)"]


def test_http_origin_fails_unless_allowed_and_tls_must_be_1_2(edge_stack):
    dist = by_name(edge_stack, "prod-edge-cdn")
    http = dict(_origin("us-west-2"))
    http["customOriginConfig"] = dict(http["customOriginConfig"], originProtocolPolicy="http-only")
    bad = by_name(mutate(edge_stack, dist.name, origins=[_origin("us-east-1"), http]), dist.name)
    assert check("edge-https-only", bad) == [
        "origin alb-us-west-2 originProtocolPolicy is http-only (must be https-only)"]
    assert check("edge-https-only", bad, allow_http_origins=True) == []
    old_tls = dict(http, customOriginConfig=dict(http["customOriginConfig"], originSslProtocols=["TLSv1.1", "TLSv1.2"]))
    bad = by_name(mutate(edge_stack, dist.name, origins=[old_tls]), dist.name)
    assert check("edge-https-only", bad, allow_http_origins=True) == [
        "origin alb-us-west-2 originSslProtocols is TLSv1.1, TLSv1.2 (must be only TLSv1.2)"]


def test_dev_config_allows_http_origins():
    assert load_policy_config("dev")["edge-https-only"] == {"allow_http_origins": True}


# ---- edge-tls-minimum
def test_old_viewer_tls_policy_fails(edge_stack):
    dist = by_name(edge_stack, "prod-edge-cdn")
    cert = dict(dist.inputs["viewerCertificate"], minimumProtocolVersion="TLSv1.2_2019")
    bad = by_name(mutate(edge_stack, dist.name, viewerCertificate=cert), dist.name)
    assert check("edge-tls-minimum", bad) == ["viewer minimumProtocolVersion is TLSv1.2_2019 (must be TLSv1.2_2021 or newer)"]
    assert check("edge-tls-minimum", bad, minimum_protocol_version="TLSv1.2_2019") == []


def test_default_certificate_allowed_by_default_not_in_prod(edge_stack):
    dist = by_name(edge_stack, "prod-edge-cdn")
    bad = by_name(mutate(edge_stack, dist.name, viewerCertificate={"cloudfrontDefaultCertificate": True}), dist.name)
    assert check("edge-tls-minimum", bad) == []
    assert check("edge-tls-minimum", bad, **load_policy_config("prod")["edge-tls-minimum"]) == [
        "distribution uses the default *.cloudfront.net certificate, which cannot enforce TLSv1.2_2021 "
        "(set viewerCertificate.acmCertificateArn)"]


# ---- edge-api-protection
def test_distribution_without_waf_fails(edge_stack):
    stack = mutate(edge_stack, "prod-edge-cdn", webAclId=None)
    assert rules.edge_api_protection(stack, cfg("edge-api-protection")) == [rules.Violation(
        "prod-edge-cdn", "/api/* is not protected: no webAclId (attach a WAFv2 web ACL with a rate-based rule scoped to /api/)")]


def test_waf_without_api_rate_rule_fails(edge_stack):
    acl = by_name(edge_stack, "prod-edge-waf")
    scoped = [{**rule, "statement": {"rateBasedStatement": {**rule["statement"]["rateBasedStatement"], "scopeDownStatement": {
        "byteMatchStatement": {"positionalConstraint": "STARTS_WITH", "searchString": "/login",
                               "fieldToMatch": {"uriPath": {}}}}}}} for rule in acl.inputs["rules"]]
    stack = mutate(edge_stack, acl.name, rules=scoped)
    assert rules.edge_api_protection(stack, cfg("edge-api-protection")) == [rules.Violation(
        "prod-edge-cdn", "/api/* is not protected: web ACL prod-edge-waf has no blocking rate-based rule scoped to /api/")]


def test_unknown_web_acl_id_at_preview_resolves_to_the_sibling(edge_stack):
    stack = mutate(edge_stack, "prod-edge-cdn", webAclId=rules.UNKNOWN)
    assert rules.edge_api_protection(stack, cfg("edge-api-protection")) == []


def test_cloudflare_without_rate_limiter_route_fails(edge_stack):
    stack = mutate(edge_stack, "prod-cloudflare-rate-limiter-route", pattern="www.example.com/secure/*")
    assert rules.edge_api_protection(stack, cfg("edge-api-protection")) == [rules.Violation(
        "prod-cloudflare-record", "/api/* is not protected on www.example.com: no Workers route "
                                  "www.example.com/api/* to a *rate-limiter script")]


# ---- edge-lambda-published
def test_unpublished_lambda_edge_fails(edge_stack):
    stack = mutate(edge_stack, "prod-edge-request-router", publish=False)
    assert rules.edge_lambda_published(stack, {}) == [rules.Violation(
        "prod-edge-request-router",
        "Lambda@Edge function is not published (publish must be true: CloudFront associates a numbered version)")]


def test_unqualified_association_fails(edge_stack):
    dist = by_name(edge_stack, "prod-edge-cdn")
    unqualified = MODIFIER_ARN.rsplit(":", 1)[0]
    default = dict(dist.inputs["defaultCacheBehavior"], lambdaFunctionAssociations=[
        {"eventType": "origin-response", "lambdaArn": unqualified}])
    stack = mutate(edge_stack, dist.name, defaultCacheBehavior=default)
    assert rules.edge_lambda_published(stack, {}) == [rules.Violation(
        "prod-edge-cdn", f"default behaviour associates {unqualified}, not a numbered function version")]


# ---- cloudflare-api-cache-bypass
def test_ruleset_without_api_bypass_fails(edge_stack):
    ruleset = by_name(edge_stack, "prod-cloudflare-cache-rules")
    bad = by_name(mutate(edge_stack, ruleset.name, rules=ruleset.inputs["rules"][1:]), ruleset.name)
    assert check("cloudflare-api-cache-bypass", bad) == [
        "cache rules ruleset has no enabled rule bypassing the cache for /api/* "
        '(action set_cache_settings with cache false on starts_with(http.request.uri.path, "/api/"))']


# ---- emergency ceiling default
def test_emergency_ceiling_defaults_to_one_and_a_half_budgets(good_stack):
    # The baseline costs $5,367.97: over a $4,000 budget, within 1.5 × 4,000 = $6,000.
    config = cfg("stack-budget", budget_usd=4000, emergency=True)
    assert rules.emergency_ceiling(config) == 6000
    assert rules.stack_budget(good_stack, config) == []
    assert rules.stack_budget_advisory(good_stack, cfg("stack-budget-advisory", budget_usd=4000, emergency=True)) == [
        rules.Violation(None, "EMERGENCY: estimated monthly cost $5,367.97 exceeds the budget of $4,000.00; "
                              "allowed up to the emergency ceiling of $6,000.00")]
    assert rules.stack_budget(good_stack, cfg("stack-budget", budget_usd=3000, emergency=True)) == [
        rules.Violation(None, "estimated monthly cost $5,367.97 exceeds the emergency ceiling of $4,500.00")]
