"""Run the Cloudflare Workers in workerd (Cloudflare's runtime, through Miniflare) as the plan deploys them.

The offline prod plan's `cloudflare:index/workersScript:WorkersScript` inputs (content, mainModule,
compatibilityDate, bindings) are handed to edge/workers/test-workerd/ (node --test + Miniflare), so
what starts in workerd is exactly what Pulumi would upload, with the plan's bindings. Node's own
Web APIs accept things workerd refuses (issue 20: a module exporting a constant next to the
handler fails to start with "Incorrect type for map entry"), hence the real runtime.

Miniflare (which ships workerd) is a pinned devDependency in edge/workers/package.json; `.ci/run`
installs it with `npm ci`. Skips only when node is absent; node without the install is a failure.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.planning import edge_plan
from tests.conftest import of_type

WORKERS = edge_plan.WORKERS_DIR
WORKERD_TESTS = WORKERS / "test-workerd"
NODE = shutil.which("node")
SCRIPT_TYPE = "cloudflare:index/workersScript:WorkersScript"
PLANNED_KEYS = ("content", "mainModule", "compatibilityDate", "bindings")


def planned_scripts(run) -> list[dict]:
    """The WorkersScript inputs the workerd tests start, named by their runbook Worker name."""
    scripts = [{"name": r.inputs["mainModule"].removesuffix(".js"), **{k: r.inputs[k] for k in PLANNED_KEYS}}
               for r in of_type(run, SCRIPT_TYPE)]
    return sorted(scripts, key=lambda s: s["name"])


def test_plan_uploads_each_worker_source_unchanged(prod_run):
    scripts = planned_scripts(prod_run)
    assert [s["name"] for s in scripts] == ["auth-validator", "rate-limiter"]
    for script in scripts:
        assert script["content"] == (WORKERS / script["mainModule"]).read_text(encoding="utf-8")
        # workerd takes every export of the main module as an entrypoint: only the handler may be exported.
        assert re.findall(r"^export\s+(\S+)", script["content"], re.MULTILINE) == ["default"]


@pytest.mark.skipif(NODE is None, reason="node is not installed; the workerd tests need Node >= 20 and `npm ci`")
def test_workers_run_in_workerd_with_the_planned_bindings(prod_run, tmp_path):
    if not (WORKERS / "node_modules" / "miniflare" / "package.json").is_file():
        pytest.fail("Miniflare is not installed: run `npm ci` in edge/workers (as .ci/run does)")
    plan_file = tmp_path / "workers-plan.json"
    plan_file.write_text(json.dumps(planned_scripts(prod_run)))
    result = subprocess.run(
        [NODE, "--test", str(WORKERD_TESTS)], cwd=WORKERS, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "WORKERS_PLAN": str(plan_file)})
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    passed = re.search(r"^# pass (\d+)$", report, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", report, re.MULTILINE)
    # Guard against a run that "passes" because it found no tests.
    assert passed and int(passed.group(1)) >= 8, report
    assert failed and int(failed.group(1)) == 0, report


def test_package_pins_miniflare_exactly_with_a_lockfile():
    package = json.loads((WORKERS / "package.json").read_text())
    version = package["devDependencies"]["miniflare"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"miniflare must be pinned exactly, got {version!r}"
    lock = json.loads((WORKERS / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/miniflare"]["version"] == version
    assert lock["packages"][""]["devDependencies"]["miniflare"] == version


def test_ci_installs_the_worker_dependencies_with_npm_ci():
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert re.search(r"^npm --prefix edge/workers ci\b", ci, re.MULTILINE), ci
