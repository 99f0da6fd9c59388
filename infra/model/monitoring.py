"""Monitoring plan types (Issue 17): relay's warning/critical thresholds as alarms, the latency failover
rule, and which severity every alarm family notifies. Filled by infra/planning/monitoring.py, encoded by
components/monitoring.py (and components/traffic.py for the latency health checks).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Notification severities, most urgent first: one SNS topic per severity per region, and the `alerts`
# config section names its targets per severity (infra/config/alerts.py).
SEVERITIES = ("critical", "warning", "info")

# relay "Monitoring and Alerting" -> "Scaling Metrics" (ScalingMonitor.thresholds), percent:
# cpu {warning: 70, critical: 90}, memory {75, 95}, storage {80, 95}, network {70, 90}.
# evaluateScalingNeeds: above critical -> emergency (immediate_scale_up), above warning -> prepare_scale_up.
RELAY_THRESHOLDS: dict[str, dict[str, int]] = {
    "cpu": {"warning": 70, "critical": 90},
    "memory": {"warning": 75, "critical": 95},
    "storage": {"warning": 80, "critical": 95},
    "network": {"warning": 70, "critical": 90},
}
RELAY_SECTION = 'relay "Monitoring and Alerting" -> "Scaling Metrics" ScalingMonitor.thresholds'

# The Monitoring section gives no averaging window; the same runbook's "Auto-Scaling Implementation" ->
# "Metrics-Based Scaling" averages over evaluationPeriod = 5 * 60 * 1000 ms: one 300 s period.
RELAY_PERIOD_S = 300
RELAY_EVALUATION_PERIODS = 1

# Detailed monitoring (the launch template enables it): EC2 publishes NetworkOut every 60 s, the bytes of
# that minute; the ASG Average over any period is the mean of those one-minute samples per instance.
EC2_SAMPLE_S = 60

# Where each alarm family notifies (the severity topic of its region), and why.
ALARM_FAMILY_SEVERITY: dict[str, str] = {
    "data": "critical",      # replication lag, connection pool, storage > 85 %: the data tier needs a person now
    "latency": "warning",    # Route53 already shifts traffic away; someone should find out why the region is slow
    "scaling": "info",       # trigger alarms fire in normal operation: the scaling policy acts, people may read
}


@dataclass(frozen=True)
class ThresholdAlarm:
    """One relay threshold as a CloudWatch alarm over one metric (of a group, or MIN/MAX over databases)."""

    key: str                 # `<metric>-<severity>`, e.g. "cpu-warning": part of the alarm's name
    severity: str
    namespace: str
    metric_name: str
    statistic: str
    comparison: str
    threshold: float
    reason: str
    period_s: int = RELAY_PERIOD_S
    evaluation_periods: int = RELAY_EVALUATION_PERIODS

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {"severity": self.severity, "metric": f"{self.namespace} {self.metric_name} {self.statistic}",
                "comparison": self.comparison, "threshold": self.threshold, "period_s": self.period_s,
                "evaluation_periods": self.evaluation_periods, "reason": self.reason}


@dataclass(frozen=True)
class DatabaseGroup:
    """RDS instances of one region and class watched by one alarm set (the worst of them: MAX or MIN)."""

    region: str
    instance_class: str
    identifiers: tuple[str, ...]
    alarms: tuple[ThresholdAlarm, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {"region": self.region, "instance_class": self.instance_class, "identifiers": list(self.identifiers),
                "alarms": {a.key: a.to_dict() for a in self.alarms}}


# Where a latency health check goes (components/traffic.py): dns.record_name's weighted records alias the ALBs.
ATTACH_RECORDS = "weighted records"


@dataclass(frozen=True)
class LatencyRule:
    """novacron §4 `latency > threshold -> shift_traffic to nearest_healthy_region` for one region."""

    region: str
    threshold_s: float        # the region's latency_ms, in TargetResponseTime's unit
    extended_statistic: str   # p90
    period_s: int
    evaluation_periods: int
    insufficient_data_health_status: str  # Route53 CLOUDWATCH_METRIC check while the alarm has no data
    nearest_healthy: str | None  # where Route53 sends the region's share while its alarm is in ALARM
    severity: str
    reason: str
    # Where Route53 selects this region and the check is attached: ATTACH_RECORDS or "" (nowhere:
    # the alarm still notifies, no health check is created).
    attach: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {"attach": self.attach or None, "threshold_s": self.threshold_s, "statistic": self.extended_statistic, "period_s": self.period_s,
                "evaluation_periods": self.evaluation_periods,
                "insufficient_data_health_status": self.insufficient_data_health_status,
                "nearest_healthy": self.nearest_healthy, "severity": self.severity, "reason": self.reason}


@dataclass(frozen=True)
class MonitoringPlan:
    """Per group (`<region>/<tier>`) and per database group the relay alarms; per region the latency rule."""

    groups: dict[str, tuple[ThresholdAlarm, ...]]
    databases: tuple[DatabaseGroup, ...]
    latency: dict[str, LatencyRule]
    family_severity: dict[str, str] = field(default_factory=lambda: dict(ALARM_FAMILY_SEVERITY))
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return {
            "severities": list(SEVERITIES), "family_severity": dict(self.family_severity),
            "groups": {key: {a.key: a.to_dict() for a in alarms} for key, alarms in self.groups.items()},
            "databases": [d.to_dict() for d in self.databases],
            "latency": {region: rule.to_dict() for region, rule in self.latency.items()},
            "notes": list(self.notes),
        }
