"""Kubernetes workloads: Deployments, PDBs, api HPA behaviour and worker ScaledObject (issue 7)."""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.k8s import K8sWorkloads, K8sWorkloadsArgs
from infra.model.edge import WorkloadPlan
from infra.model.triggers import trigger
from tests.components.alone import build_alone, check_conventions
from tests.conftest import by_name, of_type, run_stack

K8S = ("kubernetes.enabled=true",)


@pytest.fixture(scope="module")
def k8s_run():
    return run_stack("prod", K8S)


def container(deployment):
    return deployment.inputs["spec"]["template"]["spec"]["containers"][0]


def test_disabled_by_default(prod_run):
    assert not [r for r in prod_run.resources if r.type.startswith(("kubernetes:", "pulumi:providers:kubernetes"))]


def test_explicit_provider_with_secret_kubeconfig(k8s_run):
    [provider] = of_type(k8s_run, "pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == "[secret]"
    k8s = [r for r in k8s_run.resources if r.type.startswith("kubernetes:")]
    assert len(k8s) == 7 and all(r.provider == provider.name for r in k8s)
    assert by_name(k8s_run, "prod-k8s-ns").inputs["metadata"]["name"] == "scaling-platform"


def test_deployments_normal_resources_env_probes(k8s_run):
    api, worker = by_name(k8s_run, "prod-k8s-api"), by_name(k8s_run, "prod-k8s-worker")
    assert container(api)["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"},
                                           "limits": {"cpu": "1000m", "memory": "2Gi"}}
    assert {e["name"]: e["value"] for e in container(worker)["env"]} == \
        {"MAX_CONCURRENT_JOBS": "25", "WORKER_THREADS": "8"}
    for d in (api, worker):
        assert container(d)["readinessProbe"]["httpGet"] == {"path": "/health", "port": 8080}
        assert container(d)["livenessProbe"]["httpGet"] == {"path": "/health", "port": 8080}
        assert d.options["ignoreChanges"] == ["spec.replicas"]
    assert api.inputs["spec"]["replicas"] == 14  # primary region's planned api desired


def test_emergency_up_uses_runbook_values():
    run = run_stack("prod", K8S + ("emergency.mode=up", "emergency.target=all"))
    assert container(by_name(run, "prod-k8s-api"))["resources"] == {
        "requests": {"cpu": "1000m", "memory": "2Gi"}, "limits": {"cpu": "2000m", "memory": "4Gi"}}
    assert {e["name"]: e["value"] for e in container(by_name(run, "prod-k8s-worker"))["env"]} == \
        {"MAX_CONCURRENT_JOBS": "50", "WORKER_THREADS": "16"}


def test_pdbs(k8s_run):
    for name in ("api", "worker"):
        pdb = by_name(k8s_run, f"prod-k8s-{name}-pdb")
        assert pdb.inputs["spec"] == {"maxUnavailable": "10%",
                                      "selector": {"matchLabels": {"app.kubernetes.io/name": name}}}


def test_api_hpa_behavior_encodes_the_trigger_table(k8s_run):
    spec = by_name(k8s_run, "prod-k8s-api-hpa").inputs["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (10, 100)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in spec["metrics"]}
    assert targets == {"cpu": 70, "memory": 80}
    up, down = spec["behavior"]["scaleUp"], spec["behavior"]["scaleDown"]
    assert up["stabilizationWindowSeconds"] == 120                    # cpu > 70 % for 2 minutes
    assert up["policies"] == [{"type": "Pods", "value": 2, "periodSeconds": 300}]   # +2, cooldown 300
    assert down["stabilizationWindowSeconds"] == 900                  # memory < 40 % for 15 minutes
    assert down["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 600}]  # -1, cooldown 600


def test_worker_scaled_object_on_queue_depth(k8s_run):
    scaler = by_name(k8s_run, "prod-k8s-worker-scaler")
    assert scaler.type == "kubernetes:keda.sh/v1alpha1:ScaledObject"
    spec = scaler.inputs["spec"]
    up, down = trigger("queue_depth", "up"), trigger("queue_depth", "down")
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (down.bound, up.bound) == (10, 200)
    # cooldownPeriod / activationQueueLength only govern 0 <-> 1: not set with a minimum of 10.
    assert "cooldownPeriod" not in spec
    # aws-sqs-queue takes queueURL (required) and awsRegion; the queue is the one the worker
    # ASG's queue alarm watches (<environment>-<primary region>-jobs), mock account 123456789012.
    assert spec["triggers"] == [{"type": "aws-sqs-queue", "metadata": {
        "queueURL": "https://sqs.us-east-1.amazonaws.com/123456789012/prod-us-east-1-jobs",
        "awsRegion": "us-east-1",
        "queueLength": "100",          # per replica: 1000 messages / 10 min workers
        "scaleOnInFlight": "false"}}]
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior == {
        "scaleUp": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",              # one period
                    "policies": [{"type": "Pods", "value": 5, "periodSeconds": 120}]},    # +5, cd 120
        "scaleDown": {"stabilizationWindowSeconds": 900, "selectPolicy": "Max",           # 15 minutes
                      "policies": [{"type": "Pods", "value": 2, "periodSeconds": 600}]},  # -2, cd 600
    }
    reason = scaler.inputs["metadata"]["annotations"]["scaling-platform/plan-reason"]
    assert reason.startswith("runbook novacron §1 queue_depth: queueLength 100 per replica = 1000 messages / "
                             "min_workers 10; +5 pods per 120 s up to 200; -2 pods per 600 s after 900 s lower")
    assert "not a fixed +5 at 1000" in reason and "not only below 100 messages" in reason


def test_worker_queue_alarm_and_scaled_object_read_the_same_queue(k8s_run):
    alarms = [r for r in k8s_run.resources if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
              and r.inputs.get("namespace") == "AWS/SQS"]
    queues = {a.inputs["dimensions"]["QueueName"] for a in alarms if "us-east-1" in a.name}
    url = by_name(k8s_run, "prod-k8s-worker-scaler").inputs["spec"]["triggers"][0]["metadata"]["queueURL"]
    assert queues == {url.rsplit("/", 1)[1]}


def test_kubernetes_queue_name_override():
    run = run_stack("prod", K8S + ("kubernetes.queue_name=novacron-jobs",))
    meta = by_name(run, "prod-k8s-worker-scaler").inputs["spec"]["triggers"][0]["metadata"]
    assert meta["queueURL"] == "https://sqs.us-east-1.amazonaws.com/123456789012/novacron-jobs"


# --- K8sWorkloads built alone from hand-made WorkloadPlans (tests/components/alone.py) ------------------------

LABELS = {"app.kubernetes.io/part-of": "novacron", "environment": "test"}
WORKLOADS = {
    "api": WorkloadPlan("api", 3, 30, 6, {"cpu": "250m", "memory": "512Mi"}, {"cpu": "500m", "memory": "1Gi"},
                        {"LOG_LEVEL": "info"}, "api: hand-made"),
    "worker": WorkloadPlan("worker", 2, 20, 4, {"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "2Gi"},
                           {"WORKER_THREADS": "8", "MAX_CONCURRENT_JOBS": "25"}, "worker: hand-made"),
}
HPA = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
       "minReplicas": 3, "maxReplicas": 30}
SCALED = {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 2, "maxReplicaCount": 20,
          "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "https://sqs.example/jobs"}}]}


def _build_k8s():
    def make():
        provider = k8s.Provider("k8s-test", kubeconfig=pulumi.Output.secret("{}"))
        return K8sWorkloads("t-k8s", K8sWorkloadsArgs(
            namespace="platform", labels=LABELS, images={"api": "reg/api:1.2.3", "worker": "reg/worker:1.2.3"},
            workloads=WORKLOADS, hpa=HPA, scaled_object=SCALED, scaled_object_reason="queue: hand-made",
            app_port=9000, health_path="/ready", pdb_max_unavailable="25%"),
            opts=pulumi.ResourceOptions(providers={"kubernetes": provider}))
    return build_alone(make)


def test_k8s_alone_namespace_deployments_pdbs_autoscalers():
    built = _build_k8s()
    check_conventions(built, "k8s", "K8sWorkloads")
    pdb = "kubernetes:policy/v1:PodDisruptionBudget"
    assert built.roles() == {"ns": "kubernetes:core/v1:Namespace", "api": "kubernetes:apps/v1:Deployment",
                             "worker": "kubernetes:apps/v1:Deployment", "api-pdb": pdb, "worker-pdb": pdb,
                             "api-hpa": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                             "worker-scaler": "kubernetes:keda.sh/v1alpha1:ScaledObject"}
    assert {r.provider for r in built.children.values()} == {"k8s-test"}
    assert built.named("t-k8s-ns").inputs["metadata"] == {"name": "platform", "labels": LABELS}
    api = built.named("t-k8s-api")
    assert api.options["ignoreChanges"] == ["spec.replicas"]  # the HPA owns replicas after creation
    labels = {**LABELS, "app.kubernetes.io/name": "api"}
    assert api.inputs["metadata"] == {"name": "api", "namespace": "platform", "labels": labels,
                                      "annotations": {"scaling-platform/plan-reason": "api: hand-made"}}
    spec = api.inputs["spec"]
    assert (spec["replicas"], spec["selector"]) == (6, {"matchLabels": {"app.kubernetes.io/name": "api"}})
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}}
    assert spec["template"]["metadata"] == {"labels": labels}
    probe = {"httpGet": {"path": "/ready", "port": 9000}, "periodSeconds": 10, "failureThreshold": 3}
    assert container(api) == {
        "name": "api", "image": "reg/api:1.2.3", "ports": [{"containerPort": 9000, "name": "http"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "500m", "memory": "1Gi"}},
        "readinessProbe": probe, "livenessProbe": {**probe, "initialDelaySeconds": 30}}
    assert container(built.named("t-k8s-worker"))["env"] == [  # sorted by name
        {"name": "MAX_CONCURRENT_JOBS", "value": "25"}, {"name": "WORKER_THREADS", "value": "8"}]
    assert built.named("t-k8s-worker-pdb").inputs["spec"] == {
        "maxUnavailable": "25%", "selector": {"matchLabels": {"app.kubernetes.io/name": "worker"}}}
    hpa = built.named("t-k8s-api-hpa").inputs
    assert (hpa["metadata"], hpa["spec"]) == ({"name": "api", "namespace": "platform", "labels": LABELS}, HPA)
    scaler = built.named("t-k8s-worker-scaler").inputs
    assert (scaler["apiVersion"], scaler["kind"], scaler["spec"]) == ("keda.sh/v1alpha1", "ScaledObject", SCALED)
    assert scaler["metadata"]["annotations"] == {"scaling-platform/plan-reason": "queue: hand-made"}
    assert built.outputs == {"namespace": "platform", "deployments": {"api": "api", "worker": "worker"}}
