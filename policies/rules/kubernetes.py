"""Kubernetes hardening (issue 16): hardened pods, images by digest, a default-deny NetworkPolicy per namespace.

Resources are the pulumi-kubernetes type tokens (`kubernetes:apps/v1:Deployment`, ...) with their
inputs as the provider receives them (`metadata`, `spec`). The pod spec is found where each kind
keeps it: a Pod's `spec`, a workload's `spec.template.spec`, a CronJob's
`spec.jobTemplate.spec.template.spec`. The Checkov checks each rule corresponds to are named in
docs/policies.md.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import Field

from infra.config.kubernetes import IMAGE_DIGEST, IMAGE_DIGEST_FORM, MIN_RUN_AS_ID
from infra.model.recorded import RecordedResource
from policies.rules.base import MANDATORY, Count, Name, NoConfig, PolicyConfig, ResourcePolicy, StackPolicy, Violation
from policies.rules.props import UNKNOWN, num

POD = "kubernetes:core/v1:Pod"
CRON_JOB = "kubernetes:batch/v1:CronJob"
# Kinds whose pods are described by `spec.template.spec`.
TEMPLATE_KINDS = frozenset({
    "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet", "kubernetes:core/v1:ReplicationController", "kubernetes:batch/v1:Job"})
WORKLOAD_KINDS = TEMPLATE_KINDS | {POD, CRON_JOB}
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
# Seccomp profiles that confine (Unconfined, or none, does not).
CONFINING_SECCOMP = ("RuntimeDefault", "Localhost")
RESOURCE_KINDS = ("requests", "limits")
RESOURCE_NAMES = ("cpu", "memory")


def pod_spec(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec of a workload resource; None for other types."""
    spec = props.get("spec")
    if not isinstance(spec, Mapping):
        return None
    if resource_type == POD:
        return spec
    if resource_type == CRON_JOB:
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    elif resource_type not in TEMPLATE_KINDS:
        return None
    inner = (spec.get("template") or {}).get("spec")
    return inner if isinstance(inner, Mapping) else None


def containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Init containers, then containers (both run the image with the same privileges)."""
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            if isinstance(container, Mapping):
                yield container


def _shown(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- k8s-pod-hardened -----------------------------------------------------------------------


class PodHardenedConfig(PolicyConfig):
    min_uid: Annotated[Count, Field(description=(
        "Lowest runAsUser / runAsGroup / fsGroup allowed (Checkov CKV_K8S_40 asks >= 10000)"))] = MIN_RUN_AS_ID
    token_workloads: Annotated[list[Name], Field(description=(
        "Workloads (metadata.name) that call the Kubernetes API and may mount a service-account token"))] = []


CONTAINER_SETTING = "container {container}: {field} is {value}; need {need}"
POD_SETTING = "pod spec {field} is {value}; need {need}"
RESOURCE_MISSING = "container {container}: resources.{kind}.{resource} is not set; need requests and limits for cpu and memory"


def _container_findings(container: Mapping[str, Any], pod: Mapping[str, Any], min_uid: int) -> Iterator[str]:
    """One container's effective securityContext (its own value over the pod's) and its resources."""
    name = str(container.get("name") or "?")
    own = container.get("securityContext") or {}

    def effective(key: str) -> Any:
        return own.get(key) if own.get(key) is not None else pod.get(key)

    def finding(field: str, value: Any, need: str) -> str:
        return CONTAINER_SETTING.format(container=name, field=f"securityContext.{field}", value=_shown(value), need=need)

    if effective("runAsNonRoot") is not True:
        yield finding("runAsNonRoot", effective("runAsNonRoot"), "true (pod or container)")
    for key in ("runAsUser", "runAsGroup"):
        value = num(effective(key))
        if value is None or value < min_uid:
            yield finding(key, effective(key), f">= {min_uid} (pod or container)")
    seccomp = (effective("seccompProfile") or {}).get("type")
    if seccomp not in CONFINING_SECCOMP:
        yield finding("seccompProfile.type", seccomp, "RuntimeDefault or Localhost (pod or container)")
    if own.get("allowPrivilegeEscalation") is not False:
        yield finding("allowPrivilegeEscalation", own.get("allowPrivilegeEscalation"), "false")
    if own.get("readOnlyRootFilesystem") is not True:
        yield finding("readOnlyRootFilesystem", own.get("readOnlyRootFilesystem"), "true (mount an emptyDir for /tmp)")
    if own.get("privileged") is True:
        yield finding("privileged", True, "false")
    capabilities = own.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        yield finding("capabilities.drop", capabilities.get("drop"), "[ALL]")
    if capabilities.get("add"):
        yield finding("capabilities.add", capabilities.get("add"), "none")
    resources = container.get("resources") or {}
    for kind in RESOURCE_KINDS:
        for resource in RESOURCE_NAMES:
            if not (resources.get(kind) or {}).get(resource):
                yield RESOURCE_MISSING.format(container=name, kind=kind, resource=resource)


def pod_hardened(resource_type: str, props: Mapping[str, Any], config: PodHardenedConfig | Mapping[str, Any], *,
                 name: str = "") -> list[str]:
    """Every container runs non-root (uid/gid >= min_uid) under seccomp, without privilege escalation,
    with a read-only root, no capabilities, requests and limits; the pod sets fsGroup and mounts no
    service-account token (unless the workload is listed in `token_workloads`)."""
    spec = pod_spec(resource_type, props)
    if spec is None:
        return []
    cfg = PodHardenedConfig.of(config)
    pod = spec.get("securityContext") or {}
    out = []
    fs_group = num(pod.get("fsGroup"))
    if fs_group is None or fs_group < cfg.min_uid:
        out.append(POD_SETTING.format(field="securityContext.fsGroup", value=_shown(pod.get("fsGroup")),
                                      need=f">= {cfg.min_uid}"))
    workload = str((props.get("metadata") or {}).get("name") or name)
    if spec.get("automountServiceAccountToken") is not False and workload not in cfg.token_workloads:
        out.append(POD_SETTING.format(field="automountServiceAccountToken",
                                      value=_shown(spec.get("automountServiceAccountToken")),
                                      need="false (or list the workload in token_workloads)"))
    for container in containers(spec):
        out.extend(_container_findings(container, pod, cfg.min_uid))
    return out


POD_HARDENED = ResourcePolicy(
    "k8s-pod-hardened", "Kubernetes pods run non-root under seccomp, read-only, without privileges, "
    "capabilities or a service-account token, with requests and limits.",
    MANDATORY, pod_hardened, PodHardenedConfig, (CONTAINER_SETTING, POD_SETTING, RESOURCE_MISSING))

# --- k8s-image-digest -----------------------------------------------------------------------

IMAGE_NOT_PINNED = "container {container}: image {image} is not pinned by digest; need {form}"


def image_digest(resource_type: str, props: Mapping[str, Any], config: NoConfig | Mapping[str, Any], *,
                 name: str = "") -> list[str]:
    """Every container image is pinned by digest (a tag can move; the plan would no longer say what runs)."""
    spec = pod_spec(resource_type, props)
    if spec is None:
        return []
    out = []
    for container in containers(spec):
        image = container.get("image")
        if image == UNKNOWN:  # computed during preview: nothing to judge yet
            continue
        if not isinstance(image, str) or not IMAGE_DIGEST.search(image):
            out.append(IMAGE_NOT_PINNED.format(container=container.get("name") or "?", image=_shown(image),
                                               form=IMAGE_DIGEST_FORM))
    return out


IMAGE_DIGEST_POLICY = ResourcePolicy(
    "k8s-image-digest", "Kubernetes container images are pinned by digest.",
    MANDATORY, image_digest, NoConfig, (IMAGE_NOT_PINNED,))

# --- k8s-network-policy-default-deny ---------------------------------------------------------

NO_DEFAULT_DENY = ("namespace {namespace} runs {workloads} but no NetworkPolicy denies all {direction} by default "
                   "(empty podSelector, policyTypes {policy_type}, no {rules} rules)")


def _namespace(props: Mapping[str, Any]) -> str:
    return str((props.get("metadata") or {}).get("namespace") or "default")


def _denies(spec: Mapping[str, Any]) -> set[str]:
    """The directions a NetworkPolicy denies for every pod of its namespace (empty selector, no rules).
    Without `policyTypes`, Kubernetes takes Ingress, plus Egress when egress rules are given."""
    selector = spec.get("podSelector")
    if not isinstance(selector, Mapping) or selector.get("matchLabels") or selector.get("matchExpressions"):
        return set()
    types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if spec.get("egress") else []))
    return {t for t in types if t in ("Ingress", "Egress") and not spec.get(t.lower())}


def network_policy_default_deny(resources: list[RecordedResource],
                                config: NoConfig | Mapping[str, Any]) -> list[Violation]:
    """Every namespace with workloads has a default-deny NetworkPolicy for ingress and for egress."""
    workloads: dict[str, list[RecordedResource]] = {}
    denied: dict[str, set[str]] = {}
    for r in resources:
        ns = _namespace(r.inputs)
        if ns == UNKNOWN:
            continue
        if r.type in WORKLOAD_KINDS:
            workloads.setdefault(ns, []).append(r)
        elif r.type == NETWORK_POLICY and isinstance(r.inputs.get("spec"), Mapping):
            denied.setdefault(ns, set()).update(_denies(r.inputs["spec"]))
    out = []
    for ns, members in workloads.items():
        names = ", ".join(str((r.inputs.get("metadata") or {}).get("name") or r.name) for r in members)
        for direction in ("Ingress", "Egress"):
            if direction not in denied.get(ns, set()):
                out.append(Violation(members[0].name, NO_DEFAULT_DENY.format(
                    namespace=ns, workloads=names, direction=direction.lower(), policy_type=direction,
                    rules=direction.lower())))
    return out


NETWORK_POLICY_DEFAULT_DENY = StackPolicy(
    "k8s-network-policy-default-deny", "Every Kubernetes namespace with workloads denies all ingress and egress "
    "by default (a NetworkPolicy with an empty podSelector and no rules).",
    MANDATORY, network_policy_default_deny, NoConfig, (NO_DEFAULT_DENY,))
