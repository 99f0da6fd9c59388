"""`scaling simulate`: replay a demand history through the plan and the baseline strategies.

    scaling simulate --stack prod --history traffic.csv [--unit rps|requests_per_hour] [--peak-rps N]
                     [--backtest [--weeks N]] [--seed N] [--boot-s N] [--format table|json] [--out DIR]

SOURCE is an hourly CSV (first column hour start, second column demand) or
`cloudwatch:<region>:<ALB dimension value>[:<days>]` (ALB RequestCount Sum per hour over the last
<days> whole days, default 28; boto3 honours AWS_ENDPOINT_URL). The history is the whole stack's
demand, split by the plan's region weights. The pure work lives in infra/planning/simulate.py; this
module parses, loads, renders and writes.
"""
from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from infra.cli import report
from infra.cli.simulate_args import SimulateInputError, add_arguments  # noqa: F401 (re-exported)
from infra.config import PlatformConfig
from infra.planning import simulate as sim
from infra.planning.forecast import HOURS_PER_WEEK, MIN_SEASONAL_HOURS
from infra.sources.metrics import (
    HourlyHistory,
    load_history_cloudwatch,
    load_history_csv,
)

CLOUDWATCH_PREFIX = "cloudwatch:"
CLOUDWATCH_DEFAULT_DAYS = 28
# Charts show the last two weeks at minute resolution: the weekly pattern and single alarms stay visible.
CHART_MINUTES = 14 * 24 * 60
CHART_STRATEGIES = ("plan", "reactive", "static")


def load_source(source: str, now: datetime | None = None) -> tuple[HourlyHistory, str]:
    """(history, its natural unit) from a CSV path or a `cloudwatch:` source."""
    if not source.startswith(CLOUDWATCH_PREFIX):
        return load_history_csv(source), "rps"
    parts = source[len(CLOUDWATCH_PREFIX):].split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise SimulateInputError(f"--history {source}: expected cloudwatch:<region>:<ALB dimension value>[:<days>], "
                                 "e.g. cloudwatch:us-east-1:app/web/0123456789abcdef:28")
    days = CLOUDWATCH_DEFAULT_DAYS
    if len(parts) == 3:
        if not parts[2].isdigit() or not 1 <= int(parts[2]) <= 455:
            raise SimulateInputError(f"--history {source}: days {parts[2]!r} must be a whole number 1..455 "
                                     "(CloudWatch keeps hourly data 455 days)")
        days = int(parts[2])
    end = (now or datetime.now(UTC)).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    history = load_history_cloudwatch(parts[0], load_balancer=parts[1], start=end - timedelta(days=days), end=end)
    return history, "requests_per_hour"


def backtest_origins(hours: int, weeks: int | None = None) -> list[int]:
    """Weekly origins counted back from the end, each with at least MIN_SEASONAL_HOURS before it, oldest first."""
    out = [o for o in range(hours - HOURS_PER_WEEK, MIN_SEASONAL_HOURS - 1, -HOURS_PER_WEEK)]
    return sorted(out[:weeks] if weeks else out)


def run(args: argparse.Namespace, cfg: PlatformConfig) -> tuple[str, int]:
    """Everything `scaling simulate` does once the stack config is loaded; returns (text, exit code)."""
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise SimulateInputError(f"--out {args.out}: exists and is not a directory; pass a new or existing directory")
    raw, natural = load_source(args.history)
    history = sim.to_rps(raw, args.unit or natural, args.peak_rps)
    if args.backtest:
        origins = backtest_origins(len(history), args.weeks)
        if not origins:
            raise SimulateInputError(
                f"--history {args.history}: {len(history)} h is too short for --backtest; need at least "
                f"{MIN_SEASONAL_HOURS + HOURS_PER_WEEK} h (two weeks to plan from and one to replay)")
        doc = sim.backtest(cfg, history, origins, seed=args.seed, boot_s=args.boot_s)
        result: dict[str, Any] = {}
    else:
        doc, result = sim.simulate(cfg, history, seed=args.seed, boot_s=args.boot_s,
                                   keep_minutes=CHART_MINUTES if args.out else 0)
    doc = {"stack": args.stack, "history": history.source, **doc}
    if args.out:
        _write_out(args.out, doc, result, history)
    if args.format == "json":
        return json.dumps(doc, indent=1), 0
    return render_table(doc), 0


def render_table(doc: dict[str, Any]) -> str:
    """Strategies (totals), then each group's strategies, as aligned text."""
    head = (f"{'strategy':<10} {'short %':>8} {'unserved %':>10} {'peak short':>11} {'cap ratio':>9} "
            f"{'inst-h':>11} {'cost $':>12} {'actions':>8} {'flaps':>6}")

    def row(name: str, s: dict[str, Any]) -> str:
        ratio = f"{s['capacity_ratio']:.3f}" if s["capacity_ratio"] is not None else "-"
        return (f"{name:<10} {s['short_pct']:>8.3f} {s['unserved_pct']:>10.3f} {s['peak_shortfall']:>11,.1f} "
                f"{ratio:>9} {s['instance_hours']:>11,.1f} {s['cost_usd']:>12,.2f} {s['actions']:>8} {s['flaps']:>6}")

    lines = [f"stack {doc['stack']}: {doc['hours']} h of {doc['history']}", doc["mode"], "", head]
    lines += [row(s["name"], s) for s in doc["strategies"]]
    for s in doc["strategies"]:
        lines.append(f"  {s['name']}: {s['description']}")
    for g in doc["groups"]:
        title = (f"{g['group']} ({g['units']}, {g['per_instance']:g}/instance, share {g['share']:.2%}, "
                 f"[{g['min']}, {g['max']}], boot {g['boot_s']} s)")
        lines += ["", title, head]
        lines += [row(s["name"], s) for s in g["strategies"]]
        if g["not_simulated"]:
            lines.append(f"  not simulated: {', '.join(g['not_simulated'])}")
    model = doc["minute_model"]
    lines += ["", f"metrics: {doc['metrics']}",
              f"minute model: {model['description']} (sigma {model['sigma']}, seed {model['seed']})"]
    return "\n".join(lines)


def _write_out(out: str, doc: dict[str, Any], result: dict[str, Any], history: HourlyHistory) -> None:
    files = {"simulate.json": json.dumps(doc, indent=1)}

    def charts(directory: Path) -> list[str]:
        return write_charts(directory, doc, result, history)

    try:
        report.write_out_dir(out, files, extra_writers=[charts] if result else [])
    except OSError as err:
        raise SimulateInputError(f"--out {out}: cannot write: {err.strerror or err}; "
                                 "pass a directory path whose parent is a writable directory") from None


def write_charts(directory: Path, doc: dict[str, Any], result: dict[str, Any], history: HourlyHistory) -> list[str]:
    """One PNG per group: demand, capacity of the plan/reactive/static strategies and the plan's floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for g in doc["groups"]:
        plan = result.get("plan", {}).get(g["group"])
        if plan is None:
            continue
        series = plan[1]
        n = series["demand"].size
        end = history.start + timedelta(hours=len(history))
        t = np.datetime64(end, "m") - np.arange(n, 0, -1).astype("timedelta64[m]")
        fig, ax = plt.subplots(figsize=(12, 4.2), dpi=90)
        ax.plot(t, series["demand"], color="0.35", lw=0.5, label="demand (minute model)")
        for name, color in zip(CHART_STRATEGIES, ("tab:green", "tab:orange", "tab:red")):
            entry = result.get(name, {}).get(g["group"])
            if entry is not None:
                ax.step(t, entry[1]["capacity"], where="post", color=color, lw=1, label=f"{name} capacity")
        ax.step(t, np.asarray(series["min_size"]) * g["per_instance"], where="post", color="tab:blue", lw=1,
                ls="--", label="plan floor (scheduled MinSize)")
        ax.set_ylabel(g["units"])
        ax.set_xlabel("time (UTC)")
        ax.set_title(f"{g['group']}: demand, capacity and floor (last {n // 1440} days)")
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        name = f"charts/{g['region']}-{g['tier']}.png"
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(directory / name)
        plt.close(fig)
        written.append(name)
    return written
