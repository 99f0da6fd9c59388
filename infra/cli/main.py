"""`scaling` command line: `scaling plan` (the offline main job) and `scaling forecast`.

Exit codes (DESIGN.md): 0 plan ok, 1 a mandatory policy violation, 2 bad input — one line naming
the file, the key and what is allowed, never a traceback, nothing written half-way.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from infra.cli import simulate_args
from infra.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK, EXIT_POLICY, path_problem, run_guarded  # noqa: F401
from infra.config import (
    ConfigError,
    PlatformConfig,
    apply_overrides,
    parse_platform,
    read_stack_file,
)
from infra.cost.prices import PRICE_SOURCE
from infra.program import batch_gc
from infra.sources.metrics import HistoryError


class InputError(Exception):
    """Bad command-line input; `str()` is the one line printed before exiting 2."""


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line and exit 2 (its default is usage + message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"scaling {self.prog.split()[-1] if ' ' in self.prog else ''}: {message}".replace("  ", " "))


def build_parser() -> argparse.ArgumentParser:
    """The `scaling` argument parser (`plan`, `forecast`); its errors raise InputError (exit 2)."""
    parser = _Parser(prog="scaling", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    plan = sub.add_parser("plan", help="run the program offline under SDK mocks and print the plan")
    plan.add_argument("--stack", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    plan.add_argument("--config-file", help="another stack file in the same format")
    plan.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                      help="override a platform config value (VALUE is YAML), repeatable")
    plan.add_argument("--history", help="hourly demand history CSV (timestamp, value)")
    plan.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    plan.add_argument("--out", help="directory for the markdown report, plan.json and charts")
    plan.add_argument("--project-dir", default=".", help="where Pulumi.<stack>.yaml lives (default: .)")
    forecast = sub.add_parser("forecast", help="forecast the hours after a demand history, with the plan's band")
    forecast.add_argument("--history", required=True, help="hourly demand history CSV (timestamp, value)")
    forecast.add_argument("--hours", type=int, default=168, help="hours to forecast after the last history hour")
    forecast.add_argument("--format", choices=("table", "json"), default="table")
    simulate_args.add_arguments(sub.add_parser("simulate", help="replay a demand history through the plan and baselines"))
    return parser


def load_stack_config(args: argparse.Namespace) -> tuple[PlatformConfig, dict[str, Any], dict[str, Any], str]:
    """Stack file + --set overrides, validated. Returns (config, platform dict, other keys, source)."""
    path = Path(args.config_file) if args.config_file else Path(args.project_dir) / f"Pulumi.{args.stack}.yaml"
    stack_file = read_stack_file(path)
    source = stack_file.path + (" (with --set)" if args.overrides else "")
    platform = apply_overrides(stack_file.platform, args.overrides, stack_file.path)
    cfg = parse_platform(platform, source, stack=args.stack)
    return cfg, platform, dict(stack_file.other), source


def policy_config_for(stack: str, cfg: PlatformConfig) -> dict[str, Any]:
    """The stack's `--policy-pack-config` file with the budget, environment, emergency state and
    edge traffic of this config, so the offline verdicts match what `pulumi preview --policy-pack`
    would say. Edge traffic is the stack's `edge.expected_*` split by provider weight
    (`edge_plan.edge_traffic`); the file's values are only the fallback for `pulumi preview`."""
    from infra.planning.edge_plan import edge_traffic
    from policies import engine

    base = engine.load_policy_config(stack)
    emergency = cfg.emergency.mode == "up"
    traffic = edge_traffic(cfg)["by_provider"]
    extra: dict[str, Any] = {
        "emergency": emergency,
        # None = the rule's default, emergency_ceiling_factor × budget (policies/rules.py)
        "emergency_ceiling_usd": cfg.emergency.budget_ceiling_usd_month or 0,
        "edge_gb_month": traffic.get("aws", {}).get("gb_month", 0.0),
        "edge_requests_month": traffic.get("aws", {}).get("requests_month", 0.0),
        "cloudflare_requests_month": traffic.get("cloudflare", {}).get("requests_month", 0.0),
    }
    config = engine.with_budget(base, cfg.budget_usd_month, **extra)
    for name in ("asg-min-max", "multi-az-in-prod"):
        config[name] = {**(config.get(name) or {}), "environment": cfg.environment}
    return config


def cost_section(cfg: PlatformConfig, resources: list, policy_config: dict[str, Any]) -> dict[str, Any]:
    """The plan's `cost`: the budget policy's own estimate (`rules.estimate_for` over the
    `stack-budget` config, edge traffic included) against the stack budget, plus the emergency
    ceiling when emergency mode is up."""
    from policies import engine, rules

    budget = engine.rule_config(rules.RULES_BY_NAME["stack-budget"], policy_config)
    estimate = rules.estimate_for(resources, budget)
    out = {"monthly_usd": round(estimate.monthly_usd, 2), "budget_usd": cfg.budget_usd_month,
           "model": budget.get("pricing_model", "aws"), "source": PRICE_SOURCE,
           "lines": [{"item": line.item, "monthly_usd": round(line.monthly_usd, 2), "reason": line.reason}
                     for line in estimate.lines]}
    if budget.get("emergency"):
        out["emergency"] = {"mode": cfg.emergency.mode, "target": cfg.emergency.target,
                            "ceiling_usd": round(rules.emergency_ceiling(budget), 2),
                            "ceiling_source": "emergency.budget_ceiling_usd_month"
                            if cfg.emergency.budget_ceiling_usd_month else
                            f"default {budget.get('emergency_ceiling_factor')} × budget"}
    return out


def _history_override(args: argparse.Namespace) -> list[str]:
    """`--history FILE` is `--set demand.history_csv=<absolute FILE>`: the program reads the same file."""
    if not getattr(args, "history", None):
        return []
    return [f"demand.history_csv={json.dumps(str(Path(args.history).resolve()))}"]


def run_plan(args: argparse.Namespace) -> tuple[str, int]:
    """Everything `scaling plan` does; returns (text to print, exit code)."""
    from infra.cli import report
    from infra.offline import runner as offline
    from infra.planning import pipeline as planning
    from policies import engine

    args.overrides = list(args.overrides) + _history_override(args)
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        # Checked before the run too: a file is never swapped for the report directory.
        raise InputError(f"--out {args.out}: exists and is not a directory; pass a new or existing directory")
    cfg, platform, other, source = load_stack_config(args)
    policy_config = policy_config_for(args.stack, cfg)  # a bad policy config file fails before the run
    try:
        history, forecast = planning.load_demand(cfg, Path(args.project_dir).resolve())
        # The program exports the same plan as its `capacity` output; computing it here once (pure)
        # spares planning twice and resolving that large output through the SDK.
        plan = planning.plan_stack(cfg, Path(args.project_dir).resolve(), forecast=forecast)
    except ConfigError as err:  # planner-level checks (e.g. shard removal) name the stack file too
        raise ConfigError(source if err.source == "stack config" else err.source, err.key, err.message) from None
    capacity = plan.to_dict()
    run = offline.run_program(args.stack, platform, other, skip_outputs=frozenset({"capacity"}), plan=plan)
    resources = list(run.resources)
    verdicts = [vars(v) for v in engine.evaluate(resources, policy_config)]
    doc = report.plan_document(args.stack, resources, capacity, cost_section(cfg, resources, policy_config),
                               verdicts, run.outputs)
    exit_code = EXIT_POLICY if any(p["enforcement"] == "mandatory" for p in doc["policies"]) else EXIT_OK
    if args.out:
        write_report(args, cfg, plan, history, forecast, doc)
    if args.format == "json":
        return report.to_json(doc), exit_code
    if args.format == "markdown":
        return report.render_markdown(doc), exit_code
    return report.render_table(doc), exit_code


def write_report(args: argparse.Namespace, cfg: PlatformConfig, plan: Any, history: Any, forecast: Any,
                 doc: dict) -> None:
    """`--out DIR`: plan.md (with charts), plan.json, shard_map.json and one PNG per region, all or nothing."""
    from infra.cli import charts, report
    from infra.planning.shard_map import shard_map_for

    def chart_writer(directory: Path) -> list[str]:
        return charts.write_region_charts(directory, cfg, plan, history, forecast)

    names = charts.chart_names(cfg)
    files = {"plan.json": report.to_json(doc), "plan.md": report.render_markdown(doc, charts=names),
             "shard_map.json": json.dumps(shard_map_for(cfg, args.stack), indent=1)}
    try:
        report.write_out_dir(args.out, files, extra_writers=[chart_writer])
    except OSError as err:  # e.g. a parent that is a file, no permission, disk full; nothing is left behind
        where = f" ({err.filename})" if err.filename and str(err.filename) != str(args.out) else ""
        raise InputError(f"--out {args.out}: cannot write the report: {err.strerror or err}{where}; "
                         "pass a directory path whose parent is a writable directory") from None


def run_forecast(args: argparse.Namespace) -> tuple[str, int]:
    """`scaling forecast`: the plan's forecaster and headroom for one history file (DESIGN.md contract)."""
    from infra.planning.forecast import forecast_demand
    from infra.sources.metrics import load_history_csv

    if args.hours < 1 or args.hours > 24 * 366:
        raise InputError(f"--hours: {args.hours} is out of range; allowed 1..{24 * 366}")
    forecast = forecast_demand(load_history_csv(args.history), hours=args.hours)
    doc = forecast.to_json()
    if args.format == "json":
        return json.dumps(doc), EXIT_OK
    lines = [f"method: {doc['method']}", f"headroom: {doc['headroom']}",
             *(f"history issue: {issue}" for issue in doc.get("history_issues", ())), "",
             f"{'hour start':<20} {'forecast':>14} {'capacity':>14}"]
    lines += [f"{h['start']:<20} {h['forecast']:>14,.1f} {h['capacity']:>14,.1f}" for h in doc["hours"]]
    return "\n".join(lines), EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `scaling` command in-process; returns its exit code (the collector is restored after)."""
    with batch_gc.collector_paused():
        return _run_command(argv)


def _check_paths(args: argparse.Namespace) -> None:
    """Path arguments the OS would refuse (a 300-character name) are bad input, before any disk access."""
    for flag in ("config_file", "history", "out", "project_dir"):
        value = getattr(args, flag, None)
        problem = path_problem(value) if isinstance(value, str) else None
        if problem:
            shown = value if len(value) <= 40 else f"{value[:30]}..."
            raise InputError(f"--{flag.replace('_', '-')} {shown}: {problem}; pass a shorter path")


def _run_command(argv: Sequence[str] | None) -> int:
    def command() -> int:
        args = build_parser().parse_args(argv)
        _check_paths(args)
        if args.command == "plan":
            text, code = run_plan(args)
        elif args.command == "forecast":
            text, code = run_forecast(args)
        elif args.command == "simulate":
            from infra.cli import simulate as simulate_cli  # numpy + numba: only for this command

            text, code = simulate_cli.run(args, load_stack_config(args)[0])
        else:  # pragma: no cover - argparse rejects unknown commands
            raise InputError(f"unknown command {args.command!r}")
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return code

    # Exit codes (infra/cli/exit_codes.py): 2 bad input, 3 internal error, 130 interrupted, one line each.
    return run_guarded(command, (ConfigError, InputError, HistoryError, simulate_args.SimulateInputError))


def entry() -> int:
    """Console script `scaling`: one command, then a cheap exit (see infra/program/batch_gc.py).

    The collector is paused here for good, not only inside `main()`: re-enabling it on the way out
    let the next allocation start a full collection of the whole SDK heap (about a second of a
    prod plan) just before the process exits.
    """
    batch_gc.pause_for_program()
    code = main()
    sys.stdout.flush()
    batch_gc.freeze_before_exit()
    return code


if __name__ == "__main__":
    sys.exit(entry())
