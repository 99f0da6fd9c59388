"""`scaling` command line: `plan` (the offline main job), `forecast`, `simulate`, `status` and `emergency`.

Exit codes (DESIGN.md, infra/cli/errors.py): 0 ok, 1 a mandatory policy violation or a finding,
2 bad input — one line naming the file, the key and what is allowed, never a traceback, nothing
written half-way; 3 an unexpected error (one line + a file with the trace); 130 interrupted.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

from infra.cli import crash, emergency, plan_checks, simulate_args, stackplan, status, terminal
from infra.cli import diff as diff_command
from infra.cli.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_POLICY, CommandFailed, InputError
from infra.cli.exit_codes import path_problem
from infra.cli.plan_policy import cost_section, policy_config_for
from infra.config import (
    ConfigError,
    PlatformConfig,
    apply_overrides,
    parse_platform,
    read_stack_file,
)
from infra.program import batch_gc
from infra.sources import history_source
from infra.sources.aws import AwsError
from infra.sources.metrics import HistoryError

__all__ = ["EXIT_OK", "EXIT_POLICY", "EXIT_BAD_INPUT", "InputError", "build_parser", "main", "entry",
           "cost_section", "policy_config_for"]


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line and exit 2 (its default is usage + message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message == "the following arguments are required: command":  # bare `scaling`: say what a command is
            message = f"a command is required: one of {', '.join(COMMANDS)} (scaling --help)"
        raise InputError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The `scaling` argument parser (`plan`, `forecast`); its errors raise InputError (exit 2)."""
    parser = _Parser(prog="scaling", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"scaling {crash.version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    plan = sub.add_parser("plan", help="run the program offline under SDK mocks and print the plan",
                          epilog=PLAN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    plan.add_argument("--stack", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    plan.add_argument("--config-file", help="another stack file in the same format")
    plan.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                      help="override a platform config value (VALUE is YAML), repeatable")
    plan.add_argument("--history", help="hourly demand history: a CSV (timestamp, value) or " + history_source.SYNTAX)
    plan.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    plan.add_argument("--out", help="directory for the markdown report, plan.json and charts")
    plan.add_argument("--project-dir", default=".", help="where Pulumi.<stack>.yaml lives (default: .)")
    plan.add_argument("--previous", metavar="OLD.json", help="earlier plan: stateful resources it has must not be "
                      "deleted or replaced (stateful-guard)")
    plan.add_argument("--mode", choices=plan_checks.MODES, default="preview",
                      help="update: also fail on what `pulumi up` needs and a preview does not (secrets)")
    forecast = sub.add_parser("forecast", help="forecast the hours after a demand history, with the plan's band",
                              epilog=FORECAST_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    forecast.add_argument("--history", required=True,
                          help="hourly demand history: a CSV (timestamp, value) or " + history_source.SYNTAX)
    forecast.add_argument("--hours", type=int, default=168, help="hours to forecast after the last history hour")
    forecast.add_argument("--format", choices=("table", "json"), default="table")
    simulate_args.add_arguments(sub.add_parser("simulate", help="replay a demand history through the plan and baselines"))
    status.add_parser(sub)
    emergency.add_parser(sub)
    diff_command.add_parser(sub)
    return parser


PLAN_EXAMPLES = """examples:
  scaling plan --stack prod
  scaling plan --stack prod --format json > plan.json
  scaling plan --stack prod --set 'failed_regions=["us-east-1"]' --out report/
  scaling plan --stack prod --history 'cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer=app/web/0123&days=28'
exit codes: 0 plan ok, 1 mandatory policy violation, 2 bad input, 3 internal error, 130 interrupted"""
FORECAST_EXAMPLES = """examples:
  scaling forecast --history traces/nasa_http_hourly_1995.csv --hours 168 --format json
  scaling forecast --history 'cloudwatch:AWS/ApplicationELB/RequestCount?LoadBalancer=app/web/0123&region=eu-west-1'"""


def load_stack_config(args: argparse.Namespace) -> tuple[PlatformConfig, dict[str, Any], dict[str, Any], str]:
    """Stack file + --set overrides, validated. Returns (config, platform dict, other keys, source)."""
    path = stackplan.stack_path(args.stack, args.project_dir, args.config_file)
    stack_file = read_stack_file(path)
    source = stack_file.path + (" (with --set)" if args.overrides else "")
    platform = apply_overrides(stack_file.platform, args.overrides, stack_file.path)
    cfg = parse_platform(platform, source, stack=args.stack)
    return cfg, platform, dict(stack_file.other), source


def _history_override(args: argparse.Namespace) -> list[str]:
    """`--history FILE` is `--set demand.history_csv=<absolute FILE>`: the program reads the same file."""
    if not getattr(args, "history", None) or history_source.is_cloudwatch(args.history):
        return []  # a CloudWatch history is loaded by run_plan and handed to the planner
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
    previous = plan_checks.load_plan(args.previous, "--previous") if args.previous else None
    if previous is not None:
        plan_checks.check_same_stack(previous, args.stack, args.previous)  # what exists: the change guard and the stateful guard compare with it
        platform = plan_checks.with_deployed_from(platform, previous, args.previous)
        source = f"{source} (with --previous)"
        cfg = parse_platform(platform, source)
    policy_config = policy_config_for(args.stack, cfg)  # a bad policy config file fails before the run
    if previous is not None:
        policy_config = plan_checks.with_previous(policy_config, previous)
    try:
        terminal.step("forecasting demand" if args.history or cfg.demand.history_csv else "planning capacity")
        if history_source.is_cloudwatch(args.history):
            history = history_source.load_history(args.history, default_region=cfg.primary_region.name)
            forecast = planning.forecast_for(cfg, history)
        else:
            history, forecast = planning.load_demand(cfg, Path(args.project_dir).resolve())
        # The program exports the same plan as its `capacity` output; computing it here once (pure)
        # spares planning twice and resolving that large output through the SDK.
        plan = planning.plan_stack(cfg, Path(args.project_dir).resolve(), forecast=forecast)
    except ConfigError as err:  # planner-level checks (e.g. shard removal) name the stack file too
        raise ConfigError(source if err.source == "stack config" else err.source, err.key, err.message) from None
    capacity = plan.to_dict()
    terminal.step("running the program under the SDK mocks")
    with crash.interrupt_exits_now():  # Ctrl-C inside the SDK's event loop would hang it
        run = offline.run_program(args.stack, platform, other, skip_outputs=frozenset({"capacity"}), plan=plan)
    resources = list(run.resources)
    terminal.step(f"evaluating the policy pack over {len(resources)} resources")
    verdicts = [vars(v) for v in engine.evaluate(resources, policy_config)]
    verdicts += plan_checks.secret_verdicts(cfg, other, args.stack, args.mode)
    doc = report.plan_document(args.stack, resources, capacity, cost_section(cfg, resources, policy_config),
                               verdicts, run.outputs)
    exit_code = EXIT_POLICY if any(p["enforcement"] == "mandatory" for p in doc["policies"]) else EXIT_OK
    evaluated = report.evaluated_policies(policy_config)
    if args.out:
        terminal.step(f"writing the report to {args.out}")
        write_report(args, cfg, plan, history, forecast, doc, evaluated)
    if args.format == "json":
        return report.to_json(doc), exit_code
    if args.format == "markdown":
        return report.render_markdown(doc, evaluated=evaluated), exit_code
    return report.render_table(doc, evaluated=evaluated), exit_code


def write_report(args: argparse.Namespace, cfg: PlatformConfig, plan: Any, history: Any, forecast: Any,
                 doc: dict, evaluated: list[dict[str, str]]) -> None:
    """`--out DIR`: plan.md (with charts), plan.json, shard_map.json and one PNG per region and tier;
    only these files are written (report.write_out_dir), each atomically."""
    from infra.cli import charts, report
    from infra.planning.shard_map import shard_map_for

    def chart_writer(directory: Path) -> list[str]:
        return charts.write_region_charts(directory, cfg, plan, history, forecast)

    names = charts.chart_names(cfg)
    files = {"plan.json": report.to_json(doc), "plan.md": report.render_markdown(doc, charts=names, evaluated=evaluated),
             "shard_map.json": json.dumps(shard_map_for(cfg, args.stack), indent=1)}
    try:
        report.write_out_dir(args.out, files, extra_writers=[chart_writer])
    except FileExistsError as err:  # outdir.ForeignFileError: someone else's file of the same name
        raise InputError(f"--out {args.out}: {err.filename} exists and was not written by scaling plan; "
                         "nothing was written: move it away or pass another directory") from None
    except OSError as err:  # e.g. a parent that is a file, no permission, disk full; nothing is left behind
        where = f" ({err.filename})" if err.filename and str(err.filename) != str(args.out) else ""
        raise InputError(f"--out {args.out}: cannot write the report: {err.strerror or err}{where}; "
                         "pass a directory path whose parent is a writable directory") from None


def run_forecast(args: argparse.Namespace) -> tuple[str, int]:
    """`scaling forecast`: the plan's forecaster and headroom for one history file (DESIGN.md contract)."""
    from infra.planning.forecast import forecast_demand

    if args.hours < 1 or args.hours > 24 * 366:
        raise InputError(f"--hours: {args.hours} is out of range; allowed 1..{24 * 366}")
    terminal.step("loading the history")
    history = history_source.load_history(args.history)
    terminal.step("forecasting")
    forecast = forecast_demand(history, hours=args.hours)
    doc = forecast.to_json()
    if args.format == "json":
        return json.dumps(doc), EXIT_OK
    lines = [f"method: {doc['method']}", f"headroom: {doc['headroom']}",
             *(f"history issue: {issue}" for issue in doc.get("history_issues", ())), "",
             f"{'hour start':<20} {'forecast':>14} {'capacity':>14}"]
    lines += [f"{h['start']:<20} {h['forecast']:>14,.1f} {h['capacity']:>14,.1f}" for h in doc["hours"]]
    return "\n".join(lines), EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `scaling` command in-process; returns its exit code (the collector is restored after).
    Every outcome is an exit code: 2 bad input, 3 unexpected error (trace in a file), 130 Ctrl-C."""
    with batch_gc.collector_paused():
        return crash.guarded(lambda: _run_command(argv))


def run_simulate(args: argparse.Namespace) -> tuple[str, int]:
    """`scaling simulate` (infra/cli/simulate.py) with the stack's validated config."""
    from infra.cli import simulate as simulate_cli  # numpy + numba: loaded only for this command

    return simulate_cli.run(args, load_stack_config(args)[0])


def run_diff(args: argparse.Namespace) -> tuple[str, int]:
    """`scaling diff` (infra/cli/diff.py); a base plan from a git ref is built with this module's `plan`."""
    return diff_command.run_diff(args, lambda argv: run_plan(build_parser().parse_args(["plan", *argv])))


COMMANDS = {"plan": run_plan, "forecast": run_forecast, "simulate": run_simulate, "status": status.run,
            "emergency": emergency.run, "diff": run_diff}


def _one_line(text: str) -> str:
    return "error: " + str(text).replace("\r", "\\r").replace("\n", "\\n")


def _check_paths(args: argparse.Namespace) -> None:
    """Path arguments the OS would refuse (a 300-character name) or that are empty are bad input, before
    any disk access."""
    for flag in ("config_file", "history", "out", "project_dir", "base", "head"):
        value = getattr(args, flag, None)
        if value == "":  # `--out "$DIR"` with DIR unset: never the current directory by accident
            raise InputError(f"--{flag.replace('_', '-')}: an empty path; pass a file or directory path "
                             "(an unset shell variable?)")
        problem = path_problem(value) if isinstance(value, str) else None
        if problem:
            shown = value if len(value) <= 40 else f"{value[:30]}..."
            raise InputError(f"--{flag.replace('_', '-')} {shown}: {problem}; pass a shorter path")


def _run_command(argv: Sequence[str] | None) -> int:
    def command() -> int:
        args = build_parser().parse_args(argv)
        _check_paths(args)
        with terminal.progress():
            text, code = COMMANDS[args.command](args)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return code

    # 2 bad input and a refused command's own code here, one line each; 3 and 130 in crash.guarded (main).
    try:
        with warnings.catch_warnings():  # numpy's RuntimeWarning on an edge case: the plan says what it computed
            warnings.simplefilter("ignore", RuntimeWarning)
            return command()
    except (ConfigError, InputError, HistoryError, AwsError, simulate_args.SimulateInputError) as err:
        print(_one_line(str(err)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except CommandFailed as err:
        if err.output:
            sys.stdout.write(err.output if err.output.endswith("\n") else err.output + "\n")
        print(_one_line(str(err)), file=sys.stderr)
        return err.code


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
