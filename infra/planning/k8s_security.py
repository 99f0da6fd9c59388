"""Kubernetes hardening (issue 16): pod/container securityContext, the /tmp volume and NetworkPolicies.

Pure (no pulumi, no boto3): plain values in, plain dicts out; `components/k8s.py` encodes them
unchanged. What each piece is for, and the Checkov check it satisfies (docs/policies.md):
- pods run as a non-root, high uid/gid with the runtime's default seccomp profile (CKV_K8S_23/40/31);
- containers cannot gain privileges, write their root filesystem or keep any capability
  (CKV_K8S_20/22/28/37, CKV_K8S_16); a pod-local emptyDir on /tmp keeps apps that write temp files working;
- no service-account token in the pods (CKV_K8S_38): neither workload calls the Kubernetes API, and
  KEDA reads the queue with the KEDA operator's own identity assuming `roleArn` (k8s_specs.keda_trigger_auth),
  not with the worker's service account. (IRSA / EKS Pod Identity, should the worker get its own AWS
  role later, mount their own projected token; they do not use the automounted one.)
- NetworkPolicies: the namespace denies all ingress and egress by default; each workload then gets
  exactly what it needs (`workload_network_policy`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# seccomp: the container runtime's default profile (blocks ~60 rarely needed syscalls).
SECCOMP_PROFILE = "RuntimeDefault"
# Every Linux capability dropped; none added back (the app port is >= 1024, config kubernetes.app_port).
DROP_CAPABILITIES = ("ALL",)
TMP_VOLUME, TMP_MOUNT_PATH = "tmp", "/tmp"
# The label the API server sets on every namespace (Kubernetes >= 1.21): a namespace selector that
# cannot be spoofed by labelling another namespace.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# Cluster DNS: CoreDNS pods in kube-system keep the historical kube-dns label (EKS, kubeadm, GKE).
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
# AWS APIs (SQS, STS, CloudWatch...) are public HTTPS endpoints reached through the NAT gateway (or
# VPC interface endpoints inside the VPC): HTTPS to any address, as the EC2 app security group allows.
# (The port numbers themselves are the components' constants, passed in by the program.)
ANY_IPV4 = "0.0.0.0/0"
DEFAULT_DENY_NAME = "default-deny"


@dataclass(frozen=True)
class NetworkPolicyPlan:
    """One NetworkPolicy: its metadata name, spec (networking.k8s.io/v1) and why it allows what it does."""

    name: str
    spec: dict[str, Any]
    reason: str


def pod_security_context(run_as_user: int, run_as_group: int) -> dict[str, Any]:
    """Pod securityContext: non-root, the configured high uid/gid (also owning the volumes), seccomp."""
    return {"runAsNonRoot": True, "runAsUser": run_as_user, "runAsGroup": run_as_group, "fsGroup": run_as_group,
            "seccompProfile": {"type": SECCOMP_PROFILE}}


def container_security_context() -> dict[str, Any]:
    """Container securityContext: no privilege escalation, read-only root, no capabilities, not privileged."""
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "privileged": False,
            "capabilities": {"drop": list(DROP_CAPABILITIES)}}


def tmp_volume(size_limit: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The writable /tmp of a read-only container: (the pod volume, the container's volumeMount)."""
    return ({"name": TMP_VOLUME, "emptyDir": {"sizeLimit": size_limit}},
            {"name": TMP_VOLUME, "mountPath": TMP_MOUNT_PATH})


def default_deny() -> NetworkPolicyPlan:
    """Every pod of the namespace: no ingress, no egress, unless another policy allows it."""
    return NetworkPolicyPlan(DEFAULT_DENY_NAME, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
                             "default deny: every pod of the namespace, ingress and egress; "
                             "the per-workload policies allow only what each needs")


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: name}}}


def _egress(vpc_cidr: str, data_ports: Mapping[str, int], dns_port: int, https_port: int) -> list[dict[str, Any]]:
    dns = {"to": [{**_namespace(DNS_NAMESPACE), "podSelector": {"matchLabels": dict(DNS_POD_LABELS)}}],
           "ports": [{"protocol": "UDP", "port": dns_port}, {"protocol": "TCP", "port": dns_port}]}
    data = {"to": [{"ipBlock": {"cidr": vpc_cidr}}],
            "ports": [{"protocol": "TCP", "port": port} for port in data_ports.values()]}
    https = {"to": [{"ipBlock": {"cidr": ANY_IPV4}}], "ports": [{"protocol": "TCP", "port": https_port}]}
    return [dns, data, https]


def workload_network_policy(workload: str, selector: Mapping[str, str], *, app_port: int, ingress_namespace: str,
                            vpc_cidr: str, region: str, data_ports: Mapping[str, int], dns_port: int,
                            https_port: int) -> NetworkPolicyPlan:
    """What one workload may reach and be reached from (on top of `default_deny`).

    - egress, both: DNS to the cluster's kube-dns (UDP/TCP `dns_port`); the database and cache ports
      inside the region's VPC (`vpc_cidr`, the plan's network of the cluster's region); HTTPS (`https_port`)
      for the AWS APIs (the worker consumes its SQS queue, the api enqueues jobs on it).
    - ingress: the api admits only the ingress controller's namespace, on the app port; the worker
      nothing (it pulls work from SQS; KEDA and the HPA read metrics, not the pods).
    """
    ports = ", ".join(f"{name} {port}" for name, port in data_ports.items())
    spec: dict[str, Any] = {"podSelector": {"matchLabels": dict(selector)}, "policyTypes": ["Ingress", "Egress"]}
    if workload == "api":
        spec["ingress"] = [{"from": [_namespace(ingress_namespace)], "ports": [{"protocol": "TCP", "port": app_port}]}]
        inbound = f"ingress only from namespace {ingress_namespace} on TCP {app_port}"
    else:
        spec["ingress"] = []
        inbound = "no ingress (it pulls jobs from SQS)"
    spec["egress"] = _egress(vpc_cidr, data_ports, dns_port, https_port)
    reason = (f"{workload}: {inbound}; egress DNS to {DNS_NAMESPACE}/kube-dns UDP/TCP {dns_port}, {ports} "
              f"inside the VPC {vpc_cidr} (the plan's network of {region}, the cluster's region), HTTPS {https_port} for the AWS APIs")
    return NetworkPolicyPlan(workload, spec, reason)


def zone_spread_mode(configured: str | None, environment: str) -> str:
    """topologySpreadConstraints whenUnsatisfiable for zones: the configured one, else DoNotSchedule in
    prod (an enforced even spread) and ScheduleAnyway elsewhere (config kubernetes.zone_spread)."""
    if configured is not None:
        return configured
    return "DoNotSchedule" if environment == "prod" else "ScheduleAnyway"
