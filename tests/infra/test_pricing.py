"""Pricing numbers come from the cited table; the arithmetic shows in every reason."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra import pricing
from infra.pricing import HOURS_PER_MONTH, PricingError, estimate_stack
from infra.recorded import RecordedResource as R

LT = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"


def lt(name="api-lt", itype="c5.large", gb=20.0):
    return R(LT, name, {"instanceType": itype, "blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": gb, "volumeType": "gp3", "encrypted": "true"}}]}, parent="api")


def asg(desired=25.0, pct_on_demand=None, base=0.0, lt_id="api-lt_id", provider="aws-us-east-1", **extra):
    inputs = {"minSize": 10.0, "maxSize": 100.0, "desiredCapacity": desired, "launchTemplate": {"id": lt_id}, **extra}
    if pct_on_demand is not None:
        inputs["mixedInstancesPolicy"] = {"instancesDistribution": {
            "onDemandBaseCapacity": base, "onDemandPercentageAboveBaseCapacity": pct_on_demand}}
    return R(ASG, "api-asg", inputs, parent="api", provider=provider)


def test_25_c5_large_on_demand():
    est = estimate_stack([lt(gb=0.0), asg()])
    line = est.lines[0]
    assert line.monthly_usd == pytest.approx(25 * 0.085 * 730) == pytest.approx(1551.25)
    assert line.reason == "25 × c5.large × $0.085/h × 730 h"


def test_spot_share_at_novacron_factor():
    line = estimate_stack([lt(gb=0.0), asg(pct_on_demand=30.0)]).lines[0]
    assert pricing.SPOT_PRICE_FACTOR == 0.7
    assert line.monthly_usd == pytest.approx((7.5 + 17.5 * 0.7) * 0.085 * 730)
    assert line.reason == "25 × c5.large × $0.085/h × 730 h, 70% spot at ×0.7"


def test_on_demand_base_is_never_spot():
    line = estimate_stack([lt(gb=0.0), asg(desired=10.0, pct_on_demand=0.0, base=4.0)]).lines[0]
    assert line.monthly_usd == pytest.approx((4 + 6 * 0.7) * 0.085 * 730)


def test_min_size_when_desired_absent_and_ebs_per_instance():
    est = estimate_stack([lt(gb=50.0), asg(desired=None)])
    assert [l.monthly_usd for l in est.lines] == pytest.approx([10 * 0.085 * 730, 10 * 50 * 0.08])
    assert est.lines[1].reason == "10 × 50 GB gp3 × $0.08/GB-month"


def test_override_instance_type_wins_and_region_multiplier():
    mip = {"launchTemplate": {"launchTemplateSpecification": {"launchTemplateId": "api-lt_id"},
                              "overrides": [{"instanceType": "m5.large"}, {"instanceType": "c5.large"}]}}
    a = R(ASG, "api-asg", {"minSize": 2.0, "maxSize": 4.0, "desiredCapacity": 2.0, "mixedInstancesPolicy": mip},
          parent="api", provider="aws-eu-west-1")
    line = estimate_stack([lt(gb=0.0), a]).lines[0]
    assert line.monthly_usd == pytest.approx(2 * 0.096 * 1.13 * 730)
    assert line.reason == "2 × m5.large × $0.096/h × 1.13 (eu-west-1) × 730 h"


def test_rds_multi_az_doubles_instance_and_storage():
    db = R("aws:rds/instance:Instance", "db", {"instanceClass": "db.r5.2xlarge", "allocatedStorage": 1000.0,
                                                "storageType": "gp3", "multiAz": True})
    est = estimate_stack([db])
    assert [l.monthly_usd for l in est.lines] == pytest.approx([2 * 1.00 * 730, 2 * 1000 * 0.115])


def test_cache_nodes_are_replicas_plus_one():
    rg = R("aws:elasticache/replicationGroup:ReplicationGroup", "cache",
           {"nodeType": "cache.r5.large", "replicasPerNodeGroup": 2.0})
    assert estimate_stack([rg]).monthly_usd == pytest.approx(3 * 0.216 * 730)


def test_alb_nat_and_edge():
    est = estimate_stack([R("aws:lb/loadBalancer:LoadBalancer", "alb", {}),
                          R("aws:ec2/natGateway:NatGateway", "nat", {}),
                          R("aws:cloudfront/distribution:Distribution", "cdn", {"defaultCacheBehavior": {
                              "lambdaFunctionAssociations": [{"eventType": "viewer-request"}]}})],
                         edge_gb_month=10_000, edge_requests_month=100_000_000)
    alb, nat, cdn = (l.monthly_usd for l in est.lines)
    assert alb == pytest.approx((0.0225 + 5 * 0.008) * 730)
    assert nat == pytest.approx(0.045 * 730)
    lambda_edge = 100_000_000 * (0.60 / 1e6 + 0.125 * 0.005 * 0.00005001)
    assert cdn == pytest.approx(10_000 * 0.085 + 10_000 * 0.01 + lambda_edge)


def test_flat_model_is_relays():
    assert pricing.FLAT_MODEL == {"compute_hourly": 0.10, "storage_gb_month": 0.10,
                                  "bandwidth_gb": 0.09, "database_hourly": 0.20}
    est = estimate_stack([lt(gb=0.0), asg(), R("aws:rds/instance:Instance", "db", {"instanceClass": "db.r5.large"})],
                         model="flat")
    assert [l.monthly_usd for l in est.lines] == pytest.approx([25 * 0.10 * 730, 0.20 * 730])


def test_unknown_instance_type_names_the_allowed_ones():
    with pytest.raises(PricingError) as err:
        estimate_stack([lt(itype="p4d.24xlarge"), asg()])
    assert str(err.value).startswith("unknown instance type 'p4d.24xlarge'; allowed: t3.small, t3.medium")


def test_hours_per_month_and_source_documented():
    assert HOURS_PER_MONTH == 730
    assert "us-east-1" in pricing.PRICE_SOURCE and "2025" in pricing.PRICE_SOURCE


def test_pricing_is_pure():
    tree = ast.parse(Path(pricing.__file__).read_text())
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"pulumi", "pulumi_aws", "boto3", "pulumi_policy"}


def test_every_catalog_instance_type_has_a_price():
    from infra import catalog

    assert set(catalog.INSTANCE_TYPES) <= set(pricing.EC2_HOURLY_USD)
    assert set(catalog.DB_INSTANCE_CLASSES) <= set(pricing.RDS_HOURLY_USD)
    assert set(catalog.CACHE_NODE_TYPES) <= set(pricing.CACHE_NODE_HOURLY_USD)
