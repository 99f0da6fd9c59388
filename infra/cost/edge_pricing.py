"""Edge pricing: CloudFront transfer tiers and requests, Lambda@Edge, WAF and Cloudflare Workers lines."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from infra.cost.lines import CostLine, count_text, number, usd
from infra.cost.prices import (
    CLOUDFLARE_WORKERS_INCLUDED_CPU_MS,
    CLOUDFLARE_WORKERS_INCLUDED_REQUESTS,
    CLOUDFLARE_WORKERS_MONTH_USD,
    CLOUDFLARE_WORKERS_PER_1M_CPU_MS_USD,
    CLOUDFLARE_WORKERS_PER_1M_REQUESTS_USD,
    CLOUDFRONT_GB_TIERS_USD,
    CLOUDFRONT_HTTPS_PER_10K_USD,
    CLOUDFRONT_LOG_BYTES_PER_REQUEST,
    FLAT_MODEL,
    LAMBDA_EDGE_DEFAULT_MEMORY_MB,
    LAMBDA_EDGE_DURATION_S,
    LAMBDA_EDGE_GB_SECOND_USD,
    LAMBDA_EDGE_PER_1M_REQUESTS_USD,
    S3_STANDARD_GB_MONTH_USD,
    WAF_PER_1M_REQUESTS_USD,
    WAF_RULE_MONTH_USD,
    WAF_WEB_ACL_MONTH_USD,
)
from infra.model.edge import MANAGED_CACHE_POLICIES, VIEWER_EVENTS
from infra.model.recorded import RecordedResource


def cloudfront_transfer(gb: float, model: str = "aws") -> tuple[float, str]:
    """Monthly $ and arithmetic for `gb` of CloudFront data transfer out (tiered, North America)."""
    if model == "flat":
        rate = FLAT_MODEL["bandwidth_gb"]
        return gb * rate, f"{count_text(gb)} GB × {usd(rate)}/GB"
    total, left, parts = 0.0, gb, []
    for size, rate in CLOUDFRONT_GB_TIERS_USD:
        used = min(left, size)
        if used <= 0:
            break
        total += used * rate
        parts.append(f"{count_text(used)} GB × {usd(rate)}")
        left -= used
    return total, " + ".join(parts) or "0 GB"


def _caching_disabled(behavior: Mapping[str, Any]) -> bool:

    return behavior.get("cachePolicyId") == MANAGED_CACHE_POLICIES["CachingDisabled"]


def behavior_shares(dist: RecordedResource, shares: Mapping[str, float]) -> list[tuple[str, Mapping[str, Any], float]]:
    """(path, behaviour, share of the distribution's requests) for the default and ordered
    behaviours: ordered patterns take their share from `shares` (0 when not listed), the default
    behaviour what they leave."""
    ordered = [(str(b.get("pathPattern")), b) for b in dist.inputs.get("orderedCacheBehaviors") or []]
    listed = math.fsum(float(shares.get(path, 0.0)) for path, _ in ordered)
    out = [("default", dist.inputs.get("defaultCacheBehavior") or {}, max(0.0, 1.0 - listed))]
    return out + [(path, b, float(shares.get(path, 0.0))) for path, b in ordered]


def _function_name_in_arn(arn: Any) -> str | None:
    """`arn:aws:lambda:us-east-1:123:function:NAME:VERSION` -> NAME."""
    if not isinstance(arn, str) or ":function:" not in arn:
        return None
    return arn.split(":function:", 1)[1].split(":", 1)[0]


def lambda_for(arn: Any, functions: list[RecordedResource]) -> RecordedResource | None:
    """The stack's function an association's ARN names: by resource name or `name` input; the
    engine's auto-names add a `-<suffix>` to the resource name."""
    name = _function_name_in_arn(arn)
    if name is None:
        return None
    for fn in functions:
        if name in (fn.name, fn.inputs.get("name")) or name.startswith(fn.name + "-"):
            return fn
    return None


def price_distribution(dist: RecordedResource, functions: list[RecordedResource], *, gb: float, reqs: float, model: str,
                       path_shares: Mapping[str, float], miss_ratio: float) -> list[CostLine]:
    transfer, how = cloudfront_transfer(gb, model)
    lines = [CostLine(f"{dist.name} data transfer", transfer, how),
             CostLine(f"{dist.name} requests", reqs / 10_000 * CLOUDFRONT_HTTPS_PER_10K_USD,
                      f"{count_text(reqs)} HTTPS requests × {usd(CLOUDFRONT_HTTPS_PER_10K_USD)}/10k")]
    # Lambda@Edge: per function, the requests of every association (behaviour share × event).
    per_fn: dict[str, dict[str, Any]] = {}
    for path, behavior, share in behavior_shares(dist, path_shares):
        uncached = _caching_disabled(behavior)
        for assoc in behavior.get("lambdaFunctionAssociations") or []:
            event = str(assoc.get("eventType") or "")
            fn = lambda_for(assoc.get("lambdaArn"), functions)
            key = fn.name if fn is not None else (_function_name_in_arn(assoc.get("lambdaArn")) or "function")
            hit = 1.0 if event in VIEWER_EVENTS or uncached else miss_ratio
            why = "every request" if event in VIEWER_EVENTS else ("CachingDisabled" if uncached else f"{hit:.0%} misses")
            entry = per_fn.setdefault(key, {"fn": fn, "requests": 0.0, "parts": []})
            entry["requests"] += reqs * share * hit
            entry["parts"].append(f"{event} on {path} {share:.0%} × {why}")
    for key, entry in per_fn.items():
        fn = entry["fn"]
        memory = number(fn.inputs.get("memorySize"), LAMBDA_EDGE_DEFAULT_MEMORY_MB) if fn is not None \
            else LAMBDA_EDGE_DEFAULT_MEMORY_MB
        n = entry["requests"]
        gb_s = n * memory / 1024 * LAMBDA_EDGE_DURATION_S
        cost = n / 1e6 * LAMBDA_EDGE_PER_1M_REQUESTS_USD + gb_s * LAMBDA_EDGE_GB_SECOND_USD
        lines.append(CostLine(
            f"{dist.name} Lambda@Edge {key}", cost,
            f"{count_text(n)} requests ({'; '.join(entry['parts'])}) × {usd(LAMBDA_EDGE_PER_1M_REQUESTS_USD)}/1M"
            f" + {count_text(memory)} MB × {LAMBDA_EDGE_DURATION_S * 1000:g} ms each × "
            f"{usd(LAMBDA_EDGE_GB_SECOND_USD)}/GB-s"))
    if dist.inputs.get("loggingConfig"):
        log_gb = reqs * CLOUDFRONT_LOG_BYTES_PER_REQUEST / 1e9
        lines.append(CostLine(f"{dist.name} access logs", log_gb * S3_STANDARD_GB_MONTH_USD,
                              f"{count_text(reqs)} requests × {CLOUDFRONT_LOG_BYTES_PER_REQUEST:g} B = {count_text(log_gb)} GB "
                              f"× {usd(S3_STANDARD_GB_MONTH_USD)}/GB-month (S3 Standard)"))
    return lines


def price_web_acl(acl: RecordedResource, requests: float) -> list[CostLine]:
    rules = len(acl.inputs.get("rules") or [])
    cost = WAF_WEB_ACL_MONTH_USD + rules * WAF_RULE_MONTH_USD + requests / 1e6 * WAF_PER_1M_REQUESTS_USD
    return [CostLine(acl.name, cost, f"{usd(WAF_WEB_ACL_MONTH_USD)} web ACL + {rules} rule(s) × "
                                     f"{usd(WAF_RULE_MONTH_USD)} + {count_text(requests)} requests × "
                                     f"{usd(WAF_PER_1M_REQUESTS_USD)}/1M")]


def _route_path(pattern: Any) -> str:
    """`www.example.com/api/*` or `*/api/*` -> `/api/*`."""
    text = str(pattern or "")
    return text[text.index("/"):] if "/" in text else text


def price_workers(scripts: list[RecordedResource], routes: list[RecordedResource], requests: float,
                  path_shares: Mapping[str, float]) -> list[CostLine]:
    """Cloudflare Workers Paid: one account line; each script's requests = the Cloudflare share
    of its routes' paths, CPU at its `limits.cpuMs` cap."""
    by_name = {str(s.inputs.get("scriptName") or s.name): s for s in scripts}
    total_req, total_cpu, parts = 0.0, 0.0, []
    for name, script in by_name.items():
        paths = [_route_path(r.inputs.get("pattern")) for r in routes if r.inputs.get("script") == name]
        n = requests * math.fsum(float(path_shares.get(p, 0.0)) for p in paths)
        cpu_ms = number((script.inputs.get("limits") or {}).get("cpuMs"))
        total_req += n
        total_cpu += n * cpu_ms
        parts.append(f"{name} {count_text(n)} req ({', '.join(paths) or 'no route'}) × {cpu_ms:g} ms CPU")
    extra_req = max(0.0, total_req - CLOUDFLARE_WORKERS_INCLUDED_REQUESTS)
    extra_cpu = max(0.0, total_cpu - CLOUDFLARE_WORKERS_INCLUDED_CPU_MS)
    cost = (CLOUDFLARE_WORKERS_MONTH_USD + extra_req / 1e6 * CLOUDFLARE_WORKERS_PER_1M_REQUESTS_USD
            + extra_cpu / 1e6 * CLOUDFLARE_WORKERS_PER_1M_CPU_MS_USD)
    reason = (f"{usd(CLOUDFLARE_WORKERS_MONTH_USD)} Workers Paid + {count_text(extra_req)} requests over 10M × "
              f"{usd(CLOUDFLARE_WORKERS_PER_1M_REQUESTS_USD)}/1M + {count_text(extra_cpu)} CPU-ms over 30M × "
              f"{usd(CLOUDFLARE_WORKERS_PER_1M_CPU_MS_USD)}/1M ({'; '.join(parts)})")
    return [CostLine("cloudflare workers", cost, reason)]
