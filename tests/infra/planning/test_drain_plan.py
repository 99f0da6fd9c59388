"""Draining workers: the hook plan, the high-load guard on scale-in rules, emergency down for workers."""
from __future__ import annotations

import pytest

from infra.config import parse_platform
from infra.planning.drain import plan_drain, with_load_guard
from infra.planning.pipeline import plan_stack
from infra.planning.scaling_policy import trigger_rules
from tests.conftest import stack_platform


def _cfg(stack="prod", *overrides):
    platform, _ = stack_platform(stack, tuple(overrides))
    return parse_platform(platform, f"Pulumi.{stack}.yaml")


def test_worker_drain_plan_defaults():
    drain = plan_drain(_cfg(), "worker")
    assert (drain.hook_name, drain.lifecycle_transition, drain.heartbeat_timeout_s, drain.longest_job_s,
            drain.default_result, drain.heartbeat_every_s, drain.poll_s) == (
        "drain-jobs", "autoscaling:EC2_INSTANCE_TERMINATING", 3600, 3600, "CONTINUE", None, 10)
    assert "default 3600 s" in drain.reason and "CONTINUE" in drain.reason
    assert plan_drain(_cfg(), "api") is None  # nothing to drain behind the ALB (the target group deregisters)


@pytest.mark.parametrize("longest,heartbeat,every", [(1800, 1800, None), (7200, 7200, None), (10800, 7200, 3600),
                                                     (172800, 7200, 3600)])
def test_long_jobs_keep_the_hook_alive_with_heartbeats(longest, heartbeat, every):
    drain = plan_drain(_cfg("prod", f"tiers.worker.longest_job_s={longest}"), "worker")
    assert (drain.heartbeat_timeout_s, drain.heartbeat_every_s, drain.longest_job_s) == (heartbeat, every, longest)


def test_every_scale_in_rule_is_guarded_except_on_its_own_metric():
    cfg = _cfg()
    worker = {(r.trigger, r.direction): r for r in with_load_guard(cfg, "worker", trigger_rules(cfg, "worker"))}
    assert all(r.guard is None for (_, d), r in worker.items() if d == "out")
    high = {k: [(t.metric.metric_name, t.threshold) for t in r.guard.terms] for k, r in worker.items() if r.guard}
    assert high == {("cpu", "in"): [("ApproximateNumberOfMessagesVisible", 1000)],
                    ("memory", "in"): [("CPUUtilization", 70), ("ApproximateNumberOfMessagesVisible", 1000)],
                    ("queue", "in"): [("CPUUtilization", 70)]}
    api = {(r.trigger, r.direction): r for r in with_load_guard(cfg, "api", trigger_rules(cfg, "api"))}
    assert api[("cpu", "in")].guard is None
    assert [t.threshold for t in api[("latency", "in")].guard.terms] == [70]
    assert api[("memory", "in")].guard.condition(("g1",)) == "g1 > 70"


def test_emergency_down_for_workers_lowers_desired_and_min_only():
    base = plan_stack(_cfg()).regions["us-east-1"].tiers["worker"]
    down = plan_stack(_cfg("prod", "emergency.mode=down", "emergency.target=worker")).regions["us-east-1"]
    worker = down.tiers["worker"]
    assert (base.min, base.desired, base.max) == (10, 22, 200)  # min: the queue rule's min_workers 10
    assert (worker.min, worker.desired, worker.max) == (5, 12, 200)  # 22 - worker_step 10, never below 5
    assert worker.reasons["desired"].startswith("EMERGENCY down: min 10->5, desired 22->12 (-10 worker_step, never "
                                                "below 5), max 200 kept; running jobs finish")
    recorded = plan_stack(_cfg("prod", "emergency.mode=down", "emergency.target=worker",
                               "emergency.live_desired={us-east-1: {worker: 13}}")).regions["us-east-1"]
    assert recorded.tiers["worker"].desired == 5  # 13 - 10 = 3, floored at the runbook's 5 workers
    assert down.tiers["api"].desired == plan_stack(_cfg()).regions["us-east-1"].tiers["api"].desired  # untargeted
