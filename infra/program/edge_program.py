"""Wires the edge (CloudFront, Cloudflare) and Kubernetes components into the program.

`infra/program/main.py` `build()` calls `build_edge` once, after the regions exist. Everything
decided here comes from `infra/planning/edge_plan.py`; this module only reads config/secrets, creates the
explicit providers and passes plan values to the components.

Secrets (never defaults, never in Pulumi.<stack>.yaml in clear):
- `cloudflare:apiToken`            Cloudflare provider token (optional: else CLOUDFLARE_API_TOKEN)
- `scaling-platform:jwtSecret`     auth-validator JWT_SECRET (>= 32 bytes); required for `up`
- `scaling-platform:kubeconfig`    cluster credentials; required for `up` with kubernetes.enabled
Previews (and the offline plan) run without them, with a secret placeholder.
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.cache import REDIS_PORT
from components.database import POSTGRES_PORT
from components.naming import Naming
from components.region import DNS_PORT, HTTPS_PORT
from components.traffic import RegionEndpoint
from infra.config import PROJECT, PlatformConfig
from infra.model.capacity import HEALTH_CHECK_INTERVAL_S, CapacityPlan
from infra.model.edge import MANAGED_CACHE_POLICIES
from infra.planning import edge_plan, k8s_security, k8s_specs
from infra.program.secrets import config_secret as _secret

EDGE_REGION = "us-east-1"  # CloudFront, its ACM certificates, Lambda@Edge and CLOUDFRONT WAF


def build_edge(cfg: PlatformConfig, plan: CapacityPlan, naming: Naming, providers: Mapping[str, aws.Provider],
               endpoints: Sequence[RegionEndpoint], origin_secret: pulumi.Input[str] | None = None) -> dict[str, Any]:
    """Create the Edge / CloudflareEdge / K8sWorkloads components the stack enables; return outputs."""
    outputs: dict[str, Any] = {}
    stack = naming.stack
    by_region = {e.region: e for e in endpoints}
    edge = cfg.edge
    if edge.enabled:
        # The stack's us-east-1 provider when it is one of the regions, else one for the edge only.
        edge_aws = providers.get(EDGE_REGION) or aws.Provider(f"aws-{EDGE_REGION}", region=EDGE_REGION)
        outputs["edge"] = _build_cdns(cfg, plan, naming, edge_aws, by_region, origin_secret)
    if cfg.kubernetes.enabled:
        import pulumi_kubernetes as k8s

        from components.k8s import K8sWorkloads, K8sWorkloadsArgs

        provider = k8s.Provider(f"k8s-{stack}", kubeconfig=_secret(PROJECT, "kubeconfig", "kubernetes.enabled"))
        workloads = edge_plan.k8s_workloads(cfg, plan)
        k = cfg.kubernetes
        queue_region, queue = edge_plan.worker_queue(cfg)
        account_id = aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(provider=providers[cfg.primary_region.name])).account_id
        queue_url = account_id.apply(lambda acct: edge_plan.sqs_queue_url(queue_region, acct, queue))
        trust = account_id.apply(lambda acct: json.dumps(k8s_specs.keda_role_trust_policy(acct, k.keda_operator_role_arn)))
        queue_policy = account_id.apply(
            lambda acct: json.dumps(k8s_specs.keda_role_policy(k8s_specs.sqs_queue_arn(queue_region, acct, queue))))
        auth_name = f"{workloads['worker'].name}-sqs"
        selectors = {n: k8s_specs.workload_selector(n) for n in workloads}
        zone_spread = k8s_security.zone_spread_mode(k.zone_spread, cfg.environment)
        tmp_volume, tmp_mount = k8s_security.tmp_volume(k.tmp_size_limit)
        # The cluster runs in the primary region (edge_plan.k8s_workloads): its pods reach that VPC's data stores.
        network = plan.network[cfg.primary_region.name]
        policies = [k8s_security.default_deny(), *(k8s_security.workload_network_policy(
            n, selectors[n], app_port=k.app_port, ingress_namespace=k.ingress_namespace, vpc_cidr=network.vpc_cidr,
            region=network.region, data_ports={"database": POSTGRES_PORT, "cache": REDIS_PORT},
            dns_port=DNS_PORT, https_port=HTTPS_PORT) for n in workloads)]
        component = K8sWorkloads(f"{stack}-k8s", K8sWorkloadsArgs(
            namespace=k.namespace, labels={"app.kubernetes.io/part-of": "novacron",
                                           "app.kubernetes.io/managed-by": "pulumi", "environment": cfg.environment},
            images={"api": k.api_image, "worker": k.worker_image}, workloads=workloads,
            hpa=edge_plan.hpa_spec(cfg, workloads["api"]), hpa_reason=edge_plan.hpa_reason(cfg, workloads["api"]),
            scaled_object=edge_plan.keda_spec(cfg, workloads["worker"], queue_url, auth_name),
            scaled_object_reason=edge_plan.keda_reason(cfg, workloads["worker"]),
            trigger_auth_name=auth_name, trigger_auth=k8s_specs.keda_trigger_auth(),
            keda_role_trust_policy=trust, keda_role_policy=queue_policy, aws_tags=naming.tags("keda-queue-reader"),
            selectors=selectors,
            pdbs={n: k8s_specs.pdb_spec(w.min, selectors[n], k.pdb_max_unavailable) for n, w in workloads.items()},
            pdb_reasons={n: k8s_specs.pdb_reason(w.min, k.pdb_max_unavailable) for n, w in workloads.items()},
            spread={n: k8s_specs.topology_spread(selectors[n], zone_spread) for n in workloads},
            app_port=k.app_port, health_path=k.health_path,
            pod_security=k8s_security.pod_security_context(k.run_as_user, k.run_as_group),
            container_security=k8s_security.container_security_context(),
            tmp_volume=tmp_volume, tmp_mount=tmp_mount,
            network_policies={p.name: p.spec for p in policies}, network_policy_reasons={p.name: p.reason for p in policies}),
            # IAM is global: the primary region's provider creates the KEDA role.
            opts=pulumi.ResourceOptions(providers={"kubernetes": provider, "aws": providers[cfg.primary_region.name]}))
        outputs["kubernetes"] = {"namespace": component.namespace.metadata.name,
                                 "replicas": {n: {"min": w.min, "max": w.max} for n, w in workloads.items()}}
    return outputs


def _build_cdns(cfg: PlatformConfig, plan: CapacityPlan, naming: Naming, edge_aws: aws.Provider,
                by_region: Mapping[str, RegionEndpoint], origin_secret: pulumi.Input[str] | None) -> dict[str, Any]:
    edge = cfg.edge
    stack = naming.stack
    out: dict[str, Any] = {"traffic": edge_plan.edge_traffic(cfg), "weights": edge_plan.cdn_weights(cfg)}
    cdn_targets: dict[str, Any] = {}
    health_checks: dict[str, Any] = {}
    if edge.provider("cloudflare") and edge.hostname:
        cdn_targets["cloudflare"] = edge_plan.cloudflare_cname_target(edge.hostname)
    if edge.provider("aws"):
        from components.edge import Edge, EdgeArgs, EdgeOrigin

        cf = edge.cloudfront
        order = edge_plan.origin_order(cfg, plan)
        every = {name: EdgeOrigin(region=name, alb_dns_name=by_region[name].alb_dns_name,
                                  alb_zone_id=by_region[name].alb_zone_id,
                                  domain_name=by_region[name].alb_dns_name.apply(
                                      lambda dns, n=name: edge_plan.origin_domain(cfg, n, dns))
                                  if not cf.origin_domain_template else edge_plan.origin_domain(cfg, name, ""))
                 for name in (r.name for r in cfg.regions)}
        origins = [every[name] for name in order]
        regions = [r.name for r in cfg.regions]
        table = pulumi.Output.all(*[by_region[n].alb_dns_name for n in regions]).apply(
            lambda names: edge_plan.routing_table(
                cfg, plan, {n: edge_plan.origin_domain(cfg, n, dns) for n, dns in zip(regions, names)}))
        component = Edge(f"{stack}-edge", EdgeArgs(
            naming=naming, origins=origins, routing_table=table, functions=edge_plan.edge_functions(cfg),
            price_class=cf.price_class, default_cache_policy_id=MANAGED_CACHE_POLICIES[cf.default_cache_policy],
            certificate_arn=cf.acm_certificate_arn, hostname=edge.hostname,
            api_rate_limit_per_5min=cf.api_rate_limit_per_5min, log_prefix=cf.log_bucket_prefix,
            origin_protocol_policy=cf.origin_protocol_policy,
            hosted_zone_id=cfg.dns.hosted_zone_id if cfg.dns else None,
            create_origin_records=bool(cf.origin_domain_template),
            # every region keeps its origin name, failed or not: a failure changes weights, never deletes
            origin_records=list(every.values()), origin_secret=origin_secret,
            account_id=aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=edge_aws)).account_id),
            opts=pulumi.ResourceOptions(providers={"aws": edge_aws}))
        cdn_targets["aws"] = component.distribution.domain_name
        out["cloudfront"] = {"distribution_id": component.distribution.id,
                             "domain_name": component.distribution.domain_name,
                             "functions": {n: f.qualified_arn for n, f in component.functions.items()}}
        health_checks["aws"] = component.distribution.domain_name
    if edge.provider("cloudflare"):
        from components.cloudflare import CloudflareEdge, CloudflareEdgeArgs, cloudflare

        cfc = edge.cloudflare
        assert cfc is not None and edge.hostname  # EdgeConfig validation
        provider = cloudflare.Provider(f"cloudflare-{stack}",
                                       api_token=pulumi.Config("cloudflare").get_secret("apiToken"))
        # Where Cloudflare's proxied record points. With DNS: the service name (which aliases CloudFront
        # when it is enabled, else the weighted ALB records). Without DNS: the CloudFront distribution when
        # there is one (the ALBs answer only CloudFront), else the primary ALB (open to Cloudflare's ranges).
        primary = by_region[cfg.primary_region.name].alb_dns_name
        origin = edge_plan.cloudflare_origin(cfg, "") if cfg.dns else cdn_targets.get("aws", primary)
        component = CloudflareEdge(f"{stack}-cloudflare", CloudflareEdgeArgs(
            account_id=cfc.account_id, zone_id=cfc.zone_id, hostname=edge.hostname, origin=origin,
            cache_rules=edge_plan.cache_rules(edge.hostname), workers=edge_plan.workers(cfg),
            secrets={"JWT_SECRET": _secret(PROJECT, "jwtSecret", "the auth-validator Worker")},
            compatibility_date=cfc.compatibility_date, stack=stack),
            opts=pulumi.ResourceOptions(providers={"cloudflare": provider}))
        out["cloudflare"] = {"record": edge.hostname, "scripts": {n: s.script_name for n, s in component.scripts.items()}}
    if cfg.dns and edge.hostname:
        from components.edge import CdnDns, CdnDnsArgs

        # Route53 stays authoritative; Cloudflare is reached through its CNAME setup target and
        # has no Route53 health check (probing it needs the public Host header; see report).
        CdnDns(f"{stack}-cdn-dns", CdnDnsArgs(
            naming=naming, hosted_zone_id=cfg.dns.hosted_zone_id, hostname=edge.hostname, targets=cdn_targets,
            weights=edge_plan.cdn_weights(cfg), health_checks=health_checks,
            health_check_path=cfg.dns.health_check_path, request_interval_s=HEALTH_CHECK_INTERVAL_S),
            opts=pulumi.ResourceOptions(providers={"aws": edge_aws}))
    return out
