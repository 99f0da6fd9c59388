"""Fixtures for the edge tests: handler bundles with a chosen routing.json (cold start control)."""
from __future__ import annotations

import copy
import json
import shutil

import pytest
from edge_helpers import EXAMPLE_TABLE, LAMBDA_DIR, load_module


@pytest.fixture
def bundle(tmp_path):
    """Build a Lambda bundle dir: handler file plus an optional routing.json (dict or raw text)."""
    def make(routing=None, name="request_router"):
        shutil.copy(LAMBDA_DIR / f"{name}.py", tmp_path / f"{name}.py")
        if routing is not None:
            text = routing if isinstance(routing, str) else json.dumps(routing)
            (tmp_path / "routing.json").write_text(text)
        return load_module(name, tmp_path)
    return make


@pytest.fixture
def router(bundle):
    """The router as deployed with the example plan table (40/30/20/10)."""
    return bundle(copy.deepcopy(EXAMPLE_TABLE))


@pytest.fixture
def modifier():
    return load_module("response_modifier")
