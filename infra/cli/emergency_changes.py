"""What `scaling emergency` changes: the emergency plan's values against what runs, as a list of changes.

Pure. The numbers come from the plan of the stack config *with* the emergency declared (the same
planners `pulumi up` runs: scaling_policy.emergency_bounds for groups, data_plan for replicas,
max_connections and caches), read off its recorded resources (infra/cli/planned.py); this module only
lines them up with the live state, so after `--apply` the next plan agrees with what runs.

Scope: only what the emergency touches. Groups: the (region, tier) pairs the emergency plan lists in
`emergency.changes` (healthy regions, targeted tiers); `none` reverts the pairs the previous
emergency listed. Desired capacity is set in `up` (novacron §2 doubles the running count) and `reset`
(baseline desired 5); `down` moves min/max and lowers the running desired only where the plan does
(workers: running - worker_step, drained by the termination hook), `none` keeps it inside min/max
(the scale-in triggers shrink the group, as scale_down_safely drains gradually). Data (database,
cache targets): read replicas the plan has and AWS does not are created, max_connections and cache
node type / replica count set to the plan's. Nothing is deleted: a replica the plan no longer has is
reported for the operator (and `pulumi up`) to remove.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from infra.cli.planned import PlannedState
from infra.model.live import LiveState

COMPUTE, DATABASE, CACHE = "compute", "database", "cache"
DATA_TARGETS = {"database": (DATABASE,), "cache": (CACHE,), "all": (DATABASE, CACHE)}


@dataclass(frozen=True)
class Change:
    """One change to make: where, what, before -> after, why, and the call that makes it."""

    region: str
    target: str  # api | worker | database | cache
    resource: str  # the live name (or the identifier to create)
    action: str  # resize | schedule | create-replica | parameter | cache-node-type | cache-replicas
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    call: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the internal call arguments."""
        out = asdict(self)
        out.pop("call")
        return out


def _clamp(value: int, lo: int, hi: int) -> int:
    return min(max(value, lo), hi)


def compute_changes(mode: str, scope: Iterable[tuple[str, str]], planned: PlannedState, live: LiveState,
                    reasons: dict[tuple[str, str], str]) -> tuple[list[Change], list[str]]:
    """Group and scheduled-action changes for the (region, tier) pairs in `scope`; notes for groups
    that are not deployed."""
    changes, notes = [], []
    for region, tier in sorted(scope):
        want, have = planned.group(region, tier), live.group(region, tier)
        if want is None:
            continue
        if have is None:
            notes.append(f"{region} {tier}: no group tagged stack={live.stack} tier={tier} is deployed; nothing to change")
            continue
        # down: never above the running count; the plan lowers it only for workers (running - worker_step,
        # infra/planning/emergency.py), which drain before they go (termination hook, scale-in protection).
        running = min(have.desired, want.desired) if mode == "down" else have.desired
        desired = want.desired if mode in ("up", "reset") else _clamp(running, want.min_size, want.max_size)
        after = {"min": want.min_size, "desired": desired, "max": want.max_size}
        before = {"min": have.min_size, "desired": have.desired, "max": have.max_size}
        why = reasons.get((region, tier), f"{mode}: the plan's bounds")
        if before != after:
            changes.append(Change(region, tier, have.name, "resize", before, after, why,
                                  {"group": have.name, **after}))
        running = {a.name: a for a in have.actions}
        for name, inputs in sorted(want.actions.items()):
            current = running.get(name)
            want_min = int(inputs.get("minSize", -1))
            if current is not None and current.min_size == want_min and \
                    current.recurrence == inputs.get("recurrence") and current.time_zone == inputs.get("timeZone"):
                continue
            changes.append(Change(region, tier, f"{have.name}/{name}", "schedule",
                                  {"min": None if current is None else current.min_size},
                                  {"min": want_min, "recurrence": inputs.get("recurrence") or inputs.get("startTime")},
                                  f"scheduled floor re-pointed with the emergency bounds ({mode})",
                                  {"group": have.name, "action": dict(inputs)}))
    return changes, notes


def data_changes(target: str, planned: PlannedState, live: LiveState) -> tuple[list[Change], list[str]]:
    """Read replicas to create, parameter groups to set, caches to resize for a database/cache target."""
    kinds = DATA_TARGETS.get(target, ())
    changes: list[Change] = []
    notes: list[str] = []
    if DATABASE in kinds:
        planned_ids = {d.identifier for d in planned.databases}
        for want in planned.databases:
            if want.source and live.database(want.identifier) is None:
                changes.append(Change(want.region, "database", want.identifier, "create-replica", {},
                                      {"class": want.instance_class, "source": want.source},
                                      "read replica in the plan but not running (novacron §2: create-db-instance-read-replica)",
                                      {"identifier": want.identifier, "source": want.source,
                                       "instance_class": want.instance_class, "tags": dict(want.tags)}))
        seen: set[tuple[str, str]] = set()
        for want in planned.databases:
            have = live.database(want.identifier)
            if have is None or not have.parameter_group or not want.parameter_group:
                continue
            key = (have.region, have.parameter_group)
            want_value = planned.parameters.get(want.parameter_group, {}).get("max_connections")
            have_value = live.regions[have.region].parameters.get(have.parameter_group, {}).get("max_connections")
            if key in seen or want_value is None or want_value == have_value:
                continue
            seen.add(key)
            changes.append(Change(have.region, "database", have.parameter_group, "parameter",
                                  {"max_connections": _count(have_value)},
                                  {"max_connections": _count(want_value)},
                                  "novacron §2 modify-db-parameter-group max_connections; static in PostgreSQL: "
                                  "applies at each instance's next reboot",
                                  {"group": have.parameter_group, "name": "max_connections", "value": want_value}))
        for region in live.regions.values():
            for db in region.databases:
                if db.identifier not in planned_ids:
                    notes.append(f"{db.identifier} ({db.instance_class}) runs but is not in this plan: left running "
                                 "(scaling emergency deletes nothing); delete it after the incident or let `pulumi up` "
                                 "remove it")
    if CACHE in kinds:
        for want_cache in planned.caches:
            cache = live.cache(want_cache.group_id)
            if cache is None:
                notes.append(f"{want_cache.group_id}: not deployed; nothing to change")
                continue
            if cache.node_type != want_cache.node_type:
                changes.append(Change(want_cache.region, "cache", cache.group_id, "cache-node-type",
                                      {"node_type": cache.node_type}, {"node_type": want_cache.node_type},
                                      "novacron §2 modify-replication-group --cache-node-type --apply-immediately",
                                      {"group_id": cache.group_id, "node_type": want_cache.node_type}))
            if cache.nodes != want_cache.nodes:
                changes.append(Change(want_cache.region, "cache", cache.group_id, "cache-replicas",
                                      {"replicas": cache.nodes - 1}, {"replicas": want_cache.nodes - 1},
                                      "novacron §2 increase-replica-count --apply-immediately",
                                      {"group_id": cache.group_id, "replicas": want_cache.nodes - 1,
                                       "current": cache.nodes - 1}))
    return changes, notes


def verify(changes: Iterable[Change], planned: PlannedState, live: LiveState) -> list[dict[str, Any]]:
    """The runbook's verification after applying: each change read back (ok True/False), in-service
    counts and alarms in ALARM (ok None: information, not a failure)."""
    out = []
    for change in changes:
        if change.action == "resize":
            group = live.group(change.region, change.target)
            now = None if group is None else {"min": group.min_size, "desired": group.desired, "max": group.max_size}
            out.append({"check": f"{change.resource} min/desired/max", "ok": now == change.after,
                        "detail": f"{now} (want {change.after})"})
            if group is not None:
                out.append({"check": f"{change.resource} in service", "ok": None,
                            "detail": f"{group.in_service} of desired {group.desired} in service"
                                      + ("" if group.in_service >= group.desired else " (instances still launching)")})
        elif change.action == "schedule":
            group_name, action = change.resource.split("/", 1)
            group = live.group(change.region, change.target)
            found = next((a for a in (group.actions if group else ()) if a.name == action), None)
            out.append({"check": f"{change.resource} min", "ok": found is not None
                        and found.min_size == change.after["min"], "detail": str(found and found.min_size)})
        elif change.action == "create-replica":
            db = live.database(change.resource)
            out.append({"check": f"{change.resource} exists", "ok": db is not None,
                        "detail": db.status if db else "not found"})
        elif change.action == "parameter":
            params = live.regions[change.region].parameters.get(change.resource, {}) if change.region in live.regions else {}
            value = params.get("max_connections")
            out.append({"check": f"{change.resource} max_connections", "ok": value == str(change.after["max_connections"]),
                        "detail": f"{value} (applies at the next reboot)"})
        else:  # cache changes are asynchronous in ElastiCache: report what it says now
            cache = live.cache(change.resource)
            out.append({"check": f"{change.resource} {change.action}", "ok": cache is not None,
                        "detail": "not found" if cache is None else f"{cache.node_type} x {cache.nodes} ({cache.status})"})
    for region in live.regions.values():
        for alarm in region.alarms:
            if alarm.state == "ALARM":
                out.append({"check": f"alarm {alarm.name}", "ok": None, "detail": f"in ALARM: {alarm.reason}"})
    return out


def _count(value: str | None) -> int | str | None:
    """A max_connections value: a number, or RDS's per-class formula (Issue 17) kept as text."""
    return int(value) if value is not None and value.isdigit() else value
