"""K8sWorkloads: api and worker Deployments, PDBs, the api HPA and the worker's KEDA ScaledObject.

Replaces the runbook's hand-run kubectl (novacron "2. Manual Scaling Procedures") and encodes
the "1. Auto-scaling Triggers" table (infra/model/triggers.py) as HPA/KEDA behaviour. Numbers come
from infra/planning/edge_plan.py (k8s_workloads, hpa_spec, keda_spec); this file only encodes them.

Deployments leave `spec.replicas` to the autoscalers after creation (ignore_changes), the same
"never fight the autoscaler" rule the ASGs follow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pulumi
import pulumi_kubernetes as k8s

from infra.model.edge import WorkloadPlan

KEDA_API_VERSION = "keda.sh/v1alpha1"
PROBE_PERIOD_S = 10
PROBE_FAILURES = 3


@dataclass(frozen=True)
class K8sWorkloadsArgs:
    """Namespace, labels, images and the planned workloads with their HPA / KEDA specs and probes."""

    namespace: str
    labels: Mapping[str, str]
    images: Mapping[str, str]          # workload -> image
    workloads: Mapping[str, WorkloadPlan]
    hpa: Mapping[str, Any]             # edge_plan.hpa_spec for the api
    scaled_object: Mapping[str, Any]   # edge_plan.keda_spec for the worker
    scaled_object_reason: str          # edge_plan.keda_reason: why those numbers (annotation)
    app_port: int
    health_path: str
    pdb_max_unavailable: str


class K8sWorkloads(pulumi.ComponentResource):
    """Namespace, a Deployment and PDB per workload, the api HPA and the worker's KEDA ScaledObject."""

    def __init__(self, name: str, args: K8sWorkloadsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:k8s:K8sWorkloads", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-ns", metadata={"name": args.namespace, "labels": dict(args.labels)}, opts=child)
        ns = self.namespace.metadata.name
        self.deployments: dict[str, k8s.apps.v1.Deployment] = {}
        for wname, plan in args.workloads.items():
            labels = {**args.labels, "app.kubernetes.io/name": wname}
            selector = {"app.kubernetes.io/name": wname}
            probe = {"httpGet": {"path": args.health_path, "port": args.app_port},
                     "periodSeconds": PROBE_PERIOD_S, "failureThreshold": PROBE_FAILURES}
            self.deployments[wname] = k8s.apps.v1.Deployment(
                f"{name}-{wname}",
                metadata={"name": wname, "namespace": ns, "labels": labels,
                          "annotations": {"scaling-platform/plan-reason": plan.reason}},
                spec={"replicas": plan.desired, "selector": {"matchLabels": selector},
                      "strategy": {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
                      "template": {"metadata": {"labels": labels}, "spec": {"containers": [{
                          "name": wname, "image": args.images[wname],
                          "ports": [{"containerPort": args.app_port, "name": "http"}],
                          "env": [{"name": k, "value": v} for k, v in sorted(plan.env.items())],
                          "resources": {"requests": dict(plan.requests), "limits": dict(plan.limits)},
                          "readinessProbe": probe, "livenessProbe": {**probe, "initialDelaySeconds": 30},
                      }]}}},
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["spec.replicas"]))
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-{wname}-pdb",
                metadata={"name": wname, "namespace": ns, "labels": labels},
                spec={"maxUnavailable": args.pdb_max_unavailable, "selector": {"matchLabels": selector}},
                opts=child)
        api = args.workloads["api"]
        self.hpa = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-api-hpa", metadata={"name": api.name, "namespace": ns, "labels": dict(args.labels)},
            spec=dict(args.hpa), opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployments["api"]]))
        worker = args.workloads["worker"]
        self.scaled_object = k8s.apiextensions.CustomResource(
            f"{name}-worker-scaler", api_version=KEDA_API_VERSION, kind="ScaledObject",
            metadata={"name": worker.name, "namespace": ns, "labels": dict(args.labels),
                      "annotations": {"scaling-platform/plan-reason": args.scaled_object_reason}},
            spec=dict(args.scaled_object),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployments["worker"]]))
        self.register_outputs({"namespace": ns,
                               "deployments": {n: d.metadata.name for n, d in self.deployments.items()}})
