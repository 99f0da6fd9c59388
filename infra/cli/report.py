"""Render a plan: the JSON contract document, a terminal table, a markdown report; write `--out` safely.

The JSON document is the contract in shared/DESIGN.md ("The main job: the offline plan"); the
table and markdown are views of the same document (rows in infra/cli/report_rows.py), so they can
never disagree. No view carries an absolute path of the checkout: asset paths under the project
directory are written relative to it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from rich.table import Table
from rich.text import Text

from infra.cli import terminal
from infra.cli.outdir import write_out_dir
from infra.cli.report_md import render_markdown
from infra.cli.report_rows import (
    POLICY_HEADER,
    TIER_HEADER,
    closing_line,
    cost_lines,
    cost_summary,
    emergency_line,
    evaluated_policies,
    notes,
    policy_rows,
    sections,
    tier_rows,
    warning_lines,
)
from infra.config import PROJECT
from infra.model.recorded import RecordedResource

PROJECT_DIR = Path(__file__).resolve().parents[2]

__all__ = ["plan_document", "to_json", "render_table", "render_markdown", "write_out_dir", "evaluated_policies",
           "resource_entry", "relative_paths"]


def relative_paths(value: Any, root: Path = PROJECT_DIR) -> Any:
    """`value` with every asset `path` under `root` made relative to it (plan.json stays the same on
    every checkout and leaks no home directory)."""
    if isinstance(value, dict):
        out = {k: relative_paths(v, root) for k, v in value.items()}
        path = out.get("path")
        if isinstance(path, str) and Path(path).is_absolute():
            try:
                out["path"] = Path(path).relative_to(root).as_posix()
            except ValueError:
                pass
        return out
    if isinstance(value, list):
        return [relative_paths(v, root) for v in value]
    return value


def resource_entry(resource: RecordedResource) -> dict[str, Any]:
    """One `resources[]` item of the contract."""
    return {"type": resource.type, "name": resource.name, "parent": resource.parent,
            "provider": resource.provider, "inputs": relative_paths(dict(resource.inputs)),
            "options": dict(resource.options)}


def plan_document(stack: str, resources: list[RecordedResource], capacity: Mapping[str, Any],
                  cost: Mapping[str, Any], policies: list[Mapping[str, Any]],
                  outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The `scaling plan --format json` document."""
    return {"project": PROJECT, "stack": stack, "resources": [resource_entry(r) for r in resources],
            "capacity": dict(capacity), "cost": dict(cost), "policies": list(policies),
            "outputs": relative_paths(dict(outputs))}


def to_json(doc: Mapping[str, Any]) -> str:
    """The `--format json` text (and `--out` plan.json): indented, non-JSON values as `str()`."""
    return json.dumps(doc, indent=1, default=str)


def render_table(doc: Mapping[str, Any], evaluated: list[Mapping[str, str]] | None = None) -> str:
    """A rich terminal rendering of the plan (capacity, scaling, data, cost, policies): coloured and as
    wide as the terminal on a TTY, plain when piped (infra/cli/terminal.py)."""

    def draw(console) -> None:
        for title, header, rows in [(f"{doc['project']} / {doc['stack']}: capacity per region and tier",
                                     TIER_HEADER, tier_rows(doc))] + sections(doc):
            table = Table(title=title, title_justify="left")
            for column in header:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))  # Text: reasons hold [..], never markup
            console.print(table)
        line = emergency_line(doc)
        if line:
            console.print(Text(line, style="bold red"))
        over = doc["cost"]["budget_usd"] and doc["cost"]["monthly_usd"] > doc["cost"]["budget_usd"]
        console.print(Text(cost_summary(doc), style="bold red" if over else "bold"))
        for item in cost_lines(doc):
            console.print(Text(f"  ${item['monthly_usd']:>12,.2f}  {item['item']}"
                               + (f"  ({item['reason']})" if item.get("reason") else "")))
        if evaluated:
            table = Table(title=f"policies: {len(evaluated)} rules evaluated", title_justify="left")
            for column in POLICY_HEADER:
                table.add_column(column, overflow="fold")
            for row in policy_rows(doc, evaluated):
                style = "" if row[2] in ("pass", "disabled") else ("bold red" if row[1] == "mandatory" else "yellow")
                table.add_row(*(Text(cell, style=style) for cell in row))
            console.print(table)
        for verdict in doc["policies"]:
            console.print(Text(f"policy {verdict['policy']} [{verdict['enforcement'].upper()}] "
                               f"{verdict['resource'] or '(stack)'}: {verdict['message']}",
                               style="bold red" if verdict["enforcement"] == "mandatory" else "yellow"))
        # warnings last, right above the closing line that counts them: never "no violations" alone
        for line in warning_lines(doc):
            console.print(Text(line, style="yellow"))
        console.print(Text(closing_line(doc), style="green" if not doc["policies"] and not notes(doc) else "yellow"))

    return terminal.render(draw)
