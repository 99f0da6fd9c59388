"""Kubernetes object specs beyond the replica counts: scale-up speed, drains, zones, images, KEDA auth.

Pure (no pulumi, no boto3): plain values in, plain dicts out, each number with its reason. The
replica ranges and the HPA/KEDA metric targets come from `infra/planning/edge_plan.py`
(`k8s_workloads`, `hpa_spec`, `keda_spec`), which calls into this module; `components/k8s.py`
encodes the results unchanged.

Why these exist (issue 20, checked against a real cluster's behaviour):
- the runbook's "+2 instances per 300 s" was written for VMs; as an HPA policy it takes 45 steps
  (~227 min) from 10 to 100 pods. Pods start in seconds, so the scale-up policy is derived from
  the distance min -> max and the runbook's cooldown instead (`scale_up`);
- a PDB with maxUnavailable lets a drain take the api below the runbook's minimum; minAvailable
  at the minimum is what keeps it (`pdb_spec`);
- nothing spread the pods over zones (`topology_spread`);
- the aws-sqs-queue trigger had no credentials; KEDA authenticates by pod identity and assumes a
  role that may only read that queue's attributes (`keda_trigger_auth`, `keda_role_*`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from infra.model.triggers import TriggerRule

# kube-controller-manager --horizontal-pod-autoscaler-sync-period (default 15 s): the HPA acts at
# most this often, so a policy period below it means nothing and periods are multiples of it.
HPA_SYNC_PERIOD_S = 15
# Growth per period: doubling, Kubernetes' own default scale-up (100 % or 4 pods per 15 s, Max).
SCALE_UP_PERCENT = 100
# The label that selects a workload's pods (Deployment selector, PDB, spread constraints).
WORKLOAD_LABEL = "app.kubernetes.io/name"
# Kubernetes well-known node labels (kubernetes.io/docs/reference/labels-annotations-taints/).
ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone"
HOST_TOPOLOGY_KEY = "kubernetes.io/hostname"
# One pod of difference between any two zones (or nodes): the tightest spread there is.
SPREAD_MAX_SKEW = 1
# The Kubernetes minor versions the emitted objects are validated against (tests/components:
# kubernetes-validate's copies of the official OpenAPI schemas). 1.31 is the oldest with PDB
# unhealthyPodEvictionPolicy GA; the newest is the newest the schema package ships.
SUPPORTED_KUBERNETES_VERSIONS = ("1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37")
# KEDA's TriggerAuthentication podIdentity provider for IRSA / EKS Pod Identity (KEDA >= 2.13;
# "aws-eks" is the deprecated name). The KEDA operator assumes `roleArn` with its own identity.
KEDA_POD_IDENTITY_PROVIDER = "aws"
# The aws-sqs-queue scaler reads ApproximateNumberOfMessages(+NotVisible) with this one call.
KEDA_SQS_ACTIONS = ("sqs:GetQueueAttributes",)


@dataclass(frozen=True)
class ScaleUp:
    """A derived HPA scaleUp behaviour and how long it takes from min to max replicas."""

    behavior: dict[str, Any]   # autoscaling/v2 HPAScalingRules
    period_s: int
    steps_to_max: int
    time_to_max_s: int         # from the start of the load: stabilisation + (steps - 1) periods
    reason: str


def _next_replicas(replicas: int, pods: int, percent: int, ceiling: int) -> int:
    """One HPA scale-up period under selectPolicy Max (pkg/controller/podautoscaler
    calculateScaleUpLimitWithScalingRules: Pods adds `value`, Percent multiplies, rounded up)."""
    return min(ceiling, max(replicas + pods, math.ceil(replicas * (100 + percent) / 100)))


def scale_up_steps(min_replicas: int, max_replicas: int, pods: int, percent: int = SCALE_UP_PERCENT) -> int:
    """How many rate-limited HPA steps take `min_replicas` to `max_replicas`."""
    replicas, steps = max(1, min_replicas), 0
    while replicas < max_replicas:
        replicas, steps = _next_replicas(replicas, pods, percent, max_replicas), steps + 1
    return steps


def scale_up(min_replicas: int, max_replicas: int, rules: Sequence[TriggerRule], select_policy: str) -> ScaleUp:
    """Scale-up behaviour that reaches max within the runbook's cooldown once the trigger fires.

    - stabilisation = the shortest "for N minutes" of the rules (the metric must stay high that
      long: the runbook's trigger condition);
    - growth per period = the larger of SCALE_UP_PERCENT (doubling) and the runbook's step in pods;
    - period = the runbook's cooldown (the time it allowed for one step) divided over the steps
      after the first, rounded down to the HPA sync period, so min -> max fits in one cooldown.
    The runbook pace (step pods per cooldown) is given in the reason for comparison.
    """
    stabilization = min(r.duration_s for r in rules)
    budget = min(r.cooldown_s for r in rules)
    step = max(abs(r.step) for r in rules)
    steps = scale_up_steps(min_replicas, max_replicas, step)
    period = max(HPA_SYNC_PERIOD_S, budget // max(1, steps - 1) // HPA_SYNC_PERIOD_S * HPA_SYNC_PERIOD_S)
    time_to_max = stabilization + max(0, steps - 1) * period
    runbook_steps = math.ceil((max_replicas - min_replicas) / step) if max_replicas > min_replicas else 0
    runbook_time = stabilization + max(0, runbook_steps - 1) * budget
    reason = (f"scale-up {min_replicas} -> {max_replicas} in {steps} steps (x2 or +{step} pods per {period} s) "
              f"after {stabilization} s above target: max {time_to_max} s ({time_to_max / 60:.1f} min) after the load "
              f"rises; the runbook's +{step} per {budget} s would take {runbook_steps} steps, {runbook_time} s "
              f"({runbook_time / 60:.0f} min), too slow for pods that start in seconds")
    behavior = {"stabilizationWindowSeconds": stabilization, "selectPolicy": select_policy, "policies": [
        {"type": "Percent", "value": SCALE_UP_PERCENT, "periodSeconds": period},
        {"type": "Pods", "value": step, "periodSeconds": period},
    ]}
    return ScaleUp(behavior, period, steps, time_to_max, reason)


def workload_selector(workload: str) -> dict[str, str]:
    """matchLabels of one workload's pods; the same map in its Deployment, PDB and spread constraints."""
    return {WORKLOAD_LABEL: workload}


def pdb_spec(min_available: int, selector: dict[str, str], max_unavailable: int | str | None) -> dict[str, Any]:
    """PodDisruptionBudget spec: by default keep the runbook's minimum available during drains.

    minAvailable = the workload's minimum (runbook §1 min / the region's api minimum): an eviction
    that would leave fewer ready pods is refused, so a drain of a deployment at its minimum waits
    (kubectl drain retries) until more replicas are up elsewhere. `max_unavailable` (config
    kubernetes.pdb_max_unavailable) replaces that with the operator's own bound. Unhealthy pods may
    always be evicted (AlwaysAllow): a crash-looping pod protects nothing and must not block a drain.
    """
    budget: dict[str, Any] = ({"minAvailable": min_available} if max_unavailable is None
                              else {"maxUnavailable": max_unavailable})
    return {**budget, "selector": {"matchLabels": dict(selector)}, "unhealthyPodEvictionPolicy": "AlwaysAllow"}


def pdb_reason(min_available: int, max_unavailable: int | str | None) -> str:
    """Why the PDB has its bound (the component puts it in an annotation)."""
    if max_unavailable is not None:
        return f"kubernetes.pdb_max_unavailable {max_unavailable}: at most that many pods evicted at once"
    return (f"minAvailable {min_available} = the runbook minimum: a drain never takes the workload below it "
            "(at the minimum, evictions wait until replicas are up elsewhere)")


def topology_spread(selector: dict[str, str], zone_when_unsatisfiable: str) -> list[dict[str, Any]]:
    """Spread the pods evenly over zones (config kubernetes.zone_spread), then over nodes (soft).

    `matchLabelKeys: [pod-template-hash]` counts only the pods of the same ReplicaSet, so a rolling
    update spreads the new pods instead of balancing against the old ones being removed. The zone
    constraint honours node taints: the nodes of a failed zone (NotReady / unreachable taints) leave
    the count, so DoNotSchedule never strands pods behind a zone that is down.
    """
    def constraint(key: str, when: str) -> dict[str, Any]:
        return {"maxSkew": SPREAD_MAX_SKEW, "topologyKey": key, "whenUnsatisfiable": when,
                "labelSelector": {"matchLabels": dict(selector)}, "matchLabelKeys": ["pod-template-hash"]}

    zone = {**constraint(ZONE_TOPOLOGY_KEY, zone_when_unsatisfiable), "nodeTaintsPolicy": "Honor"}
    return [zone, constraint(HOST_TOPOLOGY_KEY, "ScheduleAnyway")]


def sqs_queue_arn(region: str, account_id: str, name: str) -> str:
    """The ARN of the worker queue (the one resource the KEDA role may read)."""
    return f"arn:aws:sqs:{region}:{account_id}:{name}"


def keda_trigger_auth() -> dict[str, Any]:
    """TriggerAuthentication spec: pod identity; the component adds `roleArn`, the role it creates
    from `keda_role_trust_policy` / `keda_role_policy`, which the KEDA operator assumes.

    roleArn and identityOwner are mutually exclusive in KEDA; roleArn is the least-privilege form
    (a role for this one queue, not whatever the operator or the worker pods may otherwise do).
    """
    return {"podIdentity": {"provider": KEDA_POD_IDENTITY_PROVIDER}}


def keda_role_trust_policy(account_id: str, operator_role_arn: str | None) -> dict[str, Any]:
    """Who may assume the KEDA queue role: the KEDA operator's role (config
    kubernetes.keda_operator_role_arn, its IRSA / EKS Pod Identity role), else the account, which
    leaves the choice to the operator role's own sts:AssumeRole permission."""
    principal = operator_role_arn or f"arn:aws:iam::{account_id}:root"
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "KedaOperatorAssumes", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]}


def keda_role_policy(queue_arn: str) -> dict[str, Any]:
    """The KEDA role's only permission: read the attributes of the worker queue."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadWorkerQueueDepth", "Effect": "Allow", "Action": list(KEDA_SQS_ACTIONS), "Resource": queue_arn}]}
