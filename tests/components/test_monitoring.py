"""RegionMonitoring (components/monitoring.py) alone and in the program: severity topics and subscriptions,
relay's thresholds (exact), the latency failover alarm + Route53 check and where Route53 uses it."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.monitoring import GroupWatch, RegionMonitoring, RegionMonitoringArgs
from infra.config import parse_platform
from infra.model.data import GIB
from infra.model.monitoring import ATTACH_RECORDS, SEVERITIES, DatabaseGroup, LatencyRule
from infra.planning.data_plan import plan_database
from infra.planning.monitoring import database_groups, group_alarms
from tests.components.alone import NAMING_PROD, build_alone, check_conventions
from tests.conftest import by_name, of_type, run_stack, stack_platform

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
HC = "aws:route53/healthCheck:HealthCheck"
SUB = "aws:sns/topicSubscription:TopicSubscription"
RULE = LatencyRule(region="us-east-1", threshold_s=0.05, extended_statistic="p90", period_s=60, evaluation_periods=3,
                   insufficient_data_health_status="Healthy", nearest_healthy="us-west-2", severity="warning",
                   reason="latency rule", attach=ATTACH_RECORDS)


def build():
    def make():
        provider = aws.Provider("aws-us-east-1", region="us-east-1")
        alarms = group_alarms("light")
        db = DatabaseGroup("us-east-1", "db.r5.xlarge", ("s-0", "s-1"),
                           tuple(a for a in database_groups_alarms() if a.key.startswith("storage")))
        return RegionMonitoring("t-mon", RegionMonitoringArgs(
            naming=NAMING_PROD, region="us-east-1", account_id="123456789012", severities=SEVERITIES,
            subscriptions={"critical": [("email", "pager@example.com")], "warning": [], "info": []},
            secret_subscriptions={"critical": pulumi.Output.secret("https://events.pagerduty.com/integration/k/enqueue")},
            groups=[GroupWatch("api", "asg-api", alarms)], databases=[db], latency=RULE,
            load_balancer_arn_suffix="app/alb/1", routed_prefixes={"info": ["t-us-east-1-api-scaling-"]}),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def database_groups_alarms():
    """The relay alarms the planner gives prod's shard writers (1000 GB allocated, db.r5.2xlarge)."""
    platform, _ = stack_platform("prod")
    return database_groups(plan_database(parse_platform(platform, "f")), "t")[0].alarms


def test_monitoring_alone_topics_alarms_and_latency_check():
    built = build()
    check_conventions(built, "monitoring", "RegionMonitoring")
    topics = {r.name for r in built.of_type("aws:sns/topic:Topic")}
    assert topics == {"t-mon-critical", "t-mon-warning", "t-mon-info"}
    subs = {r.name: r.inputs for r in built.of_type(SUB)}
    assert subs["t-mon-critical-pagerduty"]["endpoint"] == "[secret]"
    assert subs["t-mon-critical-pagerduty"]["protocol"] == "https"
    (email,) = [v for k, v in subs.items() if "-email-" in k]
    assert email["endpoint"] == "pager@example.com" and email["topic"].endswith(":t-mon-critical")
    cpu = built.named("t-mon-api-cpu-critical").inputs
    assert (cpu["namespace"], cpu["metricName"], cpu["statistic"], cpu["threshold"], cpu["period"]) == (
        "AWS/EC2", "CPUUtilization", "Average", 90, 300)
    assert cpu["dimensions"] == {"AutoScalingGroupName": "asg-api"}
    assert cpu["alarmActions"] == ["arn:aws:sns:us-east-1:123456789012:t-mon-critical"]
    mem = built.named("t-mon-api-memory-warning").inputs
    assert (mem["namespace"], mem["metricName"], mem["threshold"]) == ("CWAgent", "mem_used_percent", 75)
    # light profile 100 Mbps = 12.5e6 B/s; x 60 s sample x 70 %
    assert built.named("t-mon-api-network-warning").inputs["threshold"] == 525_000_000
    storage = built.named("t-mon-db-r5-xlarge-0-storage-critical").inputs
    assert storage["threshold"] == 1000 * GIB * 5 // 100 and storage["comparisonOperator"] == "LessThanThreshold"
    assert [q["metric"]["dimensions"] for q in storage["metricQueries"][:-1]] == [
        {"DBInstanceIdentifier": "s-0"}, {"DBInstanceIdentifier": "s-1"}]
    assert storage["metricQueries"][-1]["expression"] == "MIN(METRICS())"
    latency = built.named("t-mon-latency-failover").inputs
    assert {k: latency[k] for k in ("name", "namespace", "metricName", "extendedStatistic", "threshold", "period",
                                     "evaluationPeriods", "comparisonOperator", "dimensions")} == {
        "name": "t-mon-latency-failover", "namespace": "AWS/ApplicationELB", "metricName": "TargetResponseTime",
        "extendedStatistic": "p90", "threshold": 0.05, "period": 60, "evaluationPeriods": 3,
        "comparisonOperator": "GreaterThanThreshold", "dimensions": {"LoadBalancer": "app/alb/1"}}
    check = built.named("t-mon-latency-hc").inputs
    assert {k: v for k, v in check.items() if k != "tags"} == {
        "type": "CLOUDWATCH_METRIC", "cloudwatchAlarmName": "t-mon-latency-failover",
        "cloudwatchAlarmRegion": "us-east-1", "insufficientDataHealthStatus": "Healthy"}
    pattern = json.loads(built.named("t-mon-info-route").inputs["eventPattern"])
    assert pattern["detail"]["alarmName"] == [{"prefix": "t-us-east-1-api-scaling-"}]
    assert built.named("t-mon-info-route-target").inputs["arn"].endswith(":t-mon-info")
    policy = json.loads(built.named("t-mon-info-policy").inputs["policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]}


def test_prod_latency_alarms_per_region_notify_behind_cloudfront(prod_run):
    thresholds = {r: by_name(prod_run, f"prod-{r}-monitoring-latency-failover").inputs["threshold"]
                  for r in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")}
    assert thresholds == {"us-east-1": 0.05, "us-west-2": 0.075, "eu-west-1": 0.06, "ap-southeast-1": 0.1}
    # behind CloudFront the edge router picks the region: no Route53 record to attach a check to, and the
    # origin records stay exactly as they were (a set identifier would replace them)
    assert not [r for r in of_type(prod_run, HC) if r.inputs["type"] in ("CLOUDWATCH_METRIC", "CALCULATED")]
    assert "setIdentifier" not in by_name(prod_run, "prod-edge-origin-us-east-1").inputs
    assert by_name(prod_run, "prod-dns-us-east-1-record").inputs["healthCheckId"] == "prod-dns-us-east-1-hc_id"
    assert prod_run.outputs["monitoring"]["latency"]["us-east-1"]["attach"] is None


def test_without_cloudfront_weighted_records_carry_endpoint_and_latency_checks():
    run = run_stack("prod", ("edge.enabled=false",))
    check = by_name(run, "prod-us-west-2-monitoring-latency-hc").inputs
    assert {k: v for k, v in check.items() if k != "tags"} == {
        "type": "CLOUDWATCH_METRIC", "cloudwatchAlarmName": "prod-us-west-2-monitoring-latency-failover",
        "cloudwatchAlarmRegion": "us-west-2", "insufficientDataHealthStatus": "Healthy"}
    assert by_name(run, "prod-us-west-2-monitoring-latency-failover").inputs["threshold"] == 0.075
    calc = by_name(run, "prod-dns-us-west-2-failover-hc").inputs
    assert (calc["type"], calc["childHealthThreshold"]) == ("CALCULATED", 2)
    assert calc["childHealthchecks"] == ["prod-dns-us-west-2-hc_id", "prod-us-west-2-monitoring-latency-hc_id"]
    assert by_name(run, "prod-dns-us-west-2-record").inputs["healthCheckId"] == "prod-dns-us-west-2-failover-hc_id"


def test_dev_has_alarms_but_no_unattached_health_checks():
    run = run_stack("dev")
    assert by_name(run, "dev-us-east-1-monitoring-latency-failover").inputs["threshold"] == 0.05
    assert not [r for r in of_type(run, HC) if r.inputs["type"] == "CLOUDWATCH_METRIC"]
    assert run.outputs["monitoring"]["latency"]["us-east-1"]["attach"] is None


def test_prod_relay_alarms_on_every_group_and_database(prod_run):
    names = {r.name for r in of_type(prod_run, ALARM)}
    for region in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"):
        for tier in ("api", "worker"):
            for key in ("cpu", "memory", "network"):
                assert {f"prod-{region}-monitoring-{tier}-{key}-{s}" for s in ("warning", "critical")} <= names
    dbs = prod_run.outputs["monitoring"]["databases"]
    watched = [i for d in dbs for i in d["identifiers"]]
    rds = [r.inputs["identifier"] for r in of_type(prod_run, "aws:rds/instance:Instance")]
    assert sorted(watched) == sorted(rds)  # every database, once
    # db.r5.2xlarge: 64 GiB; memory warning 75 % used = FreeableMemory < 25 % = 16 GiB
    writers = next(d for d in dbs if d["instance_class"] == "db.r5.2xlarge")
    assert writers["alarms"]["memory-warning"]["threshold"] == 16 * GIB
    assert writers["alarms"]["storage-warning"]["threshold"] == 1000 * GIB * 20 // 100
    assert writers["alarms"]["cpu-critical"]["threshold"] == 90


def test_prod_subscriptions_per_severity_in_every_region():
    run = run_stack("prod", ('alerts.email=["oncall@example.com"]', 'alerts.info.https=["https://hooks.example.com/c"]',
                             "alerts.critical.pagerduty_secret=true"))
    subs = [r for r in of_type(run, SUB) if "-monitoring-" in r.name]
    by_topic: dict[str, list[str]] = {}
    for sub in subs:
        by_topic.setdefault(sub.inputs["topic"].rsplit(":", 1)[1], []).append(sub.inputs["endpoint"])
    assert by_topic["prod-eu-west-1-monitoring-critical"] == ["oncall@example.com", "[secret]"]
    assert by_topic["prod-eu-west-1-monitoring-warning"] == ["oncall@example.com"]
    assert by_topic["prod-eu-west-1-monitoring-info"] == ["https://hooks.example.com/c"]
    assert len(subs) == 4 * 4  # per region: critical 2, warning 1, info 1
    # the data alarms (shards) and scaling triggers reach their severity through EventBridge
    pattern = json.loads(by_name(run, "prod-us-east-1-monitoring-critical-route").inputs["eventPattern"])
    assert pattern["detail"]["alarmName"] == [{"prefix": "prod-db-"}]
    info = json.loads(by_name(run, "prod-us-east-1-monitoring-info-route").inputs["eventPattern"])
    assert info["detail"]["alarmName"] == [{"prefix": "prod-us-east-1-api-scaling-"},
                                           {"prefix": "prod-us-east-1-worker-scaling-"}]
