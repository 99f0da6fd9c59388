"""Shared by the edge tests: import the Lambda@Edge handlers the way Lambda does.

The handlers are not part of the installed package (they ship as zip files), so they are
imported by path, each time into a fresh module object so a test can control the cold start.
(A uniquely named module rather than conftest, so `from ... import` cannot pick up another
directory's conftest.)
"""
from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from pathlib import Path

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "edge" / "lambda_edge"
EXAMPLE_TABLE = json.loads((LAMBDA_DIR / "routing.example.json").read_text())

_loads = itertools.count()


def load_module(name: str, directory: Path = LAMBDA_DIR):
    """Import `directory/name.py` as a new module (runs its cold-start code)."""
    module_name = f"_edge_test_{name}_{next(_loads)}"
    spec = importlib.util.spec_from_file_location(module_name, directory / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module
