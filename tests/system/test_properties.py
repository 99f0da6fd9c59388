"""Property and fuzz tests (hypothesis): the planner keeps every bound for any valid config, and any
invalid config or flag is one clear line with exit 2 — never a traceback, never a partial --out."""
from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.cli import main as cli
from infra.config import ConfigError, parse_platform
from infra.cost.pricing import estimate_stack
from infra.model.aws_regions import PRICED_REGIONS
from infra.model.catalog import INSTANCE_TYPES
from infra.model.recorded import RecordedResource
from infra.planning.pipeline import plan_capacity
from tests.conftest import ROOT

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def region_rows(draw):
    names = draw(st.lists(st.sampled_from(PRICED_REGIONS), min_size=1, max_size=6, unique=True))
    rows = []
    for name in names:
        lo = draw(st.integers(0, 20))
        hi = draw(st.integers(max(lo, 3), 120))
        rows.append({"name": name, "min_instances": lo, "max_instances": hi,
                     "current_instances": draw(st.integers(lo, hi)),
                     "latency_ms": draw(st.floats(1, 500)), "traffic_weight": draw(st.floats(10, 100))})
    rows[draw(st.integers(0, len(rows) - 1))]["primary"] = True
    return rows


@st.composite
def platforms(draw):
    regions = draw(region_rows())
    failed = draw(st.lists(st.sampled_from([r["name"] for r in regions]), unique=True, max_size=len(regions) - 1))
    return {
        "environment": draw(st.sampled_from(["dev", "staging", "prod"])),
        "budget_usd_month": draw(st.floats(100, 1e7)),
        "regions": regions,
        "failed_regions": failed,
        "demand": {"peak_rps": draw(st.floats(1, 1e6)), "users": draw(st.floats(0, 1e7)),
                   "tps": draw(st.floats(0, 1e5)), "storage_tb": draw(st.floats(0, 2000)),
                   "growth_rate_monthly": draw(st.floats(-0.5, 2)), "forecast_days": draw(st.integers(1, 365))},
        "tiers": {"api": {"instance_types": [draw(st.sampled_from(list(INSTANCE_TYPES)))],
                          "requests_per_instance": draw(st.floats(10, 5000)), "min_instances": 0,
                          "max_instances": 200},
                  "worker": {"instance_types": ["c5.large"], "jobs_per_instance": draw(st.floats(1, 500)),
                             "min_instances": draw(st.integers(0, 10)), "max_instances": draw(st.integers(10, 300))}},
    }


@FAST
@given(platforms())
def test_plan_respects_every_bound_and_weights_sum_to_100(raw):
    cfg = parse_platform(raw, "fuzz.yaml")
    plan = plan_capacity(cfg)
    for name, region in plan.regions.items():
        for tier in region.tiers.values():
            assert tier.min <= tier.desired <= tier.max, (name, tier)
            assert tier.reason
        if region.failed:
            assert region.weight.value == 0
    weights = [r.weight.value for r in plan.regions.values()]
    assert 100 - len(weights) <= sum(weights) <= 100


@FAST
@given(platforms(), st.floats(1.0, 10.0))
def test_desired_is_monotone_in_demand(raw, factor):
    raw = {**raw, "failed_regions": []}
    more = copy.deepcopy(raw)
    more["demand"]["peak_rps"] = raw["demand"]["peak_rps"] * factor
    more["demand"]["tps"] = raw["demand"]["tps"] * factor
    base, bigger = plan_capacity(parse_platform(raw, "f")), plan_capacity(parse_platform(more, "f"))
    for name in base.regions:
        for tier in ("api", "worker"):
            assert bigger.regions[name].tiers[tier].desired >= base.regions[name].tiers[tier].desired


def _asg(desired: int, instance_type: str) -> list[RecordedResource]:
    return [RecordedResource("aws:ec2/launchTemplate:LaunchTemplate", "x-lt", {"instanceType": instance_type},
                             parent="x"),
            RecordedResource("aws:autoscaling/group:Group", "x-asg",
                             {"minSize": 0, "maxSize": 1000, "desiredCapacity": desired,
                              "launchTemplate": {"id": "x-lt_id"}}, parent="x")]


@FAST
@given(st.integers(0, 500), st.integers(0, 500), st.sampled_from(list(INSTANCE_TYPES)))
def test_cost_is_monotone_in_capacity(a, b, instance_type):
    low, high = sorted((a, b))
    assert estimate_stack(_asg(low, instance_type)).monthly_usd <= estimate_stack(_asg(high, instance_type)).monthly_usd


# --- invalid input -------------------------------------------------------------------------------

BAD_VALUES = st.one_of(st.just(-1), st.just(10**12), st.just("abc"), st.just([]), st.just({"x": 1}), st.none(),
                       st.just(True), st.just("mars-east-1"), st.just("c9.huge"), st.floats(allow_nan=True))
MUTATIONS = [
    ("regions", 0, "min_instances"), ("regions", 0, "max_instances"), ("regions", 1, "traffic_weight"),
    ("regions", 2, "name"), ("regions", 0, "latency_ms"), ("demand", "peak_rps"), ("demand", "forecast_days"),
    ("tiers", "api", "instance_types"), ("tiers", "worker", "jobs_per_instance"), ("budget_usd_month",),
    ("environment",), ("database", "instance_class"), ("cache", "replicas"), ("emergency", "mode"),
    ("failed_regions",), ("regions",),
]


def prod_raw() -> dict:
    return yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["scaling-platform:platform"]


def _set(raw: dict, path: tuple, value) -> dict:
    node = raw
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return raw


def _is_valid(raw: dict) -> bool:
    try:
        parse_platform(raw, "f")
        return True
    except ConfigError:
        return False


@FAST
@given(st.sampled_from(MUTATIONS), BAD_VALUES)
def test_invalid_value_is_one_line_naming_file_and_key(path, value):
    raw = _set(prod_raw(), path, value)
    if _is_valid(raw):  # e.g. True for a boolean-tolerant field: not an invalid config
        return
    with pytest.raises(ConfigError) as info:
        parse_platform(raw, "Pulumi.fuzz.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Pulumi.fuzz.yaml: scaling-platform:platform")


@FAST
@given(st.text(alphabet="abc_", min_size=1, max_size=8), st.sampled_from(["", "demand", "tiers.api", "regions[0]"]))
def test_unknown_keys_are_rejected_with_allowed_keys(key, where):
    raw = prod_raw()
    node = raw
    for part in [p for p in where.replace("[0]", ".0").split(".") if p]:
        node = node[int(part)] if part.isdigit() else node[part]
    if key in node:
        return
    node[key] = 1
    with pytest.raises(ConfigError, match="unknown key; allowed keys: "):
        parse_platform(raw, "f")


FILE_BODIES = st.one_of(
    st.just("config: [\n"), st.just("{{{"), st.just(""), st.just("config: 3\n"),
    st.just("config:\n  scaling-platform:platform: 5\n"),
    st.text(max_size=60),
    st.builds(lambda v: yaml.safe_dump({"config": {"scaling-platform:platform": v}}),
              st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=3))),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=FILE_BODIES)
def test_malformed_stack_files_exit_2_without_writing(body, tmp_path_factory, capsys):
    tmp = tmp_path_factory.mktemp("fuzz")
    stack_file = tmp / "Pulumi.fuzz.yaml"
    stack_file.write_text(body)
    out = tmp / "out"
    code = cli.main(["plan", "--stack", "fuzz", "--config-file", str(stack_file), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"error: {stack_file}: ") and "Traceback" not in err
    assert not out.exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(item=st.text(max_size=30))
def test_random_set_flags_never_traceback(item, capsys):
    try:
        code = cli.main(["plan", "--stack", "prod", "--project-dir", str(ROOT), "--format", "json", "--set", item])
    except SystemExit as exc:  # pragma: no cover - argparse must not exit on its own
        raise AssertionError(f"argparse exited {exc.code}") from exc
    out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    if code == 2:
        assert err.count("\n") == 1 and out == ""
