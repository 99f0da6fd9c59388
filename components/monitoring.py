"""RegionMonitoring: one region's severity topics, relay threshold alarms, latency failover alarm and check.

Encodes infra/planning/monitoring.py (infra.model.monitoring.MonitoringPlan) for one region:
- one SNS topic per severity (`<name>-<severity>`), encrypted with the region's alerts key, and one
  subscription per target of that severity (config `alerts`, Issue 17); a PagerDuty integration URL
  arrives as a Pulumi secret and is subscribed as `https`;
- relay's warning/critical cpu/memory/network alarms on every group and cpu/memory/storage alarms on
  every database group (MIN/MAX over up to 10 instances), each notifying its severity's topic;
- the latency failover alarm (ALB TargetResponseTime p90 > latency_ms) and the Route53 CLOUDWATCH_METRIC
  health check bound to it, which the program attaches where Route53 selects this region (traffic.py,
  edge.py origin records);
- EventBridge rules that send the state changes of alarms this component does not own (scaling triggers,
  data alarms: matched by name prefix) to their family's severity topic.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.naming import Naming
from infra.model.monitoring import DatabaseGroup, LatencyRule, ThresholdAlarm

KMS_DELETION_WINDOW_DAYS = 30  # the longest AWS allows
_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]


def alerts_key_policy(account_id: str) -> str:
    """Account admins manage the key; CloudWatch alarms and EventBridge may encrypt messages to the topics.

    The service statement holds only for this account's alarms and rules (aws:SourceAccount: the
    confused-deputy guard the kms-key-hardened rule requires, issue 16)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdmin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AlarmPublishers", "Effect": "Allow", "Principal": {"Service": _PUBLISHERS},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]})


def topic_policy(topic_arn: str, account_id: str) -> str:
    """CloudWatch alarms and EventBridge rules of this account may publish to the topic."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AlarmPublishers", "Effect": "Allow", "Principal": {"Service": _PUBLISHERS},
         "Action": "sns:Publish", "Resource": topic_arn,
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]})


def alarm_state_pattern(prefixes: Sequence[str]) -> str:
    """EventBridge pattern: an alarm whose name starts with one of `prefixes` went to ALARM."""
    return json.dumps({"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
                       "detail": {"alarmName": [{"prefix": p} for p in prefixes], "state": {"value": ["ALARM"]}}})


@dataclass(frozen=True)
class GroupWatch:
    """One Auto Scaling group and its relay alarms."""

    tier: str
    asg_name: pulumi.Input[str]
    alarms: Sequence[ThresholdAlarm]


@dataclass(frozen=True)
class RegionMonitoringArgs:
    """Everything of one region the monitoring plan decided, plus the resources it watches."""

    naming: Naming
    region: str
    account_id: pulumi.Input[str]
    severities: Sequence[str]
    # severity -> (SNS protocol, endpoint); endpoints in clear, named by a hash of the endpoint
    subscriptions: Mapping[str, Sequence[tuple[str, str]]]
    # severity -> the PagerDuty integration URL (a Pulumi secret), subscribed as https
    secret_subscriptions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    groups: Sequence[GroupWatch] = ()
    databases: Sequence[DatabaseGroup] = ()
    latency: LatencyRule | None = None
    load_balancer_arn_suffix: pulumi.Input[str] | None = None  # the region's ALB (latency rule)
    # severity -> alarm-name prefixes routed there by EventBridge (alarms other components own)
    routed_prefixes: Mapping[str, Sequence[str]] = field(default_factory=dict)


class RegionMonitoring(pulumi.ComponentResource):
    """Severity topics + subscriptions, relay alarms, latency alarm + Route53 check, EventBridge routes."""

    def __init__(self, name: str, args: RegionMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:monitoring:RegionMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.naming.tags
        account = pulumi.Output.from_input(args.account_id)
        self.key = aws.kms.Key(f"{name}-key", description=f"{args.naming.stack} alert topics in {args.region}",
                               enable_key_rotation=True, deletion_window_in_days=KMS_DELETION_WINDOW_DAYS,
                               policy=account.apply(alerts_key_policy), tags=tags("alerts-key"),
                               # a KMS key counts as stateful (infra/model/replacement.py): never deleted by a plan
                               opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
        self.topics: dict[str, aws.sns.Topic] = {}
        for severity in args.severities:
            topic = aws.sns.Topic(f"{name}-{severity}", kms_master_key_id=self.key.arn,
                                  tags=tags("alerts", severity=severity), opts=child)
            self.topics[severity] = topic
            aws.sns.TopicPolicy(f"{name}-{severity}-policy", arn=topic.arn,
                                policy=pulumi.Output.all(topic.arn, account).apply(lambda a: topic_policy(*a)),
                                opts=child)
            for protocol, endpoint in args.subscriptions.get(severity, ()):
                # Named by a hash of the endpoint, not its position: adding a target never renames the others.
                digest = hashlib.sha256(endpoint.encode()).hexdigest()[:8]
                aws.sns.TopicSubscription(f"{name}-{severity}-{protocol}-{digest}", topic=topic.arn,
                                          protocol=protocol, endpoint=endpoint, opts=child)
            if severity in args.secret_subscriptions:
                aws.sns.TopicSubscription(f"{name}-{severity}-pagerduty", topic=topic.arn, protocol="https",
                                          endpoint=args.secret_subscriptions[severity], opts=child)
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for group in args.groups:
            for alarm in group.alarms:
                self._alarm(f"{name}-{group.tier}-{alarm.key}", alarm, None, tags,
                            dimensions={"AutoScalingGroupName": group.asg_name})
        chunks: dict[str, int] = {}
        for db in args.databases:
            # Named by class and chunk (not by position): a new class or region never renames the others.
            group = f"{db.instance_class.replace('db.', '').replace('.', '-')}-{chunks.setdefault(db.instance_class, 0)}"
            chunks[db.instance_class] += 1
            for alarm in db.alarms:
                worst = "MIN" if alarm_is_free(alarm) else "MAX"
                queries = [{"id": f"m{j}", "return_data": False,
                            "metric": self._metric(alarm, {"DBInstanceIdentifier": ident})}
                           for j, ident in enumerate(db.identifiers)]
                queries.append({"id": "worst", "expression": f"{worst}(METRICS())", "return_data": True,
                                "label": f"{worst.lower()} {alarm.metric_name}"})
                self._alarm(f"{name}-db-{group}-{alarm.key}", alarm, queries, tags,
                            f" (instances: {', '.join(db.identifiers)})")
        self.latency_check: aws.route53.HealthCheck | None = None
        if args.latency is not None and args.load_balancer_arn_suffix is not None:
            rule = args.latency
            topic = self.topics[rule.severity].arn
            alarm_name = f"{name}-latency-failover"
            self.latency_alarm = aws.cloudwatch.MetricAlarm(
                alarm_name, name=alarm_name, namespace="AWS/ApplicationELB", metric_name="TargetResponseTime",
                dimensions={"LoadBalancer": args.load_balancer_arn_suffix}, extended_statistic=rule.extended_statistic,
                period=rule.period_s, evaluation_periods=rule.evaluation_periods,
                comparison_operator="GreaterThanThreshold", threshold=rule.threshold_s,
                treat_missing_data="notBreaching", alarm_description=rule.reason,
                alarm_actions=[topic], ok_actions=[topic], tags=tags("latency-failover"), opts=child)
        if args.latency is not None and args.load_balancer_arn_suffix is not None and args.latency.attach:
            # Route53 reads the alarm's state: unhealthy while it is in ALARM, so the records carrying this
            # check stop answering with this region (AWS Route53 "CLOUDWATCH_METRIC" health checks).
            self.latency_check = aws.route53.HealthCheck(
                f"{name}-latency-hc", type="CLOUDWATCH_METRIC", cloudwatch_alarm_name=self.latency_alarm.name,
                cloudwatch_alarm_region=args.region,  # the alarm lives in the region it watches
                insufficient_data_health_status=rule.insufficient_data_health_status,
                tags=tags("latency-health-check", region=args.region), opts=child)
        for severity, prefixes in args.routed_prefixes.items():
            if not prefixes:
                continue
            rule_res = aws.cloudwatch.EventRule(f"{name}-{severity}-route", event_pattern=alarm_state_pattern(prefixes),
                                                description=f"alarms routed to the {severity} topic",
                                                tags=tags("alerts-route", severity=severity), opts=child)
            aws.cloudwatch.EventTarget(f"{name}-{severity}-route-target", rule=rule_res.name,
                                       arn=self.topics[severity].arn, opts=child)
        self.register_outputs({"topics": {s: t.arn for s, t in self.topics.items()},
                               "latency_check_id": self.latency_check.id if self.latency_check else None})

    @staticmethod
    def _metric(alarm: ThresholdAlarm, dimensions: dict) -> dict:
        return {"namespace": alarm.namespace, "metric_name": alarm.metric_name, "period": alarm.period_s,
                "stat": alarm.statistic, "dimensions": dimensions}

    def _alarm(self, alarm_name: str, alarm: ThresholdAlarm, queries: list | None, tags, suffix: str = "",
               dimensions: dict | None = None) -> None:
        """One relay alarm: on one metric (`dimensions`) or on metric math over several (`queries`)."""
        topic = self.topics[alarm.severity].arn
        source: dict = ({"metric_queries": queries} if queries is not None else
                        {"namespace": alarm.namespace, "metric_name": alarm.metric_name, "period": alarm.period_s,
                         "statistic": alarm.statistic, "dimensions": dimensions})
        self.alarms[alarm_name] = aws.cloudwatch.MetricAlarm(
            alarm_name, name=alarm_name, **source, comparison_operator=alarm.comparison,
            threshold=alarm.threshold, evaluation_periods=alarm.evaluation_periods,
            alarm_description=alarm.reason + suffix, alarm_actions=[topic], ok_actions=[topic],
            tags=tags("relay-threshold", severity=alarm.severity), opts=pulumi.ResourceOptions(parent=self))


def alarm_is_free(alarm: ThresholdAlarm) -> bool:
    """A "free below" alarm (FreeStorageSpace, FreeableMemory): the worst instance is the MIN."""
    return alarm.comparison == "LessThanThreshold"
