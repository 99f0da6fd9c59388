"""Scaling hygiene: step/simple scaling that cannot flap.

Scale direction: scaling policies by the sign of their adjustments; alarms by `comparisonOperator`
(GreaterThan… = scale out, LessThan… = scale in), paired by metric (namespace, metricName,
dimensions) within one parent component.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infra.model.recorded import RecordedResource
from infra.model.references import ReferenceIndex
from policies.rules.base import MANDATORY, StackPolicy, Violation
from policies.rules.props import METRIC_ALARM, SCALING_POLICY, num

NO_WARMUP = "scale-out policy has neither cooldown nor estimatedInstanceWarmup"
STEP_SCALE_IN = ("scale-in policy is not SimpleScaling with a cooldown: the alarm re-invokes it every period, "
                 "removing instances each minute")
SCALE_IN_FASTER = ("scale-in cooldown {in_cooldown:g}s is shorter than the scale-out cooldown "
                   "{out_cooldown:g}s of {policy}")
SCALE_IN_INSIDE_BAND = "scale-in threshold {t_in:g} on {metric} is inside the scale-out band of {alarm} (>= {t_out:g})"


def _policy_direction(props: Mapping[str, Any]) -> int:
    """+1 scale out, −1 scale in, 0 neither (target tracking / predictive)."""
    adjustments = [num(s.get("scalingAdjustment")) for s in props.get("stepAdjustments") or []]
    if props.get("scalingAdjustment") is not None:
        adjustments.append(num(props.get("scalingAdjustment")))
    known = [a for a in adjustments if a]
    if known and all(a > 0 for a in known):
        return 1
    if known and all(a < 0 for a in known):
        return -1
    return 0


def _alarm_direction(props: Mapping[str, Any]) -> int:
    op = str(props.get("comparisonOperator") or "")
    return 1 if op.startswith("GreaterThan") else -1 if op.startswith("LessThan") else 0


def _metric_key(alarm: RecordedResource) -> tuple[str, str, str, str]:
    """What an alarm watches: namespace, metric (or the metric-math expression over its metrics),
    dimensions, and the component it belongs to. Two alarms are a scale-out/scale-in pair only
    when this key is equal."""
    p = alarm.inputs
    queries = p.get("metricQueries") or []
    if queries:
        metrics = [q.get("metric") or {} for q in queries]
        expression = next((q.get("expression") for q in queries if q.get("returnData")), "") or ""
        name = f"{expression}({','.join(str(m.get('metricName') or '') for m in metrics)})"
        namespace = ",".join(sorted({str(m.get("namespace") or "") for m in metrics}))
        dimensions: Any = [m.get("dimensions") or {} for m in metrics]
    else:
        name, namespace = str(p.get("metricName") or ""), str(p.get("namespace") or "")
        dimensions = p.get("dimensions")
    return (namespace, name, json.dumps(dimensions or {}, sort_keys=True, default=str), alarm.parent or "")


def _cooldown(props: Mapping[str, Any]) -> float | None:
    for key in ("cooldown", "estimatedInstanceWarmup"):
        if num(props.get(key)) is not None:
            return num(props.get(key))
    return None


def scaling_hygiene(resources: list[RecordedResource], config: Any = None) -> list[Violation]:
    """Step/simple scaling that cannot flap.

    1. every scale-out policy sets `cooldown` or `estimatedInstanceWarmup`; every scale-in policy is
       SimpleScaling with a `cooldown` (an alarm re-invokes its action every period while in ALARM
       and AWS applies no warm-up to step scale-in, so a step scale-in removes instances each minute);
    2. per metric (the alarm that triggers the policy; else the policy's ASG), the shortest
       scale-in cooldown ≥ the longest scale-out cooldown (scale in slower than out);
    3. per metric, every scale-in alarm threshold lies below every scale-out threshold
       (a scale-in threshold inside the scale-out band makes the group oscillate).
    """
    out: list[Violation] = []
    policies = [r for r in resources if r.type == SCALING_POLICY and _policy_direction(r.inputs)]
    alarms = [r for r in resources if r.type == METRIC_ALARM and _alarm_direction(r.inputs)]

    metric_of: dict[str, tuple] = {}
    by_reference = ReferenceIndex(policies)  # one index for every alarm action: O(alarms + policies)
    for alarm in alarms:
        for action in alarm.inputs.get("alarmActions") or []:
            target = by_reference.find(action) if isinstance(action, str) and action else None
            if target is not None:
                metric_of[target.name] = _metric_key(alarm)

    groups: dict[tuple, list[RecordedResource]] = {}
    for pol in policies:
        if _policy_direction(pol.inputs) > 0 and _cooldown(pol.inputs) is None:
            out.append(Violation(pol.name, NO_WARMUP))
        if _policy_direction(pol.inputs) < 0 and (pol.inputs.get("policyType") != "SimpleScaling"
                                                  or num(pol.inputs.get("cooldown")) is None):
            out.append(Violation(pol.name, STEP_SCALE_IN))
        key = metric_of.get(pol.name) or ("asg", str(pol.inputs.get("autoscalingGroupName") or pol.parent or ""))
        groups.setdefault(key, []).append(pol)
    for key, members in groups.items():
        outs = [(p, _cooldown(p.inputs) or 0.0) for p in members if _policy_direction(p.inputs) > 0]
        ins = [(p, _cooldown(p.inputs) or 0.0) for p in members if _policy_direction(p.inputs) < 0]
        if not outs or not ins:
            continue
        out_pol, out_cd = max(outs, key=lambda t: t[1])
        for in_pol, in_cd in ins:
            if in_cd < out_cd:
                out.append(Violation(in_pol.name, SCALE_IN_FASTER.format(
                    in_cooldown=in_cd, out_cooldown=out_cd, policy=out_pol.name)))

    by_metric: dict[tuple, list[RecordedResource]] = {}
    for alarm in alarms:
        by_metric.setdefault(_metric_key(alarm), []).append(alarm)
    for key, members in by_metric.items():
        thresholds = {a.name: num(a.inputs.get("threshold")) for a in members}
        out_alarms = [(a, t) for a in members if _alarm_direction(a.inputs) > 0 and (t := thresholds[a.name]) is not None]
        in_alarms = [(a, t) for a in members if _alarm_direction(a.inputs) < 0 and (t := thresholds[a.name]) is not None]
        if not out_alarms or not in_alarms:
            continue
        low_out, t_out = min(out_alarms, key=lambda pair: pair[1])
        for a, t_in in in_alarms:
            if t_in >= t_out:
                out.append(Violation(a.name, SCALE_IN_INSIDE_BAND.format(
                    t_in=t_in, metric=key[1], alarm=low_out.name, t_out=t_out)))
    return out


SCALING_HYGIENE = StackPolicy(
    "scaling-hygiene",
    "Scaling policies have warm-up/cooldowns, scale in slower than out, "
    "and scale-in alarms sit below the scale-out band.",
    MANDATORY, scaling_hygiene, messages=(NO_WARMUP, STEP_SCALE_IN, SCALE_IN_FASTER, SCALE_IN_INSIDE_BAND))
