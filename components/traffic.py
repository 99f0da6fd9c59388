"""TrafficRouting: Route53 weighted records with a health check per region, weights from the plan.

A failed region keeps its record at weight 0 (nothing destroyed), so bringing it back is a
config change, not a rebuild.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pulumi
import pulumi_aws as aws

from components.naming import Naming
from infra.model.capacity import HEALTH_CHECK_FAILURE_THRESHOLD


@dataclass(frozen=True)
class RegionEndpoint:
    """One region's ALB behind the service name, with its planned Route53 weight."""

    region: str
    weight: int
    alb_dns_name: pulumi.Input[str]
    alb_zone_id: pulumi.Input[str]
    https: bool
    # Route53 CLOUDWATCH_METRIC check of the region's latency failover alarm (components/monitoring.py).
    latency_check_id: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class EdgeAlias:
    """The CDN the service name publishes instead of the ALBs (which accept only the CDN)."""

    domain_name: pulumi.Input[str]
    zone_id: str


@dataclass(frozen=True)
class TrafficRoutingArgs:
    """The hosted zone, record name, health-check settings and one endpoint per region."""

    naming: Naming
    hosted_zone_id: str
    record_name: str
    health_check_path: str
    request_interval_s: int  # Route53 allows 10 or 30
    endpoints: Sequence[RegionEndpoint]
    # When set, every record aliases the edge and every health check probes it over HTTPS: the ALBs
    # only answer CloudFront, so the region choice is the edge request router's (routing.json).
    edge: EdgeAlias | None = None


class TrafficRouting(pulumi.ComponentResource):
    """One health check and one weighted alias record per region."""

    def __init__(self, name: str, args: TrafficRoutingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:traffic:TrafficRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.records = {}
        edge = args.edge
        for endpoint in args.endpoints:
            https = endpoint.https or edge is not None
            check = aws.route53.HealthCheck(
                f"{name}-{endpoint.region}-hc", fqdn=edge.domain_name if edge else endpoint.alb_dns_name,
                type="HTTPS" if https else "HTTP", port=443 if https else 80,
                resource_path=args.health_check_path, request_interval=args.request_interval_s,
                failure_threshold=HEALTH_CHECK_FAILURE_THRESHOLD, enable_sni=True if edge else None,
                tags=args.naming.tags("health-check", region=endpoint.region), opts=child)
            record_check = check.id
            if endpoint.latency_check_id is not None and edge is None:
                # novacron 4 `latency > threshold -> shift_traffic`: a record takes one health check, so the
                # endpoint check and the latency check are combined (healthy only while both are). While the
                # region's latency alarm is in ALARM Route53 drops its weighted answer and the others share its
                # traffic by weight. Behind CloudFront every record aliases the distribution (the region is chosen
                # by the edge router through the origin records), so there the latency check sits on the origin
                # records instead (components/edge.py).
                record_check = aws.route53.HealthCheck(
                    f"{name}-{endpoint.region}-failover-hc", type="CALCULATED", child_health_threshold=2,
                    child_healthchecks=[check.id, endpoint.latency_check_id],
                    tags=args.naming.tags("failover-health-check", region=endpoint.region), opts=child).id
            # CloudFront alias targets cannot evaluate target health (Route53 API reference).
            alias = ({"name": edge.domain_name, "zone_id": edge.zone_id, "evaluate_target_health": False} if edge
                     else {"name": endpoint.alb_dns_name, "zone_id": endpoint.alb_zone_id,
                           "evaluate_target_health": True})
            self.records[endpoint.region] = aws.route53.Record(
                f"{name}-{endpoint.region}-record", zone_id=args.hosted_zone_id, name=args.record_name, type="A",
                set_identifier=endpoint.region, weighted_routing_policies=[{"weight": endpoint.weight}],
                aliases=[alias], health_check_id=record_check, opts=child)
        self.register_outputs({"record_name": args.record_name,
                               "weights": {e.region: e.weight for e in args.endpoints}})
