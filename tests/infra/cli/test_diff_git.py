"""`scaling diff --base-ref`: the base plan is built at a git ref in a temporary worktree that is always
removed — on success, on a failed plan, on Ctrl-C (SIGINT) and on SIGTERM.

A small repository whose `python -m infra.cli plan` prints a fixed plan stands in for the project
(it shows which tree ran: the committed one, not the working tree); one test builds the real dev
plan at this repository's HEAD.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.cli import main as cli
from tests.conftest import ROOT

BIN = Path(sys.executable).parent
PLAN = {"project": "scaling-platform", "stack": "prod", "resources": [], "capacity": {},
        "cost": {"monthly_usd": 100.0, "budget_usd": 1000.0, "lines": []}, "policies": [], "outputs": {}}
FAKE_MAIN = '''"""Stand-in for `python -m infra.cli plan`: prints plan.json of this tree (or sleeps, or fails)."""
import pathlib, sys, time
here = pathlib.Path(__file__).resolve().parents[2]
mode = (here / "mode.txt").read_text().strip()
assert sys.argv[1] == "plan" and "--stack" in sys.argv and "--format" in sys.argv
if mode == "sleep":
    time.sleep(600)
if mode == "fail":
    print("error: Pulumi.prod.yaml: boom", file=sys.stderr)
    sys.exit(2)
print((here / "plan.json").read_text())
'''


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          check=True, capture_output=True, text=True).stdout


def worktrees(repo: Path) -> list[str]:
    return [line for line in git(repo, "worktree", "list", "--porcelain").splitlines() if line.startswith("worktree ")]


@pytest.fixture
def repo(tmp_path) -> Path:
    repo = tmp_path / "repo"
    (repo / "infra" / "cli").mkdir(parents=True)
    (repo / "infra" / "__init__.py").write_text("")
    (repo / "infra" / "cli" / "__init__.py").write_text("")
    (repo / "infra" / "cli" / "__main__.py").write_text(FAKE_MAIN)
    (repo / "plan.json").write_text(json.dumps(PLAN))
    (repo / "mode.txt").write_text("print\n")
    shutil.copy(ROOT / "Pulumi.prod.yaml", repo / "Pulumi.prod.yaml")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """Where the temporary worktrees go (in-process and child processes alike)."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setenv("TMPDIR", str(path))
    monkeypatch.setattr("tempfile.tempdir", str(path))
    return path


def head_file(tmp_path: Path, monthly: float) -> Path:
    path = tmp_path / "head.json"
    path.write_text(json.dumps({**PLAN, "cost": {**PLAN["cost"], "monthly_usd": monthly}}))
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_base_built_at_the_ref_not_the_working_tree(tmp_path, repo, scratch):
    (repo / "plan.json").write_text(json.dumps({**PLAN, "cost": {**PLAN["cost"], "monthly_usd": 999.0}}))  # uncommitted
    code, out, err = run("diff", "--base-ref", "main", "--head", str(head_file(tmp_path, 130.0)), "--stack", "prod",
                         "--project-dir", str(repo), "--format", "json", "--fail-on-cost-increase", "20")
    doc = json.loads(out)
    assert (doc["cost"]["base_usd"], doc["cost"]["delta_pct"], doc["base"]["label"]) == (100.0, 30.0, "main")
    assert code == 1 and err == ""  # +30 % over the 20 % guardrail
    assert len(worktrees(repo)) == 1 and list(scratch.iterdir()) == []


def test_unknown_ref_and_failed_plan_exit_2_and_clean_up(tmp_path, repo, scratch):
    head = str(head_file(tmp_path, 100.0))
    code, out, err = run("diff", "--base-ref", "nope", "--head", head, "--stack", "prod", "--project-dir", str(repo))
    assert (code, out) == (2, "") and err.startswith("error: --base-ref nope: (ref): 'nope' is not a commit of ")
    (repo / "mode.txt").write_text("fail\n")
    git(repo, "commit", "-q", "-am", "failing plan")
    sha = git(repo, "rev-parse", "HEAD").strip()
    code, out, err = run("diff", "--base-ref", "HEAD", "--head", head, "--stack", "prod", "--project-dir", str(repo))
    assert (code, out) == (2, "")
    assert err == f"error: --base-ref HEAD: scaling plan: exited 2 at {sha[:12]}: error: Pulumi.prod.yaml: boom\n"
    assert len(worktrees(repo)) == 1 and list(scratch.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_while_building_removes_the_worktree(tmp_path, repo, scratch, signum):
    (repo / "mode.txt").write_text("sleep\n")
    git(repo, "commit", "-q", "-am", "slow plan")
    proc = subprocess.Popen([str(BIN / "scaling"), "diff", "--base-ref", "HEAD", "--head",
                             str(head_file(tmp_path, 100.0)), "--stack", "prod", "--project-dir", str(repo)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    deadline = time.monotonic() + 60
    while len(worktrees(repo)) < 2 or not any(scratch.glob("scaling-diff-base-*/tree/mode.txt")):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)  # polling for the worktree to appear, not timing the test
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, "", "error: interrupted (Ctrl-C); nothing more was written\n")
    assert len(worktrees(repo)) == 1 and list(scratch.iterdir()) == []


def test_real_dev_plan_at_head(tmp_path, scratch):
    """The project's own plan at this repository's HEAD, diffed with the working tree's."""
    code, out, err = run("plan", "--stack", "dev", "--project-dir", str(ROOT), "--format", "json")
    head = tmp_path / "dev.json"
    head.write_text(out)
    before = worktrees(ROOT)
    code, out, err = run("diff", "--base-ref", "HEAD", "--head", str(head), "--stack", "dev",
                         "--project-dir", str(ROOT), "--format", "json")
    assert code in (0, 1), err
    doc = json.loads(out)
    assert doc["base"] == {"label": "HEAD", "stack": "dev"} and doc["cost"]["base_usd"] > 0
    assert worktrees(ROOT) == before and list(scratch.iterdir()) == []
