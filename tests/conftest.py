"""Shared fixtures: run the real program under the SDK mocks for a bundled stack (+ --set overrides)."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest

from infra.config import apply_overrides, parse_platform, read_stack_file

ROOT = Path(__file__).resolve().parents[1]


def stack_platform(stack: str = "prod", overrides: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """(platform dict, other config keys) of Pulumi.<stack>.yaml with --set style overrides applied."""
    stack_file = read_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    platform = apply_overrides(stack_file.platform, list(overrides), stack_file.path)
    parse_platform(platform, stack_file.path)  # fail early with the one-line message
    return platform, dict(stack_file.other)


@functools.lru_cache(maxsize=16)
def run_stack(stack: str = "prod", overrides: tuple[str, ...] = ()):
    """OfflineRun of the program for a stack; cached, since a run costs ~0.5-1 s."""
    from infra.offline.runner import run_program

    platform, other = stack_platform(stack, overrides)
    return run_program(stack, platform, other)


def by_name(run, name: str):
    """The recorded resource with this logical name."""
    matches = [r for r in run.resources if r.name == name]
    assert matches, f"no resource named {name!r}"
    return matches[0]


def of_type(run, type_token: str):
    """All recorded resources of one type token."""
    return [r for r in run.resources if r.type == type_token]


@pytest.fixture(scope="session")
def prod_run():
    return run_stack("prod")


# Kubernetes on in a bundled stack: prod refuses mutable image tags, so the images go by digest.
EXAMPLE_DIGEST = "sha256:" + "0123456789abcdef" * 4
K8S_IMAGES = {"api_image": f"ghcr.io/example/novacron-api@{EXAMPLE_DIGEST}",
              "worker_image": f"ghcr.io/example/novacron-worker@{EXAMPLE_DIGEST}"}
K8S_ENABLED = ("kubernetes.enabled=true", *(f"kubernetes.{k}={v}" for k, v in K8S_IMAGES.items()))


@pytest.fixture(scope="session")
def moto_server():
    """moto's server on 127.0.0.1 (a free port) for the whole session; tests reset it (see `aws`)."""
    from tests.moto_stack import MotoServer

    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
def aws(moto_server, monkeypatch):
    """A clean moto account behind AWS_ENDPOINT_URL with test credentials; yields the server."""
    from tests.moto_stack import aws_env

    moto_server.reset()
    aws_env(monkeypatch, moto_server.url)
    yield moto_server


@pytest.fixture(autouse=True)
def _piped_width(monkeypatch):
    """pytest-xdist workers export COLUMNS=80; a user's piped output has none (infra/cli/terminal.py)."""
    monkeypatch.delenv("COLUMNS", raising=False)
