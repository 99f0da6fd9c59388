"""policies/rules/edge.py: a passing CloudFront + Cloudflare edge, and one mutation per rule (exact messages)."""
from __future__ import annotations

from policies.engine import evaluate, load_policy_config
from policies.rules.base import Violation
from policies.rules.edge import (
    CLOUDFLARE_API_CACHE_BYPASS,
    EDGE_API_PROTECTION,
    EDGE_HTTPS_ONLY,
    EDGE_LAMBDA_PUBLISHED,
    EDGE_TLS_MINIMUM,
    edge_api_protection,
    edge_lambda_published,
)
from policies.rules.props import UNKNOWN
from tests.policies.stacks import MODIFIER_ARN, by_name, check, mutate, origin

EDGE_RULES = (EDGE_HTTPS_ONLY, EDGE_TLS_MINIMUM, EDGE_API_PROTECTION, EDGE_LAMBDA_PUBLISHED, CLOUDFLARE_API_CACHE_BYPASS)
DIST = "prod-edge-cdn"


def test_edge_stack_passes_every_edge_rule_and_the_prod_config(edge_stack):
    for rule in EDGE_RULES:
        if rule.kind == "resource":
            assert [m for r in edge_stack for m in check(rule, r)] == [], rule.name
        else:
            assert rule.check(edge_stack, rule.settings()) == [], rule.name
    names = {r.name for r in EDGE_RULES}
    assert [v for v in evaluate(edge_stack, load_policy_config("prod")) if v.policy in names] == []


# ---- edge-https-only
def test_viewer_allow_all_fails(edge_stack):
    dist = by_name(edge_stack, DIST)
    behaviors = [dict(b, viewerProtocolPolicy="allow-all") if b["pathPattern"] == "/static/*" else b
                 for b in dist.inputs["orderedCacheBehaviors"]]
    bad = by_name(mutate(edge_stack, DIST, orderedCacheBehaviors=behaviors), DIST)
    assert check(EDGE_HTTPS_ONLY, bad) == [
        "behaviour /static/* viewerProtocolPolicy is allow-all (must be redirect-to-https or https-only)"]


def test_http_origin_fails_unless_allowed_and_tls_must_be_1_2(edge_stack):
    http = origin("us-west-2")
    http["customOriginConfig"] = dict(http["customOriginConfig"], originProtocolPolicy="http-only")
    bad = by_name(mutate(edge_stack, DIST, origins=[origin("us-east-1"), http]), DIST)
    assert check(EDGE_HTTPS_ONLY, bad) == ["origin alb-us-west-2 originProtocolPolicy is http-only (must be https-only)"]
    assert check(EDGE_HTTPS_ONLY, bad, allow_http_origins=True) == []
    old_tls = dict(http, customOriginConfig=dict(http["customOriginConfig"], originSslProtocols=["TLSv1.1", "TLSv1.2"]))
    bad = by_name(mutate(edge_stack, DIST, origins=[old_tls]), DIST)
    assert check(EDGE_HTTPS_ONLY, bad) == [
        "origin alb-us-west-2 originProtocolPolicy is http-only (must be https-only)",
        "origin alb-us-west-2 originSslProtocols is TLSv1.1, TLSv1.2 (must be only TLSv1.2)"]


def test_dev_config_allows_http_origins():
    assert load_policy_config("dev")["edge-https-only"] == {"allow_http_origins": True}


# ---- edge-tls-minimum
def test_old_viewer_tls_policy_fails(edge_stack):
    cert = dict(by_name(edge_stack, DIST).inputs["viewerCertificate"], minimumProtocolVersion="TLSv1.2_2019")
    bad = by_name(mutate(edge_stack, DIST, viewerCertificate=cert), DIST)
    assert check(EDGE_TLS_MINIMUM, bad) == ["viewer minimumProtocolVersion is TLSv1.2_2019 (must be TLSv1.2_2021 or newer)"]
    assert check(EDGE_TLS_MINIMUM, bad, minimum_protocol_version="TLSv1.2_2019") == []


def test_default_certificate_allowed_by_default_not_in_prod(edge_stack):
    bad = by_name(mutate(edge_stack, DIST, viewerCertificate={"cloudfrontDefaultCertificate": True}), DIST)
    assert check(EDGE_TLS_MINIMUM, bad) == []
    assert check(EDGE_TLS_MINIMUM, bad, **load_policy_config("prod")["edge-tls-minimum"]) == [
        "distribution uses the default *.cloudfront.net certificate, which cannot enforce TLSv1.2_2021 "
        "(set viewerCertificate.acmCertificateArn)"]


# ---- edge-api-protection
def test_distribution_without_waf_fails(edge_stack):
    assert edge_api_protection(mutate(edge_stack, DIST, webAclId=None), {}) == [Violation(
        DIST, "/api/* is not protected: no webAclId (attach a WAFv2 web ACL with a rate-based rule scoped to /api/)")]


def test_web_acl_of_another_stack_fails(edge_stack):
    # An id that names no web ACL of the stack, and no web ACL beside the distribution to stand for it.
    ref = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/other/1"
    stack = [r for r in mutate(edge_stack, DIST, webAclId=ref) if r.name != "prod-edge-waf"]
    assert edge_api_protection(stack, {}) == [Violation(
        DIST, f"/api/* is not protected: webAclId {ref} is not a WAFv2 web ACL of this stack")]


def test_waf_without_api_rate_rule_fails(edge_stack):
    acl = by_name(edge_stack, "prod-edge-waf")
    scoped = [{**rule, "statement": {"rateBasedStatement": {**rule["statement"]["rateBasedStatement"], "scopeDownStatement": {
        "byteMatchStatement": {"positionalConstraint": "STARTS_WITH", "searchString": "/login",
                               "fieldToMatch": {"uriPath": {}}}}}}} if "rateBasedStatement" in rule["statement"] else rule
              for rule in acl.inputs["rules"]]
    assert edge_api_protection(mutate(edge_stack, acl.name, rules=scoped), {}) == [Violation(
        DIST, "/api/* is not protected: web ACL prod-edge-waf has no blocking rate-based rule scoped to /api/")]


def test_unknown_web_acl_id_at_preview_resolves_to_the_sibling(edge_stack):
    assert edge_api_protection(mutate(edge_stack, DIST, webAclId=UNKNOWN), {}) == []


def test_cloudflare_without_rate_limiter_route_fails(edge_stack):
    stack = mutate(edge_stack, "prod-cloudflare-rate-limiter-route", pattern="www.example.com/secure/*")
    assert edge_api_protection(stack, {}) == [Violation(
        "prod-cloudflare-record", "/api/* is not protected on www.example.com: no Workers route "
                                  "www.example.com/api/* to a *rate-limiter script")]
    assert edge_api_protection(edge_stack, {"rate_limiter_script_suffix": "limiter-v2"}) == [Violation(
        "prod-cloudflare-record", "/api/* is not protected on www.example.com: no Workers route "
                                  "www.example.com/api/* to a *limiter-v2 script")]


# ---- edge-lambda-published
def test_unpublished_lambda_edge_fails(edge_stack):
    assert edge_lambda_published(mutate(edge_stack, "prod-edge-request-router", publish=False)) == [Violation(
        "prod-edge-request-router",
        "Lambda@Edge function is not published (publish must be true: CloudFront associates a numbered version)")]


def test_unqualified_association_fails(edge_stack):
    unqualified = MODIFIER_ARN.rsplit(":", 1)[0]
    default = dict(by_name(edge_stack, DIST).inputs["defaultCacheBehavior"], lambdaFunctionAssociations=[
        {"eventType": "origin-response", "lambdaArn": unqualified}])
    assert edge_lambda_published(mutate(edge_stack, DIST, defaultCacheBehavior=default)) == [Violation(
        DIST, f"default behaviour associates {unqualified}, not a numbered function version")]


# ---- cloudflare-api-cache-bypass
def test_ruleset_without_api_bypass_fails(edge_stack):
    ruleset = by_name(edge_stack, "prod-cloudflare-cache-rules")
    bad = by_name(mutate(edge_stack, ruleset.name, rules=ruleset.inputs["rules"][1:]), ruleset.name)
    assert check(CLOUDFLARE_API_CACHE_BYPASS, bad) == [
        "cache rules ruleset has no enabled rule bypassing the cache for /api/* "
        '(action set_cache_settings with cache false on starts_with(http.request.uri.path, "/api/"))']
