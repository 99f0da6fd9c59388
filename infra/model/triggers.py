"""The horizontal scaling trigger table of novacron "1. Auto-scaling Triggers & Thresholds".

Pure data (no pulumi, no boto3): one row per metric and direction, exactly the runbook's numbers.
This table is the only place these numbers live: `infra/config/scaling.py` builds the `scaling.triggers`
config defaults from it, and both the ASG alarms/step policies (`infra/planning/scaling_policy.py`) and the
Kubernetes HPA/KEDA behaviour (`infra/planning/edge_plan.py`) read the *configured* rows
(`scaling_config.configured_trigger`), so a stack override changes both the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down"]


@dataclass(frozen=True)
class TriggerRule:
    """One runbook rule: when `metric` crosses `threshold` for `duration_min`, move by `step`.

    `step` is signed (+ adds instances/pods/workers, - removes); `cooldown_s` is the runbook's
    cooldown after an action; `bound` is the runbook's max (up rules) or min (down rules).
    """

    metric: str
    direction: Direction
    threshold: float
    unit: str
    duration_min: float
    step: int
    cooldown_s: int
    bound: int

    @property
    def duration_s(self) -> int:
        """`duration_min` in whole seconds."""
        return int(round(self.duration_min * 60))


# novacron "1. Auto-scaling Triggers & Thresholds" -> horizontal_scaling_rules.
TRIGGERS: tuple[TriggerRule, ...] = (
    # cpu_based: "avg_cpu > 70% for 2 minutes" add 2, cooldown 300, max 100 /
    #            "avg_cpu < 30% for 10 minutes" remove 1, cooldown 600, min 3
    TriggerRule("cpu", "up", 70, "percent", 2, +2, 300, 100),
    TriggerRule("cpu", "down", 30, "percent", 10, -1, 600, 3),
    # memory_based: "> 80% for 3 minutes" add 2, cd 300, max 100 / "< 40% for 15 minutes" remove 1, cd 600, min 3
    TriggerRule("memory", "up", 80, "percent", 3, +2, 300, 100),
    TriggerRule("memory", "down", 40, "percent", 15, -1, 600, 3),
    # request_based: "requests_per_instance > 1000 for 1 minute" add 3, cd 180, max 150 /
    #                "< 200 for 20 minutes" remove 2, cd 900, min 5
    TriggerRule("requests", "up", 1000, "requests_per_instance", 1, +3, 180, 150),
    TriggerRule("requests", "down", 200, "requests_per_instance", 20, -2, 900, 5),
    # latency_based: "p99_latency > 500ms for 2 minutes" add 4, cd 240, max 100 /
    #                "< 100ms for 30 minutes" remove 1, cd 1200, min 3
    TriggerRule("latency", "up", 500, "p99_ms", 2, +4, 240, 100),
    TriggerRule("latency", "down", 100, "p99_ms", 30, -1, 1200, 3),
    # queue_depth: "queue_depth > 1000 messages" add 5 workers, cd 120, max_workers 200 /
    #              "queue_depth < 100 for 15 minutes" remove 2 workers, cd 600, min_workers 10
    # (the scale-up has no duration in the runbook: it acts on the first breach).
    TriggerRule("queue_depth", "up", 1000, "messages", 0, +5, 120, 200),
    TriggerRule("queue_depth", "down", 100, "messages", 15, -2, 600, 10),
)


def trigger(metric: str, direction: Direction) -> TriggerRule:
    """The one rule for (metric, direction); KeyError names what exists."""
    for rule in TRIGGERS:
        if rule.metric == metric and rule.direction == direction:
            return rule
    raise KeyError(f"no trigger {metric}/{direction}; have {sorted({r.metric for r in TRIGGERS})}")
