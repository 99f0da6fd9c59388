"""The vertical ladder by binding resource (catalog rule) and the vertical trigger alarms (novacron §1)."""
from __future__ import annotations

import pytest

from infra.model.catalog import INSTANCE_TYPES
from infra.model.scaling import LADDERS
from infra.planning.vertical import next_type, plan_vertical, vertical_alarms


@pytest.mark.parametrize("frm,resource,to", [
    # the runbook's rungs, every one reproduced by the catalog rule
    ("t3.medium", "cpu", "c5.large"), ("c5.large", "cpu", "c5.xlarge"), ("c5.xlarge", "cpu", "c5.2xlarge"),
    ("m5.large", "memory", "r5.large"), ("r5.large", "memory", "r5.xlarge"), ("r5.xlarge", "memory", "r5.2xlarge"),
    ("m5.large", "network", "m5n.large"), ("m5n.large", "network", "m5n.xlarge"),
    # across families: the binding resource picks the family
    ("c5.large", "memory", "r5.large"), ("t3.medium", "memory", "r5.large"),
    ("c5.large", "network", "c5n.large"), ("r5.large", "network", "r5n.large"), ("t3.medium", "network", "c5n.large"),
    ("c5n.large", "network", "c5n.xlarge"), ("m5n.large", "cpu", "c5n.xlarge"),  # an n type keeps its bandwidth
    ("r5.large", "cpu", "c5.2xlarge"),  # 16 GiB must not shrink: the smallest c5 with 16 GiB
    # tops of the catalog
    ("c5.4xlarge", "cpu", None), ("r5.2xlarge", "memory", None), ("c5n.2xlarge", "network", None),
])
def test_next_type_by_binding_resource(frm, resource, to):
    assert next_type(frm, resource) == to


@pytest.mark.parametrize("frm", list(INSTANCE_TYPES))
@pytest.mark.parametrize("resource", ["cpu", "memory", "network"])
def test_next_type_never_shrinks_anything(frm, resource):
    to = next_type(frm, resource)
    if to is None:
        return
    a, b = INSTANCE_TYPES[frm], INSTANCE_TYPES[to]
    assert (b.sustained_vcpu, b.memory_gib, b.network_gbps) >= (0, 0, 0)
    assert b.sustained_vcpu >= a.sustained_vcpu and b.memory_gib >= a.memory_gib and b.network_gbps >= a.network_gbps
    grown = {"cpu": b.sustained_vcpu > a.sustained_vcpu, "memory": b.memory_gib > a.memory_gib,
             "network": b.network_gbps > a.network_gbps}
    assert grown[resource]


def test_memory_bound_c5_large_goes_to_r5_large_not_c5_xlarge():
    vert = plan_vertical("c5.large", None, 0, 90, desired=10, max_size=100)
    assert (vert.to_type, vert.binding, vert.added_instances) == ("r5.large", "memory", 0)
    assert vert.reason == "forecast memory 90% > 80%; memory-bound: memory-optimised (r) family c5.large -> r5.large"
    assert vert.next_types == {"cpu": "c5.xlarge", "memory": "r5.large", "network": "c5n.large"}


def test_cpu_bound_past_max_goes_to_c_family_network_bound_to_n_variant():
    cpu = plan_vertical("m5.large", None, 150, 0, desired=99, max_size=100)
    assert (cpu.to_type, cpu.binding, cpu.added_instances) == ("c5.xlarge", "cpu", 0)
    net = plan_vertical("c5.large", None, 0, 0, desired=10, max_size=100, network_pct=95)
    assert (net.to_type, net.binding) == ("c5n.large", "network")


def test_the_resource_furthest_over_its_limit_binds_one_move_per_plan():
    # memory 88/80 = 1.10 < network 96/80 = 1.20: network binds
    vert = plan_vertical("r5.large", None, 0, 88, desired=10, max_size=100, network_pct=96)
    assert (vert.to_type, vert.binding) == ("r5n.large", "network")
    assert "forecast memory 88% > 80% (not binding: network is further over its limit; one move per plan)" \
        in vert.reason


def test_cpu_adds_instances_first_and_a_configured_ladder_keeps_the_runbook_rungs():
    vert = plan_vertical("c5.large", None, 150, 0, desired=10, max_size=100)
    assert (vert.to_type, vert.added_instances, vert.binding) == ("c5.large", 2, None)  # int(150/70)
    ladder = plan_vertical("c5.large", "cpu", 0, 90, desired=10, max_size=100)
    assert (ladder.to_type, ladder.rungs) == ("c5.xlarge", LADDERS["cpu"])  # explicit ladder: its next rung


def test_vertical_alarms_numbers():
    api = {a.resource: a for a in vertical_alarms("c5.large", ("c5.large", "t3.medium", "t3.large", "t3.xlarge"))}
    assert list(api) == ["cpu", "memory", "network"]
    cpu, mem, net = api["cpu"], api["memory"], api["network"]
    assert (cpu.namespace, cpu.metric_names, cpu.statistic, cpu.comparison, cpu.threshold, cpu.period_s,
            cpu.evaluation_periods, cpu.next_type) == (
        "AWS/EC2", ("CPUCreditBalance",), "Minimum", "LessThanThreshold", 20, 300, 1, "c5.xlarge")
    assert (mem.namespace, mem.metric_names, mem.threshold, mem.period_s, mem.evaluation_periods, mem.next_type) == (
        "CWAgent", ("mem_used_percent",), 90, 60, 5, "r5.large")
    assert (net.metric_names, net.threshold, net.evaluation_periods, net.expression, net.next_type) == (
        ("NetworkIn", "NetworkOut"), 80, 5, "100 * MAX([m1, m2]) * 8 / PERIOD(m1) / 256000000", "c5n.large")
    assert "t3.medium baseline 0.256 Gbps" in net.reason
    worker = vertical_alarms("c5.large", ())
    assert [a.resource for a in worker] == ["memory", "network"]  # no burstable type: no credit alarm
    assert worker[1].expression.endswith("/ 750000000")
    assert vertical_alarms("m5n.large", ())[1].expression.endswith("/ 2100000000")
