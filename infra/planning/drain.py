"""Draining workers and the high-load guard (novacron §2 emergency-scale.sh scale_down_safely). Pure.

- `plan_drain`: batch tiers (the role that consumes the job queue) get a termination lifecycle hook whose
  heartbeat covers the longest job (`tiers.<t>.longest_job_s`, default DEFAULT_LONGEST_JOB_S), so the group
  waits while the instance's handler stops taking jobs, finishes the current one and completes the hook.
  AWS caps the heartbeat at HEARTBEAT_MAX_S: past it the handler records heartbeats (every half timeout) up
  to the longest job, then completes the hook anyway.
- `with_load_guard`: the runbook aborts a scale-down while "Current load is high" but its
  check_current_load has no number. Ours: load is high while a scale-out condition of the tier holds --
  CPU above scaling.triggers.cpu.scale_out.threshold (70 %, §1 cpu_based) and, for queue consumers, the queue
  above scaling.triggers.queue.scale_out.threshold (1000 messages, §1 queue_depth). Every scale-in rule gets
  that guard (except on its own metric, where scale-out and scale-in cannot both hold), encoded as metric
  math in its alarm: it evaluates to the alarm's threshold (never a breach) while load is high.
"""
from __future__ import annotations

import dataclasses

from infra.config import PlatformConfig
from infra.model.drain import (
    DEFAULT_LONGEST_JOB_S,
    DEFAULT_RESULT,
    DRAIN_HOOK_NAME,
    DRAIN_POLL_S,
    HEARTBEAT_MAX_S,
    HEARTBEAT_MIN_S,
    TERMINATING_TRANSITION,
    DrainPlan,
)
from infra.model.scaling import TRIGGER_METRICS, GuardTerm, LoadGuard, MetricSpec, TriggerRule


def longest_job_s(cfg: PlatformConfig, tier: str) -> tuple[int, str]:
    """(seconds, where it came from) for a batch tier's longest job."""
    given = cfg.tiers.get(tier).longest_job_s
    if given is not None:
        return given, f"tiers.{tier}.longest_job_s = {given} s"
    return DEFAULT_LONGEST_JOB_S, (f"default {DEFAULT_LONGEST_JOB_S} s (the runbook's wait_for_jobs_completion has "
                                   "no bound; AWS's default heartbeat; set tiers.<tier>.longest_job_s)")


def plan_drain(cfg: PlatformConfig, tier: str) -> DrainPlan | None:
    """The termination hook of a queue-consuming tier (None for other tiers: nothing to drain)."""
    if not cfg.tiers.role(tier).consumes_queue:
        return None
    longest, source = longest_job_s(cfg, tier)
    heartbeat = min(max(longest, HEARTBEAT_MIN_S), HEARTBEAT_MAX_S)
    every = heartbeat // 2 if longest > heartbeat else None
    reason = (f"novacron §2 scale_down_safely worker: stop accepting jobs, wait for current jobs, then scale down; "
              f"termination hook heartbeat {heartbeat} s from the longest job ({source})")
    if every:
        reason += (f"; AWS caps the heartbeat at {HEARTBEAT_MAX_S} s, so the handler records a heartbeat every "
                   f"{every} s while a job runs, up to {longest} s")
    reason += (f"; default result {DEFAULT_RESULT} (on termination both results terminate; CONTINUE still runs "
               "the group's other termination hooks, ABANDON would skip them)")
    return DrainPlan(DRAIN_HOOK_NAME, TERMINATING_TRANSITION, heartbeat, longest, DEFAULT_RESULT, every,
                     DRAIN_POLL_S, reason)


def load_terms(cfg: PlatformConfig, tier: str) -> tuple[GuardTerm, ...]:
    """What "load is high" means for `tier` (module docstring)."""
    triggers = cfg.scaling.triggers
    terms = [GuardTerm("cpu", TRIGGER_METRICS["cpu"], triggers.cpu.scale_out.threshold)]
    if cfg.tiers.role(tier).consumes_queue:
        q = cfg.scaling.queue
        terms.append(GuardTerm("queue", MetricSpec(q.namespace, q.metric_name, q.statistic, None, "queue",
                                                   dimension_name=q.dimension_name),
                               triggers.queue.scale_out.threshold))
    return tuple(terms)


def with_load_guard(cfg: PlatformConfig, tier: str, rules: tuple[TriggerRule, ...]) -> tuple[TriggerRule, ...]:
    """`rules` with every scale-in rule guarded against firing while load is high."""
    terms = load_terms(cfg, tier)
    out = []
    for rule in rules:
        mine = tuple(t for t in terms if t.trigger != rule.trigger)
        if rule.direction != "in" or not mine:
            out.append(rule)
            continue
        high = " or ".join(f"{t.metric.metric_name} > {t.threshold:g} (scaling.triggers.{t.trigger}.scale_out)"
                           for t in mine)
        guard = LoadGuard(mine, f"novacron §2 scale_down_safely 'Current load is high. Scale-down aborted.': "
                                f"quiet while {high}")
        out.append(dataclasses.replace(rule, guard=guard))
    return tuple(out)
