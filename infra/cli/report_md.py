"""The markdown report (`--format markdown`, `--out DIR/plan.md`, the pull-request comment).

Order, for a reviewer: a summary first (cost against budget, emergency state, how many rules ran and
what they found, warnings), then capacity per region and tier, the policy results (every rule that
ran, its level and outcome), cost as a table (the largest lines, the full list collapsed), the other
plan tables and the charts. GitHub-flavoured markdown: tables and one `<details>` block.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from infra.cli.report_rows import (
    POLICY_HEADER,
    TIER_HEADER,
    TOP_COST_LINES,
    WARNING_PREFIX,
    closing_line,
    cost_lines,
    cost_summary,
    emergency_line,
    notes,
    policy_rows,
    sections,
    tier_rows,
    verdict_counts,
)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GFM table; cells are escaped and kept on one line."""
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows])


def _summary(doc: Mapping[str, Any], evaluated: list[Mapping[str, str]] | None) -> list[str]:
    mandatory, advisory = verdict_counts(doc)
    ran = f"{sum(1 for r in evaluated if r['enforcement'] != 'disabled')} rules evaluated: " if evaluated else ""
    verdict = "all passed" if not doc["policies"] else f"{mandatory} mandatory, {advisory} advisory findings"
    rows = [("Monthly cost", cost_summary(doc).removeprefix("monthly cost: ")),
            ("Emergency", emergency_line(doc) or "none"),
            ("Policies", ran + verdict + (" (the plan is blocked)" if mandatory else "")),
            ("Warnings", f"{len(notes(doc))} (listed below)" if notes(doc) else "none")]
    lines = ["## Summary", ""] + md_table(("item", "value"), rows)
    if notes(doc):
        lines += [""] + [f"- **Warning:** {_cell(note.removeprefix(WARNING_PREFIX))}" for note in notes(doc)]
    return lines


def _cost(doc: Mapping[str, Any]) -> list[str]:
    lines_ = cost_lines(doc)
    total = doc["cost"]["monthly_usd"] or 1.0
    header = ("item", "monthly USD", "share", "reason")

    def row(item: Mapping[str, Any]) -> tuple[str, ...]:
        return (item["item"], f"${item['monthly_usd']:,.2f}", f"{item['monthly_usd'] / total * 100:.1f}%",
                item.get("reason") or "")

    out = ["## Cost", "", cost_summary(doc).capitalize(), ""]
    out += md_table(header, [row(item) for item in lines_[:TOP_COST_LINES]])
    if len(lines_) > TOP_COST_LINES:
        out += ["", f"<details><summary>All {len(lines_)} cost lines</summary>", ""]
        out += md_table(header, [row(item) for item in lines_])
        out += ["", "</details>"]
    return out


def render_markdown(doc: Mapping[str, Any], charts: list[str] | None = None,
                    evaluated: list[Mapping[str, str]] | None = None) -> str:
    """The markdown report: summary, capacity, policies, cost, plan tables, charts."""
    lines = [f"# Capacity plan: {doc['project']} / {doc['stack']}", ""] + _summary(doc, evaluated)
    lines += ["", "## Capacity per region and tier", ""] + md_table(TIER_HEADER, tier_rows(doc))
    lines += ["", "## Policies", ""]
    if evaluated:
        lines += [f"{len(evaluated)} rules of the policy pack, with the level each ran at:", ""]
    rows = policy_rows(doc, evaluated)
    lines += md_table(POLICY_HEADER, rows) if rows else ["No violations."]
    closing = closing_line(doc).replace("(listed above)", "(listed in the Summary)")
    lines += ["", closing[0].upper() + closing[1:] + "."]
    lines += [""] + _cost(doc)
    for title, header, table_rows in sections(doc):
        lines += ["", f"## {title}", ""] + md_table(header, table_rows)
    if charts:
        lines += ["", "## Charts", ""]
        for chart in charts:
            lines += [f"![{Path(chart).stem}]({chart})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
