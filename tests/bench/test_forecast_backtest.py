"""Smoke run of the backtest bench on a small generated trace."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np

from bench.forecast_backtest import main, run, seasonal_naive, static_peak


def make_trace(path, weeks=6, seed=3):
    rng = np.random.default_rng(seed)
    t0 = datetime(2024, 1, 1)
    lines = ["hour_start,requests"]
    for i in range(weeks * 168):
        v = 500 * (1.3 + np.sin(2 * np.pi * (i % 24) / 24)) * (0.6 if (i // 24) % 7 >= 5 else 1.0)
        v *= np.exp(rng.normal(0, 0.05))
        cell = "" if 300 <= i < 310 else f"{v:.1f}"  # a 10 h gap in the history
        lines.append(f"{(t0 + timedelta(hours=i)):%Y-%m-%d %H:%M:%S},{cell}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bench_prints_json_for_every_method(tmp_path, capsys):
    trace = make_trace(tmp_path / "t.csv")
    assert main(["--trace", str(trace), "--weeks", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["origins"] == 2 and out["scored_hours"] == 336
    assert set(out["methods"]) == {"scaling_platform", "static_peak_x1.2", "seasonal_naive_x1.2"}
    for m in out["methods"].values():
        assert set(m) == {"capacity_ratio", "under_hours_pct", "seconds"}
        assert m["capacity_ratio"] > 0 and 0 <= m["under_hours_pct"] <= 100
    ours, static = out["methods"]["scaling_platform"], out["methods"]["static_peak_x1.2"]
    assert ours["capacity_ratio"] < static["capacity_ratio"]


def test_baselines_use_only_earlier_data(tmp_path):
    y = np.arange(1000, dtype=float)
    y[500 - 168 + 3] = np.nan  # same hour last week missing -> two weeks back
    assert static_peak(y, 500)[0] == 1.2 * 499
    sn = seasonal_naive(y, 500)
    assert sn[0] == 1.2 * (500 - 168) and sn[3] == 1.2 * (503 - 336)


def test_bench_bad_trace_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("hour,req\n2024-01-01 00:00:00,abc\n")
    assert main(["--trace", str(bad)]) == 2
    assert "bad.csv: row 2 column 2: 'abc' is not a number" in capsys.readouterr().err


def test_run_skips_missing_actuals(tmp_path):
    out = run(str(make_trace(tmp_path / "t.csv", weeks=5)), 4)
    assert out["scored_hours"] == 4 * 168 - 10  # the 10 h gap lies in the first scored week
