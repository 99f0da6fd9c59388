"""infra/planning/k8s_security.py: securityContext, /tmp, NetworkPolicies, zone spread mode (pure values)."""
from __future__ import annotations

from infra.planning import k8s_security as ks

SELECTOR = {"app.kubernetes.io/name": "worker"}
PORTS = {"database": 5432, "cache": 6379}
NET = {"vpc_cidr": "10.3.0.0/16", "region": "ap-southeast-1", "data_ports": PORTS, "dns_port": 53, "https_port": 443}


def test_pod_and_container_security_contexts():
    assert ks.pod_security_context(10001, 20002) == {
        "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 20002, "fsGroup": 20002,
        "seccompProfile": {"type": "RuntimeDefault"}}
    assert ks.container_security_context() == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                               "privileged": False, "capabilities": {"drop": ["ALL"]}}
    assert ks.tmp_volume("64Mi") == ({"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                                     {"name": "tmp", "mountPath": "/tmp"})


def test_default_deny_selects_every_pod_with_no_rules():
    deny = ks.default_deny()
    assert (deny.name, deny.spec) == ("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})


def test_worker_gets_no_ingress_and_api_only_the_ingress_namespace():
    worker = ks.workload_network_policy("worker", SELECTOR, app_port=8080, ingress_namespace="ingress-nginx", **NET)
    assert worker.spec["ingress"] == []
    assert [rule["ports"] for rule in worker.spec["egress"]] == [
        [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6379}],
        [{"protocol": "TCP", "port": 443}]]
    assert worker.spec["egress"][1]["to"] == [{"ipBlock": {"cidr": "10.3.0.0/16"}}]
    api = ks.workload_network_policy("api", {"app.kubernetes.io/name": "api"}, app_port=9000, ingress_namespace="edge", **NET)
    assert api.spec["ingress"] == [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}}}],
                                    "ports": [{"protocol": "TCP", "port": 9000}]}]
    assert api.reason.startswith("api: ingress only from namespace edge on TCP 9000; egress DNS")


def test_zone_spread_is_enforced_in_prod_unless_configured():
    assert ks.zone_spread_mode(None, "prod") == "DoNotSchedule"
    assert ks.zone_spread_mode(None, "dev") == ks.zone_spread_mode(None, "staging") == "ScheduleAnyway"
    assert ks.zone_spread_mode("ScheduleAnyway", "prod") == "ScheduleAnyway"
