"""Run the Cloudflare Worker tests (node --test) so the project's single pytest command covers them.

The Workers are JavaScript; their tests use Node 20's real Request/Response/Headers and WebCrypto
globals (the same Web APIs the Workers runtime provides), with no npm packages.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKER_TESTS = REPO / "edge" / "workers" / "test"
NODE = shutil.which("node")
MIN_NODE_MAJOR = 20  # global fetch/Request/Response and crypto.subtle without flags


@pytest.mark.skipif(NODE is None, reason="node is not installed; the Worker tests need Node >= 20")
def test_worker_tests_pass_under_node():
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=True).stdout
    major = int(re.match(r"v(\d+)", version).group(1))
    if major < MIN_NODE_MAJOR:
        pytest.skip(f"node {version.strip()} is older than {MIN_NODE_MAJOR}; the Worker tests need its Web APIs")
    result = subprocess.run(
        [NODE, "--test", str(WORKER_TESTS)], cwd=REPO, capture_output=True, text=True, timeout=60)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    passed = re.search(r"^# pass (\d+)$", report, re.M)
    failed = re.search(r"^# fail (\d+)$", report, re.M)
    # Guard against a run that "passes" because it found no tests.
    assert passed and int(passed.group(1)) > 0, report
    assert failed and int(failed.group(1)) == 0, report
