"""Edge and Kubernetes planning: what the edge/k8s components encode, decided here (pure).

No pulumi, no boto3. Inputs are the validated config, the CapacityPlan and (for routing.json)
the origin host names as plain strings; outputs are plain dicts/dataclasses the components pass
through unchanged. Runbook numbers come from their one home: Lambda@Edge limits from
`edge/lambda_edge/*.py`, Worker limits/routes from `edge/workers/*.js` (read, not repeated),
trigger thresholds from `infra/model/triggers.py`, emergency values below (novacron §2), the /api/
path and TLS versions the policy pack also checks from `infra/model/guardrails.py`.
"""
from __future__ import annotations

import logging
import re
from typing import Any

# request_router loads its bundled routing.json at import; in this process there is none (it is
# built in memory), so keep its "not found" error off stderr. Records still propagate to root.
logging.getLogger("request_router").addHandler(logging.NullHandler())
from edge.lambda_edge import request_router, response_modifier  # noqa: E402
from infra.config import PlatformConfig  # noqa: E402
from infra.config.scaling import configured_trigger  # noqa: E402
from infra.model.capacity import CapacityPlan  # noqa: E402
from infra.model.edge import (
    EMERGENCY_API_LIMITS,
    EMERGENCY_API_REQUESTS,
    HPA_SELECT_POLICY,
    STATIC_MAX_AGE_S,
    STATIC_PATH,
    STATIC_PREFIX,
    VIEWER_EVENTS,
    WORKERS_DIR,
    EdgeFunctionPlan,
    WorkerPlan,
    WorkloadPlan,
)

# Edge rules the policy pack also enforces: named once in infra/model/guardrails.py, re-exported here.
from infra.model.guardrails import API_PATH, API_PREFIX, ORIGIN_TLS, VIEWER_MIN_TLS  # noqa: E402,F401
from infra.model.scaling import EMERGENCY_WORKER_ENV
from infra.model.triggers import TriggerRule as RunbookTrigger  # noqa: E402
from infra.planning.k8s_specs import scale_up  # noqa: E402
from infra.planning.scaling_policy import queue_name  # noqa: E402

# ---------------------------------------------------------------------------------------------
# CloudFront (novacron "7. Edge Location Scaling" -> cdn_configuration.providers.cloudfront)


def edge_functions(cfg: PlatformConfig) -> tuple[EdgeFunctionPlan, ...]:
    """Both runbook functions with their event types; viewer events are held to CloudFront's cap."""
    cf = cfg.edge.cloudfront
    rr, rm = request_router, response_modifier
    router = EdgeFunctionPlan(
        "request-router", "request_router.py", rr.HANDLER, rr.RUNTIME, cf.router_event_type,
        rr.RUNBOOK_MEMORY_MB, rr.RUNBOOK_TIMEOUT_S, (API_PATH,),
        "runbook trigger viewer-request; origin-request is where the origin can be rewritten (edge/README.md)"
        if cf.router_event_type != rr.RUNBOOK_TRIGGER else "runbook trigger viewer-request: tags, does not route")
    if cf.modifier_event_type in VIEWER_EVENTS:
        memory = min(rm.RUNBOOK_MEMORY_MB, rm.VIEWER_EVENT_MAX_MEMORY_MB)
        timeout = min(rm.RUNBOOK_TIMEOUT_S, rm.VIEWER_EVENT_MAX_TIMEOUT_S)
        note = (f"runbook {rm.RUNBOOK_MEMORY_MB} MB/{rm.RUNBOOK_TIMEOUT_S} s exceed the viewer-event cap; "
                f"deployed at {memory} MB/{timeout} s")
    else:
        memory, timeout = rm.RUNBOOK_MEMORY_MB, rm.RUNBOOK_TIMEOUT_S
        note = (f"runbook viewer-response moved to origin-response, where {rm.RUNBOOK_MEMORY_MB} MB/"
                f"{rm.RUNBOOK_TIMEOUT_S} s are valid (edge/README.md)")
    modifier = EdgeFunctionPlan(
        "response-modifier", "response_modifier.py", rm.HANDLER, rm.RUNTIME, cf.modifier_event_type,
        memory, timeout, ("default", API_PATH, STATIC_PATH), note)
    return router, modifier


def origin_order(cfg: PlatformConfig, plan: CapacityPlan) -> list[str]:
    """Regions in CloudFront failover order: primary (if healthy) first, then failover_priority.

    The first one is the `/api/*` origin and the origin group's primary member; the second is the
    group's failover member. Failed / weight-0 regions are never put first.
    """
    healthy = [r.name for r in cfg.regions if not plan.regions[r.name].failed and plan.regions[r.name].weight.value > 0]
    if not healthy:  # every weight rounded to 0: still never put a failed region first
        healthy = [r.name for r in cfg.regions if not plan.regions[r.name].failed]
    ordered = [cfg.primary_region.name] + list(cfg.failover_priority) + [r.name for r in cfg.regions]
    seen: list[str] = []
    for name in ordered:
        if name in healthy and name not in seen:
            seen.append(name)
    return seen


def origin_domain(cfg: PlatformConfig, region: str, alb_dns_name: str) -> str:
    """The host name CloudFront (and the router) connects to for `region`."""
    template = cfg.edge.cloudfront.origin_domain_template
    return template.format(region=region) if template else alb_dns_name


def routing_table(cfg: PlatformConfig, plan: CapacityPlan, domains: dict[str, str]) -> dict[str, Any]:
    """routing.json for request_router (schema in edge/README.md), validated by its own parser.

    Weights and health are the plan's Route53 weights (novacron "4. Multi-Region Scaling");
    `default_region` is the origin the /api/* behaviour points at (what pass-through reaches).
    """
    order = origin_order(cfg, plan)
    table = {
        "origins": [
            {"region": name, "domain": domains[name], "weight": int(plan.regions[name].weight.value),
             "latency_ms": plan.regions[name].latency_ms, "healthy": not plan.regions[name].failed}
            for name in (r.name for r in cfg.regions)
        ],
        "default_region": order[0],
    }
    request_router.parse_routing_table(table)  # a bad plan fails at preview, not at the edge
    return table


# ---------------------------------------------------------------------------------------------
# Cloudflare (novacron §7 cdn_configuration.providers.cloudflare + edge_compute.cloudflare_workers)

# Module-private `const` in the Worker (workerd accepts no exports but handlers); `export const` still read.
_JS_CONST = re.compile(r"^(?:export )?const (RUNBOOK_CPU_LIMIT_MS|RUNBOOK_ROUTES) = (?:Object\.freeze\()?([^;]+?)\)?;", re.M)


def _worker_constants(file: str) -> tuple[int, tuple[str, ...]]:
    """RUNBOOK_CPU_LIMIT_MS and RUNBOOK_ROUTES from the Worker's source (their one home)."""
    found = dict(_JS_CONST.findall((WORKERS_DIR / file).read_text(encoding="utf-8")))
    cpu = int(found["RUNBOOK_CPU_LIMIT_MS"])
    routes = tuple(re.findall(r"'([^']+)'", found["RUNBOOK_ROUTES"]))
    return cpu, routes


def workers(cfg: PlatformConfig) -> tuple[WorkerPlan, ...]:
    """The runbook's two Workers (rate-limiter, auth-validator) with the stack's Cloudflare settings."""
    cf = cfg.edge.cloudflare
    assert cf is not None
    rl_cpu, rl_routes = _worker_constants("rate-limiter.js")
    av_cpu, av_routes = _worker_constants("auth-validator.js")
    auth_vars = {k: v for k, v in (("JWT_AUDIENCE", cf.jwt_audience), ("JWT_ISSUER", cf.jwt_issuer)) if v}
    return (
        WorkerPlan("rate-limiter", "rate-limiter.js", rl_cpu, rl_routes,
                   {"RATE_LIMIT": str(cf.rate_limit), "RATE_LIMIT_WINDOW_SECONDS": str(cf.rate_limit_window_s)}),
        WorkerPlan("auth-validator", "auth-validator.js", av_cpu, av_routes, auth_vars, ("JWT_SECRET",)),
    )


def cache_rules(hostname: str) -> list[dict[str, Any]]:
    """Cache Rules replacing the runbook's page rules (page rules are deprecated in Cloudflare v5+).

    `*.novacron.io/api/*` cache_level bypass -> cache off; `/static/*` cache_everything -> cache
    on with edge TTL overriding the origin at STATIC_MAX_AGE_S (same year as CloudFront).
    """
    host = f'http.host eq "{hostname}"'
    return [
        {"ref": "api_bypass", "description": "novacron §7: /api/* cache_level bypass",
         "expression": f'({host} and starts_with(http.request.uri.path, "{API_PREFIX}"))',
         "action": "set_cache_settings", "action_parameters": {"cache": False}},
        {"ref": "static_cache_everything", "description": "novacron §7: /static/* cache_everything, 1 year",
         "expression": f'({host} and starts_with(http.request.uri.path, "{STATIC_PREFIX}"))',
         "action": "set_cache_settings",
         "action_parameters": {"cache": True,
                               "edge_ttl": {"mode": "override_origin", "default": STATIC_MAX_AGE_S},
                               "browser_ttl": {"mode": "override_origin", "default": STATIC_MAX_AGE_S}}},
    ]


def cloudflare_origin(cfg: PlatformConfig, primary_alb_dns: str) -> str:
    """Where Cloudflare's proxied record points: the Route53 weighted name of the regional ALBs
    when DNS is configured (regional failover by Route53 health checks), else the primary ALB."""
    return cfg.dns.record_name if cfg.dns else primary_alb_dns


def cdn_weights(cfg: PlatformConfig) -> dict[str, int]:
    """Route53 weight per enabled, deployable CDN (relay "CDN Integration": DNS failover)."""
    return {p.name: p.weight for p in cfg.edge.providers if p.enabled}


# ---------------------------------------------------------------------------------------------
# Kubernetes (novacron §1 triggers, §2 emergency scaling)


def _emergency_up(cfg: PlatformConfig, target: str) -> bool:
    return cfg.emergency.mode == "up" and cfg.emergency.target in (target, "all")


def k8s_workloads(cfg: PlatformConfig, plan: CapacityPlan) -> dict[str, WorkloadPlan]:
    """api: replica bounds = the primary region's api tier (one cluster, in the primary region);
    worker: the runbook's queue rule bounds (min_workers 10, max_workers 200)."""
    k = cfg.kubernetes
    primary = plan.regions[cfg.primary_region.name].tiers["api"]
    api_emergency = _emergency_up(cfg, "api")
    api = WorkloadPlan(
        "api", primary.min, primary.max, primary.desired,
        dict(EMERGENCY_API_REQUESTS) if api_emergency else {"cpu": k.api_cpu_request, "memory": k.api_memory_request},
        dict(EMERGENCY_API_LIMITS) if api_emergency else {"cpu": k.api_cpu_limit, "memory": k.api_memory_limit},
        {}, f"primary region {cfg.primary_region.name} api tier [{primary.min}, {primary.max}], desired "
            f"{primary.desired}" + ("; emergency up: runbook §2 api resources" if api_emergency else ""))
    up, down = configured_trigger(cfg.scaling.triggers, "queue_depth", "up"), configured_trigger(cfg.scaling.triggers, "queue_depth", "down")
    worker_emergency = _emergency_up(cfg, "worker")
    worker = WorkloadPlan(
        "worker", down.bound, up.bound, down.bound,
        {"cpu": k.worker_cpu_request, "memory": k.worker_memory_request},
        {"cpu": k.worker_cpu_limit, "memory": k.worker_memory_limit},
        dict(EMERGENCY_WORKER_ENV) if worker_emergency
        else {"MAX_CONCURRENT_JOBS": str(k.max_concurrent_jobs), "WORKER_THREADS": str(k.worker_threads)},
        f"runbook §1 queue_depth bounds [{down.bound}, {up.bound}]"
        + ("; emergency up: runbook §2 MAX_CONCURRENT_JOBS/WORKER_THREADS" if worker_emergency else ""))
    return {"api": api, "worker": worker}


def hpa_spec(cfg: PlatformConfig, workload: WorkloadPlan) -> dict[str, Any]:
    """autoscaling/v2 HPA for the api from the cpu and memory trigger rows (runbook §1).

    Mapping (one rule per direction, HPA behaviour is not per metric):
    - target utilisation = the scale-up threshold (cpu 70 %, memory 80 %);
    - scale-up: stabilisation window = the shortest "for N minutes" (cpu 2 min = 120 s: the metric
      must stay high that long); then doubling (or +2 pods) per period, the period derived so that
      min -> max fits in the rows' 300 s cooldown (`k8s_specs.scale_up`, reason in `hpa_reason`);
    - scale-down: stabilisation = the longest "for N minutes" (memory 15 min = 900 s; HPA only
      scales down when every metric agrees); Pods -1 per 600 s (the rows' step and cooldown).
    HPA has no separate low threshold (30 %/40 %): it scales down when usage falls below target.
    requests/latency rows need a custom-metrics adapter and stay on the ASG policies.
    """
    rows = ("cpu", "memory")
    ups = [configured_trigger(cfg.scaling.triggers, m, "up") for m in rows]
    downs = [configured_trigger(cfg.scaling.triggers, m, "down") for m in rows]

    def policies(rules: list[RunbookTrigger]) -> list[dict[str, Any]]:
        unique = sorted({(abs(r.step), r.cooldown_s) for r in rules})
        return [{"type": "Pods", "value": step, "periodSeconds": period} for step, period in unique]

    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload.name},
        "minReplicas": workload.min, "maxReplicas": workload.max,
        "metrics": [{"type": "Resource", "resource": {"name": r.metric, "target": {
            "type": "Utilization", "averageUtilization": int(r.threshold)}}} for r in ups],
        "behavior": {
            "scaleUp": scale_up(workload.min, workload.max, ups, HPA_SELECT_POLICY).behavior,
            "scaleDown": {"stabilizationWindowSeconds": max(r.duration_s for r in downs),
                          "selectPolicy": HPA_SELECT_POLICY, "policies": policies(downs)},
        },
    }


def hpa_reason(cfg: PlatformConfig, workload: WorkloadPlan) -> str:
    """Why the api HPA scales up as fast as it does (the component puts it in an annotation)."""
    ups = [configured_trigger(cfg.scaling.triggers, m, "up") for m in ("cpu", "memory")]
    return "runbook novacron §1 cpu/memory rows: " + scale_up(workload.min, workload.max, ups, HPA_SELECT_POLICY).reason


def worker_queue(cfg: PlatformConfig) -> tuple[str, str]:
    """(region, queue name) the worker's ScaledObject reads: the primary region's worker queue.

    Default: the same queue the worker ASG's queue alarms watch (`scaling_policy.queue_name`,
    `scaling.queue.queue_name` else `<environment>-<region>-jobs`); `kubernetes.queue_name` overrides.
    """
    region = cfg.primary_region.name
    return region, cfg.kubernetes.queue_name or queue_name(cfg, cfg.environment, region)


def sqs_queue_url(region: str, account_id: str, name: str) -> str:
    """The SQS queue URL KEDA's aws-sqs-queue scaler requires (`queueURL`)."""
    return f"https://sqs.{region}.amazonaws.com/{account_id}/{name}"


def keda_spec(cfg: PlatformConfig, workload: WorkloadPlan, queue_url: Any, auth_name: str) -> dict[str, Any]:
    """KEDA ScaledObject for the worker on queue depth (runbook novacron §1 queue_depth rows).

    `queue_url`: `sqs_queue_url(*worker_queue(cfg) ...)` with the account id (an Output in the
    program). KEDA's aws-sqs-queue scaler feeds an HPA `AverageValue` target, so `queueLength`
    is messages *per replica*: 1000 / min_workers 10 = 100, i.e. scale-out starts when the queue
    passes 1000 at the minimum replica count. The steps/cooldowns go in
    `advanced.horizontalPodAutoscalerConfig.behavior`: after a 60 s stabilisation (the configured
    scale-out row: one alarm period, the runbook gives no duration) doubling or +5 pods per period,
    min -> max within the row's 120 s cooldown (`k8s_specs.scale_up`); at most -2 pods per 600 s
    once the recommendation has stayed lower for 900 s (15 min). The trigger authenticates through
    the TriggerAuthentication `auth_name` (pod identity, `k8s_specs.keda_trigger_auth`). What HPA cannot express exactly (stated in
    SQS_HPA_APPROXIMATION): the runbook's fixed steps and its "< 100 messages" scale-in condition.
    `cooldownPeriod` / `activationQueueLength` only govern 0 <-> 1 scaling, so they are not set
    (minReplicaCount is 10).
    """
    up = configured_trigger(cfg.scaling.triggers, "queue_depth", "up")
    down = configured_trigger(cfg.scaling.triggers, "queue_depth", "down")
    region, _ = worker_queue(cfg)
    per_replica = max(1, int(up.threshold) // workload.min)
    metadata = {"queueURL": queue_url, "awsRegion": region, "queueLength": str(per_replica),
                # Visible messages only: the metric the worker ASG's queue alarm reads
                # (ApproximateNumberOfMessagesVisible); KEDA counts in-flight ones by default.
                "scaleOnInFlight": "false"}
    return {
        "scaleTargetRef": {"name": workload.name},
        "minReplicaCount": workload.min, "maxReplicaCount": workload.max, "pollingInterval": 30,
        "triggers": [{"type": cfg.kubernetes.queue_trigger_type, "metadata": metadata,
                      "authenticationRef": {"name": auth_name, "kind": "TriggerAuthentication"}}],
        "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {
            "scaleUp": scale_up(workload.min, workload.max, [up], HPA_SELECT_POLICY).behavior,
            "scaleDown": {"stabilizationWindowSeconds": down.duration_s, "selectPolicy": HPA_SELECT_POLICY,
                          "policies": [{"type": "Pods", "value": abs(down.step), "periodSeconds": down.cooldown_s}]},
        }}},
    }


def keda_reason(cfg: PlatformConfig, workload: WorkloadPlan) -> str:
    """Why the ScaledObject has its numbers (the component puts it in an annotation)."""
    up = configured_trigger(cfg.scaling.triggers, "queue_depth", "up")
    down = configured_trigger(cfg.scaling.triggers, "queue_depth", "down")
    per_replica = max(1, int(up.threshold) // workload.min)
    return (f"runbook novacron §1 queue_depth: queueLength {per_replica} per replica = "
            f"{int(up.threshold)} messages / min_workers {workload.min}; "
            f"{scale_up(workload.min, workload.max, [up], HPA_SELECT_POLICY).reason}; "
            f"-{abs(down.step)} pods per {down.cooldown_s} s after "
            f"{down.duration_s} s lower, down to {workload.min}. Approximation: {SQS_HPA_APPROXIMATION}")


# What the HPA behind the ScaledObject cannot say exactly (runbook novacron §1 queue_depth).
SQS_HPA_APPROXIMATION = (
    "HPA targets queueLength messages per replica: it scales out when queue > queueLength x replicas "
    "(1000 at the 10-pod minimum, plus HPA's 10% tolerance) and adds what the queue needs within the "
    "scale-up limit, not a fixed +5 at 1000; it scales in whenever queue < 100 x replicas for 15 min, "
    "not only below 100 messages, by at most 2 pods per 600 s")


# ---------------------------------------------------------------------------------------------
# Pricing inputs


def edge_traffic(cfg: PlatformConfig) -> dict[str, Any]:
    """Expected edge traffic per enabled CDN, split by the DNS weights, for the pricing module."""
    weights = cdn_weights(cfg) if cfg.edge.enabled else {}
    total = sum(weights.values()) or 1
    return {
        "expected_gb_month": cfg.edge.expected_gb_month,
        "expected_requests_month": cfg.edge.expected_requests_month,
        "by_provider": {name: {"share": w / total, "gb_month": cfg.edge.expected_gb_month * w / total,
                               "requests_month": cfg.edge.expected_requests_month * w / total}
                        for name, w in weights.items()},
    }


def cloudflare_cname_target(hostname: str) -> str:
    """What Route53 points `hostname` at for Cloudflare: the CNAME-setup (partial zone) target.

    Route53 stays authoritative for the zone (it holds the weighted records that split traffic
    between CloudFront and Cloudflare); Cloudflare proxies names delegated to it this way
    (Cloudflare docs, "CNAME setup": `<name>.cdn.cloudflare.net`).
    """
    return f"{hostname}.cdn.cloudflare.net"
