"""Edge planning module, trigger table and edge config section (pure parts of issue 7)."""
from __future__ import annotations

import pytest

from infra.model.triggers import TRIGGERS, trigger
from tests.conftest import ROOT
from tests.system.test_layering import SDKS, imports_of


@pytest.mark.parametrize("path", ["infra/planning/edge_plan.py", "infra/model/triggers.py", "edge/lambda_edge/request_router.py",
                                  "edge/lambda_edge/response_modifier.py"])
def test_edge_planning_is_pure(path):
    assert not {name.split('.')[0] for name, _ in imports_of(ROOT / path)} & set(SDKS)


def test_trigger_table_is_the_runbook():
    assert len(TRIGGERS) == len({(r.metric, r.direction) for r in TRIGGERS}) == 10
    q_up, q_down = trigger("queue_depth", "up"), trigger("queue_depth", "down")
    assert (q_up.threshold, q_up.step, q_up.cooldown_s, q_up.bound) == (1000, 5, 120, 200)
    assert (q_down.threshold, q_down.duration_min, q_down.step, q_down.cooldown_s, q_down.bound) == (100, 15, -2, 600, 10)
    cpu = trigger("cpu", "up")
    assert (cpu.threshold, cpu.duration_s, cpu.step, cpu.cooldown_s, cpu.bound) == (70, 120, 2, 300, 100)
    with pytest.raises(KeyError):
        trigger("disk", "up")


def test_worker_limits_are_read_from_the_worker_sources():
    from infra.planning.edge_plan import _worker_constants
    assert _worker_constants("rate-limiter.js") == (10, ("*/api/*",))
    assert _worker_constants("auth-validator.js") == (50, ("*/secure/*",))


def test_worker_route_narrows_any_host_to_the_service():
    from infra.model.edge import worker_route
    assert worker_route("*/api/*", "www.example.com") == "www.example.com/api/*"
    assert worker_route("x.example.com/a/*", "www.example.com") == "x.example.com/a/*"
