"""Earlier plan files (`scaling plan --previous`, `scaling diff --base/--head`) that are not what
`scaling plan --format json` writes are bad input: exit 2, one line naming the file and the key."""
from __future__ import annotations

import contextlib
import io
import json
import os

import pytest

from infra.cli import main as cli
from infra.cli import plan_checks
from tests.conftest import ROOT

PLAN = {"project": "scaling-platform", "stack": "prod", "resources": [],
        "cost": {"monthly_usd": 100.0, "budget_usd": 1000.0, "lines": [{"item": "a", "monthly_usd": 100.0}]},
        "policies": []}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_cost_is_refused_not_diffed_into_nan(tmp_path, constant):
    # Python's json reads NaN; the diff then printed "$nan", wrote NaN into its JSON (not JSON any
    # more) and every cost guardrail compared false, so the diff passed.
    good = tmp_path / "base.json"
    good.write_text(json.dumps(PLAN))
    bad = tmp_path / "head.json"
    bad.write_text(json.dumps(PLAN, indent=1).replace('"monthly_usd": 100.0,', f'"monthly_usd": {constant},', 1))
    code, out, err = run("diff", "--base", str(good), "--head", str(bad), "--fail-on-cost-increase", "1")
    assert (code, out) == (2, "")
    assert err == (f"error: --head {bad}: line 6: {constant} is not a number a plan can hold (JSON has no NaN or "
                   "Infinity); need the output of `scaling plan --format json`\n")


def test_a_boolean_cost_is_not_a_number(tmp_path):
    good = tmp_path / "base.json"
    good.write_text(json.dumps(PLAN))
    bad = tmp_path / "head.json"
    bad.write_text(json.dumps({**PLAN, "cost": {**PLAN["cost"], "monthly_usd": True}}))
    code, out, err = run("diff", "--base", str(good), "--head", str(bad))
    assert (code, out, err) == (2, "", f"error: --head {bad}: cost.monthly_usd: must be a number\n")


def test_a_resource_listed_twice_is_refused(tmp_path):
    asg = {"type": "aws:autoscaling/group:Group", "name": "prod-us-east-1-api-asg", "inputs": {"minSize": 10.0},
           "options": {}}
    good = tmp_path / "base.json"
    good.write_text(json.dumps(PLAN))
    bad = tmp_path / "head.json"
    bad.write_text(json.dumps({**PLAN, "resources": [asg, {**asg, "inputs": {"minSize": 1.0}}]}))
    code, out, err = run("diff", "--base", str(good), "--head", str(bad))
    assert (code, out) == (2, "")
    assert err == (f"error: --head {bad}: resources[1]: prod-us-east-1-api-asg (aws:autoscaling/group:Group) is "
                   "listed twice (first at resources[0]); a plan has each resource once\n")


@pytest.mark.parametrize("key, value", [("stack", "dev"), ("project", "other-project")])
def test_previous_from_another_stack_is_refused_before_planning(tmp_path, key, value):
    # A dev plan as --previous for prod used to plan on and report every dev resource as deleted
    # (exit 1); a plan of stack "other" passed silently (exit 0, nothing compared).
    previous = tmp_path / "old.json"
    previous.write_text(json.dumps({**PLAN, key: value}))
    code, out, err = run("plan", "--stack", "prod", "--project-dir", str(ROOT), "--previous", str(previous))
    assert (code, out) == (2, "")
    want = "scaling-platform" if key == "project" else "prod"
    assert err == (f"error: --previous {previous}: {key}: {value!r} is not {want!r}; pass an earlier plan of this "
                   "stack (scaling plan --stack prod --format json)\n")


@pytest.mark.parametrize("flag", ["--base", "--head"])
def test_a_device_or_fifo_as_a_plan_file_is_refused_before_reading(tmp_path, flag):
    # `--base /dev/zero` read until memory ran out (MemoryError, exit 3); a FIFO waited forever.
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(PLAN))
    for bad in ("/dev/zero", str(fifo)):
        argv = {"--base": str(good), "--head": str(good), flag: bad}
        code, out, err = run("diff", *(x for kv in argv.items() for x in kv))
        assert (code, out) == (2, "")
        assert err == (f"error: {flag} {bad}: (file): is not a regular file; pass the output of "
                       "`scaling plan --format json`\n")


def test_a_plan_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(plan_checks, "MAX_PLAN_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({**PLAN, "pad": "x" * 2000}))
    code, out, err = run("diff", "--base", str(big), "--head", str(big))
    assert (code, out, err) == (2, "", f"error: --head {big}: (file): is over 1,000 bytes; a plan file is a few MB\n")
