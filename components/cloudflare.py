"""CloudflareEdge: proxied DNS record, cache rules, and the two runbook Workers with their routes.

novacron "7. Edge Location Scaling" -> cdn_configuration.cloudflare (page rules api bypass /
static cache_everything, expressed as a Cache Rules ruleset, Cloudflare's replacement for page
rules) and edge_compute.cloudflare_workers (rate-limiter `*/api/*` 10 ms CPU, auth-validator
`*/secure/*` 50 ms CPU). Numbers come from infra/planning/edge_plan.py and the Worker sources.

Every resource goes through the explicit `cloudflare.Provider` passed in `opts.providers`; its
API token is the secret config `cloudflare:apiToken` (read by the program, never a default).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pulumi

with warnings.catch_warnings():
    # The v6 SDK imports every module eagerly, and its deprecated ones warn at import time.
    warnings.simplefilter("ignore", DeprecationWarning)
    import pulumi_cloudflare as cloudflare

from infra.model import edge as edge_model
from infra.model.edge import WorkerPlan

# Cloudflare "automatic" TTL; proxied records ignore TTL anyway.
AUTO_TTL = 1


@dataclass(frozen=True)
class CloudflareEdgeArgs:
    """Account, zone and host of the proxied name, its origin, the cache rules and the Workers to deploy."""

    account_id: str
    zone_id: str
    hostname: str
    origin: pulumi.Input[str]                 # CNAME target behind the proxy (Route53 name or ALB)
    cache_rules: Sequence[Mapping[str, Any]]  # edge_plan.cache_rules
    workers: Sequence[WorkerPlan]
    secrets: Mapping[str, pulumi.Input[str]]  # binding name -> secret value (JWT_SECRET)
    compatibility_date: str
    stack: str


class CloudflareEdge(pulumi.ComponentResource):
    """Proxied CNAME record, the cache-rules ruleset, and each Worker script with its routes."""

    def __init__(self, name: str, args: CloudflareEdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:cloudflare:CloudflareEdge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.record = cloudflare.DnsRecord(
            f"{name}-record", zone_id=args.zone_id, name=args.hostname, type="CNAME", content=args.origin,
            proxied=True, ttl=AUTO_TTL, comment=f"scaling-platform {args.stack}: proxied service name",
            opts=child)
        self.cache_rules = cloudflare.Ruleset(
            f"{name}-cache-rules", zone_id=args.zone_id, kind="zone", phase="http_request_cache_settings",
            name=f"{args.stack} cache rules", description="novacron §7 page rules as Cache Rules",
            rules=[dict(rule) for rule in args.cache_rules], opts=child)
        self.scripts: dict[str, cloudflare.WorkersScript] = {}
        self.routes: dict[str, cloudflare.WorkersRoute] = {}
        for worker in args.workers:
            bindings = [{"name": k, "type": "plain_text", "text": v} for k, v in sorted(worker.vars.items())]
            bindings += [{"name": k, "type": "secret_text", "text": args.secrets[k]} for k in worker.secrets]
            source = (edge_model.WORKERS_DIR / worker.file).read_text(encoding="utf-8")
            script = cloudflare.WorkersScript(
                f"{name}-{worker.name}", account_id=args.account_id, script_name=f"{args.stack}-{worker.name}",
                content=source, main_module=worker.file, compatibility_date=args.compatibility_date,
                bindings=bindings, limits={"cpu_ms": worker.cpu_ms}, observability={"enabled": True},
                opts=child)
            self.scripts[worker.name] = script
            for index, pattern in enumerate(worker.routes):
                self.routes[f"{worker.name}-{index}"] = cloudflare.WorkersRoute(
                    f"{name}-{worker.name}-route{'' if index == 0 else index}", zone_id=args.zone_id,
                    pattern=edge_model.worker_route(pattern, args.hostname), script=script.script_name,
                    opts=child)
        self.register_outputs({"record": self.record.name, "ruleset_id": self.cache_rules.id,
                               "scripts": {n: s.script_name for n, s in self.scripts.items()}})
