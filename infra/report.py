"""Render a plan: the JSON contract document, a terminal table, a markdown report; write `--out` atomically.

The JSON document is the contract in shared/DESIGN.md ("The main job: the offline plan"); the
table and markdown are views of the same document, so they can never disagree.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from infra.config import PROJECT
from infra.recorded import RecordedResource


def resource_entry(resource: RecordedResource) -> dict[str, Any]:
    """One `resources[]` item of the contract."""
    return {"type": resource.type, "name": resource.name, "parent": resource.parent,
            "provider": resource.provider, "inputs": dict(resource.inputs), "options": dict(resource.options)}


def plan_document(stack: str, resources: list[RecordedResource], capacity: Mapping[str, Any],
                  cost: Mapping[str, Any], policies: list[Mapping[str, Any]],
                  outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The `scaling plan --format json` document."""
    return {"project": PROJECT, "stack": stack, "resources": [resource_entry(r) for r in resources],
            "capacity": dict(capacity), "cost": dict(cost), "policies": list(policies), "outputs": dict(outputs)}


def to_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=1, default=str)


def _tier_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    rows = []
    for region, plan in doc["capacity"]["regions"].items():
        label = region + (" (primary)" if plan.get("primary") else "") + (" FAILED" if plan.get("failed") else "")
        for tier, t in plan["tiers"].items():
            rows.append((label, tier, t.get("instance_type", ""), str(t["min"]), str(t["desired"]), str(t["max"]),
                         str(plan.get("weight", "")), t["reason"]))
    return rows


TIER_HEADER = ("region", "tier", "type", "min", "desired", "max", "weight %", "reason")


def render_table(doc: Mapping[str, Any]) -> str:
    """A rich terminal rendering of the plan (capacity, nodes, cost, policies)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    table = Table(title=f"{doc['project']} / {doc['stack']}: capacity per region and tier")
    for column in TIER_HEADER:
        table.add_column(column, overflow="fold")
    for row in _tier_rows(doc):
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
    nodes = doc["capacity"].get("nodes")
    if nodes:
        node_table = Table(title=f"node distribution (level {nodes['level']}: {nodes['level_reason']})")
        for column in ("node type", "count", "min", "optimal", "max", "reason"):
            node_table.add_column(column, overflow="fold")
        for name, n in nodes["types"].items():
            node_table.add_row(*(Text(str(cell)) for cell in (name, n["count"], n["min"], n["optimal"], n["max"],
                                                                n["reason"])))
        console.print(node_table)
    plain = lambda text: console.print(text, markup=False, highlight=False)  # noqa: E731 - reasons hold [..]
    for extra in _extra_sections(doc):
        plain(extra)
    _print_cost_and_policies(doc, plain)
    return buffer.getvalue()


def _extra_sections(doc: Mapping[str, Any]) -> list[str]:
    notes = doc["capacity"].get("notes") or []
    return [f"NOTE: {note}" for note in notes]


def _print_cost_and_policies(doc: Mapping[str, Any], emit: Callable[[str], None]) -> None:
    cost = doc["cost"]
    emergency = cost.get("emergency")
    if emergency:
        emit(f"EMERGENCY MODE: {emergency['mode']} (target {emergency['target']}); budget ceiling "
             f"${emergency['ceiling_usd']:,.2f} ({emergency['ceiling_source']})")
    emit(f"monthly cost: ${cost['monthly_usd']:,.2f} of budget ${cost['budget_usd']:,.2f}"
         + (f" ({cost['monthly_usd'] / cost['budget_usd'] * 100:.1f}%)" if cost["budget_usd"] else ""))
    for line in cost.get("lines", []):
        emit(f"  ${line['monthly_usd']:>12,.2f}  {line['item']}" + (f"  ({line['reason']})" if line.get("reason") else ""))
    if not doc["policies"]:
        emit("policies: no violations")
    for verdict in doc["policies"]:
        emit(f"policy {verdict['policy']} [{verdict['enforcement'].upper()}] {verdict['resource'] or '(stack)'}: "
             f"{verdict['message']}")


def render_markdown(doc: Mapping[str, Any], charts: list[str] | None = None) -> str:
    """The markdown report (PR comment / `--out`), same content as the table."""
    lines = [f"# Capacity plan: {doc['project']} / {doc['stack']}", ""]
    lines += ["| " + " | ".join(TIER_HEADER) + " |", "|" + "---|" * len(TIER_HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _tier_rows(doc)]
    nodes = doc["capacity"].get("nodes")
    if nodes:
        lines += ["", f"## Node distribution (level {nodes['level']})", "", nodes["level_reason"], "",
                  "| node type | count | min | optimal | max | reason |", "|---|---|---|---|---|---|"]
        lines += [f"| {name} | {n['count']} | {n['min']} | {n['optimal']} | {n['max']} | {n['reason']} |"
                  for name, n in nodes["types"].items()]
    lines += ["", "## Cost and policies", ""]
    lines += [f"- {extra}" for extra in _extra_sections(doc)]
    _print_cost_and_policies(doc, lambda text: lines.append(text if text.startswith("  ") else f"- {text}"))
    for chart in charts or []:
        lines += ["", f"![{Path(chart).stem}]({chart})"]
    return "\n".join(lines) + "\n"


def write_out_dir(out: str | Path, files: Mapping[str, bytes | str],
                  extra_writers: list[Callable[[Path], list[str]]] | None = None) -> list[str]:
    """Write the report files into `out` atomically: build in a temp dir beside it, then swap in.

    A failure part-way leaves the previous `out` untouched and no partial files behind.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        written = []
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
            written.append(name)
        for writer in extra_writers or []:
            written += writer(staging)
        if out.exists():
            backup = out.with_name(f".{out.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(out, backup)
            os.replace(staging, out)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, out)
        return written
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
