"""policies/rules/kubernetes.py: the prod plan's Kubernetes objects pass; one mutation per message fails.

The rules run on the objects the program really registers (prod with Kubernetes on), directly and
through the pack's pulumi_policy wrappers (as `pulumi preview --policy-pack policies` runs them).
"""
from __future__ import annotations

import copy
import dataclasses

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs

from infra.config import parse_platform
from policies.engine import evaluate, load_policy_config, with_budget
from policies.pack import POLICIES
from policies.rules.base import Violation
from policies.rules.kubernetes import (
    IMAGE_DIGEST_POLICY,
    POD_HARDENED,
    image_digest,
    network_policy_default_deny,
    pod_hardened,
)
from tests.conftest import K8S_ENABLED as K8S
from tests.conftest import run_stack, stack_platform
from tests.policies.stacks import check

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def k8s_stack():
    return list(run_stack("prod", K8S).resources)


def named(stack, name):
    return next(r for r in stack if r.name == name)


def with_pod(resource, change):
    """A copy of a workload resource whose pod spec `change(pod)` edited in place."""
    inputs = copy.deepcopy(dict(resource.inputs))
    change(inputs["spec"]["template"]["spec"])
    return dataclasses.replace(resource, inputs=inputs)


def through_pack(policy_name, resource):
    """A resource policy's messages as the CrossGuard pack reports them."""
    policy = next(p for p in POLICIES if p.name == policy_name)
    reported = []
    args = ResourceValidationArgs(resource.type, resource.inputs, resource.urn, resource.name, None, None, {})
    policy.validate(args, lambda message, urn=None: reported.append(message))
    return reported


def stack_through_pack(policy_name, resources):
    policy = next(p for p in POLICIES if p.name == policy_name)
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    wrapped = [PolicyResource(r.type, r.inputs, r.urn, r.name, opts, None, None, [], {}) for r in resources]
    reported = []
    policy.validate(StackValidationArgs(wrapped, {}), lambda message, urn=None: reported.append((message, urn)))
    return reported


def test_the_prod_plan_with_kubernetes_passes_every_policy(k8s_stack):
    platform, _ = stack_platform("prod", K8S)
    budget = parse_platform(platform, "Pulumi.prod.yaml").budget_usd_month
    assert [v for v in evaluate(k8s_stack, with_budget(load_policy_config("prod"), budget))] == []


def test_hardened_workloads_pass(k8s_stack):
    for name in ("prod-k8s-api", "prod-k8s-worker"):
        assert check(POD_HARDENED, named(k8s_stack, name)) == []
        assert through_pack("k8s-pod-hardened", named(k8s_stack, name)) == []
        assert check(IMAGE_DIGEST_POLICY, named(k8s_stack, name)) == []
    # not a workload: nothing to check
    assert pod_hardened("kubernetes:core/v1:Namespace", {"spec": {}}, {}) == []


@pytest.mark.parametrize("change, message", [
    (lambda pod: pod["securityContext"].pop("runAsNonRoot"),
     "container worker: securityContext.runAsNonRoot is unset; need true (pod or container)"),
    (lambda pod: pod["containers"][0]["securityContext"].update(runAsNonRoot=False),  # the container's value wins
     "container worker: securityContext.runAsNonRoot is false; need true (pod or container)"),
    (lambda pod: pod["securityContext"].update(runAsUser=0.0),
     "container worker: securityContext.runAsUser is 0; need >= 10000 (pod or container)"),
    (lambda pod: pod["securityContext"].update(runAsGroup=1000.0),
     "container worker: securityContext.runAsGroup is 1000; need >= 10000 (pod or container)"),
    (lambda pod: pod["securityContext"].pop("fsGroup"), "pod spec securityContext.fsGroup is unset; need >= 10000"),
    (lambda pod: pod["securityContext"].update(seccompProfile={"type": "Unconfined"}),
     "container worker: securityContext.seccompProfile.type is Unconfined; need RuntimeDefault or Localhost (pod or container)"),
    (lambda pod: pod["containers"][0]["securityContext"].update(allowPrivilegeEscalation=True),
     "container worker: securityContext.allowPrivilegeEscalation is true; need false"),
    (lambda pod: pod["containers"][0]["securityContext"].pop("readOnlyRootFilesystem"),
     "container worker: securityContext.readOnlyRootFilesystem is unset; need true (mount an emptyDir for /tmp)"),
    (lambda pod: pod["containers"][0]["securityContext"].update(privileged=True),
     "container worker: securityContext.privileged is true; need false"),
    (lambda pod: pod["containers"][0]["securityContext"].update(capabilities={"drop": ["NET_RAW"]}),
     "container worker: securityContext.capabilities.drop is ['NET_RAW']; need [ALL]"),
    (lambda pod: pod["containers"][0]["securityContext"].update(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
     "container worker: securityContext.capabilities.add is ['SYS_ADMIN']; need none"),
    (lambda pod: pod.pop("automountServiceAccountToken"),
     "pod spec automountServiceAccountToken is unset; need false (or list the workload in token_workloads)"),
    (lambda pod: pod["containers"][0]["resources"].pop("limits"),
     "container worker: resources.limits.cpu is not set; need requests and limits for cpu and memory"),
])
def test_each_missing_hardening_fails(k8s_stack, change, message):
    worker = with_pod(named(k8s_stack, "prod-k8s-worker"), change)
    assert message in check(POD_HARDENED, worker)
    assert message in through_pack("k8s-pod-hardened", worker)


def test_an_unhardened_init_container_fails_too(k8s_stack):
    worker = with_pod(named(k8s_stack, "prod-k8s-worker"),
                      lambda pod: pod.update(initContainers=[{"name": "migrate", "image": f"m@{DIGEST}"}]))
    messages = check(POD_HARDENED, worker)
    assert "container migrate: securityContext.allowPrivilegeEscalation is unset; need false" in messages
    assert check(IMAGE_DIGEST_POLICY, worker) == []


def test_token_workloads_and_min_uid_are_configurable(k8s_stack):
    worker = with_pod(named(k8s_stack, "prod-k8s-worker"), lambda pod: pod.update(automountServiceAccountToken=True))
    assert check(POD_HARDENED, worker) == [
        "pod spec automountServiceAccountToken is true; need false (or list the workload in token_workloads)"]
    assert check(POD_HARDENED, worker, token_workloads=["worker"]) == []
    assert check(POD_HARDENED, named(k8s_stack, "prod-k8s-worker"), min_uid=20000) == [
        "pod spec securityContext.fsGroup is 10001; need >= 20000",
        "container worker: securityContext.runAsUser is 10001; need >= 20000 (pod or container)",
        "container worker: securityContext.runAsGroup is 10001; need >= 20000 (pod or container)"]


def test_pods_and_cron_jobs_are_found():
    bare = {"containers": [{"name": "c", "image": "nginx:1.27"}]}
    assert image_digest("kubernetes:core/v1:Pod", {"spec": bare}, {}) == [
        "container c: image nginx:1.27 is not pinned by digest; need name[:tag]@sha256:<64 hex digits>"]
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": bare}}}}}
    messages = pod_hardened("kubernetes:batch/v1:CronJob", cron, {})
    # fsGroup, the token; per container 7 securityContext fields (privileged unset is not privileged) + 4 resources
    assert len(messages) == 13 and messages[:2] == [
        "pod spec securityContext.fsGroup is unset; need >= 10000",
        "pod spec automountServiceAccountToken is unset; need false (or list the workload in token_workloads)"]


def test_a_tag_fails_the_digest_rule(k8s_stack):
    api = with_pod(named(k8s_stack, "prod-k8s-api"),
                   lambda pod: pod["containers"][0].update(image="ghcr.io/example/novacron-api:stable"))
    message = ("container api: image ghcr.io/example/novacron-api:stable is not pinned by digest; "
               "need name[:tag]@sha256:<64 hex digits>")
    assert check(IMAGE_DIGEST_POLICY, api) == [message]
    assert through_pack("k8s-image-digest", api) == [message]
    # a value unknown during preview is not judged
    unknown = with_pod(api, lambda pod: pod["containers"][0].update(image="04da6b54-80e4-46f7-96ec-b56ff0331ba9"))
    assert image_digest(DEPLOYMENT, unknown.inputs, {}) == []


def test_namespace_with_default_deny_passes(k8s_stack):
    assert network_policy_default_deny(k8s_stack, {}) == []
    assert stack_through_pack("k8s-network-policy-default-deny", k8s_stack) == []


def test_namespace_without_default_deny_fails(k8s_stack):
    without = [r for r in k8s_stack if r.name != "prod-k8s-default-deny-netpol"]
    expected = [Violation("prod-k8s-api", f"namespace scaling-platform runs api, worker but no NetworkPolicy denies all "
                                          f"{d} by default (empty podSelector, policyTypes {t}, no {d} rules)")
                for d, t in (("ingress", "Ingress"), ("egress", "Egress"))]
    assert network_policy_default_deny(without, {}) == expected
    api_urn = named(k8s_stack, "prod-k8s-api").urn
    assert stack_through_pack("k8s-network-policy-default-deny", without) == [(v.message, api_urn) for v in expected]


def test_a_policy_that_selects_pods_or_allows_traffic_is_not_a_default_deny(k8s_stack):
    deny = named(k8s_stack, "prod-k8s-default-deny-netpol")

    def replaced(**spec):
        return [dataclasses.replace(r, inputs={**r.inputs, "spec": spec}) if r.name == deny.name else r
                for r in k8s_stack]

    selective = replaced(podSelector={"matchLabels": {"app.kubernetes.io/name": "api"}},
                         policyTypes=["Ingress", "Egress"])
    assert len(network_policy_default_deny(selective, {})) == 2
    ingress_only = replaced(podSelector={})  # no policyTypes: Ingress only, Kubernetes' default
    assert [v.message.split(" denies all ")[1].split(" ")[0] for v in network_policy_default_deny(ingress_only, {})] \
        == ["egress"]
    allow_all_egress = replaced(podSelector={}, policyTypes=["Ingress", "Egress"], egress=[{}])
    assert len(network_policy_default_deny(allow_all_egress, {})) == 1
    # the same deny in another namespace does not count
    elsewhere = [dataclasses.replace(r, inputs={**r.inputs, "metadata": {"name": "default-deny", "namespace": "other"}})
                 if r.name == deny.name else r for r in k8s_stack]
    assert len(network_policy_default_deny(elsewhere, {})) == 2
    # a stack without workloads has nothing to deny
    assert network_policy_default_deny([r for r in k8s_stack if not r.type.startswith("kubernetes:")], {}) == []
