"""Simulator over a real plan: groups from the plan, strategies, scores, backtest."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from infra.config import parse_platform, read_stack_file
from infra.planning import simulate as sim
from infra.sources.metrics import HourlyHistory, load_history_csv
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "nasa_3weeks_hourly.csv"


def stack(name: str):
    sf = read_stack_file(ROOT / f"Pulumi.{name}.yaml")
    return parse_platform(sf.platform, sf.path)


@pytest.fixture(scope="module")
def prod_doc():
    history = sim.to_rps(load_history_csv(FIXTURE), "requests_per_hour", 60_000)
    doc, _ = sim.simulate(stack("prod"), history)
    return doc


def test_groups_follow_the_plan_and_region_weights():
    cfg = stack("prod")
    runbook, _ = sim.plans_for(cfg, None)
    groups = {g.name: g for g in sim.groups_of(cfg, runbook)}
    assert len(groups) == 8
    api = groups["us-east-1/api"]
    assert (api.share, api.per_instance, api.min, api.max, api.boot_min) == (0.4, 1000.0, 10, 100, 3)
    assert api.price_hour == 0.085
    assert ("requests", 1, 1000.0, 1, 3, 3) in api.rules  # > 1000 req/s per instance for 1 min: +3, 180 s warm-up
    assert ("cpu", -1, 30.0, 10, -1, 10) in api.rules
    assert api.not_simulated == ("memory out", "memory in", "latency out", "latency in")
    worker = groups["ap-southeast-1/worker"]
    assert worker.share == 0.1 and worker.units_per_request == pytest.approx(2500 / 30000)
    assert ("queue", 1, 1000.0, 1, 5, 2) in worker.rules and worker.boot_min == 2
    assert sim.groups_of(cfg, runbook, boot_s=400)[0].boot_min == 7


def test_to_rps_units_and_rescale():
    h = HourlyHistory(datetime(2024, 1, 1), np.array([3600.0, 7200.0, np.nan]), "t")
    assert sim.to_rps(h, "requests_per_hour").values[:2].tolist() == [1.0, 2.0]
    scaled = sim.to_rps(h, "rps", 100.0)
    assert scaled.values[:2].tolist() == [50.0, 100.0] and "rescaled x0.0138889" in scaled.source


def test_prod_document_shape_and_baselines(prod_doc):
    assert prod_doc["hours"] == 504
    names = [s["name"] for s in prod_doc["strategies"]]
    assert names == ["static", "schedule", "reactive", "runbook", "plan"]
    by = {s["name"]: s for s in prod_doc["strategies"]}
    for s in by.values():
        assert {"short_pct", "capacity_ratio", "cost_usd", "actions", "flaps", "instance_hours"} <= set(s)
    assert by["static"]["actions"] == 0
    # the static fleet is sized on the history's peak x 1.2: more capacity than any scaling strategy
    assert by["static"]["capacity_ratio"] > by["plan"]["capacity_ratio"]
    assert by["static"]["capacity_ratio"] > by["reactive"]["capacity_ratio"]
    assert len(prod_doc["groups"]) == 8
    g = prod_doc["groups"][0]
    assert g["group"] == "us-east-1/api" and g["boot_s"] == 180
    assert [s["name"] for s in g["strategies"]] == names
    static = g["strategies"][0]
    # 60,000 rps peak x 0.4 x 1.2 / 1000 = 28.8 -> 29 instances for 504 h at $0.085
    assert static["instance_hours"] == 29 * 504 and static["cost_usd"] == pytest.approx(29 * 504 * 0.085)


def test_group_costs_add_up_to_the_strategy_total(prod_doc):
    for i, s in enumerate(prod_doc["strategies"]):
        total = sum(g["strategies"][i]["cost_usd"] for g in prod_doc["groups"])
        assert s["cost_usd"] == pytest.approx(total, abs=0.05)


def test_backtest_rebuilds_the_plan_per_origin():
    cfg = stack("dev")
    history = sim.to_rps(load_history_csv(FIXTURE), "requests_per_hour", 300)
    doc = sim.backtest(cfg, history, [336])
    assert doc["hours"] == 168 and doc["mode"].startswith("backtest: 1 weekly origins")
    assert [g["group"] for g in doc["groups"]] == ["us-east-1/api", "us-east-1/worker"]
    static = next(s for s in doc["strategies"] if s["name"] == "static")
    assert static["actions"] == 0 and static["instance_hours"] > 0
