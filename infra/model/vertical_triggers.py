"""novacron "1. Auto-scaling Triggers & Thresholds" -> "Vertical Scaling Triggers" as CloudWatch alarms.

Pure data: the runbook's three instance_resize triggers, named once, and the plan type of one alarm.
`infra/planning/vertical.py` decides which alarms a group gets and where each one leads (the next type
for the binding resource, from `infra/model/catalog.py`); `components/scaling_triggers.py` encodes them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

# cpu_intensive: trigger "cpu_credits < 20 for 5 minutes" (burstable types only: only they earn credits).
CPU_CREDITS_MIN = 20
CPU_CREDITS_MINUTES = 5
# EC2 publishes CPUCreditBalance every 5 minutes (no 1-minute data even with detailed monitoring), so the
# runbook's 5 minutes are one 300 s period.
CPU_CREDIT_PERIOD_S = 300
# memory_intensive: trigger "memory_pressure > 90% for 5 minutes" (CloudWatch agent mem_used_percent).
MEMORY_PRESSURE_PCT = 90
MEMORY_PRESSURE_MINUTES = 5
# network_intensive: trigger "network_throughput > 80% capacity"; capacity = the type's baseline bandwidth
# (catalog.InstanceSpec.network_gbps). The runbook gives no duration: ours, the 5 minutes of its siblings.
NETWORK_UTILISATION_PCT = 80
NETWORK_MINUTES = 5
VERTICAL_PERIOD_S = 60  # memory and network: 60 s periods, evaluation periods = the minutes


@dataclass(frozen=True)
class VerticalAlarm:
    """One vertical trigger of one group: metric(s), threshold, and the type it leads to when it fires."""

    resource: str  # the binding resource it signals: "cpu" | "memory" | "network"
    namespace: str
    metric_names: tuple[str, ...]  # one metric, or m1, m2, ... of `expression`
    statistic: str
    comparison: str
    threshold: float
    period_s: int
    evaluation_periods: int
    expression: str | None  # metric math over m1..mN (then the alarm uses metric queries)
    next_type: str | None  # where the ladder goes for this resource (None: no larger type in the catalog)
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return dataclasses.asdict(self) | {"metric_names": list(self.metric_names)}
