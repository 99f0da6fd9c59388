"""Kubernetes workloads: Deployments, PDBs, api HPA behaviour, worker ScaledObject and its auth (issues 7, 20)."""
from __future__ import annotations

import json
import math

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.k8s import K8sWorkloads, K8sWorkloadsArgs
from infra.config import ConfigError, parse_platform
from infra.model.edge import WorkloadPlan
from infra.model.triggers import trigger
from tests.components.alone import build_alone, check_conventions
from tests.conftest import EXAMPLE_DIGEST, by_name, of_type, run_stack, stack_platform
from tests.conftest import K8S_ENABLED as K8S

REASON = "scaling-platform/plan-reason"


OPERATOR_ROLE = "arn:aws:iam::123456789012:role/keda-operator"


@pytest.fixture(scope="module")
def k8s_run():
    return run_stack("prod", K8S)


@pytest.fixture(scope="module")
def options_run():
    """The optional Kubernetes settings, all in one run (each run costs ~1 s)."""
    return run_stack("prod", (*K8S, "kubernetes.zone_spread=ScheduleAnyway", "kubernetes.pdb_max_unavailable=25%",
                              f"kubernetes.keda_operator_role_arn={OPERATOR_ROLE}"))


def container(deployment):
    return deployment.inputs["spec"]["template"]["spec"]["containers"][0]


def test_disabled_by_default(prod_run):
    assert not [r for r in prod_run.resources if r.type.startswith(("kubernetes:", "pulumi:providers:kubernetes"))]


def test_explicit_provider_with_secret_kubeconfig(k8s_run):
    [provider] = of_type(k8s_run, "pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == "[secret]"
    k8s = [r for r in k8s_run.resources if r.type.startswith("kubernetes:")]
    assert len(k8s) == 11 and all(r.provider == provider.name for r in k8s)
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
    assert container(api)["image"] == f"ghcr.io/example/novacron-api@{EXAMPLE_DIGEST}"
    assert container(worker)["image"] == f"ghcr.io/example/novacron-worker@{EXAMPLE_DIGEST}"


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_every_stack_refuses_a_mutable_image_tag(stack):
    # dev too: Pulumi diffs the image string, so a re-pushed tag never rolls out, and a tag lets
    # the reviewed plan run unreviewed code
    with pytest.raises(ConfigError) as err:
        stack_platform(stack, ("kubernetes.enabled=true",))
    assert str(err.value).endswith(
        f"Pulumi.{stack}.yaml: scaling-platform:platform.kubernetes.api_image: "
        "'ghcr.io/example/novacron-api:stable' is a mutable tag; images must be pinned by digest in every "
        "environment (name[:tag]@sha256:<64 hex digits>)")
    with pytest.raises(ConfigError, match=r"kubernetes\.worker_image: 'w:1' is a mutable tag"):
        stack_platform(stack, (*K8S, "kubernetes.worker_image=w:1"))
    # a tag next to the digest is fine (the digest decides); without k8s the images are not used
    stack_platform(stack, (*K8S, f"kubernetes.api_image=ghcr.io/example/api:1.2@{EXAMPLE_DIGEST}"))
    stack_platform(stack, ("kubernetes.api_image=api:latest",))


def test_pods_spread_over_zones_then_nodes(k8s_run, options_run):
    for name in ("api", "worker"):
        spread = by_name(k8s_run, f"prod-k8s-{name}").inputs["spec"]["template"]["spec"]["topologySpreadConstraints"]
        selector = {"matchLabels": {"app.kubernetes.io/name": name}}
        # prod enforces the zone spread; nodes of a failed zone (tainted) leave the count
        assert spread == [
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": selector, "matchLabelKeys": ["pod-template-hash"], "nodeTaintsPolicy": "Honor"},
            {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
             "labelSelector": selector, "matchLabelKeys": ["pod-template-hash"]}]
    zone = container_spec(by_name(options_run, "prod-k8s-api"))["topologySpreadConstraints"][0]
    assert (zone["topologyKey"], zone["whenUnsatisfiable"]) == ("topology.kubernetes.io/zone", "ScheduleAnyway")


def test_dev_prefers_the_zone_spread():
    zone = container_spec(by_name(run_stack("dev", K8S), "dev-k8s-worker"))["topologySpreadConstraints"][0]
    assert (zone["topologyKey"], zone["whenUnsatisfiable"], zone["maxSkew"]) == \
        ("topology.kubernetes.io/zone", "ScheduleAnyway", 1)


def test_every_pod_and_container_is_hardened(k8s_run):
    for name in ("api", "worker"):
        spec = container_spec(by_name(k8s_run, f"prod-k8s-{name}"))
        assert spec["securityContext"] == {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                           "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}}
        assert spec["automountServiceAccountToken"] is False  # neither calls the API; KEDA uses its own identity
        [box] = spec["containers"]
        assert box["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                          "privileged": False, "capabilities": {"drop": ["ALL"]}}
        assert spec["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}]
        assert box["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
        assert set(box["resources"]) == {"requests", "limits"}
    run = run_stack("prod", (*K8S, "kubernetes.run_as_user=20000", "kubernetes.run_as_group=20001",
                             "kubernetes.tmp_size_limit=1Gi"))
    spec = container_spec(by_name(run, "prod-k8s-api"))
    assert (spec["securityContext"]["runAsUser"], spec["securityContext"]["runAsGroup"],
            spec["securityContext"]["fsGroup"]) == (20000, 20001, 20001)
    assert spec["volumes"][0]["emptyDir"] == {"sizeLimit": "1Gi"}


@pytest.mark.parametrize("override, message", [
    ("kubernetes.run_as_user=0", "kubernetes.run_as_user: Input should be greater than or equal to 10000"),
    ("kubernetes.run_as_group=999", "kubernetes.run_as_group: Input should be greater than or equal to 10000"),
    ("kubernetes.ingress_namespace=Ingress_NS",
     "kubernetes.ingress_namespace: 'Ingress_NS' is not a Kubernetes namespace: 1-63 lowercase letters, digits, hyphens"),
    ("kubernetes.tmp_size_limit=lots", "kubernetes.tmp_size_limit: 'lots' is not a Kubernetes memory quantity"),
])
def test_bad_hardening_values_are_one_clear_error(override, message):
    with pytest.raises(ConfigError) as err:
        stack_platform("prod", (*K8S, override))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_namespace_denies_by_default_and_each_workload_gets_only_what_it_needs(k8s_run):
    deny = by_name(k8s_run, "prod-k8s-default-deny-netpol")
    assert deny.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
    assert deny.inputs["metadata"]["namespace"] == "scaling-platform"
    assert deny.inputs["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    # the primary region's VPC (us-east-1: 10.0.0.0/16): the database and the cache
    data = {"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}],
            "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6379}]}
    https = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    api, worker = by_name(k8s_run, "prod-k8s-api-netpol"), by_name(k8s_run, "prod-k8s-worker-netpol")
    assert api.inputs["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}}, "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
                     "ports": [{"protocol": "TCP", "port": 8080}]}],
        "egress": [dns, data, https]}
    assert worker.inputs["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "worker"}}, "policyTypes": ["Ingress", "Egress"],
        "ingress": [], "egress": [dns, data, https]}
    assert worker.inputs["metadata"]["annotations"][REASON] == (
        "worker: no ingress (it pulls jobs from SQS); egress DNS to kube-system/kube-dns UDP/TCP 53, database 5432, "
        "cache 6379 inside the VPC 10.0.0.0/16 (the plan's network of us-east-1, the cluster's region), "
        "HTTPS 443 for the AWS APIs")


def test_network_policies_follow_the_config():
    run = run_stack("prod", (*K8S, "kubernetes.ingress_namespace=kube-ingress", "kubernetes.app_port=9090",
                             "regions[0].vpc_cidr=10.42.0.0/16"))
    api = by_name(run, "prod-k8s-api-netpol").inputs["spec"]
    assert api["ingress"] == [{"from": [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "kube-ingress"}}}], "ports": [{"protocol": "TCP", "port": 9090}]}]
    assert api["egress"][1]["to"] == [{"ipBlock": {"cidr": "10.42.0.0/16"}}]


def container_spec(deployment):
    return deployment.inputs["spec"]["template"]["spec"]


def test_emergency_up_uses_runbook_values():
    run = run_stack("prod", (*K8S, "emergency.mode=up", "emergency.target=all"))
    assert container(by_name(run, "prod-k8s-api"))["resources"] == {
        "requests": {"cpu": "1000m", "memory": "2Gi"}, "limits": {"cpu": "2000m", "memory": "4Gi"}}
    assert {e["name"]: e["value"] for e in container(by_name(run, "prod-k8s-worker"))["env"]} == \
        {"MAX_CONCURRENT_JOBS": "50", "WORKER_THREADS": "16"}


def test_pdbs_keep_the_runbook_minimum_available_during_drains(k8s_run):
    for name, minimum in (("api", 10), ("worker", 10)):  # primary api tier min; runbook min_workers
        pdb = by_name(k8s_run, f"prod-k8s-{name}-pdb")
        selector = {"matchLabels": {"app.kubernetes.io/name": name}}
        assert pdb.inputs["spec"] == {"minAvailable": minimum, "selector": selector,
                                      "unhealthyPodEvictionPolicy": "AlwaysAllow"}
        assert by_name(k8s_run, f"prod-k8s-{name}").inputs["spec"]["selector"] == selector
        assert pdb.inputs["metadata"]["annotations"][REASON] == (
            f"minAvailable {minimum} = the runbook minimum: a drain never takes the workload below it "
            "(at the minimum, evictions wait until replicas are up elsewhere)")
        # with replicas at the minimum an eviction is refused: disruptionsAllowed = replicas - minAvailable
        assert by_name(k8s_run, "prod-k8s-worker").inputs["spec"]["replicas"] - minimum == 0


def test_pdb_max_unavailable_is_the_operators_override(options_run):
    for name in ("api", "worker"):
        spec = by_name(options_run, f"prod-k8s-{name}-pdb").inputs["spec"]
        assert spec["maxUnavailable"] == "25%" and "minAvailable" not in spec
    platform, _ = stack_platform("prod", (*K8S, "kubernetes.pdb_max_unavailable=2"))
    assert parse_platform(platform, "Pulumi.prod.yaml").kubernetes.pdb_max_unavailable == 2  # pods: an integer
    # Kubernetes refuses a string that is not a percentage ("must be an integer or percentage")
    with pytest.raises(ConfigError, match=r"kubernetes\.pdb_max_unavailable"):
        stack_platform("prod", (*K8S, "kubernetes.pdb_max_unavailable=two"))


def test_api_hpa_behavior_encodes_the_trigger_table(k8s_run):
    spec = by_name(k8s_run, "prod-k8s-api-hpa").inputs["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (10, 100)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in spec["metrics"]}
    assert targets == {"cpu": 70, "memory": 80}
    up, down = spec["behavior"]["scaleUp"], spec["behavior"]["scaleDown"]
    assert up["stabilizationWindowSeconds"] == 120                    # cpu > 70 % for 2 minutes
    # doubling (or +2) per 90 s: 10 -> 20 -> 40 -> 80 -> 100 within the rows' 300 s cooldown
    assert up["policies"] == [{"type": "Percent", "value": 100, "periodSeconds": 90},
                              {"type": "Pods", "value": 2, "periodSeconds": 90}]
    assert down["stabilizationWindowSeconds"] == 900                  # memory < 40 % for 15 minutes
    assert down["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 600}]  # -1, cooldown 600
    reason = by_name(k8s_run, "prod-k8s-api-hpa").inputs["metadata"]["annotations"][REASON]
    assert reason == ("runbook novacron §1 cpu/memory rows: scale-up 10 -> 100 in 4 steps (x2 or +2 pods per 90 s) "
                      "after 120 s above target: max 390 s (6.5 min) after the load rises; the runbook's +2 per 300 s "
                      "would take 45 steps, 13320 s (222 min), too slow for pods that start in seconds")


def hpa_time_to_max(behavior: dict, minimum: int, maximum: int, sync_s: int = 15) -> int:
    """Seconds from the load rising (demanding `maximum` at once) until the HPA runs `maximum` pods,
    stepping the controller's sync loop with its scale-up rules: a recommendation must have held for
    the stabilisation window, and per policy the pods added within its period are limited (Pods:
    +value, Percent: x(1 + value/100) of the replicas at the period's start, rounded up; Max wins)."""
    replicas, events, t = minimum, [], 0
    while replicas < maximum:
        t += sync_s
        assert t < 86_400, "never reaches max"
        if t < behavior["stabilizationWindowSeconds"]:
            continue
        limits = []
        for p in behavior["policies"]:
            start = replicas - sum(n for when, n in events if when > t - p["periodSeconds"])
            limits.append(start + p["value"] if p["type"] == "Pods" else math.ceil(start * (1 + p["value"] / 100)))
        new = min(maximum, max(replicas, max(limits)))
        events.append((t, new - replicas))
        replicas = new
    return t


def test_hpa_reaches_max_within_minutes_of_the_trigger(k8s_run):
    up = by_name(k8s_run, "prod-k8s-api-hpa").inputs["spec"]["behavior"]["scaleUp"]
    assert hpa_time_to_max(up, 10, 100) == 390          # the reason's number, from the controller's rules
    runbook_pace = {"stabilizationWindowSeconds": 120, "policies": [{"type": "Pods", "value": 2, "periodSeconds": 300}]}
    assert hpa_time_to_max(runbook_pace, 10, 100) == 13_320  # the old +2 per 300 s: 222 min
    scaler = by_name(k8s_run, "prod-k8s-worker-scaler").inputs["spec"]
    worker_up = scaler["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleUp"]
    assert hpa_time_to_max(worker_up, 10, 200) == 180


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
        "scaleOnInFlight": "false"},
        "authenticationRef": {"name": "worker-sqs", "kind": "TriggerAuthentication"}}]
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior == {
        "scaleUp": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",              # one period
                    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 30},  # 10 -> 200 in
                                 {"type": "Pods", "value": 5, "periodSeconds": 30}]},     # the 120 s cooldown
        "scaleDown": {"stabilizationWindowSeconds": 900, "selectPolicy": "Max",           # 15 minutes
                      "policies": [{"type": "Pods", "value": 2, "periodSeconds": 600}]},  # -2, cd 600
    }
    reason = scaler.inputs["metadata"]["annotations"][REASON]
    assert reason.startswith("runbook novacron §1 queue_depth: queueLength 100 per replica = 1000 messages / "
                             "min_workers 10; scale-up 10 -> 200 in 5 steps (x2 or +5 pods per 30 s) after 60 s above "
                             "target: max 180 s (3.0 min) after the load rises; the runbook's +5 per 120 s would take "
                             "38 steps, 4500 s (75 min), too slow for pods that start in seconds; "
                             "-2 pods per 600 s after 900 s lower")
    assert "not a fixed +5 at 1000" in reason and "not only below 100 messages" in reason


def test_keda_authenticates_by_pod_identity_with_a_role_for_the_one_queue(k8s_run):
    auth = by_name(k8s_run, "prod-k8s-worker-auth")
    role = by_name(k8s_run, "prod-k8s-keda-role")
    assert auth.type == "kubernetes:keda.sh/v1alpha1:TriggerAuthentication"
    assert auth.inputs["metadata"]["name"] == "worker-sqs"      # what the ScaledObject's trigger names
    assert auth.inputs["metadata"]["namespace"] == by_name(k8s_run, "prod-k8s-worker-scaler").inputs["metadata"]["namespace"]
    # roleArn (KEDA assumes it with the operator's IRSA / EKS Pod Identity); no static keys anywhere
    # (the offline mocks' ARN of the role created next to it)
    assert auth.inputs["spec"] == {"podIdentity": {
        "provider": "aws", "roleArn": "arn:aws:iam:us-east-1:123456789012:prod-k8s-keda-role"}}
    assert (role.type, role.provider) == ("aws:iam/role:Role", "aws-us-east-1")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "KedaOperatorAssumes", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole"}]}
    [policy] = [r for r in of_type(k8s_run, "aws:iam/rolePolicy:RolePolicy") if r.parent == "prod-k8s"]
    assert policy.inputs["role"] == "prod-k8s-keda-role_id"
    assert json.loads(policy.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadWorkerQueueDepth", "Effect": "Allow", "Action": ["sqs:GetQueueAttributes"],
        "Resource": "arn:aws:sqs:us-east-1:123456789012:prod-us-east-1-jobs"}]}
    scaler = by_name(k8s_run, "prod-k8s-worker-scaler")
    assert "identityOwner" not in scaler.inputs["spec"]["triggers"][0]["metadata"]


def test_keda_role_trusts_only_the_configured_operator_role(options_run):
    trust = json.loads(by_name(options_run, "prod-k8s-keda-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"AWS": OPERATOR_ROLE}
    with pytest.raises(ConfigError, match=r"kubernetes\.keda_operator_role_arn"):
        stack_platform("prod", (*K8S, "kubernetes.keda_operator_role_arn=keda-operator"))


def test_worker_queue_alarm_and_scaled_object_read_the_same_queue(k8s_run):
    alarms = [r for r in k8s_run.resources if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
              and r.inputs.get("namespace") == "AWS/SQS"]
    queues = {a.inputs["dimensions"]["QueueName"] for a in alarms if "us-east-1" in a.name}
    url = by_name(k8s_run, "prod-k8s-worker-scaler").inputs["spec"]["triggers"][0]["metadata"]["queueURL"]
    assert queues == {url.rsplit("/", 1)[1]}


def test_kubernetes_queue_name_override():
    run = run_stack("prod", (*K8S, "kubernetes.queue_name=novacron-jobs"))
    meta = by_name(run, "prod-k8s-worker-scaler").inputs["spec"]["triggers"][0]["metadata"]
    assert meta["queueURL"] == "https://sqs.us-east-1.amazonaws.com/123456789012/novacron-jobs"
    [policy] = [r for r in of_type(run, "aws:iam/rolePolicy:RolePolicy") if r.parent == "prod-k8s"]
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Resource"] == \
        "arn:aws:sqs:us-east-1:123456789012:novacron-jobs"


# --- K8sWorkloads built alone from hand-made plans (tests/components/alone.py) ------------------------------

LABELS = {"app.kubernetes.io/part-of": "novacron", "environment": "test"}
WORKLOADS = {
    "api": WorkloadPlan("api", 3, 30, 6, {"cpu": "250m", "memory": "512Mi"}, {"cpu": "500m", "memory": "1Gi"},
                        {"LOG_LEVEL": "info"}, "api: hand-made"),
    "worker": WorkloadPlan("worker", 2, 20, 4, {"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "2Gi"},
                           {"WORKER_THREADS": "8"}, "worker: hand-made"),
}
HPA = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "minReplicas": 3, "maxReplicas": 30}
SCALED = {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 2, "maxReplicaCount": 20,
          "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "https://sqs.example/jobs"},
                        "authenticationRef": {"name": "worker-sqs"}}]}
SELECTORS = {name: {"app.kubernetes.io/name": name} for name in WORKLOADS}
PDBS = {name: {"minAvailable": plan.min, "selector": {"matchLabels": SELECTORS[name]}} for name, plan in WORKLOADS.items()}


def _build_k8s():
    def make():
        provider = k8s.Provider("k8s-test", kubeconfig=pulumi.Output.secret("{}"))
        return K8sWorkloads("t-k8s", K8sWorkloadsArgs(
            namespace="platform", labels=LABELS, images={"api": "reg/api@sha256:" + "a" * 64, "worker": "reg/w@sha256:" + "b" * 64},
            workloads=WORKLOADS, hpa=HPA, hpa_reason="hpa: hand-made", scaled_object=SCALED,
            scaled_object_reason="queue: hand-made", trigger_auth_name="worker-sqs",
            trigger_auth={"podIdentity": {"provider": "aws"}}, keda_role_trust_policy='{"Version": "2012-10-17"}',
            keda_role_policy='{"Statement": []}', aws_tags={"environment": "test"}, selectors=SELECTORS, pdbs=PDBS,
            pdb_reasons={name: f"{name}: min" for name in WORKLOADS}, spread={name: [] for name in WORKLOADS},
            app_port=9000, health_path="/ready", pod_security={"runAsNonRoot": True},
            container_security={"readOnlyRootFilesystem": True}, tmp_volume={"name": "tmp", "emptyDir": {}},
            tmp_mount={"name": "tmp", "mountPath": "/tmp"},
            network_policies={"default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
            network_policy_reasons={"default-deny": "deny: hand-made"}),
            opts=pulumi.ResourceOptions(providers={"kubernetes": provider}))
    return build_alone(make)


def test_k8s_alone_children_and_inputs():
    built = _build_k8s()
    check_conventions(built, "k8s", "K8sWorkloads")
    roles = built.roles()
    assert roles["api"] == roles["worker"] == "kubernetes:apps/v1:Deployment"
    assert roles["api-hpa"] == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
    assert roles["worker-scaler"] == "kubernetes:keda.sh/v1alpha1:ScaledObject"
    assert roles["api-pdb"] == roles["worker-pdb"] == "kubernetes:policy/v1:PodDisruptionBudget"
    assert roles["default-deny-netpol"] == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
    pod = built.named("t-k8s-worker").inputs["spec"]["template"]["spec"]
    assert (pod["securityContext"], pod["containers"][0]["securityContext"]) == \
        ({"runAsNonRoot": True}, {"readOnlyRootFilesystem": True})
    assert built.named("t-k8s-default-deny-netpol").inputs["metadata"]["namespace"] == "platform"
    api = built.named("t-k8s-api")
    assert api.options["ignoreChanges"] == ["spec.replicas"]  # the HPA owns replicas after creation
    assert api.inputs["spec"]["replicas"] == 6
    assert api.inputs["spec"]["template"]["spec"]["containers"][0]["image"] == "reg/api@sha256:" + "a" * 64
    assert built.named("t-k8s-worker-pdb").inputs["spec"] == PDBS["worker"]
    assert built.named("t-k8s-api-hpa").inputs["spec"] == HPA
    assert built.named("t-k8s-worker-scaler").inputs["spec"] == SCALED
