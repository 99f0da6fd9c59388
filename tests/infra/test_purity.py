"""Planning modules are pure: no pulumi, no boto3 (DESIGN.md "Planning is pure")."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PURE_MODULES = ["config", "capacity", "catalog", "forecast", "pricing", "scaling_policy", "scaling_config", "data_plan",
                "shard_map", "triggers", "edge_plan", "burst", "planning", "references",
                "user_data"]
FORBIDDEN = ("pulumi", "pulumi_aws", "pulumi_kubernetes", "pulumi_cloudflare", "pulumi_policy", "boto3", "botocore")


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", PURE_MODULES)
def test_planning_module_imports_no_sdk(module):
    path = ROOT / "infra" / f"{module}.py"
    assert path.is_file(), (f"infra/{module}.py is listed as a pure planning module but does not exist: "
                            "a renamed/removed planning module must be renamed/removed in PURE_MODULES too")
    assert sorted(imported_roots(path) & set(FORBIDDEN)) == [], f"infra/{module}.py imports an SDK"


def test_the_import_check_sees_sdk_imports(tmp_path):
    """imported_roots catches top-level and late (in-function) SDK imports, and ignores relative ones."""
    probe = tmp_path / "probe.py"
    probe.write_text("import pulumi_aws.ec2 as ec2\nfrom boto3 import client\nfrom . import pulumi\n"
                     "def late():\n    import pulumi_policy\n")
    assert sorted(imported_roots(probe) & set(FORBIDDEN)) == ["boto3", "pulumi_aws", "pulumi_policy"]
