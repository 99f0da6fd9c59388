"""`scaling diff`: the comparison of two plan documents (the JSON contract in shared/DESIGN.md).

`diff_document(base, head, guardrails)` returns
`{"cost", "capacity", "resources", "policies", "findings", ...}`:
- cost: totals base -> head, delta in $ and %, and every line that changed, largest |delta| first;
- capacity: every number (or setting) of the plan's `capacity` that changed, with the head's reason;
- resources: added / updated (input keys) / replaced (the input that forces it) / deleted, as
  `pulumi up` would do it (infra/model/resource_diff.py, replacement table included);
- policies: verdicts that appear (`new`) or disappear (`resolved`);
- findings: mandatory ones (a stateful resource deleted or replaced, a change AWS refuses such as
  shrinking RDS storage, a new mandatory verdict, a breached cost guardrail) make `scaling diff`
  exit 1; advisory ones inform;
- warnings: every warning of the head plan (its notes: storage > 85 %, alerts with no subscriber, ...),
  shown in the table and the PR comment whether or not they changed.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infra.cli.report_rows import warning_lines
from infra.model.replacement import impossible_changes
from infra.model.resource_diff import (
    Change,
    ResourceDiff,
    diff_resources,
    stateful_losses,
    stateful_names,
)

MANDATORY, ADVISORY = "mandatory", "advisory"
# Capacity keys that explain rather than size; their changes follow from the numbers that are listed.
_SKIP_KEYS = {"reason", "reasons", "notes", "health_alarms", "level_reason"}
_MAX_TEXT = 80  # longer strings are descriptions, not settings


@dataclass(frozen=True)
class Guardrails:
    """Cost guardrails: fail when the monthly cost grows by more than `pct` % or `usd` dollars."""

    pct: float | None = None
    usd: float | None = None
    source: str = "flags"


def _money(value: Any) -> float:
    return round(float(value or 0.0), 2)


def cost_diff(base: Mapping[str, Any], head: Mapping[str, Any]) -> dict[str, Any]:
    """Totals and the changed lines (summed per item), sorted by |delta| then item."""
    b_cost, h_cost = base.get("cost") or {}, head.get("cost") or {}
    b_total, h_total = _money(b_cost.get("monthly_usd")), _money(h_cost.get("monthly_usd"))
    delta = round(h_total - b_total, 2)

    def per_item(cost: Mapping[str, Any]) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in cost.get("lines") or []:
            out[str(line.get("item"))] = out.get(str(line.get("item")), 0.0) + float(line.get("monthly_usd") or 0.0)
        return out

    b_lines, h_lines = per_item(b_cost), per_item(h_cost)
    lines: list[dict[str, Any]] = []
    for item in set(b_lines) | set(h_lines):
        b, h = _money(b_lines.get(item)), _money(h_lines.get(item))
        if b != h:
            status = "added" if item not in b_lines else "removed" if item not in h_lines else "changed"
            lines.append({"item": item, "base_usd": b, "head_usd": h, "delta_usd": round(h - b, 2), "status": status})
    lines.sort(key=lambda line: (-abs(line["delta_usd"]), line["item"]))
    return {"base_usd": b_total, "head_usd": h_total, "delta_usd": delta,
            "delta_pct": round(delta / b_total * 100, 2) if b_total else None,
            "base_budget_usd": b_cost.get("budget_usd"), "head_budget_usd": h_cost.get("budget_usd"), "lines": lines}


def _item_id(item: Mapping[str, Any], index: int) -> str:
    if "trigger" in item and "direction" in item:
        return f"{item['trigger']}-{item['direction']}"
    for key in ("name", "region", "event", "id"):
        value = item.get(key)
        if isinstance(value, str):
            return value
    return str(index)


Path = tuple[str, ...]


def _leaves(node: Any, path: Path = (), items: dict[Path, Any] | None = None) -> Iterator[tuple[Path, Any]]:
    """(path, value) of every setting in a capacity tree: scalars, scalar lists, list items by id
    (the id is the path segment, so the item's own `name` is not repeated). List items are also
    recorded in `items` (path -> item), so an item that exists on one side only is one row."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in _SKIP_KEYS or str(key).endswith("_reason"):
                continue
            yield from _leaves(value, path + (str(key),), items)
    elif isinstance(node, list):
        if all(isinstance(v, Mapping) for v in node) and node:
            for i, item in enumerate(node):
                item_path = path + (_item_id(item, i),)
                if items is not None:
                    items[item_path] = {k: v for k, v in item.items() if k != "reason" and v != item_path[-1]}
                yield from ((p, v) for p, v in _leaves(item, item_path, items) if v != item_path[-1])
        elif not any(isinstance(v, (Mapping, list)) for v in node):
            yield path, list(node)
    elif not (isinstance(node, str) and len(node) > _MAX_TEXT):
        yield path, node


def _reason(capacity: Mapping[str, Any], path: tuple[str, ...]) -> str:
    """The reason the plan gives for the number at `path` (nearest one up the tree)."""
    nodes: list[Any] = [capacity]
    for part in path[:-1]:
        node = nodes[-1]
        if isinstance(node, Mapping):
            nodes.append(node.get(part))
        elif isinstance(node, list):
            nodes.append(next((item for i, item in enumerate(node) if _item_id(item, i) == part), None))
        else:
            break
    for depth in range(len(nodes) - 1, -1, -1):
        node, key = nodes[depth], path[depth] if depth < len(path) else ""
        if not isinstance(node, Mapping):
            continue
        own = (node.get("reasons") or {}).get(key) if isinstance(node.get("reasons"), Mapping) else None
        own = own or node.get(f"{key}_reason")
        if isinstance(own, Mapping) and depth + 1 < len(path):
            own = own.get(path[depth + 1])
        if isinstance(own, str) and own:
            return own
        whole = node.get("reason")
        if isinstance(whole, str) and whole:
            return whole  # the reason of the whole object (a spot plan, a trigger, a shard count)
    return ""


def capacity_diff(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every capacity setting that changed, base -> head, with the head's reason (base's when removed).
    A list item (a scheduled action, a trigger) present on one side only is one row with the item."""
    b_cap, h_cap = base.get("capacity") or {}, head.get("capacity") or {}
    b_items: dict[tuple[str, ...], Any] = {}
    h_items: dict[tuple[str, ...], Any] = {}
    b_vals, h_vals = dict(_leaves(b_cap, (), b_items)), dict(_leaves(h_cap, (), h_items))
    whole = {p: (b_items.get(p), h_items.get(p)) for p in set(b_items) ^ set(h_items)}
    rows: dict[tuple[str, ...], tuple[Any, Any]] = dict(whole)
    for path in set(b_vals) | set(h_vals):
        if not any(path[:n] in whole for n in range(1, len(path))):
            rows[path] = (b_vals.get(path), h_vals.get(path))
    out = []
    for path in sorted(rows):
        b, h = rows[path]
        if b == h:
            continue
        reason = _reason(h_cap, path) if h is not None else _reason(b_cap, path)
        out.append({"path": ".".join(path), "base": b, "head": h, "reason": reason})
    return out


def _verdict_key(v: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (str(v.get("policy")), str(v.get("enforcement")), str(v.get("resource") or ""), str(v.get("message")))


def policies_diff(base: Mapping[str, Any], head: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Verdicts in the head and not the base (`new`) and the reverse (`resolved`)."""
    b = {_verdict_key(v): v for v in base.get("policies") or []}
    h = {_verdict_key(v): v for v in head.get("policies") or []}
    return {"new": [dict(h[k]) for k in sorted(h.keys() - b.keys())],
            "resolved": [dict(b[k]) for k in sorted(b.keys() - h.keys())]}


def resources_section(diff: ResourceDiff) -> dict[str, list[dict[str, Any]]]:
    """The contract's `resources` object (replaced entries also carry their `causes`)."""
    def change(c: Change, with_causes: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": c.res.type, "name": c.res.name, "inputs": list(c.inputs)}
        if c.options:
            entry["options"] = list(c.options)
        if with_causes:
            entry["causes"] = [{"input": k.key, "base": k.old, "head": k.new, "why": k.why} for k in c.causes]
        return entry
    return {"added": [{"type": r.type, "name": r.name} for r in diff.added],
            "updated": [change(c, False) for c in diff.updated],
            "replaced": [change(c, True) for c in diff.replaced],
            "deleted": [{"type": r.type, "name": r.name} for r in diff.deleted]}


def guardrail_findings(cost: Mapping[str, Any], rails: Guardrails) -> list[str]:
    """A message per breached cost guardrail (the increase must exceed the limit)."""
    out = []
    delta, pct = cost["delta_usd"], cost["delta_pct"]
    where = f" ({rails.source})"
    if rails.pct is not None and delta > 0 and (pct is None or pct > rails.pct):
        shown = "from $0" if pct is None else f"+{pct:g}%"
        out.append(f"monthly cost rises {shown} (${cost['base_usd']:,.2f} -> ${cost['head_usd']:,.2f}), over the "
                   f"--fail-on-cost-increase guardrail of {rails.pct:g}%{where}")
    if rails.usd is not None and delta > rails.usd:
        out.append(f"monthly cost rises ${delta:,.2f} (${cost['base_usd']:,.2f} -> ${cost['head_usd']:,.2f}), over the "
                   f"--fail-on-cost-increase-usd guardrail of ${rails.usd:,.2f}{where}")
    return out


def _findings(base: Mapping[str, Any], head: Mapping[str, Any], diff: ResourceDiff, policies: Mapping[str, Any],
              cost: Mapping[str, Any], rails: Guardrails) -> list[dict[str, str]]:
    found: list[tuple[str, str]] = [(MANDATORY, m) for m in guardrail_findings(cost, rails)]
    found += [(MANDATORY, loss.message()) for loss in stateful_losses(diff)]
    stateful = stateful_names(diff.base.values())
    for change in diff.replaced:
        if change.res.key not in stateful and change.res.custom:
            found.append((ADVISORY, f"{change.res.name} ({change.res.type}) would be replaced: "
                                    + "; ".join(c.describe() for c in change.causes)))
    for change in diff.updated + diff.replaced:
        before = diff.base[change.res.key]
        found += [(MANDATORY, f"{change.res.name} ({change.res.type}): {why}; `pulumi up` would fail")
                  for why in impossible_changes(change.res.type, before.inputs, change.res.inputs)]
    for change in diff.updated:
        dropped = [k for k in ("protect", "retainOnDelete") if k in change.options
                   and diff.base[change.res.key].options.get(k) and not change.res.options.get(k)]
        if dropped and change.res.key in stateful:
            found.append((ADVISORY, f"{stateful[change.res.key]} {change.res.name} loses {' and '.join(dropped)}"))
    for v in policies["new"]:
        level = MANDATORY if v.get("enforcement") == MANDATORY else ADVISORY
        found.append((level, (f"new {v.get('enforcement')} verdict {v.get('policy')}"
                              f"{' on ' + v['resource'] if v.get('resource') else ''}: {v.get('message')}")))
    still = [v for v in head.get("policies") or [] if v.get("enforcement") == MANDATORY
             and _verdict_key(v) in {_verdict_key(b) for b in base.get("policies") or []}]
    found += [(ADVISORY, (f"still failing (also in the base): {v.get('policy')}"
                          f"{' on ' + v['resource'] if v.get('resource') else ''}: {v.get('message')}")) for v in still]
    if (base.get("project"), base.get("stack")) != (head.get("project"), head.get("stack")):
        found.append((ADVISORY, (f"comparing {base.get('project')}/{base.get('stack')} with "
                                 f"{head.get('project')}/{head.get('stack')}: not the same stack")))
    order = {MANDATORY: 0, ADVISORY: 1}
    return [{"level": level, "message": message} for level, message in sorted(found, key=lambda f: order[f[0]])]


def diff_document(base: Mapping[str, Any], head: Mapping[str, Any], rails: Guardrails = Guardrails(),
                  labels: tuple[str, str] = ("base", "head")) -> dict[str, Any]:
    """The `scaling diff --format json` document (module doc)."""
    resources = diff_resources(base.get("resources") or [], head.get("resources") or [])
    cost = cost_diff(base, head)
    policies = policies_diff(base, head)
    return {"project": head.get("project"), "stack": head.get("stack"),
            "base": {"label": labels[0], "stack": base.get("stack")},
            "head": {"label": labels[1], "stack": head.get("stack")},
            "guardrails": {"fail_on_cost_increase_pct": rails.pct, "fail_on_cost_increase_usd": rails.usd,
                           "source": rails.source},
            "cost": cost, "capacity": capacity_diff(base, head), "resources": resources_section(resources),
            "policies": policies, "findings": _findings(base, head, resources, policies, cost, rails),
            "warnings": head_warnings(head)}


def head_warnings(head: Mapping[str, Any]) -> list[str]:
    """Every warning of the head plan (its notes, as the plan's table and markdown show them): the PR
    comment shows them even when nothing about them changed, since "no finding" must not hide them."""
    return warning_lines(head) if isinstance(head.get("capacity"), Mapping) else []


def exit_code(doc: Mapping[str, Any]) -> int:
    """1 when a finding is mandatory (stateful loss, new mandatory verdict, guardrail), else 0."""
    return 1 if any(f["level"] == MANDATORY for f in doc["findings"]) else 0
