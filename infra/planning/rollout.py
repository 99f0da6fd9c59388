"""Instance refresh planning (novacron "2." gradual_scaling): checkpoints and auto-rollback alarms. Pure."""
from __future__ import annotations

import math

from infra.config import PlatformConfig
from infra.model.scaling import (
    HEALTH_CHECK_EVALUATION_PERIODS,
    HEALTH_CHECK_PERIOD_S,
    HEALTH_CHECK_STATISTIC,
    RolloutPlan,
)
from infra.model.tiers import FRONT_TIER


def plan_rollout(cfg: PlatformConfig, tier: str, desired: int) -> RolloutPlan:
    """Instance refresh: novacron gradual_scaling steps of step_size instances, step_delay apart, with the
    check_health_metrics limits as rollback alarms."""
    r = cfg.scaling.rollout
    steps = max(1, math.ceil(max(desired, 1) / r.step_size))
    count = min(steps, r.max_checkpoints)
    checkpoints = tuple(sorted({math.ceil(100 * i / count) for i in range(1, count + 1)}))
    read = f"{HEALTH_CHECK_STATISTIC} of {HEALTH_CHECK_PERIOD_S} s, {HEALTH_CHECK_EVALUATION_PERIODS} period"
    alarms = {"cpu": f"CPUUtilization {read} > {r.cpu_pct:g}%"}
    thresholds = {"cpu": r.cpu_pct}
    if tier == FRONT_TIER:  # error rate and latency are ALB metrics: only the front (api) tier has them
        # latency: check_health_metrics `get_metric('TargetResponseTime', 'Average', 60) > 500` (ms); ALB
        # reports seconds, so the threshold is latency_ms / 1000 = 0.5 s. A dedicated alarm: the p99
        # scale-out alarm (2 periods) is a different statistic and duration.
        alarms = {"error-rate": f"5XX / requests (sums of {HEALTH_CHECK_PERIOD_S} s) > {r.error_rate_pct:g}%",
                  "latency": f"TargetResponseTime {read} > {r.latency_ms:g} ms", **alarms}
        thresholds = {"error-rate": r.error_rate_pct, "latency": round(r.latency_ms / 1000, 6), **thresholds}
    return RolloutPlan(r.min_healthy_percentage, checkpoints, r.step_delay_s, r.auto_rollback, alarms, thresholds,
                       f"ceil(desired {desired} / step_size {r.step_size}) = {steps} steps"
                       + (f", capped at {r.max_checkpoints} checkpoints" if steps > count else "")
                       + f", {r.step_delay_s} s apart, >= {r.min_healthy_percentage}% healthy; auto-rollback on "
                       + ", ".join(alarms.values()))
