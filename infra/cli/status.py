"""`scaling status --stack S`: what runs against what the plan says, side by side.

Plans the stack offline (the same plan `scaling plan` prints, emergency state from the stack file
included), reads the deployed groups, scheduled actions, RDS instances, parameter groups, caches and
alarms with boto3 region by region (infra/sources/live.py; AWS_ENDPOINT_URL honoured), compares them
(infra/cli/drift.py) and exits 0 in line, 1 on drift, 2 on bad input or missing credentials.
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from infra.cli import terminal
from infra.cli.drift import DRIFT, WARNING, compare, data_rows, finding_dict, group_rows
from infra.cli.errors import EXIT_OK, EXIT_POLICY
from infra.cli.planned import PlannedState, planned_state
from infra.cli.stackplan import load_stack_plan
from infra.model.live import LiveState
from infra.sources.live import read_stack

EXAMPLES = """examples:
  scaling status --stack prod
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 scaling status --stack dev --format json
exit codes: 0 in line with the plan, 1 drift, 2 bad input or no AWS credentials"""


def add_parser(sub: Any) -> None:
    """Register `status` on the `scaling` subparsers."""
    parser = sub.add_parser("status", help="live state vs the plan (boto3; AWS_ENDPOINT_URL honoured)",
                            description=__doc__, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    parser.add_argument("--config-file", help="another stack file in the same format")
    parser.add_argument("--project-dir", default=".", help="where Pulumi.<stack>.yaml lives (default: .)")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def status_document(stack: str, planned: PlannedState, live: LiveState) -> dict[str, Any]:
    """The `--format json` document: rows per group and data resource, findings, counts."""
    findings = compare(planned, live)
    drift = [f for f in findings if f.level == DRIFT]
    return {
        "stack": stack, "in_line": not drift,
        "drift": len(drift), "warnings": sum(1 for f in findings if f.level == WARNING),
        "regions": list(planned.regions),
        "groups": group_rows(planned, live), "data": data_rows(planned, live),
        "alarms_in_alarm": sorted(a.name for r in live.regions.values() for a in r.alarms if a.state == "ALARM"),
        "findings": [finding_dict(f) for f in findings],
    }


def run(args: argparse.Namespace) -> tuple[str, int]:
    """Everything `scaling status` does; returns (text, exit code)."""
    terminal.step(f"planning {args.stack}")
    stack = load_stack_plan(args.stack, args.project_dir, args.config_file)
    terminal.step(f"reading {len(stack.regions)} regions")
    live = read_stack(args.stack, stack.regions)
    doc = status_document(args.stack, planned_state(stack.resources, stack.regions), live)
    code = EXIT_OK if doc["in_line"] else EXIT_POLICY
    if args.format == "json":
        return json.dumps(doc, indent=1, default=str), code
    return render_table(doc), code


def _pair(planned: Any, live: Any) -> Text:
    text = Text(f"{planned} / {'-' if live is None else live}")
    if live is not None and planned != live:
        text.stylize("bold red")
    return text


def render_table(doc: dict[str, Any]) -> str:
    """Terminal view: groups side by side (plan / live), data tier, then every finding."""

    def draw(console: Console) -> None:
        table = Table(title=f"{doc['stack']}: planned / live", title_justify="left")
        for column in ("region", "tier", "group", "min", "desired", "max", "in service", "types", "actions",
                       "in ALARM"):
            table.add_column(column, overflow="fold")
        for row in doc["groups"]:
            p, live = row["planned"], row["live"] or {}
            in_range = live and p["min"] <= live["desired"] <= p["max"]
            table.add_row(row["region"], row["tier"], Text(row["group"] or "MISSING",
                                                            style="" if row["group"] else "bold red"),
                          _pair(p["min"], live.get("min")),
                          Text(f"{p['desired']} / {live.get('desired', '-')}", style="" if in_range else "bold red"),
                          _pair(p["max"], live.get("max")), str(live.get("in_service", "-")),
                          Text(", ".join(live.get("instance_types", [])) or "-"),
                          _pair(p["actions"], live.get("actions")), str(len(row["alarms_in_alarm"])))
        console.print(table)
        data = Table(title="data tier: planned / live", title_justify="left")
        for column in ("kind", "region", "name", "planned", "live", "status", "lag ms", "connections"):
            data.add_column(column, overflow="fold")
        for row in doc["data"]:
            data.add_row(row["kind"], row["region"], row["name"], str(row["planned"]),
                         Text(str(row["live"] or "MISSING"), style="" if row["live"] == row["planned"] else "bold red"),
                         str(row["status"] or "-"), "-" if row["replica_lag_ms"] is None else str(row["replica_lag_ms"]),
                         "-" if row["connections"] is None else f"{row['connections']:g}")
        console.print(data)
        for finding in doc["findings"]:
            style = "bold red" if finding["level"] == DRIFT else "yellow"
            console.print(Text(f"{finding['level'].upper()} {finding['region']} {finding['resource']}: "
                               f"{finding['message']}", style=style))
        verdict = ("IN LINE with the plan" if doc["in_line"] else f"DRIFT: {doc['drift']} differences") + \
            f", {doc['warnings']} warnings"
        console.print(Text(verdict, style="bold green" if doc["in_line"] else "bold red"))

    return terminal.render(draw)
