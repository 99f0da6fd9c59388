"""Edge (CDN) section: novacron "7. Edge Location Scaling" + relay "CDN Integration".

Pure (no pulumi, no boto3). `check_edge` holds the edge rules that need the rest of the config.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from infra.config.base import CalendarDate, Hostname, Section, Text, hostname_rule
from infra.config.errors import KeyPathError
from infra.config.regions import ACM_ARN_PATTERN


def _origin_template(value: str) -> str:
    """`origin-{region}.example.com`: a DNS name once `{region}` is filled in."""
    if "{region}" not in value:
        raise ValueError(f"{value[:60]!r} has no {{region}}; need e.g. origin-{{region}}.example.com")
    hostname_rule(value.replace("{region}", "ap-southeast-1"))
    return value


# ---------------------------------------------------------------------------------------------
# Edge (CDN) section: novacron "7. Edge Location Scaling" + relay "CDN Integration".

# relay "CDN Integration": `this.cdnProviders = ['cloudflare', 'aws', 'azure', 'gcp']`.
CDN_PROVIDERS = ("cloudflare", "aws", "azure", "gcp")
# Only these have components in this program (aws = CloudFront + Lambda@Edge).
DEPLOYABLE_CDN_PROVIDERS = ("cloudflare", "aws")
CLOUDFRONT_PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")


class CdnProviderConfig(Section):
    """One CDN of the multi-CDN estate; `weight` is its Route53 weighted-record share (0..255)."""

    name: Literal["cloudflare", "aws", "azure", "gcp"]
    weight: Annotated[int, Field(ge=0, le=255)] = 50
    enabled: bool = True


def _default_cdn_providers() -> list[CdnProviderConfig]:
    # relay "CDN Integration" provider list; only the deployable two are on by default.
    return [CdnProviderConfig(name="cloudflare", weight=50), CdnProviderConfig(name="aws", weight=50),
            CdnProviderConfig(name="azure", weight=0, enabled=False),
            CdnProviderConfig(name="gcp", weight=0, enabled=False)]


class CloudFrontConfig(Section):
    """The CloudFront distribution (provider us-east-1) and its Lambda@Edge functions."""

    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    # ACM certificate in us-east-1 for `edge.hostname`; without it CloudFront serves its default
    # *.cloudfront.net certificate, which cannot carry the hostname nor enforce TLSv1.2_2021.
    acm_certificate_arn: Annotated[str | None, Field(
        pattern=ACM_ARN_PATTERN.replace("([a-z0-9-]+)", "(us-east-1)"),
        description="an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there): "
                    "arn:aws:acm:us-east-1:<account>:certificate/<uuid>")] = None
    # Managed cache policy of the default behaviour (anything not /api/* or /static/*).
    default_cache_policy: Literal["CachingOptimized", "CachingDisabled", "UseOriginCacheControlHeaders"] = \
        "CachingOptimized"
    # edge/README.md: routing only works on origin-request; 256 MB/10 s only fit origin-response.
    router_event_type: Literal["origin-request", "viewer-request"] = "origin-request"
    modifier_event_type: Literal["origin-response", "viewer-response"] = "origin-response"
    # Origin host per region, e.g. "api-{region}.example.com": a name the ALB certificate covers
    # (CloudFront checks it over https). None = the ALB's own DNS name (only valid with a cert
    # for it, i.e. for tests and previews).
    origin_domain_template: Annotated[str, AfterValidator(_origin_template)] | None = None
    # WAF rate-based rule on /api/*: requests per client IP per 5 minutes (the WAF window).
    # Equals the Cloudflare rate-limiter's default 100 req / 60 s (edge/workers/rate-limiter.js).
    api_rate_limit_per_5min: Annotated[int, Field(ge=10, le=2_000_000_000)] = 500
    # How CloudFront talks to the ALBs. https-only (TLSv1.2) needs every region's certificate_arn
    # (the ALB then has an HTTPS listener); http-only is for stacks without ALB certificates.
    origin_protocol_policy: Literal["https-only", "http-only"] = "https-only"
    log_bucket_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9!_.*'()/-]{0,512}$",
                                             description="an S3 key prefix: letters, digits and ! _ . * ' ( ) / -")] \
        = "cloudfront/"


class CloudflareConfig(Section):
    """Cloudflare zone, cache rules and Workers; the API token is the secret `cloudflare:apiToken`."""

    account_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="a Cloudflare id: 32 lowercase hex digits")]
    zone_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="a Cloudflare id: 32 lowercase hex digits")]
    # rate-limiter vars (edge/workers/rate-limiter.js defaults: 100 per 60 s).
    rate_limit: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    rate_limit_window_s: Annotated[int, Field(ge=1, le=86_400)] = 60
    jwt_audience: Text(256, "a JWT audience") | None = None  # type: ignore[valid-type]
    jwt_issuer: Text(256, "a JWT issuer") | None = None  # type: ignore[valid-type]
    # Workers runtime date the scripts are tested against (Node 20 WebCrypto/fetch semantics).
    compatibility_date: CalendarDate = "2024-09-23"


class EdgeConfig(Section):
    """CDN edge: CloudFront and/or Cloudflare in front of the regional ALBs."""

    enabled: bool = False
    # The public name users reach through the CDNs, e.g. "www.example.com".
    hostname: Hostname | None = None
    providers: Annotated[list[CdnProviderConfig], Field(max_length=4)] = Field(default_factory=_default_cdn_providers)
    # Expected monthly edge traffic (for pricing: CloudFront data transfer, requests, Lambda@Edge).
    expected_gb_month: Annotated[float, Field(ge=0, le=1e9)] = 0
    expected_requests_month: Annotated[float, Field(ge=0, le=1e15)] = 0
    cloudfront: CloudFrontConfig = CloudFrontConfig()
    cloudflare: CloudflareConfig | None = None

    @model_validator(mode="after")
    def _providers(self) -> "EdgeConfig":
        names = [p.name for p in self.providers]
        for i, provider in enumerate(self.providers):
            if names.index(provider.name) != i:
                raise KeyPathError(f"edge.providers[{i}].name", f"{provider.name!r} is listed twice; each provider once")
            if provider.enabled and provider.name not in DEPLOYABLE_CDN_PROVIDERS:
                raise KeyPathError(f"edge.providers[{i}].enabled",
                                f"{provider.name} is not deployable by this program (only "
                                f"{', '.join(DEPLOYABLE_CDN_PROVIDERS)}; aws = CloudFront); set enabled: false")
        if not self.enabled:
            return self
        enabled = [p for p in self.providers if p.enabled]
        if not enabled:
            raise KeyPathError("edge.providers", "edge.enabled is true but no provider is enabled; "
                                              "enable aws and/or cloudflare")
        if sum(p.weight for p in enabled) == 0:
            raise KeyPathError("edge.providers", "every enabled provider has weight 0; at least one needs weight > 0")
        if "cloudflare" in {p.name for p in enabled}:
            if self.cloudflare is None:
                raise KeyPathError("edge.cloudflare", "required when provider cloudflare is enabled "
                                                   "(account_id, zone_id)")
            if not self.hostname:
                raise KeyPathError("edge.hostname", "required when provider cloudflare is enabled "
                                                 "(the proxied DNS record's name)")
        return self

    def provider(self, name: str) -> CdnProviderConfig | None:
        """The enabled provider `name`, else None."""
        return next((p for p in self.providers if p.name == name and p.enabled), None)


def check_edge(cfg: Any) -> None:
    """Edge rules that need the rest of the config (regions, dns)."""
    edge = cfg.edge
    if not edge.enabled or edge.provider("aws") is None:
        return
    aws_weight = edge.provider("aws").weight  # type: ignore[union-attr,unused-ignore]
    if cfg.dns and edge.hostname and aws_weight > 0 and not edge.cloudfront.acm_certificate_arn:
        # Route53 sends edge.hostname to CloudFront; CloudFront answers 403 for a Host that is not
        # one of its aliases, and an alias needs a certificate that covers it.
        raise KeyPathError("edge.cloudfront.acm_certificate_arn",
                        "required when dns is configured and provider aws has weight > 0 "
                        "(CloudFront only serves edge.hostname as an alias with a us-east-1 ACM certificate)")
    if edge.cloudfront.origin_protocol_policy == "https-only":
        for i, region in enumerate(cfg.regions):
            if not region.certificate_arn:
                raise KeyPathError(f"regions[{i}].certificate_arn",
                                "required when edge CloudFront uses origin_protocol_policy https-only "
                                "(the ALB needs an HTTPS listener); or set edge.cloudfront.origin_protocol_policy: http-only")
    if edge.cloudfront.origin_domain_template and not cfg.dns:
        raise KeyPathError("edge.cloudfront.origin_domain_template",
                        "needs dns.hosted_zone_id: the per-region origin names are created there")
