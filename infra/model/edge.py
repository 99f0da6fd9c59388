"""Edge and Kubernetes plan types (Lambda@Edge, Cloudflare Workers, workloads) and the CDN constants.

Planners (infra/planning/edge_plan.py) fill these; components only encode them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from infra.model.scaling import EMERGENCY_API_K8S_RESOURCES

# API_PATH (behaviours[0]: cache_policy "no-cache"): infra/model/guardrails.py.
STATIC_PATH = "/static/*"  # behaviours[1]: cache_policy "max-age-31536000"
STATIC_PREFIX = STATIC_PATH.removesuffix("*")  # "/static/": what the Cloudflare cache rule matches
STATIC_MAX_AGE_S = 31536000  # "max-age-31536000" (one year); min = default = max TTL


# Origin-group failover statuses (CloudFront allows 403/404/416/500/502/503/504).
FAILOVER_STATUS_CODES = (500, 502, 503, 504)
ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
READ_METHODS = ("GET", "HEAD", "OPTIONS")  # the only methods an origin group fails over
CACHED_METHODS = ("GET", "HEAD")


# ORIGIN_TLS / VIEWER_MIN_TLS: infra/model/guardrails.py.
# AWS-managed policy ids (CloudFront Developer Guide, "Use managed cache policies" /
# "Use managed origin request policies").
MANAGED_CACHE_POLICIES = {
    "CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
}


# All viewer headers, cookies, query strings *and* CloudFront-Viewer-Country(-Region), which the
# router needs on origin-request (edge/README.md).
ORIGIN_REQUEST_ALL_VIEWER_AND_CLOUDFRONT = "33f36d7e-f396-46d9-90e0-52428a34d9dc"


# Lambda@Edge event quotas (CloudFront "Quotas on Lambda@Edge"): origin events up to 30 s.
VIEWER_EVENTS = ("viewer-request", "viewer-response")


@dataclass(frozen=True)
class EdgeFunctionPlan:
    """One Lambda@Edge function: what the component packages and where it is associated."""

    name: str            # "request-router" / "response-modifier" (runbook names)
    source_file: str     # file name in edge/lambda_edge/, at the zip root
    handler: str
    runtime: str
    event_type: str
    memory_mb: int
    timeout_s: int
    paths: tuple[str, ...]  # behaviours it is associated with ("default" = default behaviour)
    note: str


@dataclass(frozen=True)
class WorkerPlan:
    """One Cloudflare Worker: its script, CPU limit and routes from the source, plain vars and secret names."""

    name: str          # runbook script name
    file: str          # edge/workers/<file>, the ES main module
    cpu_ms: int
    routes: tuple[str, ...]  # runbook patterns ("*/api/*"); the component prefixes the hostname
    vars: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


# novacron "2. Manual Scaling Procedures" emergency values: defined once in infra/planning/scaling_policy.py.
EMERGENCY_API_LIMITS = EMERGENCY_API_K8S_RESOURCES["limits"]
EMERGENCY_API_REQUESTS = EMERGENCY_API_K8S_RESOURCES["requests"]


# Stabilisation the runbook does not name: HPA's own default for scale-up is 0 s.
HPA_SELECT_POLICY = "Max"


@dataclass(frozen=True)
class WorkloadPlan:
    """One Kubernetes Deployment: replica range and start count, resources, env, and the reason."""

    name: str
    min: int
    max: int
    desired: int
    requests: dict[str, str]
    limits: dict[str, str]
    env: dict[str, str]
    reason: str
ROOT = Path(__file__).resolve().parents[2]
LAMBDA_EDGE_DIR = ROOT / "edge" / "lambda_edge"
WORKERS_DIR = ROOT / "edge" / "workers"


def origin_id(region: str) -> str:
    """CloudFront origin id of a region's ALB: `alb-<region>`."""
    return f"alb-{region}"


def worker_route(pattern: str, hostname: str) -> str:
    """Runbook `*/api/*` ("any host") narrowed to the service host: `app.example.com/api/*`.

    Cloudflare routes are zone-scoped; a leading `*` would also catch every other host of the
    zone, which the runbook's `*.novacron.io` zone did intend but a shared zone does not.
    """
    return hostname + pattern[1:] if pattern.startswith("*/") else pattern
