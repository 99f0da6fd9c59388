"""infra/planning/k8s_specs.py: scale-up speed, PDB, spread, KEDA role documents (pure values)."""
from __future__ import annotations

from infra.model.triggers import TriggerRule, trigger
from infra.planning import k8s_specs as ks

CPU, MEMORY = trigger("cpu", "up"), trigger("memory", "up")


def test_steps_follow_the_hpa_rounding():
    assert ks.scale_up_steps(10, 100, 2) == 4          # 10 -> 20 -> 40 -> 80 -> 100
    assert ks.scale_up_steps(10, 200, 5) == 5          # ... -> 160 -> 200
    assert ks.scale_up_steps(1, 10, 4) == 2            # 1 -> 5 (+4 beats x2) -> 10 (x2)
    assert ks.scale_up_steps(3, 7, 1) == 2             # 3 -> 6 -> 7
    assert ks.scale_up_steps(10, 10, 2) == 0
    assert ks.scale_up_steps(10, 100, 2, percent=0) == 45  # the runbook's pace: +2 per step


def test_scale_up_fits_min_to_max_in_the_runbook_cooldown():
    plan = ks.scale_up(10, 100, [CPU, MEMORY], "Max")
    assert plan.behavior == {"stabilizationWindowSeconds": 120, "selectPolicy": "Max", "policies": [
        {"type": "Percent", "value": 100, "periodSeconds": 90}, {"type": "Pods", "value": 2, "periodSeconds": 90}]}
    # 3 periods after the first step: 270 s <= the 300 s cooldown, plus the 120 s trigger window
    assert (plan.steps_to_max, plan.period_s, plan.time_to_max_s) == (4, 90, 390)
    assert "max 390 s (6.5 min)" in plan.reason and "45 steps, 13320 s (222 min)" in plan.reason


def test_scale_up_period_never_below_the_hpa_sync_period():
    wide = TriggerRule("queue_depth", "up", 1000, "messages", 1, 5, 120, 10_000)
    plan = ks.scale_up(1, 10_000, [wide], "Max")
    assert plan.period_s == ks.HPA_SYNC_PERIOD_S == 15
    # 1 -> 6 (+5) -> 12 -> ... -> 6144 -> 10000: 12 steps, the last 11 periods after the first
    assert plan.steps_to_max == 12 and plan.time_to_max_s == 60 + 11 * 15
    fixed = ks.scale_up(5, 5, [CPU], "Max")               # nothing to scale: one cooldown, no wait
    assert (fixed.steps_to_max, fixed.period_s, fixed.time_to_max_s) == (0, 300, 120)


def test_pdb_keeps_the_minimum_unless_overridden():
    selector = ks.workload_selector("api")
    assert selector == {"app.kubernetes.io/name": "api"}
    assert ks.pdb_spec(10, selector, None) == {"minAvailable": 10, "selector": {"matchLabels": selector},
                                               "unhealthyPodEvictionPolicy": "AlwaysAllow"}
    assert ks.pdb_spec(10, selector, 0)["maxUnavailable"] == 0      # 0 is a value, not "unset"
    assert ks.pdb_reason(10, "25%") == "kubernetes.pdb_max_unavailable 25%: at most that many pods evicted at once"


def test_topology_spread_zone_then_host():
    zone, host = ks.topology_spread({"app.kubernetes.io/name": "worker"}, "DoNotSchedule")
    assert (zone["topologyKey"], zone["whenUnsatisfiable"], zone["maxSkew"]) == \
        ("topology.kubernetes.io/zone", "DoNotSchedule", 1)
    assert (host["topologyKey"], host["whenUnsatisfiable"]) == ("kubernetes.io/hostname", "ScheduleAnyway")


def test_keda_role_documents():
    arn = ks.sqs_queue_arn("eu-west-1", "210987654321", "jobs")
    assert arn == "arn:aws:sqs:eu-west-1:210987654321:jobs"
    assert ks.keda_role_policy(arn)["Statement"] == [{"Sid": "ReadWorkerQueueDepth", "Effect": "Allow",
                                                     "Action": ["sqs:GetQueueAttributes"], "Resource": arn}]
    assert ks.keda_role_trust_policy("210987654321", None)["Statement"][0]["Principal"] == \
        {"AWS": "arn:aws:iam::210987654321:root"}
    assert ks.keda_trigger_auth() == {"podIdentity": {"provider": "aws"}}
