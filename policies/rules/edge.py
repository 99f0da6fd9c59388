"""Edge policies: CloudFront over HTTPS with a TLS minimum, /api/* rate-limited and never cached on
every CDN, Lambda@Edge associated by published version.

What the components deploy (infra/model/guardrails.py, CloudFront Developer Guide): custom origins
over TLSv1.2 only, viewers at least TLSv1.2_2021 with a custom certificate; /api/* by its prefix.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from infra.cost.edge_pricing import lambda_for
from infra.model import guardrails
from infra.model.recorded import RecordedResource
from infra.model.references import resolve
from policies.rules.base import (
    MANDATORY,
    PolicyConfig,
    ResourcePolicy,
    StackPolicy,
    Violation,
)
from policies.rules.props import (
    CLOUDFLARE_RECORDS,
    CLOUDFLARE_RULESET,
    DISTRIBUTION,
    LAMBDA_FUNCTION,
    UNKNOWN,
    WEB_ACL,
    WORKERS_ROUTE,
    tags_of,
    truthy,
)

HTTPS_VIEWER_POLICIES = ("redirect-to-https", "https-only")
# CloudFront viewer security policies, weakest first (CloudFront Developer Guide, "Supported
# protocols and ciphers between viewers and CloudFront").
CLOUDFRONT_TLS_POLICIES = ("SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019",
                           "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
# The minimums a config may ask for: TLS 1.2 and newer. TLS 1.0 and 1.1 are deprecated (RFC 8996),
# so a "minimum" of SSLv3 or TLSv1 would only switch the check off.
MINIMUM_TLS_CHOICES = CLOUDFRONT_TLS_POLICIES[CLOUDFRONT_TLS_POLICIES.index("TLSv1.2_2018"):]
ORIGIN_TLS_PROTOCOLS = list(guardrails.ORIGIN_TLS)
VIEWER_MIN_TLS = guardrails.VIEWER_MIN_TLS
API_PATH = guardrails.API_PATH
API_PREFIX = guardrails.API_PREFIX


def _behaviors(props: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, behaviour): the default behaviour, then each ordered one by its path pattern."""
    out = [("default behaviour", props.get("defaultCacheBehavior") or {})]
    out += [(f"behaviour {b.get('pathPattern')}", b) for b in props.get("orderedCacheBehaviors") or []]
    return out


# ---------------------------------------------------------------------------- edge-https-only


class EdgeHttpsOnlyConfig(PolicyConfig):
    allow_http_origins: Annotated[bool, Field(
        description="Also allow originProtocolPolicy http-only (dev ALBs without a certificate)")] = False


VIEWER_NOT_HTTPS = "{behaviour} viewerProtocolPolicy is {policy} (must be redirect-to-https or https-only)"
ORIGIN_NOT_HTTPS = "origin {origin} originProtocolPolicy is {policy} (must be {allowed})"
ORIGIN_OLD_TLS = "origin {origin} originSslProtocols is {protocols} (must be only {required})"


def edge_https_only(resource_type: str, props: Mapping[str, Any], config: EdgeHttpsOnlyConfig | Mapping[str, Any],
                    *, name: str = "") -> list[str]:
    """CloudFront: every cache behaviour redirects or restricts viewers to HTTPS; every custom
    origin is reached over `https-only` (`http-only` too when `allow_http_origins`) with
    `originSslProtocols` exactly TLSv1.2."""
    if resource_type != DISTRIBUTION:
        return []
    out: list[str] = []
    for label, behavior in _behaviors(props):
        policy = behavior.get("viewerProtocolPolicy")
        if policy not in HTTPS_VIEWER_POLICIES:
            out.append(VIEWER_NOT_HTTPS.format(behaviour=label, policy=policy))
    allowed = ["https-only"] + (["http-only"] if EdgeHttpsOnlyConfig.of(config).allow_http_origins else [])
    for origin in props.get("origins") or []:
        custom = origin.get("customOriginConfig")
        if not custom:
            continue
        oid = origin.get("originId")
        policy = custom.get("originProtocolPolicy")
        if policy not in allowed:
            out.append(ORIGIN_NOT_HTTPS.format(origin=oid, policy=policy, allowed=" or ".join(allowed)))
        protocols = list(custom.get("originSslProtocols") or [])
        if protocols != ORIGIN_TLS_PROTOCOLS:
            out.append(ORIGIN_OLD_TLS.format(origin=oid, protocols=", ".join(map(str, protocols)) or "empty",
                                             required=", ".join(ORIGIN_TLS_PROTOCOLS)))
    return out


EDGE_HTTPS_ONLY = ResourcePolicy(
    "edge-https-only", "CloudFront serves viewers over HTTPS only and reaches custom origins over TLSv1.2.",
    MANDATORY, edge_https_only, EdgeHttpsOnlyConfig, (VIEWER_NOT_HTTPS, ORIGIN_NOT_HTTPS, ORIGIN_OLD_TLS))

# ---------------------------------------------------------------------------- edge-tls-minimum


class EdgeTlsMinimumConfig(PolicyConfig):
    minimum_protocol_version: Annotated[Literal[MINIMUM_TLS_CHOICES], Field(  # type: ignore[valid-type]
        description="Weakest allowed viewer security policy with a custom certificate")] = VIEWER_MIN_TLS
    allow_default_certificate: Annotated[bool, Field(
        description="Allow the default *.cloudfront.net certificate (no TLS minimum)")] = True


VIEWER_OLD_TLS = "viewer minimumProtocolVersion is {got} (must be {minimum} or newer)"
DEFAULT_CERTIFICATE = ("distribution uses the default *.cloudfront.net certificate, which cannot enforce {minimum} "
                       "(set viewerCertificate.acmCertificateArn)")
_TLS_RANK = {v: i for i, v in enumerate(CLOUDFRONT_TLS_POLICIES)}


def edge_tls_minimum(resource_type: str, props: Mapping[str, Any], config: EdgeTlsMinimumConfig | Mapping[str, Any],
                     *, name: str = "") -> list[str]:
    """A distribution with its own certificate (`acmCertificateArn` / `iamCertificateId`) enforces
    at least `minimum_protocol_version`. The default *.cloudfront.net certificate cannot enforce a
    minimum; it is allowed while `allow_default_certificate` (dev has no hostname) and a violation
    otherwise (prod.json sets it false)."""
    if resource_type != DISTRIBUTION:
        return []
    cfg = EdgeTlsMinimumConfig.of(config)
    cert = props.get("viewerCertificate") or {}
    minimum = cfg.minimum_protocol_version
    if cert.get("acmCertificateArn") or cert.get("iamCertificateId"):
        got = cert.get("minimumProtocolVersion")
        if got not in _TLS_RANK or _TLS_RANK[got] < _TLS_RANK[minimum]:
            return [VIEWER_OLD_TLS.format(got=got, minimum=minimum)]
        return []
    if not cfg.allow_default_certificate:
        return [DEFAULT_CERTIFICATE.format(minimum=minimum)]
    return []


EDGE_TLS_MINIMUM = ResourcePolicy(
    "edge-tls-minimum", "CloudFront custom certificates enforce a minimum viewer TLS policy.",
    MANDATORY, edge_tls_minimum, EdgeTlsMinimumConfig, (VIEWER_OLD_TLS, DEFAULT_CERTIFICATE))

# ---------------------------------------------------------------------------- edge-api-protection


class EdgeApiProtectionConfig(PolicyConfig):
    # A Cloudflare Workers script name: lowercase letters, digits, - and _ (at most 63 characters).
    rate_limiter_script_suffix: Annotated[str, Field(
        min_length=1, max_length=63, pattern=r"^[a-z0-9_-]+$",
        description="Name ending of the Cloudflare Worker that rate-limits /api/*")] = "rate-limiter"


NO_WEB_ACL = "/api/* is not protected: no webAclId (attach a WAFv2 web ACL with a rate-based rule scoped to /api/)"
UNKNOWN_WEB_ACL = "/api/* is not protected: webAclId {ref} is not a WAFv2 web ACL of this stack"
NO_RATE_RULE = "/api/* is not protected: web ACL {acl} has no blocking rate-based rule scoped to /api/"
NO_WORKERS_ROUTE = "/api/* is not protected on {host}: no Workers route {host}/api/* to a *{suffix} script"


def _api_rate_rule(acl: RecordedResource) -> bool:
    """The web ACL has a blocking rate-based rule that covers /api/: no scope-down (every
    request) or a byte match on the URI path starting with (or containing) `/api/`."""
    for rule in acl.inputs.get("rules") or []:
        rate = (rule.get("statement") or {}).get("rateBasedStatement")
        if not rate or "block" not in (rule.get("action") or {}):
            continue
        scope = rate.get("scopeDownStatement")
        if not scope:
            return True
        match = scope.get("byteMatchStatement") or {}
        if ("uriPath" in (match.get("fieldToMatch") or {})
                and str(match.get("searchString") or "").startswith(API_PREFIX)
                and match.get("positionalConstraint") in ("STARTS_WITH", "CONTAINS")):
            return True
    return False


def edge_api_protection(resources: list[RecordedResource],
                        config: EdgeApiProtectionConfig | Mapping[str, Any]) -> list[Violation]:
    """Every front door that serves /api/* rate-limits it:
    - each CloudFront distribution has a `webAclId` naming a WAFv2 web ACL of this stack with a
      blocking rate-based rule scoped to `/api/` (an id unknown at preview counts as the one web
      ACL that shares the distribution's parent);
    - each proxied Cloudflare record has a Workers route `<host>/api/*` (or `*/api/*`) to a script
      whose name ends with `rate_limiter_script_suffix`.
    Each CDN needs its own: Route53 splits the hostname between them, so one does not cover the other."""
    out: list[Violation] = []
    acls = [r for r in resources if r.type == WEB_ACL]
    for dist in (r for r in resources if r.type == DISTRIBUTION):
        ref = dist.inputs.get("webAclId")
        if not ref:
            out.append(Violation(dist.name, NO_WEB_ACL))
            continue
        acl = resolve(ref, acls, sibling_of=dist)
        if acl is None:
            out.append(Violation(dist.name, UNKNOWN_WEB_ACL.format(ref=ref)))
        elif not _api_rate_rule(acl):
            out.append(Violation(dist.name, NO_RATE_RULE.format(acl=acl.name)))
    suffix = EdgeApiProtectionConfig.of(config).rate_limiter_script_suffix
    routes = [r for r in resources if r.type == WORKERS_ROUTE]
    for record in (r for r in resources if r.type in CLOUDFLARE_RECORDS):
        if not truthy(record.inputs.get("proxied")):
            continue
        host = str(record.inputs.get("name") or "")
        patterns = {f"{host}{API_PATH}", f"*{API_PATH}", f"*{host}{API_PATH}"}
        if not any(str(r.inputs.get("pattern")) in patterns and str(r.inputs.get("script") or "").endswith(suffix)
                   for r in routes if r.inputs.get("zoneId") in (None, record.inputs.get("zoneId"))):
            out.append(Violation(record.name, NO_WORKERS_ROUTE.format(host=host, suffix=suffix)))
    return out


EDGE_API_PROTECTION = StackPolicy(
    "edge-api-protection",
    "/api/* is rate-limited on every CDN: WAF on CloudFront, the rate-limiter Worker on Cloudflare.",
    MANDATORY, edge_api_protection, EdgeApiProtectionConfig,
    (NO_WEB_ACL, UNKNOWN_WEB_ACL, NO_RATE_RULE, NO_WORKERS_ROUTE))

# ---------------------------------------------------------------------------- edge-lambda-published

UNPUBLISHED = "Lambda@Edge function is not published (publish must be true: CloudFront associates a numbered version)"
UNVERSIONED = "{behaviour} associates {arn}, not a numbered function version"


def _lambda_edge_functions(
        resources: list[RecordedResource]) -> tuple[list[RecordedResource], list[tuple[str, str, str]]]:
    """Functions associated with a distribution (by ARN, else tagged `role: edge-function`) and
    every association as (distribution, behaviour label, lambdaArn)."""
    functions = [r for r in resources if r.type == LAMBDA_FUNCTION]
    associations = [(d.name, label, str(a.get("lambdaArn") or ""))
                    for d in resources if d.type == DISTRIBUTION
                    for label, b in _behaviors(d.inputs) for a in b.get("lambdaFunctionAssociations") or []]
    edge = {fn.name: fn for fn in functions if tags_of(fn.inputs).get("role") == "edge-function"}
    for _, _, arn in associations:
        fn = lambda_for(arn, functions)
        if fn is not None:
            edge[fn.name] = fn
    return list(edge.values()), associations


def edge_lambda_published(resources: list[RecordedResource], config: Any = None) -> list[Violation]:
    """Lambda@Edge functions set `publish: true` (CloudFront associates a numbered version, never
    $LATEST or an alias), and every association's `lambdaArn` ends in a version number."""
    functions, associations = _lambda_edge_functions(resources)
    out = [Violation(fn.name, UNPUBLISHED) for fn in functions if not truthy(fn.inputs.get("publish"))]
    for dist, label, arn in associations:
        version = arn.rsplit(":", 1)[-1] if arn.count(":") >= 7 else ""
        if arn and arn != UNKNOWN and not version.isdigit():
            out.append(Violation(dist, UNVERSIONED.format(behaviour=label, arn=arn)))
    return out


EDGE_LAMBDA_PUBLISHED = StackPolicy(
    "edge-lambda-published", "Lambda@Edge functions are published and associated by version number.",
    MANDATORY, edge_lambda_published, messages=(UNPUBLISHED, UNVERSIONED))

# ---------------------------------------------------------------------------- cloudflare-api-cache-bypass

NO_API_BYPASS = (f"cache rules ruleset has no enabled rule bypassing the cache for {API_PREFIX}* "
                 f'(action set_cache_settings with cache false on starts_with(http.request.uri.path, "{API_PREFIX}"))')


def cloudflare_api_cache_bypass(resource_type: str, props: Mapping[str, Any], config: Any = None, *,
                                name: str = "") -> list[str]:
    """A Cloudflare cache-rules ruleset (phase http_request_cache_settings) has an enabled rule
    that turns the cache off (`set_cache_settings`, `cache: false`) on paths starting `/api/`."""
    if resource_type != CLOUDFLARE_RULESET or props.get("phase") != "http_request_cache_settings":
        return []
    for rule in props.get("rules") or []:
        expression = str(rule.get("expression") or "")
        if (rule.get("action") == "set_cache_settings" and rule.get("enabled", True) is not False
                and (rule.get("actionParameters") or {}).get("cache") is False
                and (f'"{API_PREFIX}' in expression or f'"^{API_PREFIX}' in expression)):
            return []
    return [NO_API_BYPASS]


CLOUDFLARE_API_CACHE_BYPASS = ResourcePolicy(
    "cloudflare-api-cache-bypass", "Cloudflare cache rules never cache /api/*.",
    MANDATORY, cloudflare_api_cache_bypass, messages=(NO_API_BYPASS,))
