"""The optional Kubernetes workloads section and the Kubernetes value rules it needs.

Pure (no pulumi, no boto3). Quantities, image references and names follow what the API server
accepts (resource.Quantity, the distribution reference grammar, RFC 1123 labels), so a value the
cluster would reject at `pulumi up` is a config error at plan time.
"""
from __future__ import annotations

import re
from typing import Annotated, Iterator, Literal

from pydantic import AfterValidator, Field

from infra.config.base import QueueName, Section, UrlPath

_CPU = re.compile(r"(\d{1,7})m|(\d{1,4})(\.\d{1,3})?")
_MEMORY = re.compile(r"(\d{1,13})(\.\d{1,3})?(Ki|Mi|Gi|Ti|k|M|G|T)?")
_MEMORY_UNIT = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
# One pod: at most 256 cores and 4 TiB (beyond the largest EC2 node); at least 1 millicore and 4 MiB.
MAX_CPU_MILLI = 256_000
MIN_MEMORY_BYTES, MAX_MEMORY_BYTES = 4 * 2**20, 4 * 2**40


def cpu_millicores(text: str) -> int:
    """Kubernetes CPU quantity (`500m`, `2`, `1.5`) -> millicores; ValueError for anything else."""
    match = _CPU.fullmatch(text)
    if not match:
        raise ValueError(f"{text[:40]!r} is not a Kubernetes CPU quantity; need millicores such as 500m or cores such as 2")
    milli = int(match.group(1)) if match.group(1) else round(float(match.group(2) + (match.group(3) or "")) * 1000)
    if not 1 <= milli <= MAX_CPU_MILLI:
        raise ValueError(f"{text} is out of range; allowed 1m..{MAX_CPU_MILLI // 1000} cores")
    return milli


def memory_bytes(text: str) -> int:
    """Kubernetes memory quantity (`512Mi`, `2Gi`, `1G`) -> bytes; ValueError for anything else."""
    match = _MEMORY.fullmatch(text)
    if not match:
        raise ValueError(f"{text[:40]!r} is not a Kubernetes memory quantity; need e.g. 512Mi or 2Gi")
    value = int(float(match.group(1) + (match.group(2) or "")) * _MEMORY_UNIT[match.group(3)])
    if not MIN_MEMORY_BYTES <= value <= MAX_MEMORY_BYTES:
        raise ValueError(f"{text} is out of range; allowed 4Mi..4Ti")
    return value


def _cpu(text: str) -> str:
    cpu_millicores(text)
    return text


def _memory(text: str) -> str:
    memory_bytes(text)
    return text


# Image reference (distribution/reference grammar): [registry[:port]/]path[:tag][@sha256:digest].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                    rf"(?::\d{{1,5}})?/)?{_COMPONENT}(?:/{_COMPONENT})*(?::\w[\w.-]{{0,127}})?(?:@sha256:[0-9a-f]{{64}})?")


def _image(text: str) -> str:
    if len(text) > 255 or not _IMAGE.fullmatch(text):
        raise ValueError(f"{text[:60]!r} is not an image reference; need [registry/]name[:tag][@sha256:digest] "
                         "such as ghcr.io/example/api:1.2")
    return text


NamespaceName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
                                     description="a Kubernetes namespace: 1-63 lowercase letters, digits, hyphens")]
CpuQuantity = Annotated[str, AfterValidator(_cpu)]
MemoryQuantity = Annotated[str, AfterValidator(_memory)]
ImageRef = Annotated[str, AfterValidator(_image)]


# An immutable image reference: OCI digest form `name[:tag]@sha256:<64 lowercase hex>`.
IMAGE_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# What the digest rule asks for (config errors and the k8s-image-digest policy say the same).
IMAGE_DIGEST_FORM = "name[:tag]@sha256:<64 hex digits>"
# runAsUser / runAsGroup: above the host's ordinary ids (Checkov CKV_K8S_40 asks >= 10000), within int32.
MIN_RUN_AS_ID, MAX_RUN_AS_ID = 10_000, 2_147_483_647


_PERCENT = re.compile(r"^([1-9]\d?|100)%$")


def _pdb_bound(value: int | str | None) -> int | str | None:
    """A PDB maxUnavailable as Kubernetes takes it: a pod count (integer) or a percentage string."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100_000) \
            or (isinstance(value, str) and _PERCENT.match(value)):
        return value
    raise ValueError(f"{value!r} is not a pod count 1..100000 or a percentage 1%..100%")


class KubernetesConfig(Section):
    """Optional k8s workloads; the kubeconfig comes from the secret `scaling-platform:kubeconfig`.

    Replica bounds and the HPA/KEDA thresholds are not here: they come from the plan (primary
    region's api tier) and infra/model/triggers.py (runbook §1). Resources below are the *normal* mode;
    emergency `up` on api/all switches to the runbook's emergency values (infra/planning/edge_plan.py).
    """

    enabled: bool = False
    namespace: NamespaceName = "scaling-platform"
    api_image: ImageRef = "ghcr.io/example/novacron-api:stable"
    worker_image: ImageRef = "ghcr.io/example/novacron-worker:stable"
    # Normal-mode requests/limits of one api pod: half the runbook's emergency values (novacron
    # "2. Manual Scaling Procedures" raises api to requests 1000m/2Gi, limits 2000m/4Gi).
    api_cpu_request: CpuQuantity = "500m"
    api_memory_request: MemoryQuantity = "1Gi"
    api_cpu_limit: CpuQuantity = "1000m"
    api_memory_limit: MemoryQuantity = "2Gi"
    worker_cpu_request: CpuQuantity = "500m"
    worker_memory_request: MemoryQuantity = "1Gi"
    worker_cpu_limit: CpuQuantity = "1000m"
    worker_memory_limit: MemoryQuantity = "2Gi"
    # Normal worker concurrency; the runbook only gives the emergency values (50 jobs, 16 threads).
    # 25 jobs = half of both the emergency value and tiers.worker.jobs_per_instance 50.
    max_concurrent_jobs: Annotated[int, Field(ge=1, le=10_000)] = 25
    worker_threads: Annotated[int, Field(ge=1, le=1_024)] = 8
    # PodDisruptionBudgets: None (default) = minAvailable at the runbook minimum of each workload, so
    # a drain never takes it below; a count or percentage here = maxUnavailable instead (the operator's
    # own bound, which does let a drain go below the minimum). Kubernetes takes an integer (pods) or a
    # percentage string; "2" (a string count) it refuses.
    pdb_max_unavailable: Annotated[int | str | None, AfterValidator(_pdb_bound)] = None
    # Zone spread of the pods (topology.kubernetes.io/zone, maxSkew 1). None (default) = DoNotSchedule in
    # prod (an even spread is enforced: losing a zone never takes more than its share of the pods; nodes
    # of a failed zone carry NotReady/unreachable taints and `nodeTaintsPolicy: Honor` leaves them out of
    # the count, so the pods still schedule in the other zones), ScheduleAnyway elsewhere (prefer, never
    # leave a pod Pending for it). Set either value to override.
    zone_spread: Literal["ScheduleAnyway", "DoNotSchedule"] | None = None
    # KEDA authenticates the SQS trigger by pod identity: the KEDA operator (IRSA or EKS Pod Identity on
    # its service account) assumes a role that may only read the worker queue. This names the operator's
    # role as the only principal trusted to assume it; None trusts the account (the operator role's own
    # sts:AssumeRole permission then decides).
    keda_operator_role_arn: Annotated[str | None, Field(
        max_length=2048, pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$")] = None
    # KEDA queue trigger: the worker reads SQS (queueURL built from region, account and name;
    # infra/planning/edge_plan.py keda_spec). queue_name None = the queue the worker ASG's queue alarms watch
    # in the primary region (`scaling.queue.queue_name`, else `<environment>-<region>-jobs`).
    queue_trigger_type: Literal["aws-sqs-queue"] = "aws-sqs-queue"
    queue_name: QueueName | None = None
    # Pod identity (issue 16): a non-root user and group with a high id (>= 10000, Checkov CKV_K8S_40: no
    # clash with a host user if a container ever escapes); the group also owns the pod's volumes (fsGroup).
    # 10001 is this project's choice; the image must not need another uid to read its own files.
    run_as_user: Annotated[int, Field(ge=MIN_RUN_AS_ID, le=MAX_RUN_AS_ID)] = 10001
    run_as_group: Annotated[int, Field(ge=MIN_RUN_AS_ID, le=MAX_RUN_AS_ID)] = 10001
    # The root filesystem is read-only; /tmp is a pod-local emptyDir capped at this size (exceeding it
    # evicts the pod rather than filling the node's disk).
    tmp_size_limit: MemoryQuantity = "256Mi"
    # The ingress controller's namespace: the only source the api NetworkPolicy admits, on app_port
    # (matched by the `kubernetes.io/metadata.name` label the API server sets on every namespace).
    ingress_namespace: NamespaceName = "ingress-nginx"
    # Not 1-1023 (privileged) and not the kubelet's 10250.
    app_port: Annotated[int, Field(ge=1024, le=65535)] = 8080
    health_path: UrlPath = "/health"


def kubernetes_problems(k: KubernetesConfig) -> Iterator[tuple[str, str]]:
    """Images by digest (when enabled); requests never above limits (the API server rejects such a pod).

    Digests in every environment, dev included: Pulumi diffs the image string, so re-pushing a tag is no
    change and never rolls out; and a tag lets the reviewed plan run code nobody reviewed. Resolving the
    digest in CI (`docker buildx imagetools inspect`, `crane digest`) costs one line.
    """
    if k.enabled:
        for key in ("api_image", "worker_image"):
            if not IMAGE_DIGEST.search(getattr(k, key)):
                yield (f"kubernetes.{key}", f"{getattr(k, key)!r} is a mutable tag; images must be pinned by digest "
                                            f"in every environment ({IMAGE_DIGEST_FORM})")
    for role in ("api", "worker"):
        for kind, parse in (("cpu", cpu_millicores), ("memory", memory_bytes)):
            request, limit = getattr(k, f"{role}_{kind}_request"), getattr(k, f"{role}_{kind}_limit")
            if parse(request) > parse(limit):
                yield (f"kubernetes.{role}_{kind}_request",
                       f"{request} > {role}_{kind}_limit {limit}; a request must not exceed its limit")
