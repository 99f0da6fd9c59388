"""Mock-recorded inputs of the scaling resources: alarms, step policies, schedules, mixed instances,
instance refresh, and emergency mode (same resource names in and out of it)."""
from __future__ import annotations

import base64

import pulumi
import pulumi_aws as aws
import pytest

from components.scaling_triggers import ScalingTriggers, ScalingTriggersArgs
from infra.model.scaling import GuardTerm, LoadGuard, MetricSpec, RolloutPlan, TriggerRule
from infra.model.vertical_triggers import VerticalAlarm
from tests.components.alone import NAMING_PROD, build_alone, check_conventions, tags
from tests.conftest import by_name, of_type, run_stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
POLICY = "aws:autoscaling/policy:Policy"
SCHEDULE = "aws:autoscaling/schedule:Schedule"
GROUP = "aws:autoscaling/group:Group"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")
UP_API = ("emergency.mode=up", "emergency.target=api")

# (tier, trigger-direction, namespace, metric, threshold, evaluation periods, step, cooldown)
ROWS = [
    ("api", "cpu-out", "AWS/EC2", "CPUUtilization", 70, 2, 2, 300),
    ("api", "cpu-in", "AWS/EC2", "CPUUtilization", 30, 10, -1, 600),
    ("api", "memory-out", "CWAgent", "mem_used_percent", 80, 3, 2, 300),
    ("api", "memory-in", "CWAgent", "mem_used_percent", 40, 15, -1, 600),
    ("api", "requests-out", "AWS/ApplicationELB", "RequestCountPerTarget", 1000, 1, 3, 180),
    ("api", "requests-in", "AWS/ApplicationELB", "RequestCountPerTarget", 200, 20, -2, 900),
    ("api", "latency-out", "AWS/ApplicationELB", "TargetResponseTime", 0.5, 2, 4, 240),
    ("api", "latency-in", "AWS/ApplicationELB", "TargetResponseTime", 0.1, 30, -1, 1200),
    ("worker", "cpu-out", "AWS/EC2", "CPUUtilization", 70, 2, 2, 300),
    ("worker", "cpu-in", "AWS/EC2", "CPUUtilization", 30, 10, -1, 600),
    ("worker", "memory-out", "CWAgent", "mem_used_percent", 80, 3, 2, 300),
    ("worker", "memory-in", "CWAgent", "mem_used_percent", 40, 15, -1, 600),
    ("worker", "queue-out", "AWS/SQS", "ApproximateNumberOfMessagesVisible", 1000, 1, 5, 120),
    ("worker", "queue-in", "AWS/SQS", "ApproximateNumberOfMessagesVisible", 100, 15, -2, 600),
]


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("tier,key,namespace,metric,threshold,periods,step,cooldown", ROWS)
def test_trigger_alarm_and_step_policy(region, tier, key, namespace, metric, threshold, periods, step, cooldown):
    run = run_stack("prod")
    prefix = f"prod-{region}-{tier}-scaling-{key}"
    alarm, policy = by_name(run, prefix), by_name(run, f"{prefix}-policy")
    a, p = alarm.inputs, policy.inputs
    assert alarm.type == ALARM and policy.type == POLICY and alarm.parent == f"prod-{region}-{tier}-scaling"
    assert (a["threshold"], a["evaluationPeriods"]) == (threshold, periods)
    assert a["comparisonOperator"] == ("GreaterThanThreshold" if step > 0 else "LessThanThreshold")
    queried = a.get("metricQueries", [{}])[0].get("metric", {})
    assert (a.get("namespace") or queried["namespace"], a.get("metricName") or queried["metricName"]) == \
        (namespace, metric)
    assert (a.get("period") or queried["period"]) == 60
    assert a["alarmActions"] == [f"arn:aws:autoscaling:{region}:123456789012:{prefix}-policy"]
    assert p["adjustmentType"] == "ChangeInCapacity"
    if step > 0:  # scale-out: step scaling, runbook cooldown as warm-up, no Cooldown (AWS rejects it)
        assert (p["policyType"], p["estimatedInstanceWarmup"]) == ("StepScaling", cooldown)
        assert p["stepAdjustments"] == [{"metricIntervalLowerBound": "0", "scalingAdjustment": step}]
        assert "cooldown" not in p
    else:  # scale-in: simple scaling with the runbook cooldown, so one removal per cooldown
        assert (p["policyType"], p["cooldown"], p["scalingAdjustment"]) == ("SimpleScaling", cooldown, step)
        assert "stepAdjustments" not in p and "estimatedInstanceWarmup" not in p
    assert p["autoscalingGroupName"] == f"prod-{region}-{tier}-asg"


def test_metric_details():
    run = run_stack("prod")
    lat = by_name(run, "prod-us-east-1-api-scaling-latency-out").inputs
    assert lat["extendedStatistic"] == "p99" and set(lat["dimensions"]) == {"LoadBalancer", "TargetGroup"}
    req = by_name(run, "prod-us-east-1-api-scaling-requests-out").inputs
    assert req["metricQueries"][1]["expression"] == "m1 / PERIOD(m1)"
    mem = by_name(run, "prod-us-east-1-worker-scaling-memory-out").inputs
    assert mem["dimensions"] == {"AutoScalingGroupName": "prod-us-east-1-worker-asg"}
    queue = by_name(run, "prod-us-east-1-worker-scaling-queue-out").inputs
    assert queue["dimensions"] == {"QueueName": "prod-us-east-1-jobs"}


def test_lean_resource_count_per_tier():
    run = run_stack("prod")
    per_tier = {t: len([r for r in of_type(run, ALARM) if r.parent == f"prod-us-east-1-{t}-scaling"])
                for t in ("api", "worker")}
    # triggers x 2 + rollback alarms (dedicated latency) + vertical alarms (api: its spot mix holds burstable
    # t3 types, so cpu credits + memory + network; worker: c5.large only, memory + network)
    assert per_tier == {"api": 8 + 3 + 3, "worker": 6 + 1 + 2}
    assert len(of_type(run, POLICY)) == len(REGIONS) * (8 + 6)


def test_scheduled_actions_in_region_time_zone():
    run = run_stack("prod")
    mon = by_name(run, "prod-us-east-1-api-schedule-mon-sun-0900").inputs
    assert (mon["recurrence"], mon["minSize"], mon["maxSize"], mon["desiredCapacity"], mon["timeZone"]) == \
        ("0 9 * * MON-SUN", 21, -1, -1, "America/New_York")
    sg = [r for r in of_type(run, SCHEDULE) if r.parent == "prod-ap-southeast-1-api-schedule"]
    assert sg and {r.inputs["timeZone"] for r in sg} == {"Asia/Singapore"}
    groups = {r.parent for r in of_type(run, SCHEDULE)}
    assert len(groups) == 8 and all(len([r for r in of_type(run, SCHEDULE) if r.parent == g]) <= 125
                                    for g in groups)


def test_asg_mixed_instances_and_instance_refresh():
    run = run_stack("prod")
    api = by_name(run, "prod-us-east-1-api-asg").inputs
    dist = api["mixedInstancesPolicy"]["instancesDistribution"]
    assert (dist["onDemandBaseCapacity"], dist["onDemandPercentageAboveBaseCapacity"],
            dist["spotAllocationStrategy"]) == (10, 30, "price-capacity-optimized")
    assert [o["instanceType"] for o in api["mixedInstancesPolicy"]["launchTemplate"]["overrides"]] == \
        ["c5.large", "t3.medium", "t3.large", "t3.xlarge"]
    assert "launchTemplate" not in api
    worker = by_name(run, "prod-us-east-1-worker-asg").inputs["mixedInstancesPolicy"]
    assert worker["instancesDistribution"]["onDemandPercentageAboveBaseCapacity"] == 10
    refresh = api["instanceRefresh"]
    prefs = refresh["preferences"]
    assert refresh["strategy"] == "Rolling"
    assert (prefs["minHealthyPercentage"], prefs["checkpointDelay"], prefs["autoRollback"]) == (90, "120", True)
    assert prefs["checkpointPercentages"][-1] == 100
    alarms = prefs["alarmSpecification"]["alarms"]
    names = {r.inputs.get("name") for r in of_type(run, ALARM)}
    assert len(alarms) == 3 and set(alarms) <= names  # every rollback alarm exists
    assert by_name(run, "prod-us-east-1-api-scaling-health-cpu").inputs["threshold"] == 85
    assert by_name(run, "prod-us-east-1-api-scaling-health-error-rate").inputs["threshold"] == 1


def test_latency_rollback_alarm_is_average_of_one_60s_period():
    # novacron §2 check_health_metrics: get_metric('TargetResponseTime', 'Average', 60) > 500 (ms); ALB: seconds
    run = run_stack("prod")
    lat = by_name(run, "prod-us-east-1-api-scaling-health-latency").inputs
    assert (lat["namespace"], lat["metricName"], lat["statistic"], lat["period"], lat["evaluationPeriods"],
            lat["threshold"], lat["comparisonOperator"]) == \
        ("AWS/ApplicationELB", "TargetResponseTime", "Average", 60, 1, 0.5, "GreaterThanThreshold")
    assert "extendedStatistic" not in lat
    cpu = by_name(run, "prod-us-east-1-api-scaling-health-cpu").inputs
    assert (cpu["statistic"], cpu["period"], cpu["evaluationPeriods"]) == ("Average", 60, 1)
    alarms = by_name(run, "prod-us-east-1-api-asg").inputs["instanceRefresh"]["preferences"]["alarmSpecification"]
    assert alarms["alarms"] == ["prod-us-east-1-api-scaling-health-error-rate",
                                "prod-us-east-1-api-scaling-health-latency", "prod-us-east-1-api-scaling-health-cpu"]
    assert "prod-us-east-1-api-scaling-latency-out" not in alarms["alarms"]


def test_emergency_up_doubles_api_and_keeps_names():
    base, up = run_stack("prod"), run_stack("prod", UP_API)
    # no live count recorded: the region table's current_instances is what is doubled
    current = {"us-east-1": 25, "us-west-2": 15, "eu-west-1": 12, "ap-southeast-1": 8}
    for region in REGIONS:
        b, u = by_name(base, f"prod-{region}-api-asg").inputs, by_name(up, f"prod-{region}-api-asg").inputs
        # min carries the doubled count (desiredCapacity is ignored once the group exists)
        assert u["minSize"] == u["desiredCapacity"] == min(current[region] * 2, u["maxSize"])
        assert u["maxSize"] >= u["desiredCapacity"] and u["maxSize"] >= b["maxSize"]
    us_east = by_name(up, "prod-us-east-1-api-asg").inputs
    assert (us_east["minSize"], us_east["desiredCapacity"], us_east["maxSize"]) == (50, 50, 100)
    assert sorted((r.type, r.name) for r in base.resources) == sorted((r.type, r.name) for r in up.resources)
    emergency = up.outputs["capacity"]["emergency"]
    assert emergency["active"] and emergency["mode"] == "up" and emergency["target"] == "api"


def test_emergency_worker_env_in_user_data_and_names_kept():
    base, up = run_stack("prod"), run_stack("prod", ("emergency.mode=up", "emergency.target=worker"))
    data = base64.b64decode(by_name(up, "prod-us-east-1-worker-lt").inputs["userData"]).decode()
    assert "MAX_CONCURRENT_JOBS=50" in data and "WORKER_THREADS=16" in data
    assert "MAX_CONCURRENT_JOBS" not in base64.b64decode(by_name(base, "prod-us-east-1-worker-lt").inputs["userData"]).decode()
    assert sorted((r.type, r.name) for r in base.resources) == sorted((r.type, r.name) for r in up.resources)


# --- ScalingTriggers built alone from hand-made rules (tests/components/alone.py) ---------------------------

CPU = MetricSpec("AWS/EC2", "CPUUtilization", "Average", None, "asg")
REQUESTS = MetricSpec("AWS/ApplicationELB", "RequestCountPerTarget", "Sum", None, "target_group",
                      expression="m1 / PERIOD(m1)")
LATENCY = MetricSpec("AWS/ApplicationELB", "TargetResponseTime", None, "p99", "load_balancer", unit_scale=0.001)
QUEUE = MetricSpec("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", None, "queue",
                   dimension_name="QueueName")
LB, TGS = "app/t-alb/0123456789abcdef", "targetgroup/t-api/0123456789abcdef"
API_RULES = (
    TriggerRule("cpu", "out", CPU, "GreaterThanThreshold", 70, 70, 2, 60, 2, 300, "cpu > 70% for 2 min: +2"),
    TriggerRule("cpu", "in", CPU, "LessThanThreshold", 30, 30, 10, 60, -1, 600, "cpu < 30% for 10 min: -1"),
    TriggerRule("requests", "out", REQUESTS, "GreaterThanThreshold", 1000, 1000, 1, 60, 3, 180, "req/s > 1000: +3"),
    TriggerRule("latency", "out", LATENCY, "GreaterThanThreshold", 0.5, 500, 2, 60, 4, 240, "p99 > 500 ms: +4"),
)
API_ROLLOUT = RolloutPlan(90, (50, 100), 300, True,
                          {"error-rate": "5XX / requests > 5%", "latency": "latency > 500 ms", "cpu": "cpu > 85%"},
                          {"error-rate": 5.0, "latency": 0.5, "cpu": 85.0}, "hand-made")
PREDICTIVE = {"mode": "ForecastOnly", "metric": "ALBRequestCount", "target_requests_per_instance_minute": 60000}


def _build_triggers(tier, rules, rollout, **extra):
    def make():
        provider = aws.Provider("aws-us-east-1", region="us-east-1")
        return ScalingTriggers(f"t-{tier}-scaling", ScalingTriggersArgs(
            naming=NAMING_PROD, tier=tier, asg_name=f"t-{tier}-asg", rules=rules, rollout=rollout, **extra),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def test_scaling_triggers_alone_step_out_simple_in():
    built = _build_triggers("api", API_RULES, API_ROLLOUT, load_balancer_arn_suffix=LB, target_group_arn_suffix=TGS,
                            predictive=PREDICTIVE)
    check_conventions(built, "scaling_triggers", "ScalingTriggers")
    keys = ("cpu-out", "cpu-in", "requests-out", "latency-out")
    assert built.roles() == {**{k: ALARM for k in keys}, **{f"{k}-policy": POLICY for k in keys},
                             **{f"health-{k}": ALARM for k in ("error-rate", "latency", "cpu")}, "predictive": POLICY}
    assert built.named("t-api-scaling-cpu-out-policy").inputs == {
        "autoscalingGroupName": "t-api-asg", "policyType": "StepScaling", "adjustmentType": "ChangeInCapacity",
        "metricAggregationType": "Average", "estimatedInstanceWarmup": 300,
        "stepAdjustments": [{"metricIntervalLowerBound": "0", "scalingAdjustment": 2}]}
    assert built.named("t-api-scaling-cpu-in-policy").inputs == {
        "autoscalingGroupName": "t-api-asg", "policyType": "SimpleScaling", "adjustmentType": "ChangeInCapacity",
        "scalingAdjustment": -1, "cooldown": 600}
    assert built.named("t-api-scaling-cpu-out").inputs == {
        "name": "t-api-scaling-cpu-out", "namespace": "AWS/EC2", "metricName": "CPUUtilization", "period": 60,
        "statistic": "Average", "dimensions": {"AutoScalingGroupName": "t-api-asg"},
        "comparisonOperator": "GreaterThanThreshold", "threshold": 70, "evaluationPeriods": 2,
        "alarmActions": ["arn:aws:autoscaling:us-east-1:123456789012:t-api-scaling-cpu-out-policy"],
        "alarmDescription": "cpu > 70% for 2 min: +2", "tags": tags(NAMING_PROD, "api-scaling", tier="api")}
    cpu_in = built.named("t-api-scaling-cpu-in").inputs
    assert (cpu_in["comparisonOperator"], cpu_in["threshold"], cpu_in["evaluationPeriods"]) == (
        "LessThanThreshold", 30, 10)
    assert cpu_in["alarmActions"] == ["arn:aws:autoscaling:us-east-1:123456789012:t-api-scaling-cpu-in-policy"]
    latency = built.named("t-api-scaling-latency-out").inputs
    assert (latency["extendedStatistic"], latency["threshold"], "statistic" in latency) == ("p99", 0.5, False)
    assert latency["dimensions"] == {"LoadBalancer": LB, "TargetGroup": TGS}


def test_scaling_triggers_alone_metric_math_health_alarms_and_predictive():
    built = _build_triggers("api", API_RULES, API_ROLLOUT, load_balancer_arn_suffix=LB, target_group_arn_suffix=TGS,
                            predictive=PREDICTIVE)
    requests = built.named("t-api-scaling-requests-out").inputs
    assert "namespace" not in requests and requests["metricQueries"] == [
        {"id": "m1", "returnData": False, "metric": {
            "namespace": "AWS/ApplicationELB", "metricName": "RequestCountPerTarget", "period": 60, "stat": "Sum",
            "dimensions": {"TargetGroup": TGS}}},
        {"id": "e1", "expression": "m1 / PERIOD(m1)", "label": "requests", "returnData": True}]
    error_rate = built.named("t-api-scaling-health-error-rate").inputs
    assert (error_rate["threshold"], error_rate["evaluationPeriods"], error_rate["treatMissingData"]) == (
        5.0, 1, "notBreaching")
    assert "alarmActions" not in error_rate  # the instance refresh watches it; nothing else acts on it
    assert [q.get("expression") or q["metric"]["metricName"] for q in error_rate["metricQueries"]] == [
        "HTTPCode_Target_5XX_Count", "RequestCount", "100 * m1 / m2"]
    health_latency = built.named("t-api-scaling-health-latency").inputs
    assert (health_latency["metricName"], health_latency["statistic"], health_latency["period"],
            health_latency["threshold"]) == ("TargetResponseTime", "Average", 60, 0.5)
    health_cpu = built.named("t-api-scaling-health-cpu").inputs
    assert (health_cpu["namespace"], health_cpu["threshold"], health_cpu["dimensions"]) == (
        "AWS/EC2", 85.0, {"AutoScalingGroupName": "t-api-asg"})
    assert built.named("t-api-scaling-predictive").inputs == {
        "autoscalingGroupName": "t-api-asg", "policyType": "PredictiveScaling",
        "predictiveScalingConfiguration": {"mode": "ForecastOnly", "metricSpecification": {
            "targetValue": 60000, "predefinedMetricPairSpecification": {
                "predefinedMetricType": "ALBRequestCount", "resourceLabel": f"{LB}/{TGS}"}}}}
    assert built.outputs == {
        "alarm_names": [f"t-api-scaling-{k}" for k in ("cpu-out", "cpu-in", "requests-out", "latency-out",
                                                       "health-error-rate", "health-latency", "health-cpu")],
        "policy_arns": [f"arn:aws:autoscaling:us-east-1:123456789012:t-api-scaling-{k}-policy"
                        for k in ("cpu-out", "cpu-in", "requests-out", "latency-out")]}


def test_scaling_triggers_alone_worker_queue_without_load_balancer():
    rule = TriggerRule("queue", "out", QUEUE, "GreaterThanThreshold", 1000, 1000, 2, 60, 5, 300, "queue > 1000: +5")
    rollout = RolloutPlan(90, (100,), 300, True, {"cpu": "cpu > 85%"}, {"cpu": 85.0}, "hand-made")
    built = _build_triggers("worker", (rule,), rollout, queue_name="t-jobs", predictive=PREDICTIVE)
    check_conventions(built, "scaling_triggers", "ScalingTriggers")
    # predictive needs the ALB request metric: a worker tier gets none even when asked
    assert built.roles() == {"queue-out": ALARM, "queue-out-policy": POLICY, "health-cpu": ALARM}
    queue = built.named("t-worker-scaling-queue-out").inputs
    assert (queue["namespace"], queue["metricName"], queue["statistic"], queue["dimensions"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", {"QueueName": "t-jobs"})
    assert queue["tags"] == tags(NAMING_PROD, "worker-scaling", tier="worker")


def test_scaling_triggers_alone_metric_math_alarm_uses_the_planned_period():
    """Every trigger alarm reads the rule's period; the metric-math one used to hard-code 60 s."""
    rule = TriggerRule("requests", "out", REQUESTS, "GreaterThanThreshold", 1000, 1000, 1, 120, 3, 180, "2-min rule")
    built = _build_triggers("api", (rule,), API_ROLLOUT, load_balancer_arn_suffix=LB, target_group_arn_suffix=TGS)
    assert built.named("t-api-scaling-requests-out").inputs["metricQueries"][0]["metric"]["period"] == 120


# ------------------------------------------------------------------ vertical triggers and the load guard

# (region, tier, resource) -> (namespace, metric(s), statistic, comparison, threshold, period, periods, expression)
VERTICAL = {
    ("api", "cpu"): ("AWS/EC2", ["CPUCreditBalance"], "Minimum", "LessThanThreshold", 20, 300, 1, None),
    ("api", "memory"): ("CWAgent", ["mem_used_percent"], "Average", "GreaterThanThreshold", 90, 60, 5, None),
    # the api's spot mix runs t3.medium: 0.256 Gbps baseline is the slowest type
    ("api", "network"): ("AWS/EC2", ["NetworkIn", "NetworkOut"], "Average", "GreaterThanThreshold", 80, 60, 5,
                         "100 * MAX([m1, m2]) * 8 / PERIOD(m1) / 256000000"),
    ("worker", "memory"): ("CWAgent", ["mem_used_percent"], "Average", "GreaterThanThreshold", 90, 60, 5, None),
    # c5.large: 0.75 Gbps baseline
    ("worker", "network"): ("AWS/EC2", ["NetworkIn", "NetworkOut"], "Average", "GreaterThanThreshold", 80, 60, 5,
                            "100 * MAX([m1, m2]) * 8 / PERIOD(m1) / 750000000"),
}


def _alarm_metrics(inputs):
    """(namespace, [metric names], statistic, period, dimensions of every metric, expression) of one alarm."""
    if "metricQueries" not in inputs:
        return (inputs["namespace"], [inputs["metricName"]], inputs["statistic"], inputs["period"],
                [inputs["dimensions"]], None)
    metrics = [q["metric"] for q in inputs["metricQueries"] if "metric" in q]
    (expression,) = [q["expression"] for q in inputs["metricQueries"] if q.get("returnData")]
    return (metrics[0]["namespace"], [m["metricName"] for m in metrics], metrics[0]["stat"], metrics[0]["period"],
            [m["dimensions"] for m in metrics], expression)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("tier,resource", list(VERTICAL))
def test_vertical_alarms_as_the_mocks_see_them(region, tier, resource):
    namespace, metrics, stat, comparison, threshold, period, periods, expression = VERTICAL[(tier, resource)]
    alarm = by_name(run_stack("prod"), f"prod-{region}-{tier}-scaling-vertical-{resource}")
    a = alarm.inputs
    assert alarm.type == ALARM and alarm.parent == f"prod-{region}-{tier}-scaling"
    assert _alarm_metrics(a) == (namespace, metrics, stat, period,
                                 [{"AutoScalingGroupName": f"prod-{region}-{tier}-asg"}] * len(metrics), expression)
    assert (a["comparisonOperator"], a["threshold"], a["evaluationPeriods"]) == (comparison, threshold, periods)
    assert "alarmActions" not in a  # a type change is a plan change: the alarm feeds the ladder, it acts on nothing


def test_vertical_alarm_descriptions_name_the_next_type_by_binding_resource():
    run = run_stack("prod")
    desc = {k: by_name(run, f"prod-us-east-1-worker-scaling-vertical-{k}").inputs["alarmDescription"]
            for k in ("memory", "network")}
    assert desc["memory"].endswith("-> next memory-optimised (r) type r5.large")
    assert desc["network"].endswith("-> next network-optimised (n) type c5n.large")
    assert "cpu_credits < 20" in by_name(run, "prod-us-east-1-api-scaling-vertical-cpu").inputs["alarmDescription"]


def test_cpu_credit_alarm_only_on_groups_running_burstable_types():
    prod = run_stack("prod")
    assert [r.name for r in of_type(prod, ALARM) if r.name.endswith("-vertical-cpu")] == \
        [f"prod-{r}-api-scaling-vertical-cpu" for r in sorted(REGIONS)]  # api spot mix has t3; worker c5 only
    on_demand = run_stack("prod", ("tiers.api.spot_class=on_demand",))
    assert not [r for r in of_type(on_demand, ALARM) if r.name.endswith("-vertical-cpu")]
    dev = run_stack("dev")  # dev workers run t3.medium
    assert by_name(dev, "dev-us-east-1-worker-scaling-vertical-cpu").inputs["metricName"] == "CPUCreditBalance"


@pytest.mark.parametrize("key,guard", [
    # worker: CPU above the cpu scale-out threshold or the queue above the queue scale-out threshold
    ("worker-scaling-memory-in", ("IF(g1 > 70 || g2 > 1000, 40, m1)",
                                  ["mem_used_percent", "CPUUtilization", "ApproximateNumberOfMessagesVisible"])),
    ("worker-scaling-cpu-in", ("IF(g1 > 1000, 30, m1)", ["CPUUtilization", "ApproximateNumberOfMessagesVisible"])),
    ("worker-scaling-queue-in", ("IF(g1 > 70, 100, m1)", ["ApproximateNumberOfMessagesVisible", "CPUUtilization"])),
    ("api-scaling-memory-in", ("IF(g1 > 70, 40, m1)", ["mem_used_percent", "CPUUtilization"])),
    ("api-scaling-requests-in", ("IF(g1 > 70, 200, e0)", ["RequestCountPerTarget", "CPUUtilization"])),
    ("api-scaling-latency-in", ("IF(g1 > 70, 0.1, m1)", ["TargetResponseTime", "CPUUtilization"])),
])
def test_scale_in_alarms_are_quiet_while_load_is_high(key, guard):
    """novacron §2 scale_down_safely: no scale-in while load is high (the alarm sits at its own threshold,
    which LessThanThreshold never breaches), encoded as metric math the scale-in alarm evaluates."""
    a = by_name(run_stack("prod"), f"prod-us-east-1-{key}").inputs
    expression, metrics = guard
    queries = a["metricQueries"]
    assert [q["expression"] for q in queries if q.get("returnData")] == [expression]
    assert [q["metric"]["metricName"] for q in queries if "metric" in q] == metrics
    assert a["comparisonOperator"] == "LessThanThreshold"
    dims = {q["metric"]["metricName"]: q["metric"]["dimensions"] for q in queries if "metric" in q}
    assert dims["CPUUtilization"] == {"AutoScalingGroupName": f"prod-us-east-1-{key.split('-')[0]}-asg"}
    if "ApproximateNumberOfMessagesVisible" in dims:
        assert dims["ApproximateNumberOfMessagesVisible"] == {"QueueName": "prod-us-east-1-jobs"}


def test_the_api_cpu_scale_in_needs_no_guard_and_the_guard_follows_the_configured_thresholds():
    run = run_stack("prod", ("scaling.triggers.cpu.scale_out.threshold=75",))
    assert "metricQueries" not in by_name(run, "prod-us-east-1-api-scaling-cpu-in").inputs  # cpu < 30 excludes > 75
    queries = by_name(run, "prod-us-east-1-worker-scaling-memory-in").inputs["metricQueries"]
    assert queries[-1]["expression"] == "IF(g1 > 75 || g2 > 1000, 40, m1)"


def test_scaling_triggers_alone_vertical_and_guarded_alarms():
    guard = LoadGuard((GuardTerm("cpu", CPU, 70), GuardTerm("queue", QUEUE, 1000)), "load is high")
    rule = TriggerRule("memory", "in", MetricSpec("CWAgent", "mem_used_percent", "Average", None, "asg"),
                       "LessThanThreshold", 40, 40, 15, 60, -1, 600, "memory < 40%: -1", guard=guard)
    credits = VerticalAlarm("cpu", "AWS/EC2", ("CPUCreditBalance",), "Minimum", "LessThanThreshold", 20, 300, 1,
                            None, "c5.large", "credits < 20")
    net = VerticalAlarm("network", "AWS/EC2", ("NetworkIn", "NetworkOut"), "Average", "GreaterThanThreshold", 80,
                        60, 5, "100 * MAX([m1, m2]) * 8 / PERIOD(m1) / 750000000", "c5n.large", "network > 80%")
    rollout = RolloutPlan(90, (100,), 300, True, {"cpu": "cpu > 85%"}, {"cpu": 85.0}, "hand-made")
    built = _build_triggers("worker", (rule,), rollout, queue_name="t-jobs", vertical_alarms=(credits, net))
    check_conventions(built, "scaling_triggers", "ScalingTriggers")
    assert built.roles() == {"memory-in": ALARM, "memory-in-policy": POLICY, "health-cpu": ALARM,
                             "vertical-cpu": ALARM, "vertical-network": ALARM}
    assert built.named("t-worker-scaling-memory-in").inputs["metricQueries"] == [
        {"id": "m1", "returnData": False, "metric": {"namespace": "CWAgent", "metricName": "mem_used_percent",
                                                     "period": 60, "stat": "Average",
                                                     "dimensions": {"AutoScalingGroupName": "t-worker-asg"}}},
        {"id": "g1", "returnData": False, "metric": {"namespace": "AWS/EC2", "metricName": "CPUUtilization",
                                                     "period": 60, "stat": "Average",
                                                     "dimensions": {"AutoScalingGroupName": "t-worker-asg"}}},
        {"id": "g2", "returnData": False, "metric": {"namespace": "AWS/SQS",
                                                     "metricName": "ApproximateNumberOfMessagesVisible",
                                                     "period": 60, "stat": "Maximum",
                                                     "dimensions": {"QueueName": "t-jobs"}}},
        {"id": "e1", "expression": "IF(g1 > 70 || g2 > 1000, 40, m1)", "label": "memory (quiet while load is high)",
         "returnData": True}]
    assert built.named("t-worker-scaling-vertical-cpu").inputs == {
        "name": "t-worker-scaling-vertical-cpu", "namespace": "AWS/EC2", "metricName": "CPUCreditBalance",
        "period": 300, "statistic": "Minimum", "dimensions": {"AutoScalingGroupName": "t-worker-asg"},
        "comparisonOperator": "LessThanThreshold", "threshold": 20, "evaluationPeriods": 1,
        "treatMissingData": "notBreaching", "alarmDescription": "credits < 20",
        "tags": tags(NAMING_PROD, "worker-scaling", tier="worker")}
    network = built.named("t-worker-scaling-vertical-network").inputs
    assert [q.get("expression") or q["metric"]["metricName"] for q in network["metricQueries"]] == [
        "NetworkIn", "NetworkOut", "100 * MAX([m1, m2]) * 8 / PERIOD(m1) / 750000000"]
