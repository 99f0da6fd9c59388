"""Render a `scaling diff` document: a terminal table, or markdown that fits one GitHub comment.

The markdown is the pull-request comment: a hidden marker (so CI updates one comment per stack in
place), the cost delta and the findings first, then cost lines, capacity changes, replacements,
deletions, additions, updates and policy changes, then the head plan in collapsed sections. GitHub
rejects a comment over 65,536 characters; `render_markdown(..., max_chars=N)` keeps under N by
cutting the rows of the least important, longest sections first (the collapsed plan, then the
updated/added lists, then the capacity and cost tables, findings last), each cut with a note
saying how many rows are left out and where the full report is.
"""
from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

COMMENT_LIMIT = 65_536  # GitHub's maximum issue/PR comment body, in characters
DEFAULT_MAX_CHARS = 65_000  # under the limit, with room for what a workflow may add around it
FULL_REPORT_NOTE = "the full report is diff.md in this run's workflow artifact (`scaling diff --out DIR` writes it)"


def marker(stack: Any) -> str:
    """The hidden line by which CI finds this stack's comment to update in place."""
    return f"<!-- scaling-platform:diff stack={stack} -->"


def _value(value: Any, limit: int = 60) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, list):
        text = json.dumps(value) if len(value) <= 8 else _series(value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k} {_value(v, 30)}" for k, v in value.items())
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _series(values: list[Any]) -> str:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) != len(values):
        return f"[{len(values)} values]"
    return f"[{len(values)} values: min {min(numbers):g}, max {max(numbers):g}, sum {sum(numbers):g}]"


def _usd(value: Any, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{'+' if signed and value > 0 else '-' if value < 0 else ''}${abs(value):,.2f}"


def _pct(value: Any) -> str:
    return "n/a (base $0)" if value is None else f"{'+' if value > 0 else ''}{value:g}%"


def cost_summary(doc: Mapping[str, Any]) -> str:
    """`$base -> $head (+$delta, +pct%)` with the head budget."""
    cost = doc["cost"]
    budget = cost.get("head_budget_usd")
    return (f"monthly cost {_usd(cost['base_usd'])} -> {_usd(cost['head_usd'])} "
            f"({_usd(cost['delta_usd'], True)}, {_pct(cost['delta_pct'])})"
            + (f" of budget {_usd(budget)}" if budget else ""))


Row = tuple[str, ...]


@dataclass
class Section:
    """A titled table (or list when `header` is empty); `priority` orders what is cut first (low first)."""

    title: str
    header: Row
    rows: list[Row]
    priority: int
    cut: int = 0
    details: bool = False  # rendered collapsed (<details>)
    intro: list[str] = field(default_factory=list)


def sections(doc: Mapping[str, Any]) -> list[Section]:
    """The diff's sections, in reading order."""
    res = doc["resources"]
    out = [Section("Findings", (), [(f"**{f['level']}** {f['message']}",) for f in doc["findings"]], 5),
           Section("Warnings (head plan)", (), [(f"**warning** {w.removeprefix('WARNING: ')}",)
                                                for w in doc.get("warnings") or []], 5),
           Section("Cost lines that change (largest first)", ("item", "base", "head", "delta"),
                   [(line["item"], _usd(line["base_usd"]), _usd(line["head_usd"]), _usd(line["delta_usd"], True))
                    for line in doc["cost"]["lines"]], 3),
           Section("Capacity changes", ("path", "base", "head", "reason (head)"),
                   [(c["path"], _value(c["base"]), _value(c["head"]), _value(c["reason"], 160))
                    for c in doc["capacity"]], 3),
           Section("Replaced", ("type", "name", "forced by"),
                   [(r["type"], r["name"], "; ".join(f"{c['input']} {_value(c['base'], 40)} -> {_value(c['head'], 40)} "
                                                     f"({c['why']})" for c in r.get("causes") or []) or
                     ", ".join(r["inputs"])) for r in res["replaced"]], 4),
           Section("Deleted", ("type", "name"), [(r["type"], r["name"]) for r in res["deleted"]], 4),
           Section("Added", ("type", "name"), [(r["type"], r["name"]) for r in res["added"]], 2),
           Section("Updated in place", ("type", "name", "inputs"),
                   [(r["type"], r["name"], ", ".join(r["inputs"] + [f"options.{o}" for o in r.get("options") or []]))
                    for r in res["updated"]], 2),
           Section("Policy verdicts that appear", ("policy", "enforcement", "resource", "message"),
                   [(v["policy"], v["enforcement"], v.get("resource") or "(stack)", v["message"])
                    for v in doc["policies"]["new"]], 4),
           Section("Policy verdicts that disappear", ("policy", "enforcement", "resource", "message"),
                   [(v["policy"], v["enforcement"], v.get("resource") or "(stack)", v["message"])
                    for v in doc["policies"]["resolved"]], 4)]
    return [s for s in out if s.rows]


def plan_sections(plan_markdown: str) -> list[Section]:
    """The head plan's markdown report split at its `##` headings, each as a collapsed section."""
    out = []
    chunks = plan_markdown.split("\n## ")
    for i, chunk in enumerate(chunks):
        lines = chunk.strip("\n").split("\n")
        title = lines[0].lstrip("# ").strip() if i else "Capacity per region and tier"
        body = [line for line in lines[1:] if line.strip()]
        table = [line for line in body if line.startswith("|")]
        rest = [line for line in body if not line.startswith("|")]
        header_lines, rows = table[:2], table[2:]
        out.append(Section(f"Plan (head): {title}", (), [(line,) for line in rest + rows], 0, details=True,
                           intro=header_lines))
    return out


def _md_section(section: Section) -> str:
    rows = section.rows
    note = f"_… {section.cut} more rows not shown here (GitHub's comment limit); {FULL_REPORT_NOTE}._"
    if section.details and not rows and section.cut:
        return ""  # a collapsed plan section cut whole: listed once in `render_markdown`
    lines: list[str] = []
    if section.details:
        lines += [f"<details><summary>{section.title}</summary>", ""] + section.intro + [r[0] for r in rows]
    else:
        lines += [f"### {section.title}", ""]
        if section.header and rows:
            lines += ["| " + " | ".join(section.header) + " |", "|" + "---|" * len(section.header)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |"
                      for row in rows]
        elif rows:
            lines += [f"- {row[0]}" for row in rows]
    if section.cut:
        lines += ["", note] if rows else [note]
    if section.details:
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _left_out(parts: list[Section]) -> str:
    gone = [s.title.removeprefix("Plan (head): ") for s in parts if s.details and not s.rows and s.cut]
    return (f"\n_Head plan sections left out here (GitHub's comment limit): {', '.join(gone)}; {FULL_REPORT_NOTE}._\n"
            if gone else "")


def _header(doc: Mapping[str, Any]) -> str:
    res = doc["resources"]
    mandatory = sum(f["level"] == "mandatory" for f in doc["findings"])
    verdict = (f"**{mandatory} mandatory finding{'s' if mandatory != 1 else ''}: this change is blocked**"
               if mandatory else "**no mandatory finding**")
    rails = doc.get("guardrails") or {}
    limits = [f"+{rails['fail_on_cost_increase_pct']:g}%" if rails.get("fail_on_cost_increase_pct") is not None else "",
              f"+${rails['fail_on_cost_increase_usd']:,.2f}"
              if rails.get("fail_on_cost_increase_usd") is not None else ""]
    limits = [x for x in limits if x]
    return "\n".join([
        marker(doc.get("stack")),
        f"## scaling diff: `{doc.get('stack')}` ({doc['base']['label']} -> {doc['head']['label']})", "",
        f"- {verdict}",
        f"- {cost_summary(doc)}" + (f"; guardrails {' / '.join(limits)} ({rails.get('source')})" if limits else ""),
        (f"- resources: {len(res['added'])} added, {len(res['updated'])} updated, {len(res['replaced'])} replaced, "
         f"{len(res['deleted'])} deleted; {len(doc['capacity'])} capacity changes; "
         f"{len(doc['policies']['new'])} new / {len(doc['policies']['resolved'])} resolved verdicts"), ""]) + "\n"


def render_markdown(doc: Mapping[str, Any], plan_markdown: str | None = None,
                    max_chars: int | None = DEFAULT_MAX_CHARS) -> str:
    """The comment (module doc); `max_chars=None` renders everything (the full report)."""
    parts = sections(doc) + (plan_sections(plan_markdown) if plan_markdown else [])
    header = _header(doc)

    def total() -> int:
        return len(header) + sum(len(_md_section(s)) + 1 for s in parts) + len(_left_out(parts))

    while max_chars is not None and total() > max_chars:
        candidates = [s for s in parts if s.rows]
        if not candidates:
            break
        lowest = min(s.priority for s in candidates)
        victim = max((s for s in candidates if s.priority == lowest), key=lambda s: len(_md_section(s)))
        excess = total() - max_chars
        # drop whole rows from the end until the excess is covered (at least one row per pass)
        dropped, freed = 0, 0
        while victim.rows and (freed < excess or dropped == 0):
            row = victim.rows.pop()
            freed += sum(len(cell) + 3 for cell in row) + 2
            dropped += 1
        victim.cut += dropped
    text = header + "\n".join(filter(None, (_md_section(s) for s in parts))) + _left_out(parts)
    if max_chars is not None and len(text) > max_chars:  # only headers left: cut hard, say so
        note = f"\n\n_… truncated to GitHub's comment limit; {FULL_REPORT_NOTE}._\n"
        text = text[: max_chars - len(note)] + note
    return text


def render_table(doc: Mapping[str, Any]) -> str:
    """The terminal view: the summary, then one table per non-empty section."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    res = doc["resources"]
    console.print(Text(f"scaling diff {doc.get('stack')}: {doc['base']['label']} -> {doc['head']['label']}"))
    console.print(Text(cost_summary(doc)))
    console.print(Text(f"resources: {len(res['added'])} added, {len(res['updated'])} updated, "
                       f"{len(res['replaced'])} replaced, {len(res['deleted'])} deleted"))
    for section in sections(doc):
        if not section.header:
            console.print(Text(section.title + ":"))
            for row in section.rows:
                console.print(Text("  " + row[0].replace("**", "")))
            continue
        table = Table(title=section.title)
        for column in section.header:
            table.add_column(column, overflow="fold")
        for row in section.rows:
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)
    mandatory = sum(f["level"] == "mandatory" for f in doc["findings"])
    console.print(Text(f"{mandatory} mandatory finding(s)" if mandatory else "no mandatory finding"))
    return buffer.getvalue()
