"""The rows every view of a plan shows (terminal table, markdown): capacity per region and tier, scaling
behaviour, data tier, bursts, cost lines and the policy results. Pure functions of the plan document,
so the views can never disagree.
"""
from __future__ import annotations

from typing import Any, Mapping

from policies import engine
from policies.rules import RULES

Section = tuple[str, tuple[str, ...], list[tuple[str, ...]]]  # title, header, rows

TIER_HEADER = ("region", "tier", "type", "min", "desired", "max", "weight %", "reason")
POLICY_HEADER = ("policy", "level", "outcome", "findings")
TOP_COST_LINES = 10  # the markdown report lists the largest lines first, the rest collapsed


def tier_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """One row per region and tier: type, min/desired/max, weight and the reason."""
    rows = []
    for region, plan in doc["capacity"]["regions"].items():
        label = region + (" (primary)" if plan.get("primary") else "") + (" FAILED" if plan.get("failed") else "")
        for tier, t in plan["tiers"].items():
            rows.append((label, tier, t.get("instance_type", ""), str(t["min"]), str(t["desired"]), str(t["max"]),
                         str(plan.get("weight", "")), t["reason"]))
    return rows


def spot_cell(spot: Mapping[str, Any]) -> str:
    """The group's spot share as the plan and the cost line compute it (week average, the on-demand base
    first: infra/planning/spot.expected_week), and the class rule it comes from."""
    return (f"{spot.get('spot_share', 0):.0%} spot ({spot.get('spot_class', '-')}: base "
            f"{spot.get('on_demand_base', 0)} on-demand, then {spot.get('percentage_spot', 0):g}% spot)")


def _scaling_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    rows = []
    for region, plan in doc["capacity"]["regions"].items():
        for tier, t in plan["tiers"].items():
            spot = t.get("spot") or {}
            schedule = t.get("schedule") or {}
            refresh = t.get("instance_refresh") or {}
            rows.append((region, tier, f"{len(t.get('triggers') or [])} alarms+policies",
                         f"{len(schedule.get('actions') or [])} ({schedule.get('time_zone', '-')})",
                         spot_cell(spot) if spot else "on-demand",
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


def _shard_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Issue 17: per shard where its writer and replicas live, and its replication lag alarms."""
    rows = []
    for item in (doc["capacity"].get("database") or {}).get("shard_placement") or []:
        replicas = [f"{item['region']}: {item.get('local_replicas', 0)}"]
        replicas += [f"{region}: {n}" for region, n in (item.get("cross_region_replicas") or {}).items()]
        replicas += [f"{f['region']}: +{f['count']} (follow writer)" for f in item.get("follow_replicas") or []]
        alarms = ", ".join(f"{a['replica']} > {a['threshold_ms']} ms" for a in item.get("lag_alarms") or []) or "-"
        rows.append((str(item["shard"]) + (" (draining)" if item.get("draining") else ""), item["region"],
                     item["writer"], ", ".join(replicas), alarms,
                     f"{item['region_reason']}; {item['writer_reason']}; {item['cross_region_replicas_reason']}"))
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
    out.append(("Shard placement", ("shard", "home", "writer", "replicas (region: count)", "ReplicaLag alarms",
                                    "reason"), _shard_rows(doc)))
    out.append(("Burst events", ("event", "warm at", "release at", "extra instance-hours", "extra cost"),
                _burst_rows(doc)))
    return [section for section in out if section[2]]


WARNING_PREFIX = "WARNING: "


def notes(doc: Mapping[str, Any]) -> list[str]:
    """The plan's notes: warnings a reviewer should read (the planners' notes and the data tier's own:
    storage > 85 %, shard removal, failover steps). Every view shows all of them (`warning_lines`)."""
    capacity = doc["capacity"]
    database = capacity.get("database")
    found = [capacity.get("notes"), database.get("notes") if isinstance(database, Mapping) else None]
    # a plan document from elsewhere (`scaling diff --head`) may carry anything: lists of notes only
    return [str(note) for notes in found if isinstance(notes, list) for note in notes]


def warning_lines(doc: Mapping[str, Any]) -> list[str]:
    """Each note as one `WARNING: ...` line (a note that already says WARNING is not prefixed twice)."""
    return [note if note.startswith(WARNING_PREFIX) else WARNING_PREFIX + note for note in notes(doc)]


def closing_line(doc: Mapping[str, Any]) -> str:
    """The last line of a plan view: the policy outcome and how many warnings the plan carries, so
    "no violations" never reads as "nothing to look at" while warnings exist."""
    count = len(notes(doc))
    warned = f"; {count} warning{'s' if count != 1 else ''} (listed above)" if count else ""
    if not doc["policies"]:
        return "policies: no violations" + warned
    mandatory, advisory = verdict_counts(doc)
    return f"policies: {mandatory} mandatory, {advisory} advisory verdicts" + warned


def cost_lines(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Cost lines, largest first (what a reviewer wants to see in a cost change)."""
    return sorted(doc["cost"].get("lines", []), key=lambda item: (-item["monthly_usd"], item["item"]))


def cost_summary(doc: Mapping[str, Any]) -> str:
    """`monthly cost: $X of budget $Y (Z%)`."""
    cost = doc["cost"]
    return (f"monthly cost: ${cost['monthly_usd']:,.2f} of budget ${cost['budget_usd']:,.2f}"
            + (f" ({cost['monthly_usd'] / cost['budget_usd'] * 100:.1f}%)" if cost["budget_usd"] else ""))


def emergency_line(doc: Mapping[str, Any]) -> str | None:
    """The emergency ceiling line when emergency mode is up, else None."""
    emergency = doc["cost"].get("emergency")
    if not emergency:
        return None
    return (f"EMERGENCY MODE: {emergency['mode']} (target {emergency['target']}); budget ceiling "
            f"${emergency['ceiling_usd']:,.2f} ({emergency['ceiling_source']})")


def evaluated_policies(policy_config: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every rule of the pack with the level it ran at (`disabled` ones did not run)."""
    return [{"policy": rule.name, "enforcement": engine.enforcement_for(rule, policy_config),
             "description": rule.description} for rule in RULES]


def policy_rows(doc: Mapping[str, Any], evaluated: list[Mapping[str, str]] | None) -> list[tuple[str, ...]]:
    """One row per rule evaluated (level, pass / N findings / disabled), plus any verdict of a rule
    not in `evaluated` (so a verdict is never hidden)."""
    by_policy: dict[str, list[Mapping[str, Any]]] = {}
    for verdict in doc["policies"]:
        by_policy.setdefault(verdict["policy"], []).append(verdict)
    rows = []
    for rule in evaluated or []:
        found = by_policy.pop(rule["policy"], [])
        outcome = ("disabled" if rule["enforcement"] == "disabled" else
                   "pass" if not found else f"{len(found)} finding{'s' if len(found) != 1 else ''}")
        rows.append((rule["policy"], rule["enforcement"], outcome, _findings_text(found)))
    for name, found in by_policy.items():
        rows.append((name, found[0]["enforcement"], f"{len(found)} finding{'s' if len(found) != 1 else ''}",
                     _findings_text(found)))
    return rows


def _findings_text(found: list[Mapping[str, Any]]) -> str:
    return "; ".join(f"{v['resource'] or '(stack)'}: {v['message']}" for v in found)


def verdict_counts(doc: Mapping[str, Any]) -> tuple[int, int]:
    """(mandatory, advisory) verdict counts."""
    mandatory = sum(1 for v in doc["policies"] if v["enforcement"] == "mandatory")
    return mandatory, len(doc["policies"]) - mandatory
