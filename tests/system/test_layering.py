"""The layering contract (DESIGN.md "Layers import downwards only"), checked on the real imports.

Every `import` statement is read from the source, module-level and function-level alike, so an
import moved into a function to dodge a cycle is still seen. What is checked:
- each infra layer imports only itself and lower layers; components import only infra.model;
  policies import only infra.model, infra.cost and infra.config;
- the pure layers (model, config, cost, planning) import no SDK and no boto3;
- no import cycle between project modules, and no project import inside a function;
- no module over MAX_LINES lines except the single-algorithm ones in LONG_MODULES.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# low -> high; a layer may import itself and every layer before it
LAYERS = ("model", "config", "sources", "cost", "planning", "program", "offline", "cli")
PURE_LAYERS = ("model", "config", "cost", "planning")
SDKS = ("pulumi", "pulumi_aws", "pulumi_kubernetes", "pulumi_cloudflare", "pulumi_policy", "boto3", "botocore")
PACKAGES = ("infra", "components", "policies")
MAX_LINES = 400
LONG_MODULES = {"infra/planning/forecast.py"}  # one algorithm (the forecaster), kept whole on purpose


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


MODULES = {module_name(p): p for p in project_files()}


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(imported module, inside a function?) for every import in the file; `from a import b` yields
    `a.b` when that is a project module, else `a`."""
    tree = ast.parse(path.read_text())
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    sub = f"{child.module}.{alias.name}"
                    found.append((sub if sub in MODULES else child.module, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "infra" and len(parts) > 1 and parts[1] in LAYERS else None


def allowed(importer: str, imported: str) -> bool:
    root = imported.split(".")[0]
    if root not in PACKAGES:
        return True
    if importer.startswith("components"):
        return imported.startswith(("infra.model", "components"))
    if importer.startswith("policies"):
        return imported.startswith(("infra.model", "infra.cost", "infra.config", "policies"))
    mine, theirs = layer_of(importer), layer_of(imported)
    if mine is None:  # infra/__init__.py, infra/__main__.py: the Pulumi entry sits on top
        return True
    if theirs is None:
        return root in ("components",) and LAYERS.index(mine) >= LAYERS.index("program") or \
            root == "policies" and mine == "cli" or imported == "infra"
    return LAYERS.index(theirs) <= LAYERS.index(mine)


# transient: split by branches in flight (issue 13); emptied when they land
OVERSIZED_PENDING: set[str] = set()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_only_lower_layers(module):
    bad = sorted({name for name, _ in imports_of(MODULES[module]) if not allowed(module, name)})
    assert not bad, f"{module} imports {bad}, above its layer (DESIGN.md layering)"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) in PURE_LAYERS))
def test_pure_layers_import_no_sdk(module):
    bad = sorted({name for name, _ in imports_of(MODULES[module]) if name.split(".")[0] in SDKS})
    assert not bad, f"{module} is in a pure layer but imports {bad}"


def test_components_import_only_the_model():
    for module, path in MODULES.items():
        if module.startswith("components"):
            for name, _ in imports_of(path):
                assert not name.startswith("infra") or name.startswith("infra.model"), f"{module} imports {name}"


def project_graph() -> dict[str, set[str]]:
    """module -> project modules it imports (module-level and function-level)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        targets = set()
        for name, _ in imports_of(path):
            while name and name not in MODULES:  # `from a.b import c` where a.b is the module
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert cycles(project_graph()) == []


def test_cycle_detector_finds_a_planted_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) in PURE_LAYERS or m.startswith("components")))
def test_no_project_import_inside_a_function(module):
    """Lazy imports are allowed only above the pure layers (program/offline/cli keep `--help` and
    `forecast` from loading the SDKs); below, an import inside a function can only be hiding a cycle."""
    late = sorted({name for name, inside in imports_of(MODULES[module]) if inside and name.split(".")[0] in PACKAGES})
    assert not late, f"{module} imports {late} inside a function"


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_size(path):
    rel = str(path.relative_to(ROOT))
    lines = len(path.read_text().splitlines())
    assert rel in LONG_MODULES | OVERSIZED_PENDING or lines <= MAX_LINES, f"{rel} has {lines} lines (limit {MAX_LINES}): split it by responsibility"
