"""Rolling-origin backtest of the capacity forecast against two simple baselines.

    python bench/forecast_backtest.py --trace ../shared/traces/nasa_http_hourly_1995.csv --weeks 8

Origins are weekly, over the last `--weeks` weeks of the trace: origin k sits k weeks before the
end; every method plans the next 168 hours using only the hours before the origin. Methods:

* `scaling_platform`: `infra.planning.forecast.forecast_demand(...).upper` (this project).
* `static_peak_x1.2`: 1.2 x the max of the previous 4 weeks (672 h), one flat number for the
  week. Four weeks because it is the usual "last month's peak" rule and spans every weekday
  several times; with fewer than 4 weeks before the origin, whatever history exists.
* `seasonal_naive_x1.2`: 1.2 x the same hour one week earlier. If that hour is missing, the
  same hour 2, 3, ... weeks earlier; if none exists, 1.2 x the max of the previous week.

Scores (hours whose actual value is missing are skipped): `capacity_ratio` = sum capacity /
sum demand, `under_hours_pct` = % of hours with capacity < demand, `seconds` = time spent
computing that method's capacity over all origins. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.planning.forecast import HOUR, HOURS_PER_WEEK, forecast_demand  # noqa: E402
from infra.sources.metrics import HistoryError, HourlyHistory, load_history_csv  # noqa: E402

STATIC_WINDOW_HOURS = 4 * HOURS_PER_WEEK
BASELINE_HEADROOM = 1.2


def static_peak(y: np.ndarray, o: int) -> np.ndarray:
    window = y[max(0, o - STATIC_WINDOW_HOURS):o]
    return np.full(HOURS_PER_WEEK, BASELINE_HEADROOM * np.nanmax(window))


def seasonal_naive(y: np.ndarray, o: int) -> np.ndarray:
    cap = np.full(HOURS_PER_WEEK, np.nan)
    for t in range(HOURS_PER_WEEK):
        back = o + t - HOURS_PER_WEEK
        while back >= 0 and np.isnan(y[back]):
            back -= HOURS_PER_WEEK
        if back >= 0:
            cap[t] = y[back]
    fallback = np.nanmax(y[max(0, o - HOURS_PER_WEEK):o])
    return BASELINE_HEADROOM * np.where(np.isnan(cap), fallback, cap)


def ours(history: HourlyHistory, o: int) -> np.ndarray:
    y = history.values
    past = HourlyHistory(history.start, y[:o], history.source)
    return forecast_demand(past, HOURS_PER_WEEK).upper


def run(trace: str, weeks: int) -> dict:
    history = load_history_csv(trace)
    y = history.values
    n = y.size
    methods = {
        "scaling_platform": lambda o: ours(history, o),
        "static_peak_x1.2": lambda o: static_peak(y, o),
        "seasonal_naive_x1.2": lambda o: seasonal_naive(y, o),
    }
    origins = [n - k * HOURS_PER_WEEK for k in range(weeks, 0, -1)]
    origins = [o for o in origins if o >= 24]  # need at least a day before the origin
    results = {}
    for name, fn in methods.items():
        cap_sum = dem_sum = 0.0
        under = scored = 0
        seconds = 0.0
        for o in origins:
            t0 = time.perf_counter()
            cap = fn(o)
            seconds += time.perf_counter() - t0
            act = y[o:o + HOURS_PER_WEEK]
            ok = np.isfinite(act)
            cap_sum += float(cap[ok].sum())
            dem_sum += float(act[ok].sum())
            under += int((cap[ok] < act[ok]).sum())
            scored += int(ok.sum())
        results[name] = {
            "capacity_ratio": round(cap_sum / dem_sum, 4),
            "under_hours_pct": round(100.0 * under / scored, 3),
            "seconds": round(seconds, 4),
        }
    return {
        "trace": Path(trace).name,
        "origins": len(origins),
        "scored_hours": scored,
        "first_origin": (history.start + origins[0] * HOUR).isoformat()
        if origins else None,
        "methods": results,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trace", required=True, help="hourly CSV (hour start, demand)")
    ap.add_argument("--weeks", type=int, default=8, help="number of weekly origins (default 8)")
    args = ap.parse_args(argv)
    try:
        out = run(args.trace, args.weeks)
    except HistoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
