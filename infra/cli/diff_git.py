"""`scaling diff --base-ref REF`: build the base plan from a git ref of the same repository.

The ref is checked out in a temporary `git worktree` (detached; the user's checkout, index and
branches are untouched) and `python -m infra.cli plan ... --format json` runs there with that
tree's own code and stack files, the same stack and `--set` flags as the head. The worktree and
its temporary directory are removed afterwards whatever happens: success, a failed plan,
Ctrl-C (SIGINT) or SIGTERM.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.config import ConfigError


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=check)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM: unwind through the cleanup like Ctrl-C


def plan_from_ref(ref: str, project_dir: str | Path, plan_argv: Sequence[str]) -> dict[str, Any]:
    """The plan document that `scaling plan <plan_argv> --format json` prints at `ref`."""
    source = f"--base-ref {ref}"
    project = Path(project_dir).resolve()
    try:
        top = Path(_git(project, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    except (subprocess.CalledProcessError, FileNotFoundError):
        raise ConfigError(source, "(repository)", f"{project} is not inside a git repository (or git is missing); "
                          "pass --base OLD.json instead") from None
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if commit.returncode != 0:
        raise ConfigError(source, "(ref)", f"{ref!r} is not a commit of {top}; pass a branch, tag or commit "
                          "(in CI fetch it first, e.g. actions/checkout fetch-depth: 0)")
    sha = commit.stdout.strip()
    relative = project.relative_to(top)
    scratch = Path(tempfile.mkdtemp(prefix="scaling-diff-base-"))
    tree = scratch / "tree"
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    try:
        added = _git(top, "worktree", "add", "--detach", "--quiet", str(tree), sha, check=False)
        if added.returncode != 0:
            raise ConfigError(source, "(worktree)", f"git worktree add failed: {_last_line(added.stderr)}")
        where = tree / relative
        env = {**os.environ, "PYTHONPATH": str(where)}
        run = subprocess.run([sys.executable, "-m", "infra.cli", "plan", *plan_argv, "--format", "json",
                              "--project-dir", str(where)], cwd=where, env=env, capture_output=True, text=True,
                             check=False)
        if run.returncode not in (0, 1):  # 1 = the base plan has a mandatory verdict: still a plan
            raise ConfigError(source, "scaling plan",
                              f"exited {run.returncode} at {sha[:12]}: {_last_line(run.stderr)}")
        try:
            doc: dict[str, Any] = json.loads(run.stdout)
            return doc
        except json.JSONDecodeError:
            raise ConfigError(source, "scaling plan", f"printed no JSON plan at {sha[:12]}") from None
    finally:
        _git(top, "worktree", "remove", "--force", str(tree), check=False)
        shutil.rmtree(scratch, ignore_errors=True)
        _git(top, "worktree", "prune", check=False)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    """Signal handlers can only be installed from the main thread (tests may run elsewhere)."""
    return threading.current_thread() is threading.main_thread()
