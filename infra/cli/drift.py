"""`scaling status`: planned vs running, as findings. Pure (no boto3): a `PlannedState` from the plan and
a `LiveState` read by infra/sources/live.py go in, rows and findings come out.

Levels: `drift` (a running value outside the plan, a missing or an extra resource: exit 1) and
`warning` (state worth a look that is not a config difference: alarms in ALARM, instances not yet in
service, replica lag over the runbook limit, connections over the add-a-replica threshold,
suspended processes). Desired capacity is not drift while it stays within the planned [min, max]:
the triggers own it (the program sets `ignoreChanges: [desiredCapacity]`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from infra.cli.planned import PlannedGroup, PlannedState
from infra.model.data import CONNECTIONS_ADD_REPLICA, REPLICA_LAG_LIMIT_MS
from infra.model.live import LiveGroup, LiveState

DRIFT, WARNING = "drift", "warning"


@dataclass(frozen=True)
class Finding:
    """One difference or warning: where, what, planned vs live, and a sentence."""

    level: str  # drift | warning
    region: str
    resource: str
    field: str
    planned: Any
    live: Any
    message: str


def _group_findings(planned: PlannedGroup, live: LiveGroup | None, region: str) -> list[Finding]:
    name = live.name if live else planned.logical_name
    if live is None:
        return [Finding(DRIFT, region, planned.logical_name, "group", "present", None,
                        f"{planned.tier} group not found (no group tagged stack/tier here)")]
    out = []
    for key, want, have in (("min", planned.min_size, live.min_size), ("max", planned.max_size, live.max_size)):
        if want != have:
            out.append(Finding(DRIFT, region, name, key, want, have, f"{planned.tier} {key} {have}, plan {want}"))
    if not planned.min_size <= live.desired <= planned.max_size:
        out.append(Finding(DRIFT, region, name, "desired", f"{planned.min_size}..{planned.max_size}", live.desired,
                           f"{planned.tier} desired {live.desired} outside the planned [{planned.min_size}, "
                           f"{planned.max_size}]"))
    unplanned = sorted(set(live.instance_types) - set(planned.instance_types))
    if unplanned and planned.instance_types:
        out.append(Finding(DRIFT, region, name, "instance_types", list(planned.instance_types), list(live.instance_types),
                           f"{planned.tier} runs {', '.join(unplanned)}, not in the plan's types"))
    if live.in_service < live.desired:
        out.append(Finding(WARNING, region, name, "in_service", live.desired, live.in_service,
                           f"{planned.tier}: {live.in_service} of {live.desired} instances in service"))
    if live.suspended:
        out.append(Finding(WARNING, region, name, "suspended", [], list(live.suspended),
                           f"{planned.tier}: suspended processes {', '.join(live.suspended)}"))
    out += _action_findings(planned, live, region)
    return out


def _action_findings(planned: PlannedGroup, live: LiveGroup, region: str) -> list[Finding]:
    out = []
    running = {a.name: a for a in live.actions}
    for action_name, inputs in sorted(planned.actions.items()):
        have = running.get(action_name)
        want_min = int(inputs.get("minSize", -1))
        if have is None:
            out.append(Finding(DRIFT, region, live.name, f"action {action_name}", want_min, None,
                               f"{planned.tier} scheduled action {action_name} missing"))
        elif (have.min_size if have.min_size is not None else -1) != want_min or \
                (inputs.get("recurrence") and have.recurrence != inputs.get("recurrence")):
            out.append(Finding(DRIFT, region, live.name, f"action {action_name}",
                               f"min {want_min} {inputs.get('recurrence') or ''}".strip(),
                               f"min {have.min_size} {have.recurrence or ''}".strip(),
                               f"{planned.tier} scheduled action {action_name} differs"))
    for extra in sorted(set(running) - set(planned.actions)):
        out.append(Finding(DRIFT, region, live.name, f"action {extra}", None, running[extra].min_size,
                           f"{planned.tier} scheduled action {extra} is not in the plan"))
    return out


def _data_findings(planned: PlannedState, live: LiveState) -> list[Finding]:
    out = []
    planned_ids = {d.identifier for d in planned.databases}
    for want in planned.databases:
        have = live.database(want.identifier)
        if have is None:
            out.append(Finding(DRIFT, want.region, want.identifier, "instance", want.instance_class, None,
                               "RDS instance not found"))
            continue
        if have.instance_class != want.instance_class:
            out.append(Finding(DRIFT, want.region, want.identifier, "instance_class", want.instance_class,
                               have.instance_class, f"class {have.instance_class}, plan {want.instance_class}"))
        if want.parameter_group and have.parameter_group:
            want_max = planned.parameters.get(want.parameter_group, {}).get("max_connections")
            have_max = live.regions[have.region].parameters.get(have.parameter_group, {}).get("max_connections")
            if want_max is not None and have_max is not None and want_max != have_max:
                out.append(Finding(DRIFT, want.region, have.parameter_group, "max_connections", int(want_max),
                                   int(have_max), f"max_connections {have_max}, plan {want_max}"))
        if have.status and have.status != "available":
            out.append(Finding(WARNING, want.region, want.identifier, "status", "available", have.status,
                               f"status {have.status}"))
        if have.replica_lag_s is not None and have.replica_lag_s * 1000 > REPLICA_LAG_LIMIT_MS:
            out.append(Finding(WARNING, want.region, want.identifier, "replica_lag_ms", REPLICA_LAG_LIMIT_MS,
                               round(have.replica_lag_s * 1000), "replica lag over the runbook limit"))
        if have.connections is not None and have.connections > CONNECTIONS_ADD_REPLICA:
            out.append(Finding(WARNING, want.region, want.identifier, "connections", CONNECTIONS_ADD_REPLICA,
                               have.connections, f"connections > {CONNECTIONS_ADD_REPLICA}: the runbook adds a "
                               "read replica (scaling emergency up --target database)"))
    for region in live.regions.values():
        for db in region.databases:
            if db.identifier not in planned_ids:
                out.append(Finding(DRIFT, region.region, db.identifier, "instance", None, db.instance_class,
                                   "RDS instance not in the plan"))
    for want_cache in planned.caches:
        cache = live.cache(want_cache.group_id)
        if cache is None:
            out.append(Finding(DRIFT, want_cache.region, want_cache.group_id, "replication_group", "present", None,
                               "cache replication group not found"))
            continue
        for key, want_value, have_value in (("node_type", want_cache.node_type, cache.node_type),
                                            ("nodes", want_cache.nodes, cache.nodes)):
            if want_value != have_value:
                out.append(Finding(DRIFT, want_cache.region, want_cache.group_id, key, want_value, have_value,
                                   f"cache {key} {have_value}, plan {want_value}"))
    return out


def _alarm_findings(planned: PlannedState, live: LiveState) -> list[Finding]:
    out = []
    running = {a.name: a for r in live.regions.values() for a in r.alarms}
    matched = {planned.alarm_of(name) for name in running}
    for name, region in sorted(planned.alarms.items()):
        if name not in matched:
            out.append(Finding(DRIFT, region, name, "alarm", "present", None, "alarm not found"))
    for name, alarm in sorted(running.items()):
        if planned.alarm_of(name) is None:
            out.append(Finding(DRIFT, alarm.region, name, "alarm", None, alarm.state, "alarm not in the plan"))
        if alarm.state == "ALARM":
            out.append(Finding(WARNING, alarm.region, name, "state", "OK", "ALARM", alarm.reason or "in ALARM"))
    return out


def compare(planned: PlannedState, live: LiveState) -> list[Finding]:
    """Every drift and warning of `live` against `planned`, groups first, then data, then alarms."""
    out: list[Finding] = []
    for region in planned.regions:
        planned_tiers = set()
        for group in (g for g in planned.groups if g.region == region):
            planned_tiers.add(group.tier)
            out += _group_findings(group, live.group(region, group.tier), region)
        here = live.regions.get(region)
        for extra in (g for g in (here.groups if here else ()) if g.tier not in planned_tiers):
            out.append(Finding(DRIFT, region, extra.name, "group", None, "present",
                               f"group of tier {extra.tier} is not in the plan"))
    return out + _data_findings(planned, live) + _alarm_findings(planned, live)


def group_rows(planned: PlannedState, live: LiveState) -> list[dict[str, Any]]:
    """Planned vs running per region and tier (the side-by-side table)."""
    rows = []
    for group in planned.groups:
        have = live.group(group.region, group.tier)
        alarms = [a.name for a in (live.regions[group.region].alarms if group.region in live.regions else ())
                  if a.state == "ALARM" and f"-{group.tier}-" in a.name]
        rows.append({"region": group.region, "tier": group.tier, "group": have.name if have else None,
                     "planned": {"min": group.min_size, "desired": group.desired, "max": group.max_size,
                                 "instance_types": list(group.instance_types), "actions": len(group.actions)},
                     "live": None if have is None else {
                         "min": have.min_size, "desired": have.desired, "max": have.max_size,
                         "in_service": have.in_service, "instance_types": list(have.instance_types),
                         "actions": len(have.actions)},
                     "alarms_in_alarm": alarms})
    return rows


def data_rows(planned: PlannedState, live: LiveState) -> list[dict[str, Any]]:
    """Planned vs running RDS instances and caches."""
    rows = []
    for db in planned.databases:
        have = live.database(db.identifier)
        rows.append({"kind": "rds", "region": db.region, "name": db.identifier, "planned": db.instance_class,
                     "live": have.instance_class if have else None, "status": have.status if have else None,
                     "replica_lag_ms": None if have is None or have.replica_lag_s is None
                     else round(have.replica_lag_s * 1000),
                     "connections": have.connections if have else None})
    for cache in planned.caches:
        have_cache = live.cache(cache.group_id)
        rows.append({"kind": "cache", "region": cache.region, "name": cache.group_id,
                     "planned": f"{cache.node_type} x {cache.nodes}",
                     "live": f"{have_cache.node_type} x {have_cache.nodes}" if have_cache else None,
                     "status": have_cache.status if have_cache else None, "replica_lag_ms": None, "connections": None})
    return rows


def finding_dict(finding: Finding) -> dict[str, Any]:
    """JSON-ready finding."""
    return asdict(finding)
