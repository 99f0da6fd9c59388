"""Backtest of the scaling strategies: replay real traces week by week through plans rebuilt before each week.

    python bench/simulate_backtest.py                      # every trace in ../shared/traces/
    python bench/simulate_backtest.py --trace T.csv --stack prod --weeks 8 --peak-rps 100000

For each trace (requests per hour, rescaled so its busiest hour is `--peak-rps` requests/s for the
whole stack: a real trace's shape at the stack's size), at the last `--weeks` weekly origins with at
least two weeks before them, the runbook plan and the forecast plan are rebuilt from the hours before
the origin only (`demand.forecast_days` = 7: the plan is re-run weekly), and the following week is
replayed minute by minute (infra/planning/simulate.py) under every strategy: static peak x 1.2 (the
4 weeks before the origin), the runbook's fixed schedule, reactive triggers alone, runbook schedule +
triggers, forecast floor + triggers (the plan). All baselines run in the same pass. Prints JSON:
per trace and strategy `capacity_ratio` (capacity-hours / demand-hours), `short_pct` (% of
demand-minutes short), `unserved_pct`, `cost_usd`, `actions`, `flaps`, and `vs_static` (capacity
ratio / static's). `speed` times one `simulate()` of a year of hourly history (the longest trace,
tiled to 8760 h if shorter) through all the stack's groups and strategies, plans included.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.cli.simulate import backtest_origins  # noqa: E402
from infra.config import ConfigError, parse_platform, read_stack_file  # noqa: E402
from infra.planning import simulate as sim  # noqa: E402
from infra.sources.metrics import HistoryError, HourlyHistory, load_history_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRACES = ROOT.parent / "shared" / "traces"
REPLAN_DAYS = 7
YEAR_HOURS = 8760


def stack_config(stack: str):
    """The stack's config, replanned weekly (forecast_days 7)."""
    sf = read_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    cfg = parse_platform(sf.platform, sf.path)
    return cfg.model_copy(update={"demand": cfg.demand.model_copy(update={"forecast_days": REPLAN_DAYS})})


def run_trace(cfg, trace: str, weeks: int, peak_rps: float, seed: int = 0) -> dict:
    """Backtest one trace; returns its JSON block."""
    history = sim.to_rps(load_history_csv(trace), "requests_per_hour", peak_rps)
    origins = backtest_origins(len(history), weeks)
    if not origins:
        return {"trace": Path(trace).name, "error": f"{len(history)} h: too short for a weekly backtest"}
    t0 = time.perf_counter()
    doc = sim.backtest(cfg, history, origins, seed=seed)
    seconds = time.perf_counter() - t0
    static = next(s for s in doc["strategies"] if s["name"] == "static")["capacity_ratio"]
    return {
        "trace": Path(trace).name, "origins": len(origins), "hours": doc["hours"], "seconds": round(seconds, 2),
        "strategies": {s["name"]: {"capacity_ratio": s["capacity_ratio"], "vs_static": round(s["capacity_ratio"] / static, 4),
                                   "short_pct": s["short_pct"], "unserved_pct": s["unserved_pct"],
                                   "cost_usd": s["cost_usd"], "actions": s["actions"], "flaps": s["flaps"]}
                       for s in doc["strategies"]},
    }


def speed(cfg, trace: str, peak_rps: float) -> dict:
    """Seconds for one `simulate()` of a year of hourly history through every group and strategy."""
    history = sim.to_rps(load_history_csv(trace), "requests_per_hour", peak_rps)
    values = np.resize(history.values, YEAR_HOURS) if len(history) < YEAR_HOURS else history.values[-YEAR_HOURS:]
    year = HourlyHistory(history.start, values, history.source)
    sim.simulate(cfg, HourlyHistory(history.start, values[:2 * 168], history.source))  # warm: numba cache, imports
    t0 = time.perf_counter()
    doc, _ = sim.simulate(cfg, year)
    return {"trace": Path(trace).name, "hours": doc["hours"], "groups": len(doc["groups"]),
            "strategies": len(doc["strategies"]), "seconds": round(time.perf_counter() - t0, 3)}


def main(argv: list[str] | None = None) -> int:
    """Run the bench; prints JSON, exit 2 on a bad trace or stack."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trace", action="append", help="hourly CSV (repeatable; default: ../shared/traces/*.csv)")
    ap.add_argument("--stack", default="prod")
    ap.add_argument("--weeks", type=int, default=8, help="weekly origins per trace (newest; default 8)")
    ap.add_argument("--peak-rps", type=float, default=100_000.0, help="busiest hour of each trace, requests/s")
    ap.add_argument("--no-speed", action="store_true", help="skip the one-year speed run")
    args = ap.parse_args(argv)
    traces = args.trace or sorted(str(p) for p in TRACES.glob("*.csv"))
    if not traces:
        print(f"error: no traces given and none in {TRACES}", file=sys.stderr)
        return 2
    try:
        cfg = stack_config(args.stack)
        out = {"stack": args.stack, "peak_rps": args.peak_rps, "replan_days": REPLAN_DAYS,
               "traces": [run_trace(cfg, t, args.weeks, args.peak_rps) for t in traces]}
        if not args.no_speed:
            longest = max(traces, key=lambda t: Path(t).stat().st_size)
            out["speed"] = speed(cfg, longest, args.peak_rps)
    except (HistoryError, ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
