"""Smoke run of the strategy backtest bench on the bundled 3-week trace."""
from __future__ import annotations

import json

from bench.simulate_backtest import main, run_trace, stack_config
from tests.conftest import ROOT

FIXTURE = str(ROOT / "tests" / "fixtures" / "nasa_3weeks_hourly.csv")


def test_one_origin_every_strategy_against_static():
    out = run_trace(stack_config("dev"), FIXTURE, weeks=4, peak_rps=2000)
    assert (out["origins"], out["hours"]) == (1, 168)
    assert list(out["strategies"]) == ["static", "schedule", "reactive", "runbook", "plan"]
    assert out["strategies"]["static"]["vs_static"] == 1.0
    assert stack_config("dev").demand.forecast_days == 7  # replanned weekly


def test_main_prints_json_and_bad_trace_exits_2(capsys, tmp_path):
    assert main(["--trace", FIXTURE, "--stack", "dev", "--peak-rps", "2000", "--no-speed"]) == 0
    assert json.loads(capsys.readouterr().out)["traces"][0]["trace"] == "nasa_3weeks_hourly.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("hour,req\n2024-01-01 00:00:00,abc\n")
    assert main(["--trace", str(bad), "--no-speed"]) == 2
    assert "bad.csv: row 2 column 2: 'abc' is not a number" in capsys.readouterr().err
