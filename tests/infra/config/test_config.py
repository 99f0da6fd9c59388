"""Stack config validation: the bundled stacks parse; every bad value is one line naming file, key, allowed."""
from __future__ import annotations

import pytest

from infra.cli import main as cli
from infra.config import ConfigError, apply_overrides, parse_platform, read_stack_file
from tests.conftest import ROOT


def prod_platform() -> dict:
    return read_stack_file(ROOT / "Pulumi.prod.yaml").platform


def error_for(*overrides: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_platform(apply_overrides(prod_platform(), list(overrides), "Pulumi.prod.yaml"), "Pulumi.prod.yaml")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_bundled_stacks_parse_with_runbook_region_table():
    cfg = parse_platform(prod_platform(), "Pulumi.prod.yaml")
    table = [(r.name, r.primary, r.min_instances, r.max_instances, r.current_instances, r.latency_ms, r.traffic_weight)
             for r in cfg.regions]
    assert table == [("us-east-1", True, 10, 100, 25, 50, 40), ("us-west-2", False, 5, 50, 15, 75, 30),
                     ("eu-west-1", False, 5, 50, 12, 60, 20), ("ap-southeast-1", False, 3, 30, 8, 100, 10)]
    dev = read_stack_file(ROOT / "Pulumi.dev.yaml")
    assert [r.name for r in parse_platform(dev.platform, dev.path).regions] == ["us-east-1"]


def test_config_is_frozen():
    cfg = parse_platform(prod_platform(), "Pulumi.prod.yaml")
    with pytest.raises(Exception):
        cfg.budget_usd_month = 1  # type: ignore[misc]


@pytest.mark.parametrize("overrides, expected", [
    (("regions[0].min_instances=200",),
     "Pulumi.prod.yaml: scaling-platform:platform.regions[0].min_instances: 200 > max_instances 100; "
     "need min <= current <= max"),
    (("regions[1].current_instances=60",),
     "Pulumi.prod.yaml: scaling-platform:platform.regions[1].current_instances: 60 is outside [5, 50]; "
     "need min <= current <= max"),
    (("regions[1].primary=true",),
     "Pulumi.prod.yaml: scaling-platform:platform.regions: 2 regions have primary: true (us-east-1, us-west-2); "
     "exactly one is allowed"),
    (("regions[0].primary=false",),
     "Pulumi.prod.yaml: scaling-platform:platform.regions: 0 regions have primary: true (none); exactly one is allowed"),
    (("regions[2].traffic_weight=0",),
     "Pulumi.prod.yaml: scaling-platform:platform.regions[2].traffic_weight: Input should be greater than 0 (got 0)"),
    (('failed_regions=["us-east-1","us-west-2","eu-west-1","ap-southeast-1"]',),
     "Pulumi.prod.yaml: scaling-platform:platform.failed_regions: every region is marked failed; "
     "at least one region must stay healthy"),
    (('failed_regions=["eu-central-1"]',),
     "Pulumi.prod.yaml: scaling-platform:platform.failed_regions[0]: 'eu-central-1' is not a configured region; "
     "allowed: us-east-1, us-west-2, eu-west-1, ap-southeast-1"),
    (("tiers.worker.min_instances=300",),
     "Pulumi.prod.yaml: scaling-platform:platform.tiers.worker.min_instances: 300 > max_instances 200; need min <= max"),
    (("environment=qa",),
     "Pulumi.prod.yaml: scaling-platform:platform.environment: Input should be 'dev', 'staging' or 'prod' (got 'qa')"),
    (("demand.peak_rps=fast",),
     "Pulumi.prod.yaml: scaling-platform:platform.demand.peak_rps: must be a number (got 'fast')"),
])
def test_cross_field_and_type_errors_name_the_key(overrides, expected):
    assert error_for(*overrides) == expected


def test_unknown_region_lists_allowed_regions():
    message = error_for("regions[3].name=mars-east-1")
    assert message.startswith("Pulumi.prod.yaml: scaling-platform:platform.regions[3].name: unknown AWS region "
                              "'mars-east-1'; allowed: us-east-1, us-east-2,")


def test_unknown_instance_type_lists_allowed_types():
    message = error_for("tiers.api.instance_types=[c9.huge]")
    assert message.startswith("Pulumi.prod.yaml: scaling-platform:platform.tiers.api.instance_types[0]: "
                              "unknown instance type 'c9.huge'; allowed: t3.small, t3.medium")


def test_unknown_key_lists_allowed_keys():
    message = error_for("demand.peak_qps=5")
    assert message == ("Pulumi.prod.yaml: scaling-platform:platform.demand.peak_qps: unknown key; allowed keys: "
                       "peak_rps, users, tps, storage_tb, growth_rate_monthly, forecast_days, jobs_per_second, "
                       "history_csv, history_unit")


def test_region_and_api_tier_bounds_must_overlap():
    assert error_for("tiers.api.max_instances=4") == (
        "Pulumi.prod.yaml: scaling-platform:platform.regions[0].min_instances: region bounds [10, 100] do not overlap "
        "tiers.api bounds [3, 4]")


def test_missing_file_and_yaml_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match=r"Pulumi.qa.yaml: \(file\): file not found"):
        read_stack_file(tmp_path / "Pulumi.qa.yaml")
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  scaling-platform:platform: {environment: prod\n")
    with pytest.raises(ConfigError) as info:
        read_stack_file(bad)
    assert str(info.value).startswith(f"{bad}: line ")
    assert "YAML syntax error" in str(info.value)


def test_stack_file_without_platform_key(tmp_path):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n")
    with pytest.raises(ConfigError, match="scaling-platform:platform: required key is missing"):
        read_stack_file(path)


def test_set_overrides_parse_yaml_values_and_leave_the_source_untouched():
    base = prod_platform()
    result = apply_overrides(base, ['failed_regions=["us-east-1"]', "demand.peak_rps=40000",
                                    "regions.1.max_instances=60", "emergency.mode=up"], "f")
    assert result["failed_regions"] == ["us-east-1"]
    assert result["demand"]["peak_rps"] == 40000
    assert result["regions"][1]["max_instances"] == 60
    assert result["emergency"]["mode"] == "up"
    assert base["demand"]["peak_rps"] == 30000


@pytest.mark.parametrize("item, expected", [
    ("demand.peak_rps", "--set: demand.peak_rps: expected key.path=VALUE, e.g. --set demand.peak_rps=40000"),
    ("regions[9].min_instances=1", "--set: regions[9].min_instances: index 9 does not exist in the stack file"),
    ("demand.peak_rps=[1", "--set: demand.peak_rps: value '[1' is not valid YAML"),
])
def test_bad_set_syntax(item, expected):
    with pytest.raises(ConfigError) as info:
        apply_overrides(prod_platform(), [item], "f")
    assert str(info.value) == expected


@pytest.mark.parametrize("item", [".=1", "[]=x"])
def test_set_without_a_key_exits_2_naming_the_flag(capsys, item):
    code = cli.main(["plan", "--stack", "prod", "--project-dir", str(ROOT), "--set", item])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == f"error: --set: {item}: expected key.path=VALUE, e.g. --set demand.peak_rps=40000\n"


@pytest.mark.parametrize("item, expected", [
    # These were half-read: `demand..peak_rps` set demand.peak_rps, `regions[-1]` said "'-1' is not
    # inside a mapping", `demand[0]` said "index 0 does not exist in the stack file".
    ("demand..peak_rps=1", "--set: demand..peak_rps: not a key path: names joined by dots and [N] list indexes, "
                           "e.g. regions[0].min_instances"),
    ("regions[-1].min_instances=1", "--set: regions[-1].min_instances: not a key path: names joined by dots and "
                                    "[N] list indexes, e.g. regions[0].min_instances"),
    ("regions[x].name=a", "--set: regions[x].name: not a key path: names joined by dots and [N] list indexes, "
                          "e.g. regions[0].min_instances"),
    ("demand[0]=1", "--set: demand[0]: demand is a mapping, not a list; name one of its keys instead of [0]"),
    ("regions.name=x", "--set: regions.name: regions is a list; pick an item first, e.g. regions[0].name"),
    ("budget_usd_month.x=1", "--set: budget_usd_month.x: budget_usd_month is a single value (250000), not a mapping"),
])
def test_set_paths_are_parsed_whole_or_refused(item, expected):
    with pytest.raises(ConfigError) as info:
        apply_overrides(prod_platform(), [item], "f")
    assert str(info.value) == expected
