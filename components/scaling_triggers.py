"""ScalingTriggers: one tier's CloudWatch alarms and scaling policies, plus its rollback health alarms.

Encodes `infra.planning.scaling_policy.TierScaling.triggers` (novacron "Horizontal Scaling Triggers"), the
instance-refresh health alarms (novacron gradual_scaling check_health_metrics) and the vertical trigger
alarms (`TierScaling.vertical_alarms`, novacron "Vertical Scaling Triggers"). One alarm and one
policy per trigger direction per tier (not per AZ): the resource count stays flat as regions grow.
A scale-in rule with a load guard (infra/planning/drain.py) is a metric-math alarm
`IF(<load is high>, <threshold>, <metric>)`: while load is high it sits at its own threshold, which a
LessThanThreshold alarm never breaches, so its scale-in policy cannot fire. (Composite alarms would read
better but cannot invoke Auto Scaling policies.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.naming import Naming
from infra.model.scaling import RolloutPlan, TriggerRule
from infra.model.vertical_triggers import VerticalAlarm


def health_alarm_names(name: str, rollout: RolloutPlan, rules: Sequence[TriggerRule]) -> dict[str, str]:
    """Physical names of the rollback alarms (the ASG's instance refresh names them before they exist).

    Always the dedicated `<name>-health-<kind>` alarms (novacron §2 check_health_metrics: Average of one
    60 s period); no scale-out alarm is reused (the latency trigger is p99 over 2 periods). `rules` is kept
    for the callers' signature.
    """
    return {kind: f"{name}-health-{kind}" for kind in rollout.health_thresholds}


@dataclass(frozen=True)
class ScalingTriggersArgs:
    """A tier's group, its planned trigger rules and rollout, and the metric sources (ALB or queue)."""

    naming: Naming
    tier: str
    asg_name: pulumi.Input[str]
    rules: Sequence[TriggerRule]
    rollout: RolloutPlan
    load_balancer_arn_suffix: pulumi.Input[str] | None = None  # api tier: ALB metrics
    target_group_arn_suffix: pulumi.Input[str] | None = None
    queue_name: str | None = None  # worker tier: queue depth metric
    predictive: Mapping[str, Any] | None = None  # api tier with a demand history: forecast-only policy
    vertical_alarms: Sequence[VerticalAlarm] = ()  # novacron vertical triggers (no actions: they feed the ladder)


class ScalingTriggers(pulumi.ComponentResource):
    """`<name>-<trigger>-<out|in>` MetricAlarm + `<name>-<trigger>-<out|in>-policy` scaling policy
    (StepScaling with warm-up out, SimpleScaling with the runbook cooldown in)."""

    def __init__(self, name: str, args: ScalingTriggersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:scaling_triggers:ScalingTriggers", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.naming.tags(f"{args.tier}-scaling", tier=args.tier)
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        self.policies: dict[str, aws.autoscaling.Policy] = {}
        for rule in args.rules:
            key = f"{rule.trigger}-{rule.direction}"
            if rule.adjustment > 0:
                # Scale-out: step scaling, never blocked by a cooldown. AWS rejects Cooldown on
                # StepScaling; the runbook cooldown is the warm-up, during which the instances being
                # added count toward capacity, so a breach that persists does not add them again.
                policy = aws.autoscaling.Policy(
                    f"{name}-{key}-policy", autoscaling_group_name=args.asg_name, policy_type="StepScaling",
                    adjustment_type="ChangeInCapacity", metric_aggregation_type="Average",
                    estimated_instance_warmup=rule.cooldown_s,
                    step_adjustments=[{"metric_interval_lower_bound": "0", "scaling_adjustment": rule.adjustment}],
                    opts=child)
            else:
                # Scale-in: simple scaling, the only policy type that honours a cooldown. The alarm
                # re-invokes its action every period while it stays in ALARM, and AWS applies no
                # warm-up to step scale-in, so a step policy would remove instances every minute;
                # the runbook's "remove N, cooldown S" is exactly SimpleScaling + Cooldown. Its
                # cooldown blocks only simple (scale-in) policies, never the step scale-out above.
                policy = aws.autoscaling.Policy(
                    f"{name}-{key}-policy", autoscaling_group_name=args.asg_name, policy_type="SimpleScaling",
                    adjustment_type="ChangeInCapacity", scaling_adjustment=rule.adjustment,
                    cooldown=rule.cooldown_s, opts=child)
            self.policies[key] = policy
            self.alarms[key] = self._alarm(f"{name}-{key}", rule.comparison, rule.threshold,
                                           rule.evaluation_periods, rule, args, tags, [policy.arn], rule.reason)
        self._health_alarms(name, args, tags)
        for valarm in args.vertical_alarms:
            self.alarms[f"vertical-{valarm.resource}"] = self._vertical_alarm(f"{name}-vertical-{valarm.resource}",
                                                                            valarm, args, tags)
        if args.predictive and args.load_balancer_arn_suffix is not None:
            aws.autoscaling.Policy(
                f"{name}-predictive", autoscaling_group_name=args.asg_name, policy_type="PredictiveScaling",
                predictive_scaling_configuration={
                    "mode": args.predictive["mode"],
                    "metric_specification": {
                        "target_value": args.predictive["target_requests_per_instance_minute"],
                        "predefined_metric_pair_specification": {
                            "predefined_metric_type": args.predictive["metric"],
                            "resource_label": pulumi.Output.concat(args.load_balancer_arn_suffix, "/",
                                                                   args.target_group_arn_suffix)}}},
                opts=child)
        self.register_outputs({"alarm_names": [a.name for a in self.alarms.values()],
                               "policy_arns": [p.arn for p in self.policies.values()]})

    def _dimensions(self, kind: str, args: ScalingTriggersArgs, dimension_name: str | None = None) -> dict:
        if kind == "asg":
            return {"AutoScalingGroupName": args.asg_name}
        if kind == "target_group":
            return {"TargetGroup": args.target_group_arn_suffix}
        if kind == "load_balancer":
            return {"LoadBalancer": args.load_balancer_arn_suffix, "TargetGroup": args.target_group_arn_suffix}
        return {dimension_name or "QueueName": args.queue_name}

    def _alarm(self, alarm_name: str, comparison: str, threshold: float, periods: int, rule: TriggerRule,
               args: ScalingTriggersArgs, tags: dict, actions: list, description: str) -> aws.cloudwatch.MetricAlarm:
        metric = rule.metric
        common = dict(name=alarm_name, comparison_operator=comparison, threshold=threshold,
                      evaluation_periods=periods, alarm_actions=actions, alarm_description=description,
                      tags=tags, opts=pulumi.ResourceOptions(parent=self))
        dims = self._dimensions(metric.dimensions, args, metric.dimension_name)
        if rule.guard is not None:
            return aws.cloudwatch.MetricAlarm(alarm_name, metric_queries=self._guarded_queries(rule, args, dims),
                                              **common)
        if metric.expression:
            return aws.cloudwatch.MetricAlarm(alarm_name, metric_queries=[
                {"id": "m1", "return_data": False,
                 "metric": {"namespace": metric.namespace, "metric_name": metric.metric_name, "period": rule.period_s,
                            "stat": metric.statistic or metric.extended_statistic, "dimensions": dims}},
                {"id": "e1", "expression": metric.expression, "label": rule.trigger, "return_data": True}],
                **common)
        return aws.cloudwatch.MetricAlarm(
            alarm_name, namespace=metric.namespace, metric_name=metric.metric_name, period=rule.period_s,
            statistic=metric.statistic, extended_statistic=metric.extended_statistic, dimensions=dims, **common)

    def _guarded_queries(self, rule: TriggerRule, args: ScalingTriggersArgs, dims: dict) -> list[dict]:
        """m1 (the rule's metric), e0 (its expression, if any), g1.. (the load terms), e1 = the guarded value."""
        metric, guard = rule.metric, rule.guard
        assert guard is not None
        queries: list[dict] = [{"id": "m1", "return_data": False,
                                "metric": {"namespace": metric.namespace, "metric_name": metric.metric_name,
                                           "period": rule.period_s,
                                           "stat": metric.statistic or metric.extended_statistic, "dimensions": dims}}]
        value = "m1"
        if metric.expression:
            queries.append({"id": "e0", "expression": metric.expression, "label": rule.trigger, "return_data": False})
            value = "e0"
        ids = tuple(f"g{i}" for i in range(1, len(guard.terms) + 1))
        for gid, term in zip(ids, guard.terms):
            queries.append({"id": gid, "return_data": False, "metric": {
                "namespace": term.metric.namespace, "metric_name": term.metric.metric_name, "period": rule.period_s,
                "stat": term.metric.statistic or term.metric.extended_statistic,
                "dimensions": self._dimensions(term.metric.dimensions, args, term.metric.dimension_name)}})
        queries.append({"id": "e1", "expression": f"IF({guard.condition(ids)}, {rule.threshold:g}, {value})",
                        "label": f"{rule.trigger} (quiet while load is high)", "return_data": True})
        return queries

    def _vertical_alarm(self, alarm_name: str, valarm: VerticalAlarm, args: ScalingTriggersArgs,
                        tags: dict) -> aws.cloudwatch.MetricAlarm:
        """A vertical trigger: no alarm action (a type change is a plan change); its description names the
        type the ladder goes to, and the plan's `vertical.next_types` the same."""
        dims = {"AutoScalingGroupName": args.asg_name}
        common = dict(name=alarm_name, comparison_operator=valarm.comparison, threshold=valarm.threshold,
                      evaluation_periods=valarm.evaluation_periods, alarm_description=valarm.reason,
                      treat_missing_data="notBreaching", tags=tags, opts=pulumi.ResourceOptions(parent=self))
        if valarm.expression:
            queries: list[dict] = [
                {"id": f"m{i}", "return_data": False,
                 "metric": {"namespace": valarm.namespace, "metric_name": metric, "period": valarm.period_s,
                            "stat": valarm.statistic, "dimensions": dims}}
                for i, metric in enumerate(valarm.metric_names, start=1)]
            queries.append({"id": "e1", "expression": valarm.expression, "label": f"{valarm.resource} utilisation %",
                            "return_data": True})
            return aws.cloudwatch.MetricAlarm(alarm_name, metric_queries=queries, **common)
        return aws.cloudwatch.MetricAlarm(
            alarm_name, namespace=valarm.namespace, metric_name=valarm.metric_names[0], period=valarm.period_s,
            statistic=valarm.statistic, dimensions=dims, **common)

    def _health_alarms(self, name: str, args: ScalingTriggersArgs, tags: dict) -> None:
        """Rollback alarms of the instance refresh (no actions: the refresh watches them)."""
        names = health_alarm_names(name, args.rollout, args.rules)
        child = pulumi.ResourceOptions(parent=self)
        thresholds = args.rollout.health_thresholds
        for kind, alarm_name in names.items():
            desc = f"instance refresh rollback: {args.rollout.health_alarms[kind]}"
            common = dict(name=alarm_name, comparison_operator="GreaterThanThreshold", threshold=thresholds[kind],
                          evaluation_periods=args.rollout.health_evaluation_periods, treat_missing_data="notBreaching",
                          alarm_description=desc,
                          tags=tags, opts=child)
            lb = {"LoadBalancer": args.load_balancer_arn_suffix, "TargetGroup": args.target_group_arn_suffix}
            if kind == "error-rate":
                queries = [{"id": f"m{i}", "return_data": False,
                            "metric": {"namespace": "AWS/ApplicationELB", "metric_name": metric,
                                       "period": args.rollout.health_period_s, "stat": "Sum", "dimensions": lb}}
                           for i, metric in ((1, "HTTPCode_Target_5XX_Count"), (2, "RequestCount"))]
                queries.append({"id": "e1", "expression": "100 * m1 / m2", "label": "error rate %",
                                "return_data": True})
                self.alarms[f"health-{kind}"] = aws.cloudwatch.MetricAlarm(alarm_name, metric_queries=queries,
                                                                           **common)
            elif kind == "latency":
                self.alarms[f"health-{kind}"] = aws.cloudwatch.MetricAlarm(
                    alarm_name, namespace="AWS/ApplicationELB", metric_name="TargetResponseTime",
                    period=args.rollout.health_period_s, statistic=args.rollout.health_statistic, dimensions=lb,
                    **common)
            else:
                self.alarms[f"health-{kind}"] = aws.cloudwatch.MetricAlarm(
                    alarm_name, namespace="AWS/EC2", metric_name="CPUUtilization", period=args.rollout.health_period_s,
                    statistic=args.rollout.health_statistic, dimensions={"AutoScalingGroupName": args.asg_name},
                    **common)
