"""TrafficRouting built alone (components/traffic.py): one health check and one weighted alias per region."""
from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.traffic import RegionEndpoint, TrafficRouting, TrafficRoutingArgs
from tests.components.alone import NAMING_PROD, build_alone, check_conventions, tags

HC = "aws:route53/healthCheck:HealthCheck"
RECORD = "aws:route53/record:Record"


def build():
    def make():
        provider = aws.Provider("aws-us-east-1", region="us-east-1")
        return TrafficRouting("t-dns", TrafficRoutingArgs(
            naming=NAMING_PROD, hosted_zone_id="Z0123456789ABC", record_name="api.example.com",
            health_check_path="/healthz", request_interval_s=10,
            endpoints=[
                RegionEndpoint("us-east-1", 70, "use1-alb.elb.amazonaws.com", "Z35SXDOTRQ7X7K", https=True),
                # a failed region keeps its record at weight 0 (nothing destroyed)
                RegionEndpoint("eu-west-1", 0, "euw1-alb.elb.amazonaws.com", "Z32O12XQLNTSW2", https=False),
            ]), opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def test_traffic_alone_health_checks_and_weighted_records():
    built = build()
    check_conventions(built, "traffic", "TrafficRouting")
    assert built.roles() == {"us-east-1-hc": HC, "us-east-1-record": RECORD,
                             "eu-west-1-hc": HC, "eu-west-1-record": RECORD}
    assert built.named("t-dns-us-east-1-hc").inputs == {
        "fqdn": "use1-alb.elb.amazonaws.com", "type": "HTTPS", "port": 443, "resourcePath": "/healthz",
        "requestInterval": 10, "failureThreshold": 3, "tags": tags(NAMING_PROD, "health-check", region="us-east-1")}
    http = built.named("t-dns-eu-west-1-hc").inputs
    assert (http["type"], http["port"], http["fqdn"]) == ("HTTP", 80, "euw1-alb.elb.amazonaws.com")
    assert built.named("t-dns-us-east-1-record").inputs == {
        "zoneId": "Z0123456789ABC", "name": "api.example.com", "type": "A", "setIdentifier": "us-east-1",
        "weightedRoutingPolicies": [{"weight": 70}],
        "aliases": [{"name": "use1-alb.elb.amazonaws.com", "zoneId": "Z35SXDOTRQ7X7K", "evaluateTargetHealth": True}],
        "healthCheckId": "t-dns-us-east-1-hc_id"}
    failed = built.named("t-dns-eu-west-1-record").inputs
    assert failed["weightedRoutingPolicies"] == [{"weight": 0}] and failed["healthCheckId"] == "t-dns-eu-west-1-hc_id"
    assert {r.provider for r in built.children.values()} == {"aws-us-east-1"}
    assert built.outputs == {"record_name": "api.example.com", "weights": {"us-east-1": 70, "eu-west-1": 0}}
