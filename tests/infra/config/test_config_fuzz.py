"""Fuzzing from the config schema itself: every field, every YAML type, the field's own bounds.

Three doors into the same validation: the parsed dict (fast, many examples, and a valid config must
plan without an exception and without NaN/inf), `--set` text and whole stack files through the CLI
(a bad one exits 2 with one line, no traceback, nothing written). Strategies: schema_fuzz.py.
"""
from __future__ import annotations

import json
import warnings

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.cli import main as cli
from infra.config import ConfigError, parse_platform
from infra.planning.pipeline import plan_stack
from infra.sources.metrics import HistoryError
from tests.conftest import ROOT
from tests.infra.config.schema_fuzz import FIELDS, VALUES, mutated_platforms

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def test_every_section_field_is_fuzzed():
    paths = {".".join(str(p) for p in path) for path, _ in FIELDS}
    # a sample from each section, so a strategy that stops walking the schema fails here
    assert {"budget_usd_month", "regions.0.certificate_arn", "events.0.start", "kubernetes.api_cpu_request",
            "edge.cloudflare.compatibility_date", "scaling.spot.classes.stateless.max_price_factor",
            "scaling.schedules.entries.0.cron", "database.cross_region_replicas"} <= paths
    assert len(FIELDS) >= 200


@FUZZ
@given(mutated_platforms())
def test_schema_fuzz_is_a_one_line_error_or_a_finite_plan(case):
    changes, raw = case
    try:
        cfg = parse_platform(raw, "Pulumi.fuzz.yaml", stack="fuzz")
    except ConfigError as err:
        message = str(err)
        assert "\n" not in message and message.startswith("Pulumi.fuzz.yaml: "), changes
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numeric warning means a number went wrong somewhere
        try:
            plan = plan_stack(cfg, ROOT)
        except (ConfigError, HistoryError) as err:  # planner-level checks and a missing history are one line too
            assert "\n" not in str(err)
            return
    json.dumps(plan.to_dict(), allow_nan=False)  # no NaN/inf in a plan built from accepted input


def _set_text(value) -> str:
    return json.dumps(value, default=str) if not isinstance(value, str) else value


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_set_flag_fuzz_exits_2_with_one_line(field, value, capsys):
    path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in field[0]).replace(".[", "[")
    item = f"{path}={_set_text(value)}"
    if not _invalid(item):
        return  # valid: planning it is the schema test's job (this one stays fast)
    code = cli.main(["plan", "--stack", "prod", "--project-dir", str(ROOT), "--format", "json", "--set", item])
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (item, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err


def _invalid(item: str) -> bool:
    from infra.config import apply_overrides, read_stack_file
    try:
        parse_platform(apply_overrides(read_stack_file(ROOT / "Pulumi.prod.yaml").platform, [item], "f"), "f",
                       stack="prod")
    except ConfigError:
        return True
    return False


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=mutated_platforms())
def test_stack_file_fuzz_exits_2_one_line_nothing_written(case, tmp_path_factory, capsys):
    _, raw = case
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "Pulumi.fuzz.yaml"
    path.write_text(yaml.safe_dump({"config": {"scaling-platform:platform": raw}}, allow_unicode=True))
    try:  # the oracle reads the file as the CLI does (a date written to YAML 1.2 reads back as a string)
        from infra.config import read_stack_file
        parse_platform(read_stack_file(path).platform, "f", stack="fuzz")
        return  # valid: covered by the schema test
    except ConfigError:
        pass
    out_dir = tmp / "out"
    code = cli.main(["plan", "--stack", "fuzz", "--config-file", str(path), "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {path}") and "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000, "9" * 5000,
                                  "x" * 70_000, "&a [*a]", "!!python/object:os.system ls"],
                         ids=["deep-list", "deep-map", "5000-digits", "70k-chars", "self-alias", "python-tag"])
def test_hostile_set_values_exit_2_with_one_line(text, capsys):
    code = cli.main(["plan", "--stack", "prod", "--project-dir", str(ROOT), "--set", f"demand.peak_rps={text}"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
