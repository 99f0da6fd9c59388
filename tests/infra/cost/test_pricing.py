"""Pricing numbers come from the cited table; the arithmetic shows in every reason."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra.cost import pricing
from infra.cost.edge_pricing import cloudfront_transfer
from infra.cost.lines import PricingError
from infra.cost.prices import (
    CACHE_NODE_HOURLY_USD,
    EC2_HOURLY_USD,
    FLAT_MODEL,
    HOURS_PER_MONTH,
    NO_MAX_PRICE_SPOT_FACTOR,
    PRICE_SOURCE,
    RDS_HOURLY_USD,
)
from infra.cost.pricing import estimate_stack
from infra.model.recorded import RecordedResource as R

LT = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"


def lt(name="api-lt", itype="c5.large", gb=20.0):
    return R(LT, name, {"instanceType": itype, "blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": gb, "volumeType": "gp3", "encrypted": "true"}}]}, parent="api")


def asg(desired=25.0, pct_on_demand=None, base=0.0, lt_id="api-lt_id", provider="aws-us-east-1", max_price=None,
        **extra):
    inputs = {"minSize": 10.0, "maxSize": 100.0, "desiredCapacity": desired, "launchTemplate": {"id": lt_id}, **extra}
    if pct_on_demand is not None:
        inputs["mixedInstancesPolicy"] = {"instancesDistribution": {
            "onDemandBaseCapacity": base, "onDemandPercentageAboveBaseCapacity": pct_on_demand}}
        if max_price is not None:
            inputs["mixedInstancesPolicy"]["instancesDistribution"]["spotMaxPrice"] = max_price
    return R(ASG, "api-asg", inputs, parent="api", provider=provider)


def test_25_c5_large_on_demand():
    est = estimate_stack([lt(gb=0.0), asg()])
    line = est.lines[0]
    assert line.monthly_usd == pytest.approx(25 * 0.085 * 730) == pytest.approx(1551.25)
    assert line.reason == "25 × c5.large × $0.085/h × 730 h"


def test_spot_share_at_its_class_max_price():
    """novacron §6 implement_spot_strategy: spot is priced at the ASG's spotMaxPrice ceiling."""
    line = estimate_stack([lt(gb=0.0), asg(pct_on_demand=30.0, max_price="0.0595")]).lines[0]  # 0.085 x 0.7
    assert line.monthly_usd == pytest.approx((7.5 + 17.5 * 0.7) * 0.085 * 730)
    assert line.reason == "25 × c5.large × $0.085/h × 730 h, 70% spot at ×0.7"
    line = estimate_stack([lt(gb=0.0), asg(pct_on_demand=10.0, max_price="0.051")]).lines[0]  # batch: x 0.6
    assert line.monthly_usd == pytest.approx((2.5 + 22.5 * 0.6) * 0.085 * 730)
    assert line.reason == "25 × c5.large × $0.085/h × 730 h, 90% spot at ×0.6"


def test_spot_without_max_price_is_capped_at_on_demand():
    assert NO_MAX_PRICE_SPOT_FACTOR == 1.0
    line = estimate_stack([lt(gb=0.0), asg(pct_on_demand=30.0)]).lines[0]
    assert line.monthly_usd == pytest.approx(25 * 0.085 * 730)
    assert line.reason == "25 × c5.large × $0.085/h × 730 h, 70% spot at ×1"


def test_spot_max_price_string_and_regional_on_demand():
    assert pricing.spot_max_price("c5.large", "us-east-1", 0.7) == "0.0595"
    assert pricing.spot_max_price("c5.large", "eu-west-1", 0.6) == "0.05763"   # 0.085 x 1.13 x 0.6
    assert pricing.spot_max_price("t3.small", None, 0.5) == "0.0104"


def test_on_demand_base_is_never_spot():
    line = estimate_stack([lt(gb=0.0), asg(desired=10.0, pct_on_demand=0.0, base=4.0, max_price="0.0595")]).lines[0]
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
    alb, nat, transfer, requests, lambda_edge = (l.monthly_usd for l in est.lines)
    assert alb == pytest.approx((0.0225 + 5 * 0.008) * 730)
    assert nat == pytest.approx(0.045 * 730)
    assert transfer == pytest.approx(10_000 * 0.085) and requests == pytest.approx(10_000 * 0.01)
    # A viewer event on the default behaviour (no ordered ones) runs on every request, at 128 MB.
    assert lambda_edge == pytest.approx(100_000_000 * (0.60 / 1e6 + 0.125 * 0.005 * 0.00005001))


def test_flat_model_is_relays():
    assert FLAT_MODEL == {"compute_hourly": 0.10, "storage_gb_month": 0.10,
                                  "bandwidth_gb": 0.09, "database_hourly": 0.20}
    est = estimate_stack([lt(gb=0.0), asg(), R("aws:rds/instance:Instance", "db", {"instanceClass": "db.r5.large"})],
                         model="flat")
    assert [l.monthly_usd for l in est.lines] == pytest.approx([25 * 0.10 * 730, 0.20 * 730])


def test_unknown_instance_type_names_the_allowed_ones():
    with pytest.raises(PricingError) as err:
        estimate_stack([lt(itype="p4d.24xlarge"), asg()])
    assert str(err.value).startswith("unknown instance type 'p4d.24xlarge'; allowed: t3.small, t3.medium")


@pytest.mark.parametrize("itype, hourly", [("t3.small", 0.0208), ("m5.large", 0.096), ("r5.2xlarge", 0.504)])
def test_one_instance_month_is_the_cited_hourly_price_times_730_hours(itype, hourly):
    # One on-demand instance in us-east-1 (multiplier 1.0): $/h from the cited table x 365 x 24 / 12 h.
    line = estimate_stack([lt(itype=itype, gb=0.0), asg(desired=1.0, minSize=1.0)]).lines[0]
    assert line.monthly_usd == pytest.approx(hourly * 365 * 24 / 12) == pytest.approx(hourly * 730)
    assert line.reason == f"1 × {itype} × ${hourly:g}/h × 730 h"
    nat = estimate_stack([R("aws:ec2/natGateway:NatGateway", "nat", {})]).lines[0]
    assert (nat.monthly_usd, nat.reason) == (pytest.approx(0.045 * 730), "$0.045/h × 730 h + 0 GB × $0.045/GB")


def test_price_source_and_month_length_are_the_documented_ones():
    docs = (Path(pricing.__file__).parents[2] / "docs" / "policies.md").read_text()
    assert PRICE_SOURCE == "AWS public price list, on-demand Linux, us-east-1, retrieved 2025-01-15"
    assert f"{PRICE_SOURCE} (`PRICE_SOURCE`)" in docs
    assert f"`HOURS_PER_MONTH = {HOURS_PER_MONTH:g}`" in docs  # the code's month length is the documented 730 h


def test_pricing_is_pure():
    tree = ast.parse(Path(pricing.__file__).read_text())
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"pulumi", "pulumi_aws", "boto3", "pulumi_policy"}


def test_every_catalog_instance_type_has_a_price():
    from infra.model import catalog

    assert set(catalog.INSTANCE_TYPES) <= set(EC2_HOURLY_USD)
    assert set(catalog.DB_INSTANCE_CLASSES) <= set(RDS_HOURLY_USD)
    assert set(catalog.CACHE_NODE_TYPES) <= set(CACHE_NODE_HOURLY_USD)


# ---- edge and the small monthly items (numbers from the cited table)

def test_cloudfront_transfer_is_tiered():
    cost, how = cloudfront_transfer(35_000)
    assert cost == pytest.approx(10_240 * 0.085 + 24_760 * 0.080) == pytest.approx(2851.2)
    assert how == "10,240 GB × $0.085 + 24,760 GB × $0.08"


def _edge_stack():
    from tests.policies.stacks import make_edge_stack
    return make_edge_stack()


def test_edge_lines_follow_events_paths_and_memory():
    est = estimate_stack(_edge_stack(), edge_gb_month=35_000, edge_requests_month=1_400_000_000,
                         cloudflare_requests_month=600_000_000)
    lines = {l.item: l for l in est.lines}
    reqs = 1_400_000_000
    # Router: origin-request on /api/* (50%, CachingDisabled: every request), 128 MB.
    router = reqs * 0.5
    assert lines["prod-edge-cdn Lambda@Edge prod-edge-request-router"].monthly_usd == pytest.approx(
        router * 0.60 / 1e6 + router * 0.125 * 0.005 * 0.00005001)
    # Modifier: origin-response on default (20%) and /static/* (30%) misses (10%) + every /api/* request, 256 MB.
    modifier = reqs * (0.2 * 0.1 + 0.3 * 0.1 + 0.5)
    assert lines["prod-edge-cdn Lambda@Edge prod-edge-response-modifier"].monthly_usd == pytest.approx(
        modifier * 0.60 / 1e6 + modifier * 0.25 * 0.005 * 0.00005001)
    assert lines["prod-edge-cdn requests"].monthly_usd == pytest.approx(1400.0)
    assert lines["prod-edge-cdn access logs"].monthly_usd == pytest.approx(reqs * 50 / 1e9 * 0.023)
    # WAF: ACL + 1 rule + every request of the distribution that uses it.
    # 4 rules: the /api/ rate rule + 3 managed rule groups the estimator counts (components/edge.py)
    assert lines["prod-edge-waf"].monthly_usd == pytest.approx(5 + 4 + 1400 * 0.60) == pytest.approx(849.0)
    assert lines["prod-edge-waf"].reason == "$5.00 web ACL + 4 rule(s) × $1.00 + 1,400,000,000 requests × $0.60/1M"
    # Workers: rate-limiter on /api/* (50% of Cloudflare's 600M) at its 10 ms cap, over the included usage.
    workers_req = 600_000_000 * 0.5
    assert lines["cloudflare workers"].monthly_usd == pytest.approx(
        5 + (workers_req - 10e6) / 1e6 * 0.30 + (workers_req * 10 - 30e6) / 1e6 * 0.02) == pytest.approx(151.4)


def test_health_checks_kms_eip_sns_and_alarms():
    hc = lambda name, **kw: R("aws:route53/healthCheck:HealthCheck", name, kw)  # noqa: E731
    alarm = lambda name, **kw: R("aws:cloudwatch/metricAlarm:MetricAlarm", name, kw, provider="aws-us-east-1")  # noqa: E731
    math = [{"id": f"m{i}", "metric": {"metricName": "DatabaseConnections", "period": 60.0}} for i in range(4)]
    est = estimate_stack([
        hc("alb-hc", type="HTTPS", fqdn="x.us-east-1.elb.amazonaws.com", requestInterval=30.0),
        hc("ext-hc", type="HTTPS_STR_MATCH", fqdn="origin.example.com", requestInterval=10.0),
        R("aws:kms/key:Key", "key", {}), R("aws:ec2/eip:Eip", "eip", {}), R("aws:sns/topic:Topic", "topic", {}),
        alarm("cpu", period=60.0), alarm("fast", period=10.0),
        alarm("conns", metricQueries=math + [{"id": "worst", "expression": "MAX(METRICS())", "returnData": True}])])
    got = {l.item: l.monthly_usd for l in est.lines}
    assert got["alb-hc"] == pytest.approx(0.50 + 1.00)
    assert got["ext-hc"] == pytest.approx(0.75 + 3 * 2.00)  # HTTPS, string matching, fast interval
    assert got["key"] == 1.0 and got["topic"] == 0.0
    assert got["eip"] == pytest.approx(0.005 * 730) == pytest.approx(3.65)
    assert got["cloudwatch alarms (us-east-1)"] == pytest.approx(5 * 0.10 + 1 * 0.30)
    assert all(l.reason for l in est.lines)


def test_emergency_ceiling_factor_is_the_documented_default():
    from infra.config import parse_platform
    from infra.planning.emergency import emergency_ceiling_usd
    from policies import rules
    from tests.conftest import stack_platform

    # The stack-budget rule: a $1,551.25 stack (25 c5.large) against a $1,200 budget.
    stack = [lt(gb=0.0), asg()]
    assert estimate_stack(stack).monthly_usd == pytest.approx(1551.25)
    assert [v.message for v in rules.stack_budget(stack, {"budget_usd": 1200})] == [
        "estimated monthly cost $1,551.25 exceeds the budget of $1,200.00"]
    # In an emergency without an explicit ceiling: 1.5 x $1,200 = $1,800 allows it ...
    assert rules.emergency_ceiling({"budget_usd": 1200}) == 1800.0
    assert rules.stack_budget(stack, {"budget_usd": 1200, "emergency": True}) == []
    # ... and 1.5 x $1,000 = $1,500 does not.
    assert [v.message for v in rules.stack_budget(stack, {"budget_usd": 1000, "emergency": True})] == [
        "estimated monthly cost $1,551.25 exceeds the emergency ceiling of $1,500.00"]
    # The plan side: prod's $250,000 budget with emergency.mode up and no budget_ceiling_usd_month.
    platform, _ = stack_platform("prod", ("emergency.mode=up",))
    assert emergency_ceiling_usd(parse_platform(platform, "Pulumi.prod.yaml")) == 1.5 * 250_000 == 375_000
    platform, _ = stack_platform("prod", ("emergency.mode=none",))
    assert emergency_ceiling_usd(parse_platform(platform, "Pulumi.prod.yaml")) == 250_000
    # Documented as the default in the README and docs/policies.md.
    root = Path(pricing.__file__).parents[2]
    readme = root.joinpath("README.md").read_text()
    assert "| none; ceiling 1.5 × budget |" in readme
    assert "`emergency_ceiling_factor` (1.5)" in readme
    assert "`emergency_ceiling_factor` (`1.5`: the ceiling is 1.5 × `budget_usd` when no ceiling is given" in \
        root.joinpath("docs", "policies.md").read_text()


def test_non_numeric_desired_capacity_raises_but_unknown_still_defaults():
    with pytest.raises(PricingError) as err:
        estimate_stack([lt(gb=0.0), asg(desired="lots")])
    assert str(err.value) == ("api-asg: desiredCapacity 'lots' is not a number; "
                              "allowed: a number, or absent/unknown ([unknown], [secret])")
    # Offline mocks and `pulumi preview` stand in for unknown outputs: priced as absent, as before.
    for unknown in ("[unknown]", "04da6b54-80e4-46f7-96ec-b56ff0331ba9", None):
        assert pricing.asg_instances(asg(desired=unknown)) == (10 if unknown is None else 0)


def test_non_numeric_capacity_is_a_budget_violation_not_a_zero_cost():
    from policies import rules

    violations = rules.stack_budget([lt(gb=0.0), asg(desired="lots")], {"budget_usd": 100.0})
    assert [v.message for v in violations] == [
        "cannot price the stack: api-asg: desiredCapacity 'lots' is not a number; "
        "allowed: a number, or absent/unknown ([unknown], [secret])"]
