"""`scaling emergency up|down|reset|none --target api|worker|database|cache|all --stack S [--apply]`:
break-glass scaling that the next `pulumi up` keeps.

1. Reads the running groups, databases and caches (infra/sources/live.py).
2. Declares the emergency in a copy of the stack config (mode, target, and for up/down the running
   desired counts in `emergency.live_desired`, since novacron §2 doubles the *current* count) and plans
   it with the same planners and program as `scaling plan` (the numbers are theirs, not this module's).
3. Lines the emergency plan up with what runs (infra/cli/emergency_changes.py) and evaluates the policy
   pack on it: cost against the emergency ceiling. A mandatory verdict refuses the change (exit 1).
4. Dry run (default): prints the changes, before -> after. `--apply`: makes them through the AWS API in
   order (groups first: capacity now), re-reads and verifies, and records the emergency in
   Pulumi.<stack>.yaml (only the `emergency` value changes), so `pulumi up` plans the same values.
   A change AWS refuses stops the run: what was applied is listed, exit 1.
`none` leaves emergency mode: the targeted groups return to the computed plan.
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from infra.cli import terminal
from infra.cli.emergency_changes import Change, compute_changes, data_changes, verify
from infra.cli.errors import EXIT_OK, EXIT_POLICY, CommandFailed, InputError
from infra.cli.plan_policy import cost_section, policy_config_for
from infra.cli.planned import planned_state
from infra.cli.stack_config import emergency_section, write_emergency
from infra.cli.stackplan import load_platform, plan_platform, stack_path
from infra.config import parse_platform
from infra.model.live import LiveState
from infra.planning.pipeline import plan_stack
from infra.sources import live_actions
from infra.sources.aws import AwsError
from infra.sources.live import read_stack
from policies import engine

MODES = ("up", "down", "reset", "none")
TARGETS = ("api", "worker", "database", "cache", "all")  # and any other tier the stack defines
EXAMPLES = """examples:
  scaling emergency up --target api --stack prod                 # dry run: what would change
  scaling emergency up --target api --stack prod --apply         # do it, verify, record in Pulumi.prod.yaml
  scaling emergency reset --target all --stack prod --apply      # runbook baseline (min 3, max 20, desired 5)
  scaling emergency none --stack prod --apply                    # back to the computed plan
exit codes: 0 done (or dry run), 1 refused by a policy / partly applied / verification failed, 2 bad input
or no AWS credentials"""


def add_parser(sub: Any) -> None:
    """Register `emergency` on the `scaling` subparsers."""
    parser = sub.add_parser("emergency", help="break-glass scaling from live counts, recorded in the stack config",
                            description=__doc__, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=MODES, help="up | down | reset (novacron §2), none = leave emergency mode")
    parser.add_argument("--target", metavar="|".join(TARGETS),
                        help="what to scale: a tier, database, cache or all (required except for none)")
    parser.add_argument("--stack", required=True, help="stack name; reads and records Pulumi.<stack>.yaml")
    parser.add_argument("--config-file", help="another stack file in the same format")
    parser.add_argument("--project-dir", default=".", help="where Pulumi.<stack>.yaml lives (default: .)")
    parser.add_argument("--apply", action="store_true", help="make the changes (default: dry run)")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def _compute_tiers(cfg: Any, target: str) -> tuple[str, ...]:
    names = tuple(cfg.tiers.names())
    return names if target == "all" else tuple(t for t in names if t == target)


def live_counts(cfg: Any, mode: str, target: str, live: LiveState) -> dict[str, dict[str, int]]:
    """The running desired count of each targeted group (healthy regions), to record in the config.
    A re-run of the same emergency keeps the counts recorded first (else `up` would double twice)."""
    current = cfg.emergency
    if mode not in ("up", "down"):
        return {}
    if current.mode == mode and current.target == target and current.live_desired:
        return {region: dict(tiers) for region, tiers in current.live_desired.items()}
    counts: dict[str, dict[str, int]] = {}
    for region in cfg.regions:
        if region.name in cfg.failed_regions:
            continue
        for tier in _compute_tiers(cfg, target):
            group = live.group(region.name, tier)
            if group is not None:
                counts.setdefault(region.name, {})[tier] = group.desired
    return counts


def _execute(change: Change) -> None:
    call = change.call
    if change.action == "resize":
        live_actions.set_group_size(change.region, call["group"], call["min"], call["max"], call["desired"])
    elif change.action == "schedule":
        live_actions.put_scheduled_action(change.region, call["group"], call["action"])
    elif change.action == "create-replica":
        live_actions.create_read_replica(change.region, call["identifier"], call["source"], call["instance_class"],
                                         call["tags"])
    elif change.action == "parameter":
        live_actions.set_db_parameter(change.region, call["group"], call["name"], str(call["value"]), "pending-reboot")
    elif change.action == "cache-node-type":
        live_actions.set_cache_node_type(change.region, call["group_id"], call["node_type"])
    elif change.action == "cache-replicas":
        live_actions.set_cache_replicas(change.region, call["group_id"], call["replicas"], call["current"])


def run(args: argparse.Namespace) -> tuple[str, int]:
    """Everything `scaling emergency` does; returns (text, exit code) or raises CommandFailed."""
    path = stack_path(args.stack, args.project_dir, args.config_file)
    platform, other, source = load_platform(path)
    cfg = parse_platform(platform, source)
    target = args.target or (cfg.emergency.target if args.mode == "none" else None)
    allowed = [*cfg.tiers.names(), "database", "cache", "all"]
    if target is None or target not in allowed:
        problem = "is required" if target is None else f"{target!r} is not allowed"
        raise InputError(f"scaling emergency {args.mode}: --target {problem}; allowed: {', '.join(allowed)}")
    if args.mode == "up" and cfg.emergency.mode == "up" and cfg.emergency.target != target:
        raise InputError(f"{source}: emergency: up is already declared for {cfg.emergency.target}; run "
                         f"`scaling emergency up --target all` or `scaling emergency none` first")
    terminal.step(f"reading the live state of {args.stack}")
    regions = [r.name for r in cfg.regions]
    live = read_stack(args.stack, regions)
    same = cfg.emergency.mode == args.mode and cfg.emergency.target == target
    declared_at = (cfg.emergency.declared_at if same and cfg.emergency.declared_at else
                   datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")) if args.mode != "none" else None
    section = emergency_section(platform.get("emergency") or {}, args.mode, target,
                                live_counts(cfg, args.mode, target, live), declared_at)
    terminal.step(f"planning emergency {args.mode} for {target}")
    em = plan_platform(args.stack, path, {**platform, "emergency": section}, other, source, args.project_dir)
    scope_plan = em.plan if args.mode != "none" else plan_stack(cfg, em.path.parent.resolve())
    listed = (scope_plan.emergency or {}).get("changes", [])
    scope = {(c["region"], c["tier"]) for c in listed if c["tier"] in _compute_tiers(cfg, target)}
    reasons = {(c["region"], c["tier"]): c["change"] for c in listed}
    planned = planned_state(em.resources, em.regions)
    changes, notes = compute_changes(args.mode, scope, planned, live, reasons)
    more, more_notes = data_changes(target, planned, live)
    changes, notes = changes + more, notes + more_notes
    policy_config = policy_config_for(args.stack, em.cfg)
    verdicts = [vars(v) for v in engine.evaluate(list(em.resources), policy_config)]
    doc = {"stack": args.stack, "mode": args.mode, "target": target, "apply": bool(args.apply),
           "changes": [dict(c.to_dict(), applied=False) for c in changes], "notes": notes,
           "cost": cost_section(em.cfg, list(em.resources), policy_config), "policies": verdicts,
           "config": {"file": str(path), "emergency": section, "written": False}, "verify": []}
    refused = [v for v in verdicts if v["enforcement"] == "mandatory"]
    if refused:
        raise CommandFailed(f"refused by policy {refused[0]['policy']}: {refused[0]['message']}; nothing was "
                            "changed", EXIT_POLICY, _render(doc, args.format))
    if not args.apply:
        return _render(doc, args.format), EXIT_OK
    return _apply(args, doc, changes, planned, path, section, regions)


def _apply(args: argparse.Namespace, doc: dict[str, Any], changes: list[Change], planned: Any, path: Any,
           section: dict[str, Any], regions: list[str]) -> tuple[str, int]:
    applied: list[Change] = []
    failure: tuple[Change, AwsError] | None = None
    for index, change in enumerate(changes):
        terminal.step(f"applying {index + 1}/{len(changes)}: {change.action} {change.resource}")
        try:
            _execute(change)
        except AwsError as err:
            failure = (change, err)
            break
        applied.append(change)
        doc["changes"][index]["applied"] = True
    if applied or failure is None:  # record what runs now, so the next `pulumi up` keeps it
        write_emergency(path, section)
        doc["config"]["written"] = True
    terminal.step("verifying")
    doc["verify"] = verify(applied, planned, read_stack(args.stack, regions))
    text = _render(doc, args.format)
    if failure is not None:
        stopped, error = failure
        done = ", ".join(f"{c.action} {c.resource}" for c in applied) or "nothing"
        raise CommandFailed(f"stopped at {stopped.action} {stopped.resource}: {error}; applied {len(applied)} of "
                            f"{len(changes)}: {done}; "
                            + (f"{path} records the emergency: re-run to finish" if applied else "config unchanged"),
                            EXIT_POLICY, text)
    failed = [check["check"] for check in doc["verify"] if check["ok"] is False]
    if failed:
        raise CommandFailed(f"verification failed after applying: {', '.join(failed)}", EXIT_POLICY, text)
    return text, EXIT_OK


def _render(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=1, default=str)

    def draw(console: Console) -> None:
        title = (f"{doc['stack']}: emergency {doc['mode']} {doc['target']} "
                 + ("(applied)" if doc["apply"] else "(dry run: nothing changed; --apply to make the changes)"))
        table = Table(title=title, title_justify="left")
        for column in ("region", "target", "resource", "change", "before", "after", "reason"):
            table.add_column(column, overflow="fold")
        for c in doc["changes"]:
            table.add_row(c["region"], c["target"], c["resource"], c["action"], json.dumps(c["before"]),
                          Text(json.dumps(c["after"]), style="bold green" if c.get("applied") else "bold"),
                          Text(c["reason"]))
        console.print(table if doc["changes"] else Text("no change needed: what runs already matches"))
        for note in doc["notes"]:
            console.print(Text(f"NOTE: {note}", style="yellow"))
        cost = doc["cost"]
        ceiling = (cost.get("emergency") or {}).get("ceiling_usd")
        console.print(Text(f"monthly cost in this mode: ${cost['monthly_usd']:,.2f} (budget ${cost['budget_usd']:,.2f}"
                           + (f", emergency ceiling ${ceiling:,.2f})" if ceiling else ")")))
        for verdict in doc["policies"]:
            console.print(Text(f"policy {verdict['policy']} [{verdict['enforcement'].upper()}]: {verdict['message']}",
                               style="bold red" if verdict["enforcement"] == "mandatory" else "yellow"))
        for check in doc["verify"]:
            mark = {True: "ok", False: "FAILED", None: "info"}[check["ok"]]
            console.print(Text(f"verify {mark}: {check['check']}: {check['detail']}",
                               style={True: "green", False: "bold red", None: "yellow"}[check["ok"]]))
        emergency = json.dumps(doc["config"]["emergency"])
        console.print(Text(f"recorded in {doc['config']['file']}: emergency: {emergency} (commit it so the next "
                           "`pulumi up` keeps these values)" if doc["config"]["written"] else
                           f"would record in {doc['config']['file']}: emergency: {emergency}"))

    return terminal.render(draw)
