"""K8sWorkloads: api and worker Deployments, PDBs, the api HPA, the worker's KEDA ScaledObject and its auth.

Replaces the runbook's hand-run kubectl (novacron "2. Manual Scaling Procedures") and encodes
the "1. Auto-scaling Triggers" table (infra/model/triggers.py) as HPA/KEDA behaviour. Numbers come
from infra/planning/edge_plan.py (k8s_workloads, hpa_spec, keda_spec); this file only encodes them.

Deployments leave `spec.replicas` to the autoscalers after creation (ignore_changes), the same
"never fight the autoscaler" rule the ASGs follow. KEDA reads the SQS queue as an IAM role that
may only do that (created here, with the AWS provider in `opts.providers`), through a
TriggerAuthentication using pod identity; specs, policies and reasons come from
infra/planning/k8s_specs.py. Hardening (issue 16) comes from infra/planning/k8s_security.py: every
pod runs non-root with seccomp and no service-account token, every container read-only without
privileges or capabilities (a /tmp emptyDir), and the namespace denies all traffic but what each
workload's NetworkPolicy allows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.model.edge import WorkloadPlan

KEDA_API_VERSION = "keda.sh/v1alpha1"
PROBE_PERIOD_S = 10
PROBE_FAILURES = 3
REASON = "scaling-platform/plan-reason"


@dataclass(frozen=True)
class K8sWorkloadsArgs:
    """Namespace, labels, images and the planned workloads with their HPA / KEDA specs and probes."""

    namespace: str
    labels: Mapping[str, str]
    images: Mapping[str, str]          # workload -> image (by digest in prod)
    workloads: Mapping[str, WorkloadPlan]
    hpa: Mapping[str, Any]             # edge_plan.hpa_spec for the api
    hpa_reason: str                    # edge_plan.hpa_reason: scale-up speed, time to max (annotation)
    scaled_object: Mapping[str, Any]   # edge_plan.keda_spec for the worker
    scaled_object_reason: str          # edge_plan.keda_reason: why those numbers (annotation)
    trigger_auth_name: str             # the TriggerAuthentication the ScaledObject's trigger references
    trigger_auth: Mapping[str, Any]    # k8s_specs.keda_trigger_auth; roleArn = the role created here
    keda_role_trust_policy: pulumi.Input[str]  # JSON, k8s_specs.keda_role_trust_policy
    keda_role_policy: pulumi.Input[str]        # JSON, k8s_specs.keda_role_policy (the one queue)
    aws_tags: Mapping[str, str]
    selectors: Mapping[str, Mapping[str, str]]     # workload -> k8s_specs.workload_selector
    pdbs: Mapping[str, Mapping[str, Any]]          # workload -> k8s_specs.pdb_spec
    pdb_reasons: Mapping[str, str]                 # workload -> k8s_specs.pdb_reason
    spread: Mapping[str, Sequence[Mapping[str, Any]]]  # workload -> k8s_specs.topology_spread
    app_port: int
    health_path: str
    # Hardening (infra/planning/k8s_security.py): every pod and container of every workload.
    pod_security: Mapping[str, Any]        # k8s_security.pod_security_context
    container_security: Mapping[str, Any]  # k8s_security.container_security_context
    tmp_volume: Mapping[str, Any]          # k8s_security.tmp_volume: the pod's emptyDir ...
    tmp_mount: Mapping[str, Any]           # ... mounted on /tmp (the root filesystem is read-only)
    network_policies: Mapping[str, Mapping[str, Any]]  # policy name -> NetworkPolicy spec (default-deny first)
    network_policy_reasons: Mapping[str, str]          # policy name -> why (annotation)


class K8sWorkloads(pulumi.ComponentResource):
    """Namespace, its NetworkPolicies, a hardened Deployment and PDB per workload, the api HPA, the
    worker's ScaledObject and its TriggerAuthentication with the IAM role KEDA assumes."""

    def __init__(self, name: str, args: K8sWorkloadsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:k8s:K8sWorkloads", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-ns", metadata={"name": args.namespace, "labels": dict(args.labels)}, opts=child)
        # The namespace as a plain string (known during preview, so policies can group by it), ordered
        # after the Namespace by depends_on.
        ns = args.namespace
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])
        # Default deny first, then the per-workload allows: the pods never start unconfined.
        self.network_policies = [k8s.networking.v1.NetworkPolicy(
            f"{name}-{pname}-netpol",
            metadata={"name": pname, "namespace": ns, "labels": dict(args.labels),
                      "annotations": {REASON: args.network_policy_reasons[pname]}},
            spec=dict(spec), opts=in_ns) for pname, spec in args.network_policies.items()]
        self.deployments: dict[str, k8s.apps.v1.Deployment] = {}
        for wname, plan in args.workloads.items():
            selector = dict(args.selectors[wname])
            labels = {**args.labels, **selector}
            probe = {"httpGet": {"path": args.health_path, "port": args.app_port},
                     "periodSeconds": PROBE_PERIOD_S, "failureThreshold": PROBE_FAILURES}
            self.deployments[wname] = k8s.apps.v1.Deployment(
                f"{name}-{wname}",
                metadata={"name": wname, "namespace": ns, "labels": labels, "annotations": {REASON: plan.reason}},
                spec={"replicas": plan.desired, "selector": {"matchLabels": selector},
                      "strategy": {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
                      "template": {"metadata": {"labels": labels}, "spec": {
                          "automountServiceAccountToken": False,
                          "securityContext": dict(args.pod_security),
                          "topologySpreadConstraints": [dict(c) for c in args.spread[wname]],
                          "volumes": [dict(args.tmp_volume)],
                          "containers": [{
                              "name": wname, "image": args.images[wname],
                              "ports": [{"containerPort": args.app_port, "name": "http"}],
                              "env": [{"name": k, "value": v} for k, v in sorted(plan.env.items())],
                              "resources": {"requests": dict(plan.requests), "limits": dict(plan.limits)},
                              "securityContext": dict(args.container_security),
                              "volumeMounts": [dict(args.tmp_mount)],
                              "readinessProbe": probe, "livenessProbe": {**probe, "initialDelaySeconds": 30},
                          }]}}},
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["spec.replicas"],
                                            depends_on=[self.namespace, *self.network_policies]))
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-{wname}-pdb",
                metadata={"name": wname, "namespace": ns, "labels": labels,
                          "annotations": {REASON: args.pdb_reasons[wname]}},
                spec=dict(args.pdbs[wname]), opts=in_ns)
        api = args.workloads["api"]
        self.hpa = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-api-hpa", metadata={"name": api.name, "namespace": ns, "labels": dict(args.labels),
                                         "annotations": {REASON: args.hpa_reason}},
            spec=dict(args.hpa), opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployments["api"]]))
        worker = args.workloads["worker"]
        # The role KEDA's operator assumes to read the queue depth (nothing else: see the policy).
        self.keda_role = aws.iam.Role(
            f"{name}-keda-role", assume_role_policy=args.keda_role_trust_policy,
            description="KEDA aws-sqs-queue scaler: read the worker queue's attributes only",
            tags=dict(args.aws_tags), opts=child)
        aws.iam.RolePolicy(f"{name}-keda-role-policy", role=self.keda_role.id, policy=args.keda_role_policy, opts=child)
        self.trigger_auth = k8s.apiextensions.CustomResource(
            f"{name}-worker-auth", api_version=KEDA_API_VERSION, kind="TriggerAuthentication",
            metadata={"name": args.trigger_auth_name, "namespace": ns, "labels": dict(args.labels)},
            spec={**args.trigger_auth, "podIdentity": {**args.trigger_auth["podIdentity"], "roleArn": self.keda_role.arn}},
            opts=in_ns)
        self.scaled_object = k8s.apiextensions.CustomResource(
            f"{name}-worker-scaler", api_version=KEDA_API_VERSION, kind="ScaledObject",
            metadata={"name": worker.name, "namespace": ns, "labels": dict(args.labels),
                      "annotations": {REASON: args.scaled_object_reason}},
            spec=dict(args.scaled_object),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployments["worker"], self.trigger_auth]))
        self.register_outputs({"namespace": self.namespace.metadata.name, "keda_role_arn": self.keda_role.arn,
                               "deployments": {n: d.metadata.name for n, d in self.deployments.items()}})
