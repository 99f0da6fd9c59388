"""Render a plan: the JSON contract document, a terminal table, a markdown report; write `--out` atomically.

The JSON document is the contract in shared/DESIGN.md ("The main job: the offline plan"); the
table and markdown are views of the same document, so they can never disagree.
"""
from __future__ import annotations

import errno
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from infra.config import PROJECT
from infra.model.recorded import RecordedResource


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
    """The `--format json` text (and `--out` plan.json): indented, non-JSON values as `str()`."""
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


Section = tuple[str, tuple[str, ...], list[tuple[str, ...]]]  # title, header, rows


def _scaling_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    rows = []
    for region, plan in doc["capacity"]["regions"].items():
        for tier, t in plan["tiers"].items():
            spot = t.get("spot") or {}
            schedule = t.get("schedule") or {}
            refresh = t.get("instance_refresh") or {}
            rows.append((region, tier, f"{len(t.get('triggers') or [])} alarms+policies",
                         f"{len(schedule.get('actions') or [])} ({schedule.get('time_zone', '-')})",
                         f"{spot.get('spot_class', 'on-demand')} {spot.get('percentage_spot', 0):g}% above base "
                         f"{spot.get('on_demand_base', '-')}" if spot else "on-demand",
                         f"min healthy {refresh.get('min_healthy_percentage', '-')}%, rollback "
                         f"{'on' if refresh.get('auto_rollback') else 'off'}" if refresh else "-",
                         (t.get("vertical") or {}).get("reason", "-")))
    return rows


def _data_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    rows = []
    for section in ("database", "cache"):
        data = doc["capacity"].get(section) or {}
        for key, value in data.items():
            reason = data.get(f"{key}_reason")
            if reason is not None and not isinstance(value, (dict, list)):
                rows.append((f"{section}.{key}", str(value), str(reason)))
    return rows


def _burst_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    events = (doc["capacity"].get("bursts") or {}).get("events") or {}
    return [(name, e["warm_at"], e["release_at"], f"{e['extra_instance_hours']:g}", f"${e['extra_usd']:,.2f}")
            for name, e in events.items()]


def sections(doc: Mapping[str, Any]) -> list[Section]:
    """Every view's tables after the capacity one, in order; empty sections are left out."""
    out: list[Section] = []
    nodes = doc["capacity"].get("nodes")
    if nodes:
        out.append((f"Node distribution (level {nodes['level']}: {nodes['level_reason']})",
                    ("node type", "count", "min", "optimal", "max", "reason"),
                    [(name, str(n["count"]), str(n["min"]), str(n["optimal"]), str(n["max"]), n["reason"])
                     for name, n in nodes["types"].items()]))
    out.append(("Scaling behaviour per tier",
                ("region", "tier", "triggers", "scheduled actions", "spot", "instance refresh", "vertical"),
                _scaling_rows(doc)))
    out.append(("Data tier", ("item", "value", "reason"), _data_rows(doc)))
    out.append(("Burst events", ("event", "warm at", "release at", "extra instance-hours", "extra cost"),
                _burst_rows(doc)))
    return [section for section in out if section[2]]


def render_table(doc: Mapping[str, Any]) -> str:
    """A rich terminal rendering of the plan (capacity, scaling, data, cost, policies)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    for title, header, rows in [(f"{doc['project']} / {doc['stack']}: capacity per region and tier", TIER_HEADER,
                                 _tier_rows(doc))] + sections(doc):
        table = Table(title=title)
        for column in header:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))  # Text: reasons hold [..], never markup
        console.print(table)
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
    # largest first: what a reviewer wants to see in a cost change
    for line in sorted(cost.get("lines", []), key=lambda item: -item["monthly_usd"]):
        emit(f"  ${line['monthly_usd']:>12,.2f}  {line['item']}" + (f"  ({line['reason']})" if line.get("reason") else ""))
    if not doc["policies"]:
        emit("policies: no violations")
    for verdict in doc["policies"]:
        emit(f"policy {verdict['policy']} [{verdict['enforcement'].upper()}] {verdict['resource'] or '(stack)'}: "
             f"{verdict['message']}")


def _md_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows])


def render_markdown(doc: Mapping[str, Any], charts: list[str] | None = None) -> str:
    """The markdown report (PR comment / `--out`), same content as the table."""
    lines = [f"# Capacity plan: {doc['project']} / {doc['stack']}", ""] + _md_table(TIER_HEADER, _tier_rows(doc))
    for title, header, rows in sections(doc):
        lines += ["", f"## {title}", ""] + _md_table(header, rows)
    lines += ["", "## Cost and policies", ""]
    lines += [f"- {extra}" for extra in _extra_sections(doc)]
    _print_cost_and_policies(doc, lambda text: lines.append(text if text.startswith("  ") else f"- {text}"))
    for chart in charts or []:
        lines += ["", f"![{Path(chart).stem}]({chart})"]
    return "\n".join(lines) + "\n"


def _remove(path: Path) -> None:
    """Delete `path` whatever it is (directory tree, file or symlink); absent is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        os.remove(path)


def write_out_dir(out: str | Path, files: Mapping[str, bytes | str],
                  extra_writers: list[Callable[[Path], list[str]]] | None = None) -> list[str]:
    """Write the report files into `out` atomically: build in a temp dir beside it, then swap in.

    A failure part-way leaves the previous `out` untouched and no partial files behind. An `out`
    that exists and is not a directory raises NotADirectoryError: it is never replaced.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a directory", str(out))
    # mkdir would say "File exists" for a parent that is a file (`/dev/null/x`): name it instead.
    existing = next((parent for parent in out.parents if parent.exists()), None)
    if existing is not None and not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    backup = out.with_name(f".{out.name}.old")
    moved_aside = False
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
            _remove(backup)  # a stale backup from an interrupted run, maybe a file
            os.replace(out, backup)
            moved_aside = True
            os.replace(staging, out)
            moved_aside = False
            _remove(backup)
        else:
            os.replace(staging, out)
        return written
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if moved_aside and not out.exists():  # the swap failed half-way: put the previous report back
            os.replace(backup, out)
        raise
