"""Compute components as the mock engine sees them: ASG bounds from the plan, launch template safety,
network and load balancer settings, Route53 weights."""
from __future__ import annotations

import hashlib

import pytest

from components.naming import short_name
from tests.conftest import by_name, of_type, run_stack

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")


def test_one_asg_per_region_and_tier_with_plan_bounds(prod_run):
    groups = {r.name: r for r in of_type(prod_run, "aws:autoscaling/group:Group")}
    assert set(groups) == {f"prod-{region}-{tier}-asg" for region in REGIONS for tier in ("api", "worker")}
    bounds = {name: (g.inputs["minSize"], g.inputs["desiredCapacity"], g.inputs["maxSize"]) for name, g in groups.items()}
    assert bounds["prod-us-east-1-api-asg"] == (10, 14, 100)
    assert bounds["prod-us-west-2-api-asg"] == (5, 10, 50)
    assert bounds["prod-eu-west-1-api-asg"] == (5, 7, 50)
    assert bounds["prod-ap-southeast-1-api-asg"] == (3, 4, 30)
    assert bounds["prod-us-east-1-worker-asg"] == (10, 22, 200)  # queue rule min_workers 10 (novacron §1)


def test_asg_never_fights_the_autoscaler_and_lives_in_its_region(prod_run):
    asg = by_name(prod_run, "prod-eu-west-1-api-asg")
    assert asg.options["ignoreChanges"] == ["desiredCapacity"]
    assert asg.parent == "prod-eu-west-1-api"
    assert asg.provider == "aws-eu-west-1"
    spec = asg.inputs["mixedInstancesPolicy"]["launchTemplate"]["launchTemplateSpecification"]
    assert spec == {"launchTemplateId": "prod-eu-west-1-api-lt_id", "version": "1"}
    assert asg.inputs["healthCheckType"] == "ELB"
    assert asg.inputs["targetGroupArns"] == ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:prod-eu-west-1-api-tg"]
    assert asg.inputs["vpcZoneIdentifiers"] == ["prod-eu-west-1-private-a_id", "prod-eu-west-1-private-b_id"]
    worker = by_name(prod_run, "prod-eu-west-1-worker-asg")
    assert (worker.inputs["healthCheckType"], worker.inputs["targetGroupArns"]) == ("EC2", [])
    tags = {t["key"]: t["value"] for t in asg.inputs["tags"]}
    assert {k: tags[k] for k in ("environment", "owner", "cost-center")} == {
        "environment": "prod", "owner": "platform-team", "cost-center": "platform-prod"}
    assert all(t["propagateAtLaunch"] for t in asg.inputs["tags"])


def test_launch_template_requires_imdsv2_and_encrypts_root(prod_run):
    lt = by_name(prod_run, "prod-us-east-1-api-lt")
    assert lt.inputs["instanceType"] == "c5.large"
    assert lt.inputs["metadataOptions"]["httpTokens"] == "required"
    assert lt.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
    ebs = lt.inputs["blockDeviceMappings"][0]["ebs"]
    assert (ebs["encrypted"], ebs["volumeType"], ebs["volumeSize"]) == ("true", "gp3", 30)
    assert lt.inputs["iamInstanceProfile"]["arn"].endswith(":prod-identity-profile")
    assert lt.inputs["vpcSecurityGroupIds"] == ["prod-us-east-1-app-sg_id"]


def test_network_spans_two_azs_and_lb_uses_runbook_health_check(prod_run):
    subnets = [r for r in of_type(prod_run, "aws:ec2/subnet:Subnet") if r.provider == "aws-us-west-2"]
    assert sorted(s.inputs["availabilityZone"] for s in subnets) == ["us-west-2a", "us-west-2a", "us-west-2b", "us-west-2b"]
    assert {r.inputs["cidrBlock"] for r in of_type(prod_run, "aws:ec2/vpc:Vpc")} == {
        "10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"}
    tg = by_name(prod_run, "prod-us-east-1-api-tg")
    check = tg.inputs["healthCheck"]
    assert (check["interval"], check["timeout"], check["path"]) == (30, 10, "/health")
    assert tg.inputs["deregistrationDelay"] == 30
    alb = by_name(prod_run, "prod-ap-southeast-1-alb")
    assert alb.inputs["name"] == "prod-ap-southeast-1-alb"  # 23 chars: within the 32-char ALB limit, unchanged
    assert alb.inputs["dropInvalidHeaderFields"] is True


def test_only_the_alb_is_public(prod_run):
    alb_sg = by_name(prod_run, "prod-us-east-1-alb-sg")
    # behind CloudFront: 443 from CloudFront's origin-facing prefix list only (mock id), no port 80
    assert [(r["fromPort"], r["prefixListIds"]) for r in alb_sg.inputs["ingress"]] == [(443, ["pl-a003e002"])]
    app_sg = by_name(prod_run, "prod-us-east-1-app-sg")
    assert app_sg.inputs["ingress"] == [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080,
                                         "securityGroups": ["prod-us-east-1-alb-sg_id"], "description": "from ALB"}]


def test_instance_role_has_only_its_scoped_inline_policy(prod_run):
    # issue 16: the broad managed policies are gone; one inline policy scoped to SSM + the CloudWatch agent
    attachments = [r for r in of_type(prod_run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                   if r.parent == "prod-identity"]
    assert attachments == []
    assert [r.name for r in of_type(prod_run, "aws:iam/rolePolicy:RolePolicy") if r.parent == "prod-identity"] == [
        "prod-identity-policy"]


def test_route53_weights_and_health_checks(prod_run):
    records = {r.inputs["setIdentifier"]: r for r in of_type(prod_run, "aws:route53/record:Record")
               if r.parent == "prod-dns"}
    assert {k: v.inputs["weightedRoutingPolicies"][0]["weight"] for k, v in records.items()} == {
        "us-east-1": 40, "us-west-2": 30, "eu-west-1": 20, "ap-southeast-1": 10}
    record = records["us-west-2"]
    assert record.inputs["healthCheckId"] == "prod-dns-us-west-2-hc_id"
    # the service name publishes the edge, never an ALB (which only answers CloudFront)
    assert record.inputs["aliases"] == [{"name": "prod-edge-cdn.cloudfront.net", "zoneId": "Z2FDTNDATAQYW2",
                                         "evaluateTargetHealth": False}]
    checks = of_type(prod_run, "aws:route53/healthCheck:HealthCheck")
    # endpoint probes every 30 s; the latency checks read a CloudWatch alarm (no probe, no interval)
    assert {c.inputs.get("requestInterval") for c in checks if c.inputs["type"] != "CLOUDWATCH_METRIC"} == {30}
    dns_check = by_name(prod_run, "prod-dns-us-west-2-hc").inputs
    assert (dns_check["fqdn"], dns_check["type"], dns_check["port"]) == ("prod-edge-cdn.cloudfront.net", "HTTPS", 443)


def test_failed_region_keeps_resources_and_gets_weight_zero(prod_run):
    failed = run_stack("prod", ('failed_regions=["us-east-1"]',))
    # Scheduled actions are named after their time window and may merge differently; all else is kept.
    def kept(run):
        return sorted(r.name for r in run.resources if r.type != "aws:autoscaling/schedule:Schedule"
                      and not r.name.endswith("-schedule"))
    # Issue 17: the data follows (tests/components/test_shards_failover.py): the primary region's writer alarms
    # move to the promoted writers in us-west-2 and the new writers get replicas; nothing else is added or removed
    data_moved = {"prod-db-connections-80-0", "prod-db-connections-90-0", "prod-db-connections-over-400-0",
                  "prod-db-storage-85-0"} | {f"prod-db-shard-{i}-us-west-2-replica-0-lag" for i in range(4)}
    assert set(kept(prod_run)) - set(kept(failed)) == data_moved
    assert all(n.startswith(("prod-db-", "prod-eu-west-1-data-")) for n in set(kept(failed)) - set(kept(prod_run)))
    weights = {r.inputs["setIdentifier"]: r.inputs["weightedRoutingPolicies"][0]["weight"]
               for r in of_type(failed, "aws:route53/record:Record") if r.parent == "prod-dns"}
    assert weights == {"us-east-1": 0, "us-west-2": 46, "eu-west-1": 31, "ap-southeast-1": 23}  # largest remainder: sum 100
    assert by_name(failed, "prod-us-west-2-api-asg").inputs["minSize"] == 16  # +4 and the remainder 2 of 14


def test_components_parent_children_and_use_type_tokens(prod_run):
    components = {r.name: r.type for r in prod_run.resources if not r.custom}
    assert components["prod-us-east-1"] == "scaling-platform:region:Region"
    assert components["prod-us-east-1-api"] == "scaling-platform:service_tier:ServiceTier"
    assert components["prod-dns"] == "scaling-platform:traffic:TrafficRouting"
    for r in prod_run.resources:
        if r.custom and not r.type.startswith("pulumi:providers:"):
            assert r.parent, f"{r.name} has no parent component"


def expected_short(name: str, limit: int = 32) -> str:
    """components/naming.py's rule, recomputed: first limit-7 chars (trailing '-' dropped), '-', sha256[:6]."""
    return name[: limit - 7].rstrip("-") + "-" + hashlib.sha256(name.encode()).hexdigest()[:6]


@pytest.mark.parametrize("name, expected", [
    ("prod-eu-west-1-ap-southeast-1-api-alb", "prod-eu-west-1-ap-southea-6730d2"),  # 37 chars
    ("a" * 40, "a" * 25 + "-e33cdf"),
    ("x" * 33, "x" * 25 + "-11ba55"),                                               # one over the limit
])
def test_long_names_get_a_25_char_prefix_and_a_sha256_suffix(name, expected):
    assert short_name(name) == expected == expected_short(name)
    assert len(expected) == 32


def test_a_prefix_ending_in_a_hyphen_is_trimmed():
    name = "perf-test-eu-central-1-0-api-alb-blue"  # the 25-char prefix ends with '-'
    assert short_name(name) == "perf-test-eu-central-1-0-b834f6" == expected_short(name)
    assert len(short_name(name)) == 31 and "--" not in short_name(name)


@pytest.mark.parametrize("name", ["prod-ap-southeast-1-api", "prod-ap-southeast-1-alb", "x" * 32])
def test_names_within_32_chars_are_unchanged(name):
    assert short_name(name) == name


def test_short_name_honours_a_custom_limit():
    name = "prod-us-east-1-static-1y"  # 24 chars
    assert short_name(name, 64) == name
    assert short_name(name, 20) == "prod-us-east-a908ab" == expected_short(name, 20)  # 13-char prefix, '-' trimmed


CWAGENT_CONFIG = """{
  "agent": {
    "metrics_collection_interval": 60
  },
  "metrics": {
    "aggregation_dimensions": [
      [
        "AutoScalingGroupName"
      ]
    ],
    "append_dimensions": {
      "AutoScalingGroupName": "${aws:AutoScalingGroupName}"
    },
    "metrics_collected": {
      "mem": {
        "measurement": [
          "mem_used_percent"
        ],
        "metrics_collection_interval": 60
      }
    },
    "namespace": "CWAgent"
  }
}"""
CWAGENT_STEPS = (
    "dnf install -y amazon-cloudwatch-agent\n"
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'EOF'\n"
    f"{CWAGENT_CONFIG}\nEOF\n"
    "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 "
    "-c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json -s\n")


def _user_data(run, name):
    import base64
    return base64.b64decode(by_name(run, name).inputs["userData"]).decode()


def test_every_launch_template_installs_the_cloudwatch_agent(prod_run):
    """novacron §1 memory_based: the CWAgent mem_used_percent alarms need the agent on the instances."""
    templates = of_type(prod_run, "aws:ec2/launchTemplate:LaunchTemplate")
    assert len(templates) == 8
    for lt in templates:
        data = _user_data(prod_run, lt.name)
        if "-api-" in lt.name:
            assert data == "#!/bin/bash\nset -euo pipefail\n" + CWAGENT_STEPS
        else:  # workers: the agent, then the drain handler (tests/infra/model/test_user_data.py)
            assert data.startswith("#!/bin/bash\nset -euo pipefail\n" + CWAGENT_STEPS + "cat > /usr/local/sbin/")


def test_emergency_env_is_merged_with_the_agent_user_data():
    run = run_stack("prod", ("emergency.mode=up", "emergency.target=worker"))
    assert _user_data(run, "prod-us-east-1-worker-lt").startswith(
        "#!/bin/bash\nset -euo pipefail\nmkdir -p /etc/scaling-platform\n"
        "cat > /etc/scaling-platform/env <<'EOF'\nMAX_CONCURRENT_JOBS=50\nWORKER_THREADS=16\nEOF\n" + CWAGENT_STEPS
        + "cat > /usr/local/sbin/scaling-platform-drain <<'DRAIN'\n")


def test_memory_alarms_read_what_the_agent_publishes(prod_run):
    import json

    from infra.model.user_data import cloudwatch_agent_config
    config = cloudwatch_agent_config()
    assert json.dumps(config, indent=2, sort_keys=True) == CWAGENT_CONFIG
    metrics = config["metrics"]
    alarms = [r for r in of_type(prod_run, "aws:cloudwatch/metricAlarm:MetricAlarm")
              if r.inputs.get("metricName") == "mem_used_percent" and "-monitoring-" not in r.name]
    assert len(alarms) == 16  # out + in, per tier and region (relay thresholds: tests/components/test_monitoring.py)
    for alarm in alarms:
        assert alarm.inputs["namespace"] == metrics["namespace"]
        assert [alarm.inputs["metricName"]] == metrics["metrics_collected"]["mem"]["measurement"]
        assert [sorted(alarm.inputs["dimensions"])] == metrics["aggregation_dimensions"]
        assert sorted(alarm.inputs["dimensions"]) == sorted(metrics["append_dimensions"])
        assert alarm.inputs["period"] == metrics["metrics_collected"]["mem"]["metrics_collection_interval"]


def test_instance_role_may_publish_the_cloudwatch_agent_metrics(prod_run):
    import json

    from infra.model.user_data import cloudwatch_agent_config

    (policy,) = [r for r in of_type(prod_run, "aws:iam/rolePolicy:RolePolicy") if r.name == "prod-identity-policy"]
    [metrics] = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Action"] == "cloudwatch:PutMetricData"]
    # the namespace the agent publishes mem_used_percent to (user_data.cloudwatch_agent_config)
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": [cloudwatch_agent_config()["metrics"]["namespace"]]}}


SPOT_MAX_PRICE = {  # novacron §6 max_price: c5.large on-demand $0.085/h x region multiplier x class factor
    "prod-us-east-1-api-asg": "0.0595", "prod-us-west-2-api-asg": "0.0595",        # stateless x 0.7
    "prod-eu-west-1-api-asg": "0.067235", "prod-ap-southeast-1-api-asg": "0.068425",
    "prod-us-east-1-worker-asg": "0.051", "prod-us-west-2-worker-asg": "0.051",    # batch x 0.6
    "prod-eu-west-1-worker-asg": "0.05763", "prod-ap-southeast-1-worker-asg": "0.05865",
}


def test_spot_max_price_per_class(prod_run):
    got = {}
    for asg in of_type(prod_run, "aws:autoscaling/group:Group"):
        dist = asg.inputs["mixedInstancesPolicy"]["instancesDistribution"]
        assert asg.inputs["mixedInstancesPolicy"]["launchTemplate"]["overrides"][0]["instanceType"] == "c5.large"
        got[asg.name] = dist["spotMaxPrice"]
    assert got == SPOT_MAX_PRICE


def test_spot_cost_lines_use_each_class_factor(prod_run):
    from infra.cost.pricing import estimate_stack
    lines = {line.item: line for line in estimate_stack(prod_run.resources).lines}
    api, worker = lines["prod-us-east-1-api-asg"], lines["prod-us-east-1-worker-asg"]
    # api: each day 16 from 06:00 (3 h), 21 from 09:00 (9 h), 18 from 18:00 (5 h), desired 14 the other 7 h:
    # 425 instance-hours a day; per hour base 10 on demand, then 70 % spot: 4.2/7.7/5.6/2.8 spot.
    spot = (4.2 * 3 + 7.7 * 9 + 5.6 * 5 + 2.8 * 7) / 24
    assert api.reason == ("avg 17.71 instances over 168 h (2,975 instance-hours/week = max(scheduled floor, "
                          "desired 14, min 10) each hour; floor above 14 in 119 h) × c5.large × $0.085/h × 730 h, "
                          "30% spot at ×0.7")
    assert api.monthly_usd == pytest.approx((425 / 24 - spot + spot * 0.7) * 0.085 * 730) \
        == pytest.approx(998.3586, abs=1e-3)
    # worker: 26 x 3 + 33 x 9 + 28 x 5 + desired 22 x 7 = 669 a day (base 0, 10 % on demand)
    assert worker.reason.startswith("avg 27.88 instances over 168 h (4,683 instance-hours/week")
    assert worker.monthly_usd == pytest.approx(669 / 24 * (0.1 + 0.9 * 0.6) * 0.085 * 730) \
        == pytest.approx(1106.9720, abs=1e-3)
    eu = lines["prod-eu-west-1-worker-asg"]  # 13 x 3 + 16 x 9 + 14 x 5 + desired 11 x 7 = 330 a day
    assert eu.reason.endswith("× c5.large × $0.085/h × 1.13 (eu-west-1) × 730 h, 90% spot at ×0.6")
    assert eu.monthly_usd == pytest.approx(330 / 24 * (0.1 + 0.9 * 0.6) * 0.085 * 1.13 * 730)
